"""Notification tests: a live build holding only mart_notifications_due (no dbt needed), a real
aiosmtpd server on 127.0.0.1, and SMTP servers that misbehave."""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from notify import outbox, sender, sink
from warehouse import settings
from warehouse.store import LiveBuild, new_build_id, set_live

SWITCHED_ON = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

COLUMNS = (
    "notification_id varchar, event_id varchar, event_kind varchar, challenge_id varchar, "
    "case_ref varchar, stage_number integer, stage_label varchar, stage_name varchar, event_on date, "
    "event_recorded_at timestamp, event_source varchar, recipient_worker_id varchar, "
    "recipient_name varchar, recipient_email varchar, recipient_roles varchar, is_responder boolean, "
    "responder_worker_id varchar, responder_name varchar, response_due_on date, iro_worker_id varchar, "
    "team_id varchar, protocol_code varchar"
)


def due_row(i: int, **over) -> dict:
    row = {
        "notification_id": f"n{i:05d}",
        "event_id": f"ev-{i}",
        "event_kind": "escalated",
        "challenge_id": f"CASESYS-CH-{i}",
        "case_ref": f"C-{i:012X}",
        "stage_number": 2,
        "stage_label": "Stage 2",
        "stage_name": "Service Manager",
        "event_on": date(2026, 11, 3),
        "event_recorded_at": None,
        "event_source": "case_system",
        "recipient_worker_id": f"WSECRET{i}",
        "recipient_name": f"Manager {i}",
        "recipient_email": f"manager{i}@example.org",
        "recipient_roles": "service_manager",
        "is_responder": True,
        "responder_worker_id": f"WSECRET{i}",
        "responder_name": f"Manager {i}",
        "response_due_on": date(2026, 11, 10),
        "iro_worker_id": "WIRO1",
        "team_id": "T001",
        "protocol_code": "leicestershire",
    }
    row.update(over)
    return row


def publish(p: settings.Paths, rows: list[dict]) -> LiveBuild:
    """Make a live build whose mart_notifications_due holds ``rows``."""
    bid = new_build_id()
    f = p.builds_dir / f"{bid}.duckdb"
    f.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(f)) as con:
        con.execute(f"create table mart_notifications_due ({COLUMNS})")
        names = [c.split()[0] for c in COLUMNS.split(", ")]
        if rows:
            assert len(names) == 22
            con.executemany(
                "insert into mart_notifications_due values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[r[n] for n in names] for r in rows],
            )
    live = LiveBuild(
        build_id=bid,
        path=str(f),
        built_at=datetime.now(UTC).isoformat(),
        as_at="2026-11-03",
        protocol="leicestershire",
    )
    set_live(live, p)
    return live


def switch_on(p: settings.Paths, at: datetime = SWITCHED_ON) -> None:
    with outbox.writer_lock(p):
        outbox.switch_on(outbox.connect_writer(p), at)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> settings.Paths:
    monkeypatch.setenv("IROQA_HOME", str(tmp_path / "home"))
    p = settings.paths().ensure()
    switch_on(p)
    return p


@pytest.fixture
def smtp_sink():
    with sink.Sink() as s:
        yield s


def config(port: int, **over) -> sender.SmtpConfig:
    base = {"port": port, "timeout": 2.0, "backoff_base": 0.0, "backoff_max": 0.0, "max_attempts": 4}
    base.update(over)
    return sender.SmtpConfig(**base)


def rows_by_state(p: settings.Paths) -> dict[str, list[dict]]:
    con = outbox.connect_reader(p)
    out: dict[str, list[dict]] = {s: [] for s in outbox.STATES}
    for r in con.execute("select * from outbox"):
        out[r["state"]].append(dict(r))
    con.close()
    return out


class ScriptedHandler(sink.KeepHandler):
    """Answers DATA from a script (e.g. ['451 4.3.0 try later', 'sleep', 'ok']), then keeps."""

    def __init__(self, script: list[str], sleep: float = 5.0):
        super().__init__()
        self.script = list(script)
        self.sleep = sleep
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        step = self.script.pop(0) if self.script else "ok"
        if step == "sleep":  # the message arrived, the answer is late (client times out)
            await super().handle_DATA(server, session, envelope)
            await asyncio.sleep(self.sleep)
            return "250 OK"
        if step == "hold":  # the message arrived; hold the answer until released
            await super().handle_DATA(server, session, envelope)
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "250 OK"
        if step != "ok":
            return step
        return await super().handle_DATA(server, session, envelope)


class ClosingServer:
    """Speaks SMTP up to DATA, reads part of the message and closes the connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with c:
                f = c.makefile("rwb")
                f.write(b"220 closing.test ESMTP\r\n")
                f.flush()
                while line := f.readline():
                    cmd = line[:4].upper()
                    if cmd in (b"EHLO", b"HELO"):
                        f.write(b"250 closing.test\r\n")
                    elif cmd == b"DATA":
                        f.write(b"354 go ahead\r\n")
                        f.flush()
                        f.readline()
                        break  # close mid-message
                    else:
                        f.write(b"250 OK\r\n")
                    f.flush()

    def close(self):
        self.sock.close()


__all__ = ["SWITCHED_ON", "due_row", "publish", "switch_on", "config", "rows_by_state", "timedelta"]

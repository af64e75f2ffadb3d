"""The outbox: every notification the warehouse owes someone, durable, each sent once.

ADR 0004 says where it lives and who writes it: ``$IROQA_HOME/outbox.sqlite`` (SQLite in WAL
mode), written only by the notifier holding ``notify.lock``; pages open it ``query_only``.

One row per idempotency key (event_id, recipient_worker_id, kind): inserting a key that is
already there does nothing, so enqueuing the same live build twice, or two builds that both list
an event, never makes a second message.

States::

    pending     waiting to be sent (next_attempt_at says when; after a failure, a back-off)
    sending     handed to the SMTP server; set and committed before the DATA command
    sent        the server accepted it (250 after DATA)
    failed      refused permanently (5xx) or out of attempts: visible on the Outbox page
    suppressed  not to be sent: no address, or before notifications were switched on

The crash rule (docs/notifications.md, ADR 0004): a row found in ``sending`` when the notifier
starts was being sent when a notifier died; whether the server got it cannot be known from here,
so it is sent again **with the same Message-ID** (assigned once, when the row is created).
Receivers that deduplicate by Message-ID (the local sink of ``make run``, the tests' server, and
mail stores that suppress duplicate deliveries) show it once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse.settings import Paths

STATES = ("pending", "sending", "sent", "failed", "suppressed")

SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists outbox (
    notification_id text primary key,
    event_id text not null,
    recipient_worker_id text not null,
    kind text not null,
    challenge_id text not null,
    case_ref text not null,
    stage_label text,
    recipient_name text,
    recipient_email text,
    subject text not null,
    body_text text not null,
    body_html text not null,
    link text not null,
    message_id text not null unique,
    state text not null check (state in ('pending', 'sending', 'sent', 'failed', 'suppressed')),
    reason text,
    attempts integer not null default 0,
    next_attempt_at real not null default 0,
    last_error text,
    event_on text,
    created_at text not null,
    updated_at text not null,
    sent_at text,
    unique (event_id, recipient_worker_id, kind)
);
create index if not exists outbox_due on outbox (state, next_attempt_at);
create index if not exists outbox_challenge on outbox (challenge_id);
"""


def outbox_file(p: Paths) -> Path:
    return p.home / "outbox.sqlite"


def lock_file(p: Paths) -> Path:
    return p.home / "notify.lock"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class NotifierBusy(RuntimeError):
    """Another notifier holds notify.lock."""


@contextlib.contextmanager
def writer_lock(p: Paths) -> Iterator[None]:
    """The single-writer lock of the outbox (flock; the kernel releases it if the holder dies)."""
    p.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file(p), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NotifierBusy(
                f"Another notifier is running on {p.home} (it holds {lock_file(p).name})."
            ) from None
        yield
    finally:
        os.close(fd)


def connect_writer(p: Paths) -> sqlite3.Connection:
    """The writer's connection (only under :func:`writer_lock`)."""
    con = sqlite3.connect(outbox_file(p), timeout=30, isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma synchronous=full")  # a commit is on disk when it returns
    con.executescript(SCHEMA)
    with contextlib.suppress(OSError):
        os.chmod(outbox_file(p), 0o600)
    return con


def connect_reader(p: Paths) -> sqlite3.Connection | None:
    """A read-only view for pages and the CLI; None when no outbox exists yet."""
    f = outbox_file(p)
    if not f.exists():
        return None
    con = sqlite3.connect(f"file:{f}?mode=ro", uri=True, timeout=30)
    con.execute("pragma query_only=1")
    con.row_factory = sqlite3.Row
    return con


@dataclass(frozen=True)
class Switch:
    enabled_at: datetime

    @property
    def enabled_on(self) -> str:
        return self.enabled_at.date().isoformat()


def switch_on(con: sqlite3.Connection, at: datetime | None = None) -> Switch:
    """Record the moment notifications were switched on (once; later calls return the first)."""
    at = at or datetime.now(UTC)
    con.execute("insert or ignore into meta values ('enabled_at', ?)", (at.isoformat(),))
    return switch(con)


def switch(con: sqlite3.Connection) -> Switch | None:
    row = con.execute("select value from meta where key = 'enabled_at'").fetchone()
    return Switch(datetime.fromisoformat(row[0])) if row else None


def meta(con: sqlite3.Connection, key: str) -> str | None:
    row = con.execute("select value from meta where key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(con: sqlite3.Connection, key: str, value: str) -> None:
    con.execute("insert or replace into meta values (?, ?)", (key, value))


def counts(con: sqlite3.Connection) -> dict[str, int]:
    got = dict(con.execute("select state, count(*) from outbox group by state").fetchall())
    return {s: int(got.get(s, 0)) for s in STATES}


def wait_for_state(p: Paths, state: str, n: int, timeout: float = 30) -> bool:
    """Tests and the bench: wait until at least n rows are in ``state``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        con = connect_reader(p)
        if con is not None:
            try:
                if counts(con)[state] >= n:
                    return True
            except sqlite3.OperationalError:
                pass
            finally:
                con.close()
        time.sleep(0.1)
    return False

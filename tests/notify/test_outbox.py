"""The outbox and SMTP delivery against real SMTP servers on 127.0.0.1: each notification once,
nothing lost when the server refuses, times out or closes mid-message, or the writer is killed."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import UTC, date, datetime

import pytest

from notify import outbox, sender, sink
from tests.notify.conftest import ClosingServer, ScriptedHandler, config, due_row, publish, rows_by_state


def test_each_notification_sent_once_with_its_key(home, smtp_sink):
    publish(home, [due_row(i) for i in range(5)])
    cfg = config(smtp_sink.port)
    assert sender.send_once(home, cfg).sent == 5
    # the same build again, and a new build listing the same keys: nothing new
    assert sender.send_once(home, cfg).sent == 0
    publish(home, [due_row(i) for i in range(6)])
    assert sender.send_once(home, cfg).sent == 1
    assert len(smtp_sink.handler.messages) == 6 and smtp_sink.handler.deliveries == 6
    sent = rows_by_state(home)["sent"]
    assert len(sent) == 6 and all(r["attempts"] == 1 and r["sent_at"] for r in sent)


def test_email_has_case_ref_stage_responder_due_date_and_link_but_no_ids(home, smtp_sink):
    publish(home, [due_row(1, recipient_name="Ann O'Hara <script>")])
    sender.send_once(home, config(smtp_sink.port, base_url="https://iroqa.example.org/"))
    (m,) = smtp_sink.handler.parsed()
    text = m.get_body(("plain",)).get_content()
    html_part = m.get_body(("html",)).get_content()
    assert m["To"] == "manager1@example.org"
    assert "C-000000000001" in m["Subject"] and "Stage 2" in m["Subject"]
    assert "Tuesday 10 November 2026" in text
    assert "https://iroqa.example.org/respond?n=n00001" in text and "respond?n=n00001" in html_part
    assert "<script>" not in html_part and "&lt;script&gt;" in html_part
    assert m["Message-ID"] == "<n00001@localhost>"
    whole = m.as_string()
    for secret in ("CASESYS-CH-1", "WSECRET1", "WIRO1", "T001"):
        assert secret not in whole


def test_events_before_switch_on_are_never_emailed(home, smtp_sink):
    publish(
        home,
        [
            due_row(1, event_on=date(2026, 10, 30)),  # an extract's history
            due_row(2, event_on=date(2026, 11, 2)),
            # an app event recorded before the switch, on the day of it
            due_row(
                3,
                event_on=date(2026, 11, 2),
                event_source="app",
                event_recorded_at=datetime(2026, 11, 2, 8, 59),
            ),
            due_row(
                4,
                event_on=date(2026, 11, 2),
                event_source="app",
                event_recorded_at=datetime(2026, 11, 2, 9, 1),
            ),
        ],
    )
    sender.send_once(home, config(smtp_sink.port))
    assert sorted(str(m["To"]) for m in smtp_sink.handler.parsed()) == [
        "manager2@example.org",
        "manager4@example.org",
    ]


def test_no_address_is_suppressed_and_visible(home, smtp_sink):
    publish(home, [due_row(1, recipient_email=None), due_row(2, recipient_email="not an address")])
    rep = sender.send_once(home, config(smtp_sink.port))
    assert rep.suppressed == 2 and not smtp_sink.handler.messages
    reasons = sorted(r["reason"] for r in rows_by_state(home)["suppressed"])
    assert reasons == [
        "no email address for this worker (extract or user account)",
        "the email address is not valid",
    ]


def test_server_refusing_for_a_while_then_accepting(home):
    handler = ScriptedHandler(["451 4.3.0 try later", "451 4.3.0 try later"])
    with sink.Sink(handler) as s:
        publish(home, [due_row(1), due_row(2)])
        rep = sender.send_once(home, config(s.port, backoff_base=60, backoff_max=60))
        assert rep.retrying == 2 and rep.sent == 0
        pending = rows_by_state(home)["pending"]
        assert len(pending) == 2 and all(
            "451" in r["last_error"] and r["next_attempt_at"] > time.time() + 50 for r in pending
        )
        # not before its back-off
        assert sender.send_once(home, config(s.port)).sent == 0
        con = outbox.connect_writer(home)
        con.execute("update outbox set next_attempt_at = 0")
        con.close()
        assert sender.send_once(home, config(s.port)).sent == 2
    assert len(handler.messages) == 2 and handler.deliveries == 2


def test_server_refusing_permanently_fails_visibly_and_sends_nothing(home):
    handler = ScriptedHandler(["554 5.7.1 relay refused"])
    with sink.Sink(handler) as s:
        publish(home, [due_row(1), due_row(2)])
        rep = sender.send_once(home, config(s.port))
    assert rep.failed == 1 and rep.sent == 1
    (failed,) = rows_by_state(home)["failed"]
    assert failed["reason"] == "refused by the mail server" and failed["last_error"].startswith("554")


def test_out_of_attempts_fails(home):
    handler = ScriptedHandler(["451 later"] * 10)
    with sink.Sink(handler) as s:
        publish(home, [due_row(1)])
        for _ in range(3):
            sender.send_once(home, config(s.port, max_attempts=3))
    (failed,) = rows_by_state(home)["failed"]
    assert failed["attempts"] == 3 and failed["reason"] == "gave up after 3 attempts"
    assert not handler.messages


def test_server_timing_out_then_sent_once(home):
    # the server takes the message but answers too late: the client gives up; the retry
    # carries the same Message-ID, which the server already has: one message kept
    handler = ScriptedHandler(["sleep"], sleep=3)
    with sink.Sink(handler) as s:
        publish(home, [due_row(1)])
        rep = sender.send_once(home, config(s.port, timeout=1))
        assert rep.retrying == 1 and "timed out" in rep.errors[0].lower()
        time.sleep(2.5)
        assert sender.send_once(home, config(s.port, timeout=5)).sent == 1
    assert len(handler.messages) == 1
    (row,) = rows_by_state(home)["sent"]
    assert row["attempts"] == 2


def test_server_unreachable_waits(home):
    with sink.Sink() as s:
        port = s.port
    publish(home, [due_row(1)])
    rep = sender.send_once(home, config(port))
    assert rep.retrying == 1 and rep.errors[0].startswith("connecting:")
    with sink.Sink(port=port) as s:
        assert sender.send_once(home, config(port)).sent == 1
        assert len(s.handler.messages) == 1


def test_server_closing_mid_message(home, smtp_sink):
    closing = ClosingServer()
    try:
        publish(home, [due_row(1), due_row(2)])
        rep = sender.send_once(home, config(closing.port))
        assert rep.sent == 0 and rep.retrying == 2
        assert all(r["last_error"] for r in rows_by_state(home)["pending"])
    finally:
        closing.close()
    assert sender.send_once(home, config(smtp_sink.port)).sent == 2
    assert len(smtp_sink.handler.messages) == 2 and smtp_sink.handler.deliveries == 2


def _send_in_child(home_dir: str, port: int) -> None:
    from warehouse.settings import Paths

    sender.send_once(Paths(__import__("pathlib").Path(home_dir)), config(port))


def test_writer_killed_mid_send_sends_again_with_the_same_message_id(home):
    handler = ScriptedHandler(["hold"])
    with sink.Sink(handler) as s:
        publish(home, [due_row(1), due_row(2)])
        ctx = multiprocessing.get_context("spawn")
        child = ctx.Process(target=_send_in_child, args=(str(home.home), s.port))
        child.start()
        deadline = (
            time.monotonic() + 180
        )  # a spawned child imports duckdb and the app: slow on a loaded machine
        while not handler.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert handler.messages, "the child never reached DATA"
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        handler.release.set()
        states = rows_by_state(home)
        assert len(states["sending"]) == 1 and len(states["pending"]) == 1
        # the next notifier recovers it: same Message-ID, kept once by the server
        rep = sender.send_once(home, config(s.port))
        assert rep.sent == 2
    assert len(handler.messages) == 2
    assert handler.deliveries == 3  # the killed one was delivered twice, kept once
    assert {r["attempts"] for r in rows_by_state(home)["sent"]} == {1, 2}


def test_a_second_notifier_does_not_run_beside_the_first(home):
    with outbox.writer_lock(home), pytest.raises(outbox.NotifierBusy):
        sender.send_once(home, config(1))


def test_burst_of_1000_each_once(home, smtp_sink):
    publish(home, [due_row(i, recipient_email=f"m{i % 37}@example.org") for i in range(1000)])
    t = time.monotonic()
    total = 0
    while total < 1000 and time.monotonic() - t < 120:
        total += sender.send_once(home, config(smtp_sink.port)).sent
    assert total == 1000
    assert len(smtp_sink.handler.messages) == 1000 and smtp_sink.handler.deliveries == 1000
    assert outbox.counts(outbox.connect_reader(home))["sent"] == 1000
    for m in smtp_sink.handler.parsed():
        assert "CASESYS" not in m.as_string() and "WSECRET" not in m.as_string()


def test_switch_on_is_recorded_once(home):
    con = outbox.connect_writer(home)
    first = outbox.switch(con)
    assert outbox.switch_on(con, datetime(2030, 1, 1, tzinfo=UTC)) == first


def test_a_live_build_without_the_mart_sends_nothing_and_says_why(home, smtp_sink):
    import duckdb

    from warehouse.store import LiveBuild, set_live

    f = home.builds_dir / "old.duckdb"
    f.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(f)).close()
    set_live(
        LiveBuild(
            build_id="old",
            path=str(f),
            built_at="2026-11-01T00:00:00+00:00",
            as_at="2026-11-01",
            protocol="leicestershire",
        ),
        home,
    )
    rep = sender.send_once(home, config(smtp_sink.port))
    assert rep.sent == 0 and "run iroqa build" in rep.errors[0]

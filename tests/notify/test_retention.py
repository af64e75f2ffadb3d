"""The outbox's retention rule (notify/outbox.prune, docs/notifications.md "Retention") and the
notifier waking when a build goes live: against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from notify import outbox, sender
from tests.notify.conftest import config, due_row, publish, rows_by_state


def _set_state(p, notification_id: str, state: str, **extra) -> None:
    with outbox.writer_lock(p):
        con = outbox.connect_writer(p)
        sets = ", ".join(f"{k} = ?" for k in ("state", *extra))
        con.execute(
            f"update outbox set {sets} where notification_id = ?",  # noqa: S608 - names from this test
            (state, *extra.values(), notification_id),
        )
        con.close()


def test_old_sent_and_suppressed_messages_are_pruned_never_pending_or_failed(home, smtp_sink):
    rows = [due_row(i) for i in range(4)] + [due_row(9, recipient_email=None)]  # 9: suppressed
    rows.append(due_row(20, event_on=date(2026, 11, 30)))  # a recent event
    publish(home, rows)
    assert sender.send_once(home, config(smtp_sink.port)).sent == 5
    _set_state(home, "n00002", "pending", next_attempt_at=time.time() + 86_400)  # waiting to retry
    _set_state(home, "n00003", "failed", reason="refused by the mail server")
    now = datetime(2026, 12, 20, tzinfo=UTC)
    with outbox.writer_lock(home):
        con = outbox.connect_writer(home)
        con.execute("update outbox set updated_at = '2026-11-04T00:00:00+00:00'")  # changed long ago
        # the cut-off is 2026-11-20: events of 2026-11-03 are older, 2026-11-30 is not
        deleted = outbox.prune(con, days=30, now=now)
        assert outbox.pruned_before(con) == "2026-11-20"
        con.close()
    left = {s: sorted(r["notification_id"] for r in rs) for s, rs in rows_by_state(home).items()}
    assert deleted == 3
    assert left == {
        "pending": ["n00002"],
        "sending": [],
        "sent": ["n00020"],
        "suppressed": [],
        "failed": ["n00003"],
    }


def test_a_pruned_message_is_never_sent_again(home, smtp_sink):
    publish(home, [due_row(1), due_row(2, event_on=date(2026, 11, 30))])
    cfg = config(smtp_sink.port)
    assert sender.send_once(home, cfg).sent == 2
    with outbox.writer_lock(home):
        con = outbox.connect_writer(home)
        cutoff = datetime(2026, 11, 20, tzinfo=UTC)
        # pretend both were sent long ago: only the event's date decides between them
        con.execute("update outbox set updated_at = '2026-11-04T00:00:00+00:00'")
        assert outbox.prune(con, days=30, now=cutoff + timedelta(days=30)) == 1
        con.close()
    # a new build still lists both events: the pruned one is not queued (nor emailed) again
    publish(
        home, [due_row(1), due_row(2, event_on=date(2026, 11, 30)), due_row(3, event_on=date(2026, 11, 25))]
    )
    rep = sender.send_once(home, cfg)
    assert rep.sent == 1 and rep.enqueued == 1
    assert sorted(str(m["To"]) for m in smtp_sink.handler.parsed()) == [
        "manager1@example.org",
        "manager2@example.org",
        "manager3@example.org",
    ]


def test_the_retention_setting_is_checked():
    assert outbox.retention_days({}) == outbox.DEFAULT_RETENTION_DAYS == 365
    assert outbox.retention_days({"IROQA_OUTBOX_RETENTION_DAYS": " 90 "}) == 90
    with pytest.raises(ValueError, match="IROQA_OUTBOX_RETENTION_DAYS=7 is below the minimum of 30"):
        outbox.retention_days({"IROQA_OUTBOX_RETENTION_DAYS": "7"})
    with pytest.raises(ValueError, match="IROQA_OUTBOX_RETENTION_DAYS='a year' is not a whole number"):
        outbox.retention_days({"IROQA_OUTBOX_RETENTION_DAYS": "a year"})


def test_the_notifier_runs_the_rule_a_few_times_a_day(home, smtp_sink):
    publish(home, [due_row(1)])
    sender.send_once(home, config(smtp_sink.port))
    with outbox.writer_lock(home):
        con = outbox.connect_writer(home)
        assert outbox.meta(con, "pruned_at") is not None  # the first send ran it
        assert not outbox.prune_due(con)
        outbox.set_meta(con, "pruned_at", (datetime.now(UTC) - timedelta(hours=7)).isoformat())
        assert outbox.prune_due(con)
        con.close()


def test_the_running_notifier_sends_as_soon_as_a_build_goes_live(home, smtp_sink):
    """``iroqa notify run`` looks at the outbox every interval, but a new live build wakes it at
    once: with a 30 s interval the email still leaves within a second of the build going live."""
    publish(home, [])
    done = threading.Event()
    t = threading.Thread(
        target=sender.run,
        args=(home, config(smtp_sink.port)),
        kwargs={"interval": 30.0, "stop": done.is_set},
        daemon=True,
    )
    t.start()
    try:
        time.sleep(1.0)  # switched on, looked once, now waiting
        started = time.monotonic()
        publish(home, [due_row(1)])
        while not smtp_sink.handler.messages and time.monotonic() - started < 10:
            time.sleep(0.02)
        assert smtp_sink.handler.messages, "no email within 10 s"
        assert time.monotonic() - started < 1.5
    finally:
        done.set()
        publish(home, [])  # a new build wakes it at once, and it stops
        t.join(5)
    assert not t.is_alive()

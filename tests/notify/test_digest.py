"""The weekly digest against a real aiosmtpd server on 127.0.0.1: a person who chose it gets one
digest a week with the right sections and no single emails (only the urgent ones); a second run
the same week sends nothing more; an assistant service manager's digest covers their teams only;
a bank-holiday Monday moves the digest to Tuesday. Live builds hold mart_notifications_due and
mart_notification_digest rows (the mart's own rules are dbt unit tests in its YAML)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest

from accounts import users
from notify import digest, outbox, sender
from tests.notify.conftest import config, due_row, publish, rows_by_state
from warehouse.store import read_live

DIGEST_COLUMNS = (
    "digest_item_id varchar, recipient_worker_id varchar, recipient_name varchar, recipient_email varchar, "
    "recipient_roles varchar, section varchar, challenge_id varchar, case_ref varchar, stage_number integer, "
    "stage_label varchar, stage_name varchar, responder_worker_id varchar, responder_name varchar, "
    "response_due_on date, responded_on date, iro_worker_id varchar, team_id varchar, as_at_on date, "
    "digest_week varchar, week_start_on date, digest_day_on date, protocol_code varchar"
)

# the week of Monday 9 November 2026 (switch-on was Monday 2 November)
WEEK = {"digest_week": "2026-W46", "week_start_on": date(2026, 11, 9), "digest_day_on": date(2026, 11, 9)}


def item(n: int, who: str, section: str, roles: str = "responder", **over) -> dict:
    row = {
        "digest_item_id": f"d{n:04d}{who.lower()}",
        "recipient_worker_id": who,
        "recipient_name": f"Person {who.lower()}",
        "recipient_email": f"{who.lower()}@example.org",
        "recipient_roles": roles,
        "section": section,
        "challenge_id": f"CASESYS-CH-{n}",
        "case_ref": f"C-{n:012X}",
        "stage_number": 2,
        "stage_label": "Stage 2",
        "stage_name": "Service Manager",
        "responder_worker_id": "WTM",
        "responder_name": "Tess Manager",
        "response_due_on": date(2026, 11, 12) if section != "overdue" else date(2026, 11, 5),
        "responded_on": date(2026, 11, 6) if section == "awaiting_decision" else None,
        "iro_worker_id": "WIRO1",
        "team_id": "T001",
        "as_at_on": date(2026, 11, 9),
        "protocol_code": "leicestershire",
        **WEEK,
    }
    row.update(over)
    return row


def publish_with_digest(home, due: list[dict], items: list[dict]):
    live = publish(home, due)
    with duckdb.connect(str(read_live(home).file)) as con:
        con.execute(f"create table mart_notification_digest ({DIGEST_COLUMNS})")
        names = [c.split()[0] for c in DIGEST_COLUMNS.split(", ")]
        if items:
            con.executemany(
                "insert into mart_notification_digest values (" + ", ".join("?" * len(names)) + ")",  # noqa: S608
                [[r[n] for n in names] for r in items],
            )
    return live


def choose_digest(home, username: str, worker_id: str, email: str | None = None) -> None:
    users.add_user(home, username, role="responder", password="Correct-horse-battery-9", worker_id=worker_id)
    users.update_user(home, username, email=email or "", digest="weekly")


def subject(m) -> str:
    return " ".join(str(m["Subject"]).split())


def to(sink, address: str) -> list:
    return [m for m in sink.handler.parsed() if str(m["To"]) == address]


@pytest.fixture
def week(home):
    """The Team Manager WTM chose the digest; WOTHER did not."""
    choose_digest(home, "tess", "WTM")
    due = [
        due_row(1, recipient_worker_id="WTM", recipient_email="wtm@example.org", event_kind="escalated"),
        due_row(2, recipient_worker_id="WTM", recipient_email="wtm@example.org", event_kind="reminder"),
        due_row(3, recipient_worker_id="WTM", recipient_email="wtm@example.org", event_kind="overdue"),
        due_row(
            4, recipient_worker_id="WTM", recipient_email="wtm@example.org", event_kind="cap_approaching"
        ),
        due_row(5, recipient_worker_id="WOTHER", recipient_email="wother@example.org"),
    ]
    items = [
        item(1, "WTM", "due_this_week"),
        item(3, "WTM", "overdue"),
        item(7, "WIRO1", "awaiting_decision", roles="iro"),
    ]
    publish_with_digest(home, due, items)
    return home


def test_one_digest_with_its_sections_and_only_urgent_single_emails(week, smtp_sink):
    rep = sender.send_once(week, config(smtp_sink.port, base_url="https://iroqa.example.org"))
    assert rep.errors == []
    mine = to(smtp_sink, "wtm@example.org")
    digests = [m for m in mine if "weekly IRO QA digest" in subject(m)]
    singles = sorted(subject(m).split(":")[0] for m in mine if "digest" not in subject(m))
    assert len(digests) == 1
    # the escalation and the reminder wait for the digest; overdue and the cap warning still go
    assert singles == ["A challenge is nearing the 20-working-day limit", "A response is overdue"]
    suppressed = {r["kind"]: r["reason"] for r in rows_by_state(week)["suppressed"]}
    assert suppressed == {"escalated": "weekly digest", "reminder": "weekly digest"}
    # someone who did not choose the digest gets single emails as before, and no digest
    assert len(to(smtp_sink, "wother@example.org")) == 1
    (d,) = digests
    text = d.get_body(("plain",)).get_content()
    html_part = d.get_body(("html",)).get_content()
    assert "week beginning Monday 9 November 2026" in text and "2 cases" in subject(d)
    overdue_at, due_at = text.index("Overdue ("), text.index("Due this week (")
    assert overdue_at < due_at
    assert (
        "Case C-000000000003, Stage 2 (Service Manager): a response was due by Thursday 5 November 2026"
        in text
    )
    assert (
        "Case C-000000000001, Stage 2 (Service Manager): a response is due by Thursday 12 November 2026"
        in text
    )
    assert "https://iroqa.example.org/respond?d=d0001wtm" in text and "respond?d=d0003wtm" in html_part
    assert "Awaiting" not in text  # the IRO's item is in the IRO's digest, not theirs
    whole = d.as_string()
    for secret in ("CASESYS-CH-", "WTM", "WIRO1", "T001"):
        assert secret not in whole
    assert d["Message-ID"] == f"<{digest.notification_id('WTM', '2026-W46')}@localhost>"


def test_a_second_run_the_same_week_sends_nothing_more(week, smtp_sink):
    cfg = config(smtp_sink.port)
    sender.send_once(week, cfg)
    first = smtp_sink.handler.deliveries
    assert sender.send_once(week, cfg).sent == 0
    # a new build the same week (one more item): still no second digest
    choose_digest(week, "other", "WOTHER")  # a preference change re-reads the build too
    publish_with_digest(
        week,
        [due_row(1, recipient_worker_id="WTM", recipient_email="wtm@example.org")],
        [item(1, "WTM", "due_this_week"), item(9, "WTM", "due_this_week", as_at_on=date(2026, 11, 11))],
    )
    rep = sender.send_once(week, cfg)
    assert rep.sent == 0 and smtp_sink.handler.deliveries == first
    assert len([m for m in smtp_sink.handler.parsed() if "digest" in subject(m)]) == 1
    # the next week's first build sends the next one
    nxt = {
        "digest_week": "2026-W47",
        "week_start_on": date(2026, 11, 16),
        "digest_day_on": date(2026, 11, 16),
    }
    publish_with_digest(week, [], [item(1, "WTM", "overdue", as_at_on=date(2026, 11, 16), **nxt)])
    assert sender.send_once(week, cfg).sent == 1
    assert len([m for m in smtp_sink.handler.parsed() if "digest" in subject(m)]) == 2


def test_an_assistant_service_manager_s_digest_covers_their_teams_only(home, smtp_sink):
    choose_digest(home, "asha", "WASM1", email="asha@example.org")
    items = [
        item(
            1, "WASM1", "due_this_week", roles="iro_asm", recipient_email=None, responder_name="Tess Manager"
        ),
        item(2, "WASM1", "awaiting_decision", roles="iro_asm", recipient_email=None),
        item(3, "WASM2", "overdue", roles="iro_asm"),  # another team's: in WASM2's digest, not hers
        item(4, "WASM1", "overdue", roles="iro_asm;responder", recipient_email=None),  # her own as well
    ]
    publish_with_digest(home, [], items)
    sender.send_once(home, config(smtp_sink.port))
    (d,) = smtp_sink.handler.parsed()
    assert str(d["To"]) == "asha@example.org"  # the account's address where the extract has none
    text = d.get_body(("plain",)).get_content()
    assert "C-000000000001" in text and "C-000000000002" in text and "C-000000000004" in text
    assert "C-000000000003" not in text
    assert "Due this week in your teams: 1" in text and "Awaiting a decision in your teams: 1" in text
    assert "Overdue (responses past their due date): 1" in text
    assert "a response from Tess Manager is due by" in text
    assert "/case?d=d0001wasm1" in text and "/respond?d=d0004wasm1" in text


def test_a_bank_holiday_monday_moves_the_digest_to_tuesday(home, smtp_sink):
    """Late Summer Bank Holiday, Monday 31 August 2026: the mart says the digest day is Tuesday 1
    September (dbt unit test); the Monday build sends nothing, the Tuesday build sends it."""
    choose_digest(home, "tess", "WTM")
    hol = {"digest_week": "2026-W36", "week_start_on": date(2026, 8, 31), "digest_day_on": date(2026, 9, 1)}
    # notifications switched on before the week (the fixture's 2 November is later: move it back)
    con = outbox.connect_writer(home)
    con.execute(
        "update meta set value = ? where key = 'enabled_at'",
        (datetime(2026, 8, 3, 9, tzinfo=UTC).isoformat(),),
    )
    con.close()
    cfg = config(smtp_sink.port)
    publish_with_digest(home, [], [item(1, "WTM", "due_this_week", as_at_on=date(2026, 8, 31), **hol)])
    assert sender.send_once(home, cfg).sent == 0 and not smtp_sink.handler.messages
    publish_with_digest(home, [], [item(1, "WTM", "due_this_week", as_at_on=date(2026, 9, 1), **hol)])
    assert sender.send_once(home, cfg).sent == 1
    (d,) = smtp_sink.handler.parsed()
    assert "week beginning Monday 31 August 2026" in d.get_body(("plain",)).get_content()


def test_no_digest_before_notifications_were_switched_on(home, smtp_sink):
    """An old build (as at a week before the switch-on day) emails nobody about the past."""
    choose_digest(home, "tess", "WTM")
    old = {
        "digest_week": "2026-W44",
        "week_start_on": date(2026, 10, 26),
        "digest_day_on": date(2026, 10, 26),
    }
    publish_with_digest(home, [], [item(1, "WTM", "overdue", as_at_on=date(2026, 10, 27), **old)])
    assert sender.send_once(home, config(smtp_sink.port)).sent == 0


def test_digest_choice_is_checked(home):
    users.add_user(home, "tess", role="responder", password="Correct-horse-battery-9", worker_id="WTM")
    with pytest.raises(users.UserError, match="the digest must be one of none, weekly"):
        users.update_user(home, "tess", digest="daily")
    assert users.update_user(home, "tess", digest=" Weekly ").digest == "weekly"
    assert users.update_user(home, "tess", digest="none").digest == "none"


def test_a_digest_link_finds_its_case_and_an_unknown_or_old_build_finds_none(home):
    from dashboard import notify_ui
    from notify import responses

    publish_with_digest(home, [], [item(1, "WTM", "due_this_week")])
    build = read_live(home)
    assert responses.digest_item(build, "d0001wtm")["challenge_id"] == "CASESYS-CH-1"
    assert notify_ui.case_from_digest_link(build, "d0001wtm") == "CASESYS-CH-1"
    assert notify_ui.case_from_digest_link(build, "' or 1=1 --") is None
    assert notify_ui.case_from_digest_link(build, None) is None
    publish(home, [])  # a build from before the digest existed
    assert responses.digest_item(read_live(home), "d0001wtm") is None

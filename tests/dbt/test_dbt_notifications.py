"""mart_notifications_due on the Rotherham fixture, built under both protocols: who is told what
follows seeds/notification_rules.csv, recipients are the managers the responsible-manager rules
find, one row per event x recipient x kind, and nothing for a note."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from tests.dbt.conftest import DBT_PROJECT_DIR, BuildResult

pytestmark = pytest.mark.slow


def rules(protocol: str) -> dict[tuple[str, int | None], set[str]]:
    out: dict[tuple[str, int | None], set[str]] = defaultdict(set)
    with open(DBT_PROJECT_DIR / "seeds" / "notification_rules.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["protocol_code"] == protocol:
                out[(r["event_kind"], int(r["stage_number"]) if r["stage_number"] else None)].add(
                    r["recipient_role"]
                )
    return out


def wanted_roles(rule: dict, kind: str, stage: int | None) -> set[str]:
    return rule.get((kind, stage), set()) | rule.get((kind, None), set())


@pytest.mark.parametrize("protocol", ["leicestershire", "rotherham"])
def test_recipients_follow_the_rules(protocol: str, request: pytest.FixtureRequest) -> None:
    build: BuildResult = request.getfixturevalue(f"{protocol}_build")
    assert build.returncode == 0, build.failures()
    rule = rules(protocol)
    rows = build.rows(
        "select event_id, event_kind, stage_number, recipient_roles, is_responder, responder_worker_id, "
        "recipient_worker_id from mart_notifications_due"
    )
    assert rows, "no notifications at all"
    by_event: dict[str, set[str]] = defaultdict(set)
    for event_id, kind, stage, roles, _is_resp, _resp, _who in rows:
        got = set(roles.split(";"))
        # every role that chose a recipient is one the seed names for this kind and stage
        assert got <= wanted_roles(rule, kind, stage) | {"responder"}, (event_id, kind, stage, got)
        by_event[event_id] |= got
    kinds = {k for _, k, *_ in rows}
    assert "note" not in kinds and {"raised", "escalated", "response", "resolved"} <= kinds
    # each escalation tells its responder, who must respond
    esc = build.rows(
        "select n.event_id, bool_or(n.recipient_worker_id = e.responsible_worker_id and n.is_responder) "
        "from mart_notifications_due as n "
        "inner join fct_stage_episodes as e on e.challenge_id = n.challenge_id and e.stage_number = n.stage_number "
        "where n.event_kind in ('escalated', 'bypass') and e.responsible_worker_id is not null group by 1"
    )
    assert esc and all(ok for _, ok in esc), [e for e, ok in esc if not ok][:5]


def test_leicestershire_stage_three_tells_the_document_s_people(leicestershire_build: BuildResult) -> None:
    # stage 3: the Head of Service responds; the Service Manager and Team Manager are told, and the
    # Safeguarding and Performance Service Manager and the IRO's assistant service manager (where
    # the fixture has them)
    got = leicestershire_build.rows(
        "select string_agg(recipient_roles, ';') from mart_notifications_due "
        "where event_kind = 'escalated' and stage_number = 3 group by event_id"
    )
    assert got
    for (roles,) in got:
        assert {"head_of_service", "team_manager"} <= set(roles.split(";")), roles


def test_every_response_tells_the_iro(rotherham_build: BuildResult) -> None:
    got = rotherham_build.rows(
        "select count(distinct n.event_id), "
        "count(distinct n.event_id) filter (where n.recipient_worker_id = c.iro_worker_id) "
        "from mart_notifications_due as n inner join fct_challenges as c using (challenge_id) "
        "where n.event_kind = 'response' and c.iro_name is not null"
    )
    events, to_iro = got[0]
    assert events > 0 and to_iro == events


def test_no_child_id_in_the_mart(leicestershire_build: BuildResult) -> None:
    cols = {
        r[0] for r in leicestershire_build.rows("select column_name from (describe mart_notifications_due)")
    }
    assert "case_ref" in cols
    # no child id, and no free text (a concern or note may name the child): nothing to leak
    assert not cols & {"child_id", "note", "concern", "reason", "child_name"}


def test_reminders_and_first_overdue_day_as_at_the_build(rotherham_build: BuildResult) -> None:
    # as at Monday 31 July 2017: a reminder for each open step due on Tuesday 1 August, and an
    # overdue notice for each open step due on Friday 28 July (its first overdue working day is
    # the 31st); nothing for steps already answered
    def due(on: str) -> set[str]:
        return {
            r[0]
            for r in rotherham_build.rows(
                "select challenge_id from fct_stage_episodes where is_open and is_current_stage "
                "and responded_on is null and response_due_on = cast(? as date)",
                [on],
            )
        }

    def notified(kind: str) -> set[str]:
        return {
            r[0]
            for r in rotherham_build.rows(
                "select distinct challenge_id from mart_notifications_due where event_kind = ?", [kind]
            )
        }

    assert notified("reminder") == due("2017-08-01")
    assert notified("overdue") == due("2017-07-28")
    assert due("2017-08-01") | due("2017-07-28"), "the fixture has steps due around the as-at date"
    # the responder is the one reminded; the IRO's assistant service manager hears of overdue
    roles = {
        r[0]
        for r in rotherham_build.rows(
            "select recipient_roles from mart_notifications_due where event_kind = 'overdue'"
        )
    }
    assert any("responder" in r for r in roles)

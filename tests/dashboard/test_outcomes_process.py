# ruff: noqa: F811 - the fixtures of test_log_form are imported by name and used as arguments
"""Outcome for the child and the rest of the process (issue 13, item 2) with AppTest: resolving or
withdrawing records what changed for the child (required, coded, with words); the pre-CAFCASS meeting
(who attended, its outcome) and a discussion in supervision are recorded as events; a CAFCASS
referral with no pre-CAFCASS meeting is warned about; the "Impact and process" page shows the marts'
figures; the timeline shows the new events in words."""

from __future__ import annotations

import polars as pl

from tests.dashboard.conftest import assert_ok, open_page, query, texts
from tests.dashboard.test_log_form import (  # noqa: F401 - fixtures
    act_on,
    an_open_challenge,
    audited,
    cheap_hashing,
    errors,
    save,
    saved,
    w,
)
from warehouse.events import today_uk


def test_resolving_needs_what_changed_for_the_child_then_saves_it(w):
    c = an_open_challenge(w)
    at = act_on(w, c, "resolved")
    save(at)
    assert "Say what changed for the child" in errors(at)
    assert not saved(w)
    at.selectbox("log_outcome_code").set_value("assessment_completed")
    at.text_area("log_outcome_note").set_value("Updated assessment <script>x</script> done.")
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["action"], ev["outcome_code"], ev["outcome_note"]) == (
        "resolved",
        "assessment_completed",
        "Updated assessment <script>x</script> done.",
    )
    assert any(a["detail"].get("event_id") == ev["event_id"] for a in audited(w, "write"))


def test_the_pre_cafcass_meeting_needs_attendees_and_an_outcome(w):
    c = an_open_challenge(w, legal_status="lac")
    at = act_on(w, c, "pre_cafcass_meeting")
    save(at)
    assert "Say who attended the meeting." in errors(at)
    assert "Write the meeting's outcome." in errors(at)
    assert not saved(w)
    at.text_input("log_attendees").set_value("IRO, IRO manager, social worker, legal adviser")
    at.text_area("log_note").set_value("Agreed to refer to CAFCASS.")
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert ev["action"] == "pre_cafcass_meeting" and ev["attendees"].startswith("IRO, IRO manager")
    assert ev["note"] == "Agreed to refer to CAFCASS." and ev["event_on"] == today_uk()
    # with the meeting recorded, the referral is not warned about
    at.selectbox("log_action").set_value("cafcass_referral").run()
    assert "No pre-CAFCASS meeting is recorded" not in "\n".join(x.value for x in at.warning)


def test_a_cafcass_referral_without_a_meeting_is_warned_about(w):
    c = query(
        w.live,
        "select l.challenge_id, c.iro_worker_id, c.current_stage from fct_challenge_learning l "
        "join fct_challenges c using (challenge_id) where c.status = 'open' and c.legal_status = 'lac' "
        "and not c.is_cafcass_referred and l.pre_cafcass_meetings = 0 and c.iro_worker_id is not null "
        "order by challenge_id limit 1",
    ).row(0, named=True)
    at = act_on(w, c, "cafcass_referral")
    assert "No pre-CAFCASS meeting is recorded" in "\n".join(x.value for x in at.warning)


def test_supervision_is_recorded_and_needs_words(w):
    c = an_open_challenge(w)
    at = act_on(w, c, "supervision")
    save(at)
    assert "Write what was agreed in supervision." in errors(at)
    at.text_area("log_note").set_value("Agreed to escalate to stage 2 if no plan by Friday.")
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert ev["action"] == "supervision"


def test_a_child_in_need_is_not_offered_the_pre_cafcass_meeting(w):
    c = an_open_challenge(w, legal_status="cin")
    at = act_on(w, c, "note")
    assert "pre_cafcass_meeting" not in at.selectbox("log_action").options
    assert "Record the pre-CAFCASS meeting" not in at.selectbox("log_action").options


def test_impact_and_process_page_shows_the_marts(demo):
    at = open_page("overview")
    at.switch_page("views/learning.py")
    at.run()
    assert_ok(at)
    tables = [df.value for df in at.dataframe]
    impact = [t for t in tables if "Outcome for the child" in t.columns][0]
    quarters = [c for c in impact.columns if c not in ("Outcome for the child", "Total")]
    expected = query(
        demo.live,
        "select coalesce(outcome_label, 'Not recorded') as label, period_label, sum(challenges)::bigint as n "
        "from mart_escalation_impact where list_contains($q, period_label) group by all",
        {"q": quarters},
    )
    assert expected.height > 0
    for label, quarter, n in expected.iter_rows():
        assert int(impact[impact["Outcome for the child"] == label][quarter].iloc[0]) == n, (label, quarter)
    all_row = impact[impact["Outcome for the child"] == "All"]
    assert int(all_row["Total"].iloc[0]) == int(expected["n"].sum())
    # every challenge closed in those quarters is counted once (true totals)
    closed = query(
        demo.live,
        "select count(*) from fct_challenge_learning where list_contains($q, closed_quarter_label)",
        {"q": quarters},
    ).item()
    assert int(all_row["Total"].iloc[0]) == closed
    steps = [t for t in tables if "Step" in t.columns]
    assert steps, "the process tables"
    raised = sum(int(t[t["Step"] == "Challenges raised"]["Total"].sum()) for t in steps)
    expected_raised = query(
        demo.live,
        "select coalesce(sum(steps), 0) from mart_process_steps where step = 'raised' "
        "and list_contains($q, period_label)",
        {"q": [c for t in steps for c in t.columns if c not in ("Step", "Total")]},
    ).item()
    assert raised == expected_raised
    assert "closed" in texts(at)


def test_the_timeline_shows_the_meeting_and_the_outcome(demo):
    from dashboard import ui

    events = pl.DataFrame(
        [
            {
                "event_type": "pre_cafcass_meeting",
                "stage": 3,
                "satisfied": None,
                "actor_name": "A. IRO",
                "actor_worker_id": "W1",
                "reason": None,
                "note": "Agreed to refer.",
                "attendees": "IRO, legal",
                "outcome_code": None,
                "outcome_note": None,
                "is_valid": True,
                "issue_code": None,
                "event_on": today_uk(),
                "recorded_by": "x",
                "recorded_at": None,
                "source": "app",
            },
            {
                "event_type": "resolved",
                "stage": 3,
                "satisfied": None,
                "actor_name": None,
                "actor_worker_id": None,
                "reason": None,
                "note": None,
                "attendees": None,
                "outcome_code": "plan_updated",
                "outcome_note": "New plan agreed",
                "is_valid": True,
                "issue_code": None,
                "event_on": today_uk(),
                "recorded_by": "x",
                "recorded_at": None,
                "source": "app",
            },
        ]
    )
    shown = ui.timeline_events(events, {"iro_name": "A. IRO"})
    assert shown["Event"].to_list() == ["Pre-CAFCASS meeting", "Resolved"]
    assert "attended by IRO, legal" in shown["Detail"][0]
    assert "outcome for the child: plan updated (New plan agreed)" in shown["Detail"][1]

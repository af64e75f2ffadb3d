"""The logging form (dashboard/views/log.py) with AppTest: every action saves one event, every
validation message shows next to its field, nothing is saved twice. Each test works on a private
copy of the demo warehouse (``scratch_warehouse``) and records request_build() calls instead of
starting real rebuilds."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tests.dashboard.conftest import assert_ok, open_page, query
from warehouse import live
from warehouse.events import read_events, today_uk

WHO = "iro.tester"


@pytest.fixture
def w(scratch_warehouse, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(live, "request_build", lambda *a, **k: calls.append(1))
    before = set(read_events(scratch_warehouse.paths)["event_id"].to_list())
    return SimpleNamespace(
        live=scratch_warehouse.live, paths=scratch_warehouse.paths, build_requests=calls, before=before
    )


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def saved(w) -> list[dict]:
    """The events saved during the test (the copied warehouse may hold some already)."""
    return [e for e in read_events(w.paths).to_dicts() if e["event_id"] not in w.before]


def open_form(mode: str | None = None, who: str | None = WHO):
    at = open_page("log")
    assert_ok(at)
    if who is not None:
        at.text_input("log_recorded_by").set_value(who)
    if mode == "existing":
        at.radio("log_mode").set_value("An action on an existing challenge")
    at.run()
    return at


def save(at):
    at.button("log_save").click().run()
    assert_ok(at)
    return at


def a_child(w, legal_status: str = "lac") -> str:
    return query(
        w.live,
        "select child_id from dim_children where legal_status = $s order by child_id limit 1",
        {"s": legal_status},
    ).item(0, 0)


def an_open_challenge(w, legal_status: str | None = None, stage: int | None = None) -> dict:
    sql = "select challenge_id, current_stage, raised_on, legal_status from fct_challenges where status = 'open'"
    params = {}
    if legal_status:
        sql += " and legal_status = $l"
        params["l"] = legal_status
    if stage is not None:
        sql += " and current_stage = $s"
        params["s"] = stage
    return query(w.live, sql + " order by challenge_id limit 1", params or None).row(0, named=True)


def new_challenge(
    at,
    child: str,
    *,
    formal_stage: int | None = None,
    themes=("care_plan_quality",),
    concern: str = "The plan is out of date",
    raised_on: date | None = None,
):
    if formal_stage is not None:
        at.radio("log_kind").set_value("Formal Escalation").run()
        at.number_input("log_entry_stage").set_value(formal_stage)
    at.text_input("log_child").set_value(child)
    at.multiselect("log_themes").set_value(list(themes))
    at.text_area("log_concern").set_value(concern)
    at.text_input("log_raised_with").set_value("W1005")
    if raised_on:
        at.date_input("log_raised_on").set_value(raised_on)
    return at


def pick(at, challenge_id: str, action: str):
    at.selectbox("log_challenge").set_value(challenge_id).run()
    at.selectbox("log_action").set_value(action).run()
    return at


# ------------------------------------------------------------------------------------------------
# New challenges
# ------------------------------------------------------------------------------------------------


def test_log_page_is_in_the_navigation(w):
    at = open_form()
    assert at.title[0].value == "Log a challenge" or any("Log a challenge" in t.value for t in at.title)


def test_new_positive_challenge_is_saved_as_typed(w):
    concern = "<script>alert('x')</script> **not bold** \n  trailing  "
    at = new_challenge(open_form(), a_child(w), concern=concern)
    save(at)
    assert not errors(at)
    assert any("Saved" in s.value for s in at.success), [s.value for s in at.success]
    [ev] = saved(w)
    assert ev["action"] == "raised" and ev["route"] == "informal" and ev["entry_stage"] == 0
    assert ev["concern"] == concern  # stored exactly as typed
    assert ev["recorded_by"] == WHO and ev["raised_by_worker_id"] == WHO
    assert ev["themes"] == ["care_plan_quality"] and ev["context"] == "lac_review"
    assert ev["event_id"] in at.success[0].value
    assert w.build_requests == [1]
    # nothing on the page renders the text as HTML
    assert not any("<script>" in m.value for m in at.markdown)


def test_new_formal_escalation_at_any_stage(w):
    at = new_challenge(open_form(), a_child(w, "cp"), formal_stage=3)
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["route"], ev["entry_stage"], ev["legal_status"]) == ("formal", 3, "cp")


def test_a_stage_the_protocol_does_not_have(w):
    at = new_challenge(open_form(), a_child(w), formal_stage=5)
    save(at)
    assert "The Leicestershire protocol has no stage 5: its stages are 1, 2, 3 and 4." in errors(at)
    assert not saved(w)


def test_unknown_child(w):
    at = new_challenge(open_form(), "NO-SUCH-CHILD")
    save(at)
    assert "There is no child 'NO-SUCH-CHILD' in the case system's records. Check the id." in errors(at)
    assert "Not saved: correct the fields marked above." in [x.value for x in at.warning]
    assert not saved(w)


def test_missing_child_and_themes(w):
    at = open_form()
    save(at)
    assert "Enter the child's case-system person id." in errors(at)
    assert "Choose at least one theme." in errors(at)
    assert not saved(w)


def test_raised_in_the_future(w):
    future = today_uk() + timedelta(days=3)
    at = new_challenge(open_form(), a_child(w), raised_on=future)
    save(at)
    assert "The date raised" in errors(at) and "is in the future" in errors(at)
    assert not saved(w)


def test_who_is_required(w):
    at = new_challenge(open_form(who=None), a_child(w))
    save(at)
    assert "Enter your name or worker id: every event records who made it." in errors(at)
    assert not saved(w)


def test_double_submit_saves_once(w):
    at = new_challenge(open_form(), a_child(w))
    save(at)
    first = saved(w)
    save(at)  # the same content again: the same event id, so write_event returns the saved one
    assert len(saved(w)) == 1 == len(first)


# ------------------------------------------------------------------------------------------------
# Actions on an existing challenge
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["resolved", "withdrawn", "legal_advice"])
def test_simple_actions_are_saved(w, action):
    c = an_open_challenge(w)
    at = pick(open_form("existing"), c["challenge_id"], action)
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["action"], ev["challenge_id"], ev["event_on"]) == (action, c["challenge_id"], today_uk())
    assert ev["recorded_by"] == WHO


def test_response_needs_satisfied_then_saves(w):
    c = an_open_challenge(w)
    at = pick(open_form("existing"), c["challenge_id"], "response")
    save(at)
    assert "Say whether you were satisfied with the response." in errors(at)
    at.radio("log_satisfied").set_value("No")
    at.text_input("log_actor").set_value("W1005")
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["action"], ev["satisfied"], ev["stage"], ev["actor_worker_id"]) == (
        "response",
        False,
        c["current_stage"],
        "W1005",
    )


def test_escalate_to_the_next_stage(w):
    c = an_open_challenge(w, stage=1)
    at = pick(open_form("existing"), c["challenge_id"], "escalated")
    assert at.number_input("log_stage").value == 2
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["action"], ev["stage"]) == ("escalated", 2)


def test_bypass_needs_a_reason(w):
    c = an_open_challenge(w, stage=1)
    at = pick(open_form("existing"), c["challenge_id"], "escalated")
    at.number_input("log_stage").set_value(4)
    save(at)
    assert "Escalating from stage 1 to stage 4 bypasses a stage: give the reason." in errors(at)
    assert not saved(w)
    at.text_area("log_reason").set_value("Child at immediate risk")
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["stage"], ev["reason"]) == (4, "Child at immediate risk")


def test_escalate_to_a_stage_already_reached_or_missing(w):
    c = an_open_challenge(w, stage=1)
    at = pick(open_form("existing"), c["challenge_id"], "escalated")
    at.number_input("log_stage").set_value(1)
    save(at)
    assert "The challenge is already at stage 1: escalate to a later stage." in errors(at)
    at.number_input("log_stage").set_value(6)
    save(at)
    assert "has no stage 6" in errors(at)
    assert not saved(w)


def test_note_needs_text(w):
    c = an_open_challenge(w)
    at = pick(open_form("existing"), c["challenge_id"], "note")
    save(at)
    assert "Write the note." in errors(at)
    at.text_area("log_note").set_value("Spoke to the <b>team manager</b>")
    save(at)
    assert not errors(at)
    assert saved(w)[0]["note"] == "Spoke to the <b>team manager</b>"


def test_cafcass_only_offered_for_looked_after_children(w):
    cp = an_open_challenge(w, legal_status="cp")
    at = open_form("existing")
    at.selectbox("log_challenge").set_value(cp["challenge_id"]).run()
    assert "Refer to CAFCASS" not in at.selectbox("log_action").options
    lac = an_open_challenge(w, legal_status="lac")
    at.selectbox("log_challenge").set_value(lac["challenge_id"]).run()
    assert "Refer to CAFCASS" in at.selectbox("log_action").options
    at.selectbox("log_action").set_value("cafcass_referral").run()
    save(at)
    assert not errors(at)
    assert saved(w)[0]["action"] == "cafcass_referral"


def test_acting_on_a_closed_challenge(w):
    closed = query(
        w.live,
        "select challenge_id from fct_challenges where status = 'resolved' order by closed_on desc limit 1",
    ).item(0, 0)
    at = pick(open_form("existing"), closed, "resolved")
    save(at)
    assert "you can only add a note to it." in errors(at)
    assert not saved(w)


def test_date_before_raised_and_in_the_future(w):
    c = an_open_challenge(w)
    at = pick(open_form("existing"), c["challenge_id"], "legal_advice")
    at.date_input("log_event_on").set_value(c["raised_on"] - timedelta(days=1))
    save(at)
    assert "is before the challenge was raised on" in errors(at)
    at.date_input("log_event_on").set_value(today_uk() + timedelta(days=1))
    save(at)
    assert "is in the future" in errors(at)
    assert not saved(w)


def test_no_challenge_chosen(w):
    at = open_form("existing")
    at.selectbox("log_action").set_value("legal_advice").run()
    save(at)
    assert "Choose the challenge this is about." in errors(at)


def test_a_challenge_logged_a_moment_ago_can_be_acted_on_before_the_rebuild(w):
    at = new_challenge(open_form(), a_child(w), formal_stage=1)
    save(at)
    [raised] = saved(w)
    at.radio("log_mode").set_value("An action on an existing challenge").run()
    assert any(o.endswith(raised["challenge_id"]) for o in at.selectbox("log_challenge").options)
    pick(at, raised["challenge_id"], "escalated")
    assert at.number_input("log_stage").value == 2  # its stage comes from the saved event
    save(at)
    assert not errors(at)
    at.selectbox("log_action").set_value("resolved").run()
    save(at)
    at.selectbox("log_action").set_value("withdrawn").run()
    save(at)
    assert "This challenge is resolved" in errors(at)  # the resolve saved a moment ago closed it
    assert [e["action"] for e in saved(w)] == ["raised", "escalated", "resolved"]

"""The logging form (dashboard/views/log.py) with AppTest: every action saves one event, every
validation message shows next to its field, nothing is saved twice, and what a user can log and act
on is their scope (docs/access.md): an IRO their own challenges, in their own name; an Assistant
Service Manager their teams' challenges, and no new ones. ``recorded_by`` is the signed-in user; the
list, the URL and session state cannot widen the scope; every write is audited, and nothing is
written if the audit cannot be. Corrections ("Correct an earlier entry") are new events that amend
the entry they correct.

Each test works on a private copy of the demo warehouse (``scratch_warehouse``), signs in users
created in it, and records request_build() calls instead of starting real rebuilds (nor does the
page start a rebuilder in advance)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from accounts import audit, users
from dashboard import data
from tests.conftest import log_again_in_app
from tests.dashboard.conftest import APP, assert_ok, ensure_user, open_page, query, signed_in, texts
from warehouse import live
from warehouse.events import read_events, today_uk, write_event

NEW, EXISTING, AMEND = "A new challenge", "An action on an existing challenge", "Correct an earlier entry"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def w(scratch_warehouse, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(live, "request_build", lambda *a, **k: calls.append(1))
    monkeypatch.setattr(live, "prepare_rebuilder", lambda *a, **k: None)
    before = set(read_events(scratch_warehouse.paths)["event_id"].to_list())
    # The IRO with the most open challenges signs in unless a test says otherwise.
    worker = query(
        scratch_warehouse.live,
        "select iro_worker_id from fct_challenges where status = 'open' and iro_worker_id is not null "
        "group by all order by count(*) desc, iro_worker_id limit 1",
    ).item()
    return SimpleNamespace(
        live=scratch_warehouse.live,
        paths=scratch_warehouse.paths,
        build_requests=calls,
        before=before,
        worker=worker,
    )


def errors(at) -> str:
    return "\n".join(e.value for e in at.error)


def saved(w) -> list[dict]:
    """The events saved during the test (the copied warehouse may hold some already)."""
    return [e for e in read_events(w.paths).to_dicts() if e["event_id"] not in w.before]


def audited(w, action: str) -> list[dict]:
    log = audit.read(w.paths)
    return [
        dict(r, detail=json.loads(r["detail"]))
        for r in log.filter(log["action"] == action).iter_rows(named=True)
    ]


def iro(w, worker: str | None = None) -> str:
    """An IRO account for ``worker`` (default: the IRO with the most open challenges)."""
    worker = worker or w.worker
    name = "iro-" + re.sub(r"[^a-z0-9]+", "-", worker.lower()).strip("-")
    ensure_user(name, role="iro", worker_id=worker, p=w.paths)
    return name


def asm(w, teams: list[str]) -> str:
    ensure_user("asm-" + "-".join(t.lower() for t in teams), role="asm", teams=tuple(teams), p=w.paths)
    return "asm-" + "-".join(t.lower() for t in teams)


def open_form(w, mode: str | None = None, *, user: str | None = None, worker: str | None = None, **kw):
    at = open_page("log", user=user or iro(w, worker), **kw)
    assert_ok(at)
    if mode == "existing":
        at.radio("log_mode").set_value(EXISTING).run()
    elif mode == "amend":
        at.radio("log_mode").set_value(AMEND).run()
    return at


def save(at, key: str = "log_save"):
    at.button(key).click().run()
    assert_ok(at)
    return at


def a_manager(w, role: str, not_role: bool = False) -> dict:
    """A worker in post in ``role`` (or, with ``not_role``, a manager in another role)."""
    return query(
        w.live,
        "select worker_id, worker_name, role, team_name from dim_workers "
        "where (role = $r) <> $other "
        "and role in ('team_manager', 'service_manager', 'head_of_service', 'assistant_director') "
        "order by worker_id limit 1",
        {"r": role, "other": not_role},
    ).row(0, named=True)


def a_child(w, legal_status: str = "lac") -> str:
    return query(
        w.live,
        "select child_id from dim_children where legal_status = $s order by child_id limit 1",
        {"s": legal_status},
    ).item(0, 0)


def an_open_challenge(
    w, legal_status: str | None = None, stage: int | None = None, worker: str | None = None
) -> dict:
    """An open challenge (of ``worker`` if given); its IRO is ``iro_worker_id``."""
    sql = (
        "select challenge_id, current_stage, raised_on, legal_status, iro_worker_id, team_id "
        "from fct_challenges where status = 'open' and iro_worker_id is not null"
    )
    params = {}
    if legal_status:
        sql += " and legal_status = $l"
        params["l"] = legal_status
    if stage is not None:
        sql += " and current_stage = $s"
        params["s"] = stage
    if worker:
        sql += " and iro_worker_id = $w"
        params["w"] = worker
    return query(w.live, sql + " order by challenge_id limit 1", params or None).row(0, named=True)


def someone_elses_challenge(w, worker: str) -> dict:
    return query(
        w.live,
        "select challenge_id, iro_worker_id, team_id from fct_challenges where status = 'open' "
        "and iro_worker_id <> $w order by challenge_id limit 1",
        {"w": worker},
    ).row(0, named=True)


def new_challenge(
    at,
    child: str,
    *,
    formal_stage: int | None = None,
    themes=("care_plan_quality",),
    concern: str = "The plan is out of date",
    raised_on: date | None = None,
    raised_with: str | None = None,
):
    """The new-challenge form filled in; the child (and the manager, if given) found by typing the
    whole id in the search, which chooses it at once (the name search itself: tests below)."""
    if formal_stage is not None:
        at.radio("log_kind").set_value("Formal Escalation").run()
        at.number_input("log_entry_stage").set_value(formal_stage)
    at.text_input("log_child").set_value(child).run()
    at.multiselect("log_themes").set_value(list(themes))
    at.text_area("log_concern").set_value(concern)
    if raised_with:
        at.text_input("log_raised_with").set_value(raised_with).run()
    if raised_on:
        at.date_input("log_raised_on").set_value(raised_on)
    return at


def choose_challenge(at, challenge_id: str):
    """The challenge found by typing its whole id in the search, which chooses it at once (the
    search itself, its bounds and its first choices: tests/dashboard/test_case_search.py)."""
    at.text_input("log_challenge").set_value(challenge_id).run()
    assert at.selectbox("log_challenge_pick").value == challenge_id
    return at


def pick(at, challenge_id: str, action: str):
    choose_challenge(at, challenge_id)
    at.selectbox("log_action").set_value(action).run()
    return at


def act_on(w, c: dict, action: str):
    """The form, signed in as the challenge's IRO, with the challenge and the action chosen."""
    return pick(open_form(w, "existing", worker=c["iro_worker_id"]), c["challenge_id"], action)


# ------------------------------------------------------------------------------------------------
# New challenges
# ------------------------------------------------------------------------------------------------


def test_log_page_is_in_the_navigation(w):
    at = open_form(w)
    assert any("Log a challenge" in t.value for t in at.title)
    assert at.radio("log_mode").options == [NEW, EXISTING, AMEND]


def test_new_positive_challenge_is_saved_as_typed_in_the_signed_in_iros_name(w):
    concern = "<script>alert('x')</script> **not bold** \n  trailing  "
    at = open_form(w)
    # no "who are you" field: the signed-in user is who records, and who raises
    assert not [t for t in at.text_input if "name or worker id" in t.label or t.label.startswith("Raised by")]
    new_challenge(at, a_child(w), concern=concern)
    save(at)
    assert not errors(at)
    assert any("Challenge logged" in s.value for s in at.success), [s.value for s in at.success]
    [ev] = saved(w)
    assert ev["action"] == "raised" and ev["route"] == "informal" and ev["entry_stage"] == 0
    assert ev["concern"] == concern  # stored exactly as typed
    assert ev["recorded_by"] == iro(w) and ev["raised_by_worker_id"] == w.worker
    assert ev["themes"] == ["care_plan_quality"] and ev["context"] == "lac_review"
    # the confirmation at the button: the case reference, the stage, the due date and a link; no
    # internal id; and a cleared form for the next challenge
    ref = query(w.live, "select case_ref from dim_children where child_id = $c", {"c": ev["child_id"]}).item()
    message = at.success[0].value.replace("\\", "")  # as shown: markdown escapes removed
    assert message.startswith(f"Challenge logged: case {ref}, Positive Challenge, response due "), message
    assert ev["event_id"] not in message
    assert at.text_input("log_child").value == "" and at.text_area("log_concern").value == ""
    assert at.multiselect("log_themes").value == []
    assert w.build_requests == [1]
    # nothing on the page renders the text as HTML
    assert not any("<script>" in m.value for m in at.markdown)


def test_the_form_shows_the_team_it_will_use_and_the_iro_may_choose_another(w):
    """Issue 15: a child with no allocated worker (demo C100302) gets its latest known team, shown
    before saving and saved on the event (so the ASM of that team sees the challenge); another
    team may be chosen."""
    child = query(
        w.live,
        "select c.child_id, c.team_id, t.team_name from dim_children c join dim_teams t using (team_id) "
        "where c.team_source = 'latest_known' order by c.child_id = 'C100302' desc, c.child_id limit 1",
    ).row(0, named=True)
    at = open_form(w)
    new_challenge(at, child["child_id"]).run()
    assert at.selectbox("log_team").value == child["team_id"]
    assert any(child["team_name"] in c.value and "as found" in c.value for c in at.caption)
    save(at)
    [ev] = saved(w)
    assert ev["team_id"] == child["team_id"]

    other = query(
        w.live,
        "select team_id from dim_teams where team_id <> $t and team_kind = 'social_work' limit 1",
        {"t": child["team_id"]},
    ).item()
    at = open_form(w)
    new_challenge(at, child["child_id"]).run()
    at.selectbox("log_team").set_value(other).run()
    assert any("your choice" in c.value for c in at.caption)
    save(at)
    assert [e["team_id"] for e in saved(w)][-1] == other


def test_new_formal_escalation_at_any_stage(w):
    at = new_challenge(open_form(w), a_child(w, "cp"), formal_stage=3)
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["route"], ev["entry_stage"], ev["legal_status"]) == ("formal", 3, "cp")


def test_a_stage_the_protocol_does_not_have(w):
    at = new_challenge(open_form(w), a_child(w), formal_stage=5)
    save(at)
    assert "The Leicestershire protocol has no stage 5: its stages are 1, 2, 3 and 4." in errors(at)
    assert not saved(w)


def test_unknown_child(w):
    at = new_challenge(open_form(w), "NO-SUCH-CHILD")
    assert any("Nothing matches 'NO-SUCH-CHILD'" in c.value.replace("\\", "") for c in at.caption)
    save(at)
    assert "Choose the child from the matches, or clear the search." in errors(at)
    assert "Not saved: correct the fields marked above." in [x.value for x in at.warning]
    assert not saved(w)


def test_missing_child_and_themes(w):
    at = open_form(w)
    save(at)
    assert "Search for the child and choose them from the matches." in errors(at)
    assert "Choose at least one theme." in errors(at)
    assert not saved(w)


def test_raised_in_the_future(w):
    future = today_uk() + timedelta(days=3)
    at = new_challenge(open_form(w), a_child(w), raised_on=future)
    save(at)
    assert "The date raised" in errors(at) and "is in the future" in errors(at)
    assert not saved(w)


def test_double_submit_saves_once_and_is_audited_once(w):
    at = new_challenge(open_form(w), a_child(w))
    save(at)
    first = saved(w)
    save(at)  # the same content again: the same event id, so write_event returns the saved one
    assert len(saved(w)) == 1 == len(first)
    assert [a["detail"]["event_id"] for a in audited(w, "write")] == [first[0]["event_id"]]


def test_an_iro_without_a_worker_id_has_no_log_page(w):
    ensure_user("iro-nobody", role="iro", p=w.paths)
    at = open_page("overview", user="iro-nobody")
    assert_ok(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/log.py")


# ------------------------------------------------------------------------------------------------
# Actions on an existing challenge
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["resolved", "withdrawn", "legal_advice"])
def test_simple_actions_are_saved(w, action):
    c = an_open_challenge(w)
    at = act_on(w, c, action)
    if action in ("resolved", "withdrawn"):  # what changed for the child is required (issue 13)
        at.selectbox("log_outcome_code").set_value("no_change")
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["action"], ev["challenge_id"], ev["event_on"]) == (action, c["challenge_id"], today_uk())
    assert ev["recorded_by"] == iro(w, c["iro_worker_id"])


def test_response_needs_satisfied_then_saves(w):
    c = an_open_challenge(w)
    at = act_on(w, c, "response")
    save(at)
    assert "Say whether you were satisfied with the response." in errors(at)
    at.radio("log_satisfied").set_value("No")
    role = query(
        w.live,
        "select responder_role from dim_protocol_stages where stage_number = $n",
        {"n": c["current_stage"]},
    ).item()
    manager = a_manager(w, role)
    at.text_input("log_actor").set_value(manager["worker_id"]).run()
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["action"], ev["satisfied"], ev["stage"], ev["actor_worker_id"]) == (
        "response",
        False,
        c["current_stage"],
        manager["worker_id"],
    )


def test_escalate_to_the_next_stage(w):
    c = an_open_challenge(w, stage=1)
    at = act_on(w, c, "escalated")
    assert at.number_input("log_stage").value == 2
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["action"], ev["stage"]) == ("escalated", 2)


def test_bypass_needs_a_reason(w):
    c = an_open_challenge(w, stage=1)
    at = act_on(w, c, "escalated")
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
    at = act_on(w, c, "escalated")
    at.number_input("log_stage").set_value(1)
    save(at)
    assert "The challenge is already at stage 1: escalate to a later stage." in errors(at)
    at.number_input("log_stage").set_value(6)
    save(at)
    assert "has no stage 6" in errors(at)
    assert not saved(w)


def test_note_needs_text(w):
    c = an_open_challenge(w)
    at = act_on(w, c, "note")
    save(at)
    assert "Write the note." in errors(at)
    at.text_area("log_note").set_value("Spoke to the <b>team manager</b>")
    save(at)
    assert not errors(at)
    assert saved(w)[0]["note"] == "Spoke to the <b>team manager</b>"


def test_cafcass_only_offered_for_looked_after_children(w):
    cp = an_open_challenge(w, legal_status="cp")
    at = open_form(w, "existing", worker=cp["iro_worker_id"])
    choose_challenge(at, cp["challenge_id"])
    assert "Refer to CAFCASS" not in at.selectbox("log_action").options
    lac = an_open_challenge(w, legal_status="lac")
    at = open_form(w, "existing", worker=lac["iro_worker_id"])
    choose_challenge(at, lac["challenge_id"])
    assert "Refer to CAFCASS" in at.selectbox("log_action").options
    at.selectbox("log_action").set_value("cafcass_referral").run()
    save(at)
    assert not errors(at)
    assert saved(w)[0]["action"] == "cafcass_referral"


def test_acting_on_a_closed_challenge(w):
    closed = query(
        w.live,
        "select challenge_id, iro_worker_id from fct_challenges where status = 'resolved' "
        "and iro_worker_id is not null order by closed_on desc limit 1",
    ).row(0, named=True)
    at = act_on(w, closed, "resolved")
    save(at)
    assert "you can only add a note to it." in errors(at)
    assert not saved(w)


def test_date_before_raised_and_in_the_future(w):
    c = an_open_challenge(w)
    at = act_on(w, c, "legal_advice")
    at.date_input("log_event_on").set_value(c["raised_on"] - timedelta(days=1))
    save(at)
    assert "is before the challenge was raised on" in errors(at)
    at.date_input("log_event_on").set_value(today_uk() + timedelta(days=1))
    save(at)
    assert "is in the future" in errors(at)
    assert not saved(w)


def test_no_challenge_chosen(w):
    at = open_form(w, "existing")
    at.selectbox("log_action").set_value("legal_advice").run()
    save(at)
    assert "Choose the challenge this is about." in errors(at)


def test_a_challenge_logged_a_moment_ago_can_be_acted_on_before_the_rebuild(w):
    at = new_challenge(open_form(w), a_child(w), formal_stage=1)
    save(at)
    [raised] = saved(w)
    at.radio("log_mode").set_value(EXISTING).run()
    assert raised["challenge_id"] in _listed(at)  # offered first, before any search
    pick(at, raised["challenge_id"], "escalated")
    assert at.number_input("log_stage").value == 2  # its stage comes from the saved event
    save(at)
    assert not errors(at)
    at.selectbox("log_action").set_value("resolved").run()
    at.selectbox("log_outcome_code").set_value("plan_updated")
    save(at)
    at.selectbox("log_action").set_value("withdrawn").run()
    at.selectbox("log_outcome_code").set_value("no_change")
    save(at)
    assert "This challenge is resolved" in errors(at)  # the resolve saved a moment ago closed it
    assert [e["action"] for e in saved(w)] == ["raised", "escalated", "resolved"]


# ------------------------------------------------------------------------------------------------
# Scope: who may log and act on what
# ------------------------------------------------------------------------------------------------


def _listed(at, search: str | None = None) -> list[str]:
    """The challenge ids the form offers (at most data.SEARCH_LIMIT): before a search, the user's most
    urgent; with ``search``, what it finds."""
    if search is not None:
        at.text_input("log_challenge").set_value(search).run()
    options = at.selectbox("log_challenge_pick").options
    assert len(options) <= data.SEARCH_LIMIT
    return [o.rsplit(" · ", 1)[-1] for o in options]


def test_an_iro_sees_and_acts_on_only_their_own_challenges(w):
    at = open_form(w, "existing")
    listed = _listed(at)
    assert listed
    owners = query(
        w.live,
        "select distinct iro_worker_id from fct_challenges where challenge_id in (select unnest($ids::varchar[]))",
        {"ids": listed},
    )["iro_worker_id"].to_list()
    assert owners == [w.worker]
    theirs = someone_elses_challenge(w, w.worker)
    assert theirs["challenge_id"] not in listed
    # before a search, their own open challenges are offered first (their most urgent)
    own_open = query(
        w.live,
        "select challenge_id from fct_challenges where status = 'open' and iro_worker_id = $w",
        {"w": w.worker},
    )["challenge_id"].to_list()
    assert 0 < len(own_open) <= data.SEARCH_LIMIT, "the demo IRO's open challenges fit the first choices"
    assert set(listed[: len(own_open)]) == set(own_open)
    # a search finds only their own, and someone else's whole id finds nothing
    assert set(_listed(at, search="C-")) <= set(
        query(w.live, "select challenge_id from fct_challenges where iro_worker_id = $w", {"w": w.worker})[
            "challenge_id"
        ].to_list()
    )
    assert _listed(at, search=theirs["challenge_id"]) == []
    assert f"Nothing matches '{theirs['challenge_id']}' among your challenges." in texts(at).replace("\\", "")


def test_another_iros_new_challenge_is_not_listed_before_the_build(w):
    other = someone_elses_challenge(w, w.worker)["iro_worker_id"]
    at = new_challenge(open_form(w, worker=other), a_child(w))
    save(at)
    [raised] = saved(w)
    assert raised["raised_by_worker_id"] == other
    mine = open_form(w, "existing")
    assert raised["challenge_id"] not in _listed(mine)
    theirs = open_form(w, "existing", worker=other)
    assert raised["challenge_id"] in _listed(theirs)


def test_an_asm_acts_on_their_teams_challenges_and_logs_none(w):
    c = an_open_challenge(w)
    name = asm(w, [c["team_id"]])
    at = open_page("log", user=name)
    assert_ok(at)
    assert at.radio("log_mode").options == [EXISTING, AMEND]  # no new challenges
    assert not [t for t in at.text_input if t.key == "log_child"]
    listed = _listed(at)
    teams = query(
        w.live,
        "select distinct team_id from fct_challenges where challenge_id in (select unnest($ids::varchar[]))",
        {"ids": listed},
    )["team_id"].to_list()
    assert teams == [c["team_id"]]
    pick(at, c["challenge_id"], "legal_advice")
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["challenge_id"], ev["recorded_by"]) == (c["challenge_id"], name)
    other_team = query(
        w.live,
        "select challenge_id from fct_challenges where team_id <> $t and status = 'open' limit 1",
        {"t": c["team_id"]},
    ).item()
    assert other_team not in listed


def tampered(user: str, session: dict):
    """The log page for ``user`` with ``session`` put into session state by hand before it runs
    (as a modified client or a bug might), rather than through its widgets."""
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at, user)
    for k, v in session.items():
        at.session_state[k] = v
    at.run()
    at.switch_page("views/log.py").run()
    assert_ok(at)
    return at


def test_an_asm_cannot_log_a_new_challenge_by_setting_session_state(w):
    c = an_open_challenge(w)
    name = asm(w, [c["team_id"]])
    at = tampered(name, {"log_mode": NEW})
    assert "Your role may not log new challenges." in errors(at)
    assert at.radio("log_mode").value == EXISTING
    assert not [t for t in at.text_input if t.key == "log_child"]
    assert not saved(w)
    denied = audited(w, "access_denied")
    assert any(d["user"] == name and d["detail"]["what"] == "log a new challenge" for d in denied)


def test_someone_elses_challenge_in_session_state_is_refused_and_nothing_is_written(w):
    theirs = someone_elses_challenge(w, w.worker)
    at = tampered(iro(w), {"log_mode": EXISTING, "log_challenge_pick": theirs["challenge_id"]})
    assert "You cannot act on this challenge: it is not one of your own challenges." in errors(at)
    assert at.selectbox("log_challenge_pick").value is None
    at.selectbox("log_action").set_value("resolved").run()
    save(at)
    assert "Choose the challenge this is about." in errors(at)
    assert not saved(w)
    denied = audited(w, "access_denied")
    assert any(d["detail"].get("challenge_id") == theirs["challenge_id"] for d in denied)


def test_someone_elses_challenge_in_the_link_is_refused_and_not_echoed(w):
    theirs = someone_elses_challenge(w, w.worker)
    at = open_form(w, query_params={"challenge": theirs["challenge_id"]})
    assert at.radio("log_mode").value == EXISTING
    assert "The challenge in this link is not one you can act on" in "\n".join(i.value for i in at.info)
    assert theirs["challenge_id"] not in texts(at)
    assert at.selectbox("log_challenge_pick").value is None
    assert not saved(w)
    assert any(d["detail"].get("what") == "challenge link" for d in audited(w, "access_denied"))


def test_ones_own_challenge_in_the_link_is_chosen(w):
    c = an_open_challenge(w, worker=w.worker)
    at = open_form(w, query_params={"challenge": c["challenge_id"]})
    assert at.radio("log_mode").value == EXISTING
    assert at.selectbox("log_challenge_pick").value == c["challenge_id"]


def leak(monkeypatch, challenge_id: str) -> None:
    """A bug in the challenge search: it also finds ``challenge_id``, whoever may act on it."""
    import polars as pl

    from tests.dashboard.conftest import ALL

    real = data.search_cases

    def leaky(build, scope, text, **kw):
        found = real(build, scope, text, **kw)
        extra = real(build, ALL, challenge_id).filter(pl.col("challenge_id") == challenge_id)
        return pl.concat([extra, found]) if challenge_id in text else found

    monkeypatch.setattr(data, "search_cases", leaky)


def test_someone_elses_challenge_offered_by_mistake_is_refused(w, monkeypatch):
    """Even if the search offered someone else's challenge (a bug), choosing it is refused and
    audited before any field is shown."""
    theirs = someone_elses_challenge(w, w.worker)
    leak(monkeypatch, theirs["challenge_id"])
    at = open_form(w, "existing")
    choose_challenge(at, theirs["challenge_id"])
    assert "You cannot act on this challenge: it is not one of your own challenges." in errors(at)
    assert not [b for b in at.button if b.key == "log_save"]
    assert not saved(w)
    assert any(d["detail"].get("challenge_id") == theirs["challenge_id"] for d in audited(w, "access_denied"))


def test_the_server_checks_the_scope_again_just_before_writing(w, monkeypatch):
    """If the page was fooled into showing the form for someone else's challenge (here: the state
    the page reads says it is the user's), the check made just before the write still refuses it,
    audits the refusal, and nothing is written."""
    import sys

    theirs = someone_elses_challenge(w, w.worker)
    real_state = data.challenge_state

    def fooled_state(build, home, challenge_id):
        state = real_state(build, home, challenge_id)
        if state and sys._getframe(1).f_code.co_name != "write_refusal":
            state = dict(state, iro_worker_id=w.worker)  # what the page sees
        return state

    leak(monkeypatch, theirs["challenge_id"])
    monkeypatch.setattr(data, "challenge_state", fooled_state)
    at = pick(open_form(w, "existing"), theirs["challenge_id"], "note")
    at.text_area("log_note").set_value("not mine to write")
    save(at)
    assert (
        "You cannot act on this challenge: it is not one of your own challenges. Nothing was saved."
        in errors(at)
    )
    assert not at.success
    assert not saved(w)
    assert not [a for a in audited(w, "write")]
    assert any(
        d["detail"].get("what") == "write" and d["detail"].get("challenge_id") == theirs["challenge_id"]
        for d in audited(w, "access_denied")
    )


# ------------------------------------------------------------------------------------------------
# The audit
# ------------------------------------------------------------------------------------------------


def test_every_write_is_audited(w):
    c = an_open_challenge(w, worker=w.worker)
    at = new_challenge(open_form(w), a_child(w))
    save(at)
    at.radio("log_mode").set_value(EXISTING).run()
    pick(at, c["challenge_id"], "legal_advice")
    save(at)
    events = saved(w)
    writes = [a for a in audited(w, "write") if a["user"] == iro(w)]
    assert [
        (a["detail"]["event_id"], a["detail"]["challenge_id"], a["detail"]["event_type"]) for a in writes
    ] == [(e["event_id"], e["challenge_id"], e["action"]) for e in events]
    assert {a["role"] for a in writes} == {"iro"}


def test_nothing_is_written_if_the_audit_cannot_be(w, monkeypatch):
    real = audit.record

    def failing(user, action, *a, **k):
        if action == "write":
            raise audit.AuditError("disk full")
        return real(user, action, *a, **k)

    monkeypatch.setattr(audit, "record", failing)
    at = new_challenge(open_form(w), a_child(w))
    save(at)
    assert "Not saved: IRO QA cannot write its audit log just now" in errors(at)
    assert not at.success
    assert not saved(w)
    assert w.build_requests == []


# ------------------------------------------------------------------------------------------------
# Correcting an earlier entry (amendments)
# ------------------------------------------------------------------------------------------------


def _an_app_event(w, c: dict, action: str = "note", **extra) -> dict:
    fields = {
        "action": action,
        "challenge_id": c["challenge_id"],
        "event_on": c["raised_on"],
        "recorded_by": "someone",
    }
    fields.update(extra)  # event_on may be overridden
    return write_event(fields, w.paths).record


def amend(w, c: dict, original_event_id: str, *, worker: str | None = None, user: str | None = None):
    at = open_form(w, "amend", worker=worker or c["iro_worker_id"], user=user)
    choose_challenge(at, c["challenge_id"])
    at.selectbox("log_amend_entry").set_value(original_event_id).run()
    assert_ok(at)
    return at


def test_correcting_a_note_saves_an_amendment_with_the_full_record(w):
    c = an_open_challenge(w)
    note = _an_app_event(w, c, "note", note="Spoke to the tem manager", actor_worker_id="W1")
    w.before.add(note["event_id"])
    at = amend(w, c, note["event_id"])
    assert "Events that came from the case system's extract are the case system's record" in texts(at)
    shown = at.dataframe[0].value
    assert "Spoke to the tem manager" in shown["value"].to_list()  # the values as recorded now
    assert at.text_area("log_amend_note").value == "Spoke to the tem manager"
    at.text_area("log_amend_note").set_value("Spoke to the team manager")
    save(at, "log_amend_save")
    assert not errors(at)
    [ev] = saved(w)
    assert ev["amends_event_id"] == note["event_id"]
    assert (ev["action"], ev["challenge_id"], ev["event_on"]) == ("note", c["challenge_id"], c["raised_on"])
    assert ev["note"] == "Spoke to the team manager" and ev["actor_worker_id"] == "W1"  # the full record
    assert ev["recorded_by"] == iro(w, c["iro_worker_id"])
    [write] = [a for a in audited(w, "write") if a["detail"]["event_id"] == ev["event_id"]]
    assert write["detail"]["amends_event_id"] == note["event_id"]
    assert w.build_requests == [1]


def test_a_correction_of_a_correction_follows_the_chain(w):
    c = an_open_challenge(w)
    resp = _an_app_event(w, c, "response", stage=c["current_stage"], satisfied=True)
    w.before.add(resp["event_id"])
    at = amend(w, c, resp["event_id"])
    at.radio("log_amend_satisfied").set_value("No")
    save(at, "log_amend_save")
    assert not errors(at)
    [first] = saved(w)
    assert (first["amends_event_id"], first["satisfied"]) == (resp["event_id"], False)
    # the list now shows the entry as corrected; correcting it again amends the correction
    assert "corrected 1 time" in at.selectbox("log_amend_entry").format_func(resp["event_id"])
    assert at.radio("log_amend_satisfied").value == "No"
    other = a_manager(w, "service_manager")["worker_id"]
    at.text_input("log_amend_actor").set_value(other).run()
    save(at, "log_amend_save")
    assert not errors(at)
    second = saved(w)[-1]
    assert second["amends_event_id"] == first["event_id"]
    assert (second["satisfied"], second["actor_worker_id"]) == (False, other)
    [resolved] = [
        e for e in data.resolve_amendments(read_events(w.paths)) if e["original_event_id"] == resp["event_id"]
    ]
    assert (resolved["event_id"], resolved["amendment_count"]) == (second["event_id"], 2)


def test_correcting_a_raised_challenge_themes_and_date(w):
    at = new_challenge(open_form(w), a_child(w), themes=("care_plan_quality",))
    save(at)
    [raised] = saved(w)
    at.radio("log_mode").set_value(AMEND).run()
    choose_challenge(at, raised["challenge_id"])
    at.selectbox("log_amend_entry").set_value(raised["event_id"]).run()
    assert at.multiselect("log_amend_themes").value == ["care_plan_quality"]
    assert at.text_input("log_amend_child").value == raised["child_id"]  # an IRO may see the child's id
    at.multiselect("log_amend_themes").set_value(["care_plan_quality", "placement_suitability"])
    earlier = today_uk() - timedelta(days=2)
    at.date_input("log_amend_event_on").set_value(earlier)
    save(at, "log_amend_save")
    assert not errors(at)
    fix = saved(w)[-1]
    assert fix["amends_event_id"] == raised["event_id"]
    assert (fix["action"], fix["challenge_id"]) == ("raised", raised["challenge_id"])
    assert fix["themes"] == ["care_plan_quality", "placement_suitability"]
    assert fix["raised_on"] == fix["event_on"] == earlier
    # the rest of the record is carried over, including who raised it
    for k in (
        "child_id",
        "raised_by_worker_id",
        "legal_status",
        "context",
        "route",
        "concern",
        "raised_with_worker_id",
    ):
        assert fix[k] == raised[k], k
    # the form sees the corrected challenge at once
    state = data.challenge_state(w.live, str(w.paths.home), raised["challenge_id"])
    assert state["raised_on"] == earlier


def test_correction_validation_messages(w):
    at = new_challenge(open_form(w), a_child(w))
    save(at)
    [raised] = saved(w)
    at.radio("log_mode").set_value(AMEND).run()
    choose_challenge(at, raised["challenge_id"])
    at.selectbox("log_amend_entry").set_value(raised["event_id"]).run()
    save(at, "log_amend_save")
    assert "Nothing has changed: correct at least one field, or leave the entry as it is." in errors(at)
    at.multiselect("log_amend_themes").set_value([])
    at.text_input("log_amend_child").set_value("NO-SUCH-CHILD").run()
    # a search that finds nothing keeps the child chosen (the choice is not the search) and says so
    assert at.selectbox("log_amend_child_pick").value == raised["child_id"]
    assert any("Nothing matches 'NO-SUCH-CHILD'" in c.value.replace("\\", "") for c in at.caption)
    at.date_input("log_amend_event_on").set_value(today_uk() + timedelta(days=1))
    at.radio("log_amend_kind").set_value("Formal Escalation").run()
    at.number_input("log_amend_entry_stage").set_value(7)
    save(at, "log_amend_save")
    e = errors(at)
    assert "Choose at least one theme." in e
    assert "The date raised" in e and "is in the future" in e
    assert "The Leicestershire protocol has no stage 7" in e
    assert "Not saved: correct the fields marked above." in [x.value for x in at.warning]
    assert len(saved(w)) == 1


def test_correcting_a_step_validation_messages(w):
    c = an_open_challenge(w, stage=1)
    note = _an_app_event(w, c, "note", note="first")
    esc = _an_app_event(w, c, "escalated", stage=2, event_on=today_uk())
    w.before |= {note["event_id"], esc["event_id"]}
    at = amend(w, c, note["event_id"])
    at.text_area("log_amend_note").set_value("  ")
    at.date_input("log_amend_event_on").set_value(c["raised_on"] - timedelta(days=1))
    save(at, "log_amend_save")
    assert "Write the note." in errors(at)
    assert "is before the challenge was raised on" in errors(at)
    at.selectbox("log_amend_entry").set_value(esc["event_id"]).run()
    assert at.number_input("log_amend_stage").value == 2
    at.number_input("log_amend_stage").set_value(4)
    save(at, "log_amend_save")
    assert "Escalating from stage 1 to stage 4 bypasses a stage: give the reason." in errors(at)
    at.number_input("log_amend_stage").set_value(6)
    save(at, "log_amend_save")
    assert "has no stage 6" in errors(at)
    assert not saved(w)


def test_a_challenge_with_no_app_entries_has_nothing_to_correct(w):
    c = an_open_challenge(w, worker=w.worker)
    at = open_form(w, "amend")
    choose_challenge(at, c["challenge_id"])
    assert "No entry of this challenge was recorded in IRO QA" in texts(at)
    assert "correct them in the case system" in texts(at)
    assert not [b for b in at.button if b.key == "log_amend_save"]


def test_an_asm_corrects_an_entry_of_their_teams_challenge_only(w):
    c = an_open_challenge(w)
    note = _an_app_event(w, c, "note", note="typo hre")
    w.before.add(note["event_id"])
    name = asm(w, [c["team_id"]])
    at = amend(w, c, note["event_id"], user=name)
    at.text_area("log_amend_note").set_value("typo here")
    save(at, "log_amend_save")
    assert not errors(at)
    [ev] = saved(w)
    assert (ev["amends_event_id"], ev["recorded_by"]) == (note["event_id"], name)
    # another IRO's challenge is not in an IRO's list for corrections either
    theirs = someone_elses_challenge(w, w.worker)
    assert theirs["challenge_id"] not in _listed(open_form(w, "amend"))


def test_resolve_amendments_matches_the_dbt_rule():
    """Latest wins (recorded_at, then event_id); chains lead to the original; a version that changes
    the action or the challenge is not applied; an amendment of an unknown event stands alone."""
    from datetime import UTC, datetime

    import polars as pl

    t = [datetime(2026, 10, i, 10, tzinfo=UTC) for i in range(1, 7)]
    rows = [
        {
            "event_id": "a",
            "action": "note",
            "challenge_id": "c1",
            "amends_event_id": None,
            "recorded_at": t[0],
            "recorded_by": "x",
            "note": "v1",
        },
        {
            "event_id": "b",
            "action": "note",
            "challenge_id": "c1",
            "amends_event_id": "a",
            "recorded_at": t[1],
            "recorded_by": "y",
            "note": "v2",
        },
        {
            "event_id": "c",
            "action": "note",
            "challenge_id": "c1",
            "amends_event_id": "b",
            "recorded_at": t[2],
            "recorded_by": "z",
            "note": "v3",
        },
        {
            "event_id": "d",
            "action": "resolved",
            "challenge_id": "c1",
            "amends_event_id": "a",
            "recorded_at": t[3],
            "recorded_by": "z",
            "note": "bad",
        },
        {
            "event_id": "e",
            "action": "note",
            "challenge_id": "c1",
            "amends_event_id": "missing",
            "recorded_at": t[4],
            "recorded_by": "z",
            "note": "alone",
        },
    ]
    df = pl.DataFrame(rows)
    out = {r["original_event_id"]: r for r in data.resolve_amendments(df)}
    assert set(out) == {"a", "e"}
    assert (out["a"]["event_id"], out["a"]["note"], out["a"]["amendment_count"]) == ("c", "v3", 2)
    assert out["a"]["first_recorded_by"] == "x"
    assert out["e"]["note"] == "alone"


def test_opening_the_form_warms_up_a_rebuilder(w, monkeypatch):
    """The page starts a rebuilder in advance (dbt loaded and parsed before the first save)."""
    calls: list[int] = []
    monkeypatch.setattr(live, "prepare_rebuilder", lambda *a, **k: calls.append(1))
    open_form(w)
    assert calls


@pytest.mark.slow
def test_a_challenge_logged_in_the_app_and_in_the_extract_is_listed_once_and_its_app_entries_corrected(w):
    """Once a build counts an app challenge as the extract's same challenge (app_challenge_id,
    docs/marts.md rule 3), the form lists it once, under the extract's id, and its app entries
    (logged under the app's id) can be corrected; a correction keeps the app's id."""
    from tests.conftest import DEMO_END
    from warehouse.build import build
    from warehouse.store import read_live

    c = query(
        w.live,
        "select challenge_id, child_id, raised_on, iro_worker_id, route, entry_stage, legal_status "
        "from fct_challenges where status = 'open' and route = 'formal' and iro_worker_id = $w "
        "and record_source = 'case_system' order by challenge_id limit 1",
        {"w": w.worker},
    ).row(0, named=True)
    raised = log_again_in_app(c, w.paths, iro(w)).record
    note = _an_app_event(
        w, {"challenge_id": raised["challenge_id"], "raised_on": c["raised_on"]}, note="tpyo"
    )
    w.before |= {raised["event_id"], note["event_id"]}
    build(as_at=DEMO_END, p=w.paths)
    merged = query(
        read_live(w.paths),
        "select challenge_id from fct_challenges where app_challenge_id = $a",
        {"a": raised["challenge_id"]},
    )["challenge_id"].to_list()
    assert merged == [c["challenge_id"]]

    at = open_form(w, "amend")
    case_ref = query(
        read_live(w.paths),
        "select case_ref from fct_challenges where challenge_id = $c",
        {"c": c["challenge_id"]},
    ).item()
    listed = _listed(at, search=case_ref)  # the child's challenges
    assert c["challenge_id"] in listed and raised["challenge_id"] not in listed
    choose_challenge(at, c["challenge_id"])
    assert set(at.selectbox("log_amend_entry").options) >= {
        at.selectbox("log_amend_entry").format_func(raised["event_id"]),
        at.selectbox("log_amend_entry").format_func(note["event_id"]),
    }
    at.selectbox("log_amend_entry").set_value(note["event_id"]).run()
    at.text_area("log_amend_note").set_value("typo")
    save(at, "log_amend_save")
    assert not errors(at)
    [fix] = saved(w)
    assert (fix["challenge_id"], fix["amends_event_id"], fix["note"]) == (
        raised["challenge_id"],
        note["event_id"],
        "typo",
    )


def test_the_chosen_challenge_and_what_was_typed_survive_the_build_after_a_save(w):
    """The live refresh a few seconds after a save: a challenge logged here and chosen to act on
    becomes, in the new build, the extract's same challenge (under the extract's id). The choice,
    the action and the typed note stay, with no refusal, and Save saves to that challenge."""
    from tests.conftest import DEMO_END
    from warehouse.build import build
    from warehouse.store import read_live

    c = query(
        w.live,
        "select challenge_id, child_id, raised_on, iro_worker_id, entry_stage from fct_challenges "
        "where status = 'open' and route = 'formal' and iro_worker_id = $w "
        "and record_source = 'case_system' order by challenge_id limit 1",
        {"w": w.worker},
    ).row(0, named=True)
    at = new_challenge(open_form(w), c["child_id"], formal_stage=c["entry_stage"], raised_on=c["raised_on"])
    save(at)
    [raised] = saved(w)
    at.radio("log_mode").set_value(EXISTING).run()
    pick(at, raised["challenge_id"], "note")
    at.text_area("log_note").set_value("Spoke to the team manager")
    build(as_at=DEMO_END, p=w.paths)  # the build the save asked for goes live
    merged = query(
        read_live(w.paths),
        "select challenge_id from fct_challenges where app_challenge_id = $a",
        {"a": raised["challenge_id"]},
    )["challenge_id"].to_list()
    assert merged == [c["challenge_id"]]
    at.run()  # the page reruns on the new build
    assert_ok(at)
    assert not errors(at), errors(at)
    assert at.selectbox("log_challenge_pick").value == c["challenge_id"]
    assert at.selectbox("log_action").value == "note"
    assert at.text_area("log_note").value == "Spoke to the team manager"
    save(at)
    assert not errors(at), errors(at)
    note = [e for e in saved(w) if e["action"] == "note"]
    assert [(e["challenge_id"], e["note"]) for e in note] == [
        (c["challenge_id"], "Spoke to the team manager")
    ]
    assert any("Note recorded" in s.value for s in at.success), [s.value for s in at.success]
    assert not audited(w, "access_denied")


# ------------------------------------------------------------------------------------------------
# Name search, the manager's role, a Save during a refresh, the team (issue 15)
# ------------------------------------------------------------------------------------------------


def scope_of(role: str, *, worker: str | None = None, teams: tuple[str, ...] = ()):
    from accounts.access import scope_for

    return scope_for(
        SimpleNamespace(username=f"s-{role}", role=role, teams=teams, worker_id=worker, disabled=False)
    )


def _ids(labels: list[str]) -> list[str]:
    """The case-system ids in the child choice's labels ("C-... (C100302) · looked after · ...")."""
    return [re.search(r"\(([^)]+)\)", label).group(1) for label in labels]


def test_child_search_is_bounded_and_within_the_users_scope(w):
    own = set(
        query(w.live, "select child_id from fct_challenges where iro_worker_id = $w", {"w": w.worker})[
            "child_id"
        ]
    )
    iro_scope = scope_of("iro", worker=w.worker)
    # fewer than 2 characters: no query at all
    assert data.search_children(w.live, iro_scope, "C").is_empty()
    # an IRO: part of an id lists only the children of their own challenges, at most 20 (+1 "more")
    found = data.search_children(w.live, iro_scope, "C1")
    assert 0 < found.height <= data.SEARCH_LIMIT + 1
    assert set(found["child_id"]) <= own
    # ... but a whole id finds any child, so a first challenge can be logged for them
    stranger = query(
        w.live,
        "select child_id, case_ref from dim_children where child_id not in "
        "(select child_id from fct_challenges where iro_worker_id = $w) order by child_id limit 1",
        {"w": w.worker},
    ).row(0, named=True)
    assert data.search_children(w.live, iro_scope, stranger["child_id"].lower())["child_id"].to_list() == [
        stranger["child_id"]
    ]
    assert data.search_children(w.live, iro_scope, stranger["case_ref"])["is_exact"].to_list() == [True]
    assert (
        stranger["child_id"]
        not in data.search_children(w.live, iro_scope, stranger["child_id"][:-1])["child_id"].to_list()
        or stranger["child_id"][:-1] in own
    )
    # leadership: everyone, still bounded
    everyone = data.search_children(w.live, scope_of("leadership"), "C1")
    assert everyone.height == data.SEARCH_LIMIT + 1
    # an ASM: the children their teams hold or whose challenges are in their teams
    team = query(w.live, "select team_id from dim_children where team_id is not null limit 1").item()
    asm_scope = scope_of("asm", teams=(team,))
    theirs = set(
        query(
            w.live,
            "select child_id from dim_children where team_id = $t "
            "union select child_id from fct_challenges where team_id = $t",
            {"t": team},
        )["child_id"]
    )
    found = data.search_children(w.live, asm_scope, "C1", limit=1000)
    assert set(found["child_id"]) == {c for c in theirs if "C1" in c.upper()}
    # roles with no child rows find nobody
    assert data.search_children(w.live, scope_of("analyst"), stranger["child_id"]).is_empty()


def test_the_form_finds_the_child_by_search_and_shows_reference_age_and_team(w):
    at = open_form(w)
    at.text_input("log_child").set_value("C").run()
    assert any("at least 2 characters" in c.value for c in at.caption)
    assert at.selectbox("log_child_pick").options == []
    at.text_input("log_child").set_value("c1").run()  # case does not matter
    labels = at.selectbox("log_child_pick").options
    assert 0 < len(labels) <= data.SEARCH_LIMIT
    own = query(
        w.live,
        "select k.child_id, k.case_ref, k.age_years, t.team_name from dim_children k "
        "left join dim_teams t using (team_id) where k.child_id in "
        "(select child_id from fct_challenges where iro_worker_id = $w)",
        {"w": w.worker},
    )
    by_id = {r["child_id"]: r for r in own.iter_rows(named=True)}
    for label, child_id in zip(labels, _ids(labels), strict=True):
        r = by_id[child_id]  # only the IRO's own children
        assert label.startswith(f"{r['case_ref']} ({child_id})"), label
        assert (r["team_name"] or "team not known") in label
        if r["age_years"] is not None:
            assert f"age {r['age_years']}" in label
    first = _ids(labels)[0]
    at.selectbox("log_child_pick").set_value(first).run()
    at.multiselect("log_themes").set_value(["care_plan_quality"])
    save(at)
    assert not errors(at)
    [ev] = saved(w)
    assert ev["child_id"] == first
    # the cleared form: no search, no child chosen
    assert at.text_input("log_child").value == "" and at.selectbox("log_child_pick").value is None


def test_managers_are_found_by_name_with_role_and_team(w):
    hos = a_manager(w, "head_of_service")
    part = hos["worker_name"].split()[-1][:4]
    found = data.search_workers(w.live, part, role="head_of_service")
    assert hos["worker_id"] in found["worker_id"].to_list() and found.height <= data.SEARCH_LIMIT + 1
    assert set(found["role"]) <= set(data.MANAGER_ROLES)
    roles = found["role"].to_list()
    assert roles == sorted(roles, key=lambda r: r != "head_of_service")  # the stage's role first
    assert data.search_workers(w.live, part[:1]).is_empty()  # 2 characters at least

    c = an_open_challenge(w, stage=2)
    at = act_on(w, c, "escalated")  # to stage 3: a Head of Service
    at.text_input("log_assigned").set_value(part).run()
    options = at.selectbox("log_assigned_pick").options
    [label] = [o for o in options if o.endswith(f"({hos['worker_id']})")]
    assert label.startswith(f"{hos['worker_name']} · Head of Service · {hos['team_name']}")
    at.selectbox("log_assigned_pick").set_value(hos["worker_id"]).run()
    save(at)
    assert not errors(at) and not at.warning, [x.value for x in at.warning]
    [ev] = saved(w)
    assert (ev["stage"], ev["assigned_to_worker_id"]) == (3, hos["worker_id"])
    assert "role_query" not in audited(w, "write")[-1]["detail"]


def test_a_search_typed_but_nobody_chosen_is_not_saved_as_empty(w):
    c = an_open_challenge(w, stage=1)
    at = act_on(w, c, "escalated")
    at.text_input("log_assigned").set_value("zz-nobody-zz").run()
    assert any("Nothing matches" in x.value for x in at.caption)
    save(at)
    assert "Choose the manager from the matches, or clear the search." in errors(at)
    assert not saved(w)


def test_a_manager_not_in_the_stages_responder_role_is_queried_before_saving(w):
    c = an_open_challenge(w, stage=1)
    at = act_on(w, c, "escalated")  # to stage 2: answered by a Service Manager
    tm = a_manager(w, "team_manager")
    at.text_input("log_assigned").set_value(tm["worker_id"]).run()
    assert at.selectbox("log_assigned_pick").value == tm["worker_id"]
    save(at)
    assert not saved(w)  # asked first
    question = [x.value.replace("\\", "") for x in at.warning]
    assert any(
        f"{tm['worker_name']} is a Team Manager, but stage 2 (Service Manager) is answered by a "
        "Service Manager. Save anyway, or choose another person above." in q
        for q in question
    ), question
    at.button("log_save_anyway").click().run()
    assert_ok(at)
    [ev] = saved(w)
    assert ev["assigned_to_worker_id"] == tm["worker_id"]
    [write] = [a for a in audited(w, "write") if a["detail"]["event_id"] == ev["event_id"]]
    assert write["detail"]["role_query"] == {
        "worker_id": tm["worker_id"],
        "worker_role": "team_manager",
        "stage": 2,
        "responder_role": "service_manager",
        "answer": "saved anyway",
    }
    assert any("Escalation recorded" in s.value for s in at.success)
    assert not any("Save anyway" in x.value for x in at.warning)

    # choosing another person instead: the question goes, and Save saves without one
    c2 = an_open_challenge(w, stage=1, worker=c["iro_worker_id"])
    if c2["challenge_id"] == c["challenge_id"]:
        return  # only one such challenge in this warehouse: the second half needs another
    at = act_on(w, c2, "escalated")
    at.text_input("log_assigned").set_value(tm["worker_id"]).run()
    save(at)
    assert any("Save anyway" in x.value for x in at.warning)
    sm = a_manager(w, "service_manager")
    at.text_input("log_assigned").set_value(sm["worker_id"]).run()
    assert not any("Save anyway" in x.value for x in at.warning)
    save(at)
    assert saved(w)[-1]["assigned_to_worker_id"] == sm["worker_id"]


def _refresh_lands_once(monkeypatch, module, name: str) -> list[int]:
    """Make ``module.name`` behave as a live refresh landing in the middle of the save's run: the
    first call asks for a rerun (as the refresh's does), which stops the run there."""
    import streamlit as st

    real, calls = getattr(module, name), []

    def interrupted(*a, **k):
        if not calls:
            calls.append(1)
            st.rerun()
        return real(*a, **k)

    monkeypatch.setattr(module, name, interrupted)
    return calls


def test_a_save_stopped_by_a_live_refresh_before_writing_says_so_and_keeps_the_form(w, monkeypatch):
    from warehouse import events

    calls = _refresh_lands_once(monkeypatch, events, "validate_event")
    at = new_challenge(open_form(w), a_child(w), concern="kept through the refresh")
    save(at)
    assert calls == [1]
    assert not saved(w)  # stopped before the write...
    warnings = [x.value for x in at.warning]
    assert any("was not completed: nothing was saved" in x for x in warnings), warnings  # ...and said
    assert at.text_area("log_concern").value == "kept through the refresh"
    save(at)  # pressed again
    [ev] = saved(w)
    assert ev["concern"] == "kept through the refresh"
    assert any("Challenge logged" in s.value for s in at.success)


def test_a_save_stopped_by_a_live_refresh_after_writing_shows_the_confirmation(w, monkeypatch):
    calls = _refresh_lands_once(monkeypatch, live, "request_build")
    at = new_challenge(open_form(w), a_child(w))
    save(at)
    assert calls == [1]
    [ev] = saved(w)  # written once
    assert any("Challenge logged" in s.value for s in at.success), [s.value for s in at.success]
    assert not any("not completed" in x.value for x in at.warning)
    at.run()  # and the next refresh does not save it again or say anything else
    assert len(saved(w)) == 1 and [a["detail"]["event_id"] for a in audited(w, "write")] == [ev["event_id"]]


@pytest.mark.slow
def test_an_asm_sees_a_challenge_logged_for_a_child_with_no_allocated_worker(w):
    """Issue 15: a challenge logged in the app for demo child C100302 (no allocated worker; earlier
    challenges in Looked After Teams) counts under the team the form showed, so the Assistant
    Service Manager of that team can act on it at once and sees it on every page after the build
    the save asked for (seconds, on an idle server)."""
    import time

    from tests.conftest import DEMO_END
    from warehouse.build import build
    from warehouse.store import read_live

    child = query(
        w.live,
        "select child_id, case_ref, team_id from dim_children where team_source = 'latest_known' "
        "and legal_status = 'lac' order by child_id = 'C100302' desc, child_id limit 1",
    ).row(0, named=True)
    at = new_challenge(open_form(w), child["child_id"], raised_on=DEMO_END)
    assert at.selectbox("log_team").value == child["team_id"]
    save(at)
    [ev] = saved(w)
    assert ev["team_id"] == child["team_id"]
    manager = asm(w, [child["team_id"]])
    # before any build: the team's ASM can act on it (the event carries the team)
    assert ev["challenge_id"] in _listed(open_form(w, "existing", user=manager))
    # and a child whose team truly cannot be known: the form says so, and it is logged as it is
    nobody = query(
        w.live,
        "select child_id, case_ref from dim_children where team_source is null order by child_id limit 1",
    ).row(0, named=True)
    at = new_challenge(open_form(w), nobody["child_id"], raised_on=DEMO_END)
    assert at.selectbox("log_team").value is None
    save(at)
    unteamed = saved(w)[-1]
    assert unteamed["child_id"] == nobody["child_id"] and unteamed.get("team_id") is None
    started = time.monotonic()
    build(as_at=DEMO_END, p=w.paths, events_only=True)  # the background build the save asks for
    print(f"events-only build after the save: {time.monotonic() - started:.1f}s")
    built = query(
        read_live(w.paths),
        "select challenge_id, team_id from fct_challenges where challenge_id = $c or app_challenge_id = $c",
        {"c": ev["challenge_id"]},
    ).row(0, named=True)
    assert built["team_id"] == child["team_id"]
    case = open_page("case", user=manager, query_params={"case": built["challenge_id"]})
    assert_ok(case)
    assert "not one you can see" not in texts(case)
    shown = texts(case) + "".join(str(t.value) for t in [*case.title, *case.header, *case.subheader])
    assert child["case_ref"] in shown.replace("\\", "")

    # the one with no team is listed in the data-quality mart under the raising IRO's team, and the
    # log page lists it for that IRO and for the ASM of the IRO's team (no social work team has it)
    iro_team = query(
        read_live(w.paths),
        "select team_id from dim_workers where worker_id = $w",
        {"w": w.worker},
    ).item()
    listed = query(
        read_live(w.paths),
        "select q.raised_by_team_id, c.team_id from mart_data_quality_issues q "
        "join fct_challenges c using (challenge_id) "
        "where q.issue_code = 'team_not_resolved' and c.case_ref = $r",
        {"r": nobody["case_ref"]},
    ).rows()
    assert listed == [(iro_team, None)]
    for user in (iro(w), asm(w, [iro_team])):
        page = open_form(w, user=user)
        [box] = [e for e in page.expander if "Team not recorded" in e.label]
        assert box.label.startswith("Challenges counted under 'Team not recorded' (")
        assert nobody["case_ref"] in box.dataframe[0].value["case_ref"].to_list()
    assert not [e for e in open_form(w, user=manager).expander if "Team not recorded" in e.label]


def test_why_a_save_failed_stays_through_a_live_refresh(w):
    """The live refresh after a new build reruns the page: the messages saying why the last Save did
    not save must not vanish with it (they go when the user does anything)."""
    at = open_form(w)
    save(at)
    before = errors(at)
    assert "Choose at least one theme." in before
    at.session_state["_log_build_seen"] = "an earlier build"  # a new build went live since
    at.run()
    assert errors(at) == before
    assert "Not saved: correct the fields marked above." in [x.value for x in at.warning]
    at.text_area("log_concern").set_value("typing again").run()  # the user goes on
    assert not errors(at)

"""Every role through the dashboard itself (AppTest on the demo warehouse): which pages it has, and
that neither the pages, nor the URL (filters, ?case=), nor session state widen what it sees. Also:
nothing without signing in, and hostile input in every filter and sign-in field shown safely."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from accounts import audit
from dashboard import auth
from tests.dashboard.conftest import ADMIN_PAGES, APP, PAGES, assert_ok, ensure_user, open_page, query, texts
from warehouse import settings

ALL_PAGES = set(PAGES)
AGGREGATE_PAGES = {"overview", "monthly", "themes", "teams"}
EXPECTED_PAGES = {
    "iro": ALL_PAGES,
    "asm": ALL_PAGES,
    "service_manager": ALL_PAGES - {"log"},  # no log_form: they neither log nor act (docs/access.md)
    "leadership": ALL_PAGES - {"log"},
    "analyst": AGGREGATE_PAGES,
    "admin": AGGREGATE_PAGES | set(ADMIN_PAGES),
}
EVERY_PAGE = {**PAGES, **ADMIN_PAGES}

HOSTILE = [
    "'; drop table fct_challenges; --",
    "' or 1=1 --",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "![x](https://evil.example/pixel.png) [click](javascript:alert(1))",
    "x" * 10_000,
    "\u202eevil\u200b\u0000\ufeff\U0001f600 Zoë",
    "$(rm -rf /) `id` ${HOME}",
]


@pytest.fixture(scope="module")
def cast(demo_warehouse) -> dict:
    """One signed-in-able user per role, over real demo teams and a real IRO with open stage 3-4 cases."""
    wh = demo_warehouse
    teams = wh.query(
        "select c.team_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
        "group by all order by count(*) desc, c.team_id limit 2"
    )["team_id"].to_list()
    worker = wh.query(
        "select c.iro_worker_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
        "where c.iro_worker_id is not null group by all order by count(*) desc, c.iro_worker_id limit 1"
    ).item()
    p = settings.Paths(wh.home)
    ensure_user("role-iro", role="iro", worker_id=worker, p=p)
    ensure_user("role-asm", role="asm", teams=tuple(teams), p=p)
    for role in ("service_manager", "leadership", "analyst", "admin"):
        ensure_user(f"role-{role}", role=role, p=p)
    return {"teams": teams, "worker": worker, "paths": p}


def as_role(role: str, page: str = "overview", **kw) -> AppTest:
    return open_page(page, user=f"role-{role}", **kw)


def _team_names(live, team_ids) -> set[str]:
    return set(
        query(
            live,
            "select team_name from dim_teams where team_id in (select unnest($t::varchar[]))",
            {"t": team_ids},
        )["team_name"].to_list()
    )


# --- nobody without signing in -----------------------------------------------------------------


@pytest.mark.parametrize("page", list(EVERY_PAGE))
def test_nobody_sees_any_page_without_signing_in(demo, page):
    cid = query(demo.live, "select challenge_id from fct_challenges limit 1").item()
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["case"] = cid
    at.query_params["status"] = "cp"
    at.run()
    if page != "overview":
        at.switch_page(EVERY_PAGE[page][0]).run()
    assert_ok(at)
    assert [t.value for t in at.title] == ["IRO QA"]
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.dataframe and not at.metric and not at.sidebar.multiselect and not at.selectbox
    # session state naming a user who never signed in is not a session
    at.session_state["user"] = "role-leadership"
    at.session_state["scope"] = "all"
    at.run()
    assert not at.dataframe and not at.metric


# --- pages per role ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(EXPECTED_PAGES))
def test_each_role_has_its_pages_and_no_others(demo, cast, role):
    at = as_role(role)
    assert_ok(at)
    for page, (script, title) in EVERY_PAGE.items():
        if page in EXPECTED_PAGES[role]:
            at.switch_page(script).run()
            assert_ok(at)
            assert at.title[0].value == title, (role, page)
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(script)


def test_a_direct_page_link_is_refused_and_audited(demo, cast):
    """require_page, which every view calls first, refuses a page kind the role does not have."""

    def app():
        import streamlit as st

        from accounts.access import PAGE_CHILD_LIST, scope_for
        from dashboard import auth

        user = auth.require_user()
        auth.require_page(user, scope_for(user), PAGE_CHILD_LIST)
        st.write("CHILD ROWS")

    at = AppTest.from_function(app, default_timeout=60)
    from tests.dashboard.conftest import signed_in

    signed_in(at, "role-analyst").run()
    assert [e.value for e in at.error] == ["This page is not available to your role."]
    assert "CHILD ROWS" not in " ".join(m.value for m in at.markdown)
    log = audit.read(cast["paths"])
    assert ("role-analyst", "access_denied") in set(zip(log["user"], log["action"], strict=True))


# --- rows per role, through the pages ------------------------------------------------------------


def test_asm_sees_only_their_teams_on_the_meeting_page(demo, cast):
    at = as_role("asm", "meeting")
    assert_ok(at)
    shown = at.dataframe[0].value
    assert len(shown) > 0
    assert set(shown["Team"]) <= _team_names(demo.live, cast["teams"])
    # the sidebar offers only their teams
    assert set(at.sidebar.multiselect("team").options) <= {
        f for f in at.sidebar.multiselect("team").options
    } and len(at.sidebar.multiselect("team").options) == len(cast["teams"])


def test_a_url_naming_another_team_shows_the_asm_their_own(demo, cast):
    other, other_name = query(
        demo.live,
        "select team_id, team_name from mart_open_stage_3_4 "
        "where team_id not in (select unnest($t::varchar[])) limit 1",
        {"t": cast["teams"]},
    ).row(0)
    at = as_role("asm", "meeting", query_params={"team": [other_name, other]})
    assert_ok(at)
    shown = at.dataframe[0].value if at.dataframe else None
    if shown is not None:
        assert set(shown["Team"]) <= _team_names(demo.live, cast["teams"])
    assert other not in at.sidebar.multiselect("team").value
    assert other_name not in texts(at)


def test_iro_sees_only_their_own_challenges(demo, cast):
    at = as_role("iro", "meeting")
    assert_ok(at)
    shown = at.dataframe[0].value
    expected = query(
        demo.live,
        "select m.case_ref from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
        "where c.iro_worker_id = $w",
        {"w": cast["worker"]},
    )["case_ref"].to_list()
    assert sorted(shown["Case ref"]) == sorted(expected)


def _someone_elses_case(demo, cast) -> str:
    return query(
        demo.live,
        "select challenge_id from fct_challenges where iro_worker_id <> $w "
        "and team_id not in (select unnest($t::varchar[])) order by challenge_id limit 1",
        {"w": cast["worker"], "t": cast["teams"]},
    ).item()


@pytest.mark.parametrize("role", ["iro", "asm"])
def test_editing_case_in_the_url_does_not_open_another_case(demo, cast, role):
    theirs = _someone_elses_case(demo, cast)
    case_ref = query(
        demo.live, "select case_ref from fct_challenges where challenge_id = $c", {"c": theirs}
    ).item()
    at = as_role(role, "case", query_params={"case": theirs})
    assert_ok(at)
    assert "The case in this link is not one you can see" in texts(at)
    assert case_ref not in texts(at)
    labels = " ".join(at.selectbox(key="case_pick").options)
    assert case_ref not in labels
    # nor does a search find it, by its case reference or its whole id
    for typed in (case_ref, theirs):
        at.text_input("case").set_value(typed).run()
        assert_ok(at)
        assert at.selectbox(key="case_pick").value is None
        assert case_ref not in " ".join(at.selectbox(key="case_pick").options)


def test_session_state_cannot_widen_the_scope(demo, cast):
    """The scope is recomputed from the signed-in account on every run: a scope (or user) put into
    session state is overwritten before any page reads it."""
    from accounts.access import scope_for
    from accounts.users import User

    theirs = _someone_elses_case(demo, cast)
    case_ref = query(
        demo.live, "select case_ref from fct_challenges where challenge_id = $c", {"c": theirs}
    ).item()
    at = as_role("asm", "case", query_params={"case": theirs})
    at.session_state["scope"] = scope_for(User("role-asm", "leadership"))
    at.session_state["user"] = User("role-asm", "leadership")
    at.run()
    assert_ok(at)
    assert case_ref not in texts(at)
    assert case_ref not in " ".join(at.selectbox(key="case_pick").options)


def test_the_case_system_id_is_shown_on_the_timeline_only_to_roles_that_may_see_it(demo, cast):
    cid, child_id = query(
        demo.live,
        "select challenge_id, child_id from fct_challenges where iro_worker_id = $w limit 1",
        {"w": cast["worker"]},
    ).row(0)
    iro = as_role("iro", "case", query_params={"case": cid})
    assert_ok(iro)
    assert f"case-system id **{child_id}**" in texts(iro)
    lead = as_role("leadership", "case", query_params={"case": cid})
    assert_ok(lead)
    assert child_id not in texts(lead)


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_aggregate_roles_get_no_case_lists_and_suppressed_small_counts(demo, cast, role):
    at = as_role(role, "monthly")
    assert_ok(at)
    table = at.dataframe[0].value
    values = {str(v) for col in table.columns if col != "Month" for v in table[col]}
    assert not any(v in values for v in ("1", "2", "3", "4")), "small counts must be suppressed on screen"
    at = as_role(role, "overview")
    assert_ok(at)
    for df in at.dataframe:
        assert "Case ref" not in df.value.columns


def test_page_views_are_audited_with_their_filters(demo, cast):
    as_role("service_manager", "themes", query_params={"status": "Child protection (CP)"})
    log = audit.read(cast["paths"])
    views = log.filter((log["user"] == "role-service_manager") & (log["action"] == "page_view"))
    assert any("Themes" in str(d) and "cp" in str(d) for d in views["detail"].to_list()), views[
        "detail"
    ].to_list()


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
def test_hostile_values_in_every_filter_and_the_case_link_are_shown_safely(demo, cast, value):
    params = {k: value for k in ("from", "to", "service", "team", "status", "stage", "theme", "case")}
    for page in ("overview", "meeting", "case"):
        at = as_role("asm", page, query_params=params)
        assert_ok(at)
        shown = texts(at)
        assert "<script>" not in shown and "onerror" not in shown and "evil.example" not in shown
        assert value[:50] not in shown
        for ms in at.sidebar.multiselect:
            assert value not in ms.value


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
def test_hostile_sign_in_fields_fail_safely(demo, cast, value):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.text_input(key="_iroqa_signin_username").input(value)
    at.text_input(key="_iroqa_signin_password").input(value or "x")
    at.button[0].click().run()
    assert_ok(at)
    assert [e.value for e in at.error] in (
        [auth.GENERIC_FAILURE],
        ["Enter your username and password."],
    ) or any("Too many failed sign-ins" in e.value for e in at.error)
    assert not at.dataframe and not at.metric
    assert value[:50] not in texts(at)


# --- aggregate roles are told what their role does not show (issue 15) ------------------------


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_aggregate_roles_are_told_their_role_shows_no_cases_with_the_counts(demo, cast, role):
    from accounts.access import suppress_threshold, suppression_marker
    from dashboard import data

    at = as_role(role, "teams")
    assert_ok(at)
    text = " ".join(str(m.value) for m in at.markdown) + " ".join(i.value for i in at.info)
    assert "No responses are overdue" not in text
    assert any(
        f"Your role ({'administrator' if role == 'admin' else role}) shows counts" in i.value for i in at.info
    )
    metrics = {m.label: m.value for m in at.metric}
    as_at = data.as_at(demo.live)
    from datetime import timedelta

    counts = data.open_response_counts(demo.live, data.Filters(), as_at + timedelta(days=6))
    t = suppress_threshold()
    want = suppression_marker(t) if 0 < counts["overdue"] < t else f"{counts['overdue']:,}"
    assert metrics["Responses overdue"] == want
    assert counts["overdue"] > 0
    over = as_role(role, "overview")
    assert_ok(over)
    assert any("the cases behind these figures are not listed" in i.value for i in over.info)

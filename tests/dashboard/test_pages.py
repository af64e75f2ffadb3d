"""Every page, every filter, every empty state, with AppTest: on the real demo warehouse, on a
warehouse with nothing built, and on a live build whose marts are empty."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import (
    ADMIN_PAGES,
    PAGES,
    TEST_ADMIN,
    assert_ok,
    open_page,
    query,
    select_cell,
    select_rows,
    texts,
)

AS_AT_WORDS = "30 October 2026"


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_on_the_demo_warehouse(demo, page):
    at = open_page(page)
    assert_ok(at)
    assert at.title[0].value == PAGES[page][1]
    assert f"As at **{AS_AT_WORDS}**" in at.caption[0].value
    assert "warehouse built" in at.caption[0].value


@pytest.mark.parametrize("page", list(PAGES))
def test_page_explains_there_is_no_data_yet(empty_home, page):
    at = open_page(page)
    assert_ok(at)
    assert "There is no data in IRO QA yet" in texts(at)
    assert not at.sidebar.multiselect, "no filters without a build"


EMPTY_MESSAGES = {
    "overview": f"No challenges are open as at {AS_AT_WORDS}",
    "meeting": f"No stage 3 or 4 cases are open as at {AS_AT_WORDS}.",
    "monthly": "No escalations entered Stage 1, Stage 2, Stage 3 and Stage 4 in Oct 2026",
    "themes": "No themes were recorded in",
    "teams": "No responses are overdue or due by",
    "case": "There are no challenges in the warehouse",
    "log": "Each save is one event, kept for good",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_explains_an_empty_build(empty_build, page):
    at = open_page(page)
    assert_ok(at)
    assert EMPTY_MESSAGES[page] in texts(at), texts(at)


# ---- the administrator's pages (users, audit log): they need no build ------------------------


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
def test_admin_page_renders_on_the_demo_warehouse(demo, page):
    at = open_page(page, user=TEST_ADMIN)
    assert_ok(at)
    assert at.title[0].value == ADMIN_PAGES[page][1]
    if page == "outbox":  # no notifier has run on the demo warehouse: the page says so
        assert any("Notifications are not switched on" in i.value for i in at.info), texts(at)
    else:
        assert at.dataframe, "the users, or the audit records (the admin's own sign-in at least)"
    assert not at.error


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
def test_admin_page_works_with_nothing_built(empty_home, page):
    at = open_page(page, user=TEST_ADMIN)
    assert_ok(at)
    assert at.title[0].value == ADMIN_PAGES[page][1]
    assert "There is no data in IRO QA yet" not in texts(at)
    assert not at.sidebar.multiselect, "no filters without a build"


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
def test_admin_page_with_an_empty_build(empty_build, page):
    at = open_page(page, user=TEST_ADMIN)
    assert_ok(at)
    assert at.title[0].value == ADMIN_PAGES[page][1]


# ---- every filter, on every page ------------------------------------------------------------


FILTERS = {
    "service": lambda at: at.sidebar.multiselect("service").select(
        at.sidebar.multiselect("service").options[0]
    ),
    "team": lambda at: at.sidebar.multiselect("team").select(_team_with_cases(at)),
    "status": lambda at: at.sidebar.multiselect("status").select("lac"),
    "stage": lambda at: at.sidebar.multiselect("stage").select("stage_3").select("stage_4"),
    "theme": lambda at: at.sidebar.multiselect("theme").select("placement_suitability"),
    "period": lambda at: (
        at.sidebar.selectbox("from").select_index(0),
        at.sidebar.selectbox("to").select_index(len(at.sidebar.selectbox("to").options) - 3),
    ),
}


def _team_with_cases(at) -> str:
    from dashboard import data

    build = data.live()
    team = query(build, "select team_id from mart_open_stage_3_4 order by urgency_rank limit 1")
    return team.item(0, 0)


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("name", list(FILTERS))
def test_every_filter_on_every_page(demo, page, name):
    at = open_page(page, widgets=FILTERS[name])
    assert_ok(at)
    if name == "period":
        # the period applies to what is counted over time, and is stated there; the meeting and the
        # case timeline are as at the build's date; filters do not apply to the logging form
        if page not in ("meeting", "case", "log"):
            months = at.sidebar.selectbox("from").options
            assert f"{months[0]} to {months[-3]}" in texts(at), f"the period is not stated on {page}"
    elif page not in ("case", "log"):
        assert "**Showing:**" in texts(at), f"{name} filter is not stated on {page}"


def test_filters_carry_across_pages(demo):
    at = open_page("overview", widgets=lambda at: at.sidebar.multiselect("status").select("cp"))
    for page in ("views/meeting.py", "views/monthly.py", "views/themes.py", "views/teams.py"):
        at.switch_page(page).run()
        assert_ok(at)
        assert at.sidebar.multiselect("status").value == ["cp"]
        assert "CP children" in texts(at)


def test_clear_filters(demo):
    at = open_page("overview", widgets=lambda at: at.sidebar.multiselect("status").select("cp"))
    next(b for b in at.sidebar.button if b.label == "Clear filters").click().run()
    assert at.sidebar.multiselect("status").value == []
    assert "**Showing:**" not in texts(at)


def test_a_filter_with_no_cases_says_so(demo):
    team = query(
        demo.live,
        "select team_id, team_name from dim_teams where team_kind = 'social_work' "
        "and team_id not in (select team_id from mart_open_stage_3_4) order by team_id limit 1",
    )
    team_id, team_name = team.row(0)
    at = open_page("meeting", widgets=lambda at: at.sidebar.multiselect("team").select(team_id))
    assert_ok(at)
    assert f"No stage 3 or 4 cases are open for {team_name} as at {AS_AT_WORDS}." in texts(at)


# ---- drill-downs ----------------------------------------------------------------------------


def test_meeting_row_opens_its_timeline(demo):
    first = query(demo.live, "select case_ref from mart_open_stage_3_4 order by urgency_rank limit 1").item(
        0, 0
    )
    at = open_page("meeting", session=select_rows("meeting_cases", [0]))
    assert_ok(at)
    assert any(s.value.startswith(f"Case {first}") for s in at.subheader)
    assert at.page_link, "a link to the case's own page"


def test_overview_figures_lead_to_their_cases(demo):
    n = query(
        demo.live,
        "select count(*) from fct_challenges where status = 'open' and is_awaiting_response_past_due",
    ).item(0, 0)
    at = open_page("overview")
    cases = at.dataframe[0].value
    assert len(cases) == n
    at.segmented_control("overview_figure").set_value("stage_3_4").run()
    n34 = query(demo.live, "select count(*) from mart_open_stage_3_4").item(0, 0)
    assert len(at.dataframe[0].value) == n34


def test_monthly_cell_leads_to_its_cases(demo):
    at = open_page("monthly")
    report = at.dataframe[0].value
    row = int(report["Stage 1"][:-1].astype(int).idxmax())
    for k, v in select_cell("monthly_report", row, "Stage 1").items():
        at.session_state[k] = v
    at.run()
    assert_ok(at)
    cases = at.dataframe[1].value
    assert len(cases) == int(report["Stage 1"][row])
    assert set(cases["Stage"]) == {"Team Manager"}


def test_theme_row_leads_to_its_cases(demo):
    at = open_page("themes")
    table = at.dataframe[0].value
    for k, v in select_rows("themes_stages_2_4_month", [0]).items():
        at.session_state[k] = v
    at.run()
    assert_ok(at)
    cases = at.dataframe[1].value
    assert len(cases) == int(table["Total"][0]), "one row per case and month, as the table counts"


def test_teams_manager_row_leads_to_their_cases(demo):
    at = open_page("teams")
    managers = at.dataframe[0].value
    for k, v in select_rows("teams_by_manager", [0]).items():
        at.session_state[k] = v
    at.run()
    assert_ok(at)
    cases = at.dataframe[1].value
    assert len(cases) == int(managers["Overdue"][0] + managers["Due this week"][0])
    assert set(cases["Must respond"]) == {managers["Responsible manager"][0]}


def test_case_page_from_the_url(demo):
    cid, ref = query(
        demo.live, "select challenge_id, case_ref from mart_open_stage_3_4 order by urgency_rank limit 1"
    ).row(0)
    at = open_page("case", query_params={"case": cid})
    assert_ok(at)
    assert at.selectbox("case_pick").value == cid
    assert any(s.value.startswith(f"Case {ref}") for s in at.subheader)
    events = at.dataframe[0].value
    assert list(events.columns) == ["Date", "Event", "Detail", "Recorded by", "Recorded at (UTC)", "Source"]
    assert events["Event"].iloc[0] == "Raised"


def test_case_page_with_an_unknown_case(demo):
    at = open_page("case", query_params={"case": "no-such-case"})
    assert_ok(at)
    assert "The case in this link is not one you can see" in texts(at)
    assert "no-such-case" not in texts(at)  # what was typed into the address bar is not echoed


def test_case_page_picker_changes_the_url(demo):
    cid = query(demo.live, "select challenge_id from fct_challenges order by raised_on desc limit 1").item(
        0, 0
    )
    at = open_page("case")
    at.text_input("case").set_value(cid).run()  # the whole id, searched: chosen at once
    assert_ok(at)
    assert at.selectbox("case_pick").value == cid
    assert at.query_params.get("case") == cid


def test_pages_show_case_ref_not_child_id(demo):
    child_ids = set(query(demo.live, "select child_id from fct_challenges")["child_id"].to_list())
    for page, session in (
        ("meeting", select_rows("meeting_cases", [0])),
        ("overview", None),
        ("teams", None),
    ):
        at = open_page(page, session=session)
        for df in at.dataframe:
            for col in df.value.columns:
                values = set(map(str, df.value[col].tolist()))
                assert not values & child_ids, f"{page}: column {col} shows child ids"
        assert not any(c in texts(at) for c in list(child_ids)[:200])

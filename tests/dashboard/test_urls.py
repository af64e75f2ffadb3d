"""A filtered view is a link: the sidebar filters live in the URL's query parameters (the widgets'
labels, readable), and opening that URL reproduces the same view on every page."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import PAGES, assert_ok, open_page, query


def snapshot(at) -> dict:
    """What a person sees: figures, tables and headings."""
    return {
        "metrics": [(m.label, m.value, m.delta) for m in at.metric],
        "tables": [df.value.to_dict("list") for df in at.dataframe],
        "subheaders": [s.value for s in at.subheader],
        "markdown": [m.value for m in at.markdown],
    }


@pytest.fixture(scope="module")
def chosen(demo):
    team_id, team_name = query(
        demo.live, "select team_id, team_name from mart_open_stage_3_4 order by urgency_rank limit 1"
    ).row(0)
    return {"team_id": team_id, "team_name": team_name}


@pytest.mark.parametrize("page", [p for p in PAGES if p != "case"])
def test_a_filtered_url_reproduces_the_view(demo, chosen, page):
    def by_hand(at):
        at.sidebar.multiselect("team").select(chosen["team_id"])
        at.sidebar.multiselect("status").select("lac").select("cp")
        at.sidebar.selectbox("from").select(_month("Nov 2025"))
        at.sidebar.selectbox("to").select(_month("Sep 2026"))

    clicked = open_page(page, widgets=by_hand)
    assert_ok(clicked)
    url = {
        "team": chosen["team_name"],
        "status": ["Looked after (LAC)", "Child protection (CP)"],
        "from": "Nov 2025",
        "to": "Sep 2026",
    }
    linked = open_page(page, query_params=url)
    assert_ok(linked)
    assert linked.sidebar.multiselect("team").value == [chosen["team_id"]]
    assert linked.sidebar.multiselect("status").value == ["lac", "cp"]
    assert snapshot(linked) == snapshot(clicked)


def _month(label):
    from datetime import datetime

    return datetime.strptime(label, "%b %Y").date()


def test_url_with_stage_and_theme(demo):
    at = open_page(
        "monthly", query_params={"stage": ["Stage 3: Head of Service"], "theme": "Placement suitability"}
    )
    assert_ok(at)
    assert at.sidebar.multiselect("stage").value == ["stage_3"]
    assert at.sidebar.multiselect("theme").value == ["placement_suitability"]
    assert list(at.dataframe[0].value.columns) == ["Month", "Stage 3", "All stages"]


def test_an_invalid_url_value_is_ignored(demo):
    at = open_page("overview", query_params={"team": "No Such Team", "status": "martian"})
    assert_ok(at)
    assert at.sidebar.multiselect("team").value == []
    assert at.sidebar.multiselect("status").value == []


def test_themes_count_by_is_in_the_url(demo):
    at = open_page("themes", query_params={"by": "Quarter (April to March year)"})
    assert_ok(at)
    assert at.segmented_control("by").value == "quarter"

"""The sidebar's "As at" choice: live, or a month end with a snapshot (warehouse/snapshots.py).
Choosing a month end shows that snapshot's figures with a plain header; the choice is in the URL;
live viewers, and the pages that write, keep the live build."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import assert_ok, open_page, query, texts

SNAPSHOT_LABEL = "30 September 2026 (month end)"


@pytest.fixture
def snap(snapshot_warehouse, monkeypatch):
    monkeypatch.setenv("IROQA_HOME", str(snapshot_warehouse.warehouse.home))
    return snapshot_warehouse


def _case_refs(build) -> set[str]:
    return set(query(build, "select case_ref from mart_open_stage_3_4")["case_ref"].to_list())


def _shown_refs(at) -> set[str]:
    """The case references in the meeting page's list (whatever its column is called)."""
    if not at.dataframe:
        return set()
    df = at.dataframe[0].value
    for column in df.columns:
        values = {str(v) for v in df[column].tolist()}
        if values and all(v.startswith("C") or v.startswith("P") for v in values) and len(values) == len(df):
            return values
    return set()


def _rows(at) -> int:
    """Rows in the meeting page's list (no table when nothing is open at stages 3 and 4)."""
    return len(at.dataframe[0].value) if at.dataframe else 0


def test_choosing_a_month_end_shows_its_figures_and_says_so(snap):
    live, month_end = snap.warehouse.live, snap.snapshot
    then, now = _case_refs(month_end), _case_refs(live)
    assert then != now, "the demo's open stage 3-4 cases changed between 30 Sep and 30 Oct"

    at = open_page("meeting", widgets=lambda at: at.sidebar.selectbox("as_at").select(month_end.as_at[:7]))
    assert_ok(at)
    assert at.sidebar.selectbox("as_at").value == "2026-09"
    words = texts(at)
    assert "As at **30 September 2026 (month-end snapshot)**" in words
    assert _rows(at) == len(then)
    shown = _shown_refs(at)
    assert shown in (then, set())  # the list's case references, when the column is found
    # the filters' months end with the snapshot's month
    assert str(at.sidebar.selectbox("to").value) == "2026-09-01"

    # a link reproduces it: the choice is in the URL, by its label (the address bar itself:
    # tests/browser/test_as_at_browser.py)
    linked = open_page("meeting", query_params={"as_at": SNAPSHOT_LABEL})
    assert_ok(linked)
    assert "(month-end snapshot)" in texts(linked)
    assert _rows(linked) == len(then)


def test_live_viewers_are_unaffected(snap):
    live = snap.warehouse.live
    at = open_page("meeting")
    assert_ok(at)
    assert at.sidebar.selectbox("as_at").value == "live"
    words = texts(at)
    assert "As at **30 October 2026**" in words and "month-end snapshot" not in words
    assert _rows(at) == len(_case_refs(live))
    # a URL naming a month end without a snapshot is ignored: live
    other = open_page("overview", query_params={"as_at": "31 August 2026 (month end)"})
    assert_ok(other)
    assert other.sidebar.selectbox("as_at").value == "live"
    assert "month-end snapshot" not in texts(other)


def test_the_log_form_always_works_on_the_live_build(snap):
    at = open_page("log", widgets=lambda at: at.sidebar.selectbox("as_at").select("2026-09"))
    assert_ok(at)
    assert "month-end snapshot" not in texts(at)


def test_without_snapshots_there_is_no_choice(demo):
    at = open_page("overview")
    assert_ok(at)
    assert not [s for s in at.sidebar.selectbox if s.label == "As at"]

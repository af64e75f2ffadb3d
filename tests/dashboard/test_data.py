"""The data-access module: all SQL lives there, user values are bound, results are per build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import data
from tests.dashboard.conftest import ALL

DATA = Path(data.__file__).resolve().parent  # the dashboard.data package
DASHBOARD = DATA.parent
SQL = re.compile(r"\b(select|insert|update|delete|create)\b[\s\S]{0,200}?\b(from|into|table|set)\b", re.I)


def test_no_sql_outside_the_data_module():
    for f in sorted(DASHBOARD.rglob("*.py")):
        if f.parent == DATA or f.name == "auth.py":
            continue
        text = f.read_text()
        for m in SQL.finditer(text):
            snippet = m.group(0)
            assert not re.search(r"\b(fct_|mart_|dim_|build_info)", snippet), f"SQL in {f.name}: {snippet!r}"


def test_filter_values_are_bound_not_pasted():
    nasty = "x' or '1'='1"
    f = data.Filters(
        teams=(nasty,), services=(nasty,), legal_statuses=(nasty,), stages=(nasty,), themes=(nasty,)
    )
    p = data._Params()
    sql = f.sql(p, stage="stage_key", themes_list="themes")
    assert nasty not in sql
    assert sum(isinstance(v, list) and nasty in v for v in p.values.values()) == 5


def test_a_nasty_filter_value_matches_nothing(demo):
    nasty = "x' or '1'='1"
    f = data.Filters(teams=(nasty,))
    assert data.headline(demo.live, f, data.as_at(demo.live))["open_challenges"] == 0
    assert data.meeting_cases(demo.live, ALL, f).is_empty()
    assert data.case_summary(demo.live, ALL, nasty) is None


def test_only_known_figures_reach_sql(demo):
    with pytest.raises(KeyError):
        data.snapshot_cases(demo.live, ALL, data.Filters(), data.as_at(demo.live), "true; drop table x")
    with pytest.raises(ValueError):
        data.theme_counts(demo.live, data.Filters(), "year")


def test_results_are_cached_per_build(demo, empty_build):
    on = data.as_at(demo.live)
    assert data.headline(demo.live, data.Filters(), on)["open_challenges"] > 0
    assert data.headline(empty_build, data.Filters(), on)["open_challenges"] == 0


def test_stages_follow_the_protocol(demo):
    stages = data.stages(demo.live)
    assert stages["stage_key"].to_list() == [
        "informal",
        "stage_1",
        "stage_2",
        "stage_3",
        "stage_4",
        "cafcass",
    ]
    assert stages.filter(stages["stage_key"] == "cafcass")["stage_label"].item() == "Contact with CAFCASS"

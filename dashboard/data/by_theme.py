"""What challenges are about: counts by theme and stage group per period, and the cases behind one."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import Scope
from dashboard.data.core import Filters, _Params, _query
from warehouse.store import LiveBuild


@st.cache_data(max_entries=256, show_spinner=False)
def theme_counts(build: LiveBuild, filters: Filters, period_type: str) -> pl.DataFrame:
    """Challenges per theme, period and stage group, in the chosen period."""
    if period_type not in ("month", "quarter"):
        raise ValueError(period_type)
    p = _Params()
    where = filters.sql(p, stage_group="stage_group", theme_code="theme_code")
    period_clause = _period_overlap(filters, p, "period_start", period_type)
    sql = f"""
        select period_start, period_label, theme_code, theme_label, theme_group, stage_group,
               sum(challenges)::bigint as challenges
        from mart_theme_counts
        where period_type = {p.bind(period_type)} and {where} and {period_clause}
        group by all order by period_start, theme_label
    """  # noqa: S608
    return _query(build, sql, p)


def _period_overlap(filters: Filters, p: _Params, col: str, period_type: str) -> str:
    """Periods (months or quarters starting at ``col``) that overlap the chosen months."""
    clauses = ["true"]
    if filters.month_to:
        clauses.append(f"{col} <= {p.bind(filters.period_end)}::date")
    if filters.month_from:
        length = "3 months" if period_type == "quarter" else "1 month"
        clauses.append(f"{col} + interval '{length}' > {p.bind(filters.period_start)}::date")
    return " and ".join(clauses)


@st.cache_data(max_entries=256, show_spinner=False)
def theme_cases(
    build: LiveBuild, scope: Scope, filters: Filters, theme_code: str, period_type: str, stage_group: str
) -> pl.DataFrame:
    """The challenges behind a theme's counts in one stage group: one row per challenge and period
    (month or quarter) in which it entered a stage of the group, as mart_theme_counts counts them,
    so the number of rows is the table's total for the theme."""
    if period_type not in ("month", "quarter"):
        raise ValueError(period_type)
    p = _Params()
    where = filters.sql(p, team="c.team_id", legal="c.legal_status")
    where += " and " + scope.sql(p, team="c.team_id", worker="c.iro_worker_id")
    period_col = "d.month_start" if period_type == "month" else "d.fiscal_quarter_start"
    label_col = "d.month_label" if period_type == "month" else "d.fiscal_quarter_label"
    period = _period_overlap(filters, p, period_col, period_type)
    sql = f"""
        select c.challenge_id, c.case_ref, {period_col} as period_start, any_value({label_col}) as period_label,
               min(e.entered_on) as entered_on, string_agg(distinct e.stage_name, ', ') as stages_entered,
               any_value(c.status) as status, any_value(c.current_stage_name) as current_stage_name,
               any_value(c.team_name) as team_name, any_value(c.legal_status) as legal_status,
               any_value(c.themes_label) as themes_label
        from fct_stage_episodes e
        join fct_challenges c using (challenge_id)
        join dim_calendar d on d.date_day = e.entered_on
        where e.theme_stage_group = {p.bind(stage_group)} and list_contains(c.themes, {p.bind(theme_code)})
          and {where} and {period}
        group by c.challenge_id, c.case_ref, {period_col}
        order by period_start desc, c.case_ref
    """  # noqa: S608
    return _query(build, sql, p)

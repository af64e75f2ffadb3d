"""The queries of the learning and accountability pages (issue 13): good practice, outcomes for the
child, the rest of the process (pre-CAFCASS meetings, supervision, route), QA checklist grades and
the quarterly and annual figures. The same rules as dashboard/data.py: read-only, values bound as
parameters, child-level rows limited by the signed-in user's scope, cached with the build in the key.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.data import Filters, _Params, _period_overlap, _query
from warehouse.access import Scope
from warehouse.store import LiveBuild

GOOD_PRACTICE_ACTION = "good_practice"


@st.cache_data(max_entries=16, show_spinner=False)
def good_practice_themes(build: LiveBuild) -> pl.DataFrame:
    """The good-practice list of the taxonomy, as built (seed good_practice_themes)."""
    return _query(
        build, "select theme_code, theme_label, theme_group from good_practice_themes order by theme_label"
    )


@st.cache_data(max_entries=128, show_spinner=False)
def good_practice_counts(build: LiveBuild, filters: Filters, period_type: str) -> pl.DataFrame:
    """Good-practice records per theme and period (the team/service filters apply; stage, legal
    status and concern themes do not: good practice has none)."""
    if period_type not in ("month", "quarter"):
        raise ValueError(period_type)
    p = _Params()
    where = filters.sql(p, legal=None)
    period_clause = _period_overlap(filters, p, "period_start", period_type)
    sql = f"""
        select period_start, period_label, theme_code, theme_label, theme_group,
               sum(records)::bigint as records
        from mart_good_practice_counts
        where period_type = {p.bind(period_type)} and {where} and {period_clause}
        group by all order by period_start, theme_label
    """  # noqa: S608
    return _query(build, sql, p)


@st.cache_data(max_entries=128, show_spinner=False)
def concerns_and_good_practice_by_team(build: LiveBuild, filters: Filters) -> pl.DataFrame:
    """Per team and quarter (April-March year): theme mentions on challenges (mart_theme_counts,
    every stage group) beside theme mentions on good practice (mart_good_practice_counts)."""
    p = _Params()
    where = filters.sql(p, legal=None)
    concern_period = _period_overlap(filters, p, "period_start", "quarter")
    legal = filters.sql(p, team=None)
    sql = f"""
        with concerns as (
            select period_start, period_label, team_name, service_name,
                   sum(challenges)::bigint as concern_themes
            from mart_theme_counts
            where period_type = 'quarter' and {where} and {legal} and {concern_period}
            group by all
        ),
        good as (
            select period_start, period_label, team_name, service_name,
                   sum(records)::bigint as good_practice_themes
            from mart_good_practice_counts
            where period_type = 'quarter' and {where} and {concern_period}
            group by all
        )
        select coalesce(c.period_start, g.period_start) as period_start,
               coalesce(c.period_label, g.period_label) as period_label,
               coalesce(c.service_name, g.service_name) as service_name,
               coalesce(c.team_name, g.team_name) as team_name,
               coalesce(c.concern_themes, 0)::bigint as concern_themes,
               coalesce(g.good_practice_themes, 0)::bigint as good_practice_themes
        from concerns c
        full join good g
          on c.period_start = g.period_start and c.team_name = g.team_name
         and c.service_name = g.service_name
        order by period_start, service_name, team_name
    """  # noqa: S608
    return _query(build, sql, p)


@st.cache_data(max_entries=128, show_spinner=False)
def good_practice_records(
    build: LiveBuild, scope: Scope, filters: Filters, theme_code: str | None = None
) -> pl.DataFrame:
    """Good-practice records (the drill-down), newest first, only those the user may see: an IRO
    their own, an ASM their teams'. Limited to the chosen period and teams."""
    p = _Params()
    cond = scope.sql(p, team="team_id", worker="iro_worker_id")
    where = filters.sql(p, legal=None, period="recorded_on")
    theme = f"list_contains(theme_codes, {p.bind(theme_code)})" if theme_code else "true"
    sql = f"""
        select good_practice_id, recorded_on, fiscal_quarter_label, service_name, team_name,
               themes_label, description, iro_worker_id, record_source
        from fct_good_practice
        where {cond} and {where} and {theme}
        order by recorded_on desc, good_practice_id
    """  # noqa: S608
    return _query(build, sql, p)


def my_good_practice(events: list[dict], username: str) -> list[dict]:
    """Good practice this user recorded in the app (amendments applied), newest first, including
    what the live build does not show yet."""
    mine = [e for e in events if e["action"] == GOOD_PRACTICE_ACTION and e["recorded_by"] == username]
    return sorted(mine, key=lambda e: (e["event_on"], e["recorded_at"]), reverse=True)

"""How the months compare: stage counts per month (the Rotherham report) and the cases behind a
month's count.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from accounts.access import Scope
from dashboard.data.core import Filters, _Params, _query, cached, month_start
from warehouse.store import LiveBuild


@cached(max_entries=256)
def monthly_stage_counts(build: LiveBuild, filters: Filters) -> pl.DataFrame:
    """Entries into each stage per month in the period (long: month_start, stage_key, entries).

    From ``mart_monthly_stage_counts``; that mart has no themes, so with a theme filter the same
    count (stage episodes entered in the month) comes from ``fct_stage_episodes``."""
    p = _Params()
    if filters.themes:
        where = filters.sql(p, stage="stage_key", challenge="challenge_id", period="entered_on")
        sql = f"""
            select date_trunc('month', entered_on)::date as month_start, stage_key, stage_number,
                   count(*)::bigint as entries
            from fct_stage_episodes where {where}
            group by all order by month_start, stage_number nulls last
        """  # noqa: S608
    else:
        where = filters.sql(p, stage="stage_key", period="month_start")
        sql = f"""
            select month_start, stage_key, any_value(stage_number) as stage_number,
                   sum(entries)::bigint as entries
            from mart_monthly_stage_counts where {where}
            group by all order by month_start, stage_number nulls last
        """  # noqa: S608
    return _query(build, sql, p)


@cached(max_entries=256)
def stage_entries_cases(
    build: LiveBuild, scope: Scope, filters: Filters, month: date | None, stage_key: str | None
) -> pl.DataFrame:
    """The stage episodes behind a cell of the monthly report (month None: the whole period;
    stage None: every stage in the report)."""
    p = _Params()
    where = filters.sql(
        p,
        stage="e.stage_key",
        challenge="e.challenge_id",
        period="e.entered_on",
        team="e.team_id",
        legal="e.legal_status",
    )
    month_clause = (
        f"date_trunc('month', e.entered_on)::date = {p.bind(month_start(month))}::date" if month else "true"
    )
    stage_clause = f"e.stage_key = {p.bind(stage_key)}" if stage_key else "e.stage_key <> 'informal'"
    stage_clause += " and " + scope.sql(p, team="c.team_id", worker="c.iro_worker_id")
    sql = f"""
        select e.challenge_id, e.case_ref, e.stage_key, e.stage_number, e.stage_name, e.entered_on,
               e.is_bypassed_into, e.response_due_on, e.responded_on, e.outcome, e.team_name,
               e.legal_status, e.responsible_name, c.themes_label
        from fct_stage_episodes e join fct_challenges c using (challenge_id)
        where {where} and {month_clause} and {stage_clause}
        order by e.entered_on, e.case_ref
    """  # noqa: S608
    return _query(build, sql, p)

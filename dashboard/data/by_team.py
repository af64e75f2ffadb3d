"""How teams respond: the team (or service) measures, per month, median days to resolution, and the
responses still open.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from accounts.access import Scope
from dashboard.data.core import Filters, _Params, _query, cached
from warehouse.store import LiveBuild

_MEASURES = """
    sum(challenges_raised)::bigint as challenges_raised,
    sum(informal_raised)::bigint as informal_raised,
    sum(formal_started)::bigint as formal_started,
    sum(informal_escalated_to_formal)::bigint as informal_escalated_to_formal,
    sum(stage_responses_due)::bigint as stage_responses_due,
    sum(stage_responses_in_time)::bigint as stage_responses_in_time,
    sum(stage_responses_in_time) / nullif(sum(stage_responses_due), 0) as share_responded_in_time,
    sum(challenges_resolved)::bigint as challenges_resolved
"""


@cached(max_entries=256)
def team_measures(build: LiveBuild, filters: Filters, by: str = "team") -> pl.DataFrame:
    """The monthly team measures summed over the period, by team (or by service)."""
    keys = {"team": "service_name, team_id, team_name", "service": "service_name"}[by]
    p = _Params()
    where = filters.sql(p, period="month_start")
    sql = f"""
        select {keys}, {_MEASURES}
        from mart_team_monthly_measures where {where}
        group by all order by all
    """  # noqa: S608
    return _query(build, sql, p)


@cached(max_entries=256)
def team_measures_monthly(build: LiveBuild, filters: Filters) -> pl.DataFrame:
    p = _Params()
    where = filters.sql(p, period="month_start")
    sql = f"""
        select month_start, {_MEASURES}
        from mart_team_monthly_measures where {where}
        group by all order by month_start
    """  # noqa: S608
    return _query(build, sql, p)


@cached(max_entries=256)
def median_days_to_resolution(build: LiveBuild, filters: Filters, by: str = "team") -> pl.DataFrame:
    """Median working days from raised to resolved, for challenges resolved in the period (a median
    cannot be summed across the mart's months, so it is taken from the challenges)."""
    keys = {"team": "team_id", "service": "service_name", "all": "'all'"}[by]
    p = _Params()
    where = filters.sql(p, themes_list="themes", stage="current_stage_key", period="closed_on")
    sql = f"""
        select {keys} as grp, median(working_days_open) as median_working_days_to_resolution
        from fct_challenges where status = 'resolved' and {where}
        group by all
    """  # noqa: S608
    return _query(build, sql, p)


@cached(max_entries=256)
def open_responses(build: LiveBuild, scope: Scope, filters: Filters) -> pl.DataFrame:
    """Open stages waiting for a response (due dates and overdue as at the build), one row each."""
    p = _Params()
    where = filters.sql(
        p, team="e.team_id", legal="e.legal_status", stage="e.stage_key", challenge="e.challenge_id"
    )
    where += " and " + scope.sql(p, team="c.team_id", worker="c.iro_worker_id")
    sql = f"""
        select e.challenge_id, e.case_ref, e.stage_key, e.stage_number, e.stage_name, e.entered_on,
               e.response_due_on, e.responded_on, e.is_awaiting_response_past_due as is_overdue,
               e.working_days_overdue,
               coalesce(e.responsible_name, 'Not recorded') as responsible_name, e.responder_role,
               e.team_id, e.team_name, e.service_name, e.legal_status, c.themes_label
        from fct_stage_episodes e join fct_challenges c using (challenge_id)
        where e.is_open and e.responded_on is null and e.response_due_on is not null and {where}
        order by e.response_due_on, e.case_ref
    """  # noqa: S608
    return _query(build, sql, p)


@cached(max_entries=256)
def open_response_counts(build: LiveBuild, filters: Filters, week_end: date) -> dict:
    """Counts only (no rows, so for every role that sees aggregate pages): open stages awaiting a
    response past due (the measure of docs/marts.md) and those due by ``week_end``."""
    p = _Params()
    where = filters.sql(p, stage="stage_key", challenge="challenge_id")
    sql = f"""
        select count(*) filter (where is_awaiting_response_past_due) as overdue,
               count(*) filter (where not is_awaiting_response_past_due
                                and response_due_on <= {p.bind(week_end)}::date) as due_this_week
        from fct_stage_episodes
        where is_open and responded_on is null and response_due_on is not null and {where}
    """  # noqa: S608
    return _query(build, sql, p).row(0, named=True)

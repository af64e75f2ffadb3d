"""What is open "as at" a date (the overview's headline figures, open by stage, the cases behind a
figure) and whether responses came in time, computed from the facts' dates so the previous
month-end can be compared with the live as-at date.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from accounts.access import Scope
from dashboard.data.core import Filters, _in_scope, _Params, _query, cached
from warehouse.store import LiveBuild

_AS_AT_SQL = """
    with at_date as (select {on}::date as on_date),
    open_then as (
        select c.*
        from fct_challenges c, at_date
        where c.raised_on <= on_date and (c.closed_on is null or c.closed_on > on_date)
    ),
    episode_then as (
        select e.*, row_number() over (
            partition by e.challenge_id order by e.entered_on desc, e.stage_number desc
        ) as recency
        from fct_stage_episodes e, at_date
        where e.stage_number is not null and e.entered_on <= on_date
          and e.challenge_id in (select challenge_id from open_then)
    ),
    snapshot as (
        select
            c.challenge_id, c.case_ref, c.legal_status, c.team_id, c.team_name, c.service_name, c.iro_name,
            c.iro_worker_id,
            c.themes, c.themes_label, c.raised_on, c.formal_started_on, c.route,
            coalesce(e.stage_key, 'informal') as stage_key,
            coalesce(e.stage_number, 0) as stage_number,
            coalesce(e.stage_name, 'Positive Challenge') as stage_name,
            e.entered_on as stage_entered_on, e.response_due_on, e.responded_on,
            e.responsible_name,
            -- the measure "awaiting a response, past due" (docs/marts.md): at the build's as-at date
            -- dbt's column; at an earlier date the same rule read as at that date
            case when on_date = (select as_at from build_info)
                 then coalesce(e.is_awaiting_response_past_due, false)
                 else coalesce(e.response_due_on < on_date
                               and (e.responded_on is null or e.responded_on > on_date), false)
            end as is_overdue,
            coalesce(c.formal_started_on <= on_date and c.cap_due_on < on_date, false) as is_cap_breached,
            c.cap_due_on,
            coalesce(c.cafcass_referred_on <= on_date, false) as is_cafcass_referred,
            on_date - c.raised_on as days_open
        from open_then c
        cross join at_date
        left join episode_then e on e.challenge_id = c.challenge_id and e.recency = 1
    )
    select * from snapshot where {where}
"""


def _snapshot_sql(filters: Filters, on: date, p: _Params) -> str:
    where = filters.sql(p, stage="stage_key", themes_list="themes")
    return _AS_AT_SQL.format(on=p.bind(on), where=where)  # noqa: S608 - constant fragments, bound values


@cached(max_entries=256)
def headline(build: LiveBuild, filters: Filters, on: date) -> dict:
    """Headline figures as at ``on`` (end of that day), for the filtered challenges."""
    p = _Params()
    sql = f"""
        with s as ({_snapshot_sql(filters, on, p)})
        select
            count(*) as open_challenges,
            count(*) filter (where stage_number = 0) as open_informal,
            count(*) filter (where stage_number >= 1) as open_formal,
            count(*) filter (where stage_number in (3, 4)) as open_stage_3_4,
            count(*) filter (where is_overdue) as overdue,
            count(*) filter (where is_cap_breached) as cap_breached,
            count(*) filter (where is_cafcass_referred) as cafcass_referred
        from s
    """  # noqa: S608
    return _query(build, sql, p).row(0, named=True)


@cached(max_entries=256)
def open_by_stage(build: LiveBuild, filters: Filters, on: date) -> pl.DataFrame:
    """Open challenges by the stage they were at on ``on``."""
    p = _Params()
    sql = f"""
        with s as ({_snapshot_sql(filters, on, p)})
        select stage_key, stage_number, count(*) as challenges,
               count(*) filter (where is_overdue) as overdue
        from s group by all order by stage_number
    """  # noqa: S608
    return _query(build, sql, p)


SNAPSHOT_FIGURES = {
    "open": "true",
    "informal": "stage_number = 0",
    "formal": "stage_number >= 1",
    "stage_3_4": "stage_number in (3, 4)",
    "overdue": "is_overdue",
    "cap_breached": "is_cap_breached",
    "cafcass_referred": "is_cafcass_referred",
}


@cached(max_entries=256)
def snapshot_cases(
    build: LiveBuild,
    scope: Scope,
    filters: Filters,
    on: date,
    figure: str = "open",
    stage_key: str | None = None,
) -> pl.DataFrame:
    """The cases behind a headline figure (one of SNAPSHOT_FIGURES), optionally one stage only."""
    condition = SNAPSHOT_FIGURES[figure]  # a KeyError for anything else: never user text in SQL
    p = _Params()
    stage_clause = f"stage_key = {p.bind(stage_key)}" if stage_key else "true"
    stage_clause += " and " + scope.sql(p)
    sql = f"""
        with s as ({_snapshot_sql(filters, on, p)})
        select challenge_id, case_ref, stage_number, stage_name, team_name, service_name, legal_status,
               raised_on, days_open, stage_entered_on, responsible_name, response_due_on, is_overdue,
               cap_due_on, is_cap_breached, is_cafcass_referred, themes_label, iro_name
        from s where {condition} and {stage_clause}
        order by is_overdue desc, stage_number desc, response_due_on nulls last, raised_on
    """  # noqa: S608
    return _query(build, sql, p)


@cached(max_entries=256)
def responses_in_time(build: LiveBuild, filters: Filters, start: date, end: date) -> dict:
    """Stage responses due between ``start`` and ``end`` (inclusive), and how many came in time
    (on or before the due date). As mart_team_monthly_measures counts them: a stage that ended
    (escalated or closed) before its due date without a response is not counted."""
    p = _Params()
    where = filters.sql(p, stage="stage_key", challenge="challenge_id")
    sql = f"""
        select count(*) as due,
               count(*) filter (where responded_on is not null and responded_on <= response_due_on
                                and responded_on <= {p.bind(end)}::date) as in_time
        from fct_stage_episodes
        where response_due_on between {p.bind(start)}::date and {p.bind(end)}::date
          and (responded_on is not null or ended_on is null or ended_on > response_due_on) and {where}
    """  # noqa: S608
    row = _query(build, sql, p).row(0, named=True)
    row["share"] = row["in_time"] / row["due"] if row["due"] else None
    return row


@cached(max_entries=256)
def responses_due_cases(
    build: LiveBuild, scope: Scope, filters: Filters, start: date, end: date
) -> pl.DataFrame:
    p = _Params()
    where = filters.sql(p, stage="stage_key", challenge="challenge_id") + " and " + _in_scope(scope, p)
    sql = f"""
        select challenge_id, case_ref, stage_number, stage_name, team_name, legal_status, responsible_name,
               entered_on, response_due_on, responded_on,
               (responded_on is not null and responded_on <= response_due_on
                and responded_on <= {p.bind(end)}::date) as in_time
        from fct_stage_episodes
        where response_due_on between {p.bind(start)}::date and {p.bind(end)}::date
          and (responded_on is not null or ended_on is null or ended_on > response_due_on) and {where}
        order by in_time, response_due_on
    """  # noqa: S608
    return _query(build, sql, p)


@cached(max_entries=128)
def open_trend(build: LiveBuild, filters: Filters, ends: tuple[date, ...]) -> pl.DataFrame:
    """Open challenges at each of ``ends`` (month ends), by stage."""
    frames = [open_by_stage(build, filters, d).with_columns(on=pl.lit(d)) for d in ends]
    return pl.concat(frames) if frames else pl.DataFrame()

"""What challenges are about: counts by theme and stage group per period, and the cases behind one."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from accounts.access import Scope
from dashboard.data.core import Filters, _Params, _query, add_months, as_at, cached, month_start
from warehouse.store import LiveBuild


@cached(max_entries=256)
def theme_counts(build: LiveBuild, filters: Filters, period_type: str) -> pl.DataFrame:
    """Challenges per theme, period and stage group, in the chosen period, with ``is_part`` and
    ``period_label`` saying when a period is only partly inside it (see :func:`mark_part_periods`).

    Months come from mart_theme_counts. Quarters count only the months inside the chosen period
    (a challenge once per theme, quarter and stage group, as the mart counts them): from the
    stage episodes entered within the period, so a quarter cut by the period's first or last
    month, or by the as-at date, holds only those months and is marked as part."""
    if period_type not in ("month", "quarter"):
        raise ValueError(period_type)
    p = _Params()
    where = filters.sql(p, stage_group="stage_group", theme_code="theme_code")
    if period_type == "month":
        period_clause = _period_overlap(filters, p, "period_start", period_type)
        sql = f"""
            select period_start, period_label, theme_code, theme_label, theme_group, stage_group,
                   sum(challenges)::bigint as challenges
            from mart_theme_counts
            where period_type = 'month' and {where} and {period_clause}
            group by all order by period_start, theme_label
        """  # noqa: S608
    else:
        window = _entered_within(filters, p, "e.entered_on")
        sql = f"""
            with reached as (
                select d.fiscal_quarter_start as period_start, d.fiscal_quarter_label as period_label,
                       t.theme_code, e.theme_stage_group as stage_group, c.team_id, c.legal_status,
                       c.challenge_id
                from fct_stage_episodes e
                join fct_challenges c using (challenge_id)
                cross join unnest(c.themes) as t(theme_code)
                join dim_calendar d on d.date_day = e.entered_on
                where e.theme_stage_group is not null and {window}
            )
            select r.period_start, any_value(r.period_label) as period_label, r.theme_code,
                   th.theme_label, th.theme_group, r.stage_group,
                   count(distinct r.challenge_id)::bigint as challenges
            from reached r join dim_themes th using (theme_code)
            where {where}
            group by r.period_start, r.theme_code, th.theme_label, th.theme_group, r.stage_group
            order by r.period_start, th.theme_label
        """  # noqa: S608
    return mark_part_periods(_query(build, sql, p), filters, period_type, as_at(build))


def _entered_within(filters: Filters, p: _Params, col: str) -> str:
    clauses = ["true"]
    if filters.period_start:
        clauses.append(f"{col} >= {p.bind(filters.period_start)}::date")
    if filters.period_end:
        clauses.append(f"{col} <= {p.bind(filters.period_end)}::date")
    return " and ".join(clauses)


def period_window(filters: Filters, on: date) -> tuple[date | None, date]:
    """The days the chosen period covers, up to the as-at date ``on``."""
    end = min(filters.period_end, on) if filters.period_end else on
    return filters.period_start, end


def mark_part_periods(df: pl.DataFrame, filters: Filters, period_type: str, on: date) -> pl.DataFrame:
    """Add ``is_part`` (the month or quarter is only partly inside the chosen period, or runs past
    the as-at date) and mark its label, e.g. "Dec 2026 (1-3 Dec, part)", "2025-26 Q4 (Mar, part)",
    so a part period is never read as a whole one."""
    start, end = period_window(filters, on)
    months = 3 if period_type == "quarter" else 1
    marks: dict[date, str] = {}
    for ps in df["period_start"].unique().to_list() if not df.is_empty() else []:
        pe = add_months(ps, months) - timedelta(days=1)
        lo, hi = max(ps, start) if start else ps, min(pe, end)
        if lo == ps and hi == pe:
            continue
        if period_type == "month":
            marks[ps] = f" ({lo.day}-{hi.day} {hi:%b}, part)"
        else:
            names = []
            m = month_start(lo)
            while m <= hi:
                names.append(f"{m:%b}")
                m = add_months(m, 1)
            marks[ps] = f" ({'-'.join([names[0], names[-1]]) if len(names) > 1 else names[0]}, part)"
    if df.is_empty():
        return df.with_columns(is_part=pl.lit(False))
    mark = pl.col("period_start").replace_strict(marks, default="", return_dtype=pl.String)
    return df.with_columns(
        is_part=pl.col("period_start").is_in(list(marks)),
        period_label=pl.col("period_label") + mark,
    )


def _period_overlap(filters: Filters, p: _Params, col: str, period_type: str) -> str:
    """Periods (months or quarters starting at ``col``) that overlap the chosen months."""
    clauses = ["true"]
    if filters.month_to:
        clauses.append(f"{col} <= {p.bind(filters.period_end)}::date")
    if filters.month_from:
        length = "3 months" if period_type == "quarter" else "1 month"
        clauses.append(f"{col} + interval '{length}' > {p.bind(filters.period_start)}::date")
    return " and ".join(clauses)


@cached(max_entries=256)
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
    period = _entered_within(filters, p, "e.entered_on")  # only months inside the period
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

"""The dashboard's one data-access module: every query the pages run is here, and only here.

How it reads the warehouse:

* ``live()`` reads the live-build pointer on every rerun (a tiny JSON file), so a new build shows
  up at the next rerun without anyone pressing anything;
* one read-only DuckDB connection per build file, cached as a resource; each query uses its own
  cursor, because Streamlit runs sessions in threads and a connection must not be shared across
  threads;
* query results are cached with the build in the key, so a cache never outlives its build;
* every function that returns child-level rows (one row per challenge or stage) takes the signed-in
  user's :class:`~warehouse.access.Scope` and ANDs ``scope.sql(...)`` into its WHERE, so what a
  page, a link or a direct call can reach is never wider than the user's role (docs/access.md);
  the scope is part of each cached function's key;
* values from users (filters, a selected case) are bound as named parameters (``$p1``...), never
  pasted into SQL. The SQL text is assembled only from constant fragments in this module.

Which filters apply where (see docs/dashboard.md):

* *team / service*, *legal status* and *theme* apply everywhere;
* *protocol stage* applies to the stage a challenge is at (snapshots), the stage entered (monthly
  counts) or the stage group (themes: informal / stage 1 / stages 2-4);
* the *period* applies to everything counted over time (monthly counts, themes, team measures,
  charts); snapshot figures ("open now", "overdue now") are always as at the build's as-at date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
import streamlit as st

from warehouse.access import Scope
from warehouse.store import LiveBuild, connect_read_only, read_live

# Stage groups used by mart_theme_counts, and the stage keys each one covers.
STAGE_GROUPS = {
    "informal": "Positive Challenge (informal)",
    "stage_1": "Stage 1",
    "stages_2_4": "Stages 2 to 4",
}
CAFCASS_LABEL = "Contact with CAFCASS"


def stage_group_of(stage_key: str) -> str | None:
    if stage_key == "informal":
        return "informal"
    if stage_key == "stage_1":
        return "stage_1"
    if stage_key.startswith("stage_"):
        return "stages_2_4"
    return None


def live() -> LiveBuild | None:
    """The live build, or None when nothing has been built yet."""
    return read_live()


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(build: LiveBuild):
    return connect_read_only(build)


class _Params:
    """Collects bound values for one statement; ``bind`` returns the placeholder to put in the SQL."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values) + 1}"
        self.values[name] = value
        return f"${name}"


def _in_scope(scope: Scope, p: _Params, challenge: str = "challenge_id") -> str:
    """For tables without the raising IRO's worker id (fct_stage_episodes, mart_open_stage_3_4):
    the scope applied through the challenge (``fct_challenges c``: its team and ``iro_worker_id``)."""
    if not _COLUMN.fullmatch(challenge):
        raise ValueError(f"not a column name: {challenge!r}")
    cond = scope.sql(p, team="c.team_id", worker="c.iro_worker_id")
    if cond in ("true", "false"):
        return cond
    return f"{challenge} in (select c.challenge_id from fct_challenges c where {cond})"  # noqa: S608


def _query(build: LiveBuild, sql: str, params: _Params | dict | None = None) -> pl.DataFrame:
    """Run one query on its own cursor of the build's cached read-only connection."""
    values = params.values if isinstance(params, _Params) else (params or {})
    cur = _connection(build).cursor()
    try:
        return cur.sql(sql, params=values or None).pl()
    finally:
        cur.close()


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def previous_month_end(d: date) -> date:
    return month_start(d) - timedelta(days=1)


_COLUMN = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")


@dataclass(frozen=True)
class Filters:
    """What the sidebar filters select. Empty tuples mean "all"; ``None`` months mean "no limit"."""

    month_from: date | None = None  # first day of the first month in the period
    month_to: date | None = None  # first day of the last month in the period
    teams: tuple[str, ...] = ()  # team_id
    services: tuple[str, ...] = ()  # service_name
    legal_statuses: tuple[str, ...] = ()  # lac / cp / cin
    stages: tuple[str, ...] = ()  # stage_key: informal, stage_1.., cafcass
    themes: tuple[str, ...] = ()  # theme_code
    extra: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def period_start(self) -> date | None:
        return self.month_from

    @property
    def period_end(self) -> date | None:
        return month_end(self.month_to) if self.month_to else None

    def stage_groups(self) -> tuple[str, ...]:
        return tuple(sorted({g for s in self.stages if (g := stage_group_of(s))}))

    def sql(
        self,
        p: _Params,
        *,
        team: str | None = "team_id",
        legal: str | None = "legal_status",
        stage: str | None = None,
        stage_group: str | None = None,
        themes_list: str | None = None,
        theme_code: str | None = None,
        challenge: str | None = None,
        period: str | None = None,
    ) -> str:
        """A SQL condition for these filters, each naming the column it applies to (None: skip).

        ``themes_list`` is a VARCHAR[] column of theme codes; ``challenge`` a challenge_id column used
        to apply the theme filter through fct_challenges where a table has no themes of its own.
        """
        for column in (team, legal, stage, stage_group, themes_list, theme_code, challenge, period):
            if column is not None and not _COLUMN.fullmatch(column):
                raise ValueError(f"not a column name: {column!r}")
        out = ["true"]
        if team and self.teams:
            out.append(f"{team} in (select unnest({p.bind(list(self.teams))}::varchar[]))")
        if team and self.services:
            out.append(
                f"{team} in (select team_id from dim_teams where service_name in "  # noqa: S608 - bound values
                f"(select unnest({p.bind(list(self.services))}::varchar[])))"
            )
        if legal and self.legal_statuses:
            out.append(f"{legal} in (select unnest({p.bind(list(self.legal_statuses))}::varchar[]))")
        if stage and self.stages:
            out.append(f"{stage} in (select unnest({p.bind(list(self.stages))}::varchar[]))")
        if stage_group and self.stages:
            out.append(f"{stage_group} in (select unnest({p.bind(list(self.stage_groups()))}::varchar[]))")
        if self.themes:
            if themes_list:
                out.append(f"list_has_any({themes_list}, {p.bind(list(self.themes))}::varchar[])")
            elif theme_code:
                out.append(f"{theme_code} in (select unnest({p.bind(list(self.themes))}::varchar[]))")
            elif challenge:
                out.append(
                    f"{challenge} in (select challenge_id from fct_challenges "  # noqa: S608 - bound values
                    f"where list_has_any(themes, {p.bind(list(self.themes))}::varchar[]))"
                )
        if period and self.month_from:
            out.append(f"{period} >= {p.bind(self.period_start)}::date")
        if period and self.month_to:
            out.append(f"{period} <= {p.bind(self.period_end)}::date")
        return " and ".join(out)


# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def build_info(build: LiveBuild) -> dict:
    df = _query(build, "select as_at, protocol_code, protocol_name, built_at, stage_count from build_info")
    if df.is_empty():
        return {
            "as_at": as_at(build),
            "protocol_code": build.protocol,
            "protocol_name": build.protocol,
            "built_at": None,
            "stage_count": 0,
        }
    return df.row(0, named=True)


def as_at(build: LiveBuild) -> date:
    return date.fromisoformat(build.as_at)


@st.cache_data(max_entries=64, show_spinner=False)
def teams(build: LiveBuild) -> pl.DataFrame:
    return _query(
        build,
        "select team_id, team_name, service_name from dim_teams "
        "where team_kind = 'social_work' order by service_name, team_name",
    )


@st.cache_data(max_entries=64, show_spinner=False)
def themes(build: LiveBuild) -> pl.DataFrame:
    return _query(build, "select theme_code, theme_label, theme_group from dim_themes order by theme_label")


@st.cache_data(max_entries=64, show_spinner=False)
def stages(build: LiveBuild) -> pl.DataFrame:
    """The protocol's stages in order: informal, stage 1..N, then the CAFCASS step if the protocol
    has a separate one. ``stage_label`` is the report's heading ("Stage 1"..., "Contact with
    CAFCASS"; the informal tier's name for informal), ``stage_name`` who responds ("Team Manager").
    Labels come from mart_monthly_stage_counts, names from fct_stage_episodes; build_info's
    stage_count fills in stages nobody has reached yet."""
    n = int(build_info(build).get("stage_count") or 0)
    labels = _query(
        build,
        "select stage_key, any_value(stage_number) as stage_number, any_value(stage_label) as stage_label "
        "from mart_monthly_stage_counts group by stage_key",
    )
    names = _query(
        build,
        "select stage_key, any_value(stage_number) as stage_number, min(stage_name) as stage_name "
        "from fct_stage_episodes group by stage_key",
    )
    rows: dict[str, dict] = {
        "informal": {
            "stage_key": "informal",
            "stage_number": 0,
            "stage_name": "Positive Challenge",
            "stage_label": "Positive Challenge",
        },
    }
    for i in range(1, n + 1):
        rows[f"stage_{i}"] = {
            "stage_key": f"stage_{i}",
            "stage_number": i,
            "stage_name": f"Stage {i}",
            "stage_label": f"Stage {i}",
        }
    for r in labels.iter_rows(named=True):
        row = rows.setdefault(
            r["stage_key"],
            {
                "stage_key": r["stage_key"],
                "stage_number": r["stage_number"],
                "stage_name": r["stage_label"],
                "stage_label": r["stage_label"],
            },
        )
        row["stage_label"] = r["stage_label"] or row["stage_label"]
    for r in names.iter_rows(named=True):
        row = rows.setdefault(
            r["stage_key"],
            {
                "stage_key": r["stage_key"],
                "stage_number": r["stage_number"],
                "stage_name": r["stage_name"],
                "stage_label": r["stage_name"],
            },
        )
        row["stage_name"] = r["stage_name"] or row["stage_name"]
        if r["stage_key"] == "informal":
            row["stage_label"] = (
                labels.filter(pl.col("stage_key") == "informal")["stage_label"].first() or r["stage_name"]
            )
    if "cafcass" in rows and rows["cafcass"]["stage_label"] != CAFCASS_LABEL:
        rows["cafcass"]["stage_label"] = CAFCASS_LABEL
    ordered = sorted(rows.values(), key=lambda r: (r["stage_number"] is None, r["stage_number"] or 0))
    return pl.DataFrame(
        ordered,
        schema={
            "stage_key": pl.String,
            "stage_number": pl.Int32,
            "stage_name": pl.String,
            "stage_label": pl.String,
        },
    )


@st.cache_data(max_entries=64, show_spinner=False)
def first_month(build: LiveBuild) -> date:
    """The first month with any activity (for the period filter's choices)."""
    df = _query(
        build,
        "select least((select min(raised_on) from fct_challenges), "
        "(select min(entered_on) from fct_stage_episodes)) as first_day",
    )
    first = df.item(0, 0) if not df.is_empty() else None
    return month_start(first) if first else month_start(as_at(build))


# --------------------------------------------------------------------------------------------
# Snapshots "as at" a date, computed from the facts' dates (so the previous month-end can be
# compared with the live as-at date).
# --------------------------------------------------------------------------------------------

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


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=128, show_spinner=False)
def open_trend(build: LiveBuild, filters: Filters, ends: tuple[date, ...]) -> pl.DataFrame:
    """Open challenges at each of ``ends`` (month ends), by stage."""
    frames = [open_by_stage(build, filters, d).with_columns(on=pl.lit(d)) for d in ends]
    return pl.concat(frames) if frames else pl.DataFrame()


# --------------------------------------------------------------------------------------------
# Monthly stage counts (the Rotherham report)
# --------------------------------------------------------------------------------------------


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=256, show_spinner=False)
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


# --------------------------------------------------------------------------------------------
# Challenge meeting
# --------------------------------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def meeting_stage_numbers(build: LiveBuild) -> tuple[int, ...]:
    """The stages that go to the challenge meeting under the protocol in force (3 and 4;
    Rotherham also 5, contact with CAFCASS), from dim_protocol_stages."""
    df = _query(
        build,
        "select stage_number from dim_protocol_stages "
        "where goes_to_challenge_meeting and stage_number is not null order by stage_number",
    )
    return tuple(int(n) for n in df["stage_number"].to_list())


@st.cache_data(max_entries=256, show_spinner=False)
def meeting_cases(build: LiveBuild, scope: Scope, filters: Filters) -> pl.DataFrame:
    """Open stage 3 and 4 challenges, most urgent first."""
    p = _Params()
    where = filters.sql(
        p, team="m.team_id", legal="m.legal_status", stage="c.current_stage_key", themes_list="c.themes"
    )
    where += " and " + scope.sql(p, team="c.team_id", worker="c.iro_worker_id")
    sql = f"""
        select m.urgency_rank, m.challenge_id, m.case_ref, m.legal_status, m.team_name, m.service_name,
               m.iro_name, m.current_stage, m.current_stage_name, m.stage_entered_on, m.raised_on,
               m.days_open, m.working_days_open, m.responsible_name, m.responder_role, m.responsible_role,
               m.response_due_on,
               m.responded_on, m.is_awaiting_response_past_due, m.is_responded_late,
               m.working_days_overdue, m.cap_due_on, m.is_cap_breached,
               m.is_cafcass_referred, m.themes_label
        from mart_open_stage_3_4 m join fct_challenges c using (challenge_id)
        where {where}
        order by m.urgency_rank
    """  # noqa: S608
    return _query(build, sql, p)


# --------------------------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def case_choices(build: LiveBuild, scope: Scope, filters: Filters) -> pl.DataFrame:
    """Challenges for the case picker: open ones first, then the most recent."""
    p = _Params()
    where = filters.sql(p, themes_list="themes") + " and " + scope.sql(p)
    sql = f"""
        select challenge_id, case_ref, status, current_stage_name, team_name, raised_on
        from fct_challenges where {where}
        order by status = 'open' desc, raised_on desc, case_ref
    """  # noqa: S608
    return _query(build, sql, p)


@st.cache_data(max_entries=256, show_spinner=False)
def case_summary(build: LiveBuild, scope: Scope, challenge_id: str) -> dict | None:
    """One challenge, or None if there is no such challenge *in the user's scope* (a link naming
    someone else's case finds nothing). ``child_ref`` is the case-system child_id for roles that
    may see it (this is the case timeline, the only place it appears), else the case_ref."""
    p = _Params()
    child_ref = scope.child_label(p, child_id="child_id", case_ref="case_ref", on_case_timeline=True)
    sql = f"""
        select challenge_id, case_ref, {child_ref} as child_ref, legal_status, context, team_name, service_name, iro_name, route,
               entry_stage, current_stage, current_stage_name, status, raised_on, formal_started_on,
               closed_on, working_days_open, cap_due_on, is_cap_breached, is_cafcass_referred,
               cafcass_referred_on, is_legal_advice_requested, themes_label, response_due_on,
               is_awaiting_response_past_due as is_overdue, responsible_name, outcome, is_qa_triggered
        from fct_challenges where challenge_id = {p.bind(challenge_id)} and {scope.sql(p)}
    """  # noqa: S608
    df = _query(build, sql, p)
    return df.row(0, named=True) if not df.is_empty() else None


@st.cache_data(max_entries=256, show_spinner=False)
def case_episodes(build: LiveBuild, scope: Scope, challenge_id: str) -> pl.DataFrame:
    p = _Params()
    in_scope = _in_scope(scope, p)
    sql = f"""
        select episode_id, stage_key, stage_number, stage_name, responder_role, entered_on, response_due_on,
               responded_on, working_days_taken, is_bypassed_into, bypass_reason, outcome, ended_on, is_open,
               is_overdue, is_awaiting_response_past_due, is_responded_late, working_days_overdue,
               is_responded_in_time, responsible_name
        from fct_stage_episodes where challenge_id = {p.bind(challenge_id)} and {in_scope}
        order by entered_on, stage_number nulls last
    """  # noqa: S608
    return _query(build, sql, p)


@st.cache_data(max_entries=256, show_spinner=False)
def case_event_list(build: LiveBuild, challenge_id: str) -> pl.DataFrame:
    """The challenge's real events in timeline order (fct_challenge_events): the raising, then every
    event from the case system and the app; two recorded at the same moment are both listed."""
    p = _Params()
    sql = f"""
        select timeline_order, event_id, event_type, event_on, stage, actor_worker_id, actor_name, note,
               reason, satisfied, recorded_at, recorded_by, source, is_valid, issue_code
        from fct_challenge_events where challenge_id = {p.bind(challenge_id)}
        order by timeline_order
    """  # noqa: S608
    return _query(build, sql, p)


# --------------------------------------------------------------------------------------------
# Themes
# --------------------------------------------------------------------------------------------


@st.cache_data(max_entries=256, show_spinner=False)
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


# --------------------------------------------------------------------------------------------
# Teams
# --------------------------------------------------------------------------------------------

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


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=256, show_spinner=False)
def team_measures_monthly(build: LiveBuild, filters: Filters) -> pl.DataFrame:
    p = _Params()
    where = filters.sql(p, period="month_start")
    sql = f"""
        select month_start, {_MEASURES}
        from mart_team_monthly_measures where {where}
        group by all order by month_start
    """  # noqa: S608
    return _query(build, sql, p)


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=256, show_spinner=False)
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


@st.cache_data(max_entries=256, show_spinner=False)
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


# --------------------------------------------------------------------------------------------
# The logging form (dashboard/views/log.py): what it must check before a save. Read from the
# live marts, plus the app events saved since that build (warehouse.events.read_events), so a
# challenge logged a moment ago can be acted on before the rebuild has finished.
# --------------------------------------------------------------------------------------------

CLOSING_ACTIONS = ("resolved", "withdrawn")


@st.cache_data(max_entries=256, show_spinner=False)
def response_due(build: LiveBuild, stage_number: int, started_on: date) -> tuple[str, date | None]:
    """The stage's name and the date a response is due for a step of it started on ``started_on``
    (docs/working-days.md rules 1-2, the same join as the dbt macro add_working_days); no date for
    a step with no deadline. For the log form's confirmation after a save."""
    p = _Params()
    sql = f"""
        select s.stage_name, (
            select due.date_day from dim_calendar st join dim_calendar due
              on due.working_day_number = st.day_zero_working_day_number + s.response_working_days
             and due.is_working_day
            where st.date_day = {p.bind(started_on)}::date
        ) as due_on
        from dim_protocol_stages s
        where coalesce(s.stage_number, -1) = {p.bind(stage_number)} and s.stage_key <> 'cafcass'
    """  # noqa: S608 - bound values
    df = _query(build, sql, p)
    if df.is_empty():
        return (f"Stage {stage_number}", None)
    return (str(df["stage_name"][0]), df["due_on"][0])


@st.cache_data(max_entries=64, show_spinner=False)
def protocol_stage_numbers(build: LiveBuild) -> tuple[int, ...]:
    """The formal stages of the protocol in force (1..N), from dim_protocol_stages."""
    df = _query(
        build,
        "select stage_number from dim_protocol_stages "
        "where stage_number >= 1 and stage_key like 'stage_%' order by stage_number",
    )
    return tuple(int(n) for n in df["stage_number"].to_list())


@st.cache_data(max_entries=4096, show_spinner=False)
def child(build: LiveBuild, child_id: str) -> dict | None:
    """The child with this case-system id (trimmed, as typed otherwise), or None if unknown; with
    the team a new challenge would count under (dim_children.team_id: the allocation, else the
    child's latest known team; empty when none is known) and where it came from."""
    p = _Params()
    sql = f"""
        select c.child_id, c.case_ref, c.legal_status, c.team_id, t.team_name, c.team_source
        from dim_children c left join dim_teams t using (team_id)
        where c.child_id = {p.bind(child_id.strip())}
    """  # noqa: S608 - bound values
    df = _query(build, sql, p)
    return df.row(0, named=True) if not df.is_empty() else None


@st.cache_data(max_entries=64, show_spinner=False)
def _built_challenges_for_form(build: LiveBuild, scope: Scope) -> pl.DataFrame:
    """The built challenges this user may act on (``scope.act_sql``): the open ones and the 200
    most recently closed, with what the form needs. No case-system child id: the form shows the
    pseudonymous case reference."""
    p = _Params()
    may_act = scope.act_sql(p, team="team_id", worker="iro_worker_id")
    sql = f"""
        select challenge_id, case_ref, legal_status, route, status, current_stage, raised_on,
               closed_on, is_cafcass_referred, team_id, iro_worker_id
        from fct_challenges
        where {may_act}
        qualify status = 'open'
             or row_number() over (partition by status = 'open' order by closed_on desc, challenge_id) <= 200
        order by status = 'open' desc, raised_on desc, case_ref
    """  # noqa: S608 - constant fragments, bound values
    return _query(build, sql, p)


@st.cache_data(max_entries=16, show_spinner=False)
def _has_app_challenge_ids(build: LiveBuild) -> bool:
    """Whether the build's fct_challenges has ``app_challenge_id`` (builds from before the app's
    challenges were reconciled with the extract's do not)."""
    df = _query(
        build,
        "select 1 from information_schema.columns "
        "where table_name = 'fct_challenges' and column_name = 'app_challenge_id'",
    )
    return not df.is_empty()


def _app_id_column(build: LiveBuild) -> str:
    return "app_challenge_id" if _has_app_challenge_ids(build) else "cast(null as varchar)"


@st.cache_data(max_entries=4, show_spinner=False)
def _built_challenge_ids(build: LiveBuild) -> frozenset[str]:
    """Every challenge id the build has, including the app's id of a challenge logged in the app that
    the build counts as the extract's same challenge (``app_challenge_id``, docs/marts.md rule 3)."""
    df = _query(build, f"select challenge_id, {_app_id_column(build)} as app_id from fct_challenges")  # noqa: S608
    return frozenset(df["challenge_id"].to_list()) | frozenset(df["app_id"].drop_nulls().to_list())


def _built_challenge(build: LiveBuild, challenge_id: str) -> dict | None:
    """The built challenge with this id, or whose app id (``app_challenge_id``) it is."""
    p = _Params()
    wanted = p.bind(challenge_id)
    app_id = _app_id_column(build)
    sql = f"""
        select challenge_id, case_ref, legal_status, route, entry_stage, status, current_stage, raised_on,
               closed_on, is_cafcass_referred, team_id, iro_worker_id, {app_id} as app_challenge_id
        from fct_challenges where challenge_id = {wanted} or {app_id} = {wanted}
        order by challenge_id = {wanted} desc
        limit 1
    """  # noqa: S608 - constant fragments, bound values
    df = _query(build, sql, p)
    return df.row(0, named=True) if not df.is_empty() else None


def _built_event_ids(build: LiveBuild, challenge_id: str) -> set[str]:
    p = _Params()
    sql = f"select event_id from fct_challenge_events where challenge_id = {p.bind(challenge_id)}"  # noqa: S608
    return set(_query(build, sql, p)["event_id"].to_list())


def _events_version(home: str) -> int:
    """The events folder's modification time: it changes whenever an event is published."""
    from pathlib import Path

    try:
        return (Path(home) / "events").stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def app_events(home: str) -> pl.DataFrame:
    """Every app event saved so far (recorded order), amendments included as saved. Cached on the
    events folder's modification time, so a save is seen at once."""
    return _app_events(home, _events_version(home))


@st.cache_data(max_entries=4, show_spinner=False)
def _app_events(home: str, version: int) -> pl.DataFrame:
    from pathlib import Path

    from warehouse import settings
    from warehouse.events import read_events

    return read_events(settings.Paths(Path(home)))


def resolve_amendments(events: pl.DataFrame) -> list[dict]:
    """The app's events with amendments applied, as ``int_app_events`` does in dbt: one record per
    ORIGINAL event (recorded order of the originals), carrying its latest version's values.

    An amendment (``amends_event_id`` set) replaces the event it amends; an amendment of an
    amendment follows the chain back to the original. The latest version is the one recorded last
    (``recorded_at``, then ``event_id``). A version whose action or challenge differs from the
    original's is not applied. An amendment of an event that does not exist stands on its own; an
    event whose chain never reaches an original (a loop) is left out. Each record also carries
    ``original_event_id``, ``amendment_count``, ``first_recorded_at`` and ``first_recorded_by``.
    """
    rows = events.to_dicts()
    by_id = {r["event_id"]: r for r in rows}

    def original_of(r: dict) -> dict | None:
        seen: set[str] = set()
        while r["amends_event_id"] and r["amends_event_id"] in by_id:
            if r["event_id"] in seen or len(seen) > 100:
                return None
            seen.add(r["event_id"])
            r = by_id[r["amends_event_id"]]
        return r

    versions: dict[str, list[dict]] = {}
    originals: dict[str, dict] = {}
    for r in rows:
        orig = original_of(r)
        if orig is None or r["action"] != orig["action"] or r["challenge_id"] != orig["challenge_id"]:
            continue
        originals[orig["event_id"]] = orig
        versions.setdefault(orig["event_id"], []).append(r)
    out = []
    for oid, orig in sorted(originals.items(), key=lambda kv: (kv[1]["recorded_at"], kv[0])):
        vs = versions[oid]
        latest = max(vs, key=lambda v: (v["recorded_at"], v["event_id"]))
        out.append(
            dict(
                latest,
                original_event_id=oid,
                amendment_count=len(vs) - 1,
                first_recorded_at=orig["recorded_at"],
                first_recorded_by=orig["recorded_by"],
            )
        )
    return out


def resolved_app_events(home: str) -> list[dict]:
    """:func:`resolve_amendments` over every app event, cached like :func:`app_events`."""
    return _resolved_app_events(home, _events_version(home))


@st.cache_data(max_entries=4, show_spinner=False)
def _resolved_app_events(home: str, version: int) -> list[dict]:
    return resolve_amendments(_app_events(home, version))


def _case_ref_of(child_id: str) -> str:
    from warehouse.access import pseudonym  # the one definition, as the marts' case_ref (macros/case_ref.sql)

    return pseudonym(child_id)


def _apply(state: dict, ev: dict) -> None:
    """Fold one app event into a challenge's state (as the marts would after the next build)."""
    action = ev["action"]
    if action in CLOSING_ACTIONS and state["status"] == "open":
        state["status"] = action
        state["closed_on"] = ev["event_on"]
    elif action == "escalated" and ev["stage"] and ev["stage"] > (state["current_stage"] or 0):
        state["current_stage"] = ev["stage"]
        state["route"] = "formal"
    elif action == "cafcass_referral":
        state["is_cafcass_referred"] = True


def _unbuilt_challenges(build: LiveBuild, home: str) -> dict[str, dict]:
    """Challenges raised in the app that the live build does not have yet, with their state from
    their events (amendments applied)."""
    events = resolved_app_events(home)
    known = _built_challenge_ids(build)
    new = {
        ev["challenge_id"]: _state_from_raised(ev)
        for ev in events
        if ev["action"] == "raised" and ev["challenge_id"] not in known
    }
    for ev in events:
        if ev["action"] != "raised" and ev["challenge_id"] in new:
            _apply(new[ev["challenge_id"]], ev)
    return new


def form_challenges(build: LiveBuild, home: str, scope: Scope) -> list[dict]:
    """The challenges the form offers, only those this user may act on: the ones logged in the app
    since the build first (their state from their events), then the build's open challenges, then
    recently closed ones. The built ones are limited in SQL by ``scope.act_sql``; the new ones,
    which have no team until a build resolves it, by ``scope.may_act_on`` on the raising IRO's
    worker id and the team the event recorded (usually none: an Assistant Service Manager sees
    them after the next build)."""
    new = [
        c
        for c in _unbuilt_challenges(build, home).values()
        if scope.may_act_on(iro_worker_id=c["iro_worker_id"], team_id=c["team_id"])
    ]
    rows = sorted(new, key=lambda r: r["raised_on"], reverse=True)
    return rows + _built_challenges_for_form(build, scope).to_dicts()


def _state_from_raised(ev: dict) -> dict:
    return {
        "challenge_id": ev["challenge_id"],
        "case_ref": _case_ref_of(ev["child_id"]),
        "legal_status": ev["legal_status"],
        "route": ev["route"],
        "entry_stage": ev["entry_stage"],
        "status": "open",
        "current_stage": ev["entry_stage"],
        "raised_on": ev["raised_on"],
        "closed_on": None,
        "is_cafcass_referred": False,
        "team_id": ev["team_id"],
        "iro_worker_id": ev["raised_by_worker_id"],
        "app_challenge_id": None,
        "pending_build": True,
    }


def challenge_state(build: LiveBuild, home: str, challenge_id: str) -> dict | None:
    """Where a challenge stands now: the build's view, with the app events saved since it applied
    (in recorded order, amendments applied). None if there is no such challenge in the build or the
    app's events. Carries ``team_id`` and ``iro_worker_id`` (the raising IRO's worker id) for the
    form's server-side check (``scope.may_act_on``) before every write.

    An amendment of an event the build already has shows after the next build (the state here is
    the build's until then)."""
    state = _built_challenge(build, challenge_id)
    if state is None:
        events = [ev for ev in resolved_app_events(home) if ev["challenge_id"] == challenge_id]
        raised = [ev for ev in events if ev["action"] == "raised"]
        if not raised:
            return None
        state = _state_from_raised(raised[0])
        seen: set[str] = set()
    else:
        # a challenge logged in the app and also in the extract is the extract's: the app's events
        # under either id are its events
        ids = {state["challenge_id"], state["app_challenge_id"]} - {None}
        events = [ev for ev in resolved_app_events(home) if ev["challenge_id"] in ids]
        state = dict(state, pending_build=False)
        seen = _built_event_ids(build, state["challenge_id"])
    for ev in events:
        if ev["action"] != "raised" and ev["original_event_id"] not in seen:
            _apply(state, ev)
            state["pending_build"] = True
    return state


def app_event_versions(build: LiveBuild, home: str, challenge_id: str) -> list[dict]:
    """The events of one challenge that were recorded in the app (the ones the form can correct),
    each as its latest version (amendments applied), in the order they happened: the raising
    first, then by date and when first recorded. For a challenge the build counts as the extract's
    and the app's (``app_challenge_id``), the app's events under either id; each keeps its own
    ``challenge_id``, which a correction must keep."""
    built = _built_challenge(build, challenge_id)
    ids = {challenge_id} | ({built["challenge_id"], built["app_challenge_id"]} - {None} if built else set())
    events = [
        dict(ev, case_ref=_case_ref_of(ev["child_id"]) if ev["child_id"] else None)
        for ev in resolved_app_events(home)
        if ev["challenge_id"] in ids
    ]
    return sorted(events, key=lambda ev: (ev["action"] != "raised", ev["event_on"], ev["first_recorded_at"]))

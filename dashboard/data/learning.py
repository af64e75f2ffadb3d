"""The queries of the learning and accountability pages (issue 13): good practice, outcomes for the
child, the rest of the process (pre-CAFCASS meetings, supervision, route), QA checklist grades and
the quarterly and annual figures. The same rules as dashboard/data.py: read-only, values bound as
parameters, child-level rows limited by the signed-in user's scope, cached with the build in the key.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import Scope
from dashboard.data.by_theme import _period_overlap
from dashboard.data.core import Filters, _Params, _query
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


@st.cache_data(max_entries=16, show_spinner=False)
def child_outcome_labels(build: LiveBuild) -> dict[str, str]:
    """Outcome code -> label, from the build's seed child_outcomes."""
    df = _query(build, "select outcome_code, outcome_label from child_outcomes")
    return dict(zip(df["outcome_code"], df["outcome_label"], strict=True))


@st.cache_data(max_entries=256, show_spinner=False)
def _built_pre_cafcass_meeting(build: LiveBuild, challenge_id: str) -> bool:
    p = _Params()
    sql = f"""
        select count(*) from fct_challenge_events
        where is_valid and event_type = 'pre_cafcass_meeting'
          and challenge_id in (
              select challenge_id from fct_challenges
              where challenge_id = {p.bind(challenge_id)} or app_challenge_id = {p.bind(challenge_id)})
    """  # noqa: S608
    return bool(_query(build, sql, p).item())


def has_pre_cafcass_meeting(build: LiveBuild, home: str, challenge_id: str) -> bool:
    """A pre-CAFCASS meeting is recorded for the challenge: in the live build, or in the app since."""
    from dashboard.data import write_back as data

    if _built_pre_cafcass_meeting(build, challenge_id):
        return True
    ids = {challenge_id}
    built = data.challenge_state(build, home, challenge_id)
    if built is not None:
        ids |= {built.get("challenge_id"), built.get("app_challenge_id")} - {None}
    return any(
        e["action"] == "pre_cafcass_meeting" and e["challenge_id"] in ids
        for e in data.resolved_app_events(home)
    )


ROUTE_LABELS = {
    "iro_lac_review": "IRO (looked-after review)",
    "chair_cp_conference": "Conference Chair (child protection conference)",
}
STEP_LABELS = {
    "raised": "Challenges raised",
    "supervision": "Discussed in supervision",
    "pre_cafcass_meeting": "Pre-CAFCASS meetings",
    "cafcass_referral": "CAFCASS referrals",
    "cafcass_referral_without_meeting": "CAFCASS referrals with no pre-CAFCASS meeting",
}


def _quarter_clause(filters: Filters, p: _Params) -> str:
    return _period_overlap(filters, p, "period_start", "quarter")


@st.cache_data(max_entries=128, show_spinner=False)
def escalation_impact(build: LiveBuild, filters: Filters) -> pl.DataFrame:
    """Challenges closed per quarter and outcome for the child (mart_escalation_impact)."""
    p = _Params()
    where = filters.sql(p, legal=None)
    sql = f"""
        select period_start, period_label, outcome_code, outcome_label, is_change_for_child,
               sum(challenges)::bigint as challenges
        from mart_escalation_impact
        where {where} and {_quarter_clause(filters, p)}
        group by all order by period_start, outcome_label
    """  # noqa: S608
    return _query(build, sql, p)


@st.cache_data(max_entries=128, show_spinner=False)
def process_steps(build: LiveBuild, filters: Filters) -> pl.DataFrame:
    """Steps per quarter, route and kind (mart_process_steps)."""
    p = _Params()
    where = filters.sql(p, legal=None)
    sql = f"""
        select period_start, period_label, process_route, step, sum(steps)::bigint as steps
        from mart_process_steps
        where {where} and {_quarter_clause(filters, p)}
        group by all order by period_start, process_route, step
    """  # noqa: S608
    return _query(build, sql, p)


@st.cache_data(max_entries=128, show_spinner=False)
def referrals_without_meeting(build: LiveBuild, scope: Scope, filters: Filters) -> pl.DataFrame:
    """CAFCASS referrals with no pre-CAFCASS meeting before them (the warning's cases), in scope."""
    p = _Params()
    cond = scope.sql(p, team="team_id", worker="iro_worker_id")
    where = filters.sql(p, legal=None, period="cafcass_referred_on")
    sql = f"""
        select challenge_id, case_ref, cafcass_referred_on, team_name, service_name, status,
               pre_cafcass_meeting_on
        from fct_challenge_learning
        where is_cafcass_without_meeting and {cond} and {where}
        order by cafcass_referred_on desc
    """  # noqa: S608
    return _query(build, sql, p)


GRADE_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires Improvement",
    "inadequate": "Inadequate",
}


@st.cache_data(max_entries=128, show_spinner=False)
def qa_grade_counts(build: LiveBuild, scope: Scope, filters: Filters, by: str) -> pl.DataFrame:
    """Grades per ``by`` (month, team or iro) and grade, with the escalations among them, in the
    chosen period and teams. The IRO split is limited to what the scope allows (an IRO: their own)."""
    if by not in ("month", "team", "iro"):
        raise ValueError(by)
    key = {
        "month": "period_start, period_label",
        "team": "service_name, team_name",
        "iro": "iro_name, iro_worker_id",
    }[by]
    p = _Params()
    where = filters.sql(p, legal=None)
    cond = scope.sql(p, team="team_id", worker="iro_worker_id") if by == "iro" else "true"
    sql = f"""
        select {key}, grade, sum(grades)::bigint as grades, sum(escalations)::bigint as escalations
        from mart_qa_grade_counts
        where period_type = 'month' and {where} and {cond} and {_period_overlap(filters, p, "period_start", "month")}
        group by all order by {key}, grade
    """  # noqa: S608
    return _query(build, sql, p)


@st.cache_data(max_entries=128, show_spinner=False)
def qa_inadequate_escalations(build: LiveBuild, scope: Scope, filters: Filters) -> pl.DataFrame:
    """The escalations Inadequate grades are under the protocol in force, as cases (in scope)."""
    p = _Params()
    cond = scope.sql(p, team="c.team_id", worker="c.iro_worker_id")
    where = filters.sql(p, team="g.team_id", legal=None, period="g.graded_on")
    sql = f"""
        select c.challenge_id, c.case_ref, g.graded_on, g.iro_name, c.team_name, c.status,
               c.current_stage_name, c.legal_status
        from fct_qa_grades g join fct_challenges c on g.escalation_challenge_id = c.challenge_id
        where {cond} and {where}
        order by g.graded_on desc
    """  # noqa: S608
    return _query(build, sql, p)

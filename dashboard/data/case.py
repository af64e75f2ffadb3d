"""One case: the cases a user may pick, a challenge's summary, its stage episodes and its events
(the case timeline page).
"""

from __future__ import annotations

import polars as pl

from accounts.access import Scope
from dashboard.data.core import Filters, _in_scope, _Params, _query, cached
from warehouse.store import LiveBuild


@cached(max_entries=64)
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


@cached(max_entries=64)
def case_choice_labels(build: LiveBuild, scope: Scope) -> dict[str, str]:
    """The case picker's words for every challenge the scope may see, open ones first (challenge_id
    -> 'C-1 · open · Head of Service · Team 1 · raised 3 Oct 2026'): made once per build and scope,
    not on every run of the page (thousands of rows)."""
    df = case_choices(build, scope, Filters())
    return {
        r["challenge_id"]: f"{r['case_ref']} · {r['status']} · {r['current_stage_name'] or 'informal'} · "
        f"{r['team_name']} · raised "
        + (f"{r['raised_on'].day} {r['raised_on']:%b %Y}" if r["raised_on"] else "")
        for r in df.iter_rows(named=True)
    }


@cached(max_entries=256)
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
               is_awaiting_response_past_due as is_overdue, responsible_name, outcome, is_qa_triggered,
               protocol_name
        from fct_challenges where challenge_id = {p.bind(challenge_id)} and {scope.sql(p)}
    """  # noqa: S608
    df = _query(build, sql, p)
    return df.row(0, named=True) if not df.is_empty() else None


@cached(max_entries=256)
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


@cached(max_entries=256)
def case_event_list(build: LiveBuild, challenge_id: str) -> pl.DataFrame:
    """The challenge's real events in timeline order (fct_challenge_events): the raising, then every
    event from the case system and the app; two recorded at the same moment are both listed."""
    p = _Params()
    sql = f"""
        select timeline_order, event_id, event_type, event_on, stage, actor_worker_id, actor_name, note,
               reason, satisfied, recorded_at, recorded_by, source, is_valid, issue_code,
               outcome_code, outcome_note, attendees
        from fct_challenge_events where challenge_id = {p.bind(challenge_id)}
        order by timeline_order
    """  # noqa: S608
    return _query(build, sql, p)

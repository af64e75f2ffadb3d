"""One case: finding it (the case pickers' search and first choices, bounded and within the user's
scope), a challenge's summary, its stage episodes and its events (the case timeline page).
"""

from __future__ import annotations

import polars as pl

from accounts.access import Scope
from dashboard.data.core import (
    SEARCH_LIMIT,
    SEARCH_MIN_CHARS,
    _app_id_column,
    _in_scope,
    _Params,
    _query,
    _search_text,
    cached,
)
from warehouse.store import LiveBuild

#: What the case pickers show of each case (the case timeline's and the logging form's).
_PICK_COLUMNS = """
    challenge_id, case_ref, status, current_stage, current_stage_name, team_name, raised_on,
    response_due_on, coalesce(is_awaiting_response_past_due, false) as is_overdue, team_id,
    iro_worker_id
"""


def _who(scope: Scope, p: _Params, *, acting: bool) -> str:
    """The challenges this user may see (``scope.sql``) or, ``acting``, act on (``scope.act_sql``)."""
    return scope.act_sql(p) if acting else scope.sql(p)


@cached(max_entries=256)
def search_cases(
    build: LiveBuild, scope: Scope, text: str, *, acting: bool = False, limit: int = SEARCH_LIMIT
) -> pl.DataFrame:
    """The challenges whose case reference or challenge id contains ``text``, or whose app id is
    ``text`` whole (``app_challenge_id``: logged in the app, then merged by a build into the
    extract's same challenge, docs/marts.md rule 3); at least SEARCH_MIN_CHARS characters, case and
    spaces ignored, ``%``, ``_`` and quotes plain characters. Only among those the user may see
    (``scope.sql``) or, ``acting``, act on (``scope.act_sql``): a search never finds a case outside
    the scope, however whole the id typed. At most ``limit`` + 1 rows (the extra one says there are
    more): a whole id or case reference first (``is_exact``), then open ones, then the most
    recently raised. Columns: those of :func:`urgent_cases` and ``is_exact``."""
    q = _search_text(text)
    p = _Params()
    bound = p.bind(q)
    who = _who(scope, p, acting=acting) if len(q) >= SEARCH_MIN_CHARS else "false"
    # the app's id of a challenge a build merged into the extract's (docs/marts.md rule 3), whole
    app_id = f"coalesce(upper({_app_id_column(build)}) = {bound}, false)"
    sql = f"""
        select {_PICK_COLUMNS},
               upper(challenge_id) = {bound} or upper(case_ref) = {bound} or {app_id} as is_exact
        from fct_challenges
        where {who} and (contains(upper(case_ref), {bound}) or contains(upper(challenge_id), {bound})
                         or {app_id})
        order by is_exact desc, status = 'open' desc, raised_on desc, case_ref, challenge_id
        limit {int(limit) + 1}
    """  # noqa: S608 - constant fragments, bound values
    return _query(build, sql, p)


@cached(max_entries=64)
def urgent_cases(
    build: LiveBuild, scope: Scope, *, acting: bool = False, limit: int = SEARCH_LIMIT
) -> pl.DataFrame:
    """What a case picker offers before anything is typed: the user's most urgent cases, at most
    ``limit`` + 1 (the extra one says there are more), among those they may see or, ``acting``, act
    on. Open ones first, those awaiting a response past its due date first among them, then by the
    date a response is due, then the most recently raised; closed ones after (most recently
    closed first), so a user with few cases sees them all. Columns: challenge_id, case_ref, status,
    current_stage, current_stage_name, team_name, raised_on, response_due_on, is_overdue, team_id,
    iro_worker_id."""
    p = _Params()
    sql = f"""
        select {_PICK_COLUMNS}
        from fct_challenges
        where {_who(scope, p, acting=acting)}
        order by status = 'open' desc, is_overdue desc,
                 case when status = 'open' then response_due_on end nulls last, closed_on desc nulls first,
                 raised_on desc, case_ref, challenge_id
        limit {int(limit) + 1}
    """  # noqa: S608 - constant fragments, bound values
    return _query(build, sql, p)


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

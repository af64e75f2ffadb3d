"""The monthly challenge meeting's list: the open challenges to discuss, one row per challenge."""

from __future__ import annotations

import polars as pl

from accounts.access import Scope
from dashboard.data.core import Filters, _Params, _query, cached
from warehouse.store import LiveBuild


@cached(max_entries=256)
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
               m.is_cafcass_referred, m.themes_label, m.protocol_name
        from mart_open_stage_3_4 m join fct_challenges c using (challenge_id)
        where {where}
        order by m.urgency_rank
    """  # noqa: S608
    return _query(build, sql, p)


@cached(max_entries=64)
def meeting_stage_numbers(build: LiveBuild) -> tuple[int, ...]:
    """The stages that go to the challenge meeting under the protocol in force (3 and 4;
    Rotherham also 5, contact with CAFCASS), from dim_protocol_stages: under any version of it the
    build holds (each challenge is listed under its own version's)."""
    df = _query(
        build,
        "select distinct stage_number from dim_protocol_stages "
        "where goes_to_challenge_meeting and stage_number is not null order by stage_number",
    )
    return tuple(int(n) for n in df["stage_number"].to_list())

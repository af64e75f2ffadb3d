"""The logging form (dashboard/views/log.py): what it must check before a save. Read from the live
marts, plus the app events saved since that build (warehouse.events.read_events), so a challenge
logged a moment ago can be acted on before the rebuild has finished.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from accounts.access import Scope
from dashboard.data.core import (
    SEARCH_LIMIT,
    SEARCH_MIN_CHARS,
    _app_id_column,
    _Params,
    _query,
    _search_text,
)
from warehouse.store import LiveBuild

CLOSING_ACTIONS = ("resolved", "withdrawn")


@st.cache_data(max_entries=64, show_spinner=False)
def protocol_stage_numbers(build: LiveBuild) -> tuple[int, ...]:
    """The formal stages of the protocol in force (1..N), from dim_protocol_stages: the version in
    force on the as-at date (the one a challenge raised now follows)."""
    df = _query(
        build,
        "select stage_number from dim_protocol_stages "
        "where is_current and stage_number >= 1 and stage_key like 'stage_%' order by stage_number",
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
    from warehouse.pseudonyms import (
        pseudonym,
    )  # the one definition, as the marts' case_ref (macros/case_ref.sql)

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


def unbuilt_challenges(
    build: LiveBuild, home: str, scope: Scope, text: str = "", limit: int = SEARCH_LIMIT
) -> list[dict]:
    """The challenges logged in the app since the build (their state from their events) that this
    user may act on, newest first: for the form's challenge search, beside the build's
    (``data.search_cases``, which cannot know them yet). With ``text``, those whose case reference
    or challenge id contains it (case and spaces ignored; fewer than SEARCH_MIN_CHARS characters
    find none); without, all of them. At most ``limit`` + 1. They have no team until a build
    resolves it, so ``scope.may_act_on`` decides on the raising IRO's worker id and the team the
    event recorded (usually none: an Assistant Service Manager finds them after the next build)."""
    q = _search_text(text)
    if q and len(q) < SEARCH_MIN_CHARS:
        return []
    rows = [
        dict(c, is_exact=bool(q) and q in (c["challenge_id"].upper(), (c["case_ref"] or "").upper()))
        for c in _unbuilt_challenges(build, home).values()
        if scope.may_act_on(iro_worker_id=c["iro_worker_id"], team_id=c["team_id"])
        and (not q or q in c["challenge_id"].upper() or q in (c["case_ref"] or "").upper())
    ]
    rows.sort(key=lambda r: r["raised_on"], reverse=True)
    return rows[: int(limit) + 1]


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


@st.cache_data(max_entries=256, show_spinner=False)
def response_due(
    build: LiveBuild, stage_number: int, started_on: date, raised_on: date | None = None
) -> tuple[str, date | None]:
    """The stage's name and the date a response is due for a step of it started on ``started_on``
    (docs/working-days.md rules 1-2, the same join as the dbt macro add_working_days); no date for
    a step with no deadline. The stage is the version of the protocol in force on ``raised_on``
    (the day the challenge was raised; default ``started_on``), as dbt counts it. For the log
    form's confirmation after a save."""
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
          and {p.bind(raised_on or started_on)}::date between s.effective_from and s.effective_until
    """  # noqa: S608 - bound values
    df = _query(build, sql, p)
    if df.is_empty():
        return (f"Stage {stage_number}", None)
    return (str(df["stage_name"][0]), df["due_on"][0])


# --- name search for the form's child and manager fields -----------------------------------------

#: The roles a challenge can be raised with, escalated to or answered by (the IRO service's own
#: roles are not offered).
MANAGER_ROLES = ("social_worker", "team_manager", "service_manager", "head_of_service", "assistant_director")


@st.cache_data(max_entries=16, show_spinner=False)
def _has_column(build: LiveBuild, table: str, column: str) -> bool:
    """Whether the build has ``table.column`` (builds from before a column was added do not)."""
    df = _query(
        build,
        "select 1 from information_schema.columns where table_name = $t and column_name = $c",
        {"t": table, "c": column},
    )
    return not df.is_empty()


@st.cache_data(max_entries=256, show_spinner=False)
def search_children(build: LiveBuild, scope: Scope, text: str, limit: int = SEARCH_LIMIT) -> pl.DataFrame:
    """The children whose case-system id or case reference contains ``text`` (at least
    SEARCH_MIN_CHARS characters, case and spaces ignored), within the user's scope: an Assistant
    Service Manager the children of their teams (the team a new challenge would count under, or a
    challenge's team), an IRO the children of their own challenges, leadership all. A child whose
    whole id or case reference is typed is found wherever they are (as typing the id always did),
    so an IRO can log a first challenge for a child. At most ``limit`` + 1 rows (the extra one says
    there are more), exact matches first, then ids starting with the text, then by id. Columns:
    child_id, case_ref, legal_status, age_years, team_id, team_name, team_source, is_exact."""
    q = _search_text(text)
    if len(q) < SEARCH_MIN_CHARS or not scope.child_rows:
        return pl.DataFrame(
            schema={
                "child_id": pl.String,
                "case_ref": pl.String,
                "legal_status": pl.String,
                "age_years": pl.Int64,
                "team_id": pl.String,
                "team_name": pl.String,
                "team_source": pl.String,
                "is_exact": pl.Boolean,
            }
        )
    p = _Params()
    bound = p.bind(q)
    challenged = scope.sql(p, team="c.team_id", worker="c.iro_worker_id")
    in_scope = (
        "true"
        if challenged == "true"
        else f"k.child_id in (select c.child_id from fct_challenges c where {challenged})"  # noqa: S608
    )
    if scope.team_ids is not None:  # an ASM: also the children their teams hold, challenged or not
        in_scope = f"({scope.sql(p, team='k.team_id', worker='k.child_id')} or {in_scope})"
    age = "k.age_years" if _has_column(build, "dim_children", "age_years") else "cast(null as bigint)"
    sql = f"""
        select k.child_id, k.case_ref, k.legal_status, {age} as age_years, k.team_id, t.team_name,
               k.team_source,
               upper(k.child_id) = {bound} or upper(k.case_ref) = {bound} as is_exact
        from dim_children k left join dim_teams t using (team_id)
        where (upper(k.child_id) = {bound} or upper(k.case_ref) = {bound})
           or ((contains(upper(k.child_id), {bound}) or contains(upper(k.case_ref), {bound})) and {in_scope})
        order by is_exact desc, starts_with(upper(k.child_id), {bound}) desc, k.child_id
        limit {int(limit) + 1}
    """  # noqa: S608 - constant fragments, bound values
    return _query(build, sql, p)


@st.cache_data(max_entries=256, show_spinner=False)
def search_workers(
    build: LiveBuild,
    text: str,
    *,
    role: str | None = None,
    team_id: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> pl.DataFrame:
    """The workers in post (dim_workers) in a manager or social worker role whose name or worker id
    contains ``text`` (at least SEARCH_MIN_CHARS characters, case and spaces ignored). Staff, not
    children: the same list for every role that may use the form. At most ``limit`` + 1 rows, the
    whole id first, then those in ``role`` (the stage's responder role), then in ``team_id`` or its
    service, then by name. Columns: worker_id, worker_name, role, team_id, team_name,
    service_name, is_exact."""
    q = _search_text(text)
    empty = pl.DataFrame(
        schema={
            "worker_id": pl.String,
            "worker_name": pl.String,
            "role": pl.String,
            "team_id": pl.String,
            "team_name": pl.String,
            "service_name": pl.String,
            "is_exact": pl.Boolean,
        }
    )
    if len(q) < SEARCH_MIN_CHARS or not _has_column(build, "dim_workers", "worker_id"):
        return empty
    p = _Params()
    bound = p.bind(q)
    sql = f"""
        select w.worker_id, w.worker_name, w.role, w.team_id, w.team_name, w.service_name,
               upper(w.worker_id) = {bound} as is_exact
        from dim_workers w
        where w.role in (select unnest({p.bind(list(MANAGER_ROLES))}::varchar[]))
          and (contains(upper(w.worker_name), {bound}) or contains(upper(w.worker_id), {bound}))
        order by is_exact desc,
                 w.role is not distinct from {p.bind(role)} desc,
                 w.team_id is not distinct from {p.bind(team_id)} desc,
                 w.service_name is not distinct from
                   (select service_name from dim_teams where team_id = {p.bind(team_id)}) desc,
                 w.worker_name, w.worker_id
        limit {int(limit) + 1}
    """  # noqa: S608 - constant fragments, bound values
    return _query(build, sql, p)


@st.cache_data(max_entries=1024, show_spinner=False)
def worker(build: LiveBuild, worker_id: str) -> dict | None:
    """One worker in post (dim_workers), or None if unknown or not in post on the as-at date."""
    if not _has_column(build, "dim_workers", "worker_id"):
        return None
    df = _query(
        build,
        "select worker_id, worker_name, role, team_id, team_name, service_name "
        "from dim_workers where worker_id = $w",
        {"w": (worker_id or "").strip()},
    )
    return df.row(0, named=True) if not df.is_empty() else None


@st.cache_data(max_entries=64, show_spinner=False)
def stage_responder(build: LiveBuild, stage_number: int) -> tuple[str | None, str]:
    """(responder role, stage name) of a stage of the protocol in force (0: the informal tier), from
    dim_protocol_stages (the version in force on the as-at date first, when the build holds
    several); (None, 'Stage N') for a stage it does not have."""
    df = _query(
        build,
        "select responder_role, stage_name from dim_protocol_stages "
        "where coalesce(stage_number, -1) = $n and stage_key <> 'cafcass' "
        "order by is_current desc, effective_from desc",
        {"n": int(stage_number)},
    )
    if df.is_empty():
        return (None, f"Stage {stage_number}")
    return (df["responder_role"][0], str(df["stage_name"][0]))


@st.cache_data(max_entries=64, show_spinner=False)
def challenges_without_team(build: LiveBuild, scope: Scope) -> pl.DataFrame:
    """The valid challenges that count under "Team not recorded" because no team can be known
    (mart_data_quality_issues, issue ``team_not_resolved``), by the team of the IRO who raised them
    (``raised_by_team_id``: the IRO's team on the day raised), for this user: an IRO their own, an
    Assistant Service Manager those raised by an IRO of one of their teams (no social work team can
    see them: this is how they reach someone), leadership all. Columns: challenge_id, case_ref,
    raised_on, iro_name, raised_by_team_id, raised_by_team_name, record_source."""
    empty = pl.DataFrame(
        schema={
            "challenge_id": pl.String,
            "case_ref": pl.String,
            "raised_on": pl.Date,
            "iro_name": pl.String,
            "raised_by_team_id": pl.String,
            "raised_by_team_name": pl.String,
            "record_source": pl.String,
        }
    )
    if not scope.child_rows or not _has_column(build, "mart_data_quality_issues", "raised_by_team_id"):
        return empty
    p = _Params()
    who = scope.sql(p, team="q.raised_by_team_id", worker="c.iro_worker_id")
    sql = f"""
        select c.challenge_id, c.case_ref, c.raised_on, c.iro_name, q.raised_by_team_id,
               t.team_name as raised_by_team_name, c.record_source
        from mart_data_quality_issues q
        inner join fct_challenges c using (challenge_id)
        left join dim_teams t on t.team_id = q.raised_by_team_id
        where q.issue_code = 'team_not_resolved' and c.team_id is null and {who}
        order by t.team_name nulls last, c.raised_on desc, c.case_ref
    """  # noqa: S608 - constant fragments, bound values
    return _query(build, sql, p)

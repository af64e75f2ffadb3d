"""What a responder (a manager with a ``responder`` account, by worker id) may see and answer, and
the notifications a case's timeline lists. Read from the live build (read-only) and the outbox.

Who may see what is one rule (``_MINE``); the Respond page never lists everything it allows (a
manager's history grows to hundreds of challenges, a team's to thousands): it offers the challenges
awaiting the manager's response (:func:`awaiting_response`), finds any other by a bounded search
(:func:`search_assigned`), and opens one, a link's or a choice's, only within the rule
(:func:`assigned_case`). Each list is at most ``limit`` + 1 rows, bounded in SQL."""

from __future__ import annotations

from datetime import date

import duckdb

from notify import outbox
from warehouse.settings import Paths
from warehouse.store import LiveBuild


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _rows(build: LiveBuild, sql: str, params: list | dict) -> list[dict]:
    with duckdb.connect(str(build.file), read_only=True) as con:
        return _dicts(con.execute(sql, params))


#: The challenges a responder may see: those this worker (``$worker``) must respond to now or was
#: ever emailed about, and every challenge of their account's teams (``$teams``). The one rule; every
#: query of the Respond page starts from it.
_MINE = """
    mine as (
        select challenge_id from fct_challenges where responsible_worker_id = $worker
        union select challenge_id from mart_notifications_due where recipient_worker_id = $worker
        union select challenge_id from fct_challenges where team_id in (select unnest($teams::varchar[]))
    )
"""

#: What the Respond page's case picker shows of a challenge (never the child's id).
_PICK_COLUMNS = """
    c.challenge_id, c.case_ref, c.status, c.current_stage, c.current_stage_label, c.current_stage_name,
    c.response_due_on, coalesce(c.is_awaiting_response_past_due, false) as is_overdue,
    c.responsible_worker_id, c.raised_on
"""


def _scope(worker_id: str, teams: tuple[str, ...]) -> dict:
    return {"worker": worker_id, "teams": list(teams)}


def _search_text(text: str) -> str:
    """What a search matches on: spaces collapsed, in capitals (the columns are compared in capitals)."""
    return " ".join((text or "").split()).upper()


def _app_id(con: duckdb.DuckDBPyConnection) -> str:
    """``c.app_challenge_id`` (the app's id of a challenge the build merged into the extract's,
    docs/marts.md rule 3), or null on a build from before it existed."""
    has = con.execute(
        "select 1 from information_schema.columns "
        "where table_name = 'fct_challenges' and column_name = 'app_challenge_id'"
    ).fetchall()
    return "c.app_challenge_id" if has else "cast(null as varchar)"


def has_assigned(build: LiveBuild, worker_id: str, teams: tuple[str, ...] = ()) -> bool:
    """Whether this worker may see any challenge at all on the Respond page."""
    rows = _rows(build, f"with {_MINE} select exists (select 1 from mine) as any", _scope(worker_id, teams))  # noqa: S608
    return bool(rows[0]["any"])


def assigned_case(build: LiveBuild, worker_id: str, teams: tuple[str, ...], challenge_id: str) -> dict | None:
    """One challenge, with what the Respond page shows of it (the IRO's concern, who must respond,
    when), or None when it does not exist *or* this worker may not see it (a link, a choice)."""
    rows = _rows(
        build,
        f"""
        with {_MINE}
        select {_PICK_COLUMNS}, c.responsible_name, c.iro_name, c.team_name,
            (select e.note from fct_challenge_events e
             where e.challenge_id = c.challenge_id and e.event_type = 'raised' limit 1) as concern
        from fct_challenges c
        where c.challenge_id = $challenge and c.challenge_id in (select challenge_id from mine)
        """,  # noqa: S608 - constant fragments, bound values
        {**_scope(worker_id, teams), "challenge": challenge_id},
    )
    return rows[0] if rows else None


def awaiting_response(build: LiveBuild, worker_id: str, *, limit: int) -> list[dict]:
    """What the Respond page offers before a search: the open challenges awaiting this worker's
    response (they must respond at the current stage, and have not yet), those past their due date
    first, then by the date due (the soonest first). At most ``limit`` + 1 rows (the extra one says
    there are more)."""
    return _rows(
        build,
        f"""
        select {_PICK_COLUMNS}
        from fct_challenges c
        where c.status = 'open' and c.responsible_worker_id = $worker
            and exists (
                select 1 from fct_stage_episodes e
                where e.challenge_id = c.challenge_id and e.is_open and e.is_current_stage
                    and e.responsible_worker_id = $worker and e.responded_on is null
            )
        order by is_overdue desc, c.response_due_on nulls last, c.raised_on, c.case_ref, c.challenge_id
        limit {int(limit) + 1}
        """,  # noqa: S608 - constant fragments, bound values
        {"worker": worker_id},
    )


def search_assigned(
    build: LiveBuild, worker_id: str, teams: tuple[str, ...], text: str, *, limit: int
) -> list[dict]:
    """The challenges this worker may see (``_MINE``) whose case reference or challenge id contains
    ``text``, or whose app id (``app_challenge_id``) it is whole (case and spaces ignored; ``%``,
    ``_`` and quotes are plain characters): at most ``limit`` + 1 rows (the extra one says there are
    more), a whole id or case reference first (``is_exact``), then open ones (overdue, then by the
    date due), then the most recently raised."""
    q = _search_text(text)
    if not q:
        return []
    with duckdb.connect(str(build.file), read_only=True) as con:
        app_id = _app_id(con)
        sql = f"""
            with {_MINE}
            select {_PICK_COLUMNS},
                upper(c.challenge_id) = $q or upper(c.case_ref) = $q
                    or coalesce(upper({app_id}) = $q, false) as is_exact
            from fct_challenges c
            where c.challenge_id in (select challenge_id from mine)
                and (contains(upper(c.case_ref), $q) or contains(upper(c.challenge_id), $q)
                    or coalesce(upper({app_id}) = $q, false))
            order by is_exact desc, c.status = 'open' desc, is_overdue desc,
                case when c.status = 'open' then c.response_due_on end nulls last,
                c.raised_on desc, c.case_ref, c.challenge_id
            limit {int(limit) + 1}
        """  # noqa: S608 - constant fragments, bound values
        return _dicts(con.execute(sql, {**_scope(worker_id, teams), "q": q}))


def notification(build: LiveBuild, notification_id: str) -> dict | None:
    rows = _rows(
        build,
        "select notification_id, challenge_id, recipient_worker_id, event_kind from mart_notifications_due "
        "where notification_id = $1",
        [notification_id],
    )
    return rows[0] if rows else None


def digest_item(build: LiveBuild, digest_item_id: str) -> dict | None:
    """A weekly digest's item (its link carries only this key): the challenge and whose digest."""
    try:
        rows = _rows(
            build,
            "select digest_item_id, challenge_id, recipient_worker_id, section from mart_notification_digest "
            "where digest_item_id = $1",
            [digest_item_id],
        )
    except duckdb.CatalogException:  # a build from before the digest existed
        return None
    return rows[0] if rows else None


def latest_responses(build: LiveBuild, challenge_id: str) -> list[dict]:
    return _rows(
        build,
        "select event_on, stage, actor_name, note, recorded_by from fct_challenge_events "
        "where challenge_id = $1 and event_type = 'response' and is_valid order by event_on desc, recorded_at desc",
        [challenge_id],
    )


def response_note(what: str, by: date) -> str:
    return f"{what.strip()}\n\nBy: {by.day} {by:%B %Y}"


def sent_for_challenge(p: Paths, challenge_id: str) -> list[dict]:
    """Every notification the outbox holds for a challenge (for the case timeline)."""
    con = outbox.connect_reader(p)
    if con is None:
        return []
    with con:
        return [
            dict(r)
            for r in con.execute(
                "select kind, stage_label, recipient_name, state, sent_at, created_at, attempts, reason "
                "from outbox where challenge_id = ? order by created_at, recipient_name",
                (challenge_id,),
            )
        ]

"""What a responder (a manager with a ``responder`` account, by worker id) may see and answer, and
the notifications a case's timeline lists. Read from the live build (read-only) and the outbox."""

from __future__ import annotations

from datetime import date

import duckdb

from notify import outbox
from warehouse.settings import Paths
from warehouse.store import LiveBuild


def _rows(build: LiveBuild, sql: str, params: list) -> list[dict]:
    with duckdb.connect(str(build.file), read_only=True) as con:
        cur = con.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def assigned(build: LiveBuild, worker_id: str, teams: tuple[str, ...] = ()) -> list[dict]:
    """Challenges this worker must respond to now, was told about, or that are in their area
    (``teams`` of their account): open ones first, then the rest; never the child's id."""
    return _rows(
        build,
        """
        with mine as (
            select challenge_id from fct_challenges where responsible_worker_id = $1
            union select challenge_id from mart_notifications_due where recipient_worker_id = $1
            union select challenge_id from fct_challenges where team_id in (select unnest($2::varchar[]))
        )
        select c.challenge_id, c.case_ref, c.status, c.current_stage, c.current_stage_label,
            c.current_stage_name, c.response_due_on, c.responsible_worker_id, c.responsible_name,
            c.raised_on, c.iro_name, c.team_name,
            (select e.note from fct_challenge_events e
             where e.challenge_id = c.challenge_id and e.event_type = 'raised' limit 1) as concern
        from fct_challenges c
        where c.challenge_id in (select challenge_id from mine)
        order by c.status = 'open' desc, c.response_due_on nulls last, c.case_ref
        """,
        [worker_id, list(teams)],
    )


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

"""The "learning" section of a quarterly report: what the Assistant Service Manager writes in the
app. Stored like every other entry (warehouse.events, action ``learning``): audited first, one
immutable event per save, the latest saved version is the quarter's text (a new save is a new
version; nothing is edited in place)."""

from __future__ import annotations

import uuid

from accounts import audit
from reports.periods import Quarter
from warehouse.events import LEARNING, AppEvent, read_events, validate_event, write_event
from warehouse.settings import Paths

_NAMESPACE = uuid.UUID("6b2f1d0e-4f5e-4a38-9d1c-13a13a13a13a")


def learning_id(q: Quarter) -> str:
    """The quarter's own id: every version of its learning carries it."""
    return str(uuid.uuid5(_NAMESPACE, q.code))


def latest_learning(q: Quarter, p: Paths | None = None) -> dict | None:
    """The latest saved version of the quarter's learning (its ``note``, who and when), or None."""
    events = read_events(p)
    rows = [r for r in events.to_dicts() if r["action"] == LEARNING and r["challenge_id"] == learning_id(q)]
    return max(rows, key=lambda r: (r["recorded_at"], r["event_id"])) if rows else None


def save_learning(
    q: Quarter,
    text: str,
    user,
    *,
    event_id: str | None = None,
    session: str | None = None,
    p: Paths | None = None,
) -> AppEvent:
    """Audit, then save the quarter's learning. Raises ``EventError`` (bad text) or ``AuditError``
    (nothing saved without its audit record)."""
    fields = {
        "action": LEARNING,
        "challenge_id": learning_id(q),
        "event_on": q.start,
        "note": text,
        "recorded_by": user.username,
        "event_id": event_id or str(uuid.uuid4()),
    }
    validate_event(dict(fields))
    if not text.strip():
        from warehouse.events import EventError

        raise EventError("note", "write the learning before saving it")
    audit.record(
        user,
        "write",
        {"event_id": fields["event_id"], "event_type": LEARNING, "quarter": q.code},
        p=p,
        session=session,
    )
    return write_event(fields, p)

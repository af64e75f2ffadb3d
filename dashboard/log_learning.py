"""The log form's fields for issue 13, kept apart from dashboard/views/log.py so the form's own
code stays small: what changed for the child when a challenge is resolved or withdrawn (a coded
outcome from seed child_outcomes, and words), the pre-CAFCASS meeting (its date is the entry's date,
who attended, its outcome in the note) and a discussion in supervision; and the warning when a CAFCASS
referral has no pre-CAFCASS meeting before it."""

from __future__ import annotations

import streamlit as st

from dashboard.data import learning as data_learning
from ingest import schema
from warehouse.store import LiveBuild

#: The actions this module adds to the form, with their words.
ACTIONS = {
    "pre_cafcass_meeting": "Record the pre-CAFCASS meeting",
    "supervision": "Record a discussion in supervision",
}
EVENT_WORDS = {"pre_cafcass_meeting": "Pre-CAFCASS meeting", "supervision": "Discussed in supervision"}
#: Actions only for a looked-after child (as the CAFCASS referral itself).
LOOKED_AFTER_ONLY = ("pre_cafcass_meeting",)
NOTE_LABELS = {
    "pre_cafcass_meeting": "The meeting's outcome",
    "supervision": "What was agreed in supervision",
}
NO_MEETING_WARNING = (
    "No pre-CAFCASS meeting is recorded for this challenge. The protocol expects one before a "
    'referral to CAFCASS: record it first (action "Record the pre-CAFCASS meeting"), unless it '
    "is recorded in the case system."
)


def outcome_labels(build: LiveBuild) -> dict[str, str]:
    labels = data_learning.child_outcome_labels(build)
    return {code: labels.get(code, code.replace("_", " ").capitalize()) for code in schema.CHILD_OUTCOMES}


def fields(action: str, build: LiveBuild, home: str, challenge_id: str | None) -> dict:
    """Render the fields ``action`` needs beyond the form's own; return their values."""
    values: dict = {}
    if action in ("resolved", "withdrawn"):
        labels = outcome_labels(build)
        values["outcome_code"] = st.selectbox(
            "What changed for the child",
            list(labels),
            index=None,
            format_func=labels.get,
            key="log_outcome_code",
            placeholder="Choose the outcome for the child",
        )
        values["outcome_slot"] = st.empty()
        values["outcome_note"] = st.text_area("What changed, in words (optional)", key="log_outcome_note")
    if action == "pre_cafcass_meeting":
        values["attendees"] = st.text_input(
            "Who attended", key="log_attendees", placeholder="e.g. IRO, IRO manager, social worker, legal"
        )
        values["attendees_slot"] = st.empty()
    if (
        action == "cafcass_referral"
        and challenge_id
        and not data_learning.has_pre_cafcass_meeting(build, home, challenge_id)
    ):
        st.warning(NO_MEETING_WARNING, icon=":material/warning:")
    return values


def errors(action: str, values: dict, note: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if action in ("resolved", "withdrawn") and not values.get("outcome_code"):
        out["outcome"] = 'Say what changed for the child (choose "No change for the child" if nothing did).'
    if action == "pre_cafcass_meeting":
        if not (values.get("attendees") or "").strip():
            out["attendees"] = "Say who attended the meeting."
        if not note.strip():
            out["note"] = "Write the meeting's outcome."
    if action == "supervision" and not note.strip():
        out["note"] = "Write what was agreed in supervision."
    return out


def show_errors(values: dict, errs: dict[str, str]) -> None:
    for key, slot in (("outcome", "outcome_slot"), ("attendees", "attendees_slot")):
        if errs.get(key) and values.get(slot) is not None:
            values[slot].error(errs[key], icon=":material/error:")


def event_fields(values: dict) -> dict:
    """The values to save on the event (the slots left out; empty text as None)."""
    out = {}
    for k in ("outcome_code", "outcome_note", "attendees"):
        v = values.get(k)
        if isinstance(v, str):
            v = v if v.strip() else None
        if v is not None:
            out[k] = v
    return out

"""Log a challenge: a new Positive Challenge or Formal Escalation, or an action on an existing one.

Every save is one immutable event (warehouse.events.write_event): when "Saved" shows, it is on disk
and survives a crash. Then a background rebuild is requested (warehouse.live.request_build) and
every page shows the event once that build is live. The event id is generated when the form is
shown, so a double submit (or a retry) cannot save twice.

The checks that need the warehouse (the child exists, the action is allowed in the challenge's
status, the stage exists in the protocol, dates) are here, against the live marts plus the events
saved since that build (dashboard/data.py). Free text is stored as typed; it is only ever shown
escaped (st.text / st.code / dataframes), never with unsafe_allow_html."""

from __future__ import annotations

import uuid
from datetime import date

import streamlit as st

from dashboard import data, ui
from warehouse import live, settings
from warehouse.events import MAX_THEMES, EventError, today_uk, write_event

CONTEXTS = {
    "lac_review": "Looked-after review",
    "cp_conference": "Child protection conference",
    "midway_tracking": "Midway tracking",
    "other": "Other",
}
ACTIONS = {
    "response": "Record a response",
    "escalated": "Escalate (to the next stage, or bypass to a later one)",
    "resolved": "Resolve",
    "withdrawn": "Withdraw",
    "cafcass_referral": "Refer to CAFCASS",
    "legal_advice": "Request independent legal advice",
    "note": "Add a note",
}
NEW, EXISTING = "A new challenge", "An action on an existing challenge"
INFORMAL, FORMAL = "Positive Challenge (informal)", "Formal Escalation"


def recorded_by() -> str:
    """Who is recording. Until sign-in is wired this is the required "Your name or worker id" field;
    sign-in replaces this one function (return the signed-in user's id)."""
    return st.text_input(
        "Your name or worker id",
        key="log_recorded_by",
        help="Recorded with every event you save: the IRO is personally accountable for the record.",
    ).strip()


def new_event_id() -> str:
    """The idempotency key of the event the form is about to save; a new one after each save."""
    if "log_event_id" not in st.session_state:
        st.session_state["log_event_id"] = str(uuid.uuid4())
    return st.session_state["log_event_id"]


def field_error(slot, message: str | None) -> None:
    if message:
        slot.error(message, icon=":material/error:")


def check_date(value: date | None, *, raised_on: date | None = None, what: str = "The date") -> str | None:
    if value is None:
        return f"{what} is required."
    today = today_uk()
    if value > today:
        return f"{what} ({ui.long_date(value)}) is in the future: today is {ui.long_date(today)}."
    if raised_on is not None and value < raised_on:
        return (
            f"{what} ({ui.long_date(value)}) is before the challenge was raised on {ui.long_date(raised_on)}."
        )
    return None


def stage_error(stage: int, stages: tuple[int, ...], protocol_name: str) -> str | None:
    if stage not in stages:
        return (
            f"The {protocol_name} protocol has no stage {stage}: its stages are "
            f"{ui.and_list([str(s) for s in stages])}."
        )
    return None


build = ui.require_build("Log a challenge")
ui.header("Log a challenge", build)
st.caption(
    "Each save is one event, kept for good with who saved it and when; a correction is a new event. "
    "Saved events show on every page within seconds."
)
home = str(settings.home())
info = data.build_info(build)
protocol_name = str(info.get("protocol_code") or build.protocol).replace("_", " ").title()
stages = data.protocol_stage_numbers(build)

saved = st.session_state.pop("log_saved", None)
if saved:
    st.success(
        f"Saved (event {saved}). It will show on every page within a few seconds.", icon=":material/check:"
    )

who = recorded_by()
who_slot = st.empty()
mode = st.radio("What are you logging?", [NEW, EXISTING], key="log_mode", horizontal=True)
event_id = new_event_id()
errors: dict[str, str] = {}
fields: dict | None = None

if mode == NEW:
    kind = st.radio("Kind", [INFORMAL, FORMAL], key="log_kind", horizontal=True)
    entry_stage = 0
    if kind == FORMAL:
        entry_stage = int(
            st.number_input(
                "Entering at stage",
                min_value=1,
                max_value=9,
                value=1,
                step=1,
                key="log_entry_stage",
                help=f"The {protocol_name} protocol has stages {ui.and_list([str(s) for s in stages])}; "
                "you may enter at any of them.",
            )
        )
    stage_slot = st.empty()
    child_id = st.text_input(
        "Child (case-system person id)", key="log_child", placeholder="e.g. C100002"
    ).strip()
    child_slot = st.empty()
    context = st.selectbox("Context", list(CONTEXTS), format_func=CONTEXTS.get, key="log_context")
    themes = data.themes(build)
    theme_labels = dict(zip(themes["theme_code"], themes["theme_label"], strict=True))
    picked_themes = st.multiselect(
        "Themes", list(theme_labels), format_func=theme_labels.get, key="log_themes"
    )
    themes_slot = st.empty()
    concern = st.text_area("The concern, in words", key="log_concern")
    raised_with = st.text_input(
        "Raised with (worker id of the manager or social worker)", key="log_raised_with"
    )
    raised_by = st.text_input(
        "Raised by (your worker id, if different from the name above)", key="log_raised_by"
    ).strip()
    raised_on = st.date_input("Raised on", value=today_uk(), key="log_raised_on", format="DD/MM/YYYY")
    date_slot = st.empty()
    clicked = st.button("Save", type="primary", key="log_save")
    if clicked:
        if kind == FORMAL and (e := stage_error(entry_stage, stages, protocol_name)):
            errors["stage"] = e
        found = data.child(build, child_id) if child_id else None
        if not child_id:
            errors["child"] = "Enter the child's case-system person id."
        elif found is None:
            errors["child"] = f"There is no child '{child_id}' in the case system's records. Check the id."
        if not picked_themes:
            errors["themes"] = "Choose at least one theme."
        elif len(picked_themes) > MAX_THEMES:
            errors["themes"] = f"Choose at most {MAX_THEMES} themes (you chose {len(picked_themes)})."
        if e := check_date(raised_on, what="The date raised"):
            errors["date"] = e
        if not errors and found is not None:
            fields = {
                "action": "raised",
                "child_id": found["child_id"],
                "raised_on": raised_on,
                "raised_by_worker_id": raised_by or who,
                "legal_status": found["legal_status"],
                "context": context,
                "route": "formal" if kind == FORMAL else "informal",
                "entry_stage": entry_stage,
                "themes": list(picked_themes),
                "concern": concern,
                "raised_with_worker_id": raised_with.strip() or None,
            }
    field_error(stage_slot, errors.get("stage"))
    field_error(child_slot, errors.get("child"))
    field_error(themes_slot, errors.get("themes"))
    field_error(date_slot, errors.get("date"))
else:
    choices = data.form_challenges(build, home)
    labels = {
        c["challenge_id"]: f"{c['case_ref']} · {c['status']} · "
        f"{'informal' if not c['current_stage'] else 'stage ' + str(c['current_stage'])} · "
        f"raised {ui.short_date(c['raised_on'])} · {c['challenge_id']}"
        for c in choices
    }
    wanted = st.query_params.get("challenge")
    if wanted and "log_challenge" not in st.session_state and wanted in labels:
        st.session_state["log_challenge"] = wanted
    picked = st.selectbox(
        "Challenge",
        list(labels),
        index=None,
        format_func=labels.get,
        key="log_challenge",
        placeholder="Choose by case reference or id (type to search)",
        help="Challenges logged in the app since the last build, then open ones, then recently closed.",
    )
    state = data.challenge_state(build, home, picked) if picked else None
    allowed = dict(ACTIONS)
    if state and state["legal_status"] != "lac":
        allowed.pop("cafcass_referral")  # only for looked-after children: not offered otherwise
    action = st.selectbox("Action", list(allowed), format_func=allowed.get, key="log_action")
    action_slot = st.empty()
    event_on = st.date_input("When", value=today_uk(), key="log_event_on", format="DD/MM/YYYY")
    date_slot = st.empty()
    stage = None
    satisfied = None
    actor = ""
    reason = ""
    if action == "response":
        actor = st.text_input("Response from (worker id)", key="log_actor")
        satisfied = st.radio(
            "Were you satisfied with the response?",
            ["Yes", "No"],
            key="log_satisfied",
            horizontal=True,
            index=None,
        )
        sat_slot = st.empty()
    if action == "escalated":
        current = (state or {}).get("current_stage") or 0
        stage = int(
            st.number_input(
                "Escalate to stage",
                min_value=1,
                max_value=9,
                value=min(current + 1, 9),
                step=1,
                key="log_stage",
            )
        )
        stage_slot = st.empty()
        actor = st.text_input("Sent to (worker id of the manager)", key="log_assigned")
        reason = st.text_area("Reason (required when you bypass a stage)", key="log_reason")
        reason_slot = st.empty()
    note_label = "Note" if action == "note" else "Note (optional)"
    note = st.text_area(note_label, key="log_note")
    note_slot = st.empty()
    clicked = st.button("Save", type="primary", key="log_save")
    if clicked:
        if not picked or state is None:
            errors["action"] = "Choose the challenge this is about."
        else:
            current = state["current_stage"] or 0
            if state["status"] != "open" and action != "note":
                errors["action"] = (
                    f"This challenge is {state['status']} (closed on {ui.long_date(state['closed_on'])}): "
                    "you can only add a note to it."
                )
            elif action == "cafcass_referral" and state["legal_status"] != "lac":
                errors["action"] = "A CAFCASS referral is only possible for a looked-after child."
            elif action == "cafcass_referral" and state["is_cafcass_referred"]:
                errors["action"] = "This challenge has already been referred to CAFCASS."
            elif action == "response" and satisfied is None:
                errors["satisfied"] = "Say whether you were satisfied with the response."
            if action == "escalated" and "action" not in errors:
                if e := stage_error(stage, stages, protocol_name):
                    errors["stage"] = e
                elif stage <= current:
                    errors["stage"] = (
                        f"The challenge is already at stage {current}: escalate to a later stage."
                        if current
                        else "Choose a formal stage (1 or more)."
                    )
                elif stage > current + 1 and not reason.strip():
                    errors["reason"] = (
                        f"Escalating from {'the Positive Challenge' if not current else f'stage {current}'} "
                        f"to stage {stage} bypasses a stage: give the reason."
                    )
            if action == "note" and not note.strip():
                errors["note"] = "Write the note."
            if e := check_date(event_on, raised_on=state["raised_on"]):
                errors["date"] = e
            if not errors:
                fields = {
                    "action": action,
                    "challenge_id": picked,
                    "event_on": event_on,
                    "note": note,
                }
                if action == "response":
                    fields.update(
                        stage=current, satisfied=satisfied == "Yes", actor_worker_id=actor.strip() or None
                    )
                if action == "escalated":
                    fields.update(stage=stage, assigned_to_worker_id=actor.strip() or None, reason=reason)
    field_error(action_slot, errors.get("action"))
    field_error(date_slot, errors.get("date"))
    if action == "response":
        field_error(sat_slot, errors.get("satisfied"))
    if action == "escalated":
        field_error(stage_slot, errors.get("stage"))
        field_error(reason_slot, errors.get("reason"))
    field_error(note_slot, errors.get("note"))

if clicked and not who:
    errors["who"] = "Enter your name or worker id: every event records who made it."
    fields = None
field_error(who_slot, errors.get("who"))

if clicked and fields is not None and not errors:
    fields["recorded_by"] = who
    # A second click on the same content (a double submit, or a click after a dropped connection)
    # reuses the first click's event id, so write_event returns the saved event instead of saving twice.
    content = repr(sorted((k, str(v)) for k, v in fields.items()))
    submitted = st.session_state.setdefault("log_submitted", {})
    fields["event_id"] = submitted.setdefault(content, event_id)
    try:
        ev = write_event(fields)
    except EventError as exc:
        st.error(f"Not saved: {exc.reason} ({exc.field}).", icon=":material/error:")
    else:
        live.request_build()
        st.session_state.pop("log_event_id", None)  # the next event gets a new id
        st.session_state["log_saved"] = ev.event_id
        st.session_state["log_last_challenge"] = ev.challenge_id
        st.rerun()
elif clicked and errors:
    st.warning("Not saved: correct the fields marked above.", icon=":material/warning:")

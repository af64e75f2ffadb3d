"""Log a challenge: a new Positive Challenge or Formal Escalation, an action on an existing one, or a
correction of an entry recorded here earlier.

Who may do what is the signed-in user's scope (accounts.access.Scope, docs/access.md): an IRO logs
new challenges, always in their own name (``raised_by_worker_id`` is their worker id, not a choice),
and acts only on their own; an Assistant Service Manager acts on the challenges of their teams and
logs none. ``recorded_by`` is the signed-in user. The challenge list holds only what the user may
act on, and before every write the chosen challenge is checked again against the scope, whatever
the list, the URL (``?challenge=``) or the session state says: a refusal is shown and audited, and
nothing is written.

Every save is one immutable event (warehouse.events.write_event): when "Saved" shows, it is on disk
and survives a crash. It is written to the audit log first; if the audit cannot be written, the event
is not written either. Then a background rebuild is requested (warehouse.live.request_build) and
every page shows the event once that build is live. The event id is generated when the form is
shown, so a double submit (or a retry) cannot save twice. A correction is a new event that names the
event it corrects (``amends_event_id``) and carries the whole corrected record: nothing is edited in
place (ADR 0002, "Amendments").

The checks that need the warehouse (the child exists, the action is allowed in the challenge's
status, the stage exists in the protocol, dates) are here, against the live marts plus the events
saved since that build (dashboard/data/write_back.py). Free text is stored as typed; it is only ever shown
escaped (st.text / dataframes), never with unsafe_allow_html."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date

import polars as pl
import streamlit as st

from accounts import audit
from accounts.access import PAGE_LOG_FORM, Scope
from dashboard import (
    auth,
    case_picker,
    data,
    focus,
    live_watch,
    log_learning,
    log_pickers,
    saving,
    search_pick,
    ui,
)
from warehouse import live, settings
from warehouse.events import MAX_THEMES, EventError, read_event, today_uk, validate_event

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
ACTIONS.update(log_learning.ACTIONS)  # pre-CAFCASS meeting, supervision (issue 13)
#: What each saved event is called in the list of entries that can be corrected.
EVENT_WORDS = {
    "raised": "Challenge raised",
    "response": "Response",
    "escalated": "Escalation",
    "resolved": "Resolved",
    "withdrawn": "Withdrawn",
    "cafcass_referral": "CAFCASS referral",
    "legal_advice": "Legal advice requested",
    "note": "Note",
}
EVENT_WORDS.update(log_learning.EVENT_WORDS)
NEW, EXISTING, AMEND = "A new challenge", "An action on an existing challenge", "Correct an earlier entry"
INFORMAL, FORMAL = "Positive Challenge (informal)", "Formal Escalation"
EXTRACT_NOTE = (
    "Only entries recorded here in IRO QA can be corrected here. Events that came from the case "
    "system's extract are the case system's record: correct them in the case system, and the next "
    "extract brings the correction."
)
NOT_YOURS = "You cannot act on this challenge: it is not one of {whose}. Nothing was saved."

#: The fields of a saved event the correction form carries over: a 'raised' event's challenge
#: columns, a step's step columns (warehouse.events: the full corrected record).
RAISED_FIELDS = (
    "child_id",
    "raised_on",
    "raised_by_worker_id",
    "social_worker_id",
    "team_id",
    "legal_status",
    "context",
    "route",
    "entry_stage",
    "themes",
    "concern",
    "raised_with_worker_id",
)
STEP_FIELDS = (
    "stage",
    "actor_worker_id",
    "assigned_to_worker_id",
    "satisfied",
    "reason",
    "note",
    *("outcome_code", "outcome_note", "attendees"),  # carried over by a correction (issue 13)
)


def whose(scope: Scope) -> str:
    return "your teams' challenges" if scope.team_ids is not None else "your own challenges"


def new_event_id() -> str:
    """The idempotency key of the event the form is about to save; a new one after each save."""
    if "log_event_id" not in st.session_state:
        st.session_state["log_event_id"] = str(uuid.uuid4())
    return st.session_state["log_event_id"]


def field_error(slot, message: str | None) -> None:
    if message:
        slot.error(ui.plain(message), icon=":material/error:")  # it may quote what was typed


def refuse(what: str, detail: dict, message: str) -> None:
    """A request the scope does not allow: audited (as access_denied) and shown."""
    with contextlib.suppress(audit.AuditError):  # the refusal stands whether or not it is recorded
        auth.record(user, "access_denied", {"what": what, **detail})
    st.error(ui.plain(message), icon=":material/block:")


def may_act(state: dict | None) -> bool:
    return state is not None and scope.may_act_on(
        iro_worker_id=state["iro_worker_id"], team_id=state["team_id"]
    )


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


def themes_error(picked: list[str]) -> str | None:
    if not picked:
        return "Choose at least one theme."
    if len(picked) > MAX_THEMES:
        return f"Choose at most {MAX_THEMES} themes (you chose {len(picked)})."
    return None


def stage_before(on: date, target: dict) -> int:
    """The stage a challenge was at before the escalation being corrected (which happened on
    ``target['event_on']``, to be corrected to ``on``): its entry stage, the stages the build shows
    it entered before then, and the other escalations recorded in the app before then."""
    cut = min(on, target["event_on"])
    seen = [int(state.get("entry_stage") or 0)]
    episodes = data.case_episodes(build, scope, state["challenge_id"])
    seen += [
        int(n)
        for key, n, entered in zip(
            episodes["stage_key"], episodes["stage_number"], episodes["entered_on"], strict=True
        )
        if key.startswith("stage_") and n is not None and entered is not None and entered < cut
    ]
    seen += [
        int(v["stage"] or 0)
        for v in data.app_event_versions(build, home, state["challenge_id"])
        if v["action"] == "escalated"
        and v["original_event_id"] != target["original_event_id"]
        and v["event_on"] < cut
    ]
    return max(seen)


def write_refusal(fields: dict) -> str | None:
    """The server-side check before a write, from the event itself and the scope re-read this run:
    whatever the page showed, a user may write only what their scope allows. Returns the message
    to show, or None."""
    if fields["action"] == "raised" and not fields.get("amends_event_id"):
        if not scope.may_log_challenges:
            return "Your role may not log new challenges: they are logged by the IRO who raises them."
        if fields.get("raised_by_worker_id") != scope.worker_id:
            return "A new challenge is always raised in your own name. Nothing was saved."
        return None
    state = data.challenge_state(build, home, fields["challenge_id"])
    if not may_act(state):
        return NOT_YOURS.format(whose=whose(scope))
    if fields.get("amends_event_id"):
        amended = read_event(fields["amends_event_id"])
        if (
            amended is None
            or amended["challenge_id"] != fields["challenge_id"]
            or amended["action"] != fields["action"]
        ):
            return "The entry you are correcting is not an entry of this challenge. Nothing was saved."
        if (
            fields["action"] == "raised"
            and fields.get("raised_by_worker_id") != amended["raised_by_worker_id"]
        ):
            return "A correction cannot change who raised the challenge. Nothing was saved."
    return None


ACTION_WORDS = {
    "raised": "Challenge logged",
    "response": "Response recorded",
    "escalated": "Escalation recorded",
    "resolved": "Resolution recorded",
    "withdrawn": "Withdrawal recorded",
    "cafcass_referral": "CAFCASS referral recorded",
    "legal_advice": "Legal advice request recorded",
    "note": "Note recorded",
}


def saved_message(fields: dict, challenge_id: str) -> dict:
    """What the confirmation beside the Save button says: the case reference, the stage and when a
    response is due (for a new challenge or an escalation), and the case to open."""
    action = fields["action"]
    if action == "raised":
        case_ref = data.child(build, fields["child_id"])["case_ref"] if fields.get("child_id") else None
        stage, started = int(fields.get("entry_stage") or 0), fields.get("raised_on")
        raised = None
    else:
        summary = data.case_summary(build, scope, challenge_id)
        case_ref = summary["case_ref"] if summary else None
        stage = int(fields["stage"]) if action == "escalated" and fields.get("stage") else None
        started = fields.get("event_on")
        raised = summary["raised_on"] if summary else None  # the stage of its protocol version
    stage_words, due = ("", None)
    if stage is not None and started is not None:
        stage_name, due = data.response_due(build, stage, started, raised)
        stage_words = stage_name if stage == 0 else f"stage {stage} ({stage_name})"
    words = ACTION_WORDS.get(action, "Saved")
    if fields.get("amends_event_id"):
        words = "Correction saved"
    text = f"{words}: case {case_ref or 'just logged'}"
    if stage_words:
        text += f", {stage_words}"
    if due:
        text += f", response due {ui.long_date(due)}"
    return {"text": text + ".", "challenge_id": challenge_id}


# --- Save, and a Save pressed while the page was updating ---------------------------------------
#
# A live refresh (a new build going live, dashboard/live_watch.py) reruns the page. If it lands while
# the run that handles a Save is under way, Streamlit stops that run and starts the new one, in which
# the button reads as not pressed: the save would be dropped without a word. So the press is also
# noted in session state by the button's callback (which runs before the page, and is not stopped),
# as ``log_pending_save``; the run that handles it clears it when it is done. A later run that finds
# it still there says what became of it: saved (the event is on disk: the confirmation), or not
# (nothing was written: say so, the form is as it was left, press Save again).

PENDING = "log_pending_save"
LOST_SAVE = (
    "Your Save was pressed while the page was updating to new figures, and it was not completed: "
    "nothing was saved. The form is as you left it: check it and press Save again."
)


def _pressed(key: str) -> None:
    st.session_state[PENDING] = {"key": key, "event_id": st.session_state.get("log_event_id"), "fresh": True}


def save_button(key: str, label: str = "Save") -> bool:
    """The form's Save (and, while a manager's role is queried, "Save anyway" beside it): True when
    this run handles a press of either."""
    st.button(label, type="primary", key=key, on_click=_pressed, args=(key,))
    asked = st.session_state.get("log_role_query")
    if asked and asked["form"] == (mode, key):
        if st.session_state.get(asked["pick_key"]) != asked["worker_id"]:
            st.session_state.pop("log_role_query")  # another person was chosen: nothing to ask
        else:
            st.warning(ui.plain(asked["text"]), icon=":material/help:")
            st.button("Save anyway", key="log_save_anyway", on_click=_pressed, args=("log_save_anyway",))
    return bool(pressed and pressed["key"] in (key, "log_save_anyway"))


def done_with_press() -> None:
    st.session_state.pop(PENDING, None)


def carried_press() -> None:
    """A press whose run was stopped by a refresh: say what became of it (see above)."""
    pending = st.session_state.pop(PENDING, None)
    if not pending:
        return
    ev = read_event(pending["event_id"]) if pending.get("event_id") else None
    if ev is not None:
        live.request_build()  # again: the stopped run may not have reached it (it is idempotent)
        st.session_state["log_saved"] = saved_message(ev, ev["challenge_id"])
        if ev["action"] == "raised" and not ev.get("amends_event_id"):
            st.session_state["log_clear_new"] = True
        st.session_state.pop("log_event_id", None)
        st.session_state.pop("log_role_query", None)
        st.session_state["log_last_challenge"] = ev["challenge_id"]
    else:
        st.session_state["log_saved"] = {"lost": True, "text": LOST_SAVE, "at": str(uuid.uuid4())}


def show_saved(slot) -> None:
    """The confirmation, at the Save button the user just pressed (kept until the next rerun)."""
    done = st.session_state.get("log_saved_shown")
    if not done:
        return
    if done.get("lost"):
        with slot.container():
            st.warning(done["text"], icon=":material/sync_problem:")
            focus.focus_status(done["text"][:60], key="lost-" + str(done.get("at")))
        return
    with slot.container():
        st.success(
            ui.plain(done["text"]) + " It shows on every page within a few seconds.", icon=":material/check:"
        )
        focus.focus_status(done["text"][:60], key=done["text"])  # announced (role=status), in view
        st.page_link(
            ui.TIMELINE_PAGE,
            label="Open the case",
            icon=":material/open_in_new:",
            query_params={"case": done["challenge_id"]},
        )


def save(fields: dict, role_answer: dict | None = None) -> None:
    """Check the scope, audit, write, request a rebuild: in that order, stopping at the first that
    fails. Nothing is written without its audit record. ``role_answer``: the role query the user
    answered "Save anyway" to, recorded in the audit with the write."""
    st.session_state.pop("log_saved", None)  # the last save's message goes when the next is tried
    if refusal := write_refusal(fields):
        refuse(
            "write",
            {"challenge_id": fields.get("challenge_id"), "event_type": fields["action"]},
            refusal,
        )
        return
    try:
        validate_event(dict(fields))
    except EventError as exc:
        st.error(ui.plain(f"Not saved: {exc.reason} ({exc.field})."), icon=":material/error:")
        return
    detail = {
        "event_id": fields["event_id"],
        "challenge_id": fields["challenge_id"],
        "event_type": fields["action"],
    }
    if fields.get("amends_event_id"):
        detail["amends_event_id"] = fields["amends_event_id"]
    if role_answer:
        detail["role_query"] = {
            k: role_answer[k] for k in ("worker_id", "worker_role", "stage", "responder_role")
        } | {"answer": "saved anyway"}
    ev = saving.save_audited(user, fields, detail)
    if ev is None:
        return
    live.request_build()
    st.session_state.pop("log_event_id", None)  # the next event gets a new id
    st.session_state.pop("log_role_query", None)
    st.session_state["log_saved"] = saved_message(fields, ev.challenge_id)
    st.session_state["log_last_challenge"] = ev.challenge_id
    if fields["action"] == "raised" and not fields.get("amends_event_id"):
        st.session_state["log_clear_new"] = True  # a cleared form for the next challenge (below)
    done_with_press()
    st.rerun()


# --- the page ------------------------------------------------------------------------------------

scope = ui.user_scope()
user = st.session_state.get("user")
auth.require_page(user, scope, PAGE_LOG_FORM)
build = ui.require_build("Log a challenge", live_only=True)
live.prepare_rebuilder()  # dbt loaded and parsed before the first save: it shows sooner (ADR 0002)
ui.header("Log a challenge", build)
st.caption(
    "Each save is one event, kept for good with who saved it and when; a correction is a new event. "
    "Saved events show on every page within seconds."
)
home = str(settings.home())
info = data.build_info(build)
protocol_name = str(info.get("protocol_code") or build.protocol).replace("_", " ").title()
stages = data.protocol_stage_numbers(build)

# A Save pressed in a run that a live refresh stopped (see "Save, and a Save pressed while...").
pressed = st.session_state.get(PENDING)
if pressed and pressed.get("fresh"):
    pressed["fresh"] = False  # this run handles it; a later run that finds it was stopped
elif pressed:
    pressed = None
    carried_press()
# After a new challenge is saved, its form starts empty: the values are set before the widgets are
# drawn, which is what overrides the values the browser sends back (a pop would not).
if st.session_state.pop("log_clear_new", False):
    st.session_state.update(
        {"log_child": "", "log_themes": [], "log_concern": "", "log_raised_with": "", "log_team": None}
    )
    st.session_state.update({"log_child_pick": None, "log_raised_with_pick": None})
    for k in ("_log_team_for", "_log_child_pick_auto", "_log_raised_with_pick_auto"):
        st.session_state.pop(k, None)
# The confirmation of the last save shows beside the Save button (show_saved), until the next save
# is tried (save() drops it): the live-build rerun a few seconds later must not take it away.
st.session_state["log_saved_shown"] = st.session_state.get("log_saved")
# Nor may that rerun take away why the last Save did not save (the messages under the fields):
# they are kept for a rerun a refresh caused (the hidden "Show the new figures" button, or a new
# build since this session's last run) and dropped on anything the user does.
refreshing = bool(st.session_state.get(live_watch.BUTTON_KEY)) or (
    st.session_state.get("_log_build_seen") not in (None, build.build_id)
)
st.session_state["_log_build_seen"] = build.build_id
if not refreshing or pressed:
    st.session_state.pop("log_last_errors", None)
kept_errors = st.session_state.get("log_last_errors")

worker = f" (worker id {ui.plain(scope.worker_id)})" if scope.worker_id else ""
st.caption(
    f"Recording as **{ui.plain(user.name)}**{worker}: every event you save records you as the person "
    "who saved it."
)
modes = ([NEW] if scope.may_log_challenges else []) + [EXISTING, AMEND]
if not scope.may_log_challenges:
    st.caption(
        "You can act on, and correct entries of, your teams' challenges. New challenges are logged by "
        "the IRO who raises them."
        if scope.team_ids is not None
        else "You can act on, and correct entries of, your own challenges."
    )
wanted = st.query_params.get("challenge")
if st.session_state.get("log_mode") not in (None, *modes):
    # Only reachable by setting session state by hand (the radio does not offer it).
    refuse("log a new challenge", {}, "Your role may not log new challenges.")
    st.session_state["log_mode"] = EXISTING
elif wanted and "log_mode" not in st.session_state:
    st.session_state["log_mode"] = EXISTING  # a link to a challenge: act on it
mode = st.radio("What are you logging?", modes, key="log_mode", horizontal=True)
event_id = new_event_id()
errors: dict[str, str] = dict(kept_errors["errors"]) if kept_errors and kept_errors["mode"] == mode else {}
fields: dict | None = None
clicked = False
role_asked: dict | None = None  # a manager whose role is not the stage's responder role

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
    # The child is found by search within the user's scope and chosen from the matches (log_pickers).
    typed_child = log_pickers.pick_child(build, scope, key="log_child")
    child_id = typed_child["child_id"] if typed_child else ""
    child_slot = st.empty()
    # The team the challenge will count under (docs/marts.md, team roll-up): the child's allocation,
    # else its latest known team, shown before saving; the IRO may choose another.
    team_options = data.teams(build)
    team_names = dict(zip(team_options["team_id"], team_options["team_name"], strict=True))
    offered_team = typed_child["team_id"] if typed_child else None
    if typed_child is not None and st.session_state.get("_log_team_for") != typed_child["child_id"]:
        st.session_state["_log_team_for"] = typed_child["child_id"]
        st.session_state["log_team"] = offered_team
    team_help = (
        "The team of the child's allocated social worker."
        if typed_child and typed_child["team_source"] == "allocation"
        else "The child has no allocated worker today: the team of its latest earlier challenge or "
        "social worker spell."
        if typed_child and typed_child["team_source"] == "latest_known"
        else "No team is known for this child: choose the team the challenge belongs to, or it will "
        "count under 'Team not recorded' and be listed for the data-quality check."
    )
    team_id = st.selectbox(
        "Team it counts under",
        [None, *team_names],
        format_func=lambda t: "Team not recorded" if t is None else team_names[t],
        key="log_team",
        help=team_help + " Choose another team if this one is wrong.",
    )
    if typed_child is not None:
        st.caption(
            f"Counts under **{team_names.get(team_id, 'Team not recorded')}**"
            + (" (as found for this child)." if team_id == offered_team else " (your choice).")
        )
    context = st.selectbox("Context", list(CONTEXTS), format_func=CONTEXTS.get, key="log_context")
    themes = data.themes(build)
    theme_labels = dict(zip(themes["theme_code"], themes["theme_label"], strict=True))
    picked_themes = st.multiselect(
        "Themes", list(theme_labels), format_func=theme_labels.get, key="log_themes"
    )
    focus.chosen("Themes", [theme_labels[t] for t in picked_themes])
    themes_slot = st.empty()
    concern = st.text_area("The concern, in words", key="log_concern")
    raised_with, raised_with_row = log_pickers.pick_worker(
        build,
        key="log_raised_with",
        label="Raised with (the manager or social worker)",
        role=data.stage_responder(build, entry_stage)[0],
        team_id=team_id,
    )
    raised_with_slot = st.empty()
    raised_on = st.date_input("Raised on", value=today_uk(), key="log_raised_on", format="DD/MM/YYYY")
    date_slot = st.empty()
    clicked = save_button("log_save")
    query_slot = st.empty()
    show_saved(st.empty())
    if clicked:
        if e := log_pickers.unchosen_error("log_raised_with", "the person it was raised with"):
            errors["raised_with"] = e
        if kind == FORMAL and (e := stage_error(entry_stage, stages, protocol_name)):
            errors["stage"] = e
        found = data.child(build, child_id) if child_id else None
        if not child_id:
            errors["child"] = log_pickers.unchosen_error("log_child", "the child") or (
                "Search for the child and choose them from the matches."
            )
        elif found is None:
            errors["child"] = f"There is no child '{child_id}' in the case system's records. Check the id."
        if e := themes_error(picked_themes):
            errors["themes"] = e
        if e := check_date(raised_on, what="The date raised"):
            errors["date"] = e
        if not errors and found is not None:
            fields = {
                "action": "raised",
                "child_id": found["child_id"],
                "raised_on": raised_on,
                "raised_by_worker_id": scope.worker_id,  # the signed-in IRO: not a choice
                "legal_status": found["legal_status"],
                "context": context,
                "route": "formal" if kind == FORMAL else "informal",
                "entry_stage": entry_stage,
                "themes": list(picked_themes),
                "concern": concern,
                "raised_with_worker_id": raised_with or None,
                "team_id": team_id,
            }
            role_asked = log_pickers.role_query(build, raised_with_row, entry_stage)
    field_error(stage_slot, errors.get("stage"))
    field_error(child_slot, errors.get("child"))
    field_error(raised_with_slot, errors.get("raised_with"))
    field_error(themes_slot, errors.get("themes"))
    field_error(date_slot, errors.get("date"))
else:
    # The challenge is found by search (dashboard/case_picker.py): only those the user may act on,
    # those logged here since the last build first; before a search, their most urgent.
    if wanted and st.session_state.get("_log_link_seen") != wanted:
        st.session_state["_log_link_seen"] = wanted
        linked = data.challenge_state(build, home, wanted)
        if not may_act(linked):
            # Someone else's challenge, or none at all: the same words, and the link's text is not
            # echoed.
            st.session_state["_log_denied_link"] = wanted
            with contextlib.suppress(audit.AuditError):
                auth.record(user, "access_denied", {"what": "challenge link", "challenge_id": wanted[:200]})
        elif search_pick.chosen("log_challenge") is None:
            search_pick.choose("log_challenge", wanted, case_picker.challenge_words(linked))
    if wanted and st.session_state.get("_log_denied_link") == wanted:
        st.info(
            f"The challenge in this link is not one you can act on (only {whose(scope)} can be chosen). "
            "Choose one below.",
            icon=":material/info:",
        )
    held = search_pick.chosen("log_challenge")
    if held is not None:
        # Chosen earlier (or put into session state by hand): checked again against the scope. A
        # challenge logged here and chosen before the build that went live a moment ago (the
        # refresh after a save) may be listed by the build under the extract's id
        # (app_challenge_id, docs/marts.md rule 3): kept chosen under that id rather than lost.
        now = data.challenge_state(build, home, str(held))
        if not may_act(now):
            refuse(
                "act on challenge",
                {"challenge_id": str(held)[:200]},
                NOT_YOURS.format(whose=whose(scope)).replace("Nothing was saved.", "Choose one of yours."),
            )
            search_pick.choose("log_challenge", None)
        elif now["challenge_id"] != held:
            search_pick.choose("log_challenge", now["challenge_id"], case_picker.challenge_words(now))
    picked = case_picker.pick_case(
        build,
        scope,
        key="log_challenge",
        label="Challenge",
        home=home,
        words=case_picker.challenge_words,
        choice_help=f"Only {whose(scope)}: those logged in the app since the last build first, then "
        "open ones, then closed.",
    )
    state = data.challenge_state(build, home, picked) if picked else None
    if picked and not may_act(state):
        # The scope refuses it (whatever the list offered): stop here, before any field.
        refuse(
            "act on challenge",
            {"challenge_id": str(picked)[:200]},
            NOT_YOURS.format(whose=whose(scope)).replace(" Nothing was saved.", ""),
        )
        st.stop()

    if mode == EXISTING:
        allowed = dict(ACTIONS)
        if state and state["legal_status"] != "lac":
            allowed.pop("cafcass_referral")  # only for looked-after children: not offered otherwise
            for only_lac in log_learning.LOOKED_AFTER_ONLY:
                allowed.pop(only_lac)
        action = st.selectbox("Action", list(allowed), format_func=allowed.get, key="log_action")
        action_slot = st.empty()
        event_on = st.date_input("When", value=today_uk(), key="log_event_on", format="DD/MM/YYYY")
        date_slot = st.empty()
        stage = None
        satisfied = None
        actor = ""
        reason = ""
        person = None  # the manager chosen below (a response's or an escalation's)
        if action == "response":
            actor, person = log_pickers.pick_worker(
                build,
                key="log_actor",
                label="Response from",
                role=data.stage_responder(build, (state or {}).get("current_stage") or 0)[0],
                team_id=(state or {}).get("team_id"),
            )
            actor_slot = st.empty()
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
            actor, person = log_pickers.pick_worker(
                build,
                key="log_assigned",
                label="Sent to (the manager)",
                role=data.stage_responder(build, stage)[0],
                team_id=(state or {}).get("team_id"),
            )
            actor_slot = st.empty()
            reason = st.text_area("Reason (required when you bypass a stage)", key="log_reason")
            reason_slot = st.empty()
        extra = log_learning.fields(action, build, home, picked)  # outcome, attendees (issue 13)
        note_label = log_learning.NOTE_LABELS.get(action, "Note" if action == "note" else "Note (optional)")
        note = st.text_area(note_label, key="log_note")
        note_slot = st.empty()
        clicked = save_button("log_save")
        query_slot = st.empty()
        show_saved(st.empty())
        if clicked:
            if action in ("response", "escalated") and (
                e := log_pickers.unchosen_error(
                    "log_actor" if action == "response" else "log_assigned", "the manager"
                )
            ):
                errors["actor"] = e
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
                errors.update(log_learning.errors(action, extra, note))
                if e := check_date(event_on, raised_on=state["raised_on"]):
                    errors["date"] = e
                if not errors:
                    fields = {
                        "action": action,
                        "challenge_id": picked,
                        "event_on": event_on,
                        "note": note,
                        **log_learning.event_fields(extra),
                    }
                    if action == "response":
                        fields.update(
                            stage=current, satisfied=satisfied == "Yes", actor_worker_id=actor or None
                        )
                        role_asked = log_pickers.role_query(build, person, current)
                    if action == "escalated":
                        fields.update(stage=stage, assigned_to_worker_id=actor or None, reason=reason)
                        role_asked = log_pickers.role_query(build, person, stage)
        field_error(action_slot, errors.get("action"))
        field_error(date_slot, errors.get("date"))
        if action in ("response", "escalated"):
            field_error(actor_slot, errors.get("actor"))
        if action == "response":
            field_error(sat_slot, errors.get("satisfied"))
        if action == "escalated":
            field_error(stage_slot, errors.get("stage"))
            field_error(reason_slot, errors.get("reason"))
        field_error(note_slot, errors.get("note"))
        log_learning.show_errors(extra, errors)

    else:  # AMEND: correct an entry recorded in the app, by saving a new event that amends it
        st.caption(EXTRACT_NOTE)
        versions = (
            {v["original_event_id"]: v for v in data.app_event_versions(build, home, picked)}
            if picked
            else {}
        )
        if picked and not versions:
            ui.empty(
                "No entry of this challenge was recorded in IRO QA, so there is nothing to correct here. "
                + EXTRACT_NOTE.split(". ", 1)[1]
            )
        entry_labels = {
            oid: f"{EVENT_WORDS.get(v['action'], v['action'])} · {ui.short_date(v['event_on'])} · recorded by "
            f"{v['first_recorded_by']} on {ui.short_date(v['first_recorded_at'].date())}"
            + (
                f" · corrected {ui.plural(v['amendment_count'], 'time')}, last by {v['recorded_by']}"
                if v["amendment_count"]
                else ""
            )
            for oid, v in versions.items()
        }
        target_id = st.selectbox(
            "Entry to correct",
            list(entry_labels),
            index=None,
            format_func=entry_labels.get,
            key="log_amend_entry",
            placeholder="Choose the entry recorded in IRO QA that is wrong",
            disabled=not entry_labels,
        )
        target = versions.get(target_id) if target_id else None
        if target is not None:
            act = target["action"]
            current = {k: target[k] for k in (RAISED_FIELDS if act == "raised" else STEP_FIELDS)}
            current["event_on"] = target["event_on"]
            themes = data.themes(build)
            theme_labels = dict(zip(themes["theme_code"], themes["theme_label"], strict=True))
            # The case-system id only for roles that may see it; otherwise the case reference.
            shown_child = target["child_id"] if scope.show_child_id else target.get("case_ref")
            st.markdown("**As recorded now**")
            rows = [("What", EVENT_WORDS.get(act, act)), ("Date", ui.long_date(target["event_on"]))]
            if act == "raised":
                rows += [
                    ("Child", shown_child if target["child_id"] else ""),
                    (
                        "Kind",
                        INFORMAL
                        if target["route"] == "informal"
                        else f"{FORMAL}, stage {target['entry_stage']}",
                    ),
                    ("Context", CONTEXTS.get(target["context"], target["context"] or "")),
                    ("Themes", ", ".join(theme_labels.get(t, t) for t in target["themes"] or [])),
                    ("Concern", target["concern"] or ""),
                    ("Raised with", target["raised_with_worker_id"] or ""),
                ]
            else:
                rows += [
                    ("Stage", "" if target["stage"] is None else str(target["stage"])),
                    (
                        "Response from" if act == "response" else "Sent to",
                        (target["actor_worker_id"] if act == "response" else target["assigned_to_worker_id"])
                        or "",
                    ),
                    ("Satisfied", {True: "Yes", False: "No", None: ""}[target["satisfied"]]),
                    ("Reason", target["reason"] or ""),
                    ("Note", target["note"] or ""),
                ]
                hidden = {"response": {"Reason"}, "escalated": {"Satisfied"}}.get(act)
                if hidden is None:  # resolved, withdrawn, CAFCASS, legal advice, note
                    rows = [r for r in rows if r[0] in ("What", "Date", "Note")]
                else:
                    rows = [r for r in rows if r[0] not in hidden]
            rows.append(
                ("Recorded by", f"{target['recorded_by']}, {ui.short_date(target['recorded_at'].date())}")
            )
            st.dataframe(
                pl.DataFrame({"field": [r[0] for r in rows], "value": [r[1] for r in rows]}),
                hide_index=True,
                column_config={"field": "", "value": "As recorded now"},
            )

            # The correction's fields start from the entry as recorded now (loaded once per version).
            if st.session_state.get("_log_amend_loaded") != target["event_id"]:
                st.session_state["_log_amend_loaded"] = target["event_id"]
                for k in ("log_amend_child", "log_amend_raised_with", "log_amend_actor"):  # new entry
                    for stale in (k + "_pick", f"_{k}_pick_auto", f"_{k}_pick_current"):
                        st.session_state.pop(stale, None)
                st.session_state["log_amend_event_on"] = target["event_on"]
                st.session_state["log_amend_note"] = target["note"] or ""
                if act == "raised":
                    st.session_state["log_amend_kind"] = INFORMAL if target["route"] == "informal" else FORMAL
                    st.session_state["log_amend_entry_stage"] = max(int(target["entry_stage"] or 1), 1)
                    st.session_state["log_amend_child"] = target["child_id"] or ""
                    st.session_state["log_amend_context"] = target["context"]
                    st.session_state["log_amend_themes"] = [
                        t for t in target["themes"] or [] if t in theme_labels
                    ]
                    st.session_state["log_amend_concern"] = target["concern"] or ""
                    st.session_state["log_amend_raised_with"] = ""  # the search; the choice is the person
                else:
                    st.session_state["log_amend_stage"] = int(target["stage"] or 0)
                    st.session_state["log_amend_actor"] = ""  # the search; the choice is the person
                    st.session_state["log_amend_satisfied"] = {True: "Yes", False: "No"}.get(
                        target["satisfied"]
                    )
                    st.session_state["log_amend_reason"] = target["reason"] or ""

            st.markdown("**The corrected entry**")
            new: dict = {}
            if act == "raised":
                kind = st.radio("Kind", [INFORMAL, FORMAL], key="log_amend_kind", horizontal=True)
                entry_stage = 0
                if kind == FORMAL:
                    entry_stage = int(
                        st.number_input(
                            "Entering at stage", min_value=1, max_value=9, step=1, key="log_amend_entry_stage"
                        )
                    )
                stage_slot = st.empty()
                if scope.show_child_id:
                    amend_child = log_pickers.pick_child(build, scope, key="log_amend_child")
                    child_id = amend_child["child_id"] if amend_child else ""
                else:
                    child_id = target["child_id"]
                    st.text(f"Child: {shown_child} (the child cannot be changed here)")
                child_slot = st.empty()
                context_options = list(CONTEXTS) + (
                    [target["context"]] if target["context"] not in CONTEXTS else []
                )
                context = st.selectbox(
                    "Context",
                    context_options,
                    format_func=lambda c: CONTEXTS.get(c, c),
                    key="log_amend_context",
                )
                picked_themes = st.multiselect(
                    "Themes", list(theme_labels), format_func=theme_labels.get, key="log_amend_themes"
                )
                focus.chosen("Themes", [theme_labels.get(t, t) for t in picked_themes])
                themes_slot = st.empty()
                concern = st.text_area("The concern, in words", key="log_amend_concern")
                raised_with, _ = log_pickers.pick_worker(
                    build,
                    key="log_amend_raised_with",
                    label="Raised with (the manager or social worker)",
                    team_id=target.get("team_id"),
                    current=target["raised_with_worker_id"],
                )
                event_on = st.date_input("Raised on", key="log_amend_event_on", format="DD/MM/YYYY")
                date_slot = st.empty()
            else:
                event_on = st.date_input("When", key="log_amend_event_on", format="DD/MM/YYYY")
                date_slot = st.empty()
                if act in ("response", "escalated"):
                    stage = int(
                        st.number_input(
                            "Stage responded to" if act == "response" else "Escalated to stage",
                            min_value=0 if act == "response" else 1,
                            max_value=9,
                            step=1,
                            key="log_amend_stage",
                        )
                    )
                    stage_slot = st.empty()
                    actor, _ = log_pickers.pick_worker(
                        build,
                        key="log_amend_actor",
                        label="Response from" if act == "response" else "Sent to (the manager)",
                        current=(
                            target["actor_worker_id"]
                            if act == "response"
                            else target["assigned_to_worker_id"]
                        ),
                    )
                if act == "response":
                    satisfied = st.radio(
                        "Were you satisfied with the response?",
                        ["Yes", "No"],
                        key="log_amend_satisfied",
                        horizontal=True,
                    )
                    sat_slot = st.empty()
                if act == "escalated":
                    reason = st.text_area("Reason (required when you bypass a stage)", key="log_amend_reason")
                    reason_slot = st.empty()
            note = None
            if act != "raised":
                note = st.text_area("Note" if act == "note" else "Note (optional)", key="log_amend_note")
                note_slot = st.empty()
            clicked = save_button("log_amend_save", "Save the correction")
            show_saved(st.empty())
            if clicked:
                if act == "raised":
                    if kind == FORMAL and (e := stage_error(entry_stage, stages, protocol_name)):
                        errors["stage"] = e
                    found = None
                    if not child_id:
                        errors["child"] = log_pickers.unchosen_error("log_amend_child", "the child") or (
                            "Search for the child and choose them from the matches."
                        )
                    elif child_id == target["child_id"]:
                        found = {"child_id": child_id, "legal_status": target["legal_status"]}
                    elif (found := data.child(build, child_id)) is None:
                        errors["child"] = (
                            f"There is no child '{child_id}' in the case system's records. Check the id."
                        )
                    if e := themes_error(picked_themes):
                        errors["themes"] = e
                    if e := check_date(event_on, what="The date raised"):
                        errors["date"] = e
                    if found is not None:
                        new = dict(
                            current,
                            child_id=found["child_id"],
                            legal_status=found["legal_status"],
                            raised_on=event_on,
                            context=context,
                            route="formal" if kind == FORMAL else "informal",
                            entry_stage=entry_stage,
                            themes=list(picked_themes),
                            concern=concern,
                            raised_with_worker_id=raised_with or None,
                        )
                        new["event_on"] = event_on
                else:
                    if e := check_date(event_on, raised_on=state["raised_on"] if state else None):
                        errors["date"] = e
                    new = dict(current, event_on=event_on, note=note)
                    if (
                        act in ("response", "escalated")
                        and stage != 0
                        and (e := stage_error(stage, stages, protocol_name))
                    ):
                        errors["stage"] = e
                    if act == "response":
                        if satisfied is None:
                            errors["satisfied"] = "Say whether you were satisfied with the response."
                        new.update(stage=stage, actor_worker_id=actor or None, satisfied=satisfied == "Yes")
                    if act == "escalated":
                        before = stage_before(event_on, target)
                        if "stage" not in errors and stage > before + 1 and not reason.strip():
                            errors["reason"] = (
                                f"Escalating from {'the Positive Challenge' if not before else f'stage {before}'} "
                                f"to stage {stage} bypasses a stage: give the reason."
                            )
                        new.update(stage=stage, assigned_to_worker_id=actor or None, reason=reason)
                    if act == "note" and not (note or "").strip():
                        errors["note"] = "Write the note."

                def norm(v):
                    if isinstance(v, str):
                        return v.strip() or None
                    if isinstance(v, list):
                        return sorted(v) or None
                    return v

                if not errors and all(
                    norm(new.get(k)) == norm(current.get(k)) for k in set(new) | set(current)
                ):
                    errors["unchanged"] = (
                        "Nothing has changed: correct at least one field, or leave the entry as it is."
                    )
                if not errors:
                    # amends the version shown (the latest): the chain leads back to the original.
                    # Same challenge id as the entry: for a challenge logged in the app that the
                    # build counts as the extract's, the app's id, not the one picked.
                    fields = {
                        "action": act,
                        "challenge_id": target["challenge_id"],
                        "amends_event_id": target["event_id"],
                        **{k: v for k, v in new.items() if v is not None and v != ""},
                    }
            if act == "raised" or act in ("response", "escalated"):
                field_error(stage_slot, errors.get("stage"))
            if act == "raised":
                field_error(child_slot, errors.get("child"))
                field_error(themes_slot, errors.get("themes"))
            field_error(date_slot, errors.get("date"))
            if act == "response":
                field_error(sat_slot, errors.get("satisfied"))
            if act == "escalated":
                field_error(reason_slot, errors.get("reason"))
            if act != "raised":
                field_error(note_slot, errors.get("note"))
            if errors.get("unchanged"):
                st.error(errors["unchanged"], icon=":material/error:")

asked_before = st.session_state.get("log_role_query")
if (
    clicked
    and fields is not None
    and not errors
    and role_asked
    and not (
        pressed["key"] == "log_save_anyway"
        and asked_before
        and all(asked_before[k] == role_asked[k] for k in ("worker_id", "stage", "responder_role"))
    )
):
    # The manager's role is not the stage's responder role: ask before saving (Save anyway beside
    # Save, or choose another person); nothing is saved yet.
    pick_key = {"raised": "log_raised_with", "response": "log_actor"}.get(fields["action"], "log_assigned")
    st.session_state["log_role_query"] = role_asked | {
        "form": (mode, pressed["key"] if pressed["key"] != "log_save_anyway" else "log_save"),
        "pick_key": pick_key + "_pick",
    }
    done_with_press()
    st.rerun()
elif clicked and fields is not None and not errors:
    fields["recorded_by"] = user.username  # the signed-in user: accountable for the record
    # A second click on the same content (a double submit, or a click after a dropped connection)
    # reuses the first click's ids, so write_event returns the saved event instead of saving twice.
    content = repr(sorted((k, str(v)) for k, v in fields.items()))
    submitted = st.session_state.setdefault("log_submitted", {})
    ids = submitted.setdefault(content, {"event_id": event_id, "challenge_id": str(uuid.uuid4())})
    fields["event_id"] = ids["event_id"]
    fields.setdefault("challenge_id", ids["challenge_id"])  # a new challenge's id
    if pressed and pressed.get("event_id") != fields["event_id"]:
        pressed["event_id"] = fields["event_id"]  # what a later run looks for, if this one is stopped
    save(fields, role_answer=role_asked)
    done_with_press()  # not saved (refused or invalid): the message is shown above
elif errors and (clicked or kept_errors):
    st.warning("Not saved: correct the fields marked above.", icon=":material/warning:")
    st.session_state["log_last_errors"] = {"mode": mode, "errors": dict(errors)}
if clicked:
    done_with_press()

# Challenges that count under "Team not recorded" because no team can be known: listed for whoever
# can see them here (an IRO their own; an ASM those raised by the IROs of their teams), so none is
# lost silently (issue 15; mart_data_quality_issues, team_not_resolved).
no_team = data.challenges_without_team(build, scope)
if not no_team.is_empty():
    with st.expander(
        f"Challenges counted under 'Team not recorded' ({no_team.height})", icon=":material/help:"
    ):
        st.caption(
            "No team could be found for these challenges (no team recorded, no allocated worker, and no "
            "earlier team of the child), so no team's Assistant Service Manager sees them. Listed by the "
            "team of the IRO who raised them. Record the child's allocated worker or the challenge's "
            "team in the case system: the next extract brings it."
        )
        st.dataframe(
            no_team.select("case_ref", "raised_on", "iro_name", "raised_by_team_name", "record_source"),
            hide_index=True,
            column_config={
                "case_ref": "Case",
                "raised_on": st.column_config.DateColumn("Raised on", format="D MMM YYYY"),
                "iro_name": "Raised by",
                "raised_by_team_name": "IRO's team",
                "record_source": "From",
            },
        )

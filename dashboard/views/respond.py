"""Respond (managers with a ``responder`` account): the challenges a manager must respond to, was
told about, or that are in their area, and a form to record the response (what they will do, by
when) from the link in the email (``?n=<notification>``, or a weekly digest's ``?d=<item>``). The
response is one app event (action ``response``, warehouse.events.write_event); the next build tells
the IRO (notify/).

A case is chosen with the shared search-and-choose picker (dashboard/search_pick.py, key
``respond``): before a search, the challenges awaiting the manager's response (overdue, then due
soonest); a search (case reference or challenge id) finds any challenge they may see; at most
``data.SEARCH_LIMIT`` either way, bounded in SQL (notify/responses.py, where the rule of who may
see what lives). A link opens its case directly, only within that rule."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import streamlit as st

from accounts import audit
from accounts.access import PAGE_RESPOND
from dashboard import auth, data, search_pick, ui
from notify import responses
from warehouse import live
from warehouse.events import EventError, today_uk, write_event

scope = ui.user_scope()
user = st.session_state.get("user")
auth.require_page(user, scope, PAGE_RESPOND)

st.title("Respond to a challenge")
if not scope.worker_id:
    st.error(
        "Your account has no worker id, so IRO QA cannot tell which challenges are yours. Ask your IRO QA administrator."
    )
    st.stop()
build = data.live()
if build is None:
    ui.empty("Nothing has been built yet.")
    st.stop()

if saved := st.session_state.pop("respond_saved", None):
    st.success(
        f"Response saved for case {saved}. The IRO will be told by email.", icon=":material/check_circle:"
    )

teams = tuple(user.teams or ()) if user else ()
worker = scope.worker_id


def label(r: dict) -> str:
    """A case as the choice shows it: 'C-1 · open, overdue · Stage 2 · due Tuesday 10 November 2026'."""
    status = r["status"] + (", overdue" if r.get("is_overdue") else "")
    due = (
        f" · due {ui.long_date(r['response_due_on'])}"
        if r["response_due_on"] and r["status"] == "open"
        else ""
    )
    return f"{r['case_ref']} · {status} · {r['current_stage_label'] or 'Positive Challenge'}{due}"


n = st.query_params.get("n")
d = st.query_params.get("d")  # an item of a weekly digest (notify/digest.py)
if n or d:
    # The case the email's link names, looked up directly (no search) and only among the manager's.
    note = responses.notification(build, n) if n else responses.digest_item(build, d)
    linked = responses.assigned_case(build, worker, teams, note["challenge_id"]) if note else None
    if linked is None:
        # the same words whether the link is unknown or someone else's; the link is not echoed
        st.warning("The case in this link is not one of yours. Choose one below.", icon=":material/link_off:")
    elif (n, d) != st.session_state.get("_respond_link"):
        # a new link: the picker opens its case (once, so the manager can still choose another)
        st.session_state["_respond_link"] = (n, d)
        search_pick.choose("respond", linked["challenge_id"], label(linked))

if not responses.has_assigned(build, worker, teams):
    ui.empty("There are no challenges for you to respond to.")
    st.stop()

# Never every challenge the manager may see (hundreds, a team's thousands): those awaiting their
# response first, any other by a search on the server, at most data.SEARCH_LIMIT either way.
awaiting = responses.awaiting_response(build, worker, limit=data.SEARCH_LIMIT)
picked, _ = search_pick.pick(
    "respond",
    label="Case",
    search_label="Find a case: search by case reference",
    search_help=f"At least {data.SEARCH_MIN_CHARS} characters of the case reference (or the challenge "
    "id), among the challenges you must respond to, were told about, or that are in your area; up to "
    f"{data.SEARCH_LIMIT} are listed, open ones first. Before a search, those awaiting your response "
    "are offered, overdue first.",
    example="e.g. C-4F2",
    where="among your challenges",
    placeholder="Choose a case",
    id_column="challenge_id",
    words=label,
    search=lambda text: responses.search_assigned(build, worker, teams, text, limit=data.SEARCH_LIMIT),
    first=lambda: awaiting,
    first_more=f"The {data.SEARCH_LIMIT} awaiting your response that are due soonest (overdue first): "
    "search above for any other.",
    choice_help="Those awaiting your response before a search; any challenge you were told about or "
    "in your area by searching.",
)
if not picked:
    if awaiting or st.session_state.get("respond"):
        ui.empty("Choose a case above.")
    else:
        ui.empty(
            "Nothing is awaiting your response. Search above for a challenge you were told about or "
            "that is in your area."
        )
    st.stop()
r = responses.assigned_case(build, worker, teams, picked)
if r is None:  # not theirs (a choice kept from an earlier build, or set by hand): the same words
    st.warning("The case chosen is not one of yours. Choose one above.", icon=":material/link_off:")
    st.stop()
# two by two: four across cut the case reference and the stage short at 1366 px ("C-73497BC38...")
top, bottom = st.columns(2), st.columns(2)
top[0].metric("Case", r["case_ref"])
top[1].metric("Stage", r["current_stage_label"] or "")
bottom[0].metric("Who must respond", r["responsible_name"] or "not known")
bottom[1].metric("Due", ui.long_date(r["response_due_on"]) if r["response_due_on"] else "no deadline")
st.caption(
    f"Raised {ui.long_date(r['raised_on'])} by {ui.plain(r['iro_name'] or 'the IRO')}; "
    f"team {ui.plain(r['team_name'] or 'not recorded')}."
)
if r["concern"]:
    st.write("**The IRO's concern**")
    st.text(r["concern"])
for prev in responses.latest_responses(build, picked):
    st.caption(
        f"Response recorded {ui.long_date(prev['event_on'])} by {ui.plain(prev['actor_name'] or prev['recorded_by'])}"
    )
    st.text(prev["note"] or "")

if r["status"] != "open":
    st.info("This challenge is closed: there is nothing to respond to.")
    st.stop()
if r["responsible_worker_id"] != scope.worker_id:
    st.info(
        f"{ui.plain(r['responsible_name'] or 'Another manager')} must respond at this stage; you are kept informed."
    )
    st.stop()

with st.form("respond_form"):
    what = st.text_area("What you will do", max_chars=3500, key="respond_what")
    by = st.date_input(
        "By when",
        value=today_uk() + timedelta(days=7),
        min_value=today_uk(),
        format="DD/MM/YYYY",
        key="respond_by",
    )
    submitted = st.form_submit_button("Send response", type="primary")
if submitted:
    if not (what or "").strip():
        st.error("Not saved: say what you will do (What you will do).")
        st.stop()
    fields = {
        "action": "response",
        "challenge_id": picked,
        "event_on": today_uk(),
        "stage": int(r["current_stage"]),
        "actor_worker_id": scope.worker_id,
        "note": responses.response_note(what, by),
        "recorded_by": user.username,
    }
    try:
        auth.record(user, "write", {"challenge_id": picked, "event_type": "response"})
    except audit.AuditError:
        st.error("Not saved: the audit log could not be written. Try again or tell your administrator.")
        st.stop()
    try:
        write_event(fields)
    except EventError as exc:
        st.error(ui.plain(f"Not saved: {exc.reason} ({exc.field})."))
        st.stop()
    with contextlib.suppress(Exception):
        live.request_build()
    st.session_state["respond_saved"] = r["case_ref"]
    st.rerun()

"""Record good practice: an IRO or Conference Chair records practice worth sharing (the team, what
was good, themes from the good-practice list). Leicestershire asks IROs to identify "areas of good
practice as well as areas that need to be improved".

Good practice is not a challenge: it has no stages and no deadlines and never enters an escalation
count. It is saved like every other entry (warehouse.events.write_event, action ``good_practice``):
audited first (nothing is written without its audit record), one immutable event, durable when
"Saved" shows; a background rebuild then puts it on the Themes page and in the reports. The event id
is made when the form is shown, so a double click cannot save twice. Free text is stored as typed
and only ever shown escaped (dataframes)."""

from __future__ import annotations

import uuid
from datetime import date

import polars as pl
import streamlit as st

from accounts.access import EXPORT_CHILD_LEVEL, PAGE_LOG_FORM
from dashboard import auth, data, saving, ui
from dashboard.data import learning as data_learning
from warehouse import live, settings
from warehouse.events import (
    GOOD_PRACTICE,
    MAX_THEMES,
    EventError,
    today_uk,
    validate_event,
)


def form_errors(
    team_id: str | None, themes: list[str], what: str, seen_on: date | None, child_id: str
) -> dict:
    """The form's checks, each message for the field it is about."""
    errors: dict[str, str] = {}
    if not team_id:
        errors["team"] = "Choose the team whose practice it was."
    if not themes:
        errors["themes"] = "Choose at least one good-practice theme."
    elif len(themes) > MAX_THEMES:
        errors["themes"] = f"Choose at most {MAX_THEMES} themes (you chose {len(themes)})."
    if not what.strip():
        errors["what"] = "Say what was good, in a sentence or two."
    if seen_on is None:
        errors["date"] = "The date is required."
    elif seen_on > today_uk():
        errors["date"] = (
            f"The date ({ui.long_date(seen_on)}) is in the future: today is {ui.long_date(today_uk())}."
        )
    if child_id and data.child(build, child_id) is None:
        errors["child"] = (
            f"There is no child '{child_id}' in the case system's records. Check the id, or leave it empty."
        )
    return errors


def save(fields: dict) -> None:
    """Audit, write, request a rebuild: in that order, stopping at the first that fails."""
    try:
        validate_event(dict(fields))
    except EventError as exc:
        st.error(ui.plain(f"Not saved: {exc.reason} ({exc.field})."), icon=":material/error:")
        return
    detail = {
        "event_id": fields["event_id"],
        "good_practice_id": fields["challenge_id"],
        "event_type": GOOD_PRACTICE,
    }
    ev = saving.save_audited(user, fields, detail, what="record")
    if ev is None:
        return
    live.request_build()
    for key in ("gp_event_id", "gp_record_id", "gp_what", "gp_themes", "gp_child"):
        st.session_state.pop(key, None)
    st.session_state["gp_saved"] = ev.event_id
    st.rerun()


scope = ui.user_scope()
user = st.session_state.get("user")
auth.require_page(user, scope, PAGE_LOG_FORM)
build = ui.require_build("Good practice", live_only=True)
ui.header("Good practice", build)
st.caption(
    "Practice worth sharing that you saw in a child's care planning. It has no deadlines and is never "
    "counted as an escalation; it shows beside the concerns on the Themes page and in the quarterly "
    "learning report."
)
home = str(settings.home())

if saved := st.session_state.pop("gp_saved", None):
    st.success(
        f"Saved (event {saved}). It will show on the Themes page within a few seconds.",
        icon=":material/check:",
    )

if not scope.may_log_challenges:
    st.info(
        "Good practice is recorded by the IRO or Conference Chair who saw it. Your teams' good practice "
        "is on the Themes page.",
        icon=":material/info:",
    )
else:
    teams = data.teams(build)
    team_labels = dict(
        zip(teams["team_id"], teams["team_name"] + " (" + teams["service_name"] + ")", strict=True)
    )
    gp_themes = data_learning.good_practice_themes(build)
    theme_labels = dict(zip(gp_themes["theme_code"], gp_themes["theme_label"], strict=True))
    team_id = st.selectbox(
        "Team",
        list(team_labels),
        index=None,
        format_func=team_labels.get,
        key="gp_team",
        placeholder="The team whose practice it was",
    )
    team_slot = st.empty()
    picked = st.multiselect(
        "Good-practice themes", list(theme_labels), format_func=theme_labels.get, key="gp_themes"
    )
    themes_slot = st.empty()
    what = st.text_area("What was good", key="gp_what", max_chars=4000)
    what_slot = st.empty()
    seen_on = st.date_input("Seen on", value=today_uk(), key="gp_seen_on", format="DD/MM/YYYY")
    date_slot = st.empty()
    child_id = st.text_input(
        "Child (case-system person id, optional)", key="gp_child", help="Only when it was about one child."
    ).strip()
    child_slot = st.empty()
    if st.button("Save good practice", type="primary", key="gp_save"):
        errors = form_errors(team_id, picked, what, seen_on, child_id)
        for key, slot in (
            ("team", team_slot),
            ("themes", themes_slot),
            ("what", what_slot),
            ("date", date_slot),
            ("child", child_slot),
        ):
            if errors.get(key):
                slot.error(errors[key], icon=":material/error:")
        if errors:
            st.warning("Not saved: correct the fields marked above.", icon=":material/warning:")
        else:
            st.session_state.setdefault("gp_event_id", str(uuid.uuid4()))
            st.session_state.setdefault("gp_record_id", str(uuid.uuid4()))
            save(
                {
                    "action": GOOD_PRACTICE,
                    "event_id": st.session_state["gp_event_id"],
                    "challenge_id": st.session_state["gp_record_id"],
                    "event_on": seen_on,
                    "team_id": team_id,
                    "themes": list(picked),
                    "note": what,
                    "raised_by_worker_id": scope.worker_id,  # the signed-in IRO: not a choice
                    "child_id": child_id or None,
                    "recorded_by": user.username,
                }
            )

    mine = data_learning.my_good_practice(data.resolved_app_events(home), user.username)
    st.subheader("Good practice you recorded")
    if not mine:
        ui.empty("You have not recorded any good practice in IRO QA yet.")
    else:
        rows = pl.DataFrame(
            {
                "Seen on": [e["event_on"] for e in mine],
                "Team": [team_labels.get(e["team_id"], e["team_id"]) for e in mine],
                "Themes": ["; ".join(theme_labels.get(t, t) for t in e["themes"] or []) for e in mine],
                "What was good": [e["note"] or "" for e in mine],
            },
            schema={"Seen on": pl.Date, "Team": pl.String, "Themes": pl.String, "What was good": pl.String},
        )
        ui.table(rows, "good practice I recorded", key="gp_mine", kind=EXPORT_CHILD_LEVEL)

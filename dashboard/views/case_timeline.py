"""Case timeline: one challenge's journey, each stage a bar from entered to responded (or to the
as-at date), due dates marked, bypasses and CAFCASS shown, and its events in order.

Reached from any case list (select a row), by ``?case=<challenge_id>`` in the URL, by a weekly
digest's ``?d=<digest_item_id>`` (notify/digest.py), and by the case search (dashboard/case_picker.py:
bounded, on the server, the user's most urgent cases before anything is typed)."""

from __future__ import annotations

import streamlit as st

from accounts.access import PAGE_CASE_TIMELINE
from dashboard import auth, case_picker, data, notify_ui, search_pick, ui

scope = ui.user_scope()
auth.require_page(st.session_state.get("user"), scope, PAGE_CASE_TIMELINE)
build = ui.require_build("Case timeline")
ui.header("Case timeline", build)
as_at = data.as_at(build)

if data.urgent_cases(build, scope).is_empty():
    ui.empty(
        f"There are no challenges in the warehouse as at {ui.long_date(as_at)}, so there is no "
        "timeline to show."
    )
    st.stop()

wanted = st.query_params.get("case") or notify_ui.case_from_digest_link(build, st.query_params.get("d"))
# The case a link names, looked up directly (no search) and only within the user's scope: None
# alike for a case that does not exist and for one the user may not see.
found = data.case_summary(build, scope, wanted) if wanted else None
if wanted != st.session_state.get("_case_from_url"):
    # The URL changed (a link with ?case=...): the picker follows it.
    st.session_state["_case_from_url"] = wanted
    if wanted:
        search_pick.choose(
            "case", wanted if found else None, case_picker.case_words(found) if found else None
        )
picked = case_picker.pick_case(
    build,
    scope,
    key="case",
    choice_help="Open cases first. The sidebar filters do not apply here: this page shows one case.",
)
if picked != wanted and (picked or found):
    # The picker changed: the URL follows it, so the address is a link to this case.
    if picked:
        st.query_params["case"] = picked
    else:
        del st.query_params["case"]
    st.session_state["_case_from_url"] = picked

if wanted and not found and not picked:
    # The same words whether the challenge does not exist or is outside the user's scope, and the
    # link's text is not echoed (it is whatever someone typed into the address bar).
    ui.empty(
        f"The case in this link is not one you can see in the warehouse as at {ui.long_date(as_at)}. "
        "Choose one above."
    )
elif not picked:
    ui.empty("Choose a case above, or select a case in any list on the other pages to see its timeline here.")
else:
    ui.case_timeline(build, picked, key="case_page")
    notify_ui.notifications_sent(picked)

"""IRO QA dashboard: ``streamlit run dashboard/app.py`` (or ``iroqa serve``).

Nobody sees anything before signing in (``auth.require_user``). The signed-in user's scope
(``accounts.access.Scope``, docs/access.md) decides which pages are in the navigation, which teams
the sidebar offers, and, in the dashboard.data package, which rows every query can return.

The sidebar filters are rendered here, before the page runs, so every page shares them and they
stay in the URL across pages. Pages live in ``dashboard/views/`` (not ``pages/``: a folder called
``pages`` beside the entry script switches Streamlit into its old multipage mode, which can run a
page without this script and so without the filters)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from accounts.access import (
    PAGE_AGGREGATE,
    PAGE_AUDIT,
    PAGE_CASE_TIMELINE,
    PAGE_CHILD_LIST,
    PAGE_LOG_FORM,
    PAGE_USERS,
    scope_for,
)
from dashboard import auth, data, ui
from warehouse import live as live_builds

st.set_page_config(page_title="IRO QA", page_icon=":material/fact_check:", layout="wide")

# (page, kind): a page is in the navigation only if the user's scope may view its kind; each page
# also checks (auth.require_page) so that a direct link is refused and audited.
PAGE_KIND = {
    "Overview": PAGE_AGGREGATE,
    "Challenge meeting": PAGE_CHILD_LIST,
    "Monthly report": PAGE_AGGREGATE,
    "Themes": PAGE_AGGREGATE,
    "Teams": PAGE_AGGREGATE,
    "Case timeline": PAGE_CASE_TIMELINE,
    "Log a challenge": PAGE_LOG_FORM,
    "Users": PAGE_USERS,
    "Audit log": PAGE_AUDIT,
}
pages = [
    st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("views/meeting.py", title="Challenge meeting", icon=":material/groups:", url_path="meeting"),
    st.Page("views/monthly.py", title="Monthly report", icon=":material/calendar_month:", url_path="monthly"),
    st.Page("views/themes.py", title="Themes", icon=":material/category:", url_path="themes"),
    st.Page("views/teams.py", title="Teams", icon=":material/diversity_3:", url_path="teams"),
    st.Page("views/case_timeline.py", title="Case timeline", icon=":material/timeline:", url_path="case"),
    st.Page("views/log.py", title="Log a challenge", icon=":material/edit_note:", url_path="log"),
    st.Page("views/users.py", title="Users", icon=":material/manage_accounts:", url_path="users"),
    st.Page("views/audit_log.py", title="Audit log", icon=":material/policy:", url_path="audit"),
]
if auth.SESSION_KEY not in st.session_state:
    # Not signed in yet: keep the page and query parameters the link asked for (so that after
    # signing in the person lands where the link pointed), without running any page.
    st.navigation(pages, position="hidden")

user = auth.require_user()
scope = scope_for(user)
st.session_state["user"] = user
st.session_state["scope"] = scope
auth.sign_out_button(user)

build = data.live()
st.session_state["_shown_build_id"] = build.build_id if build else None  # what this run shows
if build is not None:
    st.session_state["filters"] = ui.sidebar_filters(build, scope)
else:
    st.session_state.pop("filters", None)


@st.fragment(run_every=live_builds.PAGE_CHECK_SECONDS)
def _watch_live_build() -> None:
    """Every second, read the live pointer (a tiny JSON file) and the background rebuild's
    status; when a new build has gone live, rerun the whole app so every page shows it without
    anyone pressing anything. Shows the rebuild's state discreetly in the sidebar."""
    current = data.live()
    current_id = current.build_id if current else None
    shown = st.session_state.get("_shown_build_id", current_id)
    status = live_builds.rebuild_status()
    if status.state in ("building", "starting") or (status.running and status.pending):
        st.caption(":material/sync: Updating…")
    elif status.state == "backing_off" or (status.last_error and status.consecutive_failures):
        st.caption(
            ":material/warning: The last update failed; the figures shown are from the last good build."
        )
    elif current is not None:
        st.caption(
            f"Figures as built {ui.short_date(date.fromisoformat(current.built_at[:10]))} "
            f"{current.built_at[11:16]} UTC"
        )
    if current_id != shown:
        st.session_state["_shown_build_id"] = current_id
        st.rerun(scope="app")


with st.sidebar:
    _watch_live_build()

allowed = [pg for pg in pages if scope.may_view(PAGE_KIND[pg.title])]
if not allowed:
    st.title("IRO QA")
    st.error("Your role has no pages in IRO QA. Ask your IRO QA administrator.")
    st.stop()
nav = st.navigation(allowed)
auth.audit_page_view(user, nav.title, st.session_state.get("filters"))
nav.run()

"""IRO QA dashboard: ``streamlit run dashboard/app.py`` (or ``iroqa serve``).

Nobody sees anything before signing in (``auth.require_user``). The signed-in user's scope
(``accounts.access.Scope``, docs/access.md) decides which pages are in the navigation, which teams
the sidebar offers, and, in the dashboard.data package, which rows every query can return.

The sidebar filters are rendered here, before the page runs, so every page shares them and they
stay in the URL across pages. Pages live in ``dashboard/views/`` (not ``pages/``: a folder called
``pages`` beside the entry script switches Streamlit into its old multipage mode, which can run a
page without this script and so without the filters)."""

from __future__ import annotations

import streamlit as st

from accounts.access import (
    PAGE_AGGREGATE,
    PAGE_AUDIT,
    PAGE_CASE_TIMELINE,
    PAGE_CHILD_LIST,
    PAGE_LOG_FORM,
    PAGE_OUTBOX,
    PAGE_RESPOND,
    PAGE_USERS,
    scope_for,
)
from dashboard import auth, data, focus, live_watch, sessions, ui
from warehouse import live as live_builds
from warehouse.store import live_problem

st.set_page_config(page_title="IRO QA", page_icon=":material/fact_check:", layout="wide")

# (page, kind): a page is in the navigation only if the user's scope may view its kind; each page
# also checks (auth.require_page) so that a direct link is refused and audited.
PAGE_KIND = {
    "Overview": PAGE_AGGREGATE,
    "Challenge meeting": PAGE_CHILD_LIST,
    "Monthly report": PAGE_AGGREGATE,
    "Themes": PAGE_AGGREGATE,
    "Impact and process": PAGE_AGGREGATE,
    "QA checklist": PAGE_AGGREGATE,
    "Quarterly learning report": PAGE_AGGREGATE,
    "Annual report": PAGE_AGGREGATE,
    "Teams": PAGE_AGGREGATE,
    "Case timeline": PAGE_CASE_TIMELINE,
    "Log a challenge": PAGE_LOG_FORM,
    "Good practice": PAGE_LOG_FORM,
    "Users": PAGE_USERS,
    "Audit log": PAGE_AUDIT,
    "Outbox": PAGE_OUTBOX,
    "Respond": PAGE_RESPOND,  # the administrator's, with the audit log (notify/, docs/notifications.md)
}


def _pages() -> list:
    """The pages, made once per session: making the 16 ``st.Page`` objects (each resolves and checks
    its file) was 5% of a warm page view's server time. Not shared between sessions: a page object
    carries whether this run may call it (``st.navigation`` sets it)."""
    made = st.session_state.get("_iroqa_pages")
    if made is None:
        made = st.session_state["_iroqa_pages"] = [
            st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page(
                "views/meeting.py", title="Challenge meeting", icon=":material/groups:", url_path="meeting"
            ),
            st.Page(
                "views/monthly.py",
                title="Monthly report",
                icon=":material/calendar_month:",
                url_path="monthly",
            ),
            st.Page("views/themes.py", title="Themes", icon=":material/category:", url_path="themes"),
            st.Page(
                "views/learning.py",
                title="Impact and process",
                icon=":material/volunteer_activism:",
                url_path="impact",
            ),
            st.Page("views/qa_grades.py", title="QA checklist", icon=":material/grading:", url_path="qa"),
            st.Page(
                "views/quarterly_report.py",
                title="Quarterly learning report",
                icon=":material/menu_book:",
                url_path="quarterly",
            ),
            st.Page(
                "views/annual_report.py",
                title="Annual report",
                icon=":material/summarize:",
                url_path="annual",
            ),
            st.Page("views/teams.py", title="Teams", icon=":material/diversity_3:", url_path="teams"),
            st.Page(
                "views/case_timeline.py", title="Case timeline", icon=":material/timeline:", url_path="case"
            ),
            st.Page("views/log.py", title="Log a challenge", icon=":material/edit_note:", url_path="log"),
            st.Page(
                "views/good_practice.py",
                title="Good practice",
                icon=":material/thumb_up:",
                url_path="good-practice",
            ),
            st.Page("views/users.py", title="Users", icon=":material/manage_accounts:", url_path="users"),
            st.Page("views/audit_log.py", title="Audit log", icon=":material/policy:", url_path="audit"),
            st.Page("views/outbox.py", title="Outbox", icon=":material/outbox:", url_path="outbox"),
            st.Page("views/respond.py", title="Respond", icon=":material/reply:", url_path="respond"),
        ]
    return made


pages = _pages()
if auth.SESSION_KEY not in st.session_state:
    # Not signed in yet: keep the page and query parameters the link asked for (so that after
    # signing in the person lands where the link pointed), without running any page.
    st.navigation(pages, position="hidden")

user = auth.require_user()
scope = scope_for(user)
st.session_state["user"] = user
st.session_state["scope"] = scope
auth.sign_out_button(user)
ui.presentation_mode()


def _live_problem(current) -> str | None:
    """Once per build and session: why the live build file cannot be used (truncated, damaged), or
    None. A damaged file asks for a rebuild, which replaces it."""
    current_id = current.build_id if current else None
    checked = st.session_state.get("_damage_checked")
    if current is not None and (checked is None or checked[0] != current_id):
        checked = (current_id, live_problem())
        st.session_state["_damage_checked"] = checked
        if checked[1]:
            live_builds.request_build()
    return checked[1] if checked and checked[0] == current_id else None


build = data.live()
st.session_state["_shown_build_id"] = build.build_id if build else None  # the live build this run saw
damaged = _live_problem(build)  # a damaged live file is never queried: it would fail mid-page
# "As at": live, or a month-end snapshot (warehouse/snapshots.py); pages read it (ui.require_build)
shown = None if damaged else ui.as_at_choice(build)
st.session_state["_as_at_build"] = shown
if shown is not None:
    st.session_state["filters"] = ui.sidebar_filters(shown, scope)
else:
    st.session_state.pop("filters", None)


@st.fragment(run_every=live_builds.FRAGMENT_CHECK_SECONDS)
def _watch_live_build() -> None:
    """Without dashboard/server.py's /api/live route (``streamlit run dashboard/app.py``, AppTest):
    every second, read the live pointer and the background rebuild's status; when a new build has
    gone live, rerun the whole app. Shows the rebuild's state discreetly in the sidebar."""
    current = data.live()
    current_id = current.build_id if current else None
    shown = st.session_state.get("_shown_build_id", current_id)
    words = live_watch.state_words(current, live_builds.rebuild_status(), _live_problem(current))[1]
    if words:
        st.caption(words)
    if current_id != shown:
        st.session_state["_shown_build_id"] = current_id
        st.rerun(scope="app")


if sessions.route_mounted:
    # Served by dashboard/server.py: the page polls /api/live (no script run) and reruns itself only
    # when the build or the rebuild's state changed (dashboard/live_watch.py).
    _status = live_builds.rebuild_status()
    _words = live_watch.state_words(build, _status, _live_problem(build))[1]
    if _words:
        st.sidebar.caption(_words)
    # the fingerprint the route answers (it does not open the build file to look for damage)
    live_watch.watch(build, live_watch.state_words(build, _status)[0])
else:
    with st.sidebar:
        _watch_live_build()

if damaged:
    st.navigation(pages, position="hidden")  # the link's page and filters stay for when it is fixed
    st.title("IRO QA")
    st.warning(
        ui.update_failed_line(build, damaged)
        + ". A new build has been asked for: this page shows the figures as soon as it is live.",
        icon=":material/build:",
    )
    st.stop()

allowed = [pg for pg in pages if scope.may_view(PAGE_KIND[pg.title])]
if not allowed:
    st.title("IRO QA")
    st.error("Your role has no pages in IRO QA. Ask your IRO QA administrator.")
    st.stop()
nav = st.navigation(allowed)
auth.audit_page_view(user, nav.title, st.session_state.get("filters"))
focus.focus_page_heading(nav.url_path or nav.title)  # keyboard users start at the new page's heading
nav.run()

"""IRO QA dashboard: ``streamlit run dashboard/app.py`` (or ``iroqa serve``).

The sidebar filters are rendered here, before the page runs, so every page shares them and they
stay in the URL across pages. Pages live in ``dashboard/views/`` (not ``pages/``: a folder called
``pages`` beside the entry script switches Streamlit into its old multipage mode, which can run a
page without this script and so without the filters)."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui

st.set_page_config(page_title="IRO QA", page_icon=":material/fact_check:", layout="wide")

build = data.live()
if build is not None:
    st.session_state["filters"] = ui.sidebar_filters(build)
else:
    st.session_state.pop("filters", None)

pages = [
    st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("views/meeting.py", title="Challenge meeting", icon=":material/groups:", url_path="meeting"),
    st.Page("views/monthly.py", title="Monthly report", icon=":material/calendar_month:", url_path="monthly"),
    st.Page("views/themes.py", title="Themes", icon=":material/category:", url_path="themes"),
    st.Page("views/teams.py", title="Teams", icon=":material/diversity_3:", url_path="teams"),
    st.Page("views/case_timeline.py", title="Case timeline", icon=":material/timeline:", url_path="case"),
]
st.navigation(pages).run()

"""IRO QA dashboard: ``streamlit run dashboard/app.py`` (or ``iroqa serve``)."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui

st.set_page_config(page_title="IRO QA", page_icon=":material/fact_check:", layout="wide")

build = data.live()
if build is not None:
    st.session_state["filters"] = ui.sidebar_filters(build)

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
]
st.navigation(pages).run()

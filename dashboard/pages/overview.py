"""Overview: the headline figures as at the live build."""

import streamlit as st

from dashboard import data, ui

build = data.live()
if build is None:
    st.title("IRO QA")
    ui.no_data()
    st.stop()

ui.header("Overview", build)
filters = st.session_state.get("filters", data.Filters())
figures = data.headline(build, filters)

cols = st.columns(5)
cols[0].metric("Open challenges", f"{figures['open_challenges']:,}")
cols[1].metric("Open at stage 3 or 4", f"{figures['open_stage_3_4']:,}")
cols[2].metric("Responses overdue now", f"{figures['overdue_now']:,}")
cols[3].metric("Past the 20-working-day cap", f"{figures['cap_breaches_open']:,}")
cols[4].metric("CAFCASS referrals (all time)", f"{figures['cafcass_referrals']:,}")

st.subheader("Open challenges by stage")
st.dataframe(
    data.open_by_stage(build, filters),
    hide_index=True,
    column_config={
        "current_stage": None,
        "current_stage_name": "Stage",
        "challenges": "Open",
        "overdue": "Overdue",
    },
)

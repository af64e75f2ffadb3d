"""Quarterly learning report: for a chosen quarter of the April-March year, the themes by stage
group against the previous quarter, good practice, what changed for the child, time to resolution
and responses in time (reports.figures, the same queries as the Word document), the learning the
Assistant Service Manager writes here (saved as an audited event; the latest version is the
quarter's), and the Word document to download (reports.quarterly; the download is audited)."""

from __future__ import annotations

import uuid

import polars as pl
import streamlit as st

from accounts.access import EXPORT_AGGREGATE, PAGE_AGGREGATE
from accounts.audit import AuditError
from dashboard import auth, data, ui
from dashboard.data.core import _connection
from reports import figures
from reports.learning import latest_learning, save_learning
from reports.periods import Quarter
from reports.quarterly import build_document
from warehouse import settings
from warehouse.events import EventError

WRITERS = ("asm", "service_manager")  # who writes the learning

scope = ui.user_scope()
user = st.session_state.get("user")
auth.require_page(user, scope, PAGE_AGGREGATE)
build = ui.require_build("Quarterly learning report")
ui.header("Quarterly learning report", build)
as_at = data.as_at(build)
first = Quarter.of(data.first_month(build))
last = Quarter.of(as_at)
quarters = [last]
while quarters[-1] != first and len(quarters) < 40:
    quarters.append(quarters[-1].previous())
q = st.selectbox(
    "Quarter (April to March year)",
    quarters,
    format_func=lambda x: f"{x.label} ({x.words})",
    key="qr_quarter",
)
con = _connection(build).cursor()
try:
    themes = figures.themes_by_stage_group(con, q)
    good = figures.good_practice(con, q)
    outcomes = figures.outcomes(con, q)
    timely = figures.timeliness(con, q)
finally:
    con.close()

st.subheader("Themes, by stage, against the previous quarter")
if themes.is_empty():
    ui.empty(f"No themes were recorded in {q.label} or {q.previous().label}.")
else:
    shown = themes.with_columns(pl.col("stage_group").replace_strict(figures.STAGE_GROUPS)).rename(
        {
            "stage_group": "Stage",
            "theme_label": "Theme",
            "this_quarter": q.label,
            "previous_quarter": q.previous().label,
        }
    )
    ui.table(shown, f"themes {q.code}", key="qr_themes", kind=EXPORT_AGGREGATE)
st.subheader("Good practice")
if good.is_empty():
    ui.empty(f"No good practice was recorded in {q.label}.")
else:
    ui.table(
        good.rename({"theme_label": "Good-practice theme", "records": "Records"}),
        f"good practice {q.code}",
        key="qr_good",
        kind=EXPORT_AGGREGATE,
    )
st.subheader("Impact of escalations: what changed for the child")
if outcomes.is_empty():
    ui.empty(f"No challenge closed in {q.label}.")
else:
    ui.table(
        outcomes.rename({"outcome_label": "Outcome for the child", "challenges": "Challenges"}),
        f"outcomes {q.code}",
        key="qr_outcomes",
        kind=EXPORT_AGGREGATE,
    )
st.subheader("Time to resolution and responses in time")
cols = st.columns(3)
cols[0].metric("Challenges resolved", f"{timely['resolved']:,}")
cols[1].metric(
    "Median working days to resolution",
    "–" if timely["median_working_days"] is None else f"{timely['median_working_days']:g}",
)
cols[2].metric(
    "Stage responses made in time",
    "–" if timely["share_in_time"] is None else f"{timely['share_in_time']:.0%}",
    help=f"{timely['responses_in_time']:,} of {timely['responses_due']:,} due",
)

st.subheader("Learning")
home = settings.paths()
saved = latest_learning(q, home)
if saved:
    st.caption(
        f"Written by {ui.plain(saved['recorded_by'])}, last saved {ui.short_date(saved['recorded_at'].date())}."
    )
if user is not None and user.role in WRITERS:
    if st.session_state.get("_qr_loaded") != (q.code, saved["event_id"] if saved else None):
        st.session_state["_qr_loaded"] = (q.code, saved["event_id"] if saved else None)
        st.session_state["qr_learning"] = saved["note"] if saved else ""
    text = st.text_area(
        "The quarter's learning (what the service learned, and what it will change)",
        key="qr_learning",
        height=180,
        max_chars=4000,
    )
    if st.button("Save the learning", type="primary", key="qr_save"):
        if not text.strip():
            st.error("Write the learning before saving it.", icon=":material/error:")
        elif saved and text == saved["note"]:
            st.info("Nothing has changed since it was last saved.", icon=":material/info:")
        else:
            try:
                save_learning(q, text, user, event_id=str(uuid.uuid4()), session=auth.current_session_tag())
            except AuditError:
                st.error("Not saved: IRO QA cannot write its audit log just now. Try again in a moment.")
            except EventError as exc:
                st.error(ui.plain(f"Not saved: {exc.reason}."), icon=":material/error:")
            else:
                st.session_state.pop("_qr_loaded", None)
                st.rerun()
elif saved:
    st.text(saved["note"])
else:
    ui.empty("The Assistant Service Manager has not written this quarter's learning yet.")

if scope.may_export(EXPORT_AGGREGATE):

    def make() -> bytes:
        auth.record(
            user, "export", {"table": "quarterly learning report", "quarter": q.code, "format": "docx"}
        )
        c = _connection(build).cursor()
        try:
            now = latest_learning(q, home)
            return build_document(
                c, q, learning=now["note"] if now else None, as_at=build.as_at, protocol=build.protocol
            )
        finally:
            c.close()

    st.download_button(
        "Download the Word document",
        make,
        file_name=f"iro-quarterly-learning-{q.code}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        key="qr_docx",
        icon=":material/description:",
        on_click="ignore",
    )

"""Annual report: for a chosen April-March year, the escalations by stage and month with true
totals (the Rotherham table), Positive Challenges against Formal Escalations, time to resolution,
responses in time and CAFCASS referrals (reports.figures and reports.annual, the same figures as
the Word document), and the annual report section to download as Word (the download is audited)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import EXPORT_AGGREGATE, PAGE_AGGREGATE
from dashboard import auth, data, ui
from dashboard.data.core import _connection
from reports import figures
from reports.annual import build_document, stage_month_grid
from reports.periods import Year

scope = ui.user_scope()
user = st.session_state.get("user")
auth.require_page(user, scope, PAGE_AGGREGATE)
build = ui.require_build("Annual report")
ui.header("Annual report", build)
as_at = data.as_at(build)
first = Year.of(data.first_month(build))
years = [Year.of(as_at)]
while years[-1] != first and len(years) < 12:
    years.append(years[-1].previous())
y = st.selectbox(
    "Year (April to March)", years, format_func=lambda x: f"{x.label} ({x.words})", key="ar_year"
)
con = _connection(build).cursor()
try:
    columns, grid = stage_month_grid(con, y, as_at)
    inf = figures.informal_and_formal(con, y)
    timely = figures.timeliness(con, y)
    cafcass = figures.cafcass_referrals(con, y)
finally:
    con.close()

st.subheader(f"Escalations by stage and month, {ui.plain(y.label)}")
st.caption("Each number counts the escalations that entered that stage in that month.")
shown = grid.with_columns(pl.col("month").dt.strftime("%b %Y").alias("Month")).select(
    "Month", *columns, "All stages"
)
shown = pl.concat(
    [
        shown,
        pl.DataFrame(
            [{"Month": "Total", **{c: int(shown[c].sum()) for c in [*columns, "All stages"]}}],
            schema=shown.schema,
        ),
    ]
)
ui.table(shown, f"annual stage table {y.code}", key="ar_stages", kind=EXPORT_AGGREGATE)

st.subheader("Positive Challenges, Formal Escalations and timeliness")
cols = st.columns(4)
cols[0].metric(
    "Informal to formal",
    "–" if inf["ratio"] is None else f"{inf['ratio']:.1f} to 1",
    help=f"{inf['informal']:,} Positive Challenges, {inf['formal']:,} Formal Escalations raised",
)
cols[1].metric(
    "Resolved informally",
    "–" if inf["share_resolved_informally"] is None else f"{inf['share_resolved_informally']:.0%}",
    help=f"{inf['resolved_informally']:,} of {inf['informal']:,} Positive Challenges",
)
cols[2].metric(
    "Stage responses made in time",
    "–" if timely["share_in_time"] is None else f"{timely['share_in_time']:.0%}",
    help=f"{timely['responses_in_time']:,} of {timely['responses_due']:,} due; median "
    + ("–" if timely["median_working_days"] is None else f"{timely['median_working_days']:g}")
    + (" working day" if timely["median_working_days"] == 1 else " working days")
    + " to resolution",
)
cols[3].metric("Referrals to CAFCASS", f"{cafcass:,}")
st.caption(
    "The Word document adds the themes, the impact of escalations, the QA checklist grades, two "
    "charts and generated sentences to edit before publishing."
)

if scope.may_export(EXPORT_AGGREGATE):

    def make() -> bytes:
        auth.record(user, "export", {"table": "annual report", "year": y.code, "format": "docx"})
        c = _connection(build).cursor()
        try:
            return build_document(c, y, as_at=build.as_at, protocol=build.protocol)
        finally:
            c.close()

    st.download_button(
        "Download the Word document",
        make,
        file_name=f"iro-annual-report-{y.code}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        key="ar_docx",
        icon=":material/description:",
        on_click="ignore",
    )

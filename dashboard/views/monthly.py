"""Monthly report: escalations entering each stage, month by month, in the shape of the Rotherham
report (months as rows, Stage 1..N and Contact with CAFCASS as columns, a Total row), its chart, and
the cases behind any number (select a cell)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import EXPORT_AGGREGATE, PAGE_AGGREGATE
from accounts.suppression import Totals, hide_in_long
from dashboard import auth, data, ui
from reports import charts

scope = ui.user_scope()
auth.require_page(st.session_state.get("user"), scope, PAGE_AGGREGATE)
build = ui.require_build("Monthly report")
ui.header("Monthly report", build, period=True)
f = ui.filters()
as_at = data.as_at(build)

stage_rows = data.stages(build)
wanted = stage_rows.filter(
    pl.col("stage_key").is_in(list(f.stages)) if f.stages else pl.col("stage_key") != "informal"
)
columns = wanted["stage_label"].to_list()
keys = dict(zip(columns, wanted["stage_key"], strict=True))

first = f.month_from or data.first_month(build)
last = f.month_to or data.month_start(as_at)
months = []
m = first
while m <= last:
    months.append(m)
    m = data.add_months(m, 1)

counts = (
    data.monthly_stage_counts(build, f)
    .join(stage_rows.select("stage_key", "stage_label"), on="stage_key", how="inner")
    .filter(pl.col("stage_label").is_in(columns))
)

st.subheader(f"Escalations by stage and month, {ui.period_words(f)}")
st.caption(
    "Each number counts the escalations that entered that stage in that month (a case that moves "
    "from stage 1 to stage 2 counts once in each). Select a number to see its cases."
)

grid = pl.DataFrame({"month": months}, schema={"month": pl.Date})
for label in columns:
    col = counts.filter(pl.col("stage_label") == label).select(
        pl.col("month_start").alias("month"), pl.col("entries").alias(label)
    )
    grid = grid.join(col, on="month", how="left")
grid = grid.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in columns])
grid = grid.with_columns(
    pl.sum_horizontal(columns).alias("All stages") if columns else pl.lit(0).alias("All stages")
)
report = grid.with_columns(pl.col("month").dt.strftime("%b %Y").alias("Month")).select(
    "Month", *columns, "All stages"
)
total = pl.DataFrame(
    [{"Month": "Total", **{c: int(report[c].sum()) for c in [*columns, "All stages"]}}], schema=report.schema
)
report = pl.concat([report, total])

if grid["All stages"].sum() == 0:
    ui.empty(
        f"No escalations entered {ui.and_list(columns) or 'any stage'} "
        f"{ui.scope(build, f, period=True)}, as at {ui.long_date(as_at)}."
    )

event = ui.table(
    report,
    f"monthly report {ui.period_words(f)}",
    key="monthly_report",
    kind=EXPORT_AGGREGATE,
    totals=Totals(row_total="All stages", total_rows=(False,) * (report.height - 1) + (True,)),
    select="single-cell",
    height=min(35 * (report.height + 1) + 3, 900),
)
cell = ui.selected_cell(event)
if cell and cell[1] in [*columns, "All stages", "Month"]:
    row, col = cell
    month = months[row] if row < len(months) else None
    stage_key = keys.get(col)
    if f.stages and stage_key is None:
        picked_stages = [keys[c] for c in columns]
    else:
        picked_stages = [stage_key] if stage_key else [keys[c] for c in columns]
    frames = [data.stage_entries_cases(build, scope, f, month, k) for k in picked_stages]
    cases = pl.concat(frames) if frames else pl.DataFrame()
    what = (
        (col if col not in ("All stages", "Month") else "all stages")
        + ", "
        + (ui.month_label(month) if month else ui.period_words(f))
    )
    st.subheader(ui.plain(f"Cases: {what}"))
    picked = ui.case_list(
        cases,
        f"cases {what}",
        key="monthly_cases",
        columns={
            "case_ref": "Case ref",
            "stage_name": "Stage",
            "entered_on": "Entered",
            "is_bypassed_into": "Bypassed into",
            "team_name": "Team",
            "legal_status": "Legal status",
            "responsible_name": "Responds",
            "response_due_on": "Response due",
            "responded_on": "Responded",
            "outcome": "Outcome",
            "themes_label": "Themes",
            "challenge_id": "challenge_id",
        },
        empty_message=f"No escalations: {what}.",
    )
    if picked:
        ui.case_timeline(build, picked, key="monthly_timeline")
        ui.timeline_link(picked)

if grid["All stages"].sum() > 0:
    long = counts.rename({"month_start": "month"}).join(
        wanted.select("stage_label", pl.int_range(pl.len()).alias("stage_order")), on="stage_label"
    )
    if ui.suppressing():  # the bars the table hides are not drawn
        long = hide_in_long(long, row="month", column="stage_label", value="entries", rows=months)
    ui.chart(
        charts.monthly_stage_bars,
        long,
        columns,
        title=f"Escalations by stage, {ui.period_words(f)}",
        key="monthly_chart",
    )

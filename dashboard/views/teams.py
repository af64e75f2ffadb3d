"""Teams: for an Assistant Service Manager's own teams (chosen in the sidebar), what is due this week
and what is overdue by responsible manager, and the monthly measures by team and service."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl
import streamlit as st

from accounts.access import EXPORT_AGGREGATE, PAGE_AGGREGATE, suppress_threshold
from accounts.suppression import Totals, is_small, suppression_mask
from dashboard import auth, data, ui
from reports import charts

#: The measures table's columns: (short heading, the full words).
MEASURE_HEADINGS = {
    "Challenges raised": ("Raised", "Challenges raised"),
    "Positive Challenges (informal)": ("Informal", "Positive Challenges (informal) raised"),
    "Formal escalations started": ("Formal", "Formal escalations started"),
    "Informal moved to formal": ("Escalated", "Positive Challenges moved to a formal escalation"),
    "Responses due": ("Responses due", "Stage responses due"),
    "Responded in time": ("In time", "Stage responses made in time"),
    "% in time": ("% in time", "Stage responses made in time, as a share of those due"),
    "Resolved": ("Resolved", "Challenges resolved"),
    "Median working days to resolve": ("Median days", "Median working days to resolve"),
}
MEASURE_FORMAT = {"% in time": "%.0f%%", "Median working days to resolve": "%.1f"}

scope = ui.user_scope()
auth.require_page(st.session_state.get("user"), scope, PAGE_AGGREGATE)
build = ui.require_build("Teams")
ui.header("Teams", build, period=True)
f = ui.filters()
as_at = data.as_at(build)
week_end = as_at + timedelta(days=6)
if not f.teams and not f.services:
    st.caption("Showing every team: choose your teams (or your service) in the sidebar to see only yours.")

# ---- what is due this week and what is overdue, by responsible manager -----------------------
st.subheader(f"Responses overdue, and due by {ui.long_date(week_end)}")
if not scope.child_rows:
    counts = data.open_response_counts(build, f, week_end)
    c1, c2 = st.columns(2)
    c1.metric(
        "Responses overdue",
        ui.count_words(counts["overdue"], scope),
        border=True,
        help=ui.MEASURE_HELP["awaiting_response_past_due"],
    )
    c2.metric(
        f"Due by {ui.short_date(week_end)}", ui.count_words(counts["due_this_week"], scope), border=True
    )
    ui.role_shows_no_cases(scope, "the responsible managers and their cases")
open_resp = data.open_responses(build, scope, f).with_columns(
    when=pl.when(pl.col("is_overdue"))
    .then(pl.lit("Overdue"))
    .when(pl.col("response_due_on") <= week_end)
    .then(pl.lit("Due this week"))
    .otherwise(pl.lit("Later"))
)
due = open_resp.filter(pl.col("when") != "Later")
if not scope.child_rows:
    pass  # counts only, said above
elif due.is_empty():
    ui.empty(
        f"No responses are overdue or due by {ui.long_date(week_end)} {ui.scope(build, f)} "
        f"(as at {ui.long_date(as_at)}).".replace("  ", " ")
    )
else:
    by_manager = (
        due.group_by("responsible_name")
        .agg(
            overdue=pl.col("is_overdue").sum().cast(pl.Int64),
            due_this_week=(pl.col("when") == "Due this week").sum().cast(pl.Int64),
            most_overdue=pl.col("working_days_overdue").max(),
            teams=pl.col("team_name").unique().sort().str.join(", "),
        )
        .sort(["overdue", "due_this_week", "responsible_name"], descending=[True, True, False])
    )
    c1, c2 = st.columns(2)
    c1.metric(
        "Responses overdue",
        f"{int(due['is_overdue'].sum()):,}",
        border=True,
        help=ui.MEASURE_HELP["awaiting_response_past_due"],
    )
    c2.metric(
        f"Due by {ui.short_date(week_end)}", f"{int((due['when'] == 'Due this week').sum()):,}", border=True
    )
    manager_table = ui.present(
        by_manager,
        {
            "responsible_name": "Responsible manager",
            "overdue": "Overdue",
            "due_this_week": "Due this week",
            "most_overdue": "Most working days overdue",
            "teams": "Teams",
        },
    )
    st.caption("Select a manager to see their cases.")
    event = ui.table(
        manager_table,
        "responses by manager",
        key="teams_by_manager",
        select="single-row",
        kind=EXPORT_AGGREGATE,
    )
    rows = ui.selected_rows(event)
    chosen = manager_table["Responsible manager"][rows[0]] if rows else None
    cases = due.filter(pl.col("responsible_name") == chosen) if chosen else due
    st.markdown(f"**{'Cases for ' + ui.plain(chosen) if chosen else 'All these cases'}**, overdue first")
    cases = cases.sort(
        ["is_overdue", "working_days_overdue", "response_due_on"], descending=[True, True, False]
    )
    picked = ui.case_list(
        cases,
        f"responses due {chosen or 'all managers'}",
        key="teams_due_cases",
        columns={
            "case_ref": "Case ref",
            "when": "When",
            "stage_name": "Stage",
            "responsible_name": "Must respond",
            "response_due_on": "Response due",
            "working_days_overdue": "Working days overdue",
            "team_name": "Team",
            "legal_status": "Legal status",
            "themes_label": "Themes",
            "challenge_id": "challenge_id",
        },
    )
    if picked:
        ui.case_timeline(build, picked, key="teams_timeline")
        ui.timeline_link(picked)

# ---- measures by team and service over the period ------------------------------------------
st.subheader(f"Measures by team, {ui.period_words(f)}")
if f.stages or f.themes:
    st.caption(
        "The stage and theme filters do not apply to these measures: they count whole challenges "
        "by team, legal status and month."
    )
by = st.segmented_control(
    "Group by",
    ["team", "service"],
    default="team",
    key="group",
    required=True,
    format_func={"team": "Team", "service": "Service"}.get,
)
by = by or "team"
measures = data.team_measures(build, f, by)
med_filters = replace(f, stages=(), themes=())
medians = data.median_days_to_resolution(build, med_filters, by)
key_col = "team_id" if by == "team" else "service_name"
measures = measures.join(medians.rename({"grp": key_col}), on=key_col, how="left")
if (
    measures.is_empty()
    or measures.select(pl.col("challenges_raised", "stage_responses_due", "challenges_resolved").sum())
    .sum_horizontal()
    .item()
    == 0
):
    ui.empty(f"No challenges were raised, due or resolved {ui.scope(build, f, period=True)}.")
else:
    names = {
        "service_name": "Service",
        "team_name": "Team",
        "challenges_raised": "Challenges raised",
        "informal_raised": "Positive Challenges (informal)",
        "formal_started": "Formal escalations started",
        "informal_escalated_to_formal": "Informal moved to formal",
        "stage_responses_due": "Responses due",
        "stage_responses_in_time": "Responded in time",
        "share_responded_in_time": "% in time",
        "challenges_resolved": "Resolved",
        "median_working_days_to_resolution": "Median working days to resolve",
    }
    shown = ui.present(measures.with_columns(pl.col("share_responded_in_time") * 100), names)
    total = {c: (shown[c].sum() if shown.schema[c].is_numeric() else "") for c in shown.columns}
    total[shown.columns[0]] = "All"
    if "Team" in total:
        total["Team"] = "All teams shown"
    total["% in time"] = (
        (100 * total["Responded in time"] / total["Responses due"]) if total["Responses due"] else None
    )
    total["Median working days to resolve"] = data.median_days_to_resolution(build, med_filters, "all")[
        "median_working_days_to_resolution"
    ].first()
    shown = pl.concat([shown, pl.DataFrame([total], schema=shown.schema)])
    counts = [c for c, t in shown.schema.items() if t.is_integer()]
    totals = Totals(total_rows=(False,) * (shown.height - 1) + (True,))
    pct_ok = [True] * shown.height
    if ui.suppressing():
        # the counts hidden as the table hides them; a rate or median of hidden counts is hidden too,
        # and so is a rate whose late responses (due minus in time) are few enough to be hidden
        hide = suppression_mask(shown, counts, totals)
        late = (shown["Responses due"] - shown["Responded in time"]).to_list()
        pct_ok = [
            not (
                hide["Responses due"][i]
                or hide["Responded in time"][i]
                or is_small(late[i], suppress_threshold())
            )
            for i in range(shown.height)
        ]
        med_ok = [not hide["Resolved"][i] for i in range(shown.height)]
        shown = shown.with_columns(
            pl.when(pl.Series(pct_ok)).then(pl.col("% in time")).otherwise(None).alias("% in time"),
            pl.when(pl.Series(med_ok))
            .then(pl.col("Median working days to resolve"))
            .otherwise(None)
            .alias("Median working days to resolve"),
        )
    # Short headings (the full words in each heading's help and in the downloads), so that the
    # measures fit a 1366-pixel projector without scrolling sideways; grouped by team, the service
    # is in the downloads only.
    label_col = "Team" if by == "team" else "Service"
    _, widths = ui.fitted_columns(shown.select(label_col))
    ui.table(
        shown,
        f"measures by {by} {ui.period_words(f)}",
        key=f"teams_measures_{by}",
        kind=EXPORT_AGGREGATE,
        totals=totals,
        hidden=("Service",) if by == "team" else (),
        column_config={
            label_col: st.column_config.TextColumn(label_col, width=widths[label_col]),
            **{
                name: st.column_config.NumberColumn(
                    short, help=words, width=ui.column_width(short), format=MEASURE_FORMAT.get(name)
                )
                for name, (short, words) in MEASURE_HEADINGS.items()
            },
        },
    )
    chart_df = (
        shown.head(shown.height - 1)
        .with_columns(ok=pl.Series(pct_ok[:-1]))
        .filter(pl.col("ok") & (pl.col("Responses due") > 0) & pl.col("% in time").is_not_null())
        .select(pl.col(label_col).alias("label"), pl.col("% in time").round(0).alias("pct"))
    )
    if not chart_df.is_empty():
        ui.chart(
            charts.bar_by_category,
            chart_df,
            "label",
            "pct",
            title=f"Stage responses made in time, {ui.period_words(f)}",
            x_title="% of responses due that came in time",
            x_max=100,
            key=f"teams_chart_{by}",
        )

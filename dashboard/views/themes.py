"""Themes: how often each theme is raised, by month or by quarter (April to March year), split into
stage 1, stages 2 to 4 and informal challenges; the trend of the main themes; select a theme for its
cases. Beside them, good practice (dashboard/good_practice_view.py): its themes by period, concerns
and good practice by team and quarter, and the records."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import EXPORT_AGGREGATE, PAGE_AGGREGATE
from accounts.suppression import Totals, suppression_mask
from dashboard import auth, data, good_practice_view, ui
from dashboard.data import learning as data_learning
from reports import charts

scope = ui.user_scope()
auth.require_page(st.session_state.get("user"), scope, PAGE_AGGREGATE)
build = ui.require_build("Themes")
ui.header("Themes", build, period=True)
f = ui.filters()
as_at = data.as_at(build)

by = st.segmented_control(
    "Count by",
    ["month", "quarter"],
    default="month",
    key="by",
    bind="query-params",
    required=True,
    format_func={"month": "Month", "quarter": "Quarter (April to March year)"}.get,
)
by = by or "month"
counts = data.theme_counts(build, f, by)
good_counts = data_learning.good_practice_counts(build, f, by)

if counts.is_empty() and good_counts.is_empty():
    ui.empty(f"No themes were recorded {ui.scope(build, f, period=True)}, as at {ui.long_date(as_at)}.")
    st.stop()

groups = [g for g in ("stages_2_4", "stage_1", "informal") if not f.stages or g in f.stage_groups()]
tabs = st.tabs([data.STAGE_GROUPS[g] for g in groups] + [good_practice_view.TAB])
with tabs[-1]:
    good_practice_view.render(build, scope, f, by, good_counts)
for group, tab in zip(groups, tabs[:-1], strict=True):
    with tab:
        part = counts.filter(pl.col("stage_group") == group)
        if part.is_empty():
            ui.empty(
                f"No {data.STAGE_GROUPS[group].lower()} challenges had themes recorded "
                f"{ui.scope(build, f, period=True)}."
            )
            continue
        periods = (
            part.select("period_start", "period_label")
            .unique()
            .sort("period_start")["period_label"]
            .to_list()
        )
        wide = part.pivot(
            on="period_label",
            index=["theme_label", "theme_code"],
            values="challenges",
            aggregate_function="sum",
        ).fill_null(0)
        wide = (
            wide.select("theme_label", "theme_code", *periods)
            .with_columns(pl.sum_horizontal(periods).alias("Total"))
            .sort(["Total", "theme_label"], descending=[True, False])
        )
        totals = {p: int(wide[p].sum()) for p in [*periods, "Total"]}
        wide = pl.concat(
            [
                wide,
                pl.DataFrame(
                    [{"theme_label": "All themes", "theme_code": None, **totals}], schema=wide.schema
                ),
            ]
        )
        shown = wide.rename({"theme_label": "Theme"})
        theme_totals = Totals(row_total="Total", total_rows=tuple(c is None for c in wide["theme_code"]))
        if part["is_part"].any():
            st.caption(
                "A period marked **part** is only partly inside the chosen period (or runs past the "
                "as-at date): it counts only the days shown, so do not compare it with a whole one."
            )
        st.caption(
            f"Challenges with each theme that reached {data.STAGE_GROUPS[group].lower()}, by the "
            f"{by} they reached it. A challenge with two themes counts under both. "
            "Select a theme to see its cases."
        )
        # A bounded window of periods on screen (the latest ones), so the table fits a 1366-pixel
        # projector without scrolling sideways; Total is the whole period's, the downloads have
        # every period.
        fit = ui.periods_that_fit(periods, fixed=ui.SELECT_WIDTH + ui.LABEL_WIDTH + ui.PERIOD_WIDTH)
        earlier = periods[:-fit] if len(periods) > fit else []
        if earlier:
            st.caption(
                f"The table shows the latest {ui.plural(fit, by)}; **Total** counts the whole "
                f"period ({ui.plain(periods[0])} to {ui.plain(periods[-1])}). The downloads have every {by}."
            )
        event = ui.table(
            shown,
            f"themes {group} by {by} {ui.period_words(f)}",
            key=f"themes_{group}_{by}",
            kind=EXPORT_AGGREGATE,
            totals=theme_totals,
            select="single-row",
            hidden=("theme_code", *earlier),
            column_config={
                "Theme": st.column_config.TextColumn("Theme", width=ui.LABEL_WIDTH),
                **{
                    p: st.column_config.NumberColumn(p, width=ui.column_width(p))
                    for p in [*periods[len(earlier) :], "Total"]
                },
            },
        )
        top = wide.filter(pl.col("theme_code").is_not_null()).head(5)["theme_code"].to_list()
        sums = (
            part.filter(pl.col("theme_code").is_in(top))
            .group_by("period_label", "theme_label")
            .agg(pl.col("challenges").sum())
        )
        # every period for every theme shown, 0 where none: a line never breaks or vanishes
        grid = pl.DataFrame({"period_label": periods}).join(
            wide.filter(pl.col("theme_code").is_in(top)).select("theme_label"), how="cross"
        )
        trend = grid.join(sums, on=["period_label", "theme_label"], how="left").with_columns(
            pl.col("challenges").fill_null(0)
        )
        if ui.suppressing():  # the points the table hides are not drawn
            mask = suppression_mask(wide, [*periods, "Total"], theme_totals)
            hidden = {(p, wide["theme_label"][i]) for p in periods for i in range(wide.height) if mask[p][i]}
            trend = trend.filter(
                pl.Series(
                    [
                        (p, t) not in hidden
                        for p, t in zip(trend["period_label"], trend["theme_label"], strict=True)
                    ],
                    dtype=pl.Boolean,
                )
            )
        if len(periods) > 1:
            ui.chart(
                charts.theme_trend_lines,
                trend,
                period_order=periods,
                title=f"The {len(top)} most frequent themes, {data.STAGE_GROUPS[group].lower()}, by {by}",
                key=f"themes_chart_{group}_{by}",
            )
        rows = ui.selected_rows(event)
        if rows:
            code = wide["theme_code"][rows[0]]
            label = wide["theme_label"][rows[0]]
            st.subheader(
                ui.plain(f"Cases: {label}, {data.STAGE_GROUPS[group].lower()}, {ui.period_words(f)}")
            )
            if not code:
                ui.empty("Select one theme (not the total) to see its cases.")
                picked = None
            else:
                cases = data.theme_cases(build, scope, f, code, by, group)
                st.caption(
                    f"One row per case and {by} in which it reached {data.STAGE_GROUPS[group].lower()}, "
                    "as the table counts them."
                )
                picked = ui.case_list(
                    cases,
                    f"cases {label} {group}",
                    key=f"theme_cases_{group}",
                    columns={
                        "case_ref": "Case ref",
                        "period_label": by.capitalize(),
                        "entered_on": "Reached this stage",
                        "stages_entered": "Stages entered",
                        "status": "Status",
                        "current_stage_name": "Stage now",
                        "team_name": "Team",
                        "legal_status": "Legal status",
                        "themes_label": "Themes",
                        "challenge_id": "challenge_id",
                    },
                    empty_message=f"No {data.STAGE_GROUPS[group].lower()} cases had the theme {label} "
                    f"{ui.scope(build, f, period=True)}.",
                )
                if picked:
                    ui.case_timeline(build, picked, key=f"theme_timeline_{group}")
                    ui.timeline_link(picked)

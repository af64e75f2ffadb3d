"""The Themes page's good-practice tab: good practice by theme and period, concerns beside good
practice by team and quarter (April-March year), and, for roles that see child-level rows, the
records behind a theme. Good practice never enters the escalation counts."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import EXPORT_AGGREGATE, EXPORT_CHILD_LEVEL, Scope
from dashboard import ui
from dashboard.data import Filters
from dashboard.data import learning as data_learning
from warehouse.store import LiveBuild

TAB = "Good practice"


def render(build: LiveBuild, scope: Scope, f: Filters, by: str, counts: pl.DataFrame) -> None:
    st.caption(
        "Good practice IROs and Chairs recorded, by the good-practice theme and the "
        f"{by} it was seen. A record with two themes counts under both. Team and service filters apply; "
        "stage, legal status and concern themes do not (good practice has none)."
    )
    if counts.is_empty():
        ui.empty(f"No good practice was recorded {ui.scope(build, f, period=True)}.")
    else:
        periods = (
            counts.select("period_start", "period_label")
            .unique()
            .sort("period_start")["period_label"]
            .to_list()
        )
        wide = counts.pivot(
            on="period_label", index=["theme_label", "theme_code"], values="records", aggregate_function="sum"
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
        event = ui.table(
            wide.rename({"theme_label": "Good-practice theme"}),
            f"good practice by {by} {ui.period_words(f)}",
            key=f"good_practice_{by}",
            kind=EXPORT_AGGREGATE,
            select="single-row" if scope.child_rows else None,
            hidden=("theme_code",),
        )
        rows = ui.selected_rows(event)
        if rows and scope.child_rows:
            code, label = wide["theme_code"][rows[0]], wide["theme_label"][rows[0]]
            st.subheader(f"Good practice: {ui.plain(label)}, {ui.period_words(f)}")
            records = data_learning.good_practice_records(build, scope, f, code)
            if records.is_empty():
                ui.empty("None of these records is one you may see.")
            else:
                ui.table(
                    ui.present(
                        records,
                        {
                            "recorded_on": "Seen on",
                            "fiscal_quarter_label": "Quarter",
                            "team_name": "Team",
                            "service_name": "Service",
                            "themes_label": "Themes",
                            "description": "What was good",
                            "iro_worker_id": "Recorded by (worker id)",
                        },
                    ),
                    f"good practice {label}",
                    key=f"good_practice_records_{by}",
                    kind=EXPORT_CHILD_LEVEL,
                )
    st.subheader("Concerns and good practice, by team and quarter")
    st.caption(
        "Theme mentions on challenges (every stage group) beside theme mentions on good practice, per "
        "team and quarter of the April to March year."
    )
    by_team = data_learning.concerns_and_good_practice_by_team(build, f)
    if by_team.is_empty():
        ui.empty(f"Nothing was recorded {ui.scope(build, f, period=True)}.")
        return
    ui.table(
        ui.present(
            by_team,
            {
                "period_label": "Quarter",
                "service_name": "Service",
                "team_name": "Team",
                "concern_themes": "Concern themes",
                "good_practice_themes": "Good-practice themes",
            },
        ),
        f"concerns and good practice by team and quarter {ui.period_words(f)}",
        key="concerns_good_practice_by_team",
        kind=EXPORT_AGGREGATE,
    )

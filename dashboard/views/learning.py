"""Impact and process: what changed for the child when challenges closed (the "impact of
escalations", by quarter of the April-March year), and the rest of the process counted by quarter and
route (IRO looked-after review, Conference Chair child protection conference): discussions in
supervision, pre-CAFCASS meetings, CAFCASS referrals and those with no pre-CAFCASS meeting before
them (listed, for roles that see cases)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import EXPORT_AGGREGATE, PAGE_AGGREGATE
from dashboard import auth, ui
from dashboard.data import learning as data_learning

scope = ui.user_scope()
auth.require_page(st.session_state.get("user"), scope, PAGE_AGGREGATE)
build = ui.require_build("Impact and process")
ui.header("Impact and process", build, period=True)
f = ui.filters()


def by_quarter(df: pl.DataFrame, row: str, value: str, label: str) -> pl.DataFrame:
    """Rows ``row``, a column per quarter in order, and a Total; an "All" row last."""
    quarters = (
        df.select("period_start", "period_label").unique().sort("period_start")["period_label"].to_list()
    )
    wide = (
        df.pivot(on="period_label", index=row, values=value, aggregate_function="sum")
        .fill_null(0)
        .select(row, *quarters)
    )
    wide = wide.with_columns(pl.sum_horizontal(quarters).alias("Total")).sort("Total", descending=True)
    total = {q: int(wide[q].sum()) for q in [*quarters, "Total"]}
    wide = pl.concat([wide, pl.DataFrame([{row: "All", **total}], schema=wide.schema)])
    return wide.rename({row: label})


st.subheader("Impact of escalations: what changed for the child")
impact = data_learning.escalation_impact(build, f)
if impact.is_empty():
    ui.empty(f"No challenge closed {ui.scope(build, f, period=True)}.")
else:
    closed = int(impact["challenges"].sum())
    changed = int(impact.filter(pl.col("is_change_for_child"))["challenges"].sum())
    recorded = int(impact.filter(pl.col("outcome_code") != "not_recorded")["challenges"].sum())
    st.caption(
        f"{ui.plural(closed, 'challenge')} closed {ui.period_words(f)}; an outcome for the child was "
        f"recorded for {recorded:,}, and {changed:,} ({changed / closed:.0%}) changed something for the child."
    )
    ui.table(
        by_quarter(impact, "outcome_label", "challenges", "Outcome for the child"),
        f"impact of escalations {ui.period_words(f)}",
        key="impact",
        kind=EXPORT_AGGREGATE,
    )

st.subheader("The process: supervision, pre-CAFCASS meetings and CAFCASS referrals, by route")
steps = data_learning.process_steps(build, f)
if steps.is_empty():
    ui.empty(f"Nothing was recorded {ui.scope(build, f, period=True)}.")
else:
    for route, label in data_learning.ROUTE_LABELS.items():
        part = steps.filter(pl.col("process_route") == route).with_columns(
            pl.col("step").replace_strict(data_learning.STEP_LABELS, default=pl.col("step")).alias("step")
        )
        st.markdown(f"**{ui.plain(label)}**")
        if part.is_empty():
            ui.empty(f"Nothing recorded on this route {ui.period_words(f)}.")
            continue
        ui.table(
            by_quarter(part, "step", "steps", "Step").filter(pl.col("Step") != "All"),
            f"process steps {route} {ui.period_words(f)}",
            key=f"steps_{route}",
            kind=EXPORT_AGGREGATE,
        )
    missing = int(steps.filter(pl.col("step") == "cafcass_referral_without_meeting")["steps"].sum())
    if missing:
        st.warning(
            f"{ui.plural(missing, 'CAFCASS referral')} {ui.period_words(f)} had no pre-CAFCASS meeting "
            "recorded before it.",
            icon=":material/warning:",
        )
        if scope.child_rows:
            cases = data_learning.referrals_without_meeting(build, scope, f)
            picked = ui.case_list(
                cases,
                "cafcass referrals without a pre-cafcass meeting",
                key="no_meeting_cases",
                columns={
                    "case_ref": "Case ref",
                    "cafcass_referred_on": "Referred on",
                    "team_name": "Team",
                    "status": "Status",
                    "pre_cafcass_meeting_on": "Meeting (after the referral)",
                    "challenge_id": "challenge_id",
                },
                empty_message="None of these referrals is one you may see.",
            )
            if picked:
                ui.case_timeline(build, picked, key="no_meeting_timeline")
                ui.timeline_link(picked)

"""QA checklist: the IRO Quality Assurance and Compliance checklist grades (Outstanding, Good,
Requires Improvement, Inadequate) by month, team and IRO, with the share Inadequate; under a protocol
where an Inadequate grade is a stage 1 escalation (Rotherham), those escalations, as cases."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import EXPORT_AGGREGATE, PAGE_AGGREGATE
from dashboard import auth, data, ui
from dashboard.data import learning as data_learning

scope = ui.user_scope()
auth.require_page(st.session_state.get("user"), scope, PAGE_AGGREGATE)
build = ui.require_build("QA checklist")
ui.header("QA checklist", build, period=True)
f = ui.filters()
info = data.build_info(build)

by = (
    st.segmented_control(
        "Grades by",
        ["month", "team", "iro"],
        default="month",
        key="qa_by",
        required=True,
        format_func={"month": "Month", "team": "Team", "iro": "IRO"}.get,
    )
    or "month"
)
counts = data_learning.qa_grade_counts(build, scope, f, by)
if counts.is_empty():
    ui.empty(f"No QA checklist was graded {ui.scope(build, f, period=True)}.")
    st.stop()

index = {
    "month": ["period_start", "period_label"],
    "team": ["service_name", "team_name"],
    "iro": ["iro_name", "iro_worker_id"],
}[by]
grades = list(data_learning.GRADE_LABELS)
wide = (
    counts.pivot(on="grade", index=index, values="grades", aggregate_function="sum")
    .fill_null(0)
    .with_columns(pl.lit(0, pl.Int64).alias(g) for g in grades if g not in counts["grade"].unique().to_list())
)
wide = wide.with_columns(pl.sum_horizontal(grades).alias("Total")).with_columns(
    (pl.col("inadequate") / pl.col("Total")).round(3).alias("share_inadequate")
)
esc = counts.group_by(index).agg(pl.col("escalations").sum())
wide = wide.join(esc, on=index, how="left").sort(index)
shown = wide.select(*index, *grades, "Total", "share_inadequate", "escalations").rename(
    {
        **data_learning.GRADE_LABELS,
        "share_inadequate": "Share Inadequate",
        "escalations": "Escalations (stage 1)",
    }
    | {"period_label": "Month", "team_name": "Team", "service_name": "Service", "iro_name": "IRO"},
    strict=False,
)
hidden = ("period_start", "iro_worker_id")
total = int(wide["Total"].sum())
inadequate = int(wide["inadequate"].sum())
st.caption(
    f"{ui.plural(total, 'checklist')} graded {ui.period_words(f)}; {inadequate:,} Inadequate "
    f"({inadequate / total:.0%})."
)
ui.table(
    shown,
    f"qa checklist grades by {by} {ui.period_words(f)}",
    key=f"qa_grades_{by}",
    kind=EXPORT_AGGREGATE,
    hidden=hidden,
    column_config={"Share Inadequate": st.column_config.NumberColumn("Share Inadequate", format="percent")},
)

st.subheader("Inadequate grades that are escalations")
protocol = ui.plain(info.get("protocol_name") or build.protocol)  # shown in Markdown captions
if not int(wide["escalations"].sum()):
    st.caption(
        f"Under the protocol in force ({protocol}), an Inadequate grade is not itself an escalation, or none "
        "was graded in this period."
    )
elif scope.child_rows:
    st.caption(
        f"Under {protocol}, an Inadequate grade is a stage 1 escalation. Select one to see its timeline."
    )
    cases = data_learning.qa_inadequate_escalations(build, scope, f)
    picked = ui.case_list(
        cases,
        "escalations from inadequate qa grades",
        key="qa_escalations",
        columns={
            "case_ref": "Case ref",
            "graded_on": "Graded on",
            "iro_name": "IRO",
            "team_name": "Team",
            "status": "Status",
            "current_stage_name": "Stage now",
            "legal_status": "Legal status",
            "challenge_id": "challenge_id",
        },
        empty_message="None of these escalations is one you may see.",
    )
    if picked:
        ui.case_timeline(build, picked, key="qa_timeline")
        ui.timeline_link(picked)
else:
    st.caption(
        f"{int(wide['escalations'].sum()):,} of these grades are stage 1 escalations under {protocol}."
    )

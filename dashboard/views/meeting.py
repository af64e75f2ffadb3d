"""Challenge meeting: the open stage 3 and 4 cases, most urgent first, who must respond by when,
what is overdue; select a case for its timeline; download the printable meeting pack."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import EXPORT_CHILD_LEVEL, PAGE_CHILD_LIST
from dashboard import auth, data, pack, ui

scope = ui.user_scope()
auth.require_page(st.session_state.get("user"), scope, PAGE_CHILD_LIST)
build = ui.require_build("Challenge meeting")
ui.header("Challenge meeting", build)
f = ui.filters()
as_at = data.as_at(build)
cases = data.meeting_cases(build, scope, f)
meeting_stages = data.meeting_stage_numbers(build)  # the protocol's: 3 and 4, Rotherham also 5

if cases.is_empty():
    ui.empty(
        f"No {pack.stages_words(meeting_stages, joiner='or')} cases are open {ui.scope(build, f) or ''} "
        f"as at {ui.long_date(as_at)}.".replace("  ", " ")
    )
    st.stop()

n_overdue = int(cases["is_awaiting_response_past_due"].sum())
n_cap = int(cases["is_cap_breached"].sum())
n_cafcass = int(cases["is_cafcass_referred"].sum())
cols = st.columns(4)
cols[0].metric(f"Open at {pack.stages_words(meeting_stages, joiner='or')}", f"{cases.height:,}", border=True)
cols[1].metric(
    "Responses overdue",
    f"{n_overdue:,}",
    border=True,
    help=ui.MEASURE_HELP["awaiting_response_past_due"],
)
cols[2].metric("Past the 20-working-day cap", f"{n_cap:,}", border=True)
cols[3].metric("Referred to CAFCASS", f"{n_cafcass:,}", border=True)

shown = cases.with_columns(
    stage=pl.format("Stage {}: {}", pl.col("current_stage"), pl.col("current_stage_name")),
    responder=pl.struct("responsible_name", "responsible_role", "response_due_on").map_elements(
        lambda r: pack.responder_words(r["responsible_name"], r["responsible_role"], r["response_due_on"]),
        return_dtype=pl.String,
    ),
    overdue_words=pl.when(pl.col("is_awaiting_response_past_due"))
    .then(pl.format("OVERDUE {} working days", pl.col("working_days_overdue")))
    .when(pl.col("is_responded_late"))
    .then(pl.format("Responded late ({} working days)", pl.col("working_days_overdue")))
    .otherwise(pl.lit("")),
)
table = ui.present(
    shown,
    {
        "urgency_rank": "Urgency",
        "case_ref": "Case ref",
        "stage": "Stage",
        "responder": "Must respond",
        "response_due_on": "Response due",
        "overdue_words": "Overdue",
        "days_open": "Days open",
        "team_name": "Team",
        "legal_status": "Legal status",
        "cap_due_on": "20-day cap",
        "is_cap_breached": "Past cap",
        "is_cafcass_referred": "CAFCASS",
        "themes_label": "Themes",
        "iro_name": "IRO / Chair",
        "working_days_open": "Working days open",
        "challenge_id": "challenge_id",
    },
)

st.subheader(f"Open {pack.stages_words(meeting_stages)} cases, most urgent first")
st.caption(
    "Rows in red are awaiting a response past its due date. A response that came after its due date"
    " shows as responded late. Select a row for the case's timeline."
)
styler = ui.highlight(table, shown["is_awaiting_response_past_due"].to_list(), hidden=("challenge_id",))
event = ui.table(
    table,
    "challenge meeting cases",
    key="meeting_cases",
    select="single-row",
    styler=styler,
    hidden=("challenge_id",),
    column_config={"Themes": st.column_config.TextColumn("Themes", width="large")},
)
rows = ui.selected_rows(event)

if scope.may_export(EXPORT_CHILD_LEVEL):
    html = pack.meeting_pack(
        cases=cases,
        episodes={cid: data.case_episodes(build, scope, cid) for cid in cases["challenge_id"].to_list()},
        as_at=as_at,
        built_at=build.built_at,
        protocol=data.build_info(build).get("protocol_name") or build.protocol,
        scope=ui.scope(build, f),
        stages=meeting_stages,
    )
    st.download_button(
        "Download the meeting pack (HTML, prints to A4)",
        ui._audited(
            lambda: html.encode("utf-8"),
            {"table": "meeting pack", "kind": "child_level", "rows": cases.height},
        ),
        file_name=f"challenge-meeting-pack-as-at-{build.as_at}.html",
        mime="text/html",
        key="meeting_pack",
        icon=":material/print:",
        type="primary",
        on_click="ignore",
    )

if rows:
    challenge_id = table["challenge_id"][rows[0]]
    st.divider()
    ui.case_timeline(build, challenge_id, key="meeting_timeline")
    ui.timeline_link(challenge_id)

"""Challenge meeting: the open stage 3 and 4 cases, most urgent first, who must respond by when,
what is overdue; select a case for its timeline; download the printable meeting pack."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import EXPORT_CHILD_LEVEL, PAGE_CHILD_LIST
from dashboard import auth, data, pack, ui
from dashboard.text import working_days

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
cols[0].metric(
    f"Open at {ui.plain(pack.stages_words(meeting_stages, joiner='or'))}", f"{cases.height:,}", border=True
)
cols[1].metric(
    "Responses overdue",
    f"{n_overdue:,}",
    border=True,
    help=ui.MEASURE_HELP["awaiting_response_past_due"],
)
cols[2].metric("Past the 20-working-day cap", f"{n_cap:,}", border=True)
cols[3].metric("Referred to CAFCASS", f"{n_cafcass:,}", border=True)

# Words for each row are made in Python over the column's values, not with polars' map_elements:
# a Python callback inside a polars query holds the GIL from polars' threads and froze the server
# under a room of viewers (tests/dashboard/test_no_python_callbacks.py).
_days = pl.Series(
    "overdue_days_words", [working_days(n) for n in cases["working_days_overdue"].to_list()], dtype=pl.String
)
# the name (or, at a stage with no deadline, that no response is due)
_responders = pl.Series(
    "responder",
    [
        pack.responder_words(name, None, due)
        for name, due in zip(
            cases["responsible_name"].to_list(), cases["response_due_on"].to_list(), strict=True
        )
    ],
    dtype=pl.String,
)
shown = (
    cases.with_columns(_days, _responders)
    .with_columns(
        stage=pl.format("Stage {}: {}", pl.col("current_stage"), pl.col("current_stage_name")),
        # the person's own role (not the stage's) in its own column
        responder_role_words=pl.col("responsible_role").str.replace_all("_", " "),
        overdue_words=pl.when(pl.col("is_awaiting_response_past_due"))
        .then(pl.format("OVERDUE {}", pl.col("overdue_days_words")))
        .when(pl.col("is_responded_late"))
        .then(pl.format("Responded late ({})", pl.col("overdue_days_words")))
        .otherwise(pl.lit("")),
    )
    .drop("overdue_days_words")
)
several_protocols = ui.several_protocols(build)  # then each case's protocol version is named
table = ui.present(
    shown if several_protocols else shown.drop("protocol_name"),
    {
        "urgency_rank": "Urgency",
        "case_ref": "Case ref",
        "stage": "Stage",
        "responder": "Must respond",
        "responder_role_words": "Responder's role",
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
        "protocol_name": "Protocol",
        "challenge_id": "challenge_id",
    },
)

st.subheader(f"Open {ui.plain(pack.stages_words(meeting_stages))} cases, most urgent first")
st.caption(
    "Rows in red are awaiting a response past its due date (a late response shows as responded late)."
    " Select a row for the rest of the case "
    "(legal status, 20-day cap, CAFCASS, themes, IRO) and its timeline; the downloads have every column."
)
# What the meeting discusses fits a projector at 1366 px without sideways scrolling; the rest of each
# row opens below when it is selected (and is in the downloads).
DETAIL_COLUMNS = (
    "Urgency",
    "Responder's role",
    "Legal status",
    "20-day cap",
    "Past cap",
    "CAFCASS",
    "Themes",
    "IRO / Chair",
    "Working days open",
) + (("Protocol",) if several_protocols else ())
hidden = ("challenge_id", *DETAIL_COLUMNS)
styler = ui.highlight(table, shown["is_awaiting_response_past_due"].to_list(), hidden=hidden)
event = ui.table(
    table,
    "challenge meeting cases",
    key="meeting_cases",
    select="single-row",
    styler=styler,
    hidden=hidden,
    column_config={
        name: (
            st.column_config.DateColumn(name, format="D MMM YYYY", width=width)
            if name == "Response due"
            else st.column_config.Column(name, width=width)
        )
        for name, width in ui.MEETING_COLUMN_WIDTHS.items()
    },
)
rows = ui.selected_rows(event)

if scope.may_export(EXPORT_CHILD_LEVEL):
    # Made when asked for (one query per case for its history), not on every run of the page; kept
    # for this session until the build or the filters change.
    pack_key = f"{build.build_id}|{f!r}"
    ready = st.session_state.get("_meeting_pack_pdf")
    fresh = ready is not None and ready[0] == pack_key
    if not fresh and st.button(
        "Prepare the meeting pack (PDF)", key="meeting_pack_prepare", icon=":material/print:"
    ):
        with st.spinner("Preparing the meeting pack…"):
            html = pack.meeting_pack(
                cases=cases,
                episodes={
                    cid: data.case_episodes(build, scope, cid) for cid in cases["challenge_id"].to_list()
                },
                as_at=as_at,
                built_at=build.built_at,
                protocol=data.build_info(build).get("protocol_name") or build.protocol,
                scope=ui.scope(build, f),
                stages=meeting_stages,
            )
            ready = (pack_key, pack.meeting_pack_pdf(html))
            st.session_state["_meeting_pack_pdf"] = ready
    if ready is not None and ready[0] == pack_key:
        pdf = ready[1]
        st.download_button(
            "Download the meeting pack (PDF, A4)",
            ui._audited(
                lambda: pdf,
                {"table": "meeting pack", "kind": "child_level", "rows": cases.height, "format": "pdf"},
            ),
            file_name=f"challenge-meeting-pack-as-at-{build.as_at}.pdf",
            mime="application/pdf",
            key="meeting_pack",
            icon=":material/print:",
            type="primary",
            on_click="ignore",
        )

if rows:
    challenge_id = table["challenge_id"][rows[0]]
    st.divider()
    ui.row_details(table.row(rows[0], named=True), DETAIL_COLUMNS)
    ui.case_timeline(build, challenge_id, key="meeting_timeline")
    ui.timeline_link(challenge_id)

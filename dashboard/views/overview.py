"""Overview: headline figures as at the live build, each against the end of the previous month,
the cases behind every figure, and escalations by stage over time."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import PAGE_AGGREGATE
from accounts.suppression import hide_in_long
from dashboard import auth, data, ui
from reports import charts

scope = ui.user_scope()
auth.require_page(st.session_state.get("user"), scope, PAGE_AGGREGATE)
build = ui.require_build("Overview")
ui.header("Overview", build)
f = ui.filters()
as_at = data.as_at(build)
prev = data.previous_month_end(as_at)
now = data.headline(build, f, as_at)
before = data.headline(build, f, prev)
stage_rows = data.stages(build)
stage_names = {r["stage_key"]: r for r in stage_rows.iter_rows(named=True)}
by_stage_now = {
    r["stage_key"]: r["challenges"] for r in data.open_by_stage(build, f, as_at).iter_rows(named=True)
}
by_stage_before = {
    r["stage_key"]: r["challenges"] for r in data.open_by_stage(build, f, prev).iter_rows(named=True)
}
month_so_far = data.responses_in_time(build, f, data.month_start(as_at), as_at)
last_month = data.responses_in_time(build, f, data.month_start(prev), prev)
since = f"since {ui.short_date(prev)}"

if now["open_challenges"] == 0 and before["open_challenges"] == 0:
    ui.empty(
        f"No challenges are open {ui.scope(build, f) or ''} as at {ui.long_date(as_at)}, "
        f"and none were at the end of {prev:%B %Y}.".replace("  ", " ")
    )


def metric(
    col,
    label: str,
    value: int,
    previous: int,
    *,
    bad_when_up: bool = True,
    help: str | None = None,
    hidden: tuple[bool, bool] = (False, False),
):
    """A card: the figure now, the change since the previous month end (not shown if either figure
    is hidden by small-number suppression, which would give it back)."""
    col.metric(
        label,
        ui.figure(value, hidden[0]),
        delta=None if any(hidden) else value - previous,
        delta_color="inverse" if bad_when_up else "off",
        help=(help + " " if help else "") + f"At {ui.short_date(prev)}: {ui.figure(previous, hidden[1])}.",
        border=True,
    )


def hidden_pairs(now_values: dict, before_values: dict, total: str | None = None) -> dict:
    """Per figure, whether it is hidden now and at the previous month end (ui.figures_shown)."""
    a, b = ui.figures_shown(now_values, total), ui.figures_shown(before_values, total)
    return {k: (a[k], b[k]) for k in now_values}


st.subheader(f"Open challenges as at {ui.long_date(as_at)}, by stage")
st.caption(f"Under each figure: the change {since} (the end of the previous month).")
stage_keys = [k for k in stage_names if k != "cafcass"]
cols = st.columns(len(stage_keys) + 1)
# "All open" is the sum of the stage cards: hidden together so that it gives no hidden stage back
open_hidden = hidden_pairs(
    {"open": now["open_challenges"], **{k: by_stage_now.get(k, 0) for k in stage_keys}},
    {"open": before["open_challenges"], **{k: by_stage_before.get(k, 0) for k in stage_keys}},
    total="open",
)
metric(
    cols[0],
    "All open",
    now["open_challenges"],
    before["open_challenges"],
    bad_when_up=False,
    help="Positive Challenges and Formal Escalations not yet resolved or withdrawn.",
    hidden=open_hidden["open"],
)
for col, key in zip(cols[1:], stage_keys, strict=True):
    r = stage_names[key]
    label = "Informal" if key == "informal" else r["stage_label"]
    metric(
        col,
        label,
        by_stage_now.get(key, 0),
        by_stage_before.get(key, 0),
        bad_when_up=key != "informal",
        help="Positive Challenges to the team." if key == "informal" else f"{r['stage_name']} to respond.",
        hidden=open_hidden[key],
    )

st.subheader("Timeliness")
cols = st.columns(4)
timely = ("overdue", "cap_breached", "cafcass_referred")
timely_hidden = hidden_pairs({k: now[k] for k in timely}, {k: before[k] for k in timely})
metric(
    cols[0],
    "Responses overdue",
    now["overdue"],
    before["overdue"],
    hidden=timely_hidden["overdue"],
    help=ui.MEASURE_HELP["awaiting_response_past_due"],
)
metric(
    cols[1],
    "Past 20-day cap",
    now["cap_breached"],
    before["cap_breached"],
    hidden=timely_hidden["cap_breached"],
    help=ui.MEASURE_HELP["cap_breached"],
)
metric(
    cols[2],
    "CAFCASS referrals",
    now["cafcass_referred"],
    before["cafcass_referred"],
    hidden=timely_hidden["cafcass_referred"],
    help="Open challenges about looked-after children that have been referred to CAFCASS.",
)
share_now, share_before = month_so_far["share"], last_month["share"]


def in_time_hidden(r: dict) -> dict:
    """Responses due = in time + late: a share gives both back, so it is hidden with any of them."""
    return ui.figures_shown(
        {"due": r["due"], "in_time": r["in_time"], "late": (r["due"] or 0) - (r["in_time"] or 0)}, total="due"
    )


hid_now, hid_before = in_time_hidden(month_so_far), in_time_hidden(last_month)
share_hidden_now, share_hidden_before = any(hid_now.values()), any(hid_before.values())
part_month = as_at != data.month_end(as_at)  # a part month is never compared as if whole
points = None if share_now is None or share_before is None else round((share_now - share_before) * 100)
cols[3].metric(
    f"In time, 1-{as_at.day} {as_at:%b} (part month)" if part_month else f"In time, {as_at:%B}",
    "no responses due"
    if share_now is None
    else (ui.figure(None, True) if share_hidden_now else f"{share_now:.0%}"),
    delta=None
    if part_month or points is None or share_hidden_now or share_hidden_before
    else f"{points:+d} points",
    delta_color="off" if points == 0 else "normal",
    help=f"Of {ui.figure(month_so_far['due'], hid_now['due'])} stage responses due from 1 {as_at:%B} to "
    f"{ui.short_date(as_at)}, {ui.figure(month_so_far['in_time'], hid_now['in_time'])} came on or before the "
    f"due date. {prev:%B}: {ui.figure(last_month['in_time'], hid_before['in_time'])} of "
    f"{ui.figure(last_month['due'], hid_before['due'])}.",
    border=True,
)

# Every number leads to its cases.
figures = {
    "overdue": "Responses overdue",
    "cap_breached": "Past the cap",
    "cafcass_referred": "CAFCASS referrals",
    "stage_3_4": "Stages 3 and 4",
    "open": "All open",
}
figures |= {
    f"stage:{k}": ("Informal" if k == "informal" else stage_names[k]["stage_label"]) for k in stage_keys
}
figures["responses"] = f"Responses due in {as_at:%B}"
if not ui.role_shows_no_cases(scope, "the cases behind these figures"):
    with st.expander("**Show the cases behind these figures**", expanded=False, icon=":material/list:"):
        choice = st.segmented_control(
            "Cases",
            list(figures),
            format_func=figures.get,
            default="overdue",
            key="overview_figure",
            label_visibility="collapsed",
        )
        choice = choice or "overdue"
        if choice == "responses":
            cases = data.responses_due_cases(build, scope, f, data.month_start(as_at), as_at)
            picked = ui.case_list(
                cases,
                f"responses due {as_at:%B %Y}",
                key="overview_cases_responses",
                columns={
                    "case_ref": "Case ref",
                    "stage_name": "Stage",
                    "team_name": "Team",
                    "legal_status": "Legal status",
                    "responsible_name": "Must respond",
                    "entered_on": "Sent",
                    "response_due_on": "Response due",
                    "responded_on": "Responded",
                    "in_time": "In time",
                    "challenge_id": "challenge_id",
                },
                empty_message=f"No stage responses were due from 1 {as_at:%B} to {ui.long_date(as_at)}.",
            )
        else:
            figure, stage_key = (
                ("open", choice.split(":", 1)[1]) if choice.startswith("stage:") else (choice, None)
            )
            cases = data.snapshot_cases(build, scope, f, as_at, figure, stage_key)
            picked = ui.case_list(
                cases,
                f"{figures[choice]} as at {as_at}",
                key=f"overview_cases_{choice}",
                empty_message=f"No cases: {figures[choice].lower()} is 0 as at {ui.long_date(as_at)}.",
            )
        if picked:
            ui.case_timeline(build, picked, key="overview_timeline")
            ui.timeline_link(picked)

# Trends over the chosen period.
st.subheader(f"Escalations by stage, {ui.period_words(f)}")
report_stages = stage_rows.filter(pl.col("stage_key") != "informal")
order = report_stages["stage_label"].to_list()
counts = data.monthly_stage_counts(build, f)
counts = (
    counts.filter(pl.col("stage_key") != "informal")
    .join(
        report_stages.select("stage_key", "stage_label", pl.int_range(pl.len()).alias("stage_order")),
        on="stage_key",
        how="inner",
    )
    .rename({"month_start": "month"})
)
left, right = st.columns(2)
with left:
    if counts.is_empty() or counts["entries"].sum() == 0:
        ui.empty(f"No escalations started {ui.scope(build, f, period=True)}.")
    else:
        if ui.suppressing():  # as the Monthly report's table hides them: those bars are not drawn
            counts = hide_in_long(counts, row="month", column="stage_label", value="entries")
        ui.chart(
            charts.monthly_stage_bars,
            counts,
            order,
            title="Escalations started each month",
            key="overview_bars",
        )
with right:
    ends = []
    m = f.month_from or data.month_start(as_at)
    last = f.month_to or data.month_start(as_at)
    while m <= last:
        ends.append(min(data.month_end(m), as_at))
        m = data.add_months(m, 1)
    trend = data.open_trend(build, f, tuple(ends))
    open_order = ["Informal", *[lbl for lbl in order if lbl != data.CAFCASS_LABEL]]
    if trend.is_empty():
        ui.empty(f"No challenges were open at any month end {ui.scope(build, f, period=True)}.")
    else:
        trend = trend.join(stage_rows.select("stage_key", "stage_label"), on="stage_key").with_columns(
            pl.when(pl.col("stage_key") == "informal")
            .then(pl.lit("Informal"))
            .otherwise(pl.col("stage_label"))
            .alias("stage_label")
        )
        if ui.suppressing():  # each month end hidden as the cards hide the figures at a month end
            trend = hide_in_long(trend, row="on", column="stage_label", value="challenges", total_row=False)
        ui.chart(
            charts.open_trend_lines,
            trend,
            open_order,
            title="Open challenges at each month end",
            key="overview_trend",
        )

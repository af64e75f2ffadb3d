"""Altair charts for a projected screen: large type, a colour-blind-safe palette (Okabe and Ito),
at most a handful of colours, axis titles in managers' words. ``style`` is the one theme helper;
pages show charts through ``ui.chart``, which applies it."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import polars as pl

# Okabe-Ito colours, strongest contrast on white first (yellow left out: unreadable on a projector).
BLUE, ORANGE, GREEN, PURPLE, VERMILLION, SKY, GREY, BLACK = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#8C8C8C",
    "#000000",
)
PALETTE = [BLUE, ORANGE, GREEN, PURPLE, VERMILLION, SKY]
STAGE_COLOURS = {
    "Informal": GREY,
    "Stage 1": SKY,
    "Stage 2": BLUE,
    "Stage 3": ORANGE,
    "Stage 4": VERMILLION,
    "Stage 5": PURPLE,
    "Contact with CAFCASS": PURPLE,
    "CAFCASS referral": PURPLE,
}
FONT = "Source Sans Pro, Arial, sans-serif"


def style(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The one chart theme: big type for the back of the room, quiet grid, legend on top."""
    return (
        chart.configure(font=FONT)
        .configure_axis(
            labelFontSize=16,
            titleFontSize=17,
            titleFontWeight="normal",
            labelColor="#222",
            titleColor="#222",
            gridColor="#e6e6e6",
            domainColor="#888",
            tickColor="#888",
            labelLimit=320,
        )
        .configure_legend(
            labelFontSize=16, titleFontSize=16, orient="top", symbolSize=220, labelLimit=420, columns=0
        )
        .configure_title(fontSize=20, anchor="start", fontWeight="bold", offset=12)
        .configure_view(strokeWidth=0)
        .configure_text(fontSize=15)
    )


def stage_colour_scale(labels: list[str]) -> alt.Scale:
    colours = [STAGE_COLOURS.get(lbl, PALETTE[i % len(PALETTE)]) for i, lbl in enumerate(labels)]
    return alt.Scale(domain=labels, range=colours)


def monthly_stage_bars(
    long: pl.DataFrame, stage_order: list[str], *, title: str, y_title: str = "Escalations started"
) -> alt.Chart:
    """Stacked bars: entries per month by stage. ``long`` has month (date), stage_label, entries."""
    months = sorted(set(long["month"].to_list()))
    df = long.with_columns(month_label=pl.col("month").dt.strftime("%b %Y"))
    return (
        alt.Chart(df.to_pandas(), title=title)
        .mark_bar()
        .encode(
            x=alt.X(
                "month_label:O",
                title=None,
                sort=[f"{m:%b %Y}" for m in months],
                axis=alt.Axis(labelAngle=-40),
            ),
            y=alt.Y("sum(entries):Q", title=y_title, axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "stage_label:N",
                title=None,
                scale=stage_colour_scale(stage_order),
                sort=stage_order,
                legend=alt.Legend(columns=3),
            ),
            order=alt.Order("stage_order:Q"),
            tooltip=[
                alt.Tooltip("month_label:N", title="Month"),
                alt.Tooltip("stage_label:N", title="Stage"),
                alt.Tooltip("entries:Q", title="Escalations"),
            ],
        )
        .properties(height=380)
    )


def open_trend_lines(df: pl.DataFrame, stage_order: list[str], *, title: str) -> alt.Chart:
    """Lines: open challenges at each month end, by stage. ``df`` has on (date), stage_label, challenges."""
    ends = sorted(set(df["on"].to_list()))
    df = df.with_columns(month_label=pl.col("on").dt.strftime("%b %Y"))
    return (
        alt.Chart(df.to_pandas(), title=title)
        .mark_line(point=alt.OverlayMarkDef(size=70), strokeWidth=3)
        .encode(
            x=alt.X(
                "month_label:O",
                title="End of month",
                sort=[f"{d:%b %Y}" for d in ends],
                axis=alt.Axis(labelAngle=-40),
            ),
            y=alt.Y("challenges:Q", title="Open challenges", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "stage_label:N",
                title=None,
                scale=stage_colour_scale(stage_order),
                sort=stage_order,
                legend=alt.Legend(columns=3),
            ),
            tooltip=[
                alt.Tooltip("on:T", title="Date", format="%-d %b %Y"),
                alt.Tooltip("stage_label:N", title="Stage"),
                alt.Tooltip("challenges:Q", title="Open"),
            ],
        )
        .properties(height=380)
    )


def theme_trend_lines(df: pl.DataFrame, *, title: str, period_order: list[str]) -> alt.Chart:
    """Lines: challenges per period for a handful of themes. ``df``: period_label, theme_label, challenges."""
    themes = (
        df.group_by("theme_label")
        .agg(pl.col("challenges").sum())
        .sort(["challenges", "theme_label"], descending=[True, False])["theme_label"]
        .to_list()
    )
    return (
        alt.Chart(df.to_pandas(), title=title)
        .mark_line(point=alt.OverlayMarkDef(size=80), strokeWidth=3)
        .encode(
            x=alt.X("period_label:O", title=None, sort=period_order, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("challenges:Q", title="Challenges with this theme", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "theme_label:N",
                title=None,
                sort=themes,
                legend=alt.Legend(columns=2),
                scale=alt.Scale(domain=themes, range=PALETTE[: len(themes)]),
            ),
            tooltip=[
                alt.Tooltip("period_label:N", title="Period"),
                alt.Tooltip("theme_label:N", title="Theme"),
                alt.Tooltip("challenges:Q", title="Challenges"),
            ],
        )
        .properties(height=400)
    )


def bar_by_category(
    df: pl.DataFrame,
    category: str,
    value: str,
    *,
    title: str,
    x_title: str,
    colour: str = BLUE,
    highlight: str | None = None,
    x_max: float | None = None,
) -> alt.Chart:
    """Horizontal bars, longest first (for counts by theme, team or manager)."""
    enc_colour = (
        alt.condition(f"datum['{highlight}']", alt.value(VERMILLION), alt.value(colour))
        if highlight
        else alt.value(colour)
    )
    height = max(160, 34 * df.height)
    base = alt.Chart(df.to_pandas(), title=title).encode(
        y=alt.Y(f"{category}:N", title=None, sort="-x"),
        x=alt.X(
            f"{value}:Q",
            title=x_title,
            axis=alt.Axis(tickMinStep=1, tickCount=5),
            scale=alt.Scale(domain=[0, x_max]) if x_max else alt.Undefined,
        ),
        tooltip=[alt.Tooltip(f"{category}:N", title=" "), alt.Tooltip(f"{value}:Q", title=x_title)],
    )
    bars = base.mark_bar().encode(color=enc_colour)
    labels = base.mark_text(align="left", dx=5, fontSize=15).encode(text=f"{value}:Q")
    return (bars + labels).properties(height=height)


TIMELINE_STATUS = {
    "Responded, still open": BLUE,
    "Escalated": ORANGE,
    "Bypassed": PURPLE,
    "Resolved": GREEN,
    "Withdrawn": GREY,
    "Awaiting response": SKY,
    "Overdue": VERMILLION,
    "CAFCASS referral": BLACK,
}


def stage_ending(e: dict, following: dict | None) -> str:
    """How a stage ended (its bar's colour on the timeline): the dbt outcome, an escalation into a
    bypassed stage told apart as "Bypassed", an open stage by whether it is awaiting past due."""
    if e["stage_key"] == "cafcass":
        return "CAFCASS referral"
    outcome = e["outcome"]
    if outcome == "escalated":
        return "Bypassed" if following is not None and following["is_bypassed_into"] else "Escalated"
    if outcome in ("resolved", "withdrawn"):
        return outcome.capitalize()
    if outcome == "responded":
        return "Responded, still open"
    return "Overdue" if e.get("is_awaiting_response_past_due") else "Awaiting response"


def timeline_rows(episodes: pl.DataFrame, as_at: date, summary: dict) -> list[dict]:
    """The timeline's bars: one per stage, from the day it was entered to the day it ended (the
    escalation, bypass, resolution or withdrawal; the as-at date while open), with how it ended."""
    rows = []
    eps = episodes.to_dicts()
    stages = [e for e in eps if e["stage_key"] != "cafcass"]
    for e in eps:
        following = None
        if e["stage_key"] != "cafcass":
            i = stages.index(e)
            following = stages[i + 1] if i + 1 < len(stages) else None
        status = stage_ending(e, following)
        if e["stage_key"] == "cafcass":
            label = "CAFCASS referral"
            end = summary.get("closed_on") or as_at
        else:
            label = (
                e["stage_name"] if not e["stage_number"] else f"Stage {e['stage_number']}: {e['stage_name']}"
            )
            if e["is_bypassed_into"]:
                label += " (bypass)"
            end = e["ended_on"] or as_at
        start = e["entered_on"]
        if e["responded_on"]:
            response = (
                f"responded {'in time' if e['is_responded_in_time'] else 'late'} {e['responded_on']:%d %b %Y}"
            )
        elif e["response_due_on"] is None:
            response = "no deadline"
        else:
            response = "no response"
        ended_words = (
            f"{status.lower()} {end:%d %b %Y}"
            if e["stage_key"] != "cafcass" and e["ended_on"]
            else f"{status.lower()} as at {as_at:%d %b %Y}"
        )
        rows.append(
            {
                "stage": label,
                "start": start,
                "end": max(end, start) + timedelta(days=1) if end == start else end,
                "due": e["response_due_on"],
                "responded": e["responded_on"],
                "status": status,
                "text": f"{ended_words} ({response})",
                "entered": start.strftime("%d %b %Y"),
                "ended": end.strftime("%d %b %Y"),
                "responsible": e["responsible_name"] or "",
            }
        )
    return rows


def timeline(episodes: pl.DataFrame, as_at: date, summary: dict) -> alt.LayerChart:
    """One challenge: each stage a bar from entered to ended (timeline_rows), coloured and labelled
    by how it ended; the response due date a black tick, the response a white dot, the as-at date
    and the 20-working-day cap as rules."""
    df = pl.DataFrame(timeline_rows(episodes, as_at, summary))
    order = df["stage"].to_list()
    pdf = df.to_pandas()
    y = alt.Y("stage:N", title=None, sort=order, axis=alt.Axis(labelFontSize=16))
    statuses = [s for s in TIMELINE_STATUS if s in set(df["status"])]
    bars = (
        alt.Chart(pdf)
        .mark_bar(height=26, cornerRadius=3)
        .encode(
            x=alt.X("start:T", title=None, axis=alt.Axis(format="%-d %b %Y", labelAngle=-30, tickCount=8)),
            x2="end:T",
            y=y,
            color=alt.Color(
                "status:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(domain=statuses, range=[TIMELINE_STATUS[s] for s in statuses]),
            ),
            tooltip=[
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("entered:N", title="Entered"),
                alt.Tooltip("ended:N", title="Ended"),
                alt.Tooltip("due:T", title="Response due", format="%d %b %Y"),
                alt.Tooltip("responsible:N", title="Responds"),
                alt.Tooltip("status:N", title="How it ended"),
                alt.Tooltip("text:N", title=" "),
            ],
        )
    )
    due = (
        alt.Chart(pdf)
        .transform_filter("datum.due != null")
        .mark_tick(color=BLACK, thickness=4, size=40)
        .encode(x="due:T", y=y, tooltip=[alt.Tooltip("due:T", title="Response due", format="%d %b %Y")])
    )
    replies = (
        alt.Chart(pdf)
        .transform_filter("datum.responded != null")
        .mark_point(shape="circle", filled=True, size=120, color="white", stroke=BLACK, strokeWidth=2)
        .encode(
            x="responded:T", y=y, tooltip=[alt.Tooltip("responded:T", title="Response", format="%d %b %Y")]
        )
    )
    words = (
        alt.Chart(pdf)
        .mark_text(align="left", dx=6, dy=-20, fontSize=13, color="#222")
        .encode(x="start:T", y=y, text="text:N")
    )
    marks = [{"when": as_at, "what": f"As at {as_at:%-d %b %Y}", "align": "right", "dx": -5}]
    if summary.get("cap_due_on"):
        cap_first = summary["cap_due_on"] < as_at
        marks.append(
            {
                "when": summary["cap_due_on"],
                "what": "20-working-day cap",
                "align": "right" if cap_first else "left",
                "dx": -5 if cap_first else 5,
            }
        )
        if cap_first:  # the two labels would meet: the earlier one goes on the left of its line
            marks[0].update(align="left", dx=5)
    rules_df = pl.DataFrame(marks).to_pandas()
    rules = (
        alt.Chart(rules_df)
        .mark_rule(strokeDash=[6, 4], strokeWidth=2, color="#444")
        .encode(
            x="when:T",
            tooltip=[
                alt.Tooltip("what:N", title=" "),
                alt.Tooltip("when:T", format="%-d %b %Y", title="Date"),
            ],
        )
    )
    rule_text = [
        alt.Chart(rules_df[rules_df["align"] == a])
        .mark_text(
            align=a, dx=(5 if a == "left" else -5), dy=-6, fontSize=14, color="#444", baseline="bottom"
        )
        .encode(x="when:T", y=alt.value(0), text="what:N")
        for a in ("left", "right")
        if (rules_df["align"] == a).any()
    ]
    # A step height (not a number): with a fixed number the labelled rules squash the bands.
    return alt.layer(bars, due, replies, words, rules, *rule_text).properties(
        height=alt.Step(52),
        width="container",
        title=alt.TitleParams(
            "Stages: bar = entered to ended, coloured by how it ended; black tick = response due; "
            "white dot = response",
            fontSize=18,
        ),
    )

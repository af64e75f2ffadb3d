"""The case timeline's bars end where each stage ended and say how (issue 15): the challenge of the
issue, escalated in the app 1 -> 2 -> bypass to 4 -> response -> resolved."""

from __future__ import annotations

from datetime import date

import polars as pl

from reports import charts

AS_AT = date(2026, 10, 30)


def episode(**kw) -> dict:
    base = {
        "stage_key": "stage_1",
        "stage_number": 1,
        "stage_name": "Team Manager",
        "entered_on": None,
        "response_due_on": None,
        "responded_on": None,
        "is_responded_in_time": None,
        "is_bypassed_into": False,
        "outcome": "open",
        "ended_on": None,
        "is_open": True,
        "is_awaiting_response_past_due": False,
        "responsible_name": "A Manager",
    }
    return base | kw


def test_escalated_and_bypassed_stages_end_at_the_escalation_not_the_resolution():
    eps = pl.DataFrame(
        [
            episode(
                entered_on=date(2026, 9, 1),
                response_due_on=date(2026, 9, 8),
                outcome="escalated",
                ended_on=date(2026, 9, 3),
                is_open=False,
            ),
            episode(
                stage_key="stage_2",
                stage_number=2,
                stage_name="Service Manager",
                entered_on=date(2026, 9, 3),
                response_due_on=date(2026, 9, 10),
                outcome="escalated",
                ended_on=date(2026, 9, 7),
                is_open=False,
            ),
            episode(
                stage_key="stage_4",
                stage_number=4,
                stage_name="Director",
                entered_on=date(2026, 9, 7),
                response_due_on=date(2026, 9, 14),
                responded_on=date(2026, 9, 16),
                is_responded_in_time=False,
                is_bypassed_into=True,
                outcome="resolved",
                ended_on=date(2026, 9, 21),
                is_open=False,
            ),
        ]
    )
    rows = charts.timeline_rows(eps, AS_AT, {"closed_on": date(2026, 9, 21)})
    assert [(r["end"], r["status"]) for r in rows] == [
        (date(2026, 9, 3), "Escalated"),
        (date(2026, 9, 7), "Bypassed"),
        (date(2026, 9, 21), "Resolved"),
    ]
    assert "no response" in rows[0]["text"] and "No response recorded" not in str(rows)
    assert rows[1]["text"].startswith("bypassed 07 Sep 2026")
    assert "responded late 16 Sep 2026" in rows[2]["text"]
    assert rows[2]["stage"].endswith("(bypass)")
    charts.timeline(eps, AS_AT, {"closed_on": date(2026, 9, 21), "cap_due_on": None}).to_dict()


def test_open_stages_run_to_the_as_at_date_awaiting_overdue_or_responded():
    eps = pl.DataFrame(
        [
            episode(
                entered_on=date(2026, 10, 1),
                response_due_on=date(2026, 10, 8),
                outcome="withdrawn",
                ended_on=date(2026, 10, 2),
                is_open=False,
            ),
            episode(
                entered_on=date(2026, 10, 1),
                response_due_on=date(2026, 10, 8),
                is_awaiting_response_past_due=True,
            ),
            episode(entered_on=date(2026, 10, 26), response_due_on=date(2026, 11, 2)),
            episode(
                entered_on=date(2026, 10, 1),
                response_due_on=date(2026, 10, 8),
                responded_on=date(2026, 10, 5),
                is_responded_in_time=True,
                outcome="responded",
            ),
        ]
    )
    statuses = [charts.stage_ending(e, None) for e in eps.to_dicts()]
    assert statuses == ["Withdrawn", "Overdue", "Awaiting response", "Responded, still open"]
    rows = charts.timeline_rows(eps, AS_AT, {"closed_on": None})
    assert [r["end"] for r in rows] == [date(2026, 10, 2), AS_AT, AS_AT, AS_AT]


def test_the_case_events_fit_a_projector_without_scrolling_sideways():
    """Issue 16: the events table under the timeline at 1366 px: every column as wide as its heading
    and cells need, the Detail the rest of the page's width (a long one shows in full on hover and
    in the downloads), so the Source column is never cut off."""
    from dashboard import ui

    events = pl.DataFrame(
        {
            "Date": [date(2026, 10, 8)],
            "Event": ["Legal advice requested"],
            "Detail": ["Stage 4; by Joanne Kowalski; " + "a long note " * 40],
            "Recorded by": ["W1355"],
            "Recorded at (UTC)": ["09 Oct 2026 16:56:15"],
            "Source": ["Case system"],
        }
    )
    widths = {c: cfg["width"] for c, cfg in ui.event_column_widths(events).items()}
    assert list(widths) == events.columns
    assert sum(widths.values()) <= ui.PAGE_WIDTH
    for c in ("Event", "Recorded at (UTC)", "Source"):
        assert widths[c] >= 7 * max(len(c), len(events[c][0])) + 22  # heading and cell in full
    assert widths["Detail"] >= 200

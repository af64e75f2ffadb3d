"""The quarterly learning report as a Word document (python-docx): for a chosen quarter of the
April-March year, the themes by stage group against the previous quarter, good practice, the
impact of escalations (what changed for the child), time to resolution and the share of responses
made in time, and the learning the Assistant Service Manager wrote in the app. Every figure comes
from the marts (reports.figures), so the document, the page and the tests agree."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import polars as pl
from docx import Document
from docx.shared import Pt

from reports import figures
from reports.periods import Quarter

TITLE = "IRO service: quarterly analysis of challenges, themes and learning"


def _table(doc, headings: list[str], rows: list[list]) -> None:
    t = doc.add_table(rows=1, cols=len(headings))
    t.style = "Light Grid Accent 1"
    for cell, h in zip(t.rows[0].cells, headings, strict=True):
        cell.text = h
    for r in rows:
        cells = t.add_row().cells
        for cell, v in zip(cells, r, strict=True):
            cell.text = "" if v is None else (f"{v:,}" if isinstance(v, int) else str(v))


def _change(this: int, prev: int) -> str:
    if this == prev:
        return "no change"
    return f"{'up' if this > prev else 'down'} {abs(this - prev):,}"


def build_document(
    con: duckdb.DuckDBPyConnection, q: Quarter, *, learning: str | None, as_at: str, protocol: str
) -> bytes:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(TITLE, level=0)
    doc.add_paragraph(f"{q.label} ({q.words}). Figures as at {as_at}, protocol {protocol}.")

    doc.add_heading("Themes, by stage, against the previous quarter", level=1)
    themes = figures.themes_by_stage_group(con, q)
    for group, label in figures.STAGE_GROUPS.items():
        part = themes.filter(pl.col("stage_group") == group)
        doc.add_heading(label, level=2)
        if part.is_empty():
            doc.add_paragraph("No challenge at this stage had a theme recorded in either quarter.")
            continue
        this, prev = int(part["this_quarter"].sum()), int(part["previous_quarter"].sum())
        top = part.row(0, named=True)
        most = (
            f"; the most frequent was {top['theme_label'].lower()} ({top['this_quarter']:,})" if this else ""
        )
        doc.add_paragraph(
            f"{this:,} theme mentions this quarter ({_change(this, prev)} on {q.previous().label}){most}."
        )
        _table(
            doc,
            ["Theme", q.label, q.previous().label],
            [
                [r["theme_label"], int(r["this_quarter"]), int(r["previous_quarter"])]
                for r in part.iter_rows(named=True)
            ],
        )

    doc.add_heading("Good practice", level=1)
    good = figures.good_practice(con, q)
    if good.is_empty():
        doc.add_paragraph("No good practice was recorded this quarter.")
    else:
        doc.add_paragraph(f"{int(good['records'].sum()):,} good-practice theme mentions were recorded.")
        _table(doc, ["Good-practice theme", "Records"], [[r[0], int(r[1])] for r in good.iter_rows()])

    doc.add_heading("Impact of escalations: what changed for the child", level=1)
    out = figures.outcomes(con, q)
    if out.is_empty():
        doc.add_paragraph("No challenge closed this quarter.")
    else:
        doc.add_paragraph(f"{int(out['challenges'].sum()):,} challenges closed this quarter.")
        _table(doc, ["Outcome for the child", "Challenges"], [[r[0], int(r[1])] for r in out.iter_rows()])

    doc.add_heading("Time to resolution and responses in time", level=1)
    t = figures.timeliness(con, q)
    median = "" if t["median_working_days"] is None else f"{t['median_working_days']:g}"
    share = "" if t["share_in_time"] is None else f"{t['share_in_time']:.0%}"
    _table(
        doc,
        ["Measure", "Value"],
        [
            ["Challenges resolved", t["resolved"]],
            ["Median working days to resolution", median],
            ["Stage responses due", t["responses_due"]],
            ["Stage responses made in time", t["responses_in_time"]],
            ["Share made in time", share],
        ],
    )

    doc.add_heading("Learning", level=1)
    doc.add_paragraph(
        learning.strip()
        if learning and learning.strip()
        else "No learning has been written for this quarter yet."
    )

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_quarterly(
    build_file: str | Path, q: Quarter, out: Path, *, learning: str | None, as_at: str, protocol: str
) -> Path:
    con = duckdb.connect(str(build_file), read_only=True)
    try:
        data = build_document(con, q, learning=learning, as_at=as_at, protocol=protocol)
    finally:
        con.close()
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out

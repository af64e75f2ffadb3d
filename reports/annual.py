"""The annual report section as a Word document (python-docx), in the shape of the IRO annual
reports (Rotherham's "Challenge and Escalation Overview"): for an April-March year, escalations by
stage and month with true totals (months as rows, Stage 1..N and CAFCASS as columns, a Total row),
Positive Challenges against Formal Escalations and the share resolved informally, time to
resolution and responses in time, CAFCASS referrals, themes, the impact of escalations and the QA
checklist grades; two charts rendered offline to PNG (altair through vl-convert), and short
generated sentences the manager edits before publishing. Every figure comes from the marts
(reports.figures), so the document and the tests agree."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import vl_convert
from docx import Document
from docx.shared import Cm, Pt

from reports import charts, figures
from reports.periods import Year
from reports.quarterly import _table

TITLE = "IRO service: challenge and escalation overview"
INTRO = (
    "The sentences in this section are generated from the figures; check and edit them before the "
    "report is published."
)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def stage_month_grid(con: duckdb.DuckDBPyConnection, y: Year, as_at: date) -> tuple[list[str], pl.DataFrame]:
    """The Rotherham table as a frame: one row per month of the year up to the as-at month (0 where
    nothing entered), a column per formal stage and CAFCASS, and "All stages"; no Total row (the
    document adds it as the sum of the rows)."""
    columns = figures.stage_columns(con)["stage_label"].to_list()
    long = figures.stages_by_month(con, y)
    months = [m for m in y.months if m <= _month_start(as_at)]
    grid = pl.DataFrame({"month": months}, schema={"month": pl.Date})
    for label in columns:
        col = long.filter(pl.col("stage_label") == label).select(
            pl.col("month_start").alias("month"), pl.col("entries").alias(label)
        )
        grid = grid.join(col, on="month", how="left")
    grid = grid.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in columns])
    grid = grid.with_columns(
        pl.sum_horizontal(columns).alias("All stages") if columns else pl.lit(0).alias("All stages")
    )
    return columns, grid


def _png(chart) -> bytes:
    return vl_convert.vegalite_to_png(charts.style(chart).to_dict(), scale=1.5)


def _picture(doc, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(16))


def build_document(con: duckdb.DuckDBPyConnection, y: Year, *, as_at: str, protocol: str) -> bytes:
    as_at_day = date.fromisoformat(str(as_at)[:10])
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(TITLE, level=0)
    doc.add_paragraph(f"{y.label} ({y.words}). Figures as at {as_at}, protocol {protocol}.")
    if as_at_day < y.end:
        doc.add_paragraph(f"The year is not over: the figures run to {as_at_day:%-d %B %Y}.")
    doc.add_paragraph(INTRO).runs[0].italic = True

    # escalations by stage and month (the Rotherham table)
    doc.add_heading("Escalations by stage and month", level=1)
    columns, grid = stage_month_grid(con, y, as_at_day)
    totals = {c: int(grid[c].sum()) for c in [*columns, "All stages"]}
    if totals["All stages"]:
        busiest = grid.sort("All stages", descending=True, maintain_order=True).row(0, named=True)
        parts = ", ".join(f"{totals[c]:,} at {c.lower() if c.startswith('Stage') else c}" for c in columns)
        doc.add_paragraph(
            f"In {y.label}, {totals['All stages']:,} escalations entered a formal stage ({parts}). "
            f"The busiest month was {busiest['month']:%B %Y} ({busiest['All stages']:,}). A case that "
            "moves from one stage to the next counts once at each stage it enters."
        )
    else:
        doc.add_paragraph(f"No escalation entered a formal stage in {y.label}.")
    rows = [
        [f"{r['month']:%b %Y}", *(int(r[c]) for c in [*columns, "All stages"])]
        for r in grid.iter_rows(named=True)
    ]
    rows.append(["Total", *(totals[c] for c in [*columns, "All stages"])])
    _table(doc, ["Month", *columns, "All stages"], rows)
    if totals["All stages"]:
        long = grid.unpivot(
            index="month", on=columns, variable_name="stage_label", value_name="entries"
        ).join(
            pl.DataFrame({"stage_label": columns, "stage_order": list(range(len(columns)))}), on="stage_label"
        )
        _picture(
            doc,
            _png(
                charts.monthly_stage_bars(long, columns, title=f"Escalations by stage, {y.label}").properties(
                    width=720
                )
            ),
        )

    # informal and formal
    doc.add_heading("Positive Challenges and Formal Escalations", level=1)
    inf = figures.informal_and_formal(con, y)
    ratio = "–" if inf["ratio"] is None else f"{inf['ratio']:.1f} to 1"
    if inf["informal"] or inf["formal"]:
        doc.add_paragraph(
            f"IROs raised {inf['informal']:,} Positive Challenges (informal) and {inf['formal']:,} Formal "
            f"Escalations in {y.label}"
            + (f", {ratio} informal to formal" if inf["ratio"] is not None else "")
            + (
                f". {_pct(inf['share_resolved_informally'])} of the Positive Challenges were resolved "
                "informally, without a formal escalation."
                if inf["informal"]
                else "."
            )
        )
    else:
        doc.add_paragraph(f"No challenge was raised in {y.label}.")
    _table(
        doc,
        ["Measure", "Value"],
        [
            ["Positive Challenges raised", inf["informal"]],
            ["Formal Escalations raised", inf["formal"]],
            ["Informal to formal", ratio],
            ["Positive Challenges resolved informally", inf["resolved_informally"]],
            ["Positive Challenges escalated to a formal stage", inf["escalated_from_informal"]],
            ["Share resolved informally", _pct(inf["share_resolved_informally"])],
        ],
    )

    # time to resolution, responses in time, CAFCASS
    doc.add_heading("Time to resolution, responses in time and CAFCASS", level=1)
    t = figures.timeliness(con, y)
    cafcass = figures.cafcass_referrals(con, y)
    median = "–" if t["median_working_days"] is None else f"{t['median_working_days']:g}"
    sentence = f"{t['resolved']:,} challenges were resolved in {y.label}"
    if t["median_working_days"] is not None:
        sentence += f", in a median of {median} working days"
    if t["responses_due"]:
        sentence += f"; {_pct(t['share_in_time'])} of the {t['responses_due']:,} stage responses due were made in time"
    sentence += f". {cafcass:,} {'case was' if cafcass == 1 else 'cases were'} referred to CAFCASS."
    doc.add_paragraph(sentence)
    _table(
        doc,
        ["Measure", "Value"],
        [
            ["Challenges resolved", t["resolved"]],
            ["Median working days to resolution", median],
            ["Stage responses due", t["responses_due"]],
            ["Stage responses made in time", t["responses_in_time"]],
            ["Share made in time", _pct(t["share_in_time"])],
            ["Referrals to CAFCASS", cafcass],
        ],
    )

    # themes
    doc.add_heading("Key themes and issues", level=1)
    themes = figures.year_themes(con, y)
    if themes.is_empty():
        doc.add_paragraph(f"No challenge had a theme recorded in {y.label}.")
    else:
        doc.add_paragraph(
            "Challenges per theme in the year, at each stage group: a challenge counts once per theme "
            "and stage group in the year, however many months or quarters it was open or escalated in."
        )
        for group, label in figures.STAGE_GROUPS.items():
            part = themes.filter(pl.col("stage_group") == group)
            if part.is_empty():
                continue
            top = part.row(0, named=True)
            doc.add_heading(label, level=2)
            doc.add_paragraph(
                f"{int(part['challenges'].sum()):,} challenge themes; the most frequent was "
                f"{top['theme_label'].lower()} ({top['challenges']:,} challenges)."
            )
            _table(doc, ["Theme", "Challenges"], [[r[1], int(r[2])] for r in part.iter_rows()])
        overall = figures.year_theme_totals(con, y)
        _picture(
            doc,
            _png(
                charts.bar_by_category(
                    overall.head(10),
                    "theme_label",
                    "challenges",
                    title=f"Top themes, {y.label}",
                    x_title="Challenges",
                ).properties(width=420)
            ),
        )

    # impact
    doc.add_heading("Impact of escalations: what changed for the child", level=1)
    out = figures.year_outcomes(con, y)
    if out.is_empty():
        doc.add_paragraph(f"No challenge closed in {y.label}.")
    else:
        closed = int(out["challenges"].sum())
        changed = int(out.filter(pl.col("is_change_for_child"))["challenges"].sum())
        doc.add_paragraph(
            f"{closed:,} challenges closed in {y.label}; for {changed:,} ({_pct(changed / closed)}) the IRO "
            "recorded a change for the child."
        )
        _table(doc, ["Outcome for the child", "Challenges"], [[r[0], int(r[1])] for r in out.iter_rows()])

    # QA grades
    doc.add_heading("IRO quality assurance checklist grades", level=1)
    grades = figures.year_qa_grades(con, y)
    counts = {code: 0 for code in figures.QA_GRADES}
    escalations = 0
    for r in grades.iter_rows(named=True):
        counts[r["grade"]] = counts.get(r["grade"], 0) + int(r["grades"])
        escalations += int(r["escalations"])
    total = sum(counts.values())
    if total:
        doc.add_paragraph(
            f"IROs completed {total:,} QA checklists in {y.label}; {counts['inadequate']:,} "
            f"({_pct(counts['inadequate'] / total)}) were graded Inadequate"
            + (f", {escalations:,} of them stage 1 escalations under the protocol." if escalations else ".")
        )
    else:
        doc.add_paragraph(f"No QA checklist grade was recorded in {y.label}.")
    _table(
        doc,
        ["Grade", "Checklists", "Share"],
        [
            [figures.QA_GRADES.get(code, code), n, _pct(n / total) if total else "–"]
            for code, n in counts.items()
        ]
        + [["Total", total, "100%" if total else "–"]],
    )

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_annual(build_file: str | Path, y: Year, out: Path, *, as_at: str, protocol: str) -> Path:
    con = duckdb.connect(str(build_file), read_only=True)
    try:
        data = build_document(con, y, as_at=as_at, protocol=protocol)
    finally:
        con.close()
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out

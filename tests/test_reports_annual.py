"""The annual report section (issue 13, item 5): ``iroqa report annual`` writes a Word document
whose stage x month table equals mart_monthly_stage_counts cell by cell (and its totals equal the
stage episodes behind the mart), whose other tables equal the facts, and whose charts are real PNG
images; bad years and missing folders are refused clearly."""

from __future__ import annotations

import io

import duckdb
import pytest
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from PIL import Image

from cli.main import main
from reports import figures
from reports.periods import Year
from tests.conftest import DEMO_END


def tables(doc) -> list[list[list[str]]]:
    return [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables]


def n(text: str) -> int:
    return int(text.replace(",", ""))


def test_year_parsing():
    y = Year.parse("2025-26")
    assert (y.start.isoformat(), y.end.isoformat(), y.label) == ("2025-04-01", "2026-03-31", "2025-26")
    assert [m.isoformat() for m in (y.months[0], y.months[-1])] == ["2025-04-01", "2026-03-01"]
    assert [q.label for q in y.quarters] == ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3", "2025-26 Q4"]
    assert Year.of(DEMO_END).previous() == y
    for bad in ("2025", "2025-27", "25-26", "2025/26", "2025-26-Q1"):
        with pytest.raises(ValueError, match="April-March|not a year"):
            Year.parse(bad)


@pytest.fixture(scope="module")
def annual(demo_warehouse, tmp_path_factory):
    """The 2025-26 document, written by the command from the demo's live build (a whole year
    before the as-at date), and the build it came from."""
    y = Year.of(DEMO_END).previous()
    out = tmp_path_factory.mktemp("annual") / "annual.docx"
    assert main(["report", "annual", "--year", y.code, "--out", str(out)]) == 0
    return y, Document(str(out)), demo_warehouse.live.file


def test_the_stage_by_month_table_equals_the_mart_cell_by_cell(annual):
    y, doc, build = annual
    con = duckdb.connect(str(build), read_only=True)
    try:
        stages = [
            r[0]
            for r in con.sql(
                "select stage_label from mart_monthly_stage_counts where stage_key <> 'informal' "
                "group by stage_label order by min(stage_sort_order)"
            ).fetchall()
        ]
        mart = {
            (f"{m:%b %Y}", s): int(e)
            for m, s, e in con.sql(
                "select month_start, stage_label, sum(entries) from mart_monthly_stage_counts "
                "where stage_key <> 'informal' and month_start between $s and $e group by all",
                params={"s": y.start, "e": y.end},
            ).fetchall()
        }
        episodes = dict(
            con.sql(
                "select e.stage_label, count(*) from fct_stage_episodes f "
                "join (select distinct stage_key, stage_label from mart_monthly_stage_counts) e "
                "using (stage_key) "
                "where f.stage_key <> 'informal' and f.entered_on between $s and $e group by all",
                params={"s": y.start, "e": y.end},
            ).fetchall()
        )
    finally:
        con.close()
    [table] = [t for t in tables(doc) if t[0][0] == "Month"]
    assert table[0] == ["Month", *stages, "All stages"]
    assert any(s.startswith("Stage 1") for s in stages) and len(stages) >= 4
    body, total = table[1:-1], table[-1]
    assert [r[0] for r in body] == [f"{m:%b %Y}" for m in y.months]  # the whole year, April first
    assert sum(mart.values()) > 0, "the demo year has no escalations: this test could not fail"
    for row in body:
        for stage, cell in zip(stages, row[1:-1], strict=True):
            assert n(cell) == mart.get((row[0], stage), 0), (row[0], stage)
        assert n(row[-1]) == sum(n(c) for c in row[1:-1])
    assert total[0] == "Total"
    for i, stage in enumerate(stages, start=1):
        assert n(total[i]) == sum(v for (_, s), v in mart.items() if s == stage)
        # true totals: every stage episode entered in the year, counted once
        assert n(total[i]) == episodes.get(stage, 0), stage
    assert n(total[-1]) == sum(mart.values())


def test_the_other_tables_equal_the_facts(annual):
    y, doc, build = annual
    con = duckdb.connect(str(build), read_only=True)
    try:
        informal, formal, cafcass, closed, resolved = con.sql(
            """
            select count(*) filter (where route = 'informal' and raised_on between $s and $e),
                   count(*) filter (where route = 'formal' and raised_on between $s and $e),
                   count(*) filter (where cafcass_referred_on between $s and $e),
                   count(*) filter (where closed_on between $s and $e),
                   count(*) filter (where status = 'resolved' and closed_on between $s and $e)
            from fct_challenges
            """,
            params={"s": y.start, "e": y.end},
        ).fetchall()[0]
        grades = dict(
            con.sql(
                "select grade, count(*) from fct_qa_grades where month_start between $s and $e group by all",
                params={"s": y.start, "e": y.end},
            ).fetchall()
        )
    finally:
        con.close()
    got = tables(doc)
    measures = {r[0]: r[1] for t in got if t[0] == ["Measure", "Value"] for r in t[1:]}
    assert n(measures["Positive Challenges raised"]) == informal
    assert n(measures["Formal Escalations raised"]) == formal
    assert n(measures["Referrals to CAFCASS"]) == cafcass
    assert n(measures["Challenges resolved"]) == resolved
    assert informal + formal > 0
    if formal:
        assert measures["Informal to formal"] == f"{informal / formal:.1f} to 1"
    outcomes = [t for t in got if t[0][0] == "Outcome for the child"]
    if closed:
        assert sum(n(r[1]) for r in outcomes[0][1:]) == closed
    [qa] = [t for t in got if t[0][0] == "Grade"]
    labels = {"Outstanding": "outstanding", "Good": "good", "Requires Improvement": "requires_improvement"}
    labels["Inadequate"] = "inadequate"
    for row in qa[1:-1]:
        assert n(row[1]) == grades.get(labels[row[0]], 0), row
    assert n(qa[-1][1]) == sum(grades.values())
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{y.label} (April 2025 to March 2026)" in text
    assert "edit them before the report is published" in text


def test_the_theme_tables_are_true_yearly_counts(annual):
    """Issue 13 item 3: the document's theme tables count a challenge once per theme and stage
    group in the year (from the stage episodes themselves, not mart_theme_counts' quarters)."""
    y, doc, build = annual
    con = duckdb.connect(str(build), read_only=True)
    try:
        truth = {
            (g, label): int(k)
            for g, label, k in con.sql(
                """
                select e.theme_stage_group, th.theme_label, count(distinct e.challenge_id)
                from fct_stage_episodes e join fct_challenges c using (challenge_id)
                cross join unnest(c.themes) as t(theme_code)
                join dim_themes th on th.theme_code = t.theme_code
                where e.theme_stage_group is not null and e.entered_on between $s and $e
                group by all
                """,
                params={"s": y.start, "e": y.end},
            ).fetchall()
        }
    finally:
        con.close()
    got: dict[tuple[str, str], int] = {}
    groups = {label: code for code, label in figures.STAGE_GROUPS.items()}
    heading = None
    for block in doc.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, Paragraph) and block.style.name.startswith("Heading"):
            heading = block.text
        elif isinstance(block, Table) and block.rows[0].cells[0].text == "Theme":
            assert [c.text for c in block.rows[0].cells] == ["Theme", "Challenges"]
            for row in block.rows[1:]:
                theme, count = (c.text for c in row.cells)
                got[(groups[heading], theme)] = n(count)
    assert len({g for g, _ in got}) >= 2
    assert got == truth


def test_year_themes_reads_the_year_not_the_sum_of_its_quarters():
    """A challenge escalated in Q1 and again in Q2 is in both quarters' rows of mart_theme_counts
    but once in the year's: the annual figures take the year's row (2), never the quarters' sum (3)."""
    con = duckdb.connect()
    try:
        con.execute(
            "create table mart_theme_counts (period_type varchar, period_start date, period_label varchar, "
            "theme_label varchar, stage_group varchar, challenges integer)"
        )
        con.execute(
            """
            insert into mart_theme_counts values
              ('quarter', '2025-04-01', '2025-26 Q1', 'Care plan', 'stages_2_4', 2),
              ('quarter', '2025-07-01', '2025-26 Q2', 'Care plan', 'stages_2_4', 1),
              ('year', '2025-04-01', '2025-26', 'Care plan', 'stages_2_4', 2),
              ('year', '2024-04-01', '2024-25', 'Care plan', 'stages_2_4', 7)
            """
        )
        got = figures.year_themes(con, Year.parse("2025-26"))
    finally:
        con.close()
    assert got.rows() == [("stages_2_4", "Care plan", 2)]


def test_the_charts_are_real_png_images(annual):
    _, doc, _ = annual
    pictures = [
        rel.target_part.blob
        for rel in doc.part.rels.values()
        if "image" in rel.reltype and not rel.is_external
    ]
    assert len(doc.inline_shapes) >= 2 and len(pictures) >= 2
    for blob in pictures:
        assert blob[:8] == b"\x89PNG\r\n\x1a\n"
        img = Image.open(io.BytesIO(blob))
        img.verify()
        assert img.format == "PNG" and img.size[0] > 300 and img.size[1] > 150


def test_bad_input_is_refused_with_a_clear_message(scratch_warehouse, tmp_path, capsys):
    assert main(["report", "annual", "--year", "2025/26", "--out", str(tmp_path / "x.docx")]) == 2
    assert "not a year: write it as 2025-26" in capsys.readouterr().err
    assert main(["report", "annual", "--year", "2025-27", "--out", str(tmp_path / "x.docx")]) == 2
    assert "did you mean 2025-26" in capsys.readouterr().err
    assert main(["report", "annual", "--year", "2025-26", "--out", str(tmp_path / "no" / "x.docx")]) == 2
    err = capsys.readouterr().err
    assert "--out: the folder" in err and "does not exist" in err
    assert not list(tmp_path.rglob("*.docx"))

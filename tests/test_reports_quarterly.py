"""The quarterly learning report (issue 13, item 4): ``iroqa report quarterly`` writes a Word
document whose tables, read back with python-docx, equal the marts; the learning the ASM saved (an
audited event, the latest version wins) is its last section; bad quarters are refused clearly."""

from __future__ import annotations

import duckdb
import pytest
from docx import Document

from accounts import audit, users
from cli.main import main
from reports import figures
from reports.learning import latest_learning, save_learning
from reports.periods import Quarter
from warehouse.events import EventError


def tables(path) -> list[list[list[str]]]:
    return [[[c.text for c in r.cells] for r in t.rows] for t in Document(str(path)).tables]


def test_quarter_parsing():
    q = Quarter.parse("2026-27-Q2")
    assert (q.start.isoformat(), q.end.isoformat(), q.label) == ("2026-07-01", "2026-09-30", "2026-27 Q2")
    assert Quarter.parse("2025-26-Q4").start.isoformat() == "2026-01-01"
    assert Quarter.parse("2026-27-Q1").previous().label == "2025-26 Q4"
    for bad in ("2026-Q2", "2026-28-Q2", "2026-27-Q5", "Q2 2026"):
        with pytest.raises(ValueError, match="April-March|not a quarter"):
            Quarter.parse(bad)


def test_the_document_equals_the_marts_and_carries_the_learning(scratch_warehouse, tmp_path, capsys):
    w = scratch_warehouse
    con = duckdb.connect(str(w.live.file), read_only=True)
    try:
        last = con.sql(
            "select max(period_start) from mart_theme_counts where period_type = 'quarter'"
        ).fetchall()[0][0]
        q = Quarter.of(last).previous()  # a whole quarter before the as-at date
        themes = figures.themes_by_stage_group(con, q)
        good = figures.good_practice(con, q)
        outcomes = figures.outcomes(con, q)
        timely = figures.timeliness(con, q)
        (closed,) = con.sql(
            "select count(*) from fct_challenges where closed_on between $s and $e",
            params={"s": q.start, "e": q.end},
        ).fetchall()[0]
    finally:
        con.close()
    user = users.User(username="asm-writer", role="asm")
    text = "Permanence planning for under-5s drifted; we agreed a tracker with the Head of Service."
    save_learning(q, "A first draft", user, p=w.paths)
    save_learning(q, text, user, p=w.paths)
    assert latest_learning(q, w.paths)["note"] == text
    writes = audit.read(w.paths).filter(audit.read(w.paths)["action"] == "write")
    assert writes.height >= 2

    out = tmp_path / "q.docx"
    assert main(["report", "quarterly", "--quarter", q.code, "--out", str(out)]) == 0
    doc = Document(str(out))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[paragraphs.index("Learning") + 1] == text
    got = tables(out)
    # one table per stage group with themes, then good practice, outcomes and timeliness
    theme_tables = [t for t in got if t[0][0] == "Theme"]
    expected_theme_rows = {
        (r["theme_label"], str(r["this_quarter"]), str(r["previous_quarter"]))
        for r in themes.iter_rows(named=True)
    }
    assert {tuple(row) for t in theme_tables for row in t[1:]} == expected_theme_rows
    assert all(t[0] == ["Theme", q.label, q.previous().label] for t in theme_tables)
    if not good.is_empty():
        [gp] = [t for t in got if t[0][0] == "Good-practice theme"]
        assert [(r[0], int(r[1])) for r in gp[1:]] == [(a, int(b)) for a, b in good.iter_rows()]
    if not outcomes.is_empty():
        [oc] = [t for t in got if t[0][0] == "Outcome for the child"]
        assert sum(int(r[1].replace(",", "")) for r in oc[1:]) == closed == int(outcomes["challenges"].sum())
    [tm] = [t for t in got if t[0] == ["Measure", "Value"]]
    values = dict((r[0], r[1]) for r in tm[1:])
    assert values["Challenges resolved"] == f"{timely['resolved']:,}"
    assert values["Stage responses due"] == f"{timely['responses_due']:,}"
    assert values["Stage responses made in time"] == f"{timely['responses_in_time']:,}"


def test_bad_input_is_refused_with_a_clear_message(scratch_warehouse, tmp_path, capsys):
    assert main(["report", "quarterly", "--quarter", "2026-Q2", "--out", str(tmp_path / "x.docx")]) == 2
    assert "not a quarter" in capsys.readouterr().err
    assert (
        main(["report", "quarterly", "--quarter", "2025-26-Q1", "--out", str(tmp_path / "no" / "x.docx")])
        == 2
    )
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(EventError, match="note"):
        save_learning(
            Quarter.parse("2025-26-Q1"),
            "   ",
            users.User(username="a", role="asm"),
            p=scratch_warehouse.paths,
        )
    assert not list((tmp_path).glob("*.docx"))

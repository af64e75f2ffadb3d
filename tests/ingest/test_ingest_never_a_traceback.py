"""Ingest never ends in a traceback (issue 10): every failure is a message naming the file (and the
row, column and rule where there is one), the other files of the call still load, the exit code
says which of the three outcomes it was, names from files are printed with control characters
escaped, and hidden sheets are reported and skipped unless asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from conftest import EXAMPLES, csv_text, example_rows, write_csv

from ingest import rules
from ingest.report import EXIT_ALL_LOADED, EXIT_FILE_REFUSED, EXIT_ROWS_SET_ASIDE, printable
from warehouse.loader import ingest_paths

IROQA = [sys.executable, "-m", "cli"]


def _iroqa(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "IROQA_HOME": str(home)}
    return subprocess.run([*IROQA, *args], env=env, capture_output=True, text=True, timeout=300)


def test_400000_rows_of_one_key_are_set_aside_not_a_traceback(tmp_path, home):
    header = "child_id,legal_status,date_of_birth,gender,allocated_worker_id\n"
    big = tmp_path / "in" / "children.csv"
    big.parent.mkdir()
    big.write_text(header + "C1,lac,2012-05-14,Female,W001\n" * 400_000)
    teams = write_csv(tmp_path / "in", "teams.csv", example_rows("teams"))
    report = ingest_paths([big, teams], paths=home)
    by_file = {f.file: f for f in report.files}
    assert by_file["children.csv"].status == "loaded"
    assert (by_file["children.csv"].accepted, by_file["children.csv"].rejected) == (0, 400_000)
    assert by_file["teams.csv"].accepted == len(example_rows("teams"))
    first = report.rejections.row(0, named=True)
    assert first["rule_code"] == "R011" and first["column_name"] == "child_id"
    assert first["message"].startswith("row 2, child_id: child_id C1 appears 400000 times")
    assert report.exit_code == EXIT_ROWS_SET_ASIDE


def test_a_large_events_file_into_a_warehouse_with_no_challenges(tmp_path, home):
    rows = example_rows("challenge_events")[0]
    lines = csv_text([rows]).splitlines()
    body = "".join(
        lines[1].replace("E001", f"E{i:06d}", 1) + "\n" for i in range(100_001)
    )  # R016 on every row: more than 100,000 failures in one frame
    events = tmp_path / "challenge_events.csv"
    events.write_text(lines[0] + "\n" + body)
    report = ingest_paths([events], paths=home)
    assert report.files[0].status == "loaded" and report.files[0].rejected == 100_001
    assert set(report.rejections["rule_code"]) == {"R016"}


def test_a_rule_that_fails_refuses_its_file_and_the_others_load(tmp_path, home, monkeypatch):
    original = rules.BY_CODE["R015"].module.check

    def broken(ctx):  # R015 fails on the challenges file only (a fault in a rule, say)
        if ctx.entity is not None and ctx.entity.name == "challenges":
            raise ValueError("cannot compare\nsecond line")
        return original(ctx)

    monkeypatch.setattr(rules.BY_CODE["R015"].module, "check", broken)
    folder = tmp_path / "in"
    for entity in ("teams", "workers", "children", "challenges"):
        write_csv(folder, f"{entity}.csv", example_rows(entity))
    report = ingest_paths([folder], paths=home)
    by_file = {f.file: f for f in report.files}
    assert by_file["challenges.csv"].status == "rejected"
    assert "rule R015" in by_file["challenges.csv"].message
    assert "ValueError: cannot compare" in by_file["challenges.csv"].message
    assert "second line" not in by_file["challenges.csv"].message
    assert all(by_file[f"{e}.csv"].status == "loaded" for e in ("teams", "workers", "children"))
    assert report.exit_code == EXIT_FILE_REFUSED


def test_exit_codes_and_escaped_names_through_the_cli(tmp_path):
    ok = _iroqa(tmp_path / "h1", "ingest", str(EXAMPLES / "canonical" / "teams.csv"))
    assert ok.returncode == EXIT_ALL_LOADED, ok.stdout + ok.stderr

    rows = example_rows("teams")
    rows[0]["team_id"] = ""
    aside = _iroqa(tmp_path / "h2", "ingest", str(write_csv(tmp_path / "a", "teams.csv", rows)))
    assert aside.returncode == EXIT_ROWS_SET_ASIDE, aside.stdout + aside.stderr

    hostile = tmp_path / "b" / "teams\x1b[2J\x1b]0;owned\x07.csv"
    hostile.parent.mkdir()
    hostile.write_text("nothing,we,know\n1,2,3\n")
    good = write_csv(tmp_path / "b", "teams.csv", example_rows("teams"))
    refused = _iroqa(tmp_path / "h3", "ingest", str(hostile), str(good))
    assert refused.returncode == EXIT_FILE_REFUSED, refused.stdout + refused.stderr
    out = refused.stdout + refused.stderr
    assert "\x1b" not in out and "\x07" not in out
    assert "teams\\x1b[2J\\x1b]0;owned\\x07.csv" in out
    assert "loaded" in refused.stdout  # teams.csv still loaded

    usage = _iroqa(tmp_path / "h4", "ingest", str(tmp_path / "no-such.csv"))
    assert usage.returncode == 2 and "No such file or folder" in usage.stderr


def test_printable_escapes_every_control_character():
    assert printable("a\x1b[31mb\tc\r\nd\x9b") == "a\\x1b[31mb\\tc\\r\\nd\\x9b"
    assert printable("Team é ok") == "Team é ok"


@pytest.fixture
def workbook(tmp_path) -> Path:
    path = tmp_path / "extract.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for entity in ("teams", "workers"):
        sheet = wb.add_worksheet(entity)
        rows = example_rows(entity)
        sheet.write_row(0, 0, list(rows[0]))
        for i, r in enumerate(rows, start=1):
            sheet.write_row(i, 0, list(r.values()))
        if entity == "workers":
            sheet.hide()
    wb.close()
    return path


def test_hidden_sheets_are_reported_and_skipped(workbook, home):
    report = ingest_paths([workbook], paths=home)
    by_file = {f.file: f for f in report.files}
    assert by_file["extract.xlsx!teams"].status == "loaded"
    assert by_file["extract.xlsx!workers"].status == "skipped"
    assert "hidden sheet" in by_file["extract.xlsx!workers"].message
    assert "1 hidden sheets skipped" in report.summary() and "--include-hidden-sheets" in report.summary()
    assert report.exit_code == EXIT_ROWS_SET_ASIDE


def test_hidden_sheets_load_when_asked_for(workbook, home):
    report = ingest_paths([workbook], paths=home, include_hidden_sheets=True)
    assert {f.file: f.status for f in report.files} == {
        "extract.xlsx!teams": "loaded",
        "extract.xlsx!workers": "loaded",
    }

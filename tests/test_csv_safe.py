"""Every CSV IRO QA writes is safe to open in a spreadsheet (issue 10; OWASP "CSV injection").

The one function is ``warehouse.csvsafe``; this file checks it, checks each CSV the command line
writes (``iroqa query``, ``iroqa audit export``, the ingest rejection report), and fails if any code
writes CSV, or offers a download, without going through it. The dashboard's downloads, on every
page and for every role, are opened in ``tests/dashboard/test_hostile_names.py``.
"""

from __future__ import annotations

import ast
import csv
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from accounts import audit
from tests.conftest import HOSTILE_FORMULAS
from warehouse import csvsafe, settings

ROOT = Path(__file__).resolve().parents[1]
RISKY = ("=", "+", "-", "@", "\t", "\r")


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]


def _assert_safe(cells: list[str]) -> None:
    for c in cells:
        if c.startswith(RISKY):
            assert csvsafe._number.match(c), f"a spreadsheet would run {c!r}"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Looked After Team", "Looked After Team"),
        ("a = b", "a = b"),
        ("", ""),
        ("-3", "-3"),  # text that is exactly a number is read as that number: nothing runs
        ("+1.5", "+1.5"),
        ("-1e3", "-1e3"),
        ("<5", "<5"),  # the suppression marker
    ],
)
def test_neutralise_one_cell(value, written):
    assert csvsafe.neutralise(value) == written
    assert csvsafe.neutralise_row([value, -3, None])[1:] == [-3, None]


def test_numbers_stay_numbers_and_text_is_neutralised():
    df = pl.DataFrame(
        {
            "team": ["=HYPERLINK(1)", "North"],
            "change": [-3, 4],
            "rate": [-0.5, 1.25],
            "when": [date(2026, 1, 2), None],
            "themes": [["+a", "b"], []],
            "kind": pl.Series(["@x", "y"], dtype=pl.Categorical),
        }
    )
    back = pl.read_csv(io.BytesIO(csvsafe.csv_bytes(df)))  # BOM read as part of the first name
    back = back.rename({back.columns[0]: "team"})
    assert back["team"].to_list() == ["'=HYPERLINK(1)", "North"]
    assert back["change"].to_list() == [-3, 4] and back["change"].dtype.is_integer()
    assert back["rate"].to_list() == [-0.5, 1.25]
    assert back["themes"].to_list() == ["'+a; b", ""]
    assert back["kind"].to_list() == ["'@x", "y"]
    assert csvsafe.csv_bytes(df).startswith(b"\xef\xbb\xbf") and not csvsafe.csv_bytes(
        df, bom=False
    ).startswith(b"\xef")


def test_the_dashboards_csv_download_uses_it():
    from dashboard import ui

    df = pl.DataFrame({"Team": HOSTILE_FORMULAS, "Open": [1, -2, 3, 4]})
    cells = _cells(ui.to_csv_bytes(df).decode("utf-8"))
    _assert_safe(cells)
    assert "-2" in cells and f"'{HOSTILE_FORMULAS[0]}" in cells


def _iroqa(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, IROQA_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_iroqa_query_neutralises_text_and_keeps_numbers(hostile_warehouse):
    out = _iroqa(
        hostile_warehouse.home,
        "query",
        "select team_name, -3 as change, '-4' as text_number from dim_teams order by team_id",
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    cells = [c for r in rows for c in r]
    _assert_safe(cells)
    names = hostile_warehouse.query("select team_name from dim_teams order by team_id")["team_name"].to_list()
    assert [r[0] for r in rows[1:]] == [csvsafe.neutralise(n) for n in names]
    assert any(r[0].startswith("'=") or r[0].startswith("'+") for r in rows[1:]) or not any(
        n.startswith(RISKY) for n in names
    )
    assert {r[1] for r in rows[1:]} == {"-3"} and {r[2] for r in rows[1:]} == {"-4"}


def test_audit_export_neutralises_users_and_details(tmp_path):
    home = tmp_path / "home"
    p = settings.Paths(home).ensure()
    audit.record("=cmd|' /C calc'!A0", "sign_in_failed", {"reason": "wrong_password"}, p=p)
    audit.record("@SUM(1)", "page_view", {"page": "+x"}, p=p)
    for target in (None, tmp_path / "audit.csv"):
        args = ["audit", "export"] + (["--out", str(target)] if target else [])
        out = _iroqa(home, *args)
        assert out.returncode == 0, out.stderr
        text = target.read_text(encoding="utf-8") if target else out.stdout
        cells = _cells(text)
        _assert_safe(cells)
        assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells


def test_the_ingest_rejection_report_is_neutralised(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "=HYPERLINK(1).csv").write_text("a,b\n1,2\n")
    (folder / "children.csv").write_text(
        "child_id,legal_status,date_of_birth,gender,allocated_worker_id\n-C1,=HYPERLINK(2),@2012,F,W1\n"
    )
    out = _iroqa(tmp_path / "home", "ingest", str(folder))
    reports = list((tmp_path / "home" / "reports").glob("*.csv"))
    assert reports, out.stdout + out.stderr
    cells = _cells(reports[0].read_text(encoding="utf-8"))
    _assert_safe(cells)
    assert "'=HYPERLINK(1).csv" in cells


# --- nothing writes CSV, or offers a download, except through warehouse.csvsafe --------------------

#: Code that writes CSV files that are not for people to open: the demo's and the benchmark's
#: extracts (inputs to ``iroqa ingest``, which must stay exactly as a case system would write them).
EXTRACT_WRITERS = ("demo", "bench", "examples")
#: Where a download may be offered, and of what: ui.downloads (CSV through ui.to_csv_bytes, Excel),
#: the meeting pack (HTML, every value escaped) and the quarterly and annual learning reports (Word,
#: issue 13).
DOWNLOADS = {
    "dashboard/ui.py": 2,
    "dashboard/views/meeting.py": 1,
    "dashboard/views/quarterly_report.py": 1,
    "dashboard/views/annual_report.py": 1,
}


def _python_files():
    for pkg in ("dashboard", "warehouse", "ingest", "accounts", "cli", "demo"):
        base = ROOT / pkg
        if base.is_dir():
            yield from sorted(base.rglob("*.py"))


def test_no_code_writes_csv_or_offers_a_download_around_the_one_function():
    problems, downloads = [], {}
    for f in _python_files():
        rel = f.relative_to(ROOT).as_posix()
        if rel == "warehouse/csvsafe.py" or any(part in rel for part in EXTRACT_WRITERS):
            continue
        for node in ast.walk(ast.parse(f.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("write_csv", "writer", "DictWriter", "to_csv", "sink_csv") and not (
                isinstance(node.func, ast.Attribute) and ast.unparse(node.func.value) == "csvsafe"
            ):
                problems.append(f"{rel}:{node.lineno}: {ast.unparse(node.func)}")
            if name == "download_button":
                downloads[rel] = downloads.get(rel, 0) + 1
    assert not problems, "CSV written without warehouse.csvsafe:\n" + "\n".join(problems)
    assert downloads == DOWNLOADS, "a new download: make it go through ui.downloads (or list and test it)"
    # and the CSV download of ui.downloads is the neutralising one
    src = (ROOT / "dashboard" / "ui.py").read_text()
    assert "_audited(lambda: to_csv_bytes(df)" in src and "csvsafe.csv_bytes(" in src

"""The whole path through the ``iroqa`` command, as a new user types it: demo -> ingest -> build ->
query, in a temporary warehouse; and what the user sees when something is wrong."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

IROQA = [sys.executable, "-m", "cli"]


def iroqa(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, IROQA_HOME=str(home))
    return subprocess.run([*IROQA, *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("cli")
    home, extracts = root / "home", root / "extracts"
    steps = {
        "demo": iroqa(home, "demo", "--out", str(extracts), "--scale", "tiny", "--end", "2025-11-21"),
        "ingest": iroqa(home, "ingest", str(extracts)),
        "build": iroqa(home, "build", "--as-at", "2025-11-21"),
    }
    return {"home": home, "extracts": extracts, **steps}


def test_demo_ingest_build_query_as_a_user_types_them(pipeline):
    for step in ("demo", "ingest", "build"):
        assert pipeline[step].returncode == 0, pipeline[step].stderr + pipeline[step].stdout
    assert "Wrote" in pipeline["demo"].stdout
    assert "challenges.csv" in pipeline["ingest"].stdout and "loaded" in pipeline["ingest"].stdout
    assert "is live (as at 2025-11-21" in pipeline["build"].stdout
    # a production build runs every model and data test, never dbt's unit tests (make test does)
    results = json.loads((pipeline["home"] / "dbt_target" / "run_results.json").read_text())["results"]
    kinds = {r["unique_id"].split(".")[0] for r in results}
    assert {"model", "test"} <= kinds and "unit_test" not in kinds, kinds

    out = iroqa(pipeline["home"], "query", "select count(*) as n from fct_challenges")
    assert out.returncode == 0, out.stderr
    rows = list(csv.reader(io.StringIO(out.stdout)))
    with open(pipeline["extracts"] / "challenges.csv", encoding="utf-8-sig") as fh:
        extract_rows = sum(1 for _ in fh) - 1
    assert rows[0] == ["n"]
    assert int(rows[1][0]) >= extract_rows  # extract challenges (+ any QA-triggered ones)


def test_ingesting_the_same_files_again_changes_nothing(pipeline):
    again = iroqa(pipeline["home"], "ingest", str(pipeline["extracts"]))
    assert again.returncode == 0, again.stderr
    assert "duplicate" in again.stdout
    out = iroqa(pipeline["home"], "query", "select count(*) from fct_challenges")
    assert out.returncode == 0


def test_status_names_the_live_build(pipeline):
    out = iroqa(pipeline["home"], "status")
    assert out.returncode == 0
    assert "live build" in out.stdout and "as at 2025-11-21" in out.stdout


def test_a_failed_build_never_goes_live(pipeline):
    before = (pipeline["home"] / "live.json").read_text()
    builds_before = sorted((pipeline["home"] / "builds").glob("*.duckdb"))
    out = iroqa(pipeline["home"], "build", "--as-at", "2025-11-21", "--protocol", "no_such_protocol")
    assert out.returncode == 1
    assert "live build is unchanged" in out.stderr
    assert (pipeline["home"] / "live.json").read_text() == before
    assert sorted((pipeline["home"] / "builds").glob("*.duckdb")) == builds_before  # failed file removed


def test_query_is_read_only(pipeline):
    out = iroqa(pipeline["home"], "query", "delete from fct_challenges")
    assert out.returncode == 1
    assert "Query failed" in out.stderr
    count = iroqa(pipeline["home"], "query", "select count(*) from fct_challenges")
    assert int(count.stdout.splitlines()[1]) > 0


def test_bad_sql_says_what_is_wrong(pipeline):
    out = iroqa(pipeline["home"], "query", "select * from no_such_table")
    assert out.returncode == 1
    assert "no_such_table" in out.stderr


def test_messages_on_an_empty_warehouse(tmp_path):
    home = tmp_path / "home"
    q = iroqa(home, "query", "select 1")
    assert q.returncode == 1 and "No warehouse build is live yet" in q.stderr
    b = iroqa(home, "build")
    assert b.returncode == 1 and "iroqa ingest" in b.stderr
    i = iroqa(home, "ingest", str(tmp_path / "nowhere"))
    assert i.returncode == 2 and "No such file or folder" in i.stderr
    d = iroqa(home, "build", "--as-at", "31/07/2017")
    assert d.returncode == 2 and "YYYY-MM-DD" in d.stderr


@pytest.mark.parametrize("command", ["demo", "ingest", "build", "query", "serve", "status"])
def test_every_command_has_help(command):
    out = subprocess.run([*IROQA, command, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert "usage: iroqa " + command in out.stdout

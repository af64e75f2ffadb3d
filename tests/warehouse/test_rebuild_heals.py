"""Rebuilds heal themselves (issue 10): an events-only build that fails falls back to a full build;
a damaged (truncated) live build file is detected, reported by ``iroqa status`` and on the pages,
and replaced by the next good build; a killed build's spill files are removed by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import duckdb

from tests.conftest import DEMO_END
from warehouse.build import build, run_dbt_subprocess
from warehouse.events import write_event
from warehouse.store import LiveBuild, check_build_file, live_problem, read_live


def _challenge(w) -> str:
    con = duckdb.connect(str(w.live.file), read_only=True)
    try:
        return con.execute(
            "select challenge_id from fct_challenges order by challenge_id limit 1"
        ).fetchone()[0]
    finally:
        con.close()


def _note(w, ch: str | None = None) -> None:
    ch = ch or _challenge(w)
    write_event(
        {
            "action": "note",
            "challenge_id": ch,
            "event_on": DEMO_END - timedelta(days=1),
            "note": "heal test",
            "recorded_by": "tester",
        },
        w.paths,
    )


def test_a_failed_events_only_build_falls_back_to_a_full_build(scratch_warehouse):
    w = scratch_warehouse
    _note(w)
    calls = []
    # and what a build killed while DuckDB spilled left (tests/warehouse/test_crash.py kills one)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_spill = w.paths.tmp_dir / f"duckdb_temp_{gone.stdout.strip()}_0_storage_DEFAULT-0.tmp"
    dead_spill.write_bytes(b"spilled rows")

    def runner(command, shared, selection, env):
        calls.append(list(selection))
        if "--select" in selection:  # the events-only build fails (a model that cannot be rebuilt alone)
            return False, "Runtime Error in model fct_challenges: something only the events build hits"
        return run_dbt_subprocess(command, shared, selection, env)

    result = build(as_at=DEMO_END, p=w.paths, events_only=True, unit_tests=False, runner=runner)
    assert result.mode == "full"
    assert len(calls) == 2 and "--select" in calls[0] and "--select" not in calls[1]
    assert read_live(w.paths).build_id == result.live.build_id != w.live.build_id
    log = result.log.read_text()
    assert "The events-only build failed: full build instead." in log
    assert check_build_file(result.live.file) is None
    assert not dead_spill.exists()


def test_a_damaged_live_file_is_reported_and_replaced(scratch_warehouse):
    w = scratch_warehouse
    ch = _challenge(w)
    assert live_problem(w.paths) is None
    with open(w.live.file, "r+b") as fh:  # truncated, as a full disk or a bad copy leaves it
        fh.truncate(os.path.getsize(w.live.file) // 3)
    problem = live_problem(w.paths)
    assert problem and "damaged" in problem and w.live.file.name in problem

    env = {**os.environ, "IROQA_HOME": str(w.home)}
    status = subprocess.run(
        [sys.executable, "-m", "cli", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 1
    assert "DAMAGED" in status.stdout and "the next build replaces it" in status.stdout

    _note(w, ch)  # a save: the rebuilder's events-only build cannot start from the damaged file
    result = build(as_at=DEMO_END, p=w.paths, events_only=True, unit_tests=False)
    assert result.mode == "full"
    assert "is damaged" in result.log.read_text()
    assert live_problem(w.paths) is None
    status = subprocess.run(
        [sys.executable, "-m", "cli", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0 and "DAMAGED" not in status.stdout


def test_the_pages_line_when_the_latest_update_failed():
    from dashboard.ui import update_failed_line

    build = LiveBuild("b1", "/x.duckdb", "2026-12-03T09:15:02+00:00", "2026-12-03", "leicestershire")
    line = update_failed_line(build, "The build failed, so the live build is unchanged.\nmore detail")
    assert line.startswith(
        ":material/warning: Figures as of 2026-12-03 09:15 UTC; the latest update failed: "
    )
    assert "The build failed, so the live build is unchanged" in line and "more detail" not in line
    hostile = update_failed_line(build, "[click](http://evil) \x1b[2J **bold**")
    assert "](" not in hostile and "\x1b" not in hostile and "**" not in hostile

"""Month-end snapshots (warehouse/snapshots.py): `iroqa snapshot --month` builds the marts as at the
month's last day into a kept file that is never made live and never pruned, and its figures are
those of `iroqa build --as-at` that day."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import SNAPSHOT_MONTH, clone_warehouse
from warehouse.build import build
from warehouse.snapshots import (
    SnapshotError,
    list_snapshots,
    make_due,
    month_end,
    parse_month,
    previous_month,
    read_snapshot,
    snapshots_dir,
)
from warehouse.store import prune_builds, read_live

REPO = Path(__file__).resolve().parents[2]


def iroqa(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, IROQA_HOME=str(home))
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True, timeout=600, cwd=REPO
    )


def test_the_cli_makes_a_snapshot_that_is_not_live_and_pruning_keeps(snapshot_warehouse):
    w, snap = snapshot_warehouse.warehouse, snapshot_warehouse.snapshot
    assert "Month-end snapshot 2026-09 (as at 2026-09-30" in snapshot_warehouse.cli.stdout
    assert snap.as_at == "2026-09-30" and snap.mode == "snapshot"
    assert snap.file == snapshots_dir(w.paths) / "2026-09.duckdb" and snap.file.is_file()
    # the live build is untouched: live viewers see what they saw
    assert read_live(w.paths).build_id == w.live.build_id
    # the most eager pruning there is removes every old build but the live one, never a snapshot
    (w.paths.builds_dir / "old.duckdb").write_bytes(b"an old build")
    os.utime(w.paths.builds_dir / "old.duckdb", (0, 0))
    removed = prune_builds(w.paths, keep=0, min_age_seconds=0)
    assert [f.name for f in removed] == ["old.duckdb"]
    assert snap.file.is_file() and read_snapshot(SNAPSHOT_MONTH, w.paths) == snap
    assert [s.as_at for s in list_snapshots(w.paths)] == ["2026-09-30"]
    listed = iroqa(w.home, "snapshot", "--list")
    assert listed.returncode == 0 and "2026-09  as at 2026-09-30" in listed.stdout
    # asking again keeps the one there; nothing is built
    again = iroqa(w.home, "snapshot", "--month", "2026-09")
    assert again.returncode == 2 and "already has a snapshot" in again.stderr and "--replace" in again.stderr


@pytest.mark.parametrize(
    ("month", "words"),
    [
        ("2026-13", "'2026-13' is not a month: write it as YYYY-MM"),
        ("Sept 2026", "'Sept 2026' is not a month"),
        ("2026-9-1", "is not a month"),
        ("2999-01", "2999-01 has not closed yet (its last day is 2999-01-31)"),
    ],
)
def test_a_month_that_cannot_have_a_snapshot_is_refused_plainly(empty_home, month, words):
    out = iroqa(empty_home.home, "snapshot", "--month", month)
    assert out.returncode == 2 and words in out.stderr
    assert not snapshots_dir(empty_home).exists() or not any(snapshots_dir(empty_home).iterdir())


def test_month_arithmetic():
    assert parse_month(" 2026-09 ") == "2026-09"
    assert month_end("2026-02") == date(2026, 2, 28) and month_end("2028-02") == date(2028, 2, 29)
    assert month_end("2026-09") == date(2026, 9, 30) and month_end("2026-12") == date(2026, 12, 31)
    assert previous_month(date(2026, 10, 1)) == "2026-09" and previous_month(date(2027, 1, 31)) == "2026-12"
    with pytest.raises(SnapshotError):
        parse_month("2026-00")


def _tables(path: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main' "
                "and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        out = {}
        for name in names:
            if name == "build_info":  # when and how the file was built: differs by design
                continue
            df = con.sql(f'select * from "{name}"').pl()  # noqa: S608 - names from the catalogue
            out[name] = df.sort(df.columns, nulls_last=True) if df.height else df
        return out
    finally:
        con.close()


def test_a_snapshots_figures_are_those_of_a_build_as_at_that_day(snapshot_warehouse, tmp_path):
    snap = snapshot_warehouse.snapshot
    other = clone_warehouse(snapshot_warehouse.warehouse, tmp_path / "as_at_home")
    result = build(as_at=date(2026, 9, 30), p=other.paths)
    assert result.live.as_at == snap.as_at
    mine, theirs = _tables(snap.file), _tables(result.live.file)
    assert set(mine) == set(theirs) and "fct_challenges" in mine and "mart_open_stage_3_4" in mine
    for name in mine:
        assert mine[name].equals(theirs[name]), name
    con = duckdb.connect(str(snap.file), read_only=True)
    try:
        assert str(con.execute("select as_at from build_info").fetchone()[0]) == "2026-09-30"
    finally:
        con.close()


def test_make_due_builds_only_what_is_missing_and_only_when_on(snapshot_warehouse, monkeypatch):
    p = snapshot_warehouse.warehouse.paths
    monkeypatch.setenv("IROQA_AUTO_SNAPSHOTS", "0")
    assert make_due(p, as_at=date(2026, 11, 3)) is None  # off: nothing, even though October has none
    assert read_snapshot("2026-10", p) is None
    monkeypatch.setenv("IROQA_AUTO_SNAPSHOTS", "1")
    # on, and the month before the live as-at date (30 Oct) already has its snapshot: nothing built
    before = sorted(f.name for f in snapshots_dir(p).iterdir())
    assert make_due(p) is None
    assert sorted(f.name for f in snapshots_dir(p).iterdir()) == before

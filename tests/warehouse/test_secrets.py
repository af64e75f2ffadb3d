"""Secrets stay secret (issue 10): after a build, after saves and an events-only build, and after
an ingest, the pseudonym key is in no file under $IROQA_HOME but its own, and everything there is
owner-only (0600 files, 0700 folders)."""

from __future__ import annotations

import stat
from datetime import date, timedelta

import duckdb

from tests.conftest import make_warehouse
from warehouse.build import build
from warehouse.events import write_event
from warehouse.loader import ingest_paths
from warehouse.pseudonyms import pseudonym, pseudonym_key

END = date(2025, 11, 21)


def _leaks_and_loose_modes(home, key: str) -> tuple[list[str], list[str]]:
    leaks, loose = [], []
    key_file = home / "auth" / "pseudonym.key"
    for path in [home, *home.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_dir():
            if mode != 0o700:
                loose.append(f"{path.relative_to(home)}/ {oct(mode)}")
            continue
        if mode & 0o077:
            loose.append(f"{path.relative_to(home)} {oct(mode)}")
        if path != key_file and key.encode() in path.read_bytes():
            leaks.append(str(path.relative_to(home)))
    return leaks, loose


def test_the_key_is_in_no_file_but_its_own_and_everything_is_owner_only(tmp_path):
    home = tmp_path / "home"
    w = make_warehouse(home, scale="tiny", end=END)
    key = pseudonym_key(w.paths)
    leaks, loose = _leaks_and_loose_modes(home, key)
    assert leaks == [] and loose == [], (leaks, loose)
    assert (home / "dbt_target" / "manifest.json").exists()  # what used to hold the key in clear
    assert list((home / "dbt_target").rglob("compiled/**/fct_challenges.sql"))

    con = duckdb.connect(str(w.live.file), read_only=True)
    child, case_ref = con.execute("select child_id, case_ref from dim_children limit 1").fetchone()
    con.close()
    assert case_ref == pseudonym(child, key)  # the same references as before the key left the SQL

    write_event(
        {
            "action": "note",
            "challenge_id": con_challenge(w),
            "event_on": END - timedelta(days=1),
            "note": "secrets test",
            "recorded_by": "tester",
        },
        w.paths,
    )
    result = build(as_at=END, p=w.paths, events_only=True, unit_tests=False)
    assert result.mode == "events"
    rows = w.extracts / "teams.csv"
    bad = tmp_path / "teams.csv"
    bad.write_text(rows.read_text().splitlines()[0] + "\n,no id\n")
    report = ingest_paths([bad], paths=w.paths)
    assert report.report_path is not None  # a rejections report was written
    leaks, loose = _leaks_and_loose_modes(home, key)
    assert leaks == [] and loose == [], (leaks, loose)


def con_challenge(w) -> str:
    con = duckdb.connect(str(w.live.file), read_only=True)
    try:
        return con.execute(
            "select challenge_id from fct_challenges order by challenge_id limit 1"
        ).fetchone()[0]
    finally:
        con.close()

"""The optional good_practice extract (issue 13): loaded in the canonical layout and through the
Mosaic profile; its themes are checked against the good-practice list (not the concern themes),
and a child, when given, must be known; a bad row is quarantined with a message saying what and
where, and the good rows load."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import LOAD_DATE, write_csv

from warehouse.loader import ingest_paths

ROWS = [
    {
        "good_practice_id": "GP1",
        "recorded_on": "2024-03-04",
        "iro_worker_id": "W010",
        "team_id": "T-SW1",
        "themes": "voice_of_child_heard;Clear and specific care plan",  # a code and a label
        "description": "The child's views shaped the plan.",
        "child_id": "C1001",
    },
    {
        "good_practice_id": "GP2",
        "recorded_on": "2024-03-05",
        "iro_worker_id": "W010",
        "team_id": "T-SW1",
        "themes": "care_plan_quality",  # a concern theme, not a good-practice one
        "description": "x",
        "child_id": "",
    },
    {
        "good_practice_id": "GP3",
        "recorded_on": "2024-03-06",
        "iro_worker_id": "W010",
        "team_id": "T-SW1",
        "themes": "prompt_response",
        "description": "Same-day reply.",
        "child_id": "C-NOBODY",
    },
]


def _extract(tmp_path: Path, examples: Path) -> Path:
    folder = tmp_path / "extract"
    folder.mkdir()
    for f in (examples / "canonical").glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    write_csv(folder, "good_practice.csv", ROWS)
    return folder


def test_good_practice_loads_and_bad_rows_are_quarantined_with_reasons(home, examples, tmp_path):
    report = ingest_paths([_extract(tmp_path, examples)], paths=home, load_date=LOAD_DATE)
    assert report.ok, report.summary()
    [gp] = [f for f in report.files if f.entity == "good_practice"]
    assert (gp.status, gp.rejected) == ("loaded", 2)
    con = duckdb.connect(str(home.raw_db), read_only=True)
    try:
        rows = con.sql("select good_practice_id, themes from good_practice").fetchall()
    finally:
        con.close()
    assert rows == [("GP1", "voice_of_child_heard;clear_care_plan")]
    why = {r["rule_code"]: (r["row_number"], r["message"]) for r in report.rejections.iter_rows(named=True)}
    assert why["R008"][0] + 1 == why["R015"][0]  # the second and third rows, each with its reason
    assert "good_practice_themes.csv" in why["R008"][1] and "care_plan_quality" in why["R008"][1]
    assert "C-NOBODY" in why["R015"][1]


def test_the_mosaic_profile_maps_good_practice(home, examples, tmp_path):
    folder = tmp_path / "mosaic"
    folder.mkdir()
    for f in (examples / "mosaic").glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    write_csv(
        folder,
        "mosaic_good_practice.csv",
        [
            {
                "FORM_ID": "GP9",
                "FORM_DATE": "04/03/2024",
                "IRO_WORKER_ID": "W010",
                "TEAM_ID": "T-SW1",
                "GOOD_PRACTICE_THEMES": "multi_agency_working",
                "GOOD_PRACTICE": "Joint visit with health.",
                "PERSON_ID": "",
            }
        ],
    )
    report = ingest_paths([folder], profile="mosaic", paths=home, load_date=LOAD_DATE)
    assert report.ok and report.rows_rejected == 0, report.summary()
    con = duckdb.connect(str(home.raw_db), read_only=True)
    try:
        assert con.sql("select good_practice_id, recorded_on::varchar from good_practice").fetchall() == [
            ("GP9", "2024-03-04")
        ]
    finally:
        con.close()

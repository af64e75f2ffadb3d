"""ingest_paths end to end, against a raw store in a temporary IROQA_HOME."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter
from conftest import LOAD_DATE, example_rows, write_csv

from ingest import schema
from ingest.profiles import ProfileError
from warehouse import raw
from warehouse.loader import LoadIds, ingest_paths
from warehouse.store import LockTimeout, exclusive_lock


def sql(home, q, params=None) -> pl.DataFrame:
    con = duckdb.connect(str(home.raw_db), read_only=True)
    try:
        return con.sql(q, params=params).pl()
    finally:
        con.close()


def count(home, table: str) -> int:
    assert table in schema.ENTITIES
    return sql(home, f"select count(*) n from {table}")["n"][0]  # noqa: S608 (a schema table name)


def ingest(sources, **kw):
    kw.setdefault("load_date", LOAD_DATE)
    return ingest_paths([Path(s) for s in sources], **kw)


def canonical_copy(tmp_path: Path, examples: Path) -> Path:
    folder = tmp_path / "extract"
    folder.mkdir()
    for f in (examples / "canonical").glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    return folder


# -- the shipped examples ---------------------------------------------------------------------

#: Optional files the shipped examples do not send (tests/ingest/test_ingest_good_practice.py loads one).
OPTIONAL = ("good_practice",)


@pytest.mark.parametrize("profile", ["canonical", "mosaic", "liquidlogic"])
def test_each_profile_example_loads_cleanly(home, examples, profile):
    report = ingest([examples / profile], profile=profile, paths=home)
    assert report.ok, report.summary()
    sent = [e for e in schema.LOAD_ORDER if e not in OPTIONAL]
    assert [f.status for f in report.files] == ["loaded"] * len(sent)
    assert [f.entity for f in report.files] == sent
    assert report.rows_rejected == 0 and report.report_path is None
    counts = {e: count(home, e) for e in sent}
    assert counts == {e: len(example_rows(e)) for e in sent}
    assert all(count(home, e) == 0 for e in OPTIONAL)  # an optional file not sent: an empty table


@pytest.mark.parametrize("profile", ["mosaic", "liquidlogic"])
def test_profile_examples_mean_the_same_as_the_canonical_example(tmp_path, examples, profile):
    from warehouse.settings import Paths

    stores = {}
    for prof in ("canonical", profile):
        p = Paths(tmp_path / prof)
        ingest([examples / prof], profile=prof, paths=p)
        stores[prof] = {
            e: sql(p, f"select * exclude (_load_id, _source_file, _source_row) from {e} order by all")  # noqa: S608
            for e in schema.LOAD_ORDER
        }
    for e in schema.LOAD_ORDER:
        assert stores[profile][e].equals(stores["canonical"][e]), e


def test_raw_tables_are_typed_from_the_schema(home, examples):
    ingest([examples / "canonical"], paths=home)
    types = sql(home, "select table_name, column_name, data_type from information_schema.columns")
    got = {(t, c): d for t, c, d in types.iter_rows()}
    for ent in schema.ENTITIES.values():
        for c in ent.columns:
            assert got[(ent.name, c.name)] == raw.DUCKDB_TYPES[c.type]
        for name, _ in raw.LINEAGE:
            assert (ent.name, name) in got
    ev = sql(home, "select * from challenge_events where event_id = 'E001'").row(0, named=True)
    assert ev["event_on"] == date(2024, 1, 12) and ev["stage"] == 0 and ev["satisfied"] is False
    assert ev["recorded_at"].isoformat() == "2024-01-12T10:15:00"
    ch = sql(home, "select themes from challenges where challenge_id = 'CH001'")["themes"][0]
    assert ch == "care_plan_quality;pep_outstanding"


def test_lineage_columns(home, examples):
    report = ingest([examples / "canonical"], paths=home)
    rows = sql(
        home, "select child_id, _load_id, _source_file, _source_row from children order by _source_row"
    )
    assert rows["_source_row"].to_list() == [2, 3, 4, 5]  # header is row 1
    assert set(rows["_source_file"]) == {"children.csv"}
    children = next(f for f in report.files if f.entity == "children")
    assert set(rows["_load_id"]) == {children.load_id}
    ids = [f.load_id for f in report.files]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


# -- idempotence, load ids, the log -----------------------------------------------------------


def test_loading_the_same_files_twice_changes_nothing(home, examples):
    first = ingest([examples / "canonical"], paths=home)
    before = {e: count(home, e) for e in schema.LOAD_ORDER}
    second = ingest([examples / "canonical"], paths=home)
    assert [f.status for f in second.files] == ["duplicate"] * 6
    assert second.ok
    assert {e: count(home, e) for e in schema.LOAD_ORDER} == before
    log = sql(home, "select status, count(*) n from load_log group by status order by status")
    assert dict(log.iter_rows()) == {"duplicate": 6, "loaded": 6}
    assert "already loaded" in second.files[0].message
    assert min(f.load_id for f in second.files) > max(f.load_id for f in first.files)


def test_same_content_under_another_name_is_a_duplicate(home, examples, tmp_path):
    ingest([examples / "canonical" / "teams.csv"], paths=home)
    copy = tmp_path / "teams_2024-04-01.csv"
    copy.write_bytes((examples / "canonical" / "teams.csv").read_bytes())
    report = ingest([copy], paths=home)
    assert report.files[0].status == "duplicate"


def test_force_loads_again(home, examples):
    ingest([examples / "canonical" / "teams.csv"], paths=home)
    report = ingest([examples / "canonical" / "teams.csv"], paths=home, force=True)
    assert report.files[0].status == "loaded"
    assert sql(home, "select count(distinct _load_id) n from teams")["n"][0] == 2


def test_load_ids_sort_chronologically_even_if_the_clock_goes_back():
    ids = LoadIds("29991231T235959999999Z-abcdef")
    a, b = ids.next(), ids.next()
    assert "29991231T235959999999Z-abcdef" < a < b


def test_load_log_columns(home, examples):
    ingest([examples / "canonical" / "teams.csv"], paths=home)
    row = sql(home, "select * from load_log").row(0, named=True)
    assert row["file_name"] == "teams.csv" and row["entity"] == "teams" and row["profile"] == "canonical"
    assert row["status"] == "loaded" and (row["rows_read"], row["rows_accepted"], row["rows_rejected"]) == (
        3,
        3,
        0,
    )
    assert len(row["content_sha256"]) == 64 and row["file_path"].endswith("teams.csv")
    assert row["loaded_at"] is not None


# -- rejections -------------------------------------------------------------------------------


def test_rows_are_quarantined_and_reported(home, tmp_path, examples):
    folder = canonical_copy(tmp_path, examples)
    rows = example_rows("children")
    rows[1]["date_of_birth"] = "31/02/2017"
    rows[2]["legal_status"] = "adopted"
    write_csv(folder, "children.csv", rows)
    report = ingest([folder], paths=home)
    assert report.ok  # quarantined rows do not reject the file
    children = next(f for f in report.files if f.entity == "children")
    assert (children.rows_read, children.accepted, children.rejected) == (4, 2, 2)
    # challenges/qa about the quarantined children are quarantined as unknown children, and the
    # events of those challenges as events of unknown challenges
    rej = sql(home, "select * from rejected_rows order by file_name, row_number")
    assert set(rej["rule_code"]) == {"R002", "R005", "R015", "R016"}
    bad_date = rej.filter(pl.col("rule_code") == "R002").row(0, named=True)
    assert bad_date["file_name"] == "children.csv" and bad_date["row_number"] == 3
    assert bad_date["column_name"] == "date_of_birth"
    assert json.loads(bad_date["raw_record"])["date_of_birth"] == "31/02/2017"
    # the report CSV
    assert report.report_path and report.report_path.parent == home.reports_dir
    with open(report.report_path, encoding="utf-8-sig") as fh:
        lines = list(csv.DictReader(fh))
    assert {r["rule_code"] for r in lines} == {"R002", "R005", "R015", "R016"}
    text = report.summary()
    assert (
        "R002 x 1 row: Date not valid" in text
        and "children.csv row 3, date_of_birth: '31/02/2017' is not a real date" in text
    )
    assert str(report.report_path) in text


def test_a_file_failing_a_file_rule_is_rejected_whole(home, tmp_path):
    path = write_csv(tmp_path, "children.csv", [{"child_id": "C1", "dob": "2010-01-01"}])
    report = ingest([path], paths=home)
    assert not report.ok
    f = report.files[0]
    assert f.status == "rejected" and f.accepted == 0
    assert "F005" in f.message and "legal_status" in f.message
    assert sql(home, "select count(*) n from children")["n"][0] == 0
    log = sql(home, "select status, message from load_log").row(0, named=True)
    assert log["status"] == "rejected" and "legal_status" in log["message"]
    rej = sql(home, "select * from rejected_rows")
    assert rej["rule_code"].to_list() == ["F005"] and rej["row_number"][0] is None
    assert "Rejected files" in report.summary()


def test_unrecognised_and_unreadable_files(home, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.csv").write_text("a,b\n1,2\n")
    (tmp_path / "in" / "teams.csv").write_bytes("team_id,team_name\nT1,Caf\xe9\n".encode("cp1252"))
    (tmp_path / "in" / "qa_grades.xlsx").write_text("not a workbook")
    (tmp_path / "in" / "readme.txt").write_text("ignored: not .csv/.xlsx")
    (tmp_path / "in" / "~$children.xlsx").write_text("Excel's lock file: ignored")
    report = ingest([tmp_path / "in", tmp_path / "missing.csv"], paths=home)
    by_file = {f.file: f for f in report.files}
    assert set(by_file) == {"notes.csv", "teams.csv", "qa_grades.xlsx", "missing.csv"}
    assert all(f.status == "rejected" for f in report.files)
    assert "cannot tell which extract notes.csv is" in by_file["notes.csv"].message
    assert "not UTF-8 text (byte 0xE9 on line 2)" in by_file["teams.csv"].message
    assert "not a readable Excel workbook" in by_file["qa_grades.xlsx"].message
    assert "no such file or folder" in by_file["missing.csv"].message


def test_duplicate_headers_reject_the_file(home, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text("team_id,team_name,service_name,team_kind,team_id\nT1,A,S,social_work,T2\n")
    report = ingest([path], paths=home)
    assert report.files[0].status == "rejected" and "F004" in report.files[0].message


def test_empty_file_is_rejected(home, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text("")
    report = ingest([path], paths=home)
    assert report.files[0].status == "rejected" and "F002" in report.files[0].message


# -- references across files and loads --------------------------------------------------------


def test_references_resolve_within_one_call_and_across_calls(home, tmp_path, examples):
    folder = canonical_copy(tmp_path, examples)
    # children in one call ...
    assert ingest([folder / "children.csv"], paths=home).ok
    # ... challenges and events in a later one: known children, and events checked against
    # challenges loaded earlier in the same call (files given in any order)
    events = example_rows("challenge_events")
    events.append(dict(events[0], event_id="E100", challenge_id="CH999"))
    events.append(dict(events[0], event_id="E101", event_on="2024-01-01"))  # before CH001 was raised
    write_csv(folder, "challenge_events.csv", events)
    report = ingest([folder / "challenge_events.csv", folder / "challenges.csv"], paths=home)
    assert [f.entity for f in report.files] == ["challenges", "challenge_events"]
    assert report.files[0].rejected == 0
    ev = report.files[1]
    assert (ev.accepted, ev.rejected) == (9, 2)
    codes = dict(report.rejections.select("row_number", "rule_code").iter_rows())
    assert codes == {11: "R016", 12: "R017"}


def test_a_later_version_of_a_challenge_is_used_for_dates(home, tmp_path, examples):
    folder = canonical_copy(tmp_path, examples)
    ingest([folder], paths=home)
    rows = example_rows("challenges")
    rows[0]["raised_on"] = "2024-01-20"  # CH001 corrected: raised later than its E001 response
    write_csv(tmp_path / "later", "challenges.csv", rows)
    ingest([tmp_path / "later" / "challenges.csv"], paths=home)
    events = example_rows("challenge_events")
    write_csv(tmp_path / "later", "challenge_events.csv", [dict(events[0], note="again")])
    report = ingest([tmp_path / "later" / "challenge_events.csv"], paths=home)
    assert report.rejections["rule_code"].to_list() == ["R017"]


# -- atomicity and the lock -------------------------------------------------------------------


def test_a_failure_mid_load_leaves_nothing_of_the_file(home, tmp_path, monkeypatch):
    import warehouse.loader as loader

    rows = [
        {"team_id": f"T{i}", "team_name": "A", "service_name": "S", "team_kind": "social_work"}
        for i in range(250)
    ]
    path = write_csv(tmp_path, "teams.csv", rows)
    monkeypatch.setattr(loader, "BATCH_ROWS", 100)
    real = raw.insert_frame
    calls = []

    def failing(con, table, frame):
        calls.append(table)
        if table == "teams" and calls.count("teams") == 2:
            raise RuntimeError("disk full")
        return real(con, table, frame)

    monkeypatch.setattr(raw, "insert_frame", failing)
    report = ingest([path], paths=home)
    f = report.files[0]
    assert f.status == "rejected" and "disk full" in f.message
    assert sql(home, "select count(*) n from teams")["n"][0] == 0
    log = sql(home, "select status, message from load_log")
    assert log["status"].to_list() == ["rejected"]
    # the file was not recorded as loaded, so it loads once the problem is fixed
    monkeypatch.setattr(raw, "insert_frame", real)
    assert ingest([path], paths=home).files[0].status == "loaded"
    assert sql(home, "select count(*) n from teams")["n"][0] == 250


def test_the_lock_is_held_while_writing(home, examples, monkeypatch):
    real = raw.insert_frame
    seen = []

    def probe(con, table, frame):
        try:
            with exclusive_lock(home, timeout=0):
                seen.append("free")
        except LockTimeout:
            seen.append("held")
        return real(con, table, frame)

    monkeypatch.setattr(raw, "insert_frame", probe)
    ingest([examples / "canonical" / "teams.csv"], paths=home)
    assert seen and set(seen) == {"held"}


# -- hostile input ----------------------------------------------------------------------------

HOSTILE = [
    "Robert'); DROP TABLE challenges;--",
    '<script>alert("x")</script> &amp; <b>bold</b>',
    "emoji 🎉👩‍👧 and ünïcödé — “quotes” ‘single’",
    '=HYPERLINK("http://example.invalid","click")',
    "multi\nline\ttabbed",
    '"quoted", with, commas',
]


def test_hostile_strings_are_stored_exactly_or_quarantined(home, tmp_path, examples):
    folder = canonical_copy(tmp_path, examples)
    rows = example_rows("challenges")
    extra = []
    for i, s in enumerate(HOSTILE):
        extra.append(dict(rows[0], challenge_id=f"H{i}", concern=s))
    extra.append(dict(rows[0], challenge_id="LONG", concern="x" * 5000))
    extra.append(dict(rows[0], challenge_id="NUL", concern="before\x00after"))
    extra.append(dict(rows[0], challenge_id="'; DROP TABLE load_log;--", concern="id is hostile too"))
    write_csv(folder, "challenges.csv", rows + extra)
    report = ingest([folder], paths=home)
    assert report.ok
    stored = dict(sql(home, "select challenge_id, concern from challenges").iter_rows())
    for i, s in enumerate(HOSTILE):
        assert stored[f"H{i}"] == s.strip()
    assert stored["'; DROP TABLE load_log;--"] == "id is hostile too"
    assert "LONG" not in stored and "NUL" not in stored
    rej = report.rejections
    assert set(rej.filter(pl.col("rule_code").is_in(["R009", "R010"]))["rule_code"]) == {"R009", "R010"}
    nul = rej.filter(pl.col("rule_code") == "R010")["raw_record"][0]
    assert json.loads(nul)["concern"] == "before\x00after"  # the raw record keeps the exact value
    assert sql(home, "select count(*) n from load_log")["n"][0] == 6
    # a hostile file name is data too
    odd = tmp_path / "x'; DROP TABLE teams;--"
    odd.mkdir()
    write_csv(odd, "teams.csv", [dict(example_rows("teams")[0], team_name="changed")])
    assert ingest([odd], paths=home).ok
    assert sql(home, "select count(*) n from teams")["n"][0] == 4


# -- files as people make them ------------------------------------------------------------------


def test_csv_with_bom_uk_dates_blank_rows_and_spaces(home, tmp_path):
    text = (
        "\ufeff Child_ID , Legal Status ,Date of birth\r\n"
        "C1, LAC ,31/07/2017\r\n"
        "\r\n"
        ",,\r\n"
        "C2,cp,2017-07-31\r\n"
    )
    path = tmp_path / "children.csv"
    path.write_bytes(text.encode("utf-8"))
    report = ingest([path], paths=home)
    assert report.ok and report.files[0].accepted == 2
    rows = sql(home, "select child_id, legal_status, date_of_birth, _source_row from children order by 1")
    assert rows.rows() == [("C1", "lac", date(2017, 7, 31), 2), ("C2", "cp", date(2017, 7, 31), 5)]


def test_file_names_with_dates_and_copies(home, tmp_path, examples):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "Teams_2024-03-31.csv").write_bytes((examples / "canonical" / "teams.csv").read_bytes())
    (folder / "children (1).csv").write_bytes((examples / "canonical" / "children.csv").read_bytes())
    report = ingest([folder], paths=home)
    assert {f.file: f.entity for f in report.files} == {
        "Teams_2024-03-31.csv": "teams",
        "children (1).csv": "children",
    }


def make_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    from datetime import datetime

    wb = xlsxwriter.Workbook(str(path))
    fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, datetime):
                    ws.write_datetime(r, c, v, fmt)
                elif v is not None:
                    ws.write(r, c, v)
    wb.close()
    return path


def test_xlsx_sheets_native_dates_and_row_numbers(home, tmp_path):
    from datetime import datetime

    path = make_workbook(
        tmp_path / "extract.xlsx",
        {
            "Children": [
                [None],
                [None],  # the header may start lower down: row numbers are the sheet's own
                ["child_id", "legal_status", "date_of_birth"],
                ["C1", "lac", datetime(2017, 7, 31)],
                [None],
                [12345, "CP", "31/02/2017"],
            ],
            "Notes": [["Exported by the case system"]],
            "Sheet3": [],
        },
    )
    report = ingest([path], paths=home)
    by = {f.file: f for f in report.files}
    assert set(by) == {"extract.xlsx!Children", "extract.xlsx!Notes"}  # the empty sheet is ignored
    assert by["extract.xlsx!Notes"].status == "rejected"
    ch = by["extract.xlsx!Children"]
    assert (ch.status, ch.accepted, ch.rejected) == ("loaded", 1, 1)
    assert sql(home, "select child_id, date_of_birth, _source_row, _source_file from children").rows() == [
        ("C1", date(2017, 7, 31), 4, "extract.xlsx!Children")
    ]
    bad = report.rejections.filter(pl.col("rule_code") == "R002").row(0, named=True)
    assert bad["row_number"] == 6 and bad["file_name"] == "extract.xlsx!Children"
    assert json.loads(bad["raw_record"])["child_id"] == "12345"


def test_single_sheet_workbook_is_identified_by_file_name(home, tmp_path):
    path = make_workbook(
        tmp_path / "teams.xlsx",
        {"Sheet1": [["team_id", "team_name", "service_name", "team_kind"], ["T1", "A", "S", "Social Work"]]},
    )
    report = ingest([path], paths=home)
    assert report.files[0].status == "loaded" and report.files[0].file == "teams.xlsx"
    assert sql(home, "select team_kind from teams")["team_kind"][0] == "social_work"


def test_ragged_csv_rows_are_quarantined(home, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text("team_id,team_name,service_name,team_kind\nT1,A,S,social_work\nT2,A,B,S,social_work\n")
    report = ingest([path], paths=home)
    assert (report.files[0].accepted, report.files[0].rejected) == (1, 1)
    assert "R018" in report.rejections["rule_code"].to_list()
    assert set(report.rejections["row_number"]) == {3}


def test_progress_lines(home, examples):
    lines: list[str] = []
    ingest([examples / "canonical"], paths=home, progress=lines.append)
    assert any(line.startswith("teams.csv: teams, 3 rows read") for line in lines)
    assert len([line for line in lines if "rows read" in line]) == 6


def test_unknown_profile_is_an_error(home, examples):
    with pytest.raises(ProfileError, match="available: canonical, liquidlogic, mosaic"):
        ingest([examples / "canonical"], profile="eclipse", paths=home)


def test_default_paths_come_from_iroqa_home(home, examples):
    ingest_paths([examples / "canonical" / "teams.csv"])
    assert home.raw_db.exists()


def test_a_column_added_to_the_schema_is_added_to_an_existing_table(home, examples):
    home.ensure()
    con = duckdb.connect(str(home.raw_db))
    con.execute('create table teams (team_id VARCHAR, "_load_id" VARCHAR)')
    con.close()
    assert ingest([examples / "canonical" / "teams.csv"], paths=home).ok
    assert sql(home, "select count(team_kind) n from teams")["n"][0] == 3

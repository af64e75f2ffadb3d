"""Ingest streams a CSV file (issue 14): it reads, checks and writes it in batches of whole records
(``readers.CHUNK_BYTES``), never the whole file at once. Streamed in many small batches, a file
gives the same rows, row numbers, loaded rows and rejections (file, row, column, rule, message,
raw record) as read in one batch; duplicate keys are found across batches; a fault anywhere leaves
nothing of the file."""

from __future__ import annotations

import io

import duckdb
import polars as pl
import pytest
from conftest import csv_text, example_rows, write_csv

from ingest import readers
from ingest.readers import CsvReader, ReadError, read_csv
from warehouse import loader
from warehouse.loader import ingest_paths
from warehouse.settings import Paths

# Files that exercise the reader: BOM, leading blank lines, quoted line breaks and commas, doubled
# quotes, CR LF, blank and white-space rows, short rows, rows with too many values (also the last
# one, unterminated, which polars alone lets through), empty header cells.
TRICKY = [
    b'\xef\xbb\xbfa,b\n1,"two\nlines"\n\n3,x\n',
    b"\n\r\n\na,b\n1,2\n",
    b"a,b,c\n1\n1,2,3,4\n",
    b'a,b,c\n1,2,3\n4,5,6,7\n\n8,9\n"x\ny",2,3,4,5\n10,11,12\n',
    b'a,"b\nc",d\n1,2,3\n"q""x",",",\n\r\n',
    b"a,b\r\n1,2\r\n\r\n3,4\r\n",
    b'h0,h1,h2\r\n12,12,"q,uo""te"\r\n12,12,12,hello\r\n\r\n"a\r\nb", ,12\r\nhello\r\nx,x,x,',
    b"a,b\n1,2",
    b"a,b",
    b"a,b\n",
    b" ,a,\n1,2,3\n , , \n",
    b"   \n\n",
    b"",
]


def _streamed(data: bytes, chunk_bytes: int) -> tuple:
    reader = CsvReader(io.BytesIO(data), "f.csv", chunk_bytes=chunk_bytes)
    parts = list(reader.batches())
    return (
        reader.headers,
        reader.header_row,
        [row for t in parts for row in t.data.rows()],
        [r for t in parts for r in t.ragged_rows],
        sum(t.rows_total for t in parts),
    )


@pytest.mark.parametrize("data", TRICKY)
def test_any_batch_size_reads_as_the_whole_file(data):
    whole = read_csv(data, "f.csv")
    expected = (whole.headers, whole.header_row, whole.data.rows(), whole.ragged_rows, whole.rows_total)
    for chunk_bytes in (1, 2, 3, 5, 8, 13, 40, 1 << 20):
        assert _streamed(data, chunk_bytes) == expected, chunk_bytes


def test_a_byte_that_is_not_utf8_further_on_is_found_in_its_batch():
    data = b"a,b\n" + b"1,2\n" * 50 + "3,£\n".encode("cp1252")
    with pytest.raises(ReadError, match=r"not UTF-8 text \(byte 0xA3 on line 52\)"):
        read_csv(data, "f.csv")
    reader = CsvReader(io.BytesIO(data), "f.csv", chunk_bytes=16)
    assert reader.headers == ["a", "b"]  # the start reads well
    with pytest.raises(ReadError, match=r"not UTF-8 text \(byte 0xA3 on line 52\)"):
        list(reader.batches())


def test_a_batch_never_splits_a_record():
    data = b'a,b\n1,"x\n' + b"\n" * 100 + b'y"\n2,z\n'
    batches = list(CsvReader(io.BytesIO(data), "f.csv", chunk_bytes=4).batches())
    rows = [r for t in batches for r in t.data.rows()]
    assert rows == [("1", "x\n" + "\n" * 100 + "y", 2), ("2", "z", 3)]


# -- the loader ---------------------------------------------------------------------------------


def _load(home, files, chunk_bytes, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_BYTES", chunk_bytes)
    report = ingest_paths(files, paths=home)
    con = duckdb.connect(str(home.raw_db), read_only=True)
    try:
        tables = {
            f.entity: con.sql(
                f'select * exclude (_load_id) from "{f.entity}" order by _source_row'  # noqa: S608
            ).pl()
            for f in report.files
            if f.entity
        }
        log = con.sql(
            "select file_name, entity, rows_read, rows_accepted, rows_rejected, status, message "
            "from load_log order by load_id"
        ).pl()
        stored = con.sql("select * exclude (load_id) from rejected_rows").pl()
    finally:
        con.close()
    return report, tables, log, stored


def _events_with_faults(n: int) -> list[dict]:
    """``n`` challenge events of the example challenge, with faults: an unknown challenge, bad dates
    in the middle and near the end, an event before its challenge, an event id used in the first and
    in a late row, one of those with a bad stage too."""
    base = example_rows("challenge_events")[0]
    rows = [dict(base, event_id=f"E{i:06d}", note=f'note {i}, "quoted"\nsecond line') for i in range(n)]
    rows[n // 3]["challenge_id"] = "CH-NONE"  # R016, judged on the whole file
    rows[n // 2]["event_on"] = "31/02/2024"  # R002 in a later batch
    rows[2 * n // 3]["event_on"] = "2024-01-01"  # R017 (CH001 was raised on 2024-01-08)
    rows[n - 3]["event_on"] = "2024-13-01"
    rows[n - 2]["event_id"] = rows[1]["event_id"]  # R011 across batches
    rows[n - 1]["event_id"] = rows[0]["event_id"]
    rows[n - 1]["stage"] = "nine"  # and R006 on the same row
    return rows


@pytest.fixture
def extracts(tmp_path):
    folder = tmp_path / "in"
    for entity in ("teams", "workers", "children", "challenges"):
        write_csv(folder, f"{entity}.csv", example_rows(entity))
    write_csv(folder, "challenge_events.csv", _events_with_faults(3_000))
    return folder


def test_streaming_loads_and_rejects_exactly_as_one_batch(tmp_path, extracts, monkeypatch):
    size = (extracts / "challenge_events.csv").stat().st_size
    one = _load(Paths(tmp_path / "one"), [extracts], size * 2, monkeypatch)
    many = _load(Paths(tmp_path / "many"), [extracts], 20_000, monkeypatch)
    assert size > 10 * 20_000  # more than ten batches
    report_one, tables_one, log_one, stored_one = one
    report_many, tables_many, log_many, stored_many = many
    for entity, table in tables_one.items():
        assert tables_many[entity].equals(table), entity
    assert log_many.equals(log_one)
    assert report_many.rejections.drop("load_id").equals(report_one.rejections.drop("load_id"))
    assert stored_many.equals(stored_one)
    # and they are the faults planted, named by file, row, column and rule, with the raw record
    events = report_many.rejections.filter(pl.col("file_name") == "challenge_events.csv")
    assert events.select("row_number", "column_name", "rule_code").rows() == [
        (1_502, "event_on", "R002"),
        (2_999, "event_on", "R002"),
        (3_001, "stage", "R006"),
        (2, "event_id", "R011"),
        (3, "event_id", "R011"),
        (3_000, "event_id", "R011"),
        (3_001, "event_id", "R011"),
        (1_002, "challenge_id", "R016"),
        (2_002, "event_on", "R017"),
    ]
    assert events["raw_record"].null_count() == 0
    assert '"event_id":"E000000"' in events.filter(pl.col("row_number") == 2)["raw_record"][0]
    assert events.filter(pl.col("row_number") == 2)["message"][0].startswith(
        "row 2, event_id: event_id E000000 appears 2 times in this file (rows 2, 3001)"
    )
    loaded = tables_many["challenge_events"]
    assert loaded.height == 3_000 - 8
    assert not set(loaded["_source_row"]) & {2, 3, 1_002, 1_502, 2_002, 2_999, 3_000, 3_001}
    assert [f.rejected for f in report_many.files if f.entity == "challenge_events"] == [8]


def test_400000_rows_of_one_key_in_many_batches(tmp_path, home, monkeypatch):
    header = "child_id,legal_status,date_of_birth,gender,allocated_worker_id\n"
    big = tmp_path / "in" / "children.csv"
    big.parent.mkdir()
    big.write_text(header + "C1,lac,2012-05-14,Female,W001\n" * 400_000)
    report, tables, log, stored = _load(home, [big], 1 << 20, monkeypatch)  # about 12 batches
    f = report.files[0]
    assert (f.status, f.rows_read, f.accepted, f.rejected) == ("loaded", 400_000, 0, 400_000)
    assert tables["children"].height == 0
    assert report.rejections.height == 400_000
    assert report.rejections["raw_record"].null_count() == 0
    assert report.rejections["row_number"].to_list() == list(range(2, 400_002))
    first = report.rejections.row(0, named=True)
    assert first["message"] == (
        "row 2, child_id: child_id C1 appears 400000 times in this file "
        "(rows 2, 3, 4, 5, 6 and 399995 more); none of them is loaded"
    )
    assert stored.height == 400_000


def test_a_fault_in_a_later_batch_leaves_nothing_of_the_file(tmp_path, home, monkeypatch):
    rows = _events_with_faults(2_000)
    folder = tmp_path / "in"
    for entity in ("teams", "workers", "children", "challenges"):
        write_csv(folder, f"{entity}.csv", example_rows(entity))
    path = folder / "challenge_events.csv"
    path.write_bytes(csv_text(rows).encode() + "E9,CH1,£\n".encode("cp1252"))
    report, tables, log, _ = _load(home, [folder], 20_000, monkeypatch)
    f = report.files[-1]
    assert f.status == "rejected" and (f.rows_read, f.accepted) == (0, 0)
    assert f.message.startswith("F001: challenge_events.csv is not UTF-8 text (byte 0xA3 on line ")
    assert tables["challenge_events"].height == 0
    assert log["status"].to_list() == ["loaded"] * 4 + ["rejected"]


def test_a_rule_failing_in_a_later_batch_refuses_the_file(tmp_path, extracts, home, monkeypatch):
    from ingest import rules

    original = rules.BY_CODE["R009"].module.check
    calls = []

    def broken(ctx):
        if ctx.entity.name == "challenge_events":
            calls.append(ctx.rows)
            if len(calls) == 3:  # two batches were checked and written before
                raise ValueError("cannot measure")
        return original(ctx)

    monkeypatch.setattr(rules.BY_CODE["R009"].module, "check", broken)
    report, tables, log, _ = _load(home, [extracts], 20_000, monkeypatch)
    f = report.files[-1]
    assert f.status == "rejected" and "rule R009" in f.message and "cannot measure" in f.message
    assert f.rows_read == 3_000  # the whole file counted, as when it was read at once
    assert tables["challenge_events"].height == 0
    assert log["status"].to_list() == ["loaded"] * 4 + ["rejected"]


def test_a_write_failing_in_a_later_batch_leaves_nothing(tmp_path, extracts, home, monkeypatch):
    from warehouse import raw

    real = raw.insert_frame
    calls = []

    def failing(con, table, frame):
        calls.append(table)
        if table == "challenge_events" and calls.count(table) == 3:
            raise RuntimeError("disk full")
        return real(con, table, frame)

    monkeypatch.setattr(raw, "insert_frame", failing)
    report, tables, log, _ = _load(home, [extracts], 20_000, monkeypatch)
    f = report.files[-1]
    assert f.status == "rejected" and "disk full" in f.message and f.rows_read == 3_000
    assert calls.count("challenge_events") == 3  # two batches were written before
    assert tables["challenge_events"].height == 0
    assert log["status"].to_list() == ["loaded"] * 4 + ["rejected"]


def test_a_file_that_changes_while_it_loads_is_refused(tmp_path, home, monkeypatch):
    path = write_csv(tmp_path, "teams.csv", example_rows("teams"))
    stats = iter([(1, 1), (2, 2)])  # as hashed, then as at the end of the load
    monkeypatch.setattr(loader, "_stat", lambda _path: next(stats))
    report = ingest_paths([path], paths=home)
    f = report.files[0]
    assert f.status == "rejected" and "changed while it was being loaded" in f.message

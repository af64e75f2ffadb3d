"""Write-back events: the schema, the structural rules, exact text, atomic visibility, concurrency."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest import schema
from warehouse import events, settings
from warehouse.events import (
    ACTIONS,
    EMPTY_EVENTS_FILE,
    EVENT_SCHEMA,
    EVENTS_GLOB,
    EventError,
    ensure_events_readable,
    read_event,
    read_events,
    write_event,
)

TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def p(empty_home) -> settings.Paths:
    return empty_home.ensure()


def raised(**over) -> dict:
    fields = {
        "action": "raised",
        "recorded_by": "iro.jones",
        "child_id": "C0001",
        "raised_on": YESTERDAY,
        "raised_by_worker_id": "W100",
        "social_worker_id": "W200",
        "team_id": "T10",
        "legal_status": "lac",
        "context": "lac_review",
        "route": "formal",
        "entry_stage": 1,
        "themes": ["care_plan_quality", "assessment_out_of_date"],
        "concern": "The care plan has not been updated since the placement move.",
        "raised_with_worker_id": "W300",
    }
    fields.update(over)
    return fields


def step(action: str, **over) -> dict:
    fields = {"action": action, "recorded_by": "iro.jones", "challenge_id": "CH-1", "event_on": TODAY}
    fields.update(
        {
            "escalated": {
                "stage": 2,
                "assigned_to_worker_id": "W400",
                "reason": "No response by day 5",
                "actor_worker_id": "W100",
            },
            "response": {
                "stage": 2,
                "satisfied": False,
                "actor_worker_id": "W400",
                "note": "Plan to be reviewed next week.",
            },
            "note": {"note": "Phoned the team manager."},
            "withdrawn": {"reason": "Child moved authority", "outcome_code": "no_change"},
            "resolved": {"outcome_code": "plan_updated", "outcome_note": "Plan updated at the review."},
            "pre_cafcass_meeting": {"attendees": "IRO, IRO manager, legal", "note": "Agreed to refer."},
            "supervision": {"note": "Discussed with the IRO manager."},
            "learning": {
                "challenge_id": "0b5f3c9e-1d2a-5e6f-8a9b-0c1d2e3f4a5b",
                "note": "What the service learned this quarter.",
            },
            "good_practice": {
                "challenge_id": "6f1c2a51-6c38-4f5e-9a5e-1f0e8d7d2b10",
                "team_id": "T1",
                "themes": ["clear_care_plan"],
                "note": "A clear, specific plan.",
                "raised_by_worker_id": "W100",
            },
        }.get(action, {})
    )
    fields.update(over)
    return fields


def sql(p: settings.Paths, query: str, params: dict | None = None):
    """Run ``query`` the way dbt reads events: ``{glob}`` stands for the events glob."""
    con = duckdb.connect()
    try:
        return con.sql(query.replace("{glob}", str(p.home / EVENTS_GLOB)), params=params).pl()
    finally:
        con.close()


# --------------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------------

_ARROW = {
    "text": pa.string(),
    "code": pa.string(),
    "date": pa.date32(),
    "int": pa.int32(),
    "bool": pa.bool_(),
    "codes": pa.list_(pa.string()),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def test_event_schema_carries_every_challenge_and_event_column_with_its_type():
    for entity in (schema.CHALLENGES, schema.CHALLENGE_EVENTS):
        for col in entity.columns:
            name = "action" if col.name == "event_type" else col.name
            assert name in EVENT_SCHEMA.names, f"{entity.name}.{col.name} is missing from EVENT_SCHEMA"
            if name != "action":
                assert EVENT_SCHEMA.field(name).type == _ARROW[col.type], name
    for name in (
        "event_id",
        "action",
        "challenge_id",
        "event_on",
        "recorded_at",
        "recorded_by",
        "amends_event_id",
        "source",
    ):
        assert name in EVENT_SCHEMA.names
    assert EVENT_SCHEMA.field("recorded_at").type == pa.timestamp("us", tz="UTC")


# --------------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_round_trips(p, action):
    fields = raised() if action == "raised" else step(action)
    before = datetime.now(UTC)
    ev = write_event(fields, p)
    assert ev.path == p.events_dir / f"{ev.event_id}.parquet" and ev.path.exists()
    assert uuid.UUID(ev.event_id).version == 4
    assert before <= ev.recorded_at <= datetime.now(UTC)
    df = read_events(p)
    assert df.height == 1
    row = df.row(0, named=True)
    assert row == ev.record == read_event(ev.event_id, p)
    assert row["source"] == "app" and row["action"] == action and row["recorded_at"] == ev.recorded_at
    for name, value in fields.items():
        if name == "raised_on":
            assert row["event_on"] == row["raised_on"] == value
        elif name == "themes":
            assert row["themes"] == value
        else:
            assert row[name] == value, name
    if action == "raised":
        assert uuid.UUID(row["challenge_id"])  # assigned
        assert row["stage"] is None and row["satisfied"] is None
    elif action == "good_practice":
        assert row["stage"] is None and row["themes"] == ["clear_care_plan"]
    else:
        assert row["child_id"] is None and row["themes"] is None
    # a pyarrow read of the file gives exactly EVENT_SCHEMA
    assert pq.read_schema(ev.path).equals(EVENT_SCHEMA)


def test_read_events_is_in_recorded_order_and_amendments_are_new_events(p):
    first = write_event(raised(), p)
    ch = first.challenge_id
    fix = write_event(raised(challenge_id=ch, legal_status="cp", amends_event_id=first.event_id), p)
    later = write_event(step("resolved", challenge_id=ch), p)
    df = read_events(p)
    assert df["event_id"].to_list() == [first.event_id, fix.event_id, later.event_id]
    assert df["amends_event_id"].to_list() == [None, first.event_id, None]
    assert df["legal_status"].to_list() == ["lac", "cp", None]
    assert read_event(first.event_id, p)["legal_status"] == "lac"  # the original is untouched


def test_codes_are_normalised_and_themes_accept_a_semicolon_list(p):
    ev = write_event(
        raised(legal_status=" LAC ", context="LAC_Review", themes="Care_Plan_Quality; ;x_1;x_1"), p
    )
    assert ev.record["legal_status"] == "lac" and ev.record["context"] == "lac_review"
    assert ev.record["themes"] == ["care_plan_quality", "x_1"]


def test_event_on_alone_sets_raised_on_for_a_new_challenge(p):
    fields = raised()
    del fields["raised_on"]
    ev = write_event({**fields, "event_on": YESTERDAY.isoformat()}, p)
    assert ev.record["raised_on"] == ev.record["event_on"] == YESTERDAY


def test_a_caller_supplied_event_id_makes_a_retry_idempotent(p):
    key = str(uuid.uuid4())
    first = write_event(step("note", event_id=key), p)
    again = write_event(step("note", event_id=key, note="a double click"), p)
    assert not first.already_saved and again.already_saved
    assert again.event_id == key and again.record["note"] == "Phoned the team manager."
    assert read_events(p).height == 1


# --------------------------------------------------------------------------------------------------
# Validation: every message names the field
# --------------------------------------------------------------------------------------------------

TOMORROW = TODAY + timedelta(days=2)  # two days: in the future in every time zone


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({**step("note"), "action": None}, "action", "required"),
        ({**step("note"), "action": "escalate"}, "action", "not an action"),
        ({**step("note"), "recorded_by": "  "}, "recorded_by", "required"),
        ({**step("note"), "challenge_id": None}, "challenge_id", "required"),
        ({**step("note"), "event_on": None}, "event_on", "required"),
        ({**step("note"), "event_on": TOMORROW}, "event_on", "in the future"),
        ({**step("note"), "event_on": "31/12/2020"}, "event_on", "YYYY-MM-DD"),
        ({**step("note"), "event_on": datetime.now()}, "event_on", "without a time"),
        ({**step("note"), "event_on": date(1999, 12, 31)}, "event_on", "check the year"),
        ({**step("note"), "note": ""}, "note", "required"),
        ({**step("note"), "note": 42}, "note", "must be text"),
        ({**step("escalated"), "stage": None}, "stage", "required"),
        ({**step("escalated"), "stage": 0}, "stage", "1 or more"),
        ({**step("escalated"), "stage": "2"}, "stage", "whole number"),
        ({**step("escalated"), "stage": True}, "stage", "whole number"),
        ({**step("escalated"), "stage": 12}, "stage", "stages run from 0"),
        ({**step("response"), "satisfied": "yes"}, "satisfied", "true or false"),
        ({**step("resolved"), "satisfied": True}, "satisfied", "applies only to response"),
        ({**step("response"), "assigned_to_worker_id": "W1"}, "assigned_to_worker_id", "only to escalated"),
        ({**step("note"), "child_id": "C1"}, "child_id", "belongs on a new challenge"),
        ({**step("note"), "chlid_id": "C1"}, "chlid_id", "not a field"),
        ({**step("note"), "recorded_at": datetime.now(UTC)}, "recorded_at", "set when the event is saved"),
        ({**step("note"), "source": "extract"}, "source", "set when the event is saved"),
        ({**step("note"), "event_id": "abc"}, "event_id", "not a UUID"),
        ({**step("note"), "event_id": str(uuid.UUID(int=0))}, "event_id", "reserved"),
        ({**step("note"), "challenge_id": "CH\n1"}, "challenge_id", "one line"),
        ({**raised(), "challenge_id": "CH-7"}, "challenge_id", "not an id the app gave"),
        ({**step("note"), "challenge_id": "C" * 201}, "challenge_id", "the most allowed is 200"),
        ({**raised(), "child_id": None}, "child_id", "required"),
        ({**raised(), "themes": []}, "themes", "required"),
        ({**raised(), "themes": ["care plan"]}, "themes", "not a theme code"),
        ({**raised(), "themes": 3}, "themes", "list of theme codes"),
        ({**raised(), "legal_status": "looked after"}, "legal_status", "use one of lac, cp, cin"),
        ({**raised(), "route": "informal"}, "entry_stage", "must be 0"),
        ({**raised(), "entry_stage": 0}, "entry_stage", "1 or more"),
        ({**raised(), "raised_on": TOMORROW}, "raised_on", "in the future"),
        ({**raised(), "event_on": TODAY - timedelta(days=5)}, "event_on", "must equal raised_on"),
        ({**raised(), "stage": 1}, "stage", "does not belong on a new challenge"),
        ({**raised(), "concern": "x" * (events.TEXT_MAX_LENGTH + 1)}, "concern", "the most allowed is 4,000"),
        ({**raised(), "concern": "before\x00after"}, "concern", "NUL character"),
        ({**raised(), "concern": "half a pair \ud83d"}, "concern", "not valid Unicode"),
    ],
)
def test_validation_names_the_field(p, fields, field, fragment):
    with pytest.raises(EventError) as caught:
        write_event(fields, p)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert fragment in str(caught.value)
    assert read_events(p).height == 0  # nothing was written
    assert list(p.events_tmp_dir.iterdir()) == []


def test_fields_must_be_a_dict(p):
    with pytest.raises(EventError, match="fields: must be a dict"):
        write_event([("action", "note")], p)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Text is stored exactly as typed
# --------------------------------------------------------------------------------------------------

AWKWARD_TEXT = [
    "<script>alert('x')</script> & &amp; &lt;b&gt;",
    'Robert\'); DROP TABLE challenges;-- "quoted" \\backslash\\ %s {0} ${x}',
    "  leading and trailing spaces  ",
    "line one\r\nline two\nline three\ttabbed",
    "Zoë, Siân, Łukasz, Ægir, Ñandú: naïve café",
    "🙂👨‍👩‍👧 family emoji, flags 🏴󠁧󠁢󠁷󠁬󠁳󠁿 and ZWJ",
    "עברית and العربية right to left",
    "e\u0301 combining vs \u00e9 precomposed",  # not normalised
    "\u200b zero width space, \ufeff BOM, \u2028 line separator",
    "x" * events.TEXT_MAX_LENGTH,
]


@pytest.mark.parametrize("text", AWKWARD_TEXT, ids=range(len(AWKWARD_TEXT)))
def test_text_is_stored_exactly_as_typed(p, text):
    ev = write_event(raised(concern=text), p)
    assert read_events(p)["concern"].to_list() == [text]
    query = "select concern from read_parquet('{glob}', union_by_name=true) where event_id = $id"
    got = sql(p, query, {"id": ev.event_id})
    assert got["concern"].to_list() == [text]


# --------------------------------------------------------------------------------------------------
# Readers: empty folders, temporary files, dbt's glob
# --------------------------------------------------------------------------------------------------


def test_no_events_gives_an_empty_frame_with_the_schema(p):
    df = read_events(p)
    assert df.height == 0
    assert df.columns == list(EVENT_SCHEMA.names)
    assert df.schema == pl.from_arrow(EVENT_SCHEMA.empty_table()).schema
    # even before the events folder exists
    assert read_events(settings.Paths(p.home / "nowhere")).height == 0


def test_the_dbt_glob_reads_an_empty_folder_once_made_readable(p):
    with pytest.raises(duckdb.IOException, match="No files found"):
        sql(p, "select * from read_parquet('{glob}', union_by_name=true)")
    made = ensure_events_readable(p)
    assert (
        made.name == EMPTY_EVENTS_FILE
        and sorted(n for n in os.listdir(p.events_dir) if n.endswith(".parquet"))[0] == EMPTY_EVENTS_FILE
    )
    df = sql(p, "select * from read_parquet('{glob}', union_by_name=true)")
    assert df.height == 0 and df.columns == list(EVENT_SCHEMA.names)
    mtime = made.stat().st_mtime_ns
    ensure_events_readable(p)
    assert made.stat().st_mtime_ns == mtime  # written once, not on every call


def test_first_save_makes_the_folder_readable_and_the_placeholder_is_not_an_event(p):
    write_event(step("note"), p)
    assert (p.events_dir / EMPTY_EVENTS_FILE).exists()
    assert read_events(p).height == 1
    assert sql(p, "select count(*) n from read_parquet('{glob}', union_by_name=true)")["n"][0] == 1


def test_temporary_files_are_never_read(p):
    ev = write_event(step("note"), p)
    good = ev.path.read_bytes()
    (p.events_tmp_dir / f"{uuid.uuid4()}.parquet").write_bytes(good[: len(good) // 2])
    (p.events_tmp_dir / f"{uuid.uuid4()}.1234abcd.tmp").write_bytes(good[:10])
    assert read_events(p)["event_id"].to_list() == [ev.event_id]
    n = sql(p, "select count(*) n from read_parquet('{glob}', union_by_name=true)")["n"][0]
    assert n == 1


# --------------------------------------------------------------------------------------------------
# Concurrency: separate processes, as separate app servers would be
# --------------------------------------------------------------------------------------------------


def _ctx():
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["warehouse.events", __name__])  # import once, not in every writer
    return ctx


def _writer(home: str, writer: int, n: int, start, times=None) -> None:
    p = settings.Paths(Path(home))
    start.wait(60)
    t0 = time.time()
    for i in range(n):
        write_event(step("note", challenge_id=f"W{writer}", note=f"{writer}:{i}"), p)
    if times is not None:
        times.put((t0, time.time()))


def _reader(home: str, stop, result) -> None:
    """Read every file that appears, as soon as it appears, until told to stop. Count problems."""
    p = settings.Paths(Path(home))
    checked, problems, scans = set(), [], 0
    while True:
        final = stop.is_set()  # the writers have finished: one more full scan, then stop
        scans += 1
        for f in events.event_files(p):
            if f.name in checked:
                continue
            try:
                t = pq.read_table(f)
                if t.num_rows != 1 or not t.schema.equals(EVENT_SCHEMA):
                    problems.append(f"{f.name}: {t.num_rows} rows")
            except Exception as exc:
                problems.append(f"{f.name}: {exc}")
            checked.add(f.name)
        try:  # and the way dbt reads them
            con = duckdb.connect()
            glob = str(p.home / EVENTS_GLOB)
            con.execute("select count(*) from read_parquet(?, union_by_name=true)", [glob]).fetchall()
            con.close()
        except duckdb.IOException as exc:
            if "No files found" not in str(exc):
                problems.append(f"duckdb: {exc}")
        except Exception as exc:
            problems.append(f"duckdb: {exc}")
        if final:
            break
    result.put((len(checked), scans, problems))


def test_a_reader_never_sees_a_partial_file_while_writers_write(p):
    ctx = _ctx()
    start, stop, result = ctx.Event(), ctx.Event(), ctx.Queue()
    reader = ctx.Process(target=_reader, args=(str(p.home), stop, result))
    writers = [ctx.Process(target=_writer, args=(str(p.home), w, 100, start)) for w in range(4)]
    reader.start()
    for w in writers:
        w.start()
    start.set()
    for w in writers:
        w.join(120)
        assert w.exitcode == 0
    stop.set()
    checked, scans, problems = result.get(timeout=60)
    reader.join(30)
    assert problems == []
    assert checked == 400 and scans > 3  # it really did read while they wrote


def test_twenty_writer_processes_lose_nothing_and_duplicate_nothing(p):
    ctx = _ctx()
    start, times = ctx.Event(), ctx.Queue()
    writers = [ctx.Process(target=_writer, args=(str(p.home), w, 50, start, times)) for w in range(20)]
    for w in writers:
        w.start()
    start.set()
    spans = [times.get(timeout=300) for _ in writers]
    for w in writers:
        w.join(60)
        assert w.exitcode == 0
    seconds = max(e for _, e in spans) - min(s for s, _ in spans)
    df = read_events(p)
    assert df.height == 1000
    assert df["event_id"].n_unique() == 1000
    assert set(df["note"].to_list()) == {f"{w}:{i}" for w in range(20) for i in range(50)}
    assert len(events.event_files(p)) == 1000
    assert list(p.events_tmp_dir.iterdir()) == []
    # recorded order is each writer's own order
    for w in range(20):
        notes = df.filter(pl.col("challenge_id") == f"W{w}")["note"].to_list()
        assert notes == [f"{w}:{i}" for i in range(50)]
    print(f"\n20 writer processes, 1,000 events: {seconds:.2f}s of writing")


# --------------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------------


def test_bench_save_latency_reports_milliseconds_and_never_touches_a_real_home(p):
    figures = events.bench_save_latency(n=20)
    assert figures["n"] == 20 and 0 < figures["median_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert not p.events_dir.exists() or read_events(p).height == 0

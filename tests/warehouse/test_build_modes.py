"""The background rebuild's events-only builds (warehouse/build.py, ADR 0002): when only the app's
events changed since the live build, the live file is copied and just the nodes an event can change
are rebuilt and tested. These tests hold it to the only thing that matters: the result is the same,
table for table and row for row, as a full build of the same inputs; and anything else that
changed (the raw store, the as-at date, the code) makes it a full build."""

from __future__ import annotations

import os
from datetime import timedelta

import duckdb
import pytest

from tests.conftest import DEMO_END
from warehouse.build import EVENT_SELECTOR, build, code_fingerprint, inputs_fingerprint
from warehouse.events import write_event
from warehouse.pseudonyms import pseudonym_key
from warehouse.store import read_live

pytestmark = pytest.mark.slow


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.sql(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
    ]


def _save_some_events(w) -> dict:
    """A new formal challenge at stage 3 on a looked-after child, and on an open extract challenge
    an escalation, a response and a note: what the form writes."""
    con = duckdb.connect(str(w.live.file), read_only=True)
    try:
        child = con.sql(
            "select child_id from dim_children where legal_status = 'lac' order by child_id limit 1"
        ).fetchall()[0][0]
        ch, stage, raised = con.sql(
            "select challenge_id, current_stage, raised_on from fct_challenges "
            "where status = 'open' and current_stage between 1 and 2 order by challenge_id limit 1"
        ).fetchall()[0]
    finally:
        con.close()
    on = DEMO_END - timedelta(days=1)
    new = write_event(
        {
            "action": "raised",
            "child_id": child,
            "raised_on": on,
            "raised_by_worker_id": "W-TEST",
            "legal_status": "lac",
            "context": "lac_review",
            "route": "formal",
            "entry_stage": 3,
            "themes": ["care_plan_quality"],
            "concern": "events-only build test",
            "recorded_by": "tester",
        },
        w.paths,
    )
    esc_on = max(on, raised)
    write_event(
        {
            "action": "escalated",
            "challenge_id": ch,
            "event_on": esc_on,
            "stage": stage + 1,
            "recorded_by": "tester",
        },
        w.paths,
    )
    write_event(
        {
            "action": "response",
            "challenge_id": ch,
            "event_on": esc_on,
            "stage": stage + 1,
            "satisfied": False,
            "recorded_by": "tester",
        },
        w.paths,
    )
    write_event(
        {
            "action": "note",
            "challenge_id": ch,
            "event_on": esc_on,
            "note": "<b>as typed</b>",
            "recorded_by": "tester",
        },
        w.paths,
    )
    return {"new": new.challenge_id, "existing": ch}


def test_an_events_only_build_gives_exactly_what_a_full_build_gives(scratch_warehouse):
    w = scratch_warehouse
    saved = _save_some_events(w)

    events = build(as_at=DEMO_END, p=w.paths, unit_tests=False, events_only=True)
    assert events.mode == "events", events.log.read_text()[:2000]
    assert events.live.inputs == w.live.inputs  # the clone's raw store and code are the demo's
    log = events.log.read_text()
    assert "--select " + " ".join(EVENT_SELECTOR) in log
    assert "seed" not in log.split("Finished running", 1)[-1].split("\n", 1)[0]  # seeds not rebuilt

    full = build(as_at=DEMO_END, p=w.paths, unit_tests=False)
    assert full.mode == "full"
    assert read_live(w.paths).build_id == full.live.build_id

    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{events.live.file}' as e (read_only)")
        con.execute(f"attach '{full.live.file}' as f (read_only)")
        con.execute("use e")
        tables = _tables(con)
        con.execute("use f")
        assert _tables(con) == tables
        compared = 0
        for t in tables:
            if t == "build_info":
                continue  # when and by which invocation: differs by design
            for a, b in (("e", "f"), ("f", "e")):
                diff = con.sql(
                    f'select count(*) from (select * from {a}.main."{t}" except all select * from {b}.main."{t}")'  # noqa: S608 - catalog names
                ).fetchall()[0][0]
                assert diff == 0, f"{t}: {diff} rows in the {a} build that the {b} build does not have"
            compared += 1
        assert compared >= 20
        # and the events are really in it
        assert (
            con.sql(
                "select count(*) from e.main.mart_open_stage_3_4 where challenge_id = $c",
                params={"c": saved["new"]},
            ).fetchall()[0][0]
            == 1
        )
        notes = con.sql(
            "select count(*) from e.main.fct_challenge_events where challenge_id = $c and note = '<b>as typed</b>'",
            params={"c": saved["existing"]},
        ).fetchall()[0][0]
        assert notes == 1
    finally:
        con.close()


def test_anything_but_the_events_changing_makes_a_full_build(scratch_warehouse):
    w = scratch_warehouse
    env = {"IROQA_RAW_DB": str(w.paths.raw_db), "IROQA_PSEUDONYM_KEY": pseudonym_key(w.paths)}
    same = inputs_fingerprint(w.paths, {"as_at": DEMO_END.isoformat(), "protocol": "leicestershire"}, env)
    assert same == w.live.inputs
    # a new pseudonym key changes every case_ref: a full build
    rekeyed = dict(env, IROQA_PSEUDONYM_KEY="f" * 64)
    assert (
        inputs_fingerprint(w.paths, {"as_at": DEMO_END.isoformat(), "protocol": "leicestershire"}, rekeyed)
        != same
    )
    assert inputs_fingerprint(w.paths, {"as_at": "2026-10-31", "protocol": "leicestershire"}, env) != same
    assert inputs_fingerprint(w.paths, {"as_at": DEMO_END.isoformat(), "protocol": "rotherham"}, env) != same
    # the events folder, the build's own path and where and how much DuckDB spills are not inputs
    moved = dict(
        env,
        IROQA_EVENTS_DIR="/elsewhere",
        IROQA_BUILD_PATH="/x.duckdb",
        IROQA_BUILD_TMP="/spill",
        IROQA_BUILD_MEMORY="1GiB",
    )
    assert (
        inputs_fingerprint(w.paths, {"as_at": DEMO_END.isoformat(), "protocol": "leicestershire"}, moved)
        == same
    )
    # a new load into the raw store (ingest rewrote it): a full build
    st = w.paths.raw_db.stat()
    os.utime(w.paths.raw_db, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert (
        inputs_fingerprint(w.paths, {"as_at": DEMO_END.isoformat(), "protocol": "leicestershire"}, env)
        != same
    )
    result = build(as_at=DEMO_END, p=w.paths, unit_tests=False, events_only=True)
    assert result.mode == "full"
    assert result.live.inputs != same


def test_the_code_fingerprint_names_the_variables_dbt_reads():
    digest, names = code_fingerprint()
    assert len(digest) == 64
    assert {
        "IROQA_BUILD_PATH",
        "IROQA_RAW_DB",
        "IROQA_EVENTS_DIR",
        "IROQA_BUILD_TMP",
        "IROQA_BUILD_MEMORY",
    } <= names


def test_the_marts_not_null_constraints_are_enforced_in_the_build(demo_warehouse, tmp_path):
    """The marts' not-null checks are column constraints (ADR 0002): every one declared in the
    models' YAML is a NOT NULL column of the built table, so a null fails the model, and so the
    build, exactly as the data test it replaced did."""
    import yaml

    from warehouse import settings

    declared = set()
    for f in (settings.DBT_PROJECT_DIR / "models" / "marts").glob("*.yml"):
        for model in yaml.safe_load(f.read_text()).get("models", []):
            for col in model.get("columns", []):
                if any(c.get("type") == "not_null" for c in col.get("constraints") or []):
                    declared.add((model["name"], col["name"]))
    assert len(declared) > 100
    nullable = {
        (t, c): n
        for t, c, n in demo_warehouse.query(
            "select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'main'"
        ).iter_rows()
    }
    assert {k for k in declared if nullable.get(k) != "NO"} == set()
    copy = tmp_path / "copy.duckdb"  # never write to a live build
    copy.write_bytes(demo_warehouse.live.file.read_bytes())
    con = duckdb.connect(str(copy))
    try:
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
            con.execute(
                "insert into fct_challenges select * replace (null as case_ref) from fct_challenges limit 1"
            )
    finally:
        con.close()

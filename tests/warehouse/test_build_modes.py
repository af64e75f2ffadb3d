"""The background rebuild's events-only builds (warehouse/build.py, ADR 0002): when only the app's
events changed since the live build, the live file is copied and just the nodes an event can change
are rebuilt and tested. These tests hold it to the only thing that matters: the result is the same,
table for table and row for row, as a full build of the same inputs; and anything else that
changed (the raw store, the as-at date, the code) makes it a full build."""

from __future__ import annotations

import os
import re
import signal
import time
from datetime import timedelta

import duckdb
import pytest

from tests.conftest import DEMO_END
from warehouse import live
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
    raised_fields = {
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
    }
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
    response = write_event(
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
    return {
        "new": new.challenge_id,
        "raised": new.event_id,
        "raised_fields": dict(raised_fields, challenge_id=new.challenge_id),
        "existing": ch,
        "response": response.event_id,
        "response_on": esc_on,
        "response_stage": stage + 1,
    }


def _more_saves(w, saved: dict) -> dict:
    """The second round, on top of the first incremental build: resolve the escalated challenge,
    amend its response (now satisfied), amend the new challenge's raising onto another child, log
    in the app a challenge the extract already has (the reconciliation pairs them and re-keys its
    step onto the extract's id), and withdraw an open extract challenge."""
    con = duckdb.connect(str(read_live(w.paths).file), read_only=True)
    try:
        other_child = con.sql(
            "select child_id from dim_children where legal_status = 'lac' order by child_id limit 1 offset 3"
        ).fetchall()[0][0]
        twin = con.sql(
            "select challenge_id, child_id, raised_on, iro_worker_id, legal_status, context, entry_stage "
            "from fct_challenges where record_source = 'case_system' and route = 'formal' "
            "and app_challenge_id is null order by challenge_id limit 1"
        ).fetchall()[0]
        withdrawn, raised = con.sql(
            "select challenge_id, raised_on from fct_challenges where status = 'open' "
            "and record_source = 'case_system' and challenge_id <> $c order by challenge_id desc limit 1",
            params={"c": saved["existing"]},
        ).fetchall()[0]
    finally:
        con.close()
    on = DEMO_END - timedelta(days=1)
    write_event(
        {"action": "resolved", "challenge_id": saved["existing"], "event_on": on, "recorded_by": "tester"},
        w.paths,
    )
    write_event(
        {
            "action": "response",
            "challenge_id": saved["existing"],
            "event_on": saved["response_on"],
            "stage": saved["response_stage"],
            "satisfied": True,
            "amends_event_id": saved["response"],
            "recorded_by": "tester",
        },
        w.paths,
    )
    write_event(dict(saved["raised_fields"], child_id=other_child, amends_event_id=saved["raised"]), w.paths)
    ch, child, raised_on, iro, legal_status, context, entry_stage = twin
    app_twin = write_event(
        {
            "action": "raised",
            "child_id": child,
            "raised_on": raised_on,
            "raised_by_worker_id": iro,
            "legal_status": legal_status,
            "context": context,
            "route": "formal",
            "entry_stage": entry_stage,
            "themes": ["care_plan_quality"],
            "recorded_by": "tester",
        },
        w.paths,
    )
    write_event(
        {
            "action": "note",
            "challenge_id": app_twin.challenge_id,
            "event_on": on,
            "note": "on the app's twin",
            "recorded_by": "tester",
        },
        w.paths,
    )
    write_event(
        {
            "action": "withdrawn",
            "challenge_id": withdrawn,
            "event_on": max(on, raised),
            "recorded_by": "tester",
        },
        w.paths,
    )
    return {"twin": ch, "app_twin": app_twin.challenge_id, "withdrawn": withdrawn, "other_child": other_child}


def _compare(events_file, full_file) -> int:
    """Every table but build_info equal, row for row, both ways; returns how many were compared."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{events_file}' as e (read_only)")
        con.execute(f"attach '{full_file}' as f (read_only)")
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
        return compared
    finally:
        con.close()


def _rebuild_in_background(p, before: str):
    """Ask the background rebuilder for a build as at the demo's end, as a save does, and wait for
    it to go live; returns the live build and its log."""
    live.request_build(p, as_at=DEMO_END)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = live.rebuild_status(p)
        if read_live(p).build_id != before and not status.pending and status.state != "building":
            break
        assert status.last_error is None, status.last_error
        time.sleep(0.1)
    built = read_live(p)
    assert built.build_id != before, live.log_path(p).read_text()[-3000:]
    return built, (p.logs_dir / f"build-{built.build_id}.log").read_text()


@pytest.fixture
def rebuilder(scratch_warehouse, monkeypatch):
    """The scratch warehouse with a real background rebuilder (warm dbt) that stays between builds,
    stopped at the end."""
    monkeypatch.setenv("IROQA_REBUILD_LINGER", "300")
    monkeypatch.setenv("IROQA_REBUILD_SETTLE", "0")
    yield scratch_warehouse
    pid = live._read_json(live.status_path(scratch_warehouse.paths)).get("pid")
    if pid and live._alive(pid):
        os.kill(pid, signal.SIGKILL)


def test_an_events_only_build_gives_exactly_what_a_full_build_gives(rebuilder):
    """Two rounds of saves of every kind, each followed by the background rebuilder's incremental
    build (the second on top of the first): the first run by its warm dbt, which records it, the
    second replayed from that recording (warehouse/replay.py). Then a full build of the same
    inputs: every table equal, row for row."""
    w = rebuilder
    saved = _save_some_events(w)

    first, log = _rebuild_in_background(w.paths, w.live.build_id)
    assert first.mode == "events", log[:2000]
    assert first.inputs == w.live.inputs  # the clone's raw store and code are the demo's
    assert "--select " + " ".join(EVENT_SELECTOR) in log
    assert "replayed" not in log  # the rebuilder's first events build: dbt runs it
    finished = [line for line in log.splitlines() if "Finished running" in line]
    assert finished and "seed" not in finished[-1]  # seeds not rebuilt
    # only the touched children's challenges were re-derived, not all of them
    new, scope = map(int, re.search(r"(\d+) new event\(s\), scope (\d+) challenge", log).groups())
    assert new == 4
    total = duckdb.connect(str(first.file), read_only=True)
    try:
        assert 2 <= scope < total.sql("select count(*) from int_challenges").fetchall()[0][0] / 4
        tables = {r[0] for r in total.sql("select table_name from information_schema.tables").fetchall()}
        assert not tables & {"iroqa_build_scope", "iroqa_build_seen"}  # dropped before going live
    finally:
        total.close()

    more = _more_saves(w, saved)
    second, log = _rebuild_in_background(w.paths, first.build_id)
    assert second.mode == "events", log[:2000]
    assert "6 new event(s)" in log
    assert "replayed the recorded events build" in log, log[:3000]  # not dbt this time
    assert "Finished running" not in log

    full = build(as_at=DEMO_END, p=w.paths, unit_tests=False)
    assert full.mode == "full"
    assert read_live(w.paths).build_id == full.live.build_id
    assert _compare(second.file, full.live.file) >= 20

    con = duckdb.connect(str(second.file), read_only=True)
    try:
        # and the saves are really in it
        new_challenge = con.sql(
            "select child_id from fct_challenges where challenge_id = $c", params={"c": saved["new"]}
        ).fetchall()
        assert new_challenge == [(more["other_child"],)]  # the amended raising moved it
        notes = con.sql(
            "select count(*) from fct_challenge_events where challenge_id = $c and note = '<b>as typed</b>'",
            params={"c": saved["existing"]},
        ).fetchall()[0][0]
        assert notes == 1
        statuses = dict(
            con.sql(
                "select challenge_id, status from fct_challenges where challenge_id in ($a, $b)",
                params={"a": saved["existing"], "b": more["withdrawn"]},
            ).fetchall()
        )
        assert statuses == {saved["existing"]: "resolved", more["withdrawn"]: "withdrawn"}
        twin = con.sql(
            "select app_challenge_id from fct_challenges where challenge_id = $c", params={"c": more["twin"]}
        ).fetchall()
        assert twin == [(more["app_twin"],)]  # paired with the extract's challenge, one row
        rekeyed = con.sql(
            "select challenge_id from fct_challenge_events where note = 'on the app''s twin'"
        ).fetchall()
        assert rekeyed == [(more["twin"],)]
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


ROW_CHECK_TESTS = {"not_null", "accepted_values", "expression_is_true"}


def _table_models():
    """(yml file, model) for every model of the intermediate and mart layers (all tables)."""
    import yaml

    from warehouse import settings

    for layer in ("intermediate", "marts"):
        for f in sorted((settings.DBT_PROJECT_DIR / "models" / layer).glob("*.yml")):
            for model in yaml.safe_load(f.read_text()).get("models", []):
                yield f, model


def _test_names(tests) -> set[str]:
    return {t if isinstance(t, str) else next(iter(t)) for t in tests or []}


def test_what_one_row_can_fail_is_a_constraint_not_a_data_test():
    """docs/marts.md: every intermediate and mart model has an enforced contract, and a check one
    row can fail on its own (not null, accepted values, a row's expression) is a constraint that
    DuckDB enforces while writing, not a dbt test node (issue 14: each node costs every build and
    every rebuild after a save). An analyst who adds such a test is told where it belongs."""
    misplaced, uncontracted = [], []
    for f, model in _table_models():
        if not (model.get("config") or {}).get("contract", {}).get("enforced"):
            uncontracted.append(model["name"])
        for name in _test_names(model.get("data_tests")) & ROW_CHECK_TESTS:
            misplaced.append(f"{f.name}: {model['name']}: {name}")
        for col in model.get("columns") or []:
            for name in _test_names(col.get("data_tests")) & ROW_CHECK_TESTS:
                misplaced.append(f"{f.name}: {model['name']}.{col['name']}: {name}")
    assert uncontracted == []
    assert misplaced == [], "make these constraints (docs/marts.md): " + "; ".join(misplaced)


def test_the_models_constraints_are_enforced_in_the_build(demo_warehouse, tmp_path):
    """Every not-null and check constraint declared in the models' YAML is in the built tables, so
    a bad row fails the model, and so the build, exactly as the data test it replaced did."""
    declared_not_null, declared_checks = set(), 0
    for _f, model in _table_models():
        declared_checks += sum(c.get("type") == "check" for c in model.get("constraints") or [])
        for col in model.get("columns") or []:
            for c in col.get("constraints") or []:
                if c.get("type") == "not_null":
                    declared_not_null.add((model["name"], col["name"]))
                declared_checks += c.get("type") == "check"
    assert len(declared_not_null) > 150 and declared_checks > 50
    nullable = {
        (t, c): n
        for t, c, n in demo_warehouse.query(
            "select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'main'"
        ).iter_rows()
    }
    assert {k for k in declared_not_null if nullable.get(k) != "NO"} == set()
    built_checks = demo_warehouse.query(
        "select count(*) as n from duckdb_constraints() where constraint_type = 'CHECK' and schema_name = 'main'"
    )["n"][0]
    assert built_checks == declared_checks
    copy = tmp_path / "copy.duckdb"  # never write to a live build
    copy.write_bytes(demo_warehouse.live.file.read_bytes())
    con = duckdb.connect(str(copy))
    try:
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
            con.execute(
                "insert into fct_challenges select * replace (null as case_ref) from fct_challenges limit 1"
            )
        with pytest.raises(duckdb.ConstraintException, match="CHECK"):  # accepted values
            con.execute(
                "insert into fct_challenges select * replace ('adopted' as legal_status) from fct_challenges limit 1"
            )
        with pytest.raises(duckdb.ConstraintException, match="CHECK"):  # a row's rule
            con.execute(
                "insert into fct_stage_episodes select * replace (entered_on + 1 as ended_on, "
                "entered_on + 2 as entered_on) from fct_stage_episodes where ended_on is not null limit 1"
            )
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):  # an intermediate table
            con.execute(
                "insert into int_stage_steps select * replace (null as entered_on) from int_stage_steps limit 1"
            )
    finally:
        con.close()

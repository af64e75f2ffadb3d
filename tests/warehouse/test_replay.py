"""Replayed events builds (warehouse/replay.py), without dbt: what is recorded from dbt's events, a
replay that commits only when every statement ran and every data test passed, the rebuilder's warm
dbt recording and replaying, and the replay's connection set up as profiles.yml sets up dbt's.
tests/warehouse/test_build_modes.py holds a replayed build equal to a full one, with real dbt."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
import yaml

from warehouse import build as build_mod
from warehouse import replay, settings

INVOCATION = "11111111-2222-3333-4444-555555555555"
KEY = "ab" * 32


def event(name: str, node: str = "", sql: str = "", invocation: str = INVOCATION):
    return SimpleNamespace(
        info=SimpleNamespace(name=name, invocation_id=invocation),
        data=SimpleNamespace(sql=sql, node_info=SimpleNamespace(unique_id=node)),
    )


def a_test_query(model: str, condition: str) -> str:
    """A data test's query as dbt's get_test_sql writes it."""
    return (
        "select count(*) as failures, count(*) != 0 as should_warn, count(*) != 0 as should_error "  # noqa: S608
        f"from (select * from building.main.{model} where {condition}) dbt_internal_test"
    )


def record(*events) -> replay.Recording | None:
    recorder = replay.Recorder()
    for e in events:
        recorder(e)
    return recorder.recording()


def a_build(extra_test: str = "n is null") -> list:
    """dbt's events for a small events-only build: two models (the second reads the first and raw)
    and a test on each, with dbt's introspection and transactions around them."""
    return [
        event("SQLQuery", sql="select schema_name from information_schema.schemata"),
        event("SQLQuery", sql="create schema if not exists building.main"),
        event("NodeStart", "model.iroqa.numbers"),
        event("SQLQuery", "model.iroqa.numbers", "BEGIN"),
        event("SQLQuery", "model.iroqa.numbers", "describe (select 1 as n)"),
        event(
            "SQLQuery",
            "model.iroqa.numbers",
            "create table building.main.numbers__dbt_tmp as select range as n from range(5)",
        ),
        event("SQLQuery", "model.iroqa.numbers", "drop table if exists building.main.numbers"),
        event(
            "SQLQuery", "model.iroqa.numbers", "alter table building.main.numbers__dbt_tmp rename to numbers"
        ),
        event("SQLQuery", "model.iroqa.numbers", "COMMIT"),
        event("NodeStart", "test.iroqa.not_null_numbers_n"),
        event("SQLQuery", "test.iroqa.not_null_numbers_n", "select * from duckdb_constraints()"),
        event("SQLQuery", "test.iroqa.not_null_numbers_n", a_test_query("numbers", "n is null")),
        event("NodeStart", "model.iroqa.info"),
        event(
            "SQLQuery",
            "model.iroqa.info",
            "create or replace table building.main.info as select "  # noqa: S608
            f"'{INVOCATION}' as invocation_id, (select count(*) from raw.main.things) as things, "
            "(select count(*) from building.main.numbers) as numbers",
        ),
        event("NodeStart", "test.iroqa.info_check"),
        event("SQLQuery", "test.iroqa.info_check", a_test_query("numbers", extra_test)),
        event("SQLQuery", sql="COMMIT"),
    ]


@pytest.fixture
def building(tmp_path, monkeypatch) -> tuple[Path, dict[str, str]]:
    """An empty build file named as the build's is, a raw store with one table, and the key."""
    raw = tmp_path / "raw.duckdb"
    with duckdb.connect(str(raw)) as con:
        con.execute("create table things as select * from range(3)")
    monkeypatch.setenv("IROQA_PSEUDONYM_KEY", "0" * 64)
    monkeypatch.delenv("IROQA_PSEUDONYM_KEY_FILE", raising=False)
    f = tmp_path / "builds" / "building.duckdb"
    f.parent.mkdir()
    duckdb.connect(str(f)).close()
    return f, {"IROQA_RAW_DB": str(raw), "IROQA_BUILD_TMP": str(tmp_path / "spill")}


def tables(f: Path) -> list[str]:
    with duckdb.connect(str(f), read_only=True) as con:
        return [r[0] for r in con.sql("select table_name from duckdb_tables() order by 1").fetchall()]


def test_the_recording_keeps_what_has_effect_in_the_order_dbt_started_the_nodes():
    rec = record(*a_build())
    assert rec is not None
    assert rec.invocation_id == INVOCATION
    assert [(s.node.split(".")[-1], s.kind) for s in rec.steps] == [
        ("", ""),  # create schema: dbt's own, before the nodes
        ("numbers", "model"),
        ("numbers", "model"),
        ("numbers", "model"),
        ("not_null_numbers_n", "test"),  # the test's query, not its introspection
        ("info", "model"),
        ("info_check", "test"),
    ]
    assert rec.left_out == 6  # the schema list, BEGIN, describe, COMMIT, duckdb_constraints, COMMIT
    assert rec.tests == 2
    assert rec.nodes == 4


def test_a_build_with_anything_but_models_and_tests_is_not_recorded():
    seed = [
        event("NodeStart", "seed.iroqa.themes"),
        event("SQLQuery", "seed.iroqa.themes", "insert into t values (?)"),
    ]
    assert record(*a_build(), *seed) is None
    # a test whose query cannot be told from dbt's introspection
    odd = [event("NodeStart", "test.iroqa.odd"), event("SQLQuery", "test.iroqa.odd", "select 1")]
    assert record(*a_build(), *odd) is None
    # a statement of a node that never started
    assert record(*a_build(), event("SQLQuery", "model.iroqa.ghost", "select 1")) is None
    assert record() is None


def test_a_replay_runs_the_build_and_gives_it_a_new_invocation_id(building):
    f, env = building
    output = replay.replay(record(*a_build()), f, env)
    assert "2 data tests, all passed" in output
    assert tables(f) == ["info", "numbers"]
    with duckdb.connect(str(f), read_only=True) as con:
        invocation, things, numbers = con.execute("select * from info").fetchone()
    assert (things, numbers) == (3, 5)  # raw attached, the first model's table read by the second
    assert invocation != INVOCATION and len(invocation) == len(INVOCATION)
    # the build log names where the time went: every node that ran, dbt's own statements and the
    # commit, slowest first, each with its seconds
    slowest = next(line for line in output.splitlines() if line.startswith("slowest: "))
    named = [part.rsplit(" ", 1) for part in slowest.removeprefix("slowest: ").split(", ")]
    assert {node for node, _ in named} == {
        "dbt",
        "model.iroqa.numbers",
        "test.iroqa.not_null_numbers_n",
        "model.iroqa.info",
        "test.iroqa.info_check",
        "commit",
    }
    seconds = [float(s.removesuffix("s")) for _, s in named]
    assert seconds == sorted(seconds, reverse=True)


def test_a_failing_data_test_rolls_the_whole_replay_back(building):
    f, env = building
    with pytest.raises(replay.ReplayFailed, match=r"info_check: 5 failing row\(s\)"):
        replay.replay(record(*a_build(extra_test="n >= 0")), f, env)
    assert tables(f) == []  # nothing of it is left: the caller runs dbt on the file as it was


def test_a_failing_statement_rolls_the_replay_back_and_names_its_node(building):
    f, env = building
    steps = a_build()
    steps.insert(-3, event("SQLQuery", "model.iroqa.info", "insert into building.main.nowhere values (1)"))
    with pytest.raises(replay.ReplayFailed, match="model.iroqa.info: CatalogException"):
        replay.replay(record(*steps), f, env)
    assert tables(f) == []


def test_a_warning_test_is_reported_and_does_not_fail(building):
    f, env = building
    steps = a_build()
    steps[-2] = event(
        "SQLQuery",
        "test.iroqa.info_check",
        "select count(*) as failures, count(*) != 0 as should_warn, false as should_error "
        "from (select * from building.main.numbers) dbt_internal_test",
    )
    output = replay.replay(record(*steps), f, env)
    assert "warning: test.iroqa.info_check: 5 row(s)" in output
    assert tables(f) == ["info", "numbers"]


def test_a_failing_test_of_severity_warn_is_a_warning_as_dbt_makes_it(building):
    """dbt applies a test's severity after its query (should_error is computed all the same): the
    severity comes from the manifest at recording time."""
    f, env = building
    steps = a_build(extra_test="n >= 0")  # info_check fails: 5 rows
    steps[-3:-1] = [
        event("NodeStart", "test.iroqa.warned_check"),
        event("SQLQuery", "test.iroqa.warned_check", a_test_query("numbers", "n >= 0")),
    ]
    recorder = replay.Recorder()
    for e in steps:
        recorder(e)
    rec = recorder.recording(lambda node: "warn" if "warned" in node else "error")
    output = replay.replay(rec, f, env)
    assert "warning: test.iroqa.warned_check: 5 row(s)" in output
    assert tables(f) == ["info", "numbers"]
    # the same test at severity error stops it
    with pytest.raises(replay.ReplayFailed, match="warned_check: 5 failing"):
        replay.replay(recorder.recording(), f, env)
    # a severity dbt does not have: not recorded
    assert recorder.recording(lambda node: "fatal") is None


class Nodes(dict):
    """A manifest's nodes: every test's severity is "error" but one's."""

    def __missing__(self, node: str):
        return SimpleNamespace(config=SimpleNamespace(severity="warn" if "warned" in node else "ERROR"))


class FakeDbt(build_mod.WarmDbt):
    """The rebuilder's warm dbt with dbt itself replaced: each invocation fires ``events``."""

    def __init__(self, events: list, ok: bool = True):
        super().__init__()
        self.events = events
        self.ok = ok
        self.invocations: list[list[str]] = []

    def parse(self, shared, env):
        self._manifest = SimpleNamespace(nodes=Nodes())
        if self._key != tuple(shared):
            self._recordings.clear()
            self._key = tuple(shared)

    def _invoke(self, args, env, manifest=None, recorder=None):
        self.invocations.append(args)
        for e in self.events if recorder is not None else []:
            recorder(e)
        return SimpleNamespace(success=self.ok), "dbt ran"


def test_the_warm_dbt_records_its_first_events_build_and_replays_the_next(building, monkeypatch):
    f, env = building
    env = dict(env, IROQA_BUILD_PATH=str(f))
    dbt = FakeDbt(a_build())
    events_only = ["--exclude-resource-type", "unit_test", "--select", "source:app.events+"]
    assert dbt("build", ["--vars", "a"], events_only, env) == (True, "dbt ran")
    ok, output = dbt("build", ["--vars", "a"], events_only, env)
    assert ok and "replayed the recorded events build" in output
    assert (len(dbt.invocations), dbt.replays) == (1, 1)
    assert tables(f) == ["info", "numbers"]

    # a full build (no selection) is never recorded, nor replayed
    dbt("build", ["--vars", "a"], ["--exclude-resource-type", "unit_test"], env)
    dbt("build", ["--vars", "a"], ["--exclude-resource-type", "unit_test"], env)
    assert (len(dbt.invocations), dbt.replays) == (3, 1)

    # a replay that fails: rolled back, and dbt runs the build (and is recorded again)
    def broken(*_):
        raise replay.ReplayFailed("test.iroqa.x: 1 failing row(s)")

    monkeypatch.setattr(replay, "replay", broken)
    ok, output = dbt("build", ["--vars", "a"], events_only, env)
    assert ok and output.startswith("The replay stopped (test.iroqa.x: 1 failing row(s)); rolled back")
    assert output.endswith("dbt ran")
    assert len(dbt.invocations) == 4
    monkeypatch.undo()

    # new vars (the next day's as-at date): parsed again, and the recording is gone
    dbt("build", ["--vars", "b"], events_only, env)
    assert len(dbt.invocations) == 5


def test_a_failed_dbt_build_is_not_recorded(building):
    f, env = building
    dbt = FakeDbt(a_build(), ok=False)
    events_only = ["--select", "source:app.events+"]
    dbt("build", [], events_only, dict(env, IROQA_BUILD_PATH=str(f)))
    dbt("build", [], events_only, dict(env, IROQA_BUILD_PATH=str(f)))
    assert (len(dbt.invocations), dbt.replays) == (2, 0)


def test_the_replay_connects_as_the_profile_connects_dbt():
    """What profiles.yml gives dbt's connection (config options, the raw store attached read-only, the
    pseudonym key's plugin), the replay's connection is given too (warehouse/replay.py)."""
    profile = yaml.safe_load((settings.DBT_PROJECT_DIR / "profiles.yml").read_text())
    output = profile["iroqa"]["outputs"]["build"]
    assert set(output["config_options"]) == set(replay.PROFILE_SETTINGS)
    for setting, (name, _) in replay.PROFILE_SETTINGS.items():
        assert name in output["config_options"][setting]
    assert output["attach"] == [
        {
            "path": "{{ env_var('IROQA_RAW_DB', '../warehouse/data/raw.duckdb') }}",
            "alias": replay.RAW_ALIAS,
            "read_only": True,
        }
    ]
    assert [p["module"] for p in output["plugins"]] == ["warehouse.dbt_pseudonym"]
    # no `settings`: dbt-duckdb would SET them on every cursor, and a SET temp_directory after a
    # spill fails (tests/dbt/test_dbt_spill.py)
    assert set(output) == {"type", "path", "threads", "config_options", "plugins", "attach"}


def test_rehearsal_runs_only_on_a_live_build_of_the_same_inputs(monkeypatch, tmp_path):
    p = settings.Paths(tmp_path / "home").ensure()
    calls = []
    monkeypatch.setattr(build_mod, "dbt_env", lambda *_: {})
    monkeypatch.setattr(build_mod, "inputs_fingerprint", lambda *_: "same")
    monkeypatch.setattr(build_mod, "build", lambda **kw: calls.append(kw))
    monkeypatch.setattr(build_mod, "read_live", lambda _: None)
    today = build_mod.date(2026, 12, 3)
    assert not build_mod.rehearse_events_build(p, as_at=today, protocol="leicestershire", runner=None)
    monkeypatch.setattr(build_mod, "read_live", lambda _: SimpleNamespace(inputs="other"))
    assert not build_mod.rehearse_events_build(p, as_at=today, protocol="leicestershire", runner=None)
    monkeypatch.setattr(build_mod, "read_live", lambda _: SimpleNamespace(inputs="same"))
    scratch = p.tmp_dir / "rehearsal.duckdb"
    scratch.write_text("left by the build")
    assert build_mod.rehearse_events_build(p, as_at=today, protocol="leicestershire", runner="warm")
    [kw] = calls
    assert (kw["events_only"], kw["runner"], kw["into"], kw["lock_timeout"]) == (True, "warm", scratch, 0)
    assert not scratch.exists()  # never live, never kept

    def busy(**_):
        raise build_mod.LockTimeout("the warehouse is busy")

    monkeypatch.setattr(build_mod, "build", busy)
    assert not build_mod.rehearse_events_build(p, as_at=today, protocol="leicestershire", runner="warm")

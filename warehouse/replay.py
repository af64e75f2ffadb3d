"""Replayed events builds: the background rebuilder's events-only build, after the first, runs the
statements dbt ran for it rather than dbt itself (ADR 0002, "Replayed events builds"; issues 12, 14).

Why: an events-only build at ``la`` is ~470 SQL statements over 36 models and 67 data tests that
DuckDB runs in about 2 s, and dbt spends another ~6 s of Python around them (rendering, the
materializations' bookkeeping, events), on a save's critical path to the email and the pages.
Between two events-only builds of the same rebuilder nothing dbt decides can differ: the project,
the vars and the environment are the :class:`~warehouse.build.WarmDbt` manifest's key, and the
base is always a copy of a live build made from the same inputs (``inputs_fingerprint``), so it
holds the same tables. Only the data differs, and that is in the tables (the build scope included),
not in the SQL. So the statements of one successful events-only build, recorded from dbt's own
``SQLQuery`` events, are the build for every later save with the same key.

The replay:

* runs each node's statements in the order dbt started the nodes (a node starts only once its
  parents have finished, so that order is a valid one), on one connection to the build file set up
  as ``profiles.yml`` sets up dbt's (raw attached read-only, the pseudonym key attached in memory,
  the memory limit and spill directory);
* leaves out what has no effect: transaction statements (the whole replay is one transaction) and
  a model's reads (dbt's introspection: what it decided from them is in the statements that follow);
* runs every data test's query and reads its ``should_error`` / ``should_warn`` flags, which dbt
  computed from the test's thresholds into the query itself, and applies the test's severity as
  dbt does (``warn``: its failures are warnings), kept from the manifest when recording;
* gives each replay a new invocation id (``build_info.invocation_id``), replacing the recorded one;
* commits only if every statement ran and no test failed. Otherwise it rolls back, which leaves the
  build file as it was, and the caller runs dbt itself on it: a failure is reported by dbt, as
  before, and dbt's statements are recorded again.

Only an events-only build is recorded (a ``--select`` of models and data tests; a seed's rows are
bound parameters that dbt's events do not carry). ``tests/warehouse/test_build_modes.py`` holds a
replayed build equal, table by table and row for row, to a full build of the same inputs.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: What a replay's connection is given, as ``profiles.yml`` gives dbt's (held equal by a test).
PROFILE_SETTINGS = {
    "memory_limit": ("IROQA_BUILD_MEMORY", "3GiB"),
    "temp_directory": ("IROQA_BUILD_TMP", None),
}
RAW_ALIAS = "raw"

#: The node kinds whose statements can be replayed; anything else in a build makes it unrecordable.
REPLAYABLE_KINDS = frozenset({"model", "test"})
#: The alias dbt's ``get_test_sql`` gives a data test's query, and the columns that query returns.
TEST_QUERY_MARK = "dbt_internal_test"
TEST_COLUMNS = ("failures", "should_warn", "should_error")


SLOWEST_SHOWN = 6  # nodes named in the build log with their time, slowest first


@dataclass(frozen=True)
class Step:
    node: str  # dbt's unique id; "" for the statements dbt runs outside any node
    kind: str  # "model"; "test" for a data test's query; "" for dbt's own statements
    sql: str
    severity: str = "error"  # a data test's: "warn" makes its failures warnings, as dbt does


@dataclass(frozen=True)
class Recording:
    invocation_id: str
    steps: tuple[Step, ...]  # the statements to run, in order
    left_out: int = 0  # dbt's statements without effect (transactions, introspection)

    @property
    def nodes(self) -> int:
        return len({s.node for s in self.steps if s.node})

    @property
    def tests(self) -> int:
        return sum(1 for s in self.steps if s.kind == "test")


@dataclass
class Recorder:
    """A dbt event callback that keeps the statements of one invocation, by node."""

    invocation_id: str = ""
    order: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    by_node: dict[str, list[str]] = field(default_factory=dict)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    unreplayable: str = ""

    def __call__(self, event) -> None:
        name = event.info.name
        if name == "NodeStart":
            node = event.data.node_info.unique_id
            if node not in self.by_node:
                self.order.append(node)
                self.by_node[node] = []
                self.kinds[node] = node.split(".", 1)[0]
        elif name == "SQLQuery":
            self.invocation_id = self.invocation_id or event.info.invocation_id
            node = event.data.node_info.unique_id
            if not node:  # dbt's own, before the nodes (schemas) or after them (its last commit)
                (self.after if self.order else self.before).append(event.data.sql)
                return
            if node not in self.by_node:
                self.unreplayable = self.unreplayable or f"a statement of {node} before it started"
                return
            if self.kinds[node] not in REPLAYABLE_KINDS:
                self.unreplayable = self.unreplayable or f"{node} is a {self.kinds[node]}"
            self.by_node[node].append(event.data.sql)

    def recording(self, severity: Callable[[str], str] = lambda node: "error") -> Recording | None:
        """The recording of the invocation, or None if it cannot be replayed. ``severity`` gives a
        data test's configured severity (from the manifest): dbt applies it after the query, so it
        is not in the SQL."""
        if self.unreplayable or not self.invocation_id or not self.order:
            return None
        steps = [Step("", "", sql) for sql in self.before]
        for node in self.order:
            kind = self.kinds[node]
            if kind == "test":
                # the test's query (dbt's get_test_sql wraps it as dbt_internal_test); the rest of
                # a test node's statements are dbt's introspection
                queries = [sql for sql in self.by_node[node] if TEST_QUERY_MARK in sql]
                if len(queries) != 1:
                    return None
                level = str(severity(node)).lower()
                if level not in ("error", "warn"):
                    return None
                steps.extend(
                    Step(node, "test", sql, level) if sql in queries else Step(node, "", sql)
                    for sql in self.by_node[node]
                )
            else:
                steps.extend(Step(node, kind, sql) for sql in self.by_node[node])
        steps.extend(Step("", "", sql) for sql in self.after)
        kept = tuple(step for step in steps if not _without_effect(step))
        return Recording(self.invocation_id, kept, left_out=len(steps) - len(kept))


class ReplayFailed(Exception):
    pass


def _connect(building: Path, env: dict[str, str]):
    import duckdb

    from warehouse.dbt_pseudonym import provide_key, read_key

    config = {}
    for setting, (name, default) in PROFILE_SETTINGS.items():
        value = env.get(name) or os.environ.get(name) or default
        if value:
            config[setting] = value
    con = duckdb.connect(str(building), config=config)
    try:
        raw = (env.get("IROQA_RAW_DB") or os.environ["IROQA_RAW_DB"]).replace("'", "''")
        con.execute(f"attach '{raw}' as {RAW_ALIAS} (read_only)")
        provide_key(con, read_key())
    except BaseException:
        con.close()
        raise
    return con


def replay(recording: Recording, building: Path, env: dict[str, str]) -> str:
    """Run ``recording`` on ``building`` in one transaction; returns what it did, for the build log.
    Raises :class:`ReplayFailed` (the file left as it was) if a statement fails or a test does."""
    import duckdb

    started = time.monotonic()
    invocation = str(uuid.uuid4())
    con = _connect(building, env)
    warned: list[str] = []
    spent: dict[str, float] = {}  # seconds by node, for the build log's slowest nodes
    try:
        con.execute("begin")
        for step in recording.steps:
            began = time.perf_counter()
            try:
                cursor = con.execute(step.sql.replace(recording.invocation_id, invocation))
            except duckdb.Error as exc:
                raise ReplayFailed(f"{step.node or 'dbt'}: {type(exc).__name__}: {exc}") from None
            if step.kind == "test":
                columns = tuple(d[0] for d in cursor.description or ())
                row = cursor.fetchone()
                if columns != TEST_COLUMNS or row is None:
                    raise ReplayFailed(f"{step.node}: the test query did not give {', '.join(TEST_COLUMNS)}")
                failures, should_warn, should_error = row
                if should_error and step.severity == "error":
                    raise ReplayFailed(f"{step.node}: {failures} failing row(s)")
                elif should_warn:
                    warned.append(f"{step.node}: {failures} row(s)")
            node = step.node or "dbt"
            spent[node] = spent.get(node, 0.0) + time.perf_counter() - began
        began = time.perf_counter()
        con.execute("commit")
        spent["commit"] = time.perf_counter() - began
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    finally:
        con.close()
    verdict = "none failed, some warned" if warned else "all passed"
    tested = sum(seconds for node, seconds in spent.items() if node.startswith("test."))
    lines = [
        f"replayed the recorded events build (dbt invocation {recording.invocation_id}) as {invocation}: "
        f"{recording.nodes} nodes, {len(recording.steps)} statements ({recording.tests} data tests, "
        f"{verdict}; {recording.left_out} reads and transaction statements left out), in "
        f"{time.monotonic() - started:.2f}s, of which the data tests {tested:.2f}s"
    ]
    slowest = sorted(spent.items(), key=lambda item: item[1], reverse=True)[:SLOWEST_SHOWN]
    lines.append("slowest: " + ", ".join(f"{node} {seconds:.2f}s" for node, seconds in slowest))
    lines += [f"warning: {w}" for w in warned]
    return "\n".join(lines)


def _without_effect(step: Step) -> bool:
    """A statement the replay leaves out: transactions (it runs as one), and every read but a data
    test's query (dbt's introspection: what dbt decided from it is in the statements that follow)."""
    import duckdb

    kinds = {s.type.name for s in duckdb.extract_statements(step.sql)}
    if step.kind == "test":
        return False
    return kinds <= {"TRANSACTION", "SELECT", "EXPLAIN"}

"""Marts builds, blue/green: dbt builds into a new DuckDB file; only a build whose models and tests
all pass is made live by replacing the pointer. A failed build never goes live.

Two ways to run dbt (docs/adr/0002-write-back-and-live-builds.md):

* :func:`run_dbt_subprocess`, for ``iroqa build`` and every CLI/CI build: a fresh ``dbt`` process
  (``dbtRunner`` keeps the DuckDB file open after ``invoke`` and does not support concurrent
  invocations, so a one-off build runs in its own process);
* :class:`WarmDbt`, for the background rebuilder only (a process of its own that runs one build at a
  time): dbt imported and the project parsed once, then reused for every build while the code, the
  vars and the environment stay the same. It saves dbt's start-up and parse (~3 s) on each save.

And two scopes (:func:`build` ``events_only``): a **full** build of every node, or, for the
rebuilder, an **events-only** build when nothing but the app's events can have changed since the
live build (same raw store, code, vars and environment: :func:`inputs_fingerprint`): the live file
is copied to the new build and only the nodes a saved event can change (``EVENT_SELECTOR``, with
every data test on them) are rebuilt. Anything else changed: a full build.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from warehouse import replay, settings
from warehouse.events import ensure_events_readable
from warehouse.settings import Paths
from warehouse.store import (
    LiveBuild,
    LockTimeout,
    exclusive_lock,
    live_problem,
    new_build_id,
    prune_builds,
    read_live,
    set_live,
)

logger = logging.getLogger(__name__)

#: What a saved app event can change: every node downstream of the app's events source (their data
#: tests included), and build_info (when and how the build was made). Everything else depends only
#: on the raw store, the code, the vars and the environment (:func:`inputs_fingerprint`).
EVENT_SELECTOR = ("source:app.events+", "build_info")

#: What every production build leaves out: dbt's unit tests (logic on fixed inputs, run by
#: ``make test``), never data tests or contracts (issue 14).
EXCLUDE_UNIT_TESTS = ("--exclude-resource-type", "unit_test")

#: Files of the dbt project whose content decides what a build produces.
_PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")

#: ``(command, shared arguments, node selection, environment) -> (succeeded, output)``: runs
#: ``dbt COMMAND SHARED... SELECTION...``. The shared arguments (:func:`dbt_args`) decide the parse;
#: the selection does not.
DbtRunner = Callable[[str, list[str], list[str], dict[str, str]], tuple[bool, str]]


class BuildError(RuntimeError):
    """The build failed; the live build is unchanged. ``log`` names the full dbt log."""

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log


@dataclass(frozen=True)
class BuildResult:
    live: LiveBuild
    seconds: float
    log: Path
    mode: str = "full"  # full | events (only the nodes a saved event can change)


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment (so a venv's dbt is used, not one on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(p: Paths, build_file: Path) -> dict[str, str]:
    from warehouse.pseudonyms import pseudonym_key  # the key of the marts' case_ref (macros/case_ref.sql)

    pseudonym_key(p)  # created on first use; dbt reads it from the file, never from SQL text
    env = dict(os.environ)
    env.pop("IROQA_PSEUDONYM_KEY", None)  # the file is the one source (warehouse/dbt_pseudonym.py)
    env.update(
        IROQA_BUILD_PATH=str(build_file),
        IROQA_RAW_DB=str(p.raw_db),
        IROQA_EVENTS_DIR=str(p.events_dir),
        IROQA_PSEUDONYM_KEY_FILE=str(p.home / "auth" / "pseudonym.key"),
        IROQA_BUILD_TMP=str(p.tmp_dir),  # DuckDB spills here (profiles.yml, docs/deploy.md)
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_PARTIAL_PARSE="true",
    )
    return env


def _failure_summary(output: str, limit: int = 12) -> str:
    """The lines of dbt's output a person needs: errors and failing tests."""
    keep = [
        line.strip()
        for line in output.splitlines()
        if any(
            k in line for k in ("ERROR", "FAIL ", "Error", "Failure in", "Compilation Error", "Runtime Error")
        )
    ]
    return "\n".join(keep[:limit]) or output.strip()[-2000:]


def _project_files() -> list[Path]:
    files: list[Path] = []
    for part in _PROJECT_PARTS:
        f = settings.DBT_PROJECT_DIR / part
        files += [f] if f.is_file() else sorted(g for g in f.rglob("*") if g.is_file())
    return files


_ENV_VAR = re.compile(rb"""env_var\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")
#: Variables dbt reads that name places or resources, not content: the raw store (its content is
#: fingerprinted by its file), the events (the part an events-only build rebuilds), the build file
#: itself, and where and how much DuckDB may spill (the same result, sooner or later).
_LOCATION_VARS = frozenset(
    {"IROQA_BUILD_PATH", "IROQA_RAW_DB", "IROQA_EVENTS_DIR", "IROQA_BUILD_TMP", "IROQA_BUILD_MEMORY"}
)


def code_fingerprint() -> tuple[str, frozenset[str]]:
    """A hash of the dbt project's code, seeds and tests and of the dbt/DuckDB versions (what a
    build produces from given inputs), and the names of the environment variables the project
    reads with ``env_var()``. A few milliseconds."""
    h = hashlib.sha256()
    names: set[str] = set()
    for pkg in ("dbt-core", "dbt-duckdb", "duckdb"):
        h.update(f"{pkg}=={importlib.metadata.version(pkg)}\n".encode())
    for f in _project_files():
        data = f.read_bytes()
        h.update(str(f.relative_to(settings.DBT_PROJECT_DIR)).encode() + b"\0" + data + b"\0")
        names.update(m.decode() for m in _ENV_VAR.findall(data))
    return h.hexdigest(), frozenset(names)


def _stat(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}"


def inputs_fingerprint(p: Paths, dbt_vars: dict[str, str], env: dict[str, str]) -> str:
    """Everything a build's result depends on except the app's events: the raw store (only ingest
    writes it, under the warehouse lock that the caller holds), the code (:func:`code_fingerprint`),
    the dbt vars (the as-at date and protocol) and the environment variables the project reads
    (but those naming places). Two builds with the same fingerprint differ only by the app's events."""
    code, env_names = code_fingerprint()
    h = hashlib.sha256()
    h.update(code.encode())
    h.update(json.dumps(dbt_vars, sort_keys=True).encode())
    h.update(json.dumps({k: env.get(k) for k in sorted(env_names - _LOCATION_VARS)}).encode())
    for f in (p.raw_db, p.raw_db.with_suffix(".duckdb.wal")):
        h.update(_stat(f).encode())
    h.update(_key_digest(env).encode())  # a new pseudonym key gives every case_ref anew
    return h.hexdigest()[:32]


def _key_digest(env: dict[str, str]) -> str:
    """A hash of the pseudonym key dbt will use (warehouse/dbt_pseudonym.py), never the key."""
    key = env.get("IROQA_PSEUDONYM_KEY", "")
    if not key and env.get("IROQA_PSEUDONYM_KEY_FILE"):
        with contextlib.suppress(OSError):
            key = Path(env["IROQA_PSEUDONYM_KEY_FILE"]).read_text().strip()
    return hashlib.sha256(b"iroqa-key\0" + key.encode()).hexdigest()


def dbt_args(p: Paths, *, as_at: date, protocol: str, target: str = "dbt_target") -> list[str]:
    """The arguments every dbt command of a build shares (not the command or node selection)."""
    return [
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.DBT_PROJECT_DIR),
        "--target-path",
        str(p.home / target),
        "--log-path",
        str(p.logs_dir),
        "--vars",
        json.dumps({"as_at": as_at.isoformat(), "protocol": protocol}),
    ]


def run_dbt_subprocess(
    command: str, shared: list[str], selection: list[str], env: dict[str, str]
) -> tuple[bool, str]:
    """dbt in a process of its own (the default: CLI builds, CI)."""
    proc = subprocess.run(
        [dbt_executable(), command, *shared, *selection],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.DBT_PROJECT_DIR,
    )
    return proc.returncode == 0, proc.stdout + proc.stderr


class WarmDbt:
    """dbt in this process, parsed once: for the background rebuilder only, which runs one build at
    a time in a process of its own (never in the dashboard or a CLI process).

    The parsed manifest is reused while the code, the shared arguments (vars) and the environment
    are unchanged, and parsed again otherwise (so once a day, when the as-at date moves). After
    every invocation dbt-duckdb's database handle is closed, so the build file is complete and
    closed before it is renamed and made live. Output is collected from dbt's events (info and
    above) instead of its console."""

    #: A rebuilder leaves after this many builds (the next request starts a fresh process), so
    #: whatever dbt keeps between invocations cannot grow without bound.
    MAX_BUILDS = int(os.environ.get("IROQA_WARM_DBT_MAX_BUILDS", "200"))

    def __init__(self) -> None:
        self._manifest = None
        self._key: str | None = None
        self.builds = 0
        self.parses = 0
        self.replays = 0
        #: The statements of a successful events-only build, by selection, for this manifest's key
        #: (:mod:`warehouse.replay`): every later events-only build replays them instead of running dbt.
        self._recordings: dict[tuple[str, ...], replay.Recording] = {}

    @property
    def spent(self) -> bool:
        return self.builds >= self.MAX_BUILDS

    def _invoke(self, args: list[str], env: dict[str, str], manifest=None, recorder=None):
        from dbt.cli.main import dbtRunner

        os.environ.update(env)  # dbt renders env_var() from this process's environment
        lines: list[str] = []

        def collect(event) -> None:
            info = getattr(event, "info", None)
            if info is not None and info.level in ("info", "warn", "error") and info.msg:
                lines.append(
                    f"{info.ts.ToDatetime():%H:%M:%S}  {info.msg}"
                    if hasattr(info.ts, "ToDatetime")
                    else info.msg
                )

        cwd = os.getcwd()
        os.chdir(settings.DBT_PROJECT_DIR)
        try:
            callbacks = [collect] if recorder is None else [collect, recorder]
            result = dbtRunner(manifest=manifest, callbacks=callbacks).invoke(
                [*args, "--quiet", "--log-level-file", "none"]
            )
        finally:
            os.chdir(cwd)
            self._close_database()
        if result.exception is not None:
            lines.append(f"{type(result.exception).__name__}: {result.exception}")
        return result, "\n".join(lines)

    @staticmethod
    def _close_database() -> None:
        """Close dbt-duckdb's cached database handle (it keeps the file open between invocations)."""
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        env = getattr(DuckDBConnectionManager, "_ENV", None)
        if env is not None and hasattr(env, "close"):
            with contextlib.suppress(Exception):
                env.close()
        DuckDBConnectionManager.close_all_connections()

    def parse(self, shared: list[str], env: dict[str, str]) -> None:
        """Parse the project now unless the manifest in hand is still valid (``warm_up``)."""
        code, env_names = code_fingerprint()
        key = hashlib.sha256(
            json.dumps([code, shared, {k: env.get(k) for k in sorted(env_names)}]).encode()
        ).hexdigest()
        if self._manifest is not None and key == self._key:
            return
        result, output = self._invoke(["parse", *shared], env)
        if not result.success or result.result is None:
            self._manifest = self._key = None
            raise BuildError("dbt could not parse the project:\n" + _failure_summary(output))
        self._manifest, self._key = result.result, key
        self._recordings.clear()  # recorded under the old key
        self.parses += 1

    def __call__(
        self, command: str, shared: list[str], selection: list[str], env: dict[str, str]
    ) -> tuple[bool, str]:
        try:
            self.parse(shared, env)
        except BuildError as exc:
            return False, str(exc)
        self.builds += 1
        # Only an events-only build (a selection, run on a copy of the live build) is recorded and
        # replayed: a full build starts from an empty file and loads seeds (warehouse/replay.py).
        replayable = command == "build" and "--select" in selection
        key = (command, *selection)
        recording = self._recordings.get(key) if replayable else None
        before = ""
        if recording is not None:
            os.environ.update(env)  # as for dbt: the pseudonym key's file is read from it
            try:
                output = replay.replay(recording, Path(env["IROQA_BUILD_PATH"]), env)
            except Exception as exc:  # noqa: BLE001 - rolled back: dbt runs it, and reports a failure
                self._recordings.pop(key, None)
                before = f"The replay stopped ({exc}); rolled back, dbt runs the build.\n"
            else:
                self.replays += 1
                return True, output
        recorder = replay.Recorder() if replayable else None
        result, output = self._invoke(
            [command, *shared, *selection, "--no-write-json"], env, manifest=self._manifest, recorder=recorder
        )
        if result.success and recorder is not None:
            nodes = self._manifest.nodes
            recorded = recorder.recording(lambda node: nodes[node].config.severity)
            if recorded is not None:
                self._recordings[key] = recorded
        return bool(result.success), before + output


#: Tables an incremental build writes into the copied live file for dbt to read, dropped again
#: before the build goes live (so it holds exactly the tables of a full build): the challenges to
#: re-derive (macros/build_scope.sql) and the event ids already accounted for.
SCOPE_TABLE = "iroqa_build_scope"
SEEN_TABLE = "iroqa_build_seen"
#: An incremental build runs dbt again while saves keep arriving between the scope and dbt's read
#: of the events folder; after this many passes it gives way to a full build.
MAX_SCOPE_PASSES = 3


def write_build_scope(building: Path, events_dir: Path) -> tuple[int, int] | None:
    """Write, into the copied build file, the challenges an incremental build re-derives: every
    challenge (case system, QA grade, app) of every child that an event saved since the events
    already accounted for touches, and the ids of the events concerned themselves. The events
    accounted for start as the base build's ``int_app_event_ids`` (every file it read) and grow
    with each pass. Returns the numbers of new events and of challenges in the scope, or None when
    the base does not list the events it read (then only a full build can be trusted)."""
    import duckdb

    glob = str(events_dir / "*.parquet").replace("'", "''")
    con = duckdb.connect(str(building))
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if "int_app_event_ids" not in tables or "int_challenges_unioned" not in tables:
            return None
        if SEEN_TABLE not in tables:
            con.execute("create table main.iroqa_build_seen as select event_id from main.int_app_event_ids")
        # one read of the folder; what arrives after it is found by the check after dbt
        con.execute(
            "create or replace temp table new_events as "  # noqa: S608 - the glob is our own events folder
            f"select event_id, challenge_id, child_id from read_parquet('{glob}', union_by_name = true) "
            "where event_id is not null and event_id not in (select event_id from main.iroqa_build_seen)"
        )
        con.execute(
            """
            create or replace table main.iroqa_build_scope as
            with
            unioned as (
                select challenge_id, app_challenge_id, child_id from main.int_challenges_unioned
            ),
            touched_children as (
                select child_id from new_events where child_id is not null
                union
                select unioned.child_id from unioned
                where
                    unioned.challenge_id in (select challenge_id from new_events)
                    or unioned.app_challenge_id in (select challenge_id from new_events)
            ),
            scope as (
                select challenge_id from new_events
                union
                select challenge_id from unioned where child_id in (select child_id from touched_children)
                union
                select app_challenge_id from unioned where child_id in (select child_id from touched_children)
            )
            select distinct challenge_id from scope where challenge_id is not null
            """
        )
        con.execute("insert into main.iroqa_build_seen select event_id from new_events")
        new = int(con.execute("select count(*) from new_events").fetchone()[0])
        return new, int(con.execute("select count(*) from main.iroqa_build_scope").fetchone()[0])
    finally:
        con.close()


def unseen_events(building: Path) -> int:
    """Events dbt read that the scope did not account for (saved between the scope and dbt's read)."""
    import duckdb

    con = duckdb.connect(str(building), read_only=True)
    try:
        return int(
            con.execute(
                "select count(*) from main.int_app_event_ids where event_id not in (select event_id from main.iroqa_build_seen)"
            ).fetchone()[0]
        )
    finally:
        con.close()


def drop_build_scope(building: Path) -> None:
    import duckdb

    con = duckdb.connect(str(building))
    try:
        for t in (SCOPE_TABLE, SEEN_TABLE):
            con.execute(f"drop table if exists main.{t}")
    finally:
        con.close()


def _incremental(
    p: Paths, building: Path, shared: list[str], selection: list[str], env: dict[str, str], runner: DbtRunner
) -> tuple[bool | None, str, str]:
    """The events-only build in the copied live file: the scope (:func:`write_build_scope`), then
    ``dbt build`` of the event nodes, whose per-challenge models re-derive only the scope's
    challenges and whose other models and data tests run whole; again while saves arrived between
    the scope and dbt's read of the folder (at most :data:`MAX_SCOPE_PASSES`, then it fails and the
    caller builds in full). ``(None, "", log)`` when the base cannot be incremented."""
    record = ""
    output = ""
    for n in range(1, MAX_SCOPE_PASSES + 1):
        started = time.monotonic()
        try:
            scope = write_build_scope(building, p.events_dir)
        except Exception as exc:  # noqa: BLE001 - a damaged base, an unreadable event: a full build instead
            return False, f"{type(exc).__name__}: {exc}", record + f"could not write the scope: {exc}\n"
        if scope is None:
            return None, "", "the live build does not list the events it read: a full build instead\n"
        record += (
            f"events build, pass {n}: {scope[0]} new event(s), scope {scope[1]} challenge(s), "
            f"written in {time.monotonic() - started:.2f}s\n"
        )
        ok, output = runner("build", shared, selection, env)
        record += f"dbt build {' '.join(shared + selection)}\n\n{output}\n"
        if not ok:
            return False, output, record
        try:
            unseen = unseen_events(building)
        except Exception as exc:  # noqa: BLE001
            return False, f"{type(exc).__name__}: {exc}", record
        if not unseen:
            return True, output, record
        record += "events were saved while it ran: another pass for their challenges\n"
    return False, output + "\nsaves kept arriving during the incremental build", record


def _ensure_raw_columns(p: Paths) -> None:
    """Add to the raw store the optional columns new in the layout (e.g. workers.email) that a raw
    store loaded before they existed lacks, so the staging models can name them. Under the
    warehouse lock (ingest's writer rule, ADR 0001); the store is opened read-write only when a
    column is missing, so an up-to-date store is never touched."""
    import duckdb

    from ingest import schema
    from warehouse import raw

    with duckdb.connect(str(p.raw_db), read_only=True) as con:
        have = {
            (t, c)
            for t, c in con.execute(
                "select table_name, column_name from information_schema.columns"
            ).fetchall()
        }
    missing = [
        (e.name, c.name)
        for e in schema.ENTITIES.values()
        for c in e.columns
        if (e.name, c.name) not in have and any(t == e.name for t, _ in have)
    ]
    if missing:
        with duckdb.connect(str(p.raw_db)) as con:
            raw.ensure_tables(con)


def build(
    *,
    as_at: date | None = None,
    protocol: str | None = None,
    p: Paths | None = None,
    lock_timeout: float | None = None,
    unit_tests: bool = False,
    events_only: bool = False,
    runner: DbtRunner | None = None,
    into: Path | None = None,
) -> BuildResult:
    """Run ``dbt build`` into a new file and make it live if (and only if) everything passed.

    ``into`` (month-end snapshots, :mod:`warehouse.snapshots`): the passing build is renamed to this
    file instead and never made live; the live pointer and pruning are left alone.

    dbt's unit tests are left out (``--exclude-resource-type unit_test``) unless ``unit_tests``: they
    check the models' logic on fixed inputs, not the data, so no extract or saved event can make one
    fail; they run in ``make test`` (tests/dbt, every unit test of the project, both protocols).
    Every model, every data test and every contract still runs, and a failure still never goes
    live (ADR 0002, issue 14).

    ``events_only=True`` (also the background rebuild) builds only what a saved event can change
    when the live build was made from the same inputs but the events (:func:`inputs_fingerprint`):
    the live file is copied to the new build and ``EVENT_SELECTOR`` is rebuilt and tested in it.
    If anything else changed it is a full build. ``runner`` runs dbt (default: a subprocess)."""
    p = (p or settings.paths()).ensure()
    as_at = as_at or date.today()
    protocol = protocol or settings.protocol()
    runner = runner or run_dbt_subprocess
    started = time.monotonic()
    with exclusive_lock(p, purpose="build", timeout=lock_timeout):
        if not p.raw_db.exists():
            raise BuildError(
                f"There is no raw store at {p.raw_db} yet: load extracts first with `iroqa ingest PATH`."
            )
        ensure_events_readable(p)  # the events glob must match at least one file
        _ensure_raw_columns(p)
        build_id = new_build_id()
        build_file = p.builds_dir / f"{build_id}.duckdb"
        # dbt writes to a fixed name and the finished file is renamed to its build id: the profile
        # (which names the file) then never changes, so dbt's partial parsing stays valid from one
        # build to the next (a changed profile forces a full parse, ~4 s). The warehouse lock makes
        # this name one build's at a time; a crashed build's leftovers are removed first.
        building = p.builds_dir / "building.duckdb"
        _remove(building)
        remove_dead_spills(p.tmp_dir)
        env = dbt_env(p, building)
        shared = dbt_args(
            p,
            as_at=as_at,
            protocol=protocol,
            target="dbt_target" if runner is run_dbt_subprocess else "dbt_target_warm",
        )
        inputs = inputs_fingerprint(p, {"as_at": as_at.isoformat(), "protocol": protocol}, env)
        selection = [] if unit_tests else list(EXCLUDE_UNIT_TESTS)
        mode = "full"
        notes = ""
        base = read_live(p) if events_only else None
        if base is not None and base.inputs == inputs:
            damage = live_problem(p)
            if damage is None:
                shutil.copyfile(base.file, building)  # live files are never written: a safe copy
                mode = "events"
            else:  # a damaged live file cannot be the base: a full build replaces it
                notes = f"{damage}: a full build instead\n"
        log = p.logs_dir / f"build-{build_id}.log"
        events_selection = ["--select", *EVENT_SELECTOR] if mode == "events" else []
        record = notes
        if mode == "events":
            ok, output, record = _incremental(p, building, shared, selection + events_selection, env, runner)
            record = notes + record
            if ok is None:  # the base cannot say which events it read: a full build, in a new file
                _remove(building)
                mode = "full"
        if mode == "full":
            ok, output = runner("build", shared, selection, env)
            record += f"full build: dbt build {' '.join(shared + selection)}\n\n{output}"
        if not ok and mode == "events":
            # An events-only build that fails (a damaged base, a model that cannot be rebuilt alone)
            # falls back to a full build from the raw store and the events (issue 10).
            _remove(building)
            mode = "full"
            ok, output = runner("build", shared, selection, env)
            record += f"\n\nThe events-only build failed: full build instead.\nfull build: dbt build {' '.join(shared + selection)}\n\n{output}"
        elif ok and mode == "events":
            drop_build_scope(building)
        log.write_text(record)
        if not ok:
            culprits = source_rows_to_blame(p, building, output, shared, env)
            if culprits:
                with log.open("a") as fh:
                    fh.write("\n\nSource rows behind the failure:\n" + "\n".join(culprits) + "\n")
            _remove(building)
            raise BuildError(
                f"The build failed, so the live build is unchanged. Full log: {log}\n"
                + _failure_summary(output)
                + (
                    "\nCaused by these source rows (file, load, row):\n  " + "\n  ".join(culprits)
                    if culprits
                    else ""
                ),
                log,
            )
        if building.with_suffix(".duckdb.wal").exists():  # dbt closed it cleanly: none expected
            raise BuildError(f"The build left a write-ahead log beside {building}; not made live.", log)
        if into is not None:
            build_file = into
            mode = "snapshot"
        os.replace(building, build_file)  # a new name: nothing else has it open
        seconds = round(time.monotonic() - started, 2)
        live = LiveBuild(
            build_id=build_id,
            path=str(build_file),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            as_at=as_at.isoformat(),
            protocol=protocol,
            seconds=seconds,
            inputs=inputs,
            mode=mode,
            size=build_file.stat().st_size,
        )
        if into is None:
            set_live(live, p)
            prune_builds(p)
    return BuildResult(live=live, seconds=seconds, log=log, mode=mode)


_NOT_NULL = re.compile(r"NOT NULL constraint failed: (\w+?)(?:__dbt_tmp)?\.(\w+)")
#: Where a mart row's source row is found, by the key column it carries.
_LINEAGE = (("event_id", "int_challenge_events"), ("challenge_id", "int_challenges"))


def source_rows_to_blame(
    p: Paths, building: Path, output: str, shared: list[str], env: dict[str, str], limit: int = 10
) -> list[str]:
    """For a build that failed a not-null constraint, the source rows (file, load, row) that gave the
    null, as far as can be known: the failed model's compiled SQL is run again in the half-built file
    (its upstream tables are there) for the rows with the null column, and each is traced to its
    source row through its own lineage columns or its challenge/event. Best effort: [] if unknown."""
    import duckdb

    match = _NOT_NULL.search(output)
    if not match or not building.exists():
        return []
    model, column = match.groups()
    target = Path(shared[shared.index("--target-path") + 1]) if "--target-path" in shared else None
    compiled = next(iter(sorted(target.glob(f"compiled/*/models/**/{model}.sql"))), None) if target else None
    if compiled is None:
        return []
    try:
        from warehouse.dbt_pseudonym import provide_key, read_key

        old = {k: os.environ.get(k) for k in ("IROQA_PSEUDONYM_KEY", "IROQA_PSEUDONYM_KEY_FILE")}
        os.environ.update({k: env[k] for k in old if env.get(k)})
        try:
            key = read_key()
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        con = duckdb.connect(str(building))
        try:
            provide_key(con, key)
            raw_db = str(p.raw_db).replace("'", "''")
            con.execute(f"attach '{raw_db}' as raw (read_only)")
            sql = compiled.read_text().rstrip().rstrip(";")
            # model and column are \w+ names from dbt's message; the SQL is dbt's own compiled model
            bad = con.sql(f'select * from ({sql}) where "{column}" is null limit {int(limit)}').pl()  # noqa: S608
            if bad.is_empty():
                return []
            lineage = ("load_id", "source_file", "source_row")
            if all(c in bad.columns for c in lineage):
                rows = [(*r, None) for r in bad.select(*lineage).rows()]
            else:
                rows = []
                for key_col, table in _LINEAGE:
                    if key_col in bad.columns:
                        ids = [v for v in bad[key_col].to_list() if v is not None]
                        # names from _LINEAGE, ids as a parameter
                        query = f"select load_id, source_file, source_row, {key_col} from {table} "  # noqa: S608
                        query += f"where {key_col} in (select unnest(?::varchar[])) order by source_file, source_row"
                        rows = con.execute(query, [ids]).fetchall()
                        break
        finally:
            con.close()
    except Exception:  # noqa: BLE001 - diagnosis must never hide the build's own error
        logger.debug("could not trace the failure to source rows", exc_info=True)
        return []
    from ingest.report import printable

    return [
        printable(
            f"{model}.{column} is null for {what or 'a row'}: file {file or '(app)'}, load {load or '-'}, "
            f"row {row if row is not None else '-'}"
        )
        for load, file, row, what in rows
    ]


def _remove(building: Path) -> None:
    for f in (building, building.with_suffix(".duckdb.wal")):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()


#: DuckDB names its spill files after the process that writes them: duckdb_temp_<pid>_<n>_...
SPILL_FILE = re.compile(r"duckdb_temp_(\d+)_")


def remove_dead_spills(tmp_dir: Path) -> list[Path]:
    """Delete the spill files of processes that are gone; returns them. A build killed while DuckDB
    spilled leaves its files behind (up to 8.7 GB at national, children's data), and DuckDB
    removes only its own process's. A file of a live process (another build's, or a recycled pid)
    is kept: the next build looks again."""
    removed = []
    for f in sorted(tmp_dir.glob("duckdb_temp_*")):
        m = SPILL_FILE.match(f.name)
        if m is None:
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue  # alive
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # alive, another user's
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
            removed.append(f)
    return removed


#: The rebuilder process's dbt (:class:`WarmDbt`), created on first use.
_warm: WarmDbt | None = None


def warm_dbt() -> WarmDbt:
    global _warm
    if _warm is None or _warm.spent:
        _warm = WarmDbt()
    return _warm


def live_build(*, as_at: date | None = None, p: Paths | None = None, **kwargs) -> BuildResult:
    """The background rebuild after a save (warehouse/live.py): the models and data tests a saved
    event can change (or all of them, if anything else changed), without the unit tests, run by
    this process's warm dbt, so a save shows on the dashboards within seconds."""
    kwargs.setdefault("events_only", True)
    kwargs.setdefault("runner", warm_dbt())
    return build(as_at=as_at, p=p, unit_tests=False, **kwargs)


def warm_up(p: Paths | None = None) -> None:
    """Import dbt, parse the project for today's build and rehearse an events-only build in advance
    (the rebuilder calls this when it starts), so the first save after a quiet spell waits for
    neither and its build is replayed (warehouse/replay.py). Best effort."""
    p = (p or settings.paths()).ensure()
    as_at, protocol = date.today(), settings.protocol()
    shared = dbt_args(p, as_at=as_at, protocol=protocol, target="dbt_target_warm")
    env = dbt_env(p, p.builds_dir / "building.duckdb")
    runner = warm_dbt()
    runner.parse(shared, env)
    rehearse_events_build(p, as_at=as_at, protocol=protocol, runner=runner)


def rehearse_events_build(p: Paths, *, as_at: date, protocol: str, runner: WarmDbt) -> bool:
    """Run an events-only build once into a scratch file that never goes live, so that ``runner``
    has recorded its statements before the first save. Only when the live build was made from the
    same inputs (otherwise the next build is a full one anyway), and only if the warehouse is free
    now; returns whether it ran and passed."""
    base = read_live(p)
    env = dbt_env(p, p.builds_dir / "building.duckdb")
    vars_ = {"as_at": as_at.isoformat(), "protocol": protocol}
    if base is None or base.inputs != inputs_fingerprint(p, vars_, env):
        return False
    scratch = p.tmp_dir / "rehearsal.duckdb"
    try:
        build(
            as_at=as_at, protocol=protocol, p=p, events_only=True, runner=runner, into=scratch, lock_timeout=0
        )
        return True
    except (LockTimeout, BuildError):
        return False
    finally:
        _remove(scratch)


def rebuilder_should_retire() -> bool:
    """Whether this rebuilder process has done enough builds to hand over to a fresh one."""
    return _warm is not None and _warm.spent

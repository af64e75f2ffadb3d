"""Marts builds, blue/green: dbt builds into a new DuckDB file; only a build whose models and tests
all pass is made live by replacing the pointer. A failed build never goes live.

dbt runs in its own process (``dbtRunner`` keeps the DuckDB file open after ``invoke`` and does not
support concurrent invocations), under the warehouse lock, so ingest and builds never overlap.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from warehouse import settings
from warehouse.events import ensure_events_readable
from warehouse.settings import Paths
from warehouse.store import LiveBuild, exclusive_lock, new_build_id, prune_builds, set_live


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


def dbt_executable() -> str:
    """The dbt of the running interpreter's environment (so a venv's dbt is used, not one on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(p: Paths, build_file: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        IROQA_BUILD_PATH=str(build_file),
        IROQA_RAW_DB=str(p.raw_db),
        IROQA_EVENTS_DIR=str(p.events_dir),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_PARTIAL_PARSE="true",
    )
    return env


def _failure_summary(output: str, limit: int = 12) -> str:
    """The lines of dbt's output a person needs: errors and failing tests."""
    keep = [
        line.strip()
        for line in output.splitlines()
        if any(k in line for k in ("ERROR", "FAIL ", "Error", "Failure in", "Compilation Error", "Runtime Error"))
    ]
    return "\n".join(keep[:limit]) or output.strip()[-2000:]


def build(
    *,
    as_at: date | None = None,
    protocol: str | None = None,
    p: Paths | None = None,
    lock_timeout: float | None = None,
    unit_tests: bool = True,
) -> BuildResult:
    """Run ``dbt build`` into a new file and make it live if (and only if) everything passed.

    ``unit_tests=False`` (the background rebuild after a save, :func:`live_build`) leaves out dbt's
    unit tests: they check the models' logic on fixed inputs, not the data, and run on every CLI
    and CI build; every model and every data test still runs, and a failure still never goes live
    (ADR 0002)."""
    p = (p or settings.paths()).ensure()
    as_at = as_at or date.today()
    protocol = protocol or settings.protocol()
    started = time.monotonic()
    with exclusive_lock(p, purpose="build", timeout=lock_timeout):
        if not p.raw_db.exists():
            raise BuildError(
                f"There is no raw store at {p.raw_db} yet: load extracts first with `iroqa ingest PATH`."
            )
        ensure_events_readable(p)  # the events glob must match at least one file
        build_id = new_build_id()
        build_file = p.builds_dir / f"{build_id}.duckdb"
        # dbt writes to a fixed name and the finished file is renamed to its build id: the profile
        # (which names the file) then never changes, so dbt's partial parsing stays valid from one
        # build to the next (a changed profile forces a full parse, ~4 s). The warehouse lock makes
        # this name one build's at a time; a crashed build's leftovers are removed first.
        building = p.builds_dir / "building.duckdb"
        for f in (building, building.with_suffix(".duckdb.wal")):
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
        log = p.logs_dir / f"build-{build_id}.log"
        cmd = [
            dbt_executable(), "build",
            "--project-dir", str(settings.DBT_PROJECT_DIR),
            "--profiles-dir", str(settings.DBT_PROJECT_DIR),
            "--target-path", str(p.home / "dbt_target"),
            "--log-path", str(p.logs_dir),
            "--vars", json.dumps({"as_at": as_at.isoformat(), "protocol": protocol}),
        ]
        if not unit_tests:
            cmd += ["--exclude", "test_type:unit"]
        proc = subprocess.run(cmd, env=dbt_env(p, building), capture_output=True, text=True,
                              cwd=settings.DBT_PROJECT_DIR)
        log.write_text(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            for f in (building, building.with_suffix(".duckdb.wal")):
                with contextlib.suppress(FileNotFoundError):
                    f.unlink()
            raise BuildError(
                f"The build failed, so the live build is unchanged. Full log: {log}\n"
                + _failure_summary(proc.stdout + proc.stderr),
                log,
            )
        if building.with_suffix(".duckdb.wal").exists():  # dbt closed it cleanly: none expected
            raise BuildError(f"The build left a write-ahead log beside {building}; not made live.", log)
        os.replace(building, build_file)  # a new name: nothing else has it open
        seconds = round(time.monotonic() - started, 2)
        live = LiveBuild(
            build_id=build_id,
            path=str(build_file),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            as_at=as_at.isoformat(),
            protocol=protocol,
            seconds=seconds,
        )
        set_live(live, p)
        prune_builds(p)
    return BuildResult(live=live, seconds=seconds, log=log)


def live_build(*, as_at: date | None = None, p: Paths | None = None, **kwargs) -> BuildResult:
    """The background rebuild after a save (warehouse/live.py): models and data tests, without
    the unit tests, so a save shows on the dashboards sooner."""
    return build(as_at=as_at, p=p, unit_tests=False, **kwargs)

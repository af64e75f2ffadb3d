"""Fixtures for the dbt project's tests: a temporary raw store and a ``dbt build`` runner.

``load_raw_store`` is the ONE place that turns a folder of canonical CSV extracts into a raw
store, through the real ingest module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse.loader import ingest_paths
from warehouse.settings import Paths

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
ROTHERHAM_FIXTURE = REPO_ROOT / "tests" / "fixtures" / "rotherham"


def load_raw_store(csv_dir: Path, raw_db: Path) -> Path:
    """Load ``csv_dir``'s canonical extracts into a raw store at ``raw_db`` with the real ingest
    module, as a user's ``iroqa ingest`` would (rows that ingest's rules reject never reach dbt).

    ``raw_db`` must be named ``raw.duckdb``: its folder becomes the warehouse home.
    """
    assert raw_db.name == "raw.duckdb", raw_db
    report = ingest_paths([csv_dir], profile="canonical", paths=Paths(raw_db.parent).ensure())
    assert not any(f.status == "rejected" for f in report.files), report.summary()
    return raw_db


@dataclass
class BuildResult:
    returncode: int
    stdout: str
    seconds: float
    build_path: Path
    run_results: dict
    pseudonym_key: str = ""  # the key the build's case_ref was made with
    target_path: Path | None = None  # dbt's target folder (manifest.json, run_results.json)

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        """A direct, read-only query of the built file (the tests' check on what dbt produced)."""
        import duckdb

        con = duckdb.connect(str(self.build_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def results_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.run_results.get("results", []):
            kind = r["unique_id"].split(".")[0]
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def failures(self) -> list[str]:
        return [
            f"{r['unique_id']}: {r['status']} {r.get('message') or ''}"
            for r in self.run_results.get("results", [])
            if r["status"] in ("error", "fail", "runtime error")
        ]


def run_dbt_build(
    raw_db: Path,
    out_dir: Path,
    *,
    as_at: str,
    protocol: str,
    select: str | None = None,
    extra_args: tuple[str, ...] = (),
    events_home: Paths | None = None,
    project_dir: Path = DBT_PROJECT_DIR,
) -> BuildResult:
    """Run ``dbt build`` in a subprocess exactly as the warehouse runner does. ``events_home``: a
    warehouse home whose app events the build reads (default: none, only the placeholder file).
    ``project_dir``: a copy of the dbt project with other seeds (default: the project itself)."""
    build_path = out_dir / f"build-{protocol}-{as_at}.duckdb"
    target_path = out_dir / f"target-{protocol}-{as_at}"
    from warehouse.events import ensure_events_readable
    from warehouse.pseudonyms import pseudonym_key

    events_home = events_home or Paths(out_dir / "home")
    ensure_events_readable(events_home)  # without app events: only the zero-row placeholder file
    key = pseudonym_key(events_home)  # the home's own key, as warehouse.build.dbt_env gives it
    env = dict(os.environ)
    env.update(
        {
            "IROQA_PSEUDONYM_KEY": key,
            "IROQA_EVENTS_DIR": str(events_home.events_dir),
            "IROQA_BUILD_PATH": str(build_path),
            "IROQA_BUILD_TMP": str(out_dir / "tmp"),  # where DuckDB spills (profiles.yml)
            "IROQA_RAW_DB": str(raw_db),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_LOG_PATH": str(out_dir / "logs"),
        }
    )
    dbt = Path(sys.executable).with_name("dbt")
    cmd = [
        str(dbt),
        "build",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target_path),
        "--vars",
        json.dumps({"as_at": as_at, "protocol": protocol}),
        *extra_args,
    ]
    if select:
        cmd += ["--select", select]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    results_file = target_path / "run_results.json"
    run_results = json.loads(results_file.read_text()) if results_file.exists() else {}
    return BuildResult(
        proc.returncode, proc.stdout + proc.stderr, seconds, build_path, run_results, key, target_path
    )


@pytest.fixture(scope="session")
def rotherham_raw_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw_db = tmp_path_factory.mktemp("raw") / "raw.duckdb"
    return load_raw_store(ROTHERHAM_FIXTURE, raw_db)


@pytest.fixture(scope="session")
def rotherham_build(rotherham_raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The full ``dbt build`` (seeds, models, unit tests, data tests) on the Rotherham fixture."""
    out = tmp_path_factory.mktemp("build-rotherham")
    return run_dbt_build(rotherham_raw_db, out, as_at="2017-07-31", protocol="rotherham")


@pytest.fixture(scope="session")
def leicestershire_build(rotherham_raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The same raw store built under the default protocol."""
    out = tmp_path_factory.mktemp("build-leicestershire")
    return run_dbt_build(rotherham_raw_db, out, as_at="2017-07-31", protocol="leicestershire")

"""A build that spills to disk goes on building (issue 14: "set DuckDB's memory limit and temp
directory so it spills instead of failing").

dbt-duckdb runs each of a profile's ``settings`` as a ``SET`` on every cursor it opens (one per
node), and once DuckDB has spilled it refuses any ``SET temp_directory``, even to the same folder:
"Cannot switch temporary directory after the current one has been used". The national build
failed so, at the first node after the first spill. The profile gives the memory limit and the
spill folder as ``config_options`` instead, once, to ``duckdb.connect``.

Here a two-model dbt project with the real profile's connection options (not its attachments or
plugins, which need a warehouse) builds a table larger than its memory limit, then a second model
on a new cursor, and both must pass, with the spill folder used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.dbt.conftest import DBT_PROJECT_DIR, REPO_ROOT

pytestmark = pytest.mark.slow

SPILLS = "select range as n, md5(range::varchar) as h from range(3000000) order by h"  # ~150 MB sorted


def _project(root: Path) -> Path:
    real = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())["iroqa"]["outputs"]["build"]
    output = {k: v for k, v in real.items() if k not in ("plugins", "attach")}
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        yaml.safe_dump({"name": "spill", "version": "1.0", "profile": "iroqa", "config-version": 2})
    )
    (root / "profiles.yml").write_text(
        yaml.safe_dump({"iroqa": {"target": "build", "outputs": {"build": output}}})
    )
    (root / "models" / "big.sql").write_text(f"{{{{ config(materialized='table') }}}}\n{SPILLS}\n")
    (root / "models" / "after.sql").write_text(  # on a new cursor; and what is in the spill folder
        "{{ config(materialized='table') }}\nselect count(*) as n, "
        "(select count(*) from glob('{{ env_var('IROQA_BUILD_TMP') }}/*')) as spill_files "
        "from {{ ref('big') }}\n"
    )
    return root


def test_a_build_that_spills_goes_on_to_its_next_models(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    spill = tmp_path / "spill"
    env = dict(
        os.environ,
        IROQA_BUILD_PATH=str(tmp_path / "build.duckdb"),
        IROQA_BUILD_TMP=str(spill),
        IROQA_BUILD_MEMORY="100MiB",  # well under the sort's size: DuckDB must spill
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Cannot switch temporary directory" not in proc.stdout
    import duckdb

    with duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True) as con:
        n, spill_files = con.execute("select n, spill_files from after").fetchone()
    assert n == 3_000_000
    assert spill_files > 0, "the build should have spilled to IROQA_BUILD_TMP"

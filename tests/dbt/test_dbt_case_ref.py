"""The marts' case_ref is the keyed pseudonym (issue 6): the same value as
``warehouse.pseudonyms.pseudonym(child_id, key)``, from the key dbt is given in IROQA_PSEUDONYM_KEY
(read at connect time by warehouse/dbt_pseudonym.py);
without a valid key dbt refuses to compile it (there is no default key)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import DBT_PROJECT_DIR, REPO_ROOT
from warehouse.pseudonyms import pseudonym

pytestmark = pytest.mark.slow


def test_case_ref_is_the_keyed_pseudonym_of_warehouse_access(rotherham_build):
    assert rotherham_build.returncode == 0, "\n".join(rotherham_build.failures())
    key = rotherham_build.pseudonym_key
    children = rotherham_build.rows("select child_id, case_ref from dim_children")
    assert children
    for child_id, case_ref in children:
        assert case_ref == pseudonym(child_id, key)
    for sql in (  # every mart with a case_ref agrees with dim_children
        "select count(*) from fct_challenges t join dim_children d using (child_id) where t.case_ref <> d.case_ref",
        "select count(*) from mart_open_stage_3_4 t join dim_children d using (child_id) where t.case_ref <> d.case_ref",
        "select count(*) from fct_stage_episodes t join fct_challenges c using (challenge_id) "
        "where t.case_ref <> c.case_ref",
        "select count(*) from fct_challenge_events t join fct_challenges c using (challenge_id) "
        "where t.case_ref <> c.case_ref",
    ):
        assert rotherham_build.rows(sql) == [(0,)], sql
    # the key is not in the build file that every reader opens (no view stores it in its SQL)
    assert not [
        sql for (sql,) in rotherham_build.rows("select sql from duckdb_views()") if key in (sql or "")
    ]
    assert key.encode() not in rotherham_build.build_path.read_bytes()
    # another key gives other references: the key is really used
    child_id, case_ref = children[0]
    assert pseudonym(child_id, "f" * 64) != case_ref


def _compile(tmp_path: Path, key: str | None) -> subprocess.CompletedProcess:
    raw = tmp_path / "raw.duckdb"
    duckdb.connect(str(raw)).close()
    env = {k: v for k, v in os.environ.items() if k != "IROQA_PSEUDONYM_KEY"}
    env.update(
        IROQA_BUILD_PATH=str(tmp_path / "build.duckdb"),
        IROQA_RAW_DB=str(raw),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_LOG_PATH=str(tmp_path / "logs"),
    )
    if key is not None:
        env["IROQA_PSEUDONYM_KEY"] = key
    cmd = [
        str(Path(sys.executable).with_name("dbt")),
        "compile",
        "--select",
        "dim_children",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--vars",
        json.dumps({"as_at": "2017-07-31"}),
    ]
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (None, "IROQA_PSEUDONYM_KEY is not set"),
        ("not-a-key", "IROQA_PSEUDONYM_KEY is not 64 lower-case hex digits"),
    ],
)
def test_dbt_refuses_to_compile_case_ref_without_a_valid_key(tmp_path, key, says):
    proc = _compile(tmp_path, key)
    assert proc.returncode != 0
    assert says in proc.stdout + proc.stderr

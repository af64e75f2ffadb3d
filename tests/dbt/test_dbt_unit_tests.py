"""dbt's unit tests run here, in ``make test``, and in no production build (issue 14).

``iroqa build`` and the background rebuilder leave them out (``--exclude-resource-type
unit_test``, warehouse/build.py): they check the models' logic on fixed inputs, so no extract or
saved event can make one fail. The tests' full ``dbt build`` of the Rotherham fixture, under both
protocols (tests/dbt/conftest.py), runs every one of them; this holds that every unit test the
project defines ran there and passed, so none is lost from both places at once.
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fixture", ["rotherham_build", "leicestershire_build"])
def test_every_unit_test_of_the_project_runs_and_passes(fixture: str, request: pytest.FixtureRequest) -> None:
    build = request.getfixturevalue(fixture)
    manifest = json.loads((build.target_path / "manifest.json").read_text())
    defined = set(manifest["unit_tests"])
    ran = {
        r["unique_id"]: r["status"]
        for r in build.run_results.get("results", [])
        if r["unique_id"].startswith("unit_test.")
    }
    assert len(defined) >= 20, sorted(defined)
    assert set(ran) == defined, f"defined but not run: {sorted(defined - set(ran))}"
    failed = {uid: status for uid, status in ran.items() if status != "pass"}
    assert not failed, (
        "unit tests that did not pass:\n"
        + "\n".join(f"{uid}: {status}" for uid, status in sorted(failed.items()))
        + "\n"
        + build.stdout[-3000:]
    )

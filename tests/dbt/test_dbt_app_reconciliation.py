"""A challenge logged in the app and exported later by the case system counts once (issue 5).

The Rotherham fixture's CH00002 (child P108954, raised 2016-10-07 by W055, formal, stage 1, with
a stage 1 response the same day) is also logged in the app, with the same response and a note.
The real build (models and data tests, including assert_nothing_silently_dropped) must count it
once, as CH00002, with the app's id on it and the app's note re-keyed onto it; an app challenge
raised on another date for the same child stays a challenge of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbt.conftest import BuildResult, run_dbt_build
from warehouse.events import write_event
from warehouse.settings import Paths

pytestmark = pytest.mark.slow

RAISED = {
    "action": "raised",
    "child_id": "P108954",
    "raised_on": "2016-10-07",
    "raised_by_worker_id": "W055",
    "social_worker_id": "W009",
    "legal_status": "lac",
    "context": "midway_tracking",
    "route": "formal",
    "entry_stage": 1,
    "themes": ["health_assessment"],
    "recorded_by": "iro.w055",
}


@pytest.fixture(scope="module")
def app_build(rotherham_raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, dict]:
    out = tmp_path_factory.mktemp("build-app-events")
    home = Paths(out / "events-home").ensure()
    same = write_event(RAISED, home)
    other = write_event(dict(RAISED, raised_on="2016-10-10"), home)  # another date: not CH00002
    response = write_event(
        {
            "action": "response",
            "challenge_id": same.challenge_id,
            "event_on": "2016-10-07",
            "stage": 1,
            "satisfied": True,
            "recorded_by": "iro.w055",
        },
        home,
    )
    note = write_event(
        {
            "action": "note",
            "challenge_id": same.challenge_id,
            "event_on": "2016-10-08",
            "note": "Logged in the app before the extract had it",
            "recorded_by": "iro.w055",
        },
        home,
    )
    ids = {
        "same": same.challenge_id,
        "other": other.challenge_id,
        "response": response.event_id,
        "note": note.event_id,
    }
    build = run_dbt_build(
        rotherham_raw_db,
        out,
        as_at="2017-07-31",
        protocol="rotherham",
        extra_args=("--exclude", "test_type:unit"),
        events_home=home,
    )
    return build, ids


def test_the_build_passes_with_every_data_test(app_build):
    build, _ = app_build
    assert build.returncode == 0, (
        "dbt build failed:\n" + "\n".join(build.failures()) + "\n" + build.stdout[-4000:]
    )
    assert "test.iroqa.assert_nothing_silently_dropped" in {
        r["unique_id"] for r in build.run_results["results"]
    }


def test_the_matched_app_challenge_counts_once_as_the_extracts(app_build):
    build, ids = app_build
    rows = build.rows(
        "select challenge_id, record_source, app_challenge_id from fct_challenges "
        "where child_id = 'P108954' and raised_on between '2016-10-07' and '2016-10-10' "
        "order by raised_on"
    )
    assert rows == [("CH00002", "case_system", ids["same"]), (ids["other"], "app", None)]
    assert build.rows("select count(*) from fct_challenges where challenge_id = ?", [ids["same"]]) == [(0,)]
    assert build.rows(
        "select count(*) from mart_data_quality_issues where challenge_id = ?", [ids["same"]]
    ) == [(0,)]


def test_the_app_steps_are_rekeyed_onto_the_extract_challenge_without_double_counting(app_build):
    build, ids = app_build
    events = build.rows(
        "select event_id, event_type, source from fct_challenge_events "
        "where challenge_id = 'CH00002' order by timeline_order"
    )
    kinds = [(t, s) for _, t, s in events]
    assert kinds.count(("response", "case_system")) == 1  # the app's copy of EV000096 counted as it
    assert ("response", "app") not in kinds
    assert (ids["note"], "note", "app") in events
    reconciled = build.rows(
        "select event_id from int_challenge_events where reconciled_app_event_id = ?", [ids["response"]]
    )
    assert reconciled == [("EV000096",)]
    responses = build.rows(
        "select count(*) from fct_stage_episodes where challenge_id = 'CH00002' "
        "and stage_number = 1 and responded_on is not null"
    )
    assert responses == [(1,)]

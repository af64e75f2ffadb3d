"""Stress: 20 writer processes save 1,000 events between them while real background builds run
(request_build after every save, as the form does); then a final build, and every event is in the
live marts exactly once. Two people acting on the same challenge at the same moment: every writer
also adds notes to one shared challenge, and every one of those notes is kept."""

from __future__ import annotations

import multiprocessing
import time
from datetime import date
from pathlib import Path

import pytest

from tests.dashboard.conftest import query
from warehouse import live, settings
from warehouse.build import build
from warehouse.events import today_uk
from warehouse.store import read_live

WRITERS = 20
PER_WRITER = 50


def writer(home: str, n: int, children: list[str], shared: str) -> list[str]:
    """One writer process: raises a challenge every fifth event and acts on it; every tenth event
    is a note on the shared challenge. Requests a build after each save, as the form does."""
    from warehouse.events import write_event

    p = settings.Paths(Path(home))
    today = today_uk()
    ids: list[str] = []
    mine = None
    for i in range(PER_WRITER):
        if i % 5 == 0:
            ev = write_event(
                {
                    "action": "raised",
                    "child_id": children[(n * PER_WRITER + i) % len(children)],
                    "raised_on": today,
                    "raised_by_worker_id": f"W-stress-{n}",
                    "legal_status": "cp",
                    "context": "cp_conference",
                    "route": "informal",
                    "entry_stage": 0,
                    "themes": ["care_plan_quality"],
                    "concern": f"writer {n} challenge {i}",
                    "recorded_by": f"writer-{n}",
                },
                p,
            )
            mine = ev.challenge_id
        elif i % 10 == 9:
            ev = write_event(
                {
                    "action": "note",
                    "challenge_id": shared,
                    "event_on": today,
                    "note": f"{n}/{i}",
                    "recorded_by": f"writer-{n}",
                },
                p,
            )
        else:
            ev = write_event(
                {
                    "action": "note",
                    "challenge_id": mine,
                    "event_on": today,
                    "note": f"{n}/{i}",
                    "recorded_by": f"writer-{n}",
                },
                p,
            )
        ids.append(ev.event_id)
        live.request_build(p)
    return ids


def _wait_idle(p: settings.Paths, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = live.rebuild_status(p)
        if not s.running and s.state in ("idle", "stopped"):
            return
        time.sleep(0.5)
    raise TimeoutError("the background rebuilder did not finish")


@pytest.mark.slow
def test_1000_events_from_20_writers_while_builds_run_are_all_live_exactly_once(scratch_warehouse):
    w = scratch_warehouse
    p = w.paths
    children = query(w.live, "select child_id from dim_children where legal_status = 'cp' order by child_id")[
        "child_id"
    ].to_list()
    shared = query(
        w.live, "select challenge_id from fct_challenges where status = 'open' order by challenge_id limit 1"
    ).item(0, 0)
    first_live = read_live(p).build_id

    started = time.monotonic()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WRITERS) as pool:
        results = pool.starmap(writer, [(str(p.home), n, children, shared) for n in range(WRITERS)])
    write_seconds = time.monotonic() - started
    written = [i for ids in results for i in ids]
    assert len(written) == len(set(written)) == WRITERS * PER_WRITER

    _wait_idle(p)
    status = live.rebuild_status(p)
    assert status.last_error is None, status.last_error
    assert read_live(p).build_id != first_live, "no background build went live"

    build(as_at=max(today_uk(), date.today()), p=p, unit_tests=False)  # the final build
    final = read_live(p)
    in_marts = query(
        final,
        "select event_id, count(*) as n from fct_challenge_events where source = 'app' group by event_id",
    )
    assert in_marts.height == len(written), f"{in_marts.height} of {len(written)} events are live"
    assert set(in_marts["event_id"]) == set(written)
    assert in_marts["n"].max() == 1
    challenges = query(final, "select count(*) from fct_challenges where record_source = 'app'").item(0, 0)
    assert challenges == WRITERS * PER_WRITER // 5
    shared_notes = query(
        final,
        "select count(*) from fct_challenge_events where challenge_id = $c and source = 'app'",
        {"c": shared},
    ).item(0, 0)
    assert shared_notes == WRITERS * (PER_WRITER // 10)
    print(f"\n{len(written)} events from {WRITERS} writers in {write_seconds:.1f}s while builds ran")

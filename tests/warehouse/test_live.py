"""Live builds: request_build is instant, single-flight and debounced; failures back off.

The rebuilder runs as a real detached process; the build itself is :func:`fake_build` below
(selected with ``IROQA_REBUILD_FUNC``), so these tests need no dbt. It logs each build's start and
end, and how many event files it could see when it started.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import statistics
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from warehouse import live, settings
from warehouse.events import event_files, write_event
from warehouse.store import exclusive_lock

# --------------------------------------------------------------------------------------------------
# The fake build (runs inside the rebuilder process)
# --------------------------------------------------------------------------------------------------


def fake_build(*, as_at: date | None = None, p: settings.Paths | None = None, **_: object):
    p = p or settings.paths()
    journal = p.home / "fake_builds.jsonl"
    seconds = float(os.environ.get("FAKE_BUILD_SECONDS", "0.5"))
    # like the real build: wait for the warehouse lock (ingest may hold it)
    with exclusive_lock(p, purpose="build"):
        start = time.time()
        seen = len(event_files(p))
        time.sleep(seconds)
        end = time.time()
        with open(journal, "a") as fh:
            fh.write(
                json.dumps(
                    {
                        "start": start,
                        "end": end,
                        "events": seen,
                        "pid": os.getpid(),
                        "as_at": as_at.isoformat() if as_at else None,
                    }
                )
                + "\n"
            )
    if os.environ.get("FAKE_BUILD_FAIL"):
        raise RuntimeError("Failure in test not_null_fct_challenges (fake)")
    return SimpleNamespace(live=SimpleNamespace(build_id=f"fake-{int(start * 1000)}"), seconds=seconds)


def warm_up(p: settings.Paths) -> None:
    """The fake build's warm-up (the real one loads dbt and parses): journalled."""
    time.sleep(float(os.environ.get("FAKE_WARM_UP_SECONDS", "0")))
    with open(p.home / "fake_warm_ups.jsonl", "a") as fh:
        fh.write(json.dumps({"pid": os.getpid(), "at": time.time()}) + "\n")


def rebuilder_should_retire() -> bool:
    return bool(os.environ.get("FAKE_RETIRE"))


def builds(p: settings.Paths) -> list[dict]:
    f = p.home / "fake_builds.jsonl"
    return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []


def wait_until_done(p: settings.Paths, timeout: float = 30) -> live.RebuildStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = live.rebuild_status(p)
        if not s.running and not s.pending:
            return s
        time.sleep(0.05)
    raise AssertionError(
        f"the rebuilder did not finish: {live.rebuild_status(p)}\n"
        + (live.log_path(p).read_text() if live.log_path(p).exists() else "")
    )


@pytest.fixture
def home(tmp_path, monkeypatch) -> settings.Paths:
    monkeypatch.setenv("IROQA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(live.BUILD_FUNC_ENV, f"{__name__}:fake_build")
    monkeypatch.setenv("FAKE_BUILD_SECONDS", "0.5")
    monkeypatch.setenv("IROQA_REBUILD_SETTLE", "0")
    monkeypatch.setenv("IROQA_REBUILD_LINGER", "0")  # exit when done, unless a test says otherwise
    p = settings.paths().ensure()
    yield p
    # never leave a rebuilder behind (building or waiting): stop the one this test started
    pid = live._read_json(live.status_path(p)).get("pid")
    if pid and live._alive(pid):
        os.kill(pid, signal.SIGKILL)


def test_request_build_is_instant_and_a_burst_causes_at_most_two_builds(home):
    durations = []
    for _ in range(30):
        t0 = time.perf_counter()
        live.request_build(home)
        durations.append((time.perf_counter() - t0) * 1000)
    assert max(durations) < 100, durations
    assert statistics.median(durations) < 20, durations
    status = wait_until_done(home)
    assert 1 <= len(builds(home)) <= 2
    assert status.last_error is None and status.last_success_at and status.last_build_id.startswith("fake-")


def test_saves_during_a_build_cause_exactly_one_more_build_which_includes_them(home):
    write_event(_note(), home)
    live.request_build(home)
    _wait_for(lambda: live.rebuild_status(home).state == "building")
    time.sleep(0.1)  # inside the first build now
    for _ in range(10):
        write_event(_note(), home)
        live.request_build(home)
    wait_until_done(home)
    done = builds(home)
    assert len(done) == 2, done
    assert done[0]["events"] >= 1 and done[1]["events"] == 11  # the second build saw every save
    assert done[0]["end"] <= done[1]["start"]  # never two at once


def test_builds_never_overlap_when_many_processes_request_at_once(home):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_requester, args=(str(home.home), 8)) for _ in range(6)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(60)
        assert pr.exitcode == 0
    wait_until_done(home)
    done = sorted(builds(home), key=lambda b: b["start"])
    assert 1 <= len(done) <= 6  # far fewer than the 48 requests
    for a, b in zip(done, done[1:], strict=False):
        assert a["end"] <= b["start"], "two builds overlapped"


def test_a_request_after_the_rebuilder_exits_starts_a_new_one(home):
    live.request_build(home)
    first = wait_until_done(home)
    live.request_build(home, as_at=date(2026, 10, 30))
    second = wait_until_done(home)
    done = builds(home)
    assert len(done) == 2
    assert done[1]["as_at"] == "2026-10-30"
    assert second.last_build_id != first.last_build_id


def test_rebuilder_waits_for_the_ingest_lock_and_loses_nothing(home):
    with exclusive_lock(home, purpose="ingest"):
        write_event(_note(), home)
        live.request_build(home)
        time.sleep(1.0)
        assert builds(home) == []  # waiting for ingest
        assert live.rebuild_status(home).running
    wait_until_done(home)
    assert [b["events"] for b in builds(home)] == [1]


def test_failed_builds_are_recorded_retried_with_backoff_and_do_not_spin(home, monkeypatch):
    monkeypatch.setenv("FAKE_BUILD_FAIL", "1")
    monkeypatch.setenv("FAKE_BUILD_SECONDS", "0.05")
    monkeypatch.setenv("IROQA_REBUILD_BACKOFF_BASE", "0.5")
    monkeypatch.setenv("IROQA_REBUILD_MAX_ATTEMPTS", "3")
    t0 = time.monotonic()
    live.request_build(home)
    status = wait_until_done(home)
    elapsed = time.monotonic() - t0
    assert len(builds(home)) == 3  # one request: the first attempt and two retries, then it stops
    assert elapsed >= 0.5 + 1.0  # backed off 0.5s, then 1s
    assert status.consecutive_failures == 3
    assert "not_null_fct_challenges" in status.last_error
    assert status.last_success_at is None and status.state == "idle"
    time.sleep(1.0)
    assert len(builds(home)) == 3  # and then nothing more until someone saves again
    assert "build failed" in live.log_path(home).read_text()

    # the next save is still built, after the (now longer) back-off; success clears the error
    monkeypatch.delenv("FAKE_BUILD_FAIL")
    last_failure = json.loads(live.status_path(home).read_text())["last_failure_epoch"]
    live.request_build(home)
    status = wait_until_done(home)
    assert builds(home)[-1]["start"] >= last_failure + 2.0  # 0.5 * 2**(3-1) after the last failure
    assert status.consecutive_failures == 0 and status.last_error is None and status.last_success_at


def test_status_of_a_home_that_never_built(home):
    s = live.rebuild_status(home)
    assert not s.running and not s.pending and s.state == "idle" and s.last_success_at is None


def test_a_killed_rebuilder_shows_as_stopped_and_the_next_request_recovers(home, monkeypatch):
    monkeypatch.setenv("FAKE_BUILD_SECONDS", "30")
    live.request_build(home)
    _wait_for(lambda: live.rebuild_status(home).state == "building")
    pid = live.rebuild_status(home).pid
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)  # it is our child (request_build started it): reap it, so it has fully gone
    s = live.rebuild_status(home)
    assert s.state == "stopped" and s.pending
    monkeypatch.setenv("FAKE_BUILD_SECONDS", "0.1")
    live.request_build(home)  # the kernel released both locks when it died
    assert wait_until_done(home).last_success_at


def _warm_ups(p: settings.Paths) -> list[dict]:
    f = p.home / "fake_warm_ups.jsonl"
    return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []


def test_a_waiting_rebuilder_builds_the_next_request_itself_without_a_new_process(home, monkeypatch):
    monkeypatch.setenv("IROQA_REBUILD_LINGER", "30")
    monkeypatch.setenv("FAKE_BUILD_SECONDS", "0.1")
    live.request_build(home)
    wait_until_done(home)
    waiting = live._read_json(live.status_path(home))
    assert waiting["state"] == "idle" and live._alive(waiting["pid"]) and waiting.get("waiting_until")
    asked = time.monotonic()
    live.request_build(home)
    wait_until_done(home)
    done = builds(home)
    assert len(done) == 2
    assert done[0]["pid"] == done[1]["pid"] == waiting["pid"], "the waiting rebuilder did the second build"
    assert done[1]["start"] - (time.time() - (time.monotonic() - asked)) < 1.0  # picked up within polling
    assert _warm_ups(home) == []  # started for a request: the build itself loads what it needs


def test_prepare_rebuilder_starts_one_warm_process_and_it_takes_the_first_request(home, monkeypatch):
    monkeypatch.setenv("IROQA_REBUILD_PREPARE", "1")
    monkeypatch.setenv("IROQA_REBUILD_LINGER", "30")
    monkeypatch.setenv("FAKE_BUILD_SECONDS", "0.1")
    monkeypatch.setenv("FAKE_WARM_UP_SECONDS", "1")
    live.prepare_rebuilder(home)
    _wait_for(lambda: live.rebuild_status(home).state == "warming")
    s = live.rebuild_status(home)
    assert s.running and not s.pending  # so the pages do not say "Updating"
    _wait_for(lambda: len(_warm_ups(home)) == 1)
    live.prepare_rebuilder(home)  # one is running: no second process
    live.prepare_rebuilder(home)
    time.sleep(0.5)
    assert len(_warm_ups(home)) == 1
    assert builds(home) == []  # nothing was requested, nothing built
    live.request_build(home)
    wait_until_done(home)
    (done,) = builds(home)
    assert done["pid"] == _warm_ups(home)[0]["pid"]


def test_prepare_rebuilder_can_be_turned_off(home, monkeypatch):
    monkeypatch.setenv("IROQA_REBUILD_PREPARE", "0")
    live.prepare_rebuilder(home)
    time.sleep(0.5)
    assert _warm_ups(home) == [] and not live.status_path(home).exists()


def test_a_waiting_rebuilder_leaves_when_its_time_is_up_and_a_later_request_starts_another(home, monkeypatch):
    monkeypatch.setenv("IROQA_REBUILD_LINGER", "0.5")
    monkeypatch.setenv("FAKE_BUILD_SECONDS", "0.1")
    live.request_build(home)
    wait_until_done(home)
    first = live._read_json(live.status_path(home))["pid"]
    _wait_for(lambda: not live._alive(first), timeout=10)
    live.request_build(home)
    wait_until_done(home)
    assert [b["pid"] for b in builds(home)][1] != first


def test_a_rebuilder_that_should_retire_does_not_wait(home, monkeypatch):
    monkeypatch.setenv("IROQA_REBUILD_LINGER", "60")
    monkeypatch.setenv("FAKE_RETIRE", "1")
    live.request_build(home)
    wait_until_done(home)
    pid = live._read_json(live.status_path(home))["pid"]
    _wait_for(lambda: not live._alive(pid), timeout=10)


# --------------------------------------------------------------------------------------------------


def _note() -> dict:
    return {
        "action": "note",
        "recorded_by": "iro1",
        "challenge_id": "CH1",
        "event_on": date.today(),
        "note": "checked",
    }


def _wait_for(condition, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def _requester(home: str, n: int) -> None:
    p = settings.Paths(Path(home))
    for _ in range(n):
        live.request_build(p)
        time.sleep(0.05)

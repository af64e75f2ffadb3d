"""The storage primitives: the lock, atomic pointer replacement, pruning."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import time
from pathlib import Path

import pytest

from warehouse import settings
from warehouse.store import (
    LiveBuild,
    LockTimeout,
    atomic_write_bytes,
    exclusive_lock,
    prune_builds,
    read_live,
    set_live,
)


def _hold_lock(home: str, ready, release) -> None:
    with exclusive_lock(settings.Paths(Path(home)), purpose="test holder"):
        ready.set()
        release.wait(10)


def test_lock_is_exclusive_across_processes_and_names_the_holder(tmp_path):
    p = settings.Paths(tmp_path)
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(LockTimeout, match="test holder"), exclusive_lock(p, timeout=0.2):
            pass
    finally:
        release.set()
        holder.join(10)
    with exclusive_lock(p, timeout=2):  # free again once the holder has gone
        pass


def test_lock_is_released_when_the_holder_dies(tmp_path):
    p = settings.Paths(tmp_path)
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    assert ready.wait(10)
    holder.kill()
    holder.join(10)
    with exclusive_lock(p, timeout=2):
        pass


def test_atomic_write_replaces_whole_file_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "pointer.json"
    atomic_write_bytes(target, b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert [f.name for f in tmp_path.iterdir()] == ["pointer.json"]


def _build(p: settings.Paths, build_id: str) -> LiveBuild:
    f = p.builds_dir / f"{build_id}.duckdb"
    f.write_bytes(b"x")
    return LiveBuild(
        build_id=build_id,
        path=str(f),
        built_at="2026-11-23T09:00:00+00:00",
        as_at="2026-11-23",
        protocol="leicestershire",
    )


def test_live_pointer_round_trip_and_missing_file(tmp_path):
    p = settings.Paths(tmp_path).ensure()
    assert read_live(p) is None
    b = _build(p, "b1")
    set_live(b, p)
    assert read_live(p) == b
    assert json.loads(p.live_pointer.read_text())["build_id"] == "b1"
    b.file.unlink()
    assert read_live(p) is None  # a pointer to a vanished file is no live build


def test_prune_keeps_live_newest_and_recent_builds(tmp_path):
    p = settings.Paths(tmp_path).ensure()
    builds = [_build(p, f"b{i}") for i in range(6)]
    old = time.time() - 3600
    for i, b in enumerate(builds):
        os.utime(b.file, (old + i, old + i))
    set_live(builds[0], p)  # the oldest is live (e.g. newer builds failed their tests)
    recent = _build(p, "b_recent")
    removed = {f.name for f in prune_builds(p, keep=3, min_age_seconds=600)}
    assert removed == {"b1.duckdb", "b2.duckdb", "b3.duckdb"}
    left = {f.name for f in p.builds_dir.iterdir()}
    assert left == {"b0.duckdb", "b4.duckdb", "b5.duckdb", recent.file.name}

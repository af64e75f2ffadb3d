"""Crashes: what is on disk when a writer dies, and the order of the durability steps.

SIGKILL tests a process crash (the page cache survives it). A power cut cannot be simulated here;
for that the argument is the order of operations, which the last test pins down: the file's data
is fsynced before it is linked into ``events/``, and ``events/`` is fsynced before write_event
returns (docs/adr/0002-write-back-and-live-builds.md).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from warehouse import events, settings
from warehouse.events import EVENTS_GLOB, read_event, read_events, sweep_temp_files, write_event
from warehouse.settings import REPO_ROOT

WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import date
    from pathlib import Path
    from warehouse import settings
    from warehouse.events import write_event

    p = settings.Paths(Path(sys.argv[1]))
    count = int(sys.argv[2])
    print("ready", flush=True)
    i = 0
    while count == 0 or i < count:
        ev = write_event({"action": "note", "recorded_by": "iro1", "challenge_id": "CH1",
                          "event_on": date.today(), "note": f"note {i}"}, p)
        print(ev.event_id, flush=True)  # only after write_event has returned
        i += 1
    time.sleep(60)  # wait to be killed
    """
)


def start_writer(home: Path, count: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(home), str(count)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def restart_and_read(home: Path) -> dict:
    """A fresh process (as after a restart) reads every event: {event_id: note}."""
    code = (
        "import sys, json; from pathlib import Path; from warehouse import settings; "
        "from warehouse.events import read_events; "
        "df = read_events(settings.Paths(Path(sys.argv[1]))); "
        "print(json.dumps(dict(zip(df['event_id'].to_list(), df['note'].to_list()))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(home)], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    import json

    return json.loads(out.stdout)


@pytest.fixture
def p(empty_home) -> settings.Paths:
    return empty_home.ensure()


def test_an_event_is_there_after_the_writer_is_killed_right_after_saving(p):
    for _ in range(3):
        proc = start_writer(p.home, 1)
        event_id = proc.stdout.readline().strip()
        proc.send_signal(signal.SIGKILL)  # "Saved" was shown; then the process died
        proc.wait(10)
        proc.stdout.close()
        saved = restart_and_read(p.home)
        assert saved.get(event_id) == "note 0"
    assert len(restart_and_read(p.home)) == 3


def test_a_writer_killed_mid_write_leaves_only_whole_events_and_at_most_a_temp_file(p):
    rng = random.Random(5)
    reported: set[str] = set()
    events.ensure_events_readable(p)  # as every build does, so the glob matches before the first save
    for kill in range(6):
        proc = start_writer(p.home, 0)  # writes until killed
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        reported |= {line.strip() for line in proc.stdout.read().splitlines() if line.strip()}
        proc.stdout.close()
        # every visible event file is whole: one row, the schema, readable by pyarrow and duckdb
        files = events.event_files(p)
        for f in files:
            t = pq.read_table(f)
            assert t.num_rows == 1 and t.schema.equals(events.EVENT_SCHEMA), f
        assert len(list(p.events_tmp_dir.iterdir())) <= kill + 1  # at most the one each was writing
        con = duckdb.connect()
        glob = str(p.home / EVENTS_GLOB)
        n = con.execute("select count(*) from read_parquet(?, union_by_name=true)", [glob]).fetchall()[0][0]
        con.close()
        assert n == len(files)
    saved = restart_and_read(p.home)
    assert reported <= saved.keys()  # everything it said was saved is there
    assert len(saved) - len(reported) <= 6  # at most one unreported (linked, not yet printed) per kill


def test_a_partial_temporary_file_is_ignored_by_readers_and_swept_when_old(p):
    ev = write_event(
        {
            "action": "note",
            "recorded_by": "iro1",
            "challenge_id": "CH1",
            "event_on": date.today(),
            "note": "whole",
        },
        p,
    )
    data = ev.path.read_bytes()
    # what a writer killed mid-write leaves: part of a file, under .tmp (both naming styles)
    partial = [
        p.events_tmp_dir / f"{uuid.uuid4()}.parquet",
        p.events_tmp_dir / f"{uuid.uuid4()}.5eed5eed.tmp",
    ]
    for f in partial:
        f.write_bytes(data[: len(data) // 3])
    assert read_events(p)["note"].to_list() == ["whole"]
    con = duckdb.connect()
    glob = str(p.home / EVENTS_GLOB)
    assert con.execute("select note from read_parquet(?, union_by_name=true)", [glob]).fetchall() == [
        ("whole",)
    ]
    con.close()
    assert sweep_temp_files(p) == []  # fresh: may still be being written, so left alone
    old = time.time() - 7200
    os.utime(partial[0], (old, old))
    assert sweep_temp_files(p) == [partial[0]]
    assert not partial[0].exists() and partial[1].exists()


def test_durability_steps_happen_in_order_before_write_event_returns(p, monkeypatch):
    calls: list[tuple[str, str]] = []
    real_fsync, real_link, real_fsync_dir = os.fsync, os.link, events.fsync_dir

    def fsync(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        if not os.path.isdir(path):  # fsync_dir's own fsync is recorded as fsync_dir
            calls.append(("fsync", path))
        return real_fsync(fd)

    def link(src, dst, **kw):
        calls.append(("link", str(dst)))
        return real_link(src, dst, **kw)

    def fsync_dir(d):
        calls.append(("fsync_dir", str(d)))
        return real_fsync_dir(d)

    events.ensure_events_readable(p)  # the placeholder's own writes are not what we are testing
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "link", link)
    monkeypatch.setattr(events, "fsync_dir", fsync_dir)
    ev = write_event(
        {
            "action": "note",
            "recorded_by": "iro1",
            "challenge_id": "CH1",
            "event_on": date.today(),
            "note": "n",
        },
        p,
    )
    kinds = [k for k, _ in calls]
    assert kinds == ["fsync", "link", "fsync_dir"], calls
    assert calls[0][1].startswith(str(p.events_tmp_dir))  # the data, under its temporary name
    assert calls[1][1] == str(ev.path)
    assert calls[2][1] == str(p.events_dir)
    assert read_event(ev.event_id, p)["note"] == "n"
    assert list(p.events_tmp_dir.iterdir()) == []  # the temporary name is gone


SPILLER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], config={"memory_limit": "100MiB", "temp_directory": sys.argv[2]})
    con.execute("create table t as select range as n, md5(range::varchar) as h from range(30000000) order by h")
    """
)


def test_a_build_killed_while_spilling_leaves_files_the_next_build_removes(tmp_path):
    """A build's DuckDB killed mid-spill leaves its spill files (GBs at national scale, children's
    data); DuckDB removes only its own process's, so the next build removes those of dead ones."""
    from warehouse.build import remove_dead_spills

    spill = tmp_path / "tmp"
    proc = subprocess.Popen([sys.executable, "-c", SPILLER, str(tmp_path / "b.duckdb"), str(spill)])
    deadline = time.monotonic() + 60
    while not list(spill.glob(f"duckdb_temp_{proc.pid}_*storage*")):
        assert proc.poll() is None, "the spilling process ended before it spilled"
        assert time.monotonic() < deadline, "no spill file after 60 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = sorted(spill.glob(f"duckdb_temp_{proc.pid}_*"))
    assert left, "a killed DuckDB leaves its spill files"
    mine = spill / f"duckdb_temp_{os.getpid()}_0_storage_DEFAULT-0.tmp"  # a live process's
    mine.write_bytes(b"x")
    other = spill / "notes.txt"
    other.write_text("not DuckDB's")
    assert remove_dead_spills(spill) == left
    assert sorted(spill.iterdir()) == sorted([mine, other])
    assert remove_dead_spills(tmp_path / "absent") == []

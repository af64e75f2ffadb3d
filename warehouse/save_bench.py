"""Save to visible, measured as the app does it (``make bench`` calls :func:`save_to_visible`).

Saves of several kinds, each written as the log form writes it (:func:`warehouse.events.write_event`
then :func:`warehouse.live.request_build`), timed until the live build shows the save: a new formal
challenge at stage 3 must be in ``mart_open_stage_3_4``, a step must be in ``fct_challenge_events``.
The rebuilder is started in advance and stays warm between saves (``prepare_rebuilder``, as the log
page does when it opens). Each figure is printed with the machine's load average beside it, since
on a shared machine the load decides the figure as much as the code does.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import date

from warehouse.settings import Paths

Record = Callable[[str, str], None]


def load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "load ?"
    return f"load {one:.1f}/{five:.1f}"


def print_figure(name: str, value: str) -> None:
    print(f"  {name:<58}{value}", flush=True)


def wait_until_warm(p: Paths, timeout: float = 180) -> float:
    """Start a rebuilder with nothing to build (the log page does) and wait until it waits, warm."""
    from datetime import UTC, datetime

    from warehouse import live

    status = live._read_json(live.status_path(p))
    if status.get("state") == "idle" and live._alive(status.get("pid")):
        return 0.0  # one is waiting, warm
    since = datetime.now(UTC).isoformat(timespec="milliseconds")
    started = time.perf_counter()
    live.prepare_rebuilder(p)
    while True:  # idle, as recorded since now (an earlier rebuilder's "idle" does not count)
        status = live._read_json(live.status_path(p))
        if status.get("state") == "idle" and status.get("updated_at", "") >= since:
            break
        if time.perf_counter() - started > timeout:
            break
        time.sleep(0.1)
    return time.perf_counter() - started


def _pick(p: Paths) -> tuple[str, list[tuple[str, int, date]]]:
    """A looked-after child, and open extract challenges at stage 1 or 2 to act on."""
    import duckdb

    from warehouse.store import read_live

    con = duckdb.connect(str(read_live(p).file), read_only=True)
    try:
        child = con.sql(
            "select child_id from dim_children where legal_status = 'lac' order by child_id limit 1"
        ).fetchall()[0][0]
        open_ones = con.sql(
            "select challenge_id, current_stage, raised_on from fct_challenges where status = 'open' "
            "and current_stage between 1 and 2 and record_source = 'case_system' order by challenge_id limit 20"
        ).fetchall()
    finally:
        con.close()
    return child, open_ones


def _visible(p: Paths, table: str, column: str, value: str) -> tuple[bool, str]:
    import duckdb

    from warehouse.store import read_live

    current = read_live(p)
    con = duckdb.connect(str(current.file), read_only=True)
    try:
        # table and column are this module's own constants
        n = con.execute(f"select count(*) from {table} where {column} = ?", [value]).fetchall()[0][0]  # noqa: S608
    finally:
        con.close()
    return bool(n), current.mode


def save_to_visible(p: Paths, n: int = 5, record: Record = print_figure, label: str = "") -> list[float]:
    """Time ``n`` saves (alternately a new stage 3 challenge and an escalation of an open one) from
    the save to the live build showing it. Returns the seconds of each; records each and the median
    with the load average beside it."""
    from warehouse import live
    from warehouse.events import today_uk, write_event

    record(f"rebuilder warm-up{label} (dbt loaded, project parsed)", f"{wait_until_warm(p):8.2f} s")
    child, open_ones = _pick(p)
    times: list[float] = []
    for i in range(n):
        started = time.perf_counter()
        if i % 2 == 0 or not open_ones:
            ev = write_event(
                {
                    "action": "raised",
                    "child_id": child,
                    "raised_on": today_uk(),
                    "raised_by_worker_id": "bench",
                    "legal_status": "lac",
                    "context": "lac_review",
                    "route": "formal",
                    "entry_stage": 3,
                    "themes": ["care_plan_quality"],
                    "concern": f"bench {i}",
                    "recorded_by": "bench",
                },
                p,
            )
            kind, where = "raise", ("mart_open_stage_3_4", "challenge_id", ev.challenge_id)
        else:
            ch, stage, _raised = open_ones.pop(0)
            ev = write_event(
                {
                    "action": "escalated",
                    "challenge_id": ch,
                    "event_on": today_uk(),
                    "stage": stage + 1,
                    "recorded_by": "bench",
                },
                p,
            )
            kind, where = "escalate", ("fct_challenge_events", "event_id", ev.event_id)
        live.request_build(p)
        while True:
            found, mode = _visible(p, *where)
            if found:
                break
            if time.perf_counter() - started > 300:
                record(f"save to live build{label} #{i + 1}", "not visible after 300 s")
                return times
            time.sleep(0.05)
        times.append(time.perf_counter() - started)
        record(
            f"save to live build{label} #{i + 1} ({kind}, {mode} build)",
            f"{times[-1]:8.2f} s  {load_average()}",
        )
        time.sleep(1)
    if times:
        check = live.PAGE_CHECK_SECONDS
        record(
            f"save to visible{label} over {len(times)}, median / max (+ {check:g} s page check)",
            f"{statistics.median(times) + check:8.2f} s / {max(times) + check:.2f} s  {load_average()}",
        )
    return times


def stop_rebuilder(p: Paths) -> None:
    """Stop the waiting rebuilder of a benchmark's warehouse (it leaves by itself after a while)."""
    import signal

    from warehouse import live

    pid = live._read_json(live.status_path(p)).get("pid")
    if pid and live._alive(pid):
        os.kill(pid, signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    """``python -m warehouse.save_bench [N]`` on $IROQA_HOME (a warehouse with a live build)."""
    import sys

    from warehouse import settings

    args = sys.argv[1:] if argv is None else argv
    p = settings.paths()
    try:
        save_to_visible(p, int(args[0]) if args else 5)
    finally:
        stop_rebuilder(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

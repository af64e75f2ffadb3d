"""Save to email, measured as the app does it (``make bench`` calls :func:`save_to_email`).

A new formal challenge at stage 3 is saved as the log form saves it (``write_event`` then
``request_build``) and timed until its first email reaches a real SMTP server on 127.0.0.1 (the
sink of ``make run``), sent by ``iroqa notify run`` in a process of its own with its default
interval: the save, the warm rebuilder's events-only build, the notifier waking when that build
goes live (it watches ``live.json``), queueing and SMTP. Each step's share is printed, with the
machine's load average beside the figures. Goal (issue 12): under 10 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from warehouse.save_bench import load_average, print_figure, stop_rebuilder, wait_until_warm
from warehouse.settings import Paths
from warehouse.store import read_live


def save_to_email(
    p: Paths, n: int = 3, record: Callable[[str, str], None] = print_figure, label: str = ""
) -> list[float]:
    """Time ``n`` saves from the save to the first email arriving; returns the seconds of each and
    records each (with how long until the build was live) and the median."""
    import duckdb

    from notify import sink
    from warehouse import live
    from warehouse.events import today_uk, write_event

    wait_until_warm(p)
    con = duckdb.connect(str(read_live(p).file), read_only=True)
    try:
        child = con.sql(
            "select child_id from dim_children where legal_status = 'lac' order by child_id limit 1 offset 1"
        ).fetchall()[0][0]
    finally:
        con.close()
    times: list[float] = []
    with sink.Sink() as smtp:
        env = dict(
            os.environ, IROQA_HOME=str(p.home), IROQA_SMTP_PORT=str(smtp.port), IROQA_SMTP_HOST="127.0.0.1"
        )
        notifier = subprocess.Popen(
            [sys.executable, "-m", "cli", "notify", "run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # switched on, the demo's history skipped
            for i in range(n):
                before = len(smtp.handler.messages)
                built = read_live(p).build_id
                started = time.perf_counter()
                write_event(
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
                        "concern": f"bench email {i}",
                        "recorded_by": "bench",
                    },
                    p,
                )
                live.request_build(p)
                live_at = None
                while len(smtp.handler.messages) <= before and time.perf_counter() - started < 300:
                    if live_at is None and read_live(p).build_id != built:
                        live_at = time.perf_counter() - started
                    time.sleep(0.02)
                if len(smtp.handler.messages) <= before:
                    record(f"save to email{label} #{i + 1}", "no email after 300 s")
                    return times
                times.append(time.perf_counter() - started)
                record(
                    f"save to email{label} #{i + 1} (build live at {live_at or times[-1]:.1f} s)",
                    f"{times[-1]:8.2f} s  {load_average()}",
                )
                time.sleep(1)
        finally:
            notifier.terminate()
            notifier.wait(10)
    if times:
        record(
            f"save to email{label} over {len(times)} (median / max)",
            f"{statistics.median(times):8.2f} s / {max(times):.2f} s  {load_average()}",
        )
    return times


def main(argv: list[str] | None = None) -> int:
    """``python -m notify.save_bench [N]`` on $IROQA_HOME (a warehouse with a live build)."""
    from warehouse import settings

    args = sys.argv[1:] if argv is None else argv
    p = settings.paths()
    try:
        save_to_email(p, int(args[0]) if args else 3)
    finally:
        stop_rebuilder(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

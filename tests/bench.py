"""``make bench``: how long the stages take, printed as a table. Figures, not pass/fail.

    python -m tests.bench [--scale la] [--pages] [--saves 200]

Runs in a temporary IROQA_HOME: demo -> ingest -> build -> every page rendered with AppTest ->
save latency of the write-back API -> time from save (write_event + request_build) to the
challenge being in the live build's meeting list -> save to the first email arriving at a local
SMTP server (notify/) -> a room of viewers (``tests/load.py``: 30 signed-in viewers in headless
Chromium clicking through every page of the served app; page time p50/p95, server CPU per warm view
and per idle tab, memory per session, new build visible).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

RESULTS: list[tuple[str, str]] = []


def record(name: str, value: str) -> None:
    RESULTS.append((name, value))
    print(f"  {name:<48}{value}", flush=True)


def timed(name: str, fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    record(name, f"{time.perf_counter() - started:8.2f} s")
    return out


def bench_pipeline(home: Path, scale: str, end: date) -> None:
    from demo import generate
    from warehouse import settings
    from warehouse.build import build
    from warehouse.loader import ingest_paths

    p = settings.Paths(home).ensure()
    counts = timed(f"demo ({scale})", generate, home / "extracts", scale=scale, seed=7, end=end)
    record("demo rows", f"{sum(counts.values()):>10,} ({', '.join(f'{k} {v:,}' for k, v in counts.items())})")
    report = timed("ingest", ingest_paths, [home / "extracts"], paths=p)
    record(
        "ingest accepted / rejected rows",
        f"{sum(f.accepted for f in report.files):,} / {sum(f.rejected for f in report.files):,}",
    )
    timed("dbt build (models + tests), first", build, as_at=end, p=p)
    timed("dbt build (models + tests), again", build, as_at=end, p=p)


def bench_pages(home: Path) -> None:
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=120)
    timed("app first render (cold caches)", at.run)
    pages = [p for p in sorted((app.parent / "views").glob("*.py")) if p.name != "__init__.py"]
    for page in pages:
        at = AppTest.from_file(str(app), default_timeout=120)
        at.run()
        at.switch_page(f"views/{page.name}")
        started = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - started
        state = "error" if at.exception else "ok"
        record(f"page {page.stem} (warm, {state})", f"{elapsed:8.2f} s")


def bench_saves(home: Path, n: int) -> None:
    try:
        from warehouse import events
    except ImportError:
        record("save latency", "skipped: warehouse.events not present")
        return
    if hasattr(events, "bench_save_latency"):
        out = events.bench_save_latency(n=n)
        record(
            f"save latency over {n} saves (median / p95)",
            f"{out['median_ms']:.1f} ms / {out['p95_ms']:.1f} ms",
        )


def bench_save_to_visible(home: Path, n: int) -> None:
    """Save a Formal Escalation at stage 3 as the form does (write_event, then request_build) and
    time until the challenge is in the live build's challenge-meeting list: what a dashboard shows
    within its next live check (``warehouse.live.PAGE_CHECK_SECONDS``) after that.

    As in the app, the rebuilder is started in advance (``prepare_rebuilder``, as the log page
    does when it opens) and stays warm between saves. The first save after the demo's CLI build
    is an events-only build when nothing else changed (ADR 0002)."""
    import statistics

    import duckdb

    from warehouse import live, settings
    from warehouse.events import today_uk, write_event
    from warehouse.store import read_live

    p = settings.Paths(home)
    started = time.perf_counter()
    live.prepare_rebuilder(p)  # the log page does this when it opens
    while live._read_json(live.status_path(p)).get("state") != "idle":  # warmed up and waiting
        time.sleep(0.1)
        if time.perf_counter() - started > 120:
            break
    record("rebuilder warm-up (dbt loaded, project parsed)", f"{time.perf_counter() - started:8.2f} s")
    con = duckdb.connect(str(read_live(p).file), read_only=True)
    child = con.sql(
        "select child_id from dim_children where legal_status = 'lac' order by child_id limit 1"
    ).fetchall()[0][0]
    con.close()
    saves, visible = [], []
    for i in range(n):
        started = time.perf_counter()
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
        saves.append(time.perf_counter() - started)
        live.request_build(p)
        while True:
            current = read_live(p)
            con = duckdb.connect(str(current.file), read_only=True)
            try:
                found = con.sql(
                    "select count(*) from mart_open_stage_3_4 where challenge_id = $c",
                    params={"c": ev.challenge_id},
                ).fetchall()[0][0]
            finally:
                con.close()
            if found:
                break
            if time.perf_counter() - started > 300:
                record("save to visible", "not visible after 300 s")
                return
            time.sleep(0.1)
        visible.append(time.perf_counter() - started)
        record(
            f"save to live build #{i + 1} (save {saves[-1] * 1000:.0f} ms, {current.mode} build)",
            f"{visible[-1]:8.2f} s",
        )
        time.sleep(1)
    check = live.PAGE_CHECK_SECONDS

    record(
        f"save to live build over {n} (median / max)",
        f"{statistics.median(visible):.2f} s / {max(visible):.2f} s",
    )
    record("  + the dashboard's live check (at most)", f"{check:8.2f} s")
    record(
        "save to visible (median / max, + a full live check)",
        f"{statistics.median(visible) + check:.2f} s / {max(visible) + check:.2f} s",
    )
    _stop_rebuilder(p)


def bench_save_to_email(home: Path, n: int) -> None:
    """Save a stage 3 escalation as the form does and time until its first email arrives at a real
    SMTP server on 127.0.0.1 (the sink of ``make run``), sent by ``iroqa notify run`` in its own
    process: the save, the warm rebuilder's events-only build, the notifier seeing the new live
    build (it looks every 0.2 s here, every second by default) and SMTP. Goal: under 10 s."""
    import statistics
    import subprocess

    import duckdb

    from notify import sink
    from warehouse import live, settings
    from warehouse.events import today_uk, write_event
    from warehouse.store import read_live

    p = settings.Paths(home)
    live.prepare_rebuilder(p)
    started = time.perf_counter()
    while live._read_json(live.status_path(p)).get("state") != "idle" and time.perf_counter() - started < 120:
        time.sleep(0.1)
    con = duckdb.connect(str(read_live(p).file), read_only=True)
    child = con.sql(
        "select child_id from dim_children where legal_status = 'lac' order by child_id limit 1 offset 1"
    ).fetchall()[0][0]
    con.close()
    times = []
    with sink.Sink() as smtp:
        env = dict(os.environ, IROQA_SMTP_PORT=str(smtp.port), IROQA_SMTP_HOST="127.0.0.1")
        notifier = subprocess.Popen(
            [sys.executable, "-m", "cli", "notify", "run", "--interval", "0.2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # switched on, the demo's history skipped
            for i in range(n):
                before = len(smtp.handler.messages)
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
                while len(smtp.handler.messages) <= before and time.perf_counter() - started < 120:
                    time.sleep(0.05)
                if len(smtp.handler.messages) <= before:
                    record("save to email", "no email after 120 s")
                    return
                times.append(time.perf_counter() - started)
                record(f"save to email #{i + 1}", f"{times[-1]:8.2f} s")
                time.sleep(1)
        finally:
            notifier.terminate()
            notifier.wait(10)
    record(f"save to email over {n} (median / max)", f"{statistics.median(times):.2f} s / {max(times):.2f} s")
    _stop_rebuilder(p)


def _stop_rebuilder(p) -> None:
    """The benchmark's warehouse is a temporary folder: stop its waiting rebuilder now (it would
    leave by itself when the folder goes)."""
    import signal

    from warehouse import live

    pid = live._read_json(live.status_path(p)).get("pid")
    if pid and live._alive(pid):
        os.kill(pid, signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="la", choices=["tiny", "la", "region", "national"])
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 30))
    ap.add_argument("--saves", type=int, default=200)
    ap.add_argument("--no-pages", action="store_true")
    ap.add_argument("--visible", type=int, default=3, help="saves timed from save to visible")
    ap.add_argument("--email", type=int, default=3, help="saves timed from save to the email arriving")
    ap.add_argument("--viewers", type=int, default=30, help="the room-of-viewers load test (0: skip)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="iroqa-bench-") as tmp:
        home = Path(tmp)
        os.environ["IROQA_HOME"] = str(home)
        print(f"IRO QA benchmarks ({args.scale} scale, {os.cpu_count()} cores), warehouse {home}")
        bench_pipeline(home, args.scale, args.end)
        if not args.no_pages:
            bench_pages(home)
        bench_saves(home, args.saves)
        if args.visible:
            bench_save_to_visible(home, args.visible)
        if args.email:
            bench_save_to_email(home, args.email)
        from notify.save_bench import save_to_email  # issue 12: kinds of saves, loads beside them
        from warehouse import settings
        from warehouse.save_bench import save_to_visible, stop_rebuilder

        if args.visible:
            save_to_visible(settings.Paths(home), args.visible, record, label=" (raise/escalate)")
        if args.email:
            save_to_email(settings.Paths(home), args.email, record, label=" (notify run, default interval)")
        stop_rebuilder(settings.Paths(home))
        if args.viewers:
            print(f"A room of {args.viewers} viewers against the served app (tests/load.py):", flush=True)
            from tests.load import run as room_of_viewers

            room_of_viewers(home, viewers=args.viewers, out=record)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``make bench``: how long the stages take, printed as a table. Figures, not pass/fail.

    python -m tests.bench [--scale la] [--no-pages] [--saves 200]
    make bench SCALE=region      # or national: the ladder only (add --all for pages, email, viewers)

Every run ends with **the ladder** (issue 14), one column for the scale, each figure beside its goal:
challenges / events; ingest against raw DuckDB ``read_csv`` on the same files and its peak memory
(``warehouse.ingest_bench.compare_with_duckdb`` where it exists); ``iroqa build`` wall time, CPU
against a trivial one-model dbt-duckdb project and peak memory (each in a process of its own, peak
RSS from ``wait4``); the background rebuild after a save; save to visible. The load average is
printed beside them: on a shared machine every time includes waiting for the CPU.

Runs in a temporary IROQA_HOME: demo -> ingest -> build -> every page rendered with AppTest ->
save latency of the write-back API -> a build as at today (the morning build; the ones above are
as at the demo's end date) -> time from save (write_event + request_build) to the
challenge being in the live build's meeting list -> save to the first email arriving at a local
SMTP server (notify/) -> a room of viewers (``tests/load.py``: 30 signed-in viewers clicking
through every page of the served app over Streamlit's WebSocket protocol from Python, so the times
are the server's, not browsers'; ``python -m tests.load --client browser`` for headless Chromium;
page time p50/p95, server CPU per warm view and per idle tab, memory per session, new build visible).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

RESULTS: list[tuple[str, str]] = []
#: The ladder's figures (issue 14), filled in as the stages run and printed last by :func:`ladder`.
LADDER: dict[str, object] = {}
GIB = 1 << 30


def record(name: str, value: str) -> None:
    RESULTS.append((name, value))
    print(f"  {name:<48}{value}", flush=True)


def timed(name: str, fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    record(name, f"{time.perf_counter() - started:8.2f} s")
    return out


@dataclass
class Measured:
    """One command run in a process of its own: wall and CPU seconds (user + system, its child
    processes included) and peak resident memory (the largest process of the tree, from wait4)."""

    seconds: float
    cpu: float
    peak_rss: int
    returncode: int
    output: str
    load: float  # 1-minute load average when it ended

    def line(self) -> str:
        return (
            f"{self.seconds:8.2f} s   CPU {self.cpu:6.2f} s   peak {self.peak_rss / GIB:5.2f} GiB"
            f"   (load {self.load:.1f})"
        )


def measure(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    return Measured(
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss * 1024,  # KiB on Linux
        proc.returncode,
        output,
        os.getloadavg()[0],
    )


def _iroqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def iroqa_build(env: dict[str, str], *args: str) -> Measured:
    """``iroqa build`` measured in a process of its own; a failed build ends the benchmark."""
    built = measure(_iroqa("build", *args), env=env)
    if built.returncode != 0:
        raise SystemExit(f"iroqa build failed:\n{built.output[-3000:]}")
    return built


def trivial_dbt_cpu(work: Path) -> Measured:
    """A trivial dbt-duckdb project (one model, ``select 1``) built twice on this machine; the second
    run (partial parsing on, as for the warehouse's builds) is the yardstick for ``iroqa build``."""
    project = work / "trivial-dbt"
    (project / "models").mkdir(parents=True, exist_ok=True)
    (project / "dbt_project.yml").write_text('name: trivial\nversion: "1.0"\nprofile: trivial\n')
    (project / "profiles.yml").write_text(
        "trivial:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {project / 'trivial.duckdb'}\n      threads: 2\n"
    )
    (project / "models" / "one.sql").write_text("select 1 as one\n")
    dbt = str(Path(sys.executable).with_name("dbt"))
    cmd = [dbt, "build", "--project-dir", str(project), "--profiles-dir", str(project)]
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    measure(cmd, env=env, cwd=project)  # the first parses from nothing
    return measure(cmd, env=env, cwd=project)


def bench_pipeline(home: Path, scale: str, end: date) -> None:
    from demo import generate
    from warehouse import settings

    settings.Paths(home).ensure()
    extracts = home / "extracts"
    counts = timed(f"demo ({scale})", generate, extracts, scale=scale, seed=7, end=end)
    record("demo rows", f"{sum(counts.values()):>10,} ({', '.join(f'{k} {v:,}' for k, v in counts.items())})")
    LADDER["challenges"] = counts.get("challenges", 0)
    LADDER["events"] = counts.get("challenge_events", 0)
    LADDER["csv_bytes"] = sum(f.stat().st_size for f in extracts.glob("*.csv"))

    env = dict(os.environ, IROQA_HOME=str(home), IROQA_AUTO_SNAPSHOTS="0")
    ingest = measure(_iroqa("ingest", str(extracts)), env=env)
    if ingest.returncode not in (0, 1):  # 1: loaded, some rows set aside
        raise SystemExit(f"iroqa ingest failed:\n{ingest.output[-3000:]}")
    record("iroqa ingest", ingest.line())
    LADDER["ingest"] = ingest
    try:
        from warehouse.ingest_bench import compare_with_duckdb
    except ImportError:
        record("ingest against raw DuckDB read_csv", "not measured: no ingest_bench.compare_with_duckdb here")
    else:
        cmp = compare_with_duckdb(extracts)
        LADDER["ingest_cmp"] = cmp
        record(
            "ingest against raw DuckDB read_csv (ratio)",
            f"{cmp['ratio']:8.2f}   ({cmp['duckdb_seconds']:.1f} s vs ours {cmp['ours_seconds']:.1f} s)",
        )

    for which in ("first", "again"):
        built = iroqa_build(env, "--as-at", end.isoformat())
        record(f"iroqa build (models + data tests), {which}", built.line())
        LADDER[f"build_{which}"] = built
    trivial = trivial_dbt_cpu(home)
    record("trivial dbt-duckdb project (one model)", trivial.line())
    LADDER["trivial"] = trivial


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


def _mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def ladder(scale: str) -> str:
    """The ladder's column for this run's scale, as a Markdown table with the goals of issue 14."""
    rows: list[tuple[str, str, str]] = []
    if "challenges" in LADDER:
        rows.append(
            (
                "challenges / events",
                f"{LADDER['challenges']:,} / {LADDER['events']:,} ({LADDER['csv_bytes'] / 1e6:,.0f} MB of CSV)",
                "",
            )
        )
    cmp = LADDER.get("ingest_cmp")
    ingest = LADDER.get("ingest")
    if cmp:
        ok = cmp["ratio"] >= 0.5 and cmp["peak_over_size"] <= 2
        rows.append(
            (
                "ingest, share of raw DuckDB `read_csv` on the same files; peak",
                f"{cmp['ratio']:.2f} ({cmp['ours_seconds']:.1f} s vs {cmp['duckdb_seconds']:.1f} s); peak "
                f"{cmp['ours_peak_rss'] / GIB:.2f} GiB = {cmp['peak_over_size']:.2f}x the files "
                f"(DuckDB {cmp['duckdb_peak_rss'] / GIB:.2f} GiB)",
                f">= 0.5; peak <= 2x the files: {_mark(ok)}",
            )
        )
    elif ingest:
        rows.append(
            (
                "ingest (`iroqa ingest`); peak",
                f"{ingest.seconds:.1f} s; peak {ingest.peak_rss / GIB:.2f} GiB "
                f"= {ingest.peak_rss / max(LADDER['csv_bytes'], 1):.2f}x the files (no DuckDB comparison here)",
                "peak <= 2x the files: " + _mark(ingest.peak_rss <= 2 * LADDER["csv_bytes"]),
            )
        )
    built, trivial = LADDER.get("build_again"), LADDER.get("trivial")
    if built and trivial:
        ratio = built.cpu / trivial.cpu
        if scale == "national":
            goal = f"<= 60 s and <= 4 GiB (quiet machine): {_mark(built.seconds <= 60 and built.peak_rss <= 4 * GIB)}"
        elif scale in ("la", "tiny"):
            goal = f"CPU <= 2x a trivial dbt project: {_mark(ratio <= 2)}"
        else:
            goal = ""
        first = LADDER["build_first"]
        rows.append(
            (
                "`iroqa build` (models, data tests, contracts)",
                f"{built.seconds:.1f} s (first {first.seconds:.1f} s); CPU {built.cpu:.1f} s = {ratio:.1f}x "
                f"a trivial dbt project ({trivial.cpu:.1f} s); peak {max(built.peak_rss, first.peak_rss) / GIB:.2f} GiB",
                goal,
            )
        )
    visible = LADDER.get("visible")
    if visible:
        limit = {"region": 5.0, "national": 10.0}.get(scale)
        med = statistics.median(visible)
        rows.append(
            (
                "save to visible (+ the page's live check)",
                f"median {med:.1f} s, max {max(visible):.1f} s",
                f"< {limit:.0f} s median: {_mark(med < limit)}" if limit else "",
            )
        )
    email = LADDER.get("email")
    if email:
        med = statistics.median(email)
        rows.append(
            (
                "save to email (`iroqa notify run`, local SMTP)",
                f"median {med:.1f} s, max {max(email):.1f} s",
                f"< 10 s median (issue 12): {_mark(med < 10)}",
            )
        )
    loads = [m.load for m in LADDER.values() if isinstance(m, Measured)]
    if loads:
        rows.append(("load average (1 min) as the stages ended", f"{min(loads):.1f} - {max(loads):.1f}", ""))
    out = [f"| | {scale} ({os.cpu_count()} cores) | goal (issue 14) |", "| --- | --- | --- |"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="la", choices=["tiny", "la", "region", "national"])
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 10, 30))
    ap.add_argument("--saves", type=int, default=200)
    ap.add_argument("--no-pages", action="store_true")
    ap.add_argument("--visible", type=int, default=5, help="saves timed from save to visible")
    ap.add_argument("--email", type=int, default=5, help="saves timed from save to the email arriving")
    ap.add_argument("--viewers", type=int, default=30, help="the room-of-viewers load test (0: skip)")
    ap.add_argument(
        "--all",
        action="store_true",
        help="at region and national scale, also pages, save latency, email and the room of viewers",
    )
    args = ap.parse_args(argv)
    if args.scale in ("region", "national") and not args.all:  # the ladder only
        args.no_pages, args.saves, args.email, args.viewers = True, 0, 0, 0
    with tempfile.TemporaryDirectory(prefix="iroqa-bench-") as tmp:
        home = Path(tmp)
        os.environ["IROQA_HOME"] = str(home)
        print(f"IRO QA benchmarks ({args.scale} scale, {os.cpu_count()} cores), warehouse {home}")
        bench_pipeline(home, args.scale, args.end)
        if not args.no_pages:
            bench_pages(home)
        if args.saves:
            bench_saves(home, args.saves)
        from notify.save_bench import save_to_email  # issue 12: kinds of saves, loads beside them
        from warehouse import live, settings
        from warehouse.save_bench import save_to_visible, stop_rebuilder

        if args.visible or args.email:
            # The builds above are as at the demo's end date, for figures that do not move with the
            # calendar; the app rebuilds as at today. Without this morning build the first save
            # would be a full build (the as-at date changes) and the second the day's first dbt
            # events build, and the median would time the day's start, not a save. It also makes
            # last month's snapshot, as a real morning build does (warehouse/snapshots.py), which
            # the rebuilder would otherwise make on the first save (a full build as at month end).
            morning = iroqa_build(dict(os.environ, IROQA_HOME=str(home)))
            record("iroqa build as at today (the morning build, and last month's snapshot)", morning.line())
        if args.visible:
            times = save_to_visible(settings.Paths(home), args.visible, record, label=" (raise/escalate)")
            LADDER["visible"] = [t + live.PAGE_CHECK_SECONDS for t in times]
        if args.email:
            LADDER["email"] = save_to_email(settings.Paths(home), args.email, record, label=" (notify run)")
        stop_rebuilder(settings.Paths(home))
        if args.viewers:
            print(f"A room of {args.viewers} viewers against the served app (tests/load.py):", flush=True)
            # in a process of its own: this one has rendered every page with AppTest, and its
            # leftover threads would share the two cores with the clients and the server
            subprocess.run(
                [sys.executable, "-m", "tests.load", "--home", str(home), "--viewers", str(args.viewers)],
                cwd=Path(__file__).resolve().parent.parent,
                check=False,
            )
        print(f"\nThe ladder (issue 14), {args.scale} scale:\n\n{ladder(args.scale)}\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure ingest speed: on synthetic extracts, or against raw DuckDB on a folder of extracts.

    .venv/bin/python -m warehouse.ingest_bench --events 1000000        # ~1.3M rows in all
    .venv/bin/python -m warehouse.ingest_bench --events 50000 --keep   # keep the files and warehouse
    .venv/bin/python -m warehouse.ingest_bench --against-duckdb DIR    # e.g. DIR from `iroqa demo`

The first two write children, challenges and challenge_events CSV files into a temporary folder,
load them into a temporary warehouse (IROQA_HOME is not touched), and print rows/second per file and
in all.

``--against-duckdb`` (and :func:`compare_with_duckdb`, which ``make bench`` may call) loads the CSV
files of a folder twice, each in a fresh process and a throw-away warehouse: once with
``ingest_paths`` and once with DuckDB's own ``CREATE TABLE ... AS SELECT * FROM read_csv(...)``,
and returns our seconds, DuckDB's seconds, the ratio (DuckDB's time / ours: the share of DuckDB's
throughput we reach; issue 14 asks for at least 0.5), each process's peak resident memory, the
files' size and peak / size (issue 14 asks for at most 2), and the load average of the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

THEMES = ("care_plan_quality", "pep_outstanding", "statutory_visits", "health_assessment", "permanence_sgo")
EVENT_TYPES = ("response", "escalated", "response", "note", "resolved")


def synthesise(
    folder: Path,
    *,
    events: int,
    challenges: int | None = None,
    children: int | None = None,
    bad_every: int = 0,
) -> dict[str, Path]:
    """Write canonical CSV extracts with ``events`` challenge events (and proportionate challenges
    and children). ``bad_every`` > 0 makes every n-th event row invalid (a bad date)."""
    challenges = challenges or max(1, events // 5)
    children = children or max(1, challenges // 4)
    folder.mkdir(parents=True, exist_ok=True)
    base = date(2020, 4, 1)

    kids = pl.DataFrame({"i": pl.int_range(0, children, eager=True)}).select(
        pl.format("C{}", pl.col("i")).alias("child_id"),
        pl.when(pl.col("i") % 3 == 0).then(pl.lit("cp")).otherwise(pl.lit("lac")).alias("legal_status"),
        (pl.lit(date(2008, 1, 1)) + pl.duration(days=pl.col("i") % 5000))
        .dt.strftime("%d/%m/%Y")
        .alias("date_of_birth"),
        pl.lit(None, dtype=pl.String).alias("gender"),
        pl.format("W{}", pl.col("i") % 500).alias("allocated_worker_id"),
    )
    ch = pl.DataFrame({"i": pl.int_range(0, challenges, eager=True)}).select(
        pl.format("CH{}", pl.col("i")).alias("challenge_id"),
        pl.format("C{}", pl.col("i") % children).alias("child_id"),
        (pl.lit(base) + pl.duration(days=pl.col("i") % 1400)).dt.strftime("%Y-%m-%d").alias("raised_on"),
        pl.format("W{}", 1000 + pl.col("i") % 40).alias("raised_by_worker_id"),
        pl.format("W{}", pl.col("i") % 500).alias("social_worker_id"),
        pl.lit(None, dtype=pl.String).alias("team_id"),
        pl.when(pl.col("i") % 3 == 0).then(pl.lit("cp")).otherwise(pl.lit("lac")).alias("legal_status"),
        pl.lit("lac_review").alias("context"),
        pl.when(pl.col("i") % 2 == 0).then(pl.lit("informal")).otherwise(pl.lit("formal")).alias("route"),
        (pl.col("i") % 2).cast(pl.String).alias("entry_stage"),
        pl.concat_str([pl.lit(THEMES[0]), pl.lit(THEMES[1])], separator=";").alias("themes"),
        pl.format(
            "Concern number {} about the care plan, with some words to make it realistic.", pl.col("i")
        ).alias("concern"),
        pl.format("W{}", pl.col("i") % 500).alias("raised_with_worker_id"),
    )
    ev = pl.DataFrame({"i": pl.int_range(0, events, eager=True)}).select(
        pl.format("E{}", pl.col("i")).alias("event_id"),
        pl.format("CH{}", pl.col("i") % challenges).alias("challenge_id"),
        (pl.col("i") % len(EVENT_TYPES))
        .replace_strict(dict(enumerate(EVENT_TYPES)), return_dtype=pl.String)
        .alias("event_type"),
        (pl.lit(base) + pl.duration(days=(pl.col("i") % challenges) % 1400 + pl.col("i") // challenges))
        .dt.strftime("%d/%m/%Y")
        .alias("event_on"),
        (1 + pl.col("i") % 4).cast(pl.String).alias("stage"),
        pl.format("W{}", pl.col("i") % 500).alias("actor_worker_id"),
        pl.lit(None, dtype=pl.String).alias("assigned_to_worker_id"),
        pl.when(pl.col("i") % 2 == 0).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("satisfied"),
        pl.lit(None, dtype=pl.String).alias("reason"),
        pl.format("Note {}", pl.col("i")).alias("note"),
        pl.lit("2024-01-12T10:15:00").alias("recorded_at"),
        pl.lit("W1000").alias("recorded_by"),
    )
    if bad_every:
        ev = ev.with_columns(
            event_on=pl.when(pl.int_range(0, pl.len()) % bad_every == bad_every - 1)
            .then(pl.lit("31/02/2024"))
            .otherwise(pl.col("event_on"))
        )
    files = {
        "children": folder / "children.csv",
        "challenges": folder / "challenges.csv",
        "challenge_events": folder / "challenge_events.csv",
    }
    kids.write_csv(files["children"])
    ch.write_csv(files["challenges"])
    ev.write_csv(files["challenge_events"])
    return files


def run(events: int, keep: bool = False, bad_every: int = 0) -> dict:
    from warehouse.loader import ingest_paths
    from warehouse.settings import Paths

    work = Path(tempfile.mkdtemp(prefix="iroqa-bench-"))
    try:
        t0 = time.monotonic()
        files = synthesise(work / "extract", events=events, bad_every=bad_every)
        made = time.monotonic() - t0
        lines: list[tuple[float, str]] = []
        t1 = time.monotonic()
        report = ingest_paths(
            list(files.values()),
            paths=Paths(work / "home"),
            progress=lambda s: lines.append((time.monotonic() - t1, s)),
            load_date=date(2026, 1, 1),
        )
        took = time.monotonic() - t1
        rows = report.rows_read
        out = {
            "rows": rows,
            "seconds": took,
            "rows_per_second": rows / took,
            "synthesise_seconds": made,
            "files": {f.file: (f.rows_read, f.accepted, f.rejected) for f in report.files},
            "report": report,
            "progress": lines,
            "work": work,
        }
        return out
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


# -- ours against raw DuckDB, on a folder of extracts --------------------------------------------


def _peak_rss_bytes() -> int:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child_ours(files: list[Path], home: Path) -> dict:
    from warehouse.loader import ingest_paths
    from warehouse.settings import Paths

    cpu, started = _cpu_seconds(), time.perf_counter()
    report = ingest_paths(files, paths=Paths(home))
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "peak_rss": _peak_rss_bytes(),
        "rows_read": report.rows_read,
        "accepted": sum(f.accepted for f in report.files),
        "rejected": sum(f.rejected for f in report.files),
        "refused": [f.file for f in report.files if f.status == "rejected"],
    }


def _child_duckdb(files: list[Path], home: Path) -> dict:
    import duckdb

    home.mkdir(parents=True, exist_ok=True)
    cpu, started = _cpu_seconds(), time.perf_counter()
    con = duckdb.connect(str(home / "raw.duckdb"))
    rows = 0
    for i, f in enumerate(files):
        # the file's path as a parameter; the table name is ours
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?)", [str(f)])  # noqa: S608
        rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]  # noqa: S608
    con.close()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
        "peak_rss": _peak_rss_bytes(),
        "rows_read": rows,
    }


def _run_child(which: str, files: list[Path]) -> dict:
    """One measurement in a fresh Python process (so its peak memory is its own), in a throw-away
    warehouse."""
    work = Path(tempfile.mkdtemp(prefix=f"iroqa-ingest-{which}-"))
    try:
        env = {**os.environ, "IROQA_HOME": str(work / "home")}
        cmd = [sys.executable, "-m", "warehouse.ingest_bench", "--child", which, str(work / "home")]
        done = subprocess.run([*cmd, *map(str, files)], env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the {which} measurement failed: {done.stderr.strip()[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare_with_duckdb(extracts: Path, *, repeats: int = 1) -> dict:
    """Ingest the CSV files of ``extracts`` with ``ingest_paths`` and with raw DuckDB ``read_csv``
    into a table, side by side (alternating, ``repeats`` pairs; medians reported), each in its own
    process and throw-away warehouse. Returns seconds, ratio (DuckDB seconds / ours), peak RSS
    (bytes), file size (bytes), peak / size, and the load average (1 minute) before and after.
    Workbooks are left out (DuckDB does not read them; they are small)."""
    files = sorted(Path(extracts).glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no .csv files in {extracts}")
    size = sum(f.stat().st_size for f in files)
    load_before = os.getloadavg()[0]
    ours, duck = [], []
    for _ in range(repeats):
        ours.append(_run_child("ours", files))
        duck.append(_run_child("duckdb", files))
    load_after = os.getloadavg()[0]
    our_s = statistics.median(r["seconds"] for r in ours)
    duck_s = statistics.median(r["seconds"] for r in duck)
    our_peak = max(r["peak_rss"] for r in ours)
    duck_peak = max(r["peak_rss"] for r in duck)
    return {
        "folder": str(extracts),
        "files": len(files),
        "file_bytes": size,
        "largest_file_bytes": max(f.stat().st_size for f in files),
        "rows": ours[-1]["rows_read"],
        "accepted": ours[-1]["accepted"],
        "rejected": ours[-1]["rejected"],
        "refused": ours[-1]["refused"],
        "ours_seconds": our_s,
        "duckdb_seconds": duck_s,
        "ratio": duck_s / our_s,
        "ours_cpu_seconds": statistics.median(r["cpu_seconds"] for r in ours),
        "duckdb_cpu_seconds": statistics.median(r["cpu_seconds"] for r in duck),
        "ours_peak_rss": our_peak,
        "duckdb_peak_rss": duck_peak,
        "peak_over_size": our_peak / size,
        "duckdb_peak_over_size": duck_peak / size,
        "load_before": load_before,
        "load_after": load_after,
        "repeats": repeats,
    }


def format_comparison(res: dict) -> str:
    gib = 1 << 30
    return (
        f"{res['folder']}: {res['files']} CSV files, {res['file_bytes'] / 1e6:,.0f} MB, {res['rows']:,} rows\n"
        f"  ours     {res['ours_seconds']:7.2f} s (CPU {res['ours_cpu_seconds']:6.1f} s)   peak "
        f"{res['ours_peak_rss'] / gib:5.2f} GiB ({res['peak_over_size']:.2f} x the files)\n"
        f"  duckdb   {res['duckdb_seconds']:7.2f} s (CPU {res['duckdb_cpu_seconds']:6.1f} s)   peak "
        f"{res['duckdb_peak_rss'] / gib:5.2f} GiB ({res['duckdb_peak_over_size']:.2f} x the files)\n"
        f"  ratio {res['ratio']:.2f} of DuckDB's read_csv (goal >= 0.5); peak / size "
        f"{res['peak_over_size']:.2f} (goal <= 2); load average {res['load_before']:.1f} -> "
        f"{res['load_after']:.1f}; median of {res['repeats']}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--bad-every", type=int, default=0, help="make every n-th event row invalid")
    ap.add_argument("--keep", action="store_true", help="keep the synthetic files and warehouse")
    ap.add_argument(
        "--against-duckdb",
        type=Path,
        metavar="DIR",
        nargs="+",
        help="compare ingest with raw DuckDB read_csv on the CSV files of each folder",
    )
    ap.add_argument("--repeats", type=int, default=1, help="pairs of runs for --against-duckdb")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        which, home, *files = args.child
        run_one = _child_ours if which == "ours" else _child_duckdb
        print(json.dumps(run_one([Path(f) for f in files], Path(home))))
        return
    if args.against_duckdb:
        for folder in args.against_duckdb:
            print(format_comparison(compare_with_duckdb(folder, repeats=args.repeats)), flush=True)
        return
    res = run(args.events, keep=args.keep, bad_every=args.bad_every)
    for t, line in res["progress"]:
        print(f"  {t:7.2f}s  {line}")
    print(res["report"].summary())
    print(
        f"{res['rows']:,} rows in {res['seconds']:.1f}s = {res['rows_per_second']:,.0f} rows/second "
        f"(synthesising the files took {res['synthesise_seconds']:.1f}s)"
    )
    if args.keep:
        print(f"files and warehouse kept in {res['work']}")


if __name__ == "__main__":
    main()

"""Measure ingest speed on synthetic extracts (invented data, canonical layout).

    .venv/bin/python -m warehouse.ingest_bench --events 1000000        # ~1.3M rows in all
    .venv/bin/python -m warehouse.ingest_bench --events 50000 --keep   # keep the files and warehouse

Writes children, challenges and challenge_events CSV files into a temporary folder, loads them
into a temporary warehouse (IROQA_HOME is not touched), and prints rows/second per file and in all.
"""

from __future__ import annotations

import argparse
import shutil
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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--bad-every", type=int, default=0, help="make every n-th event row invalid")
    ap.add_argument("--keep", action="store_true", help="keep the synthetic files and warehouse")
    args = ap.parse_args(argv)
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

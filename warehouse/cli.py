"""The ``iroqa`` command: one entry point for every stage of the data flow.

    iroqa demo --out DIR [--scale tiny|la|region|national] [--seed N]
    iroqa ingest PATH... [--profile canonical|mosaic|liquidlogic]
    iroqa build [--as-at YYYY-MM-DD] [--protocol leicestershire|rotherham]
    iroqa query "SQL"
    iroqa serve [--port 8501]
    iroqa status

The warehouse location is ``$IROQA_HOME`` (default ``warehouse/data`` inside the repo).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from warehouse import settings


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from ingest.demo import generate

    started = time.monotonic()
    counts = generate(Path(args.out), scale=args.scale, seed=args.seed, end=args.end, fmt=args.format,
                      progress=_progress)
    total = sum(counts.values())
    for entity, n in counts.items():
        print(f"{entity:<18}{n:>12,}")
    print(f"Wrote {total:,} rows to {args.out} in {time.monotonic() - started:.1f}s")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.loader import ingest_paths

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"No such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    started = time.monotonic()
    report = ingest_paths([Path(p) for p in args.paths], profile=args.profile, progress=_progress)
    print(report.summary())
    print(f"Ingest took {time.monotonic() - started:.1f}s")
    return 0 if report.ok else 1


def cmd_build(args: argparse.Namespace) -> int:
    from warehouse.build import BuildError, build

    try:
        result = build(as_at=args.as_at, protocol=args.protocol)
    except BuildError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    live = result.live
    print(f"Build {live.build_id} is live (as at {live.as_at}, protocol {live.protocol}) "
          f"in {result.seconds:.1f}s: {live.path}")
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.store import NoLiveBuild, connect_live

    try:
        _, con = connect_live()
    except NoLiveBuild as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        cur = con.execute(args.sql)
    except duckdb.Error as exc:
        con.close()
        print(f"Query failed: {exc}", file=sys.stderr)
        return 1
    writer = csv.writer(sys.stdout, lineterminator="\n")
    if cur.description:
        writer.writerow([d[0] for d in cur.description])
        while rows := cur.fetchmany(10_000):
            writer.writerows(rows)
    con.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    app = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.port", str(args.port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]
    print(f"Serving IRO QA on http://localhost:{args.port} (warehouse {settings.home()})", flush=True)
    return subprocess.call(cmd, env=dict(os.environ))


def cmd_status(args: argparse.Namespace) -> int:
    from warehouse.store import read_live

    p = settings.paths()
    live = read_live(p)
    print(f"warehouse home : {p.home}")
    print(f"raw store      : {p.raw_db} ({'present' if p.raw_db.exists() else 'missing'})")
    events = len(list(p.events_dir.glob('*.parquet'))) if p.events_dir.exists() else 0
    print(f"app events     : {events}")
    if live:
        print(f"live build     : {live.build_id} as at {live.as_at}, protocol {live.protocol}, "
              f"built {live.built_at} in {live.seconds}s")
    else:
        print("live build     : none yet (run `iroqa build`)")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="iroqa",
        description="IRO QA: track Positive Challenges and Formal Escalations from case-system extracts "
        "to the monthly challenge meeting. The warehouse lives in $IROQA_HOME "
        f"(now {settings.home()}).",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="write realistic synthetic extracts (no real people)",
                       description="Write synthetic case-system extracts in the canonical layout.")
    d.add_argument("--out", required=True, help="folder to write the extract files into")
    d.add_argument("--scale", default="la", choices=["tiny", "la", "region", "national"],
                   help="tiny: a few dozen challenges; la: one authority over several years "
                   "(tens of thousands of events); region: ~10x la; national: millions of events")
    d.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    d.add_argument("--end", type=_date, default=None, help="last date of the data (default today)")
    d.add_argument("--format", default="csv", choices=["csv", "xlsx"], help="file format")
    d.set_defaults(func=cmd_demo)

    i = sub.add_parser("ingest", help="load extract files or folders into the raw store",
                       description="Validate and load CSV/XLSX extracts. Rejected files and rows are "
                       "reported with file, row and column; accepted rows load in one transaction per "
                       "file; a file already loaded is skipped.")
    i.add_argument("paths", nargs="+", help="extract files (.csv, .xlsx) or folders of them")
    i.add_argument("--profile", default="canonical",
                   help="column-mapping profile: canonical, mosaic, liquidlogic (ingest/profiles/*.yml)")
    i.set_defaults(func=cmd_ingest)

    b = sub.add_parser("build", help="build the marts with dbt into a new build and make it live",
                       description="Run the dbt build (models and tests) into a new warehouse file. "
                       "Only a build that passes is made live.")
    b.add_argument("--as-at", type=_date, default=None,
                   help="compute overdue flags as at this date (default today); reproduces a past month")
    b.add_argument("--protocol", default=None,
                   help="escalation protocol (default $IROQA_PROTOCOL or leicestershire)")
    b.set_defaults(func=cmd_build)

    q = sub.add_parser("query", help="run read-only SQL against the live marts, print CSV",
                       description="Run one read-only SQL statement against the live build and print "
                       "CSV, e.g. iroqa query \"select count(*) from fct_challenges\"")
    q.add_argument("sql", help="the SQL statement")
    q.set_defaults(func=cmd_query)

    s = sub.add_parser("serve", help="start the dashboard", description="Serve the Streamlit dashboard.")
    s.add_argument("--port", type=int, default=8501)
    s.set_defaults(func=cmd_serve)

    st = sub.add_parser("status", help="show the warehouse home, raw store and live build")
    st.set_defaults(func=cmd_status)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

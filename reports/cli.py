"""``iroqa report quarterly --quarter 2026-27-Q2 --out FILE.docx``: the quarterly learning report
from the live build, with the learning saved in the app for that quarter; ``iroqa report annual
--year 2025-26 --out FILE.docx``: the annual report section for an April-March year."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_report_quarterly(args: argparse.Namespace) -> int:
    from reports.learning import latest_learning
    from reports.periods import Quarter
    from reports.quarterly import write_quarterly
    from warehouse import settings
    from warehouse.store import read_live

    try:
        q = Quarter.parse(args.quarter)
    except ValueError as exc:
        print(f"--quarter: {exc}", file=sys.stderr)
        return 2
    p = settings.paths()
    live = read_live(p)
    if live is None:
        print("There is no live build yet: run iroqa build first.", file=sys.stderr)
        return 1
    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"--out: the folder {out.parent} does not exist", file=sys.stderr)
        return 2
    learning = latest_learning(q, p)
    write_quarterly(
        live.file,
        q,
        out,
        learning=learning["note"] if learning else None,
        as_at=live.as_at,
        protocol=live.protocol,
    )
    print(f"Wrote {out} ({q.label}, as at {live.as_at})")
    return 0


def cmd_report_annual(args: argparse.Namespace) -> int:
    from reports.annual import write_annual
    from reports.periods import Year
    from warehouse import settings
    from warehouse.store import read_live

    try:
        y = Year.parse(args.year)
    except ValueError as exc:
        print(f"--year: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"--out: the folder {out.parent} does not exist", file=sys.stderr)
        return 2
    live = read_live(settings.paths())
    if live is None:
        print("There is no live build yet: run iroqa build first.", file=sys.stderr)
        return 1
    write_annual(live.file, y, out, as_at=live.as_at, protocol=live.protocol)
    print(f"Wrote {out} ({y.label}, {y.words}, as at {live.as_at})")
    return 0


def add_parser(sub) -> None:
    r = sub.add_parser("report", help="write the service's reports as Word documents")
    rs = r.add_subparsers(dest="report", required=True)
    qp = rs.add_parser("quarterly", help="the quarterly learning report for an April-March quarter")
    qp.add_argument("--quarter", required=True, help="e.g. 2026-27-Q2 (July to September 2026)")
    qp.add_argument("--out", required=True, help="the .docx file to write")
    qp.set_defaults(func=cmd_report_quarterly)
    ap = rs.add_parser("annual", help="the annual report section for an April-March year")
    ap.add_argument("--year", required=True, help="e.g. 2025-26 (April 2025 to March 2026)")
    ap.add_argument("--out", required=True, help="the .docx file to write")
    ap.set_defaults(func=cmd_report_annual)

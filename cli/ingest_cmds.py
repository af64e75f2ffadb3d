"""``iroqa ingest``: validate extracts and load them into the raw store (ingest, warehouse.loader)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cli.common import progress


def cmd_ingest(args: argparse.Namespace) -> int:
    """Exit codes (docs/ingest.md): 0 all loaded, 1 loaded with rows set aside (or hidden sheets
    skipped), 2 usage error (nothing read), 3 a file refused (the others still loaded)."""
    from ingest.profiles import ProfileError
    from ingest.report import EXIT_USAGE, printable
    from warehouse.loader import ingest_paths

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"No such file or folder: {', '.join(printable(m) for m in missing)}", file=sys.stderr)
        return EXIT_USAGE
    started = time.monotonic()
    try:
        report = ingest_paths(
            [Path(p) for p in args.paths],
            profile=args.profile,
            progress=progress,
            force=args.force,
            include_hidden_sheets=args.include_hidden_sheets,
        )
    except ProfileError as exc:
        print(printable(exc), file=sys.stderr)
        return EXIT_USAGE
    print(report.summary())
    print(f"Ingest took {time.monotonic() - started:.1f}s")
    return report.exit_code


def add_parsers(sub) -> None:
    i = sub.add_parser(
        "ingest",
        help="load extract files or folders into the raw store",
        description="Validate and load CSV/XLSX extracts. Rejected files and rows are "
        "reported with file, row and column; accepted rows load in one transaction per "
        "file; a file already loaded is skipped.",
    )
    i.add_argument("paths", nargs="+", help="extract files (.csv, .xlsx) or folders of them")
    i.add_argument(
        "--profile",
        default="canonical",
        help="column-mapping profile: canonical, mosaic, liquidlogic (ingest/profiles/*.yml)",
    )
    i.add_argument(
        "--force",
        action="store_true",
        help="load files again even if the same content was loaded before (e.g. after loading "
        "the challenges that their events were quarantined for)",
    )
    i.add_argument(
        "--include-hidden-sheets",
        action="store_true",
        help="also load a workbook's hidden sheets (by default they are reported and skipped)",
    )
    i.set_defaults(func=cmd_ingest)

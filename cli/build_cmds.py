"""``iroqa build`` and ``iroqa snapshot``: dbt builds into new warehouse files (warehouse.build,
warehouse.snapshots)."""

from __future__ import annotations

import argparse
import sys

from cli.common import PROTOCOL_HELP, parse_date


def cmd_build(args: argparse.Namespace) -> int:
    from warehouse.build import BuildError, build

    try:
        result = build(as_at=args.as_at, protocol=args.protocol)
    except BuildError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    live = result.live
    print(
        f"Build {live.build_id} is live (as at {live.as_at}, protocol {live.protocol}) "
        f"in {result.seconds:.1f}s: {live.path}"
    )
    if args.as_at is None:  # a build as at today, after it went live: last month's snapshot if due
        from warehouse.snapshots import make_due

        made = make_due()
        if made is not None:
            print(f"Month-end snapshot {made.live.as_at[:7]} made in {made.seconds:.1f}s: {made.live.path}")
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from ingest.report import EXIT_USAGE, printable
    from warehouse.build import BuildError
    from warehouse.snapshots import SnapshotError, list_snapshots, make_snapshot

    if args.list or not args.month:
        snaps = list_snapshots()
        if not snaps:
            print("No month-end snapshots yet: make one with `iroqa snapshot --month YYYY-MM`.")
        for s in snaps:
            print(f"{s.as_at[:7]}  as at {s.as_at}, protocol {s.protocol}, built {s.built_at}: {s.path}")
        return 0
    try:
        result = make_snapshot(args.month, protocol=args.protocol, replace=args.replace)
    except SnapshotError as exc:
        print(printable(str(exc)), file=sys.stderr)
        return EXIT_USAGE
    except BuildError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    snap = result.live
    print(
        f"Month-end snapshot {snap.as_at[:7]} (as at {snap.as_at}, protocol {snap.protocol}) "
        f"made in {result.seconds:.1f}s: {snap.path}"
    )
    return 0


def add_parsers(sub) -> None:
    b = sub.add_parser(
        "build",
        help="build the marts with dbt into a new build and make it live",
        description="Run the dbt build (models and tests) into a new warehouse file. "
        "Only a build that passes is made live.",
    )
    b.add_argument(
        "--as-at",
        type=parse_date,
        default=None,
        help="compute overdue flags as at this date (default today); reproduces a past month",
    )
    b.add_argument("--protocol", default=None, help=PROTOCOL_HELP)
    b.set_defaults(func=cmd_build)

    sn = sub.add_parser(
        "snapshot",
        help="build the marts as at a past month end into a kept snapshot (not live); --list",
        description="Build the marts as at the last day of a closed month, through the same build "
        "as `iroqa build --as-at`, into snapshots/YYYY-MM.duckdb: never made live, never pruned. "
        "The dashboard's 'As at' choice shows it.",
    )
    sn.add_argument("--month", default=None, help="the month, YYYY-MM (e.g. 2026-09)")
    sn.add_argument("--replace", action="store_true", help="build a month that has a snapshot again")
    sn.add_argument("--list", action="store_true", help="list the snapshots kept")
    sn.add_argument("--protocol", default=None, help=PROTOCOL_HELP)
    sn.set_defaults(func=cmd_snapshot)

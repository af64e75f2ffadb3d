"""``iroqa demo``: write synthetic extracts (the demo package)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cli.common import parse_date, progress


def cmd_demo(args: argparse.Namespace) -> int:
    from demo import generate

    started = time.monotonic()
    counts = generate(
        Path(args.out), scale=args.scale, seed=args.seed, end=args.end, fmt=args.format, progress=progress
    )
    total = sum(counts.values())
    for entity, n in counts.items():
        print(f"{entity:<18}{n:>12,}")
    print(f"Wrote {total:,} rows to {args.out} in {time.monotonic() - started:.1f}s")
    return 0


def add_parsers(sub) -> None:
    d = sub.add_parser(
        "demo",
        help="write realistic synthetic extracts (no real people)",
        description="Write synthetic case-system extracts in the canonical layout.",
    )
    d.add_argument("--out", required=True, help="folder to write the extract files into")
    d.add_argument(
        "--scale",
        default="la",
        choices=["tiny", "la", "region", "national"],
        help="tiny: a few dozen challenges; la: one authority over several years "
        "(tens of thousands of events); region: ~10x la; national: millions of events",
    )
    d.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    d.add_argument("--end", type=parse_date, default=None, help="last date of the data (default today)")
    d.add_argument("--format", default="csv", choices=["csv", "xlsx"], help="file format")
    d.set_defaults(func=cmd_demo)

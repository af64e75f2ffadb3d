"""``iroqa report quarterly --quarter 2026-27-Q2 --out FILE.docx``: the quarterly learning report
from the live build, with the learning saved in the app for that quarter; ``iroqa report annual
--year 2025-26 --out FILE.docx``: the annual report section for an April-March year (reports/).

Both are one command: parse the period, check the folder to write into, find the live build, then
write the document."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def _quarterly(period, live, out: Path, p) -> str:
    from reports.learning import latest_learning
    from reports.quarterly import write_quarterly

    learning = latest_learning(period, p)
    write_quarterly(
        live.file,
        period,
        out,
        learning=learning["note"] if learning else None,
        as_at=live.as_at,
        protocol=live.protocol,
    )
    return f"{period.label}, as at {live.as_at}"


def _annual(period, live, out: Path, p) -> str:
    from reports.annual import write_annual

    write_annual(live.file, period, out, as_at=live.as_at, protocol=live.protocol)
    return f"{period.label}, {period.words}, as at {live.as_at}"


def _parse_quarter(text: str):
    from reports.periods import Quarter

    return Quarter.parse(text)


def _parse_year(text: str):
    from reports.periods import Year

    return Year.parse(text)


@dataclass(frozen=True)
class Report:
    """One document of ``iroqa report``: its period option, how the period is read, how it is written
    (returning the words that describe it after ``Wrote FILE``), and the help texts."""

    option: str
    parse: Callable[[str], object]
    write: Callable[..., str]
    help: str
    period_help: str


REPORTS = {
    "quarterly": Report(
        "quarter",
        _parse_quarter,
        _quarterly,
        "the quarterly learning report for an April-March quarter",
        "e.g. 2026-27-Q2 (July to September 2026)",
    ),
    "annual": Report(
        "year",
        _parse_year,
        _annual,
        "the annual report section for an April-March year",
        "e.g. 2025-26 (April 2025 to March 2026)",
    ),
}


def cmd_report(args: argparse.Namespace) -> int:
    from warehouse import settings
    from warehouse.store import read_live

    report = REPORTS[args.report]
    try:
        period = report.parse(getattr(args, report.option))
    except ValueError as exc:
        print(f"--{report.option}: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"--out: the folder {out.parent} does not exist", file=sys.stderr)
        return 2
    p = settings.paths()
    live = read_live(p)
    if live is None:
        print("There is no live build yet: run iroqa build first.", file=sys.stderr)
        return 1
    print(f"Wrote {out} ({report.write(period, live, out, p)})")
    return 0


def add_parsers(sub) -> None:
    r = sub.add_parser("report", help="write the service's reports as Word documents")
    rs = r.add_subparsers(dest="report", required=True)
    for name, report in REPORTS.items():
        x = rs.add_parser(name, help=report.help)
        x.add_argument(f"--{report.option}", required=True, help=report.period_help)
        x.add_argument("--out", required=True, help="the .docx file to write")
        x.set_defaults(func=cmd_report)

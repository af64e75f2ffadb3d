"""Generate ``seeds/bank_holidays.csv``: England and Wales bank holidays, 2000 to 2035.

Run offline from the repository root whenever the ``holidays`` package is upgraded::

    .venv/bin/python dbt_project/scripts/generate_bank_holidays.py

The ``holidays`` package's England subdivision (``GB``, ``ENG``) is the calendar of England and
Wales bank holidays, including substitute ("observed") days and the one-off days it knows about.
Days it gets wrong or does not know yet go in ``seeds/bank_holiday_overrides.csv`` (add/remove),
which the ``dim_calendar`` model applies on top of this file; never edit this file by hand.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import holidays

FIRST_YEAR = 2000
LAST_YEAR = 2035
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "seeds" / "bank_holidays.csv"


def bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[tuple[str, str]]:
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return [(day.isoformat(), name) for day, name in sorted(calendar.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    rows = bank_holidays()
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["holiday_date", "holiday_name"])
        writer.writerows(rows)
    print(
        f"wrote {len(rows)} bank holidays ({FIRST_YEAR}-{LAST_YEAR}, holidays {holidays.__version__}) to {args.out}"
    )


if __name__ == "__main__":
    main()

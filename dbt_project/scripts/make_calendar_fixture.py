"""Write ``tests/fixtures/calendar_windows.csv``: dim_calendar rows for the unit tests' date windows.

The unit tests of models that count working days give dim_calendar as an input; this fixture holds
the rows they need (a few weeks around each awkward holiday), computed here in plain Python from
the bank-holiday seeds, independently of the dim_calendar SQL, so the two cross-check each other.
Run from the repository root after changing the seeds::

    .venv/bin/python dbt_project/scripts/make_calendar_fixture.py
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
CALENDAR_START = date(2010, 1, 1)
WINDOWS = [
    (date(2011, 4, 18), date(2011, 5, 13)),  # Easter 2011, royal wedding 29 April, May Day
    (date(2017, 2, 20), date(2017, 5, 19)),  # spring 2017, Easter 14-17 April (rule tests use it)
    (date(2021, 12, 20), date(2022, 1, 14)),  # Christmas and New Year, substitute days
    (date(2022, 4, 11), date(2022, 4, 29)),  # Easter 2022
    (date(2022, 5, 27), date(2022, 6, 17)),  # Spring bank holiday moved, Platinum Jubilee
    (date(2022, 9, 12), date(2022, 9, 30)),  # state funeral 19 September
    (date(2023, 4, 28), date(2023, 5, 19)),  # May Day and the coronation, 1 and 8 May
]


def holidays() -> set[date]:
    days = set()
    with (PROJECT / "seeds" / "bank_holidays.csv").open() as fh:
        days = {date.fromisoformat(r["holiday_date"]) for r in csv.DictReader(fh)}
    with (PROJECT / "seeds" / "bank_holiday_overrides.csv").open() as fh:
        for r in csv.DictReader(fh):
            d = date.fromisoformat(r["holiday_date"])
            (days.add if r["action"] == "add" else days.discard)(d)
    return days


def main() -> None:
    bank_holidays = holidays()
    last = max(end for _, end in WINDOWS)
    rows = []
    number = 0
    d = CALENDAR_START
    while d <= last:
        working = d.weekday() < 5 and d not in bank_holidays
        number += working
        if any(start <= d <= end for start, end in WINDOWS):
            rows.append(
                (
                    d.isoformat(),
                    str(working).lower(),
                    number,
                    number + (0 if working else 1),
                    date(d.year, d.month, 1).isoformat(),
                )
            )
        d += timedelta(days=1)
    out = PROJECT / "tests" / "fixtures" / "calendar_windows.csv"
    with out.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            ["date_day", "is_working_day", "working_day_number", "day_zero_working_day_number", "month_start"]
        )
        w.writerows(rows)
    print(f"wrote {len(rows)} days to {out}")


if __name__ == "__main__":
    main()

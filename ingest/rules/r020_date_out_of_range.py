"""R020: a date (or date and time) outside the span the marts can compute with: before the floor
(``FLOOR``, 2000-01-01; a child's date of birth from ``BIRTH_FLOOR``, 1980-01-01) or after the
ceiling (``CEILING``, 2035-12-31, the last day of the working-day calendar, ``dim_calendar``).

A date such as 1900-01-02 is a real date, so R002 accepts it; but no working day can be counted
from it, and one such row used to stop every build. A worker's ``valid_to`` may lie beyond the
ceiling (9999-12-31 is a common "no end yet"); it is checked against the floor only. The dbt
project keeps the same bounds (it lists a row outside them in ``mart_data_quality_issues`` and
leaves it out of the counts), for rows loaded before this rule or written to the store directly.
"""

from __future__ import annotations

from datetime import date, datetime, time

import polars as pl

from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures

CODE = "R020"
LEVEL = "row"
FLOOR = date(2000, 1, 1)
BIRTH_FLOOR = date(1980, 1, 1)
CEILING = date(2035, 12, 31)
MESSAGE = (
    f"Date outside {FLOOR.isoformat()}..{CEILING.isoformat()} (dates of birth from {BIRTH_FLOOR.isoformat()})"
)
FIELDS = fields_of_type("date", "timestamp")
NO_CEILING = ("workers.valid_to",)


def bounds(field: str) -> tuple[date, date | None]:
    """(floor, ceiling) of one ``entity.column``; ceiling None: not bounded above."""
    low = BIRTH_FLOOR if field.endswith(".date_of_birth") else FLOOR
    return low, (None if field in NO_CEILING else CEILING)


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        low, high = bounds(f"{ctx.entity.name}.{column}")
        p = ctx.pair(column)
        is_date = ctx.entity.column(column).type == "date"
        lo = pl.lit(low) if is_date else pl.lit(datetime.combine(low, time()))
        v = pl.col("value")
        if high is None:
            mask = v < lo
            span = f"on or after {low.isoformat()}"
        else:
            hi = pl.lit(high) if is_date else pl.lit(datetime.combine(high, time.max))
            mask = (v < lo) | (v > hi)
            span = f"between {low.isoformat()} and {high.isoformat()}"
        detail = pl.format("{} is not " + span, v.cast(pl.String))
        failures.append(row_failures(p, mask, column, detail))
    return concat(failures)

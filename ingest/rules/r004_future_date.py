"""R004: a date (or date and time) after the day of the load. Workers' spell dates are exempt: a
spell may be planned ahead."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import polars as pl

from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures

CODE = "R004"
LEVEL = "row"
MESSAGE = "Date in the future (after the day of the load)"
EXEMPT = ("workers.valid_from", "workers.valid_to")
FIELDS = tuple(f for f in fields_of_type("date", "timestamp") if f not in EXEMPT)


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None:
        return no_failures()
    failures = []
    end_of_day = datetime.combine(ctx.load_date + timedelta(days=1), time())
    for column in ctx.columns_checked(FIELDS):
        p = ctx.pair(column)
        if ctx.entity.column(column).type == "date":
            mask = pl.col("value") > pl.lit(ctx.load_date)
        else:
            mask = pl.col("value") >= pl.lit(end_of_day)
        detail = pl.format(
            "{} is after the day of the load ({})",
            pl.col("value").cast(pl.String),
            pl.lit(ctx.load_date.isoformat()),
        )
        failures.append(row_failures(p, mask, column, detail))
    return concat(failures)

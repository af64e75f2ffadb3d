"""R003: a date and time that cannot be read or does not exist (31/02/2017 25:00)."""

from __future__ import annotations

import polars as pl

from ingest.parse import TIMESTAMP_FORMS, date_shape
from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures, shown

CODE = "R003"
LEVEL = "row"
MESSAGE = "Date and time not valid: unreadable, or not a real date/time"
FIELDS = fields_of_type("timestamp")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.text is None:
        return no_failures()
    forms = TIMESTAMP_FORMS + "".join(f" or {f}" for f in ctx.profile.date_formats)
    failures = []
    for column in ctx.columns_checked(FIELDS):
        p = ctx.pair(column)
        detail = (
            pl.when(date_shape(pl.col("text")))
            .then(pl.format("{} is not a real date and time", shown(pl.col("text"))))
            .otherwise(pl.format("{} is not a date and time (expected {})", shown(pl.col("text")), pl.lit(forms)))
        )
        failures.append(row_failures(p, pl.col("text").is_not_null() & pl.col("value").is_null(), column, detail))
    return concat(failures)

"""R002: a date that cannot be read (not 2017-07-31 or 31/07/2017) or does not exist (31/02/2017)."""

from __future__ import annotations

import polars as pl

from ingest.parse import DATE_FORMS, date_shape
from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures, shown

CODE = "R002"
LEVEL = "row"
MESSAGE = "Date not valid: unreadable, or not a real date"
FIELDS = fields_of_type("date")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.text is None:
        return no_failures()
    forms = DATE_FORMS + "".join(f" or {f}" for f in ctx.profile.date_formats)
    failures = []
    for column in ctx.columns_checked(FIELDS):
        p = ctx.pair(column)
        detail = (
            pl.when(date_shape(pl.col("text")))
            .then(pl.format("{} is not a real date", shown(pl.col("text"))))
            .otherwise(pl.format("{} is not a date (expected {})", shown(pl.col("text")), pl.lit(forms)))
        )
        failures.append(row_failures(p, pl.col("text").is_not_null() & pl.col("value").is_null(), column, detail))
    return concat(failures)

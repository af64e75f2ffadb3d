"""R007: a yes/no value that is not one of true/false, yes/no, y/n, 1/0."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures, shown

CODE = "R007"
LEVEL = "row"
MESSAGE = "Not a yes/no value (true/false, yes/no, y/n, 1/0)"
FIELDS = fields_of_type("bool")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.text is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        p = ctx.pair(column)
        detail = pl.format(
            "{} is not yes or no (expected true/false, yes/no, y/n or 1/0)", shown(pl.col("text"))
        )
        failures.append(
            row_failures(p, pl.col("text").is_not_null() & pl.col("value").is_null(), column, detail)
        )
    return concat(failures)

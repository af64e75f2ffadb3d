"""R009: text longer than the column's limit (schema ``max_length``, 4000 characters by default)."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures

CODE = "R009"
LEVEL = "row"
MESSAGE = "Text too long"
FIELDS = fields_of_type("text")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.text is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        limit = ctx.entity.column(column).max_length
        p = ctx.pair(column)
        n = pl.col("text").str.len_chars()
        detail = pl.format(
            "text is {} characters long; the limit is {}", n.cast(pl.String), pl.lit(str(limit))
        )
        failures.append(row_failures(p, n > limit, column, detail))
    return concat(failures)

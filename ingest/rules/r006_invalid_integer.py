"""R006: a value in a whole-number column that is not a whole number (or is too large)."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures, shown

CODE = "R006"
LEVEL = "row"
MESSAGE = "Not a whole number"
FIELDS = fields_of_type("int")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.text is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        spelt = ctx.profile.entities[ctx.entity.name].value_names.get(column)
        extra = f" (or, in {ctx.profile.name} extracts: {', '.join(spelt)})" if spelt else ""
        p = ctx.pair(column)
        detail = pl.format("{} is not a whole number{}", shown(pl.col("text")), pl.lit(extra))
        failures.append(
            row_failures(p, pl.col("text").is_not_null() & pl.col("value").is_null(), column, detail)
        )
    return concat(failures)

"""R001: a required column is empty on a row."""

from __future__ import annotations

import polars as pl

from ingest import schema
from ingest.rules._base import RuleContext, concat, no_failures, row_failures

CODE = "R001"
LEVEL = "row"
MESSAGE = "Required value missing"
FIELDS = tuple(f"{e.name}.{c}" for e in schema.ENTITIES.values() for c in e.required_columns)


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.text is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        p = ctx.pair(column)
        # text null: the cell is empty; value null with text present is another rule's business,
        # except for codes (e.g. themes ";;"), where nothing is left after removing empty parts
        kind = ctx.entity.column(column).type
        mask = pl.col("text").is_null()
        if kind == "codes":
            mask = mask | pl.col("value").is_null()
        failures.append(row_failures(p, mask, column, pl.lit("required value missing")))
    return concat(failures)

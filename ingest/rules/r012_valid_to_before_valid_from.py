"""R012: a worker's spell ends (valid_to) before it starts (valid_from)."""

from __future__ import annotations

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, no_failures, row_failures

CODE = "R012"
LEVEL = "row"
MESSAGE = "valid_to is before valid_from"
FIELDS = ("workers.valid_to", "workers.valid_from")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or len(ctx.columns_checked(FIELDS)) < 2:
        return no_failures()
    df = ctx.typed.select(ROW, "valid_from", "valid_to")
    detail = pl.format(
        "valid_to {} is before valid_from {}",
        pl.col("valid_to").cast(pl.String),
        pl.col("valid_from").cast(pl.String),
    )
    return row_failures(df, pl.col("valid_to") < pl.col("valid_from"), "valid_to", detail)

"""R018: a CSV row with more values than the header has columns (an unquoted comma in a note, or
a shifted row). The row is quarantined rather than loaded with values in the wrong columns."""

from __future__ import annotations

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, no_failures, row_failures

CODE = "R018"
LEVEL = "row"
MESSAGE = "Row has more values than the header has columns"
FIELDS = ("*",)


def check(ctx: RuleContext) -> pl.DataFrame:
    if not ctx.ragged_rows or ctx.headers is None:
        return no_failures()
    df = pl.DataFrame({ROW: ctx.ragged_rows}, schema={ROW: pl.Int64})
    detail = pl.lit(
        f"the row has more values than the {len(ctx.headers)} column headers (an unquoted comma in a value?)"
    )
    return row_failures(df, pl.lit(True), "*", detail)

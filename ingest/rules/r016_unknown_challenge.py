"""R016: a challenge event for a challenge that is not in any challenges extract: neither in the
raw store already nor loaded earlier in the same ingest (challenges load before events)."""

from __future__ import annotations

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, kept_columns, no_failures, row_failures, shown

CODE = "R016"
LEVEL = "row"
MESSAGE = "Event for an unknown challenge (not in any challenges extract loaded)"
FIELDS = ("challenge_events.challenge_id",)

# The whole file at once (the loader streams large files): a lookup table is hashed once per file,
# not once per batch. The loader keeps what ``keep`` returns of each batch and calls ``check`` at the end.
WHOLE_FILE = True


def keep(ctx: RuleContext) -> pl.DataFrame:
    return kept_columns(ctx, "challenge_id") if ctx.columns_checked(FIELDS) else kept_columns(ctx)


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or ctx.lookup is None or not ctx.columns_checked(FIELDS):
        return no_failures()
    known = ctx.lookup("challenges", ()).select(pl.col("challenge_id").alias("_known"))
    df = ctx.typed.select(ROW, pl.col("challenge_id").alias("_id")).filter(pl.col("_id").is_not_null())
    missing = df.join(known, left_on="_id", right_on="_known", how="anti")
    detail = pl.format("challenge {} is not in any challenges extract loaded", shown(pl.col("_id")))
    return row_failures(missing, pl.lit(True), "challenge_id", detail)

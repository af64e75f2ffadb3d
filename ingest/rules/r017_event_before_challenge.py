"""R017: a challenge event dated before its challenge was raised (compared with the latest loaded
version of the challenge)."""

from __future__ import annotations

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, kept_columns, no_failures, row_failures, shown

CODE = "R017"
LEVEL = "row"
MESSAGE = "Event dated before its challenge was raised"
FIELDS = ("challenge_events.event_on",)

# The whole file at once (the loader streams large files): a lookup table is hashed once per file,
# not once per batch. The loader keeps what ``keep`` returns of each batch and calls ``check`` at the end.
WHOLE_FILE = True


def keep(ctx: RuleContext) -> pl.DataFrame:
    return kept_columns(ctx, "challenge_id", "event_on") if ctx.columns_checked(FIELDS) else kept_columns(ctx)


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or ctx.lookup is None or not ctx.columns_checked(FIELDS):
        return no_failures()
    raised = ctx.lookup("challenges", ("raised_on",)).select(
        pl.col("challenge_id").alias("_id"), pl.col("raised_on").alias("_raised_on")
    )
    df = ctx.typed.select(ROW, pl.col("challenge_id").alias("_id"), "event_on").join(
        raised, on="_id", how="inner"
    )
    detail = pl.format(
        "event_on {} is before challenge {} was raised ({})",
        pl.col("event_on").cast(pl.String),
        shown(pl.col("_id")),
        pl.col("_raised_on").cast(pl.String),
    )
    return row_failures(df, pl.col("event_on") < pl.col("_raised_on"), "event_on", detail)

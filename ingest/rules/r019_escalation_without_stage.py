"""R019: an 'escalated' event that does not say which stage it escalated to (stage 1 or above).
Without it the timescales cannot be derived; a bypass is a jump of more than one stage."""

from __future__ import annotations

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, no_failures, row_failures

CODE = "R019"
LEVEL = "row"
MESSAGE = "Escalated event without the stage escalated to (1 or above)"
FIELDS = ("challenge_events.stage",)


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or not ctx.columns_checked(FIELDS):
        return no_failures()
    df = ctx.typed.select(ROW, "event_type", "stage").with_columns(text=ctx.text["stage"])
    # a stage that is present but unreadable is R006's business
    mask = (pl.col("event_type") == "escalated") & pl.col("text").is_null() | (
        (pl.col("event_type") == "escalated") & (pl.col("stage") < 1)
    )
    detail = (
        pl.when(pl.col("stage").is_null())
        .then(pl.lit("an escalated event must give the stage it escalated to"))
        .otherwise(
            pl.format(
                "an escalated event must go to stage 1 or above, not {}", pl.col("stage").cast(pl.String)
            )
        )
    )
    return row_failures(df, mask, "stage", detail)

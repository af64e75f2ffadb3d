"""R013: entry_stage does not fit the route: a Positive Challenge (informal) enters at stage 0,
a Formal Escalation (formal) at stage 1 or above."""

from __future__ import annotations

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, no_failures, row_failures

CODE = "R013"
LEVEL = "row"
MESSAGE = "entry_stage inconsistent with route (informal => 0, formal => 1 or more)"
FIELDS = ("challenges.entry_stage", "challenges.route")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or len(ctx.columns_checked(FIELDS)) < 2:
        return no_failures()
    df = ctx.typed.select(ROW, "route", "entry_stage")
    stage, route = pl.col("entry_stage"), pl.col("route")
    mask = ((route == "informal") & (stage != 0)) | ((route == "formal") & (stage < 1))
    detail = (
        pl.when(route == "informal")
        .then(
            pl.format(
                "entry_stage {} but route is informal (a Positive Challenge is stage 0)",
                stage.cast(pl.String),
            )
        )
        .otherwise(
            pl.format(
                "entry_stage {} but route is formal (a Formal Escalation enters at stage 1 or above)",
                stage.cast(pl.String),
            )
        )
    )
    return row_failures(df, mask, "entry_stage", detail)

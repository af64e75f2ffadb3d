"""R014: a stage number outside 0..9 (no protocol has more stages; Rotherham's CAFCASS stage is 5)."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, concat, no_failures, row_failures

CODE = "R014"
LEVEL = "row"
MESSAGE = "Stage outside 0..9"
FIELDS = ("challenges.entry_stage", "challenge_events.stage")
LOW, HIGH = 0, 9


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        p = ctx.pair(column)
        v = pl.col("value")
        detail = pl.format(
            "stage {} is outside {}..{}", v.cast(pl.String), pl.lit(str(LOW)), pl.lit(str(HIGH))
        )
        failures.append(row_failures(p, (v < LOW) | (v > HIGH), column, detail))
    return concat(failures)

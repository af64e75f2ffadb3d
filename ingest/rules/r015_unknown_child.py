"""R015: a challenge (or QA grade, or good practice) about a child who is not in the children extract: neither in the
raw store already nor loaded earlier in the same ingest (children load before challenges)."""

from __future__ import annotations

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, concat, kept_columns, no_failures, row_failures, shown

CODE = "R015"
LEVEL = "row"
MESSAGE = "Unknown child (not in any children extract loaded)"
FIELDS = ("challenges.child_id", "qa_grades.child_id", "good_practice.child_id")

# The whole file at once (the loader streams large files): a lookup table is hashed once per file,
# not once per batch. The loader keeps what ``keep`` returns of each batch and calls ``check`` at the end.
WHOLE_FILE = True


def keep(ctx: RuleContext) -> pl.DataFrame:
    return kept_columns(ctx, *ctx.columns_checked(FIELDS))


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or ctx.lookup is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        known = ctx.lookup("children", ()).select(pl.col("child_id").alias("_known"))
        df = ctx.typed.select(ROW, pl.col(column).alias("_id")).filter(pl.col("_id").is_not_null())
        missing = df.join(known, left_on="_id", right_on="_known", how="anti")
        detail = pl.format("child {} is not in any children extract loaded", shown(pl.col("_id")))
        failures.append(row_failures(missing, pl.lit(True), column, detail))
    return concat(failures)

"""R021: a challenge raised, or a QA grade given, before the child was born (compared with the
latest loaded version of the child; a child with no date of birth is not checked)."""

from __future__ import annotations

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, concat, kept_columns, no_failures, row_failures, shown

CODE = "R021"
LEVEL = "row"
MESSAGE = "Dated before the child was born"
FIELDS = ("challenges.raised_on", "qa_grades.graded_on")

# The whole file at once (the loader streams large files): a lookup table is hashed once per file,
# not once per batch. The loader keeps what ``keep`` returns of each batch and calls ``check`` at the end.
WHOLE_FILE = True


def keep(ctx: RuleContext) -> pl.DataFrame:
    columns = ctx.columns_checked(FIELDS)
    return kept_columns(ctx, "child_id", *columns) if columns else kept_columns(ctx)


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or ctx.lookup is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        born = ctx.lookup("children", ("date_of_birth",)).select(
            pl.col("child_id").alias("_child"), pl.col("date_of_birth").alias("_born")
        )
        df = (
            ctx.typed.select(ROW, pl.col("child_id").alias("_child"), pl.col(column).alias("_on"))
            .filter(pl.col("_child").is_not_null() & pl.col("_on").is_not_null())
            .join(born.filter(pl.col("_born").is_not_null()), on="_child", how="inner")
        )
        detail = pl.format(
            "{} {} is before child {} was born ({})",
            pl.lit(column),
            pl.col("_on").cast(pl.String),
            shown(pl.col("_child")),
            pl.col("_born").cast(pl.String),
        )
        failures.append(row_failures(df, pl.col("_on") < pl.col("_born"), column, detail))
    return concat(failures)

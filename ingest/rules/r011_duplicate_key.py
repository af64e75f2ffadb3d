"""R011: the same key appears on more than one row of the file. All copies are quarantined: the
file does not say which one is right. (Across files and loads, the latest load wins in dbt.)"""

from __future__ import annotations

import polars as pl

from ingest import schema
from ingest.readers import ROW
from ingest.rules._base import RuleContext, no_failures, row_failures

CODE = "R011"
LEVEL = "row"
MESSAGE = "Duplicate key within the file"
FIELDS = tuple(f"{e.name}.{k}" for e in schema.ENTITIES.values() for k in e.key)

SHOW_ROWS = 5

# The whole file at once: the loader reads a large file in batches, keeps what ``keep`` returns of
# each (the keys and row numbers, a small part of the file) and runs ``check`` on them all at the end.
WHOLE_FILE = True


def keep(ctx: RuleContext) -> pl.DataFrame:
    """What this rule needs of one batch: the row number and key of each row with a whole key."""
    assert ctx.typed is not None and ctx.entity is not None
    key = list(ctx.entity.key)
    return ctx.typed.select(pl.col(ROW), *key).filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or ctx.entity is None:
        return no_failures()
    key = list(ctx.entity.key)
    keyed = ctx.typed.select(pl.col(ROW), *key).filter(
        pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    )
    duplicated = pl.col(key[0]).is_duplicated() if len(key) == 1 else pl.struct(key).is_duplicated()
    keyed = keyed.filter(duplicated)  # hashing pass first; grouping only the few duplicates
    if keyed.height == 0:
        return no_failures()
    groups = (
        keyed.group_by(key).agg(pl.col(ROW).sort().alias("rows"), pl.len().alias("n")).filter(pl.col("n") > 1)
    )
    if groups.height == 0:
        return no_failures()
    shown_key = pl.concat_str(
        [pl.format("{} {}", pl.lit(k), pl.col(k).cast(pl.String)) for k in key], separator=", "
    )
    rows = pl.col("rows").list.head(SHOW_ROWS).cast(pl.List(pl.String)).list.join(", ")
    more = (
        pl.when(pl.col("n") > SHOW_ROWS)
        .then(pl.format(" and {} more", (pl.col("n") - SHOW_ROWS).cast(pl.String)))
        .otherwise(pl.lit(""))
    )
    # The message once per key (not per row: 400,000 rows of one key would each carry a list of
    # 400,000 row numbers), then joined back onto the rows.
    messages = groups.select(
        *key,
        pl.format(
            "{} appears {} times in this file (rows {}{}); none of them is loaded",
            shown_key,
            pl.col("n").cast(pl.String),
            rows,
            more,
        ).alias("_detail"),
    )
    dups = keyed.join(messages, on=key, how="inner", nulls_equal=False).sort(ROW)
    return row_failures(dups, pl.lit(True), ", ".join(key), pl.col("_detail"))

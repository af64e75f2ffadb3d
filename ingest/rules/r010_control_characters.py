"""R010: text containing a control character other than tab and line breaks (NUL, escape, form
feed...). These come from corrupt exports or pasted binary and are never what someone typed."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import (
    CONTROL_CHARS,
    RuleContext,
    concat,
    fields_of_type,
    no_failures,
    row_failures,
    shown,
)

CODE = "R010"
LEVEL = "row"
MESSAGE = "Text contains control characters (other than tab and line breaks)"
FIELDS = fields_of_type("text")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.text is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        p = ctx.pair(column)
        at = pl.col("text").str.find(CONTROL_CHARS)
        detail = pl.format(
            "{} contains a control character at position {} (shown as \ufffd)",
            shown(pl.col("text")),
            (at + 1).cast(pl.String),
        )
        failures.append(row_failures(p, pl.col("text").str.contains(CONTROL_CHARS), column, detail))
    return concat(failures)

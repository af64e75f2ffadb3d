"""R005: a coded value that is not one of the allowed codes (case and spacing are forgiven:
'Requires Improvement' is requires_improvement). The message lists the allowed values, and the
profile's own spellings when it maps them."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures, shown

CODE = "R005"
LEVEL = "row"
MESSAGE = "Value not one of the allowed codes"
FIELDS = fields_of_type("code")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None:
        return no_failures()
    failures = []
    for column in ctx.columns_checked(FIELDS):
        allowed = ctx.entity.column(column).allowed
        expected = ", ".join(allowed)
        spelt = ctx.profile.entities[ctx.entity.name].value_names.get(column)
        if spelt:
            expected += f" (or, in {ctx.profile.name} extracts: {', '.join(spelt)})"
        p = ctx.pair(column)
        mask = pl.col("value").is_not_null() & ~pl.col("value").is_in(list(allowed))
        detail = pl.format("{} is not one of {}", shown(pl.col("text")), pl.lit(expected))
        failures.append(row_failures(p, mask, column, detail))
    return concat(failures)

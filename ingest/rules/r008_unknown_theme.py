"""R008: a theme code that is not in the taxonomy (dbt_project/seeds/themes.csv; for good practice,
its list dbt_project/seeds/good_practice_themes.csv). Codes are matched case-insensitively, and a
theme's label is accepted for its code."""

from __future__ import annotations

import difflib

import polars as pl

from ingest.readers import ROW
from ingest.rules._base import RuleContext, concat, fields_of_type, no_failures, row_failures
from ingest.themes import GOOD_PRACTICE_THEMES_SEED, good_practice_codes

CODE = "R008"
LEVEL = "row"
MESSAGE = "Unknown theme code (not in dbt_project/seeds/themes.csv)"
FIELDS = fields_of_type("codes")


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.typed is None or not ctx.themes:
        return no_failures()
    known = sorted(ctx.themes)
    failures = []
    for column in ctx.columns_checked(FIELDS):
        seed = "dbt_project/seeds/themes.csv"
        if ctx.entity.name == "good_practice":
            allowed, seed = (
                sorted(good_practice_codes()),
                f"dbt_project/seeds/{GOOD_PRACTICE_THEMES_SEED.name}",
            )
        else:
            allowed = list(ctx.entity.column(column).allowed) or known
        unknown = (
            ctx.typed.select(pl.col(ROW), pl.col(column).str.split(";").alias("code"))
            .explode("code")
            .filter(pl.col("code").is_not_null() & ~pl.col("code").is_in(allowed))
        )
        if unknown.height == 0:
            continue
        # suggestions per distinct unknown code (a handful), not per row
        hint = {}
        for code in unknown["code"].unique().to_list():
            close = difflib.get_close_matches(code, allowed, n=1, cutoff=0.6)
            hint[code] = f"'{code}' (did you mean {close[0]}?)" if close else f"'{code}'"
        per_row = (
            unknown.with_columns(pl.col("code").replace_strict(hint, return_dtype=pl.String).alias("shown"))
            .group_by(ROW, maintain_order=True)
            .agg(pl.col("shown").str.join(", "), pl.len().alias("n"))
        )
        detail = pl.format(
            "unknown theme code {}; the codes are in {} ({} codes)",
            pl.col("shown"),
            pl.lit(seed),
            pl.lit(str(len(allowed))),
        )
        failures.append(row_failures(per_row, pl.lit(True), column, detail))
    return concat(failures)

"""F005: a required column of the entity is not in the file (and the profile gives no default).
The message names the column, how the profile spells it, and near-miss headers in the file."""

from __future__ import annotations

import polars as pl

from ingest import schema
from ingest.rules._base import RuleContext, concat, file_failure, no_failures, shown_text

CODE = "F005"
LEVEL = "file"
MESSAGE = "Missing required column"
FIELDS = tuple(f"{e.name}.{c}" for e in schema.ENTITIES.values() for c in e.required_columns)
GATE = False


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.read_error or ctx.entity is None or not ctx.headers or ctx.header_map is None:
        return no_failures()
    mapping = ctx.profile.entities[ctx.entity.name]
    present = ctx.header_map.present()
    headers = [h for h in ctx.headers if h]
    failures = []
    for column in ctx.columns_checked(FIELDS):
        if column in present or column in mapping.defaults:
            continue
        names = [column, *mapping.source_names.get(column, ())]
        msg = f"{ctx.file_name} ({ctx.entity.name}) has no column {' or '.join(shown_text(n) for n in names)}"
        near = ctx.profile.near_misses(ctx.entity.name, column, headers)
        if near:
            msg += f"; near misses in the file: {', '.join(shown_text(h) for h in near)}"
        failures.append(file_failure(msg, column))
    return concat(failures)

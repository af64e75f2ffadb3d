"""F002: the file has no header row, or a header row but no data rows. An empty extract usually
means the export failed, so it is rejected rather than loaded as 'nothing happened'."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, file_failure, no_failures

CODE = "F002"
LEVEL = "file"
MESSAGE = "Empty file: no header row, or no data rows under it"
FIELDS = ("*",)
GATE = True


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.read_error or ctx.headers is None:
        return no_failures()
    if not any(h for h in ctx.headers):
        return file_failure(f"{ctx.file_name} is empty: it has no header row and no data")
    if ctx.rows == 0:
        return file_failure(f"{ctx.file_name} has a header row but no data rows")
    return no_failures()

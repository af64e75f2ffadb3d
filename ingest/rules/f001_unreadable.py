"""F001: the file cannot be read at all (not UTF-8 CSV, not a real .xlsx, corrupt, unsupported
type, missing). The reader records why; this rule turns it into the file's rejection."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, file_failure, no_failures

CODE = "F001"
LEVEL = "file"
MESSAGE = "File cannot be read (not UTF-8 CSV, not a real .xlsx workbook, corrupt, or not a .csv/.xlsx file)"
FIELDS = ("*",)
GATE = True  # later file rules are not run when this one fails


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.read_error:
        return file_failure(ctx.read_error)
    return no_failures()

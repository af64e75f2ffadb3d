"""F003: the entity a file holds cannot be identified from its sheet name or file name."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, file_failure, no_failures

CODE = "F003"
LEVEL = "file"
MESSAGE = "Unrecognised file: its name (or sheet name) does not say which extract it is"
FIELDS = ("*",)
GATE = True


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.read_error or ctx.entity is not None:
        return no_failures()
    expected = "; ".join(f"{ent}: {', '.join(names)}" for ent, names in ctx.expected.items())
    return file_failure(
        f"cannot tell which extract {ctx.file_name} is from its name (profile {ctx.profile.name}); "
        f"name the file or sheet after one of these (a date suffix such as _2024-03-31 is fine): {expected}"
    )

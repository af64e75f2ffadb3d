"""R002: a date that cannot be read (not 2017-07-31 or 31/07/2017) or does not exist (31/02/2017)."""

from __future__ import annotations

import polars as pl

from ingest.parse import DATE_FORMS
from ingest.rules._base import RuleContext, fields_of_type, unreadable_temporal

CODE = "R002"
LEVEL = "row"
MESSAGE = "Date not valid: unreadable, or not a real date"
FIELDS = fields_of_type("date")


def check(ctx: RuleContext) -> pl.DataFrame:
    return unreadable_temporal(ctx, FIELDS, DATE_FORMS, "date")

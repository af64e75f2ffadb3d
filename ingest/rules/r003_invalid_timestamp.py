"""R003: a date and time that cannot be read or does not exist (31/02/2017 25:00)."""

from __future__ import annotations

import polars as pl

from ingest.parse import TIMESTAMP_FORMS
from ingest.rules._base import RuleContext, fields_of_type, unreadable_temporal

CODE = "R003"
LEVEL = "row"
MESSAGE = "Date and time not valid: unreadable, or not a real date/time"
FIELDS = fields_of_type("timestamp")


def check(ctx: RuleContext) -> pl.DataFrame:
    return unreadable_temporal(ctx, FIELDS, TIMESTAMP_FORMS, "date and time")

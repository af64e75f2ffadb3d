"""What every rule gets (:class:`RuleContext`) and returns (a failures frame), and small helpers.

A rule module defines::

    CODE = "R002"                  # F... file rules, R... row rules
    LEVEL = "row"                  # "file": the whole file is rejected; "row": the row is quarantined
    MESSAGE = "Date not valid"     # what the rule checks, for the rules table in docs/ingest.md
    FIELDS = ("children.date_of_birth", ...)   # entity.column it checks ("*" for a whole file)
    def check(ctx: RuleContext) -> pl.DataFrame  # the failures, see FAILURE_SCHEMA

A row rule's failures carry the data row number and column, and a message that names them both
and the offending value, e.g. ``row 14, date_of_birth: '31/02/2017' is not a real date``.
A file rule's failures carry no row number. Checks are vectorised polars expressions over the whole
file: no Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from ingest import schema
from ingest.parse import date_shape
from ingest.profiles import HeaderMap, Profile
from ingest.readers import ROW

FAILURE_SCHEMA = {"row_number": pl.Int64, "column_name": pl.String, "message": pl.String}

# Control characters other than tab, newline and carriage return (CR is allowed so that text
# typed on Windows with CR LF line ends is kept as typed); includes NUL, DEL and the C1 range.
CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
_ANY_CONTROL = r"[\x00-\x1F\x7F-\x9F]"


@dataclass
class RuleContext:
    """Everything a rule may look at for one file (or sheet)."""

    file_name: str
    profile: Profile
    load_date: date
    entity: schema.Entity | None = None
    read_error: str | None = None  # why the file could not be read at all
    headers: list[str | None] | None = None  # the header row as typed (None: unreadable)
    header_map: HeaderMap | None = None
    rows: int = 0  # non-blank data rows
    ragged_rows: list[int] = field(default_factory=list)
    expected: dict[str, tuple[str, ...]] = field(default_factory=dict)  # entity -> accepted names
    text: pl.DataFrame | None = None  # canonical columns as text, with _source_row
    typed: pl.DataFrame | None = None  # canonical columns parsed, with _source_row
    themes: frozenset[str] = frozenset()
    # lookup(entity, columns) -> the latest known row per key of ``entity`` (raw store plus what
    # this ingest call has already loaded), with the key and ``columns``.
    lookup: Callable[[str, tuple[str, ...]], pl.DataFrame] | None = None

    def columns_checked(self, fields: Iterable[str]) -> list[str]:
        """The columns of this file's entity among a rule's FIELDS ("entity.column")."""
        if self.entity is None:
            return []
        prefix = self.entity.name + "."
        return [f[len(prefix) :] for f in fields if f.startswith(prefix)]

    def pair(self, column: str) -> pl.DataFrame:
        """``_source_row``, ``text`` (as typed) and ``value`` (parsed) for one column."""
        assert self.text is not None and self.typed is not None
        return pl.DataFrame({ROW: self.text[ROW], "text": self.text[column], "value": self.typed[column]})


def kept_columns(ctx: RuleContext, *columns: str) -> pl.DataFrame:
    """For a rule that sees the whole file (``WHOLE_FILE``): ``_source_row`` and the given columns of
    this batch's parsed rows, or no rows at all when the file's entity has none of them."""
    assert ctx.typed is not None
    have = [c for c in columns if c in ctx.typed.columns]
    return ctx.typed.select(ROW, *have) if have else ctx.typed.select(ROW).clear()


def fields_of_type(*types: str, required: bool | None = None) -> tuple[str, ...]:
    """Every ``entity.column`` in the schema of the given types (to build a rule's FIELDS)."""
    return tuple(
        f"{e.name}.{c.name}"
        for e in schema.ENTITIES.values()
        for c in e.columns
        if c.type in types and (required is None or c.required == required)
    )


def no_failures() -> pl.DataFrame:
    return pl.DataFrame(schema=FAILURE_SCHEMA)


def file_failure(message: str, column: str | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {"row_number": [None], "column_name": [column], "message": [message]}, schema=FAILURE_SCHEMA
    )


def shown(e: pl.Expr, limit: int = 60) -> pl.Expr:
    """A value as a person should see it in a message: quoted, control characters shown as '�',
    long values cut short with their length. (The stored raw_record keeps the exact value.)"""
    s = e.cast(pl.String).str.replace_all(_ANY_CONTROL, "\ufffd")
    n = s.str.len_chars()
    return (
        pl.when(n > limit)
        .then(pl.format("'{}…' ({} characters)", s.str.slice(0, limit), n.cast(pl.String)))
        .otherwise(pl.format("'{}'", s))
    )


def shown_text(value: str, limit: int = 60) -> str:
    """:func:`shown` for one Python string (file-level messages)."""
    import re

    s = re.sub(_ANY_CONTROL, "\ufffd", value)
    return f"'{s[:limit]}…' ({len(s)} characters)" if len(s) > limit else f"'{s}'"


def row_failures(frame: pl.DataFrame, mask: pl.Expr, column: str | pl.Expr, detail: pl.Expr) -> pl.DataFrame:
    """Failures for the rows of ``frame`` where ``mask`` holds: the message is
    ``row N, <column>: <detail>``. ``frame`` must have ``_source_row``."""
    col = pl.lit(column) if isinstance(column, str) else column
    # The mask is made a column before filtering: polars' eager filter on a bare literal predicate
    # (``pl.lit(True)``) raised ShapeError for frames of more than 100,000 rows (issue 10).
    keep = frame.with_columns(mask.fill_null(False).alias("_keep"))
    return keep.filter(pl.col("_keep")).select(
        pl.col(ROW).cast(pl.Int64).alias("row_number"),
        col.cast(pl.String).alias("column_name"),
        pl.format("row {}, {}: {}", pl.col(ROW), col, detail.fill_null("")).alias("message"),
    )


def concat(frames: Iterable[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    return pl.concat(frames, how="vertical") if frames else no_failures()


def unreadable_temporal(ctx: RuleContext, fields: tuple[str, ...], forms: str, noun: str) -> pl.DataFrame:
    """Rows whose date (or date and time) column has text that did not parse. ``noun`` names the
    type in the message ("date", "date and time"); ``forms`` lists the accepted forms.

    Text shaped like a date that still failed is "not a real <noun>" (31/02/2017); anything else is
    "not a <noun> (expected <forms>)". Shared by R002 (dates) and R003 (timestamps)."""
    if ctx.text is None:
        return no_failures()
    forms = forms + "".join(f" or {f}" for f in ctx.profile.date_formats)
    failures = []
    for column in ctx.columns_checked(fields):
        p = ctx.pair(column)
        detail = (
            pl.when(date_shape(pl.col("text")))
            .then(pl.format(f"{{}} is not a real {noun}", shown(pl.col("text"))))
            .otherwise(
                pl.format(f"{{}} is not a {noun} (expected {{}})", shown(pl.col("text")), pl.lit(forms))
            )
        )
        failures.append(
            row_failures(p, pl.col("text").is_not_null() & pl.col("value").is_null(), column, detail)
        )
    return concat(failures)

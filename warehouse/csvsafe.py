"""CSV that is safe to open in a spreadsheet: the one place IRO QA writes CSV for people.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``,
``@SUM(...)``). Team and worker names, notes and reasons come from extracts and forms, so every CSV
IRO QA writes goes through :func:`neutralise_frame` or :func:`neutralise`, which prefix such a cell
with a single quote, as OWASP advises ("CSV Injection"). The quote shows in the cell; the value
is otherwise unchanged.

Only text is touched. Numeric columns stay numbers (``-3`` in an integer column is written as
``-3``), and a text cell that is exactly a number (``-3``, ``+1.5``: a suppressed count column is
text) is left alone, since a spreadsheet reads it as that number and runs nothing.

Who calls it: the dashboard's CSV downloads (``dashboard.ui.to_csv_bytes``), ``iroqa query``,
``iroqa audit export`` and the ingest rejection reports (``reports/*.csv``). A test
(``tests/test_csv_safe.py``) fails if code anywhere writes CSV without it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import polars as pl

#: Characters that make a spreadsheet treat a cell as a formula when they start it.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_RE = r"^[=+\-@\t\r]"
_NUMBER_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_number = re.compile(_NUMBER_RE)


def neutralise(value: object) -> object:
    """One cell: text that a spreadsheet would run as a formula gets a leading ``'``; anything
    else (numbers, dates, None, harmless text, text that is exactly a number) is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _number.match(value):
        return "'" + value
    return value


def neutralise_expr(e: pl.Expr) -> pl.Expr:
    """:func:`neutralise` for a text column, in polars."""
    risky = e.str.contains(_FORMULA_RE) & ~e.str.contains(_NUMBER_RE)
    return pl.when(risky).then(pl.lit("'") + e).otherwise(e)


def neutralise_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Every text cell of ``df`` neutralised; lists are joined with ``'; '`` first (so their items
    are text too), categorical text is treated as text, other columns are unchanged."""
    out = df.with_columns(
        pl.col(c).cast(pl.List(pl.String)).list.join("; ")
        for c, t in df.schema.items()
        if isinstance(t, pl.List)
    )
    out = out.with_columns(
        pl.col(c).cast(pl.String) for c, t in out.schema.items() if isinstance(t, pl.Categorical | pl.Enum)
    )
    names = [c for c, t in out.schema.items() if t == pl.String]
    out = out.with_columns(neutralise_expr(pl.col(c)).alias(c) for c in names)
    return out.rename({c: str(neutralise(c)) for c in out.columns if neutralise(c) != c})


def csv_bytes(df: pl.DataFrame, *, bom: bool = True) -> bytes:
    """``df`` as CSV, text neutralised; with a UTF-8 byte-order mark (so Excel reads the characters
    right) unless ``bom`` is False."""
    buf = io.BytesIO()
    neutralise_frame(df).write_csv(buf)
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue()


def write_csv(df: pl.DataFrame, target: str | Path | IO[str], *, bom: bool = False) -> None:
    """Write ``df`` as neutralised CSV to a path or a text stream (standard output)."""
    if isinstance(target, str | Path):
        Path(target).write_bytes(csv_bytes(df, bom=bom))
    else:
        target.write(csv_bytes(df, bom=False).decode("utf-8"))


def neutralise_row(row: tuple | list) -> list:
    """One row of values: each cell through :func:`neutralise`."""
    return [neutralise(v) for v in row]


def write_rows(stream: IO[str], header: Sequence[str], batches: Iterable[Sequence[Sequence]]) -> None:
    """Stream rows as neutralised CSV (``iroqa query``: batches of rows from a cursor, so a large
    result never sits in memory)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(neutralise_row(list(header)))
    for rows in batches:
        writer.writerows(neutralise_row(r) for r in rows)

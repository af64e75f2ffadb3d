"""Small-number suppression, primary and secondary: the one function behind every suppressed figure.

A count from 1 to ``threshold - 1`` (``IROQA_SUPPRESS_BELOW``, default 5) could single a child out, so
it is shown as ``"<5"`` (primary suppression). That is not enough where a total is published beside
the cells it adds up: the total minus the other cells gives the hidden one back. So, for every group
of cells that adds up to a published total (a row with its total column, a column with its total
row), a group must never hold exactly one hidden figure: if it does, the smallest other non-zero
cell of the group is hidden too, or the total itself if there is none, and this repeats until no
group has exactly one (secondary suppression). A published total can then only give back the sum of
two or more hidden cells.

:func:`suppression_mask` decides which cells to hide; :func:`suppress_table` shows them as the marker
(the count columns become text). Everything that shows a figure to a role that sees aggregates only
(cards, charts, tables, totals, exports) takes its numbers through these, so a chart never draws a
bar a table hides: see ``dashboard.ui`` and docs/access.md.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

DEFAULT_SUPPRESS_BELOW = 5


def suppress_threshold() -> int:
    """``IROQA_SUPPRESS_BELOW`` (default 5): counts from 1 to threshold-1 are suppressed. 1 turns
    suppression off. A value that is not a whole number >= 1 is a configuration error (we refuse to
    guess, and never silently stop suppressing)."""
    raw = os.environ.get("IROQA_SUPPRESS_BELOW", "").strip()
    if not raw:
        return DEFAULT_SUPPRESS_BELOW
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"IROQA_SUPPRESS_BELOW must be a whole number >= 1, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"IROQA_SUPPRESS_BELOW must be a whole number >= 1, not {raw!r}")
    return value


def threshold() -> int:
    return suppress_threshold()


def marker(t: int | None = None) -> str:
    return f"<{threshold() if t is None else t}"


def is_small(value: object, t: int) -> bool:
    """A count that primary suppression hides: 1 to ``t - 1``."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < t


@dataclass(frozen=True)
class Totals:
    """Which figures of a table are totals of others. ``row_total``: a count column that is the sum
    of the table's other count columns on each row. ``total_rows``: a boolean per row, True for a
    row whose counts are the sums of the other rows' (a "Total" row)."""

    row_total: str | None = None
    total_rows: tuple[bool, ...] | None = None


def suppression_mask(
    df: pl.DataFrame, count_columns: Sequence[str], totals: Totals | None = None, t: int | None = None
) -> dict[str, list[bool]]:
    """For each count column, which of its cells to hide (primary and secondary, see the module)."""
    t = threshold() if t is None else int(t)
    if t < 1:
        raise ValueError("threshold must be >= 1")
    missing = [c for c in count_columns if c not in df.columns]
    if missing:
        raise KeyError(f"no such count column(s): {', '.join(missing)}")
    cols = list(count_columns)
    values = {c: df[c].to_list() for c in cols}
    hide = {c: [is_small(v, t) for v in values[c]] for c in cols}
    if t <= 1 or totals is None:
        return hide
    n = df.height
    groups: list[tuple[list[tuple[str, int]], tuple[str, int] | None]] = []
    parts = [c for c in cols if c != totals.row_total]
    total_rows = list(totals.total_rows or [False] * n)
    if totals.row_total in values:
        for i in range(n):
            groups.append(([(c, i) for c in parts], (totals.row_total, i)))
    if any(total_rows):
        body = [i for i in range(n) if not total_rows[i]]
        for i in (i for i in range(n) if total_rows[i]):
            for c in cols:
                groups.append(([(c, r) for r in body], (c, i)))

    def value(cell: tuple[str, int]) -> float:
        v = values[cell[0]][cell[1]]
        return v if isinstance(v, int | float) and not isinstance(v, bool) else 0

    changed = True
    while changed:
        changed = False
        for cells, total in groups:
            members = cells + ([total] if total else [])
            hidden = [m for m in members if hide[m[0]][m[1]]]
            if len(hidden) != 1:
                continue
            candidates = sorted((m for m in cells if not hide[m[0]][m[1]] and value(m) > 0), key=value)
            pick = candidates[0] if candidates else total
            if pick is not None and not hide[pick[0]][pick[1]]:
                hide[pick[0]][pick[1]] = True
                changed = True
    return hide


def suppress_table(
    df: pl.DataFrame,
    count_columns: Sequence[str],
    totals: Totals | None = None,
    t: int | None = None,
    mark: str | None = None,
) -> pl.DataFrame:
    """``df`` with the hidden counts (:func:`suppression_mask`) shown as ``mark`` (default
    ``"<threshold"``); the count columns become text (a whole number or the marker), nulls stay
    null, other columns are untouched."""
    t = threshold() if t is None else int(t)
    mark = marker(t) if mark is None else mark
    hide = suppression_mask(df, count_columns, totals, t)
    out = []
    for c in count_columns:
        vals = df[c].to_list()
        out.append(
            pl.Series(
                c,
                [
                    None if v is None else (mark if h else str(int(v)))
                    for v, h in zip(vals, hide[c], strict=True)
                ],
                dtype=pl.String,
            )
        )
    return df.with_columns(out) if out else df


def hide_in_long(
    long: pl.DataFrame,
    *,
    row: str,
    column: str,
    value: str,
    rows: Sequence | None = None,
    total_row: bool = True,
    t: int | None = None,
) -> pl.DataFrame:
    """The cells of a long table (one row per ``row`` x ``column``, e.g. month x stage) that a chart
    may draw, for a role that sees aggregates only: the table is laid out wide with a total column and
    (if ``total_row``) a total row, as the pages publish it, suppressed as above, and hidden cells are
    left out. A chart drawn from this shows exactly the figures its table shows."""
    if long.is_empty():
        return long
    keys = list(rows) if rows is not None else long[row].unique(maintain_order=True).to_list()
    cols = long[column].unique(maintain_order=True).to_list()
    wide = (
        pl.DataFrame({row: keys}, schema={row: long.schema[row]})
        .join(long.pivot(on=column, index=row, values=value, aggregate_function="sum"), on=row, how="left")
        .with_columns(pl.col(str(c)).fill_null(0) for c in cols)
    )
    names = [str(c) for c in cols]
    wide = wide.with_columns(pl.sum_horizontal(names).alias("__total"))
    full = wide.drop(row)
    if total_row:
        full = pl.concat([full, full.select(pl.all().sum())], how="vertical_relaxed")
    flags = (False,) * wide.height + ((True,) if total_row else ())
    hide = suppression_mask(full, [*names, "__total"], Totals(row_total="__total", total_rows=flags), t)
    hidden = {(keys[i], c) for c in names for i in range(wide.height) if hide[c][i]}
    if not hidden:
        return long
    keep = [
        (r, str(c)) not in hidden for r, c in zip(long[row].to_list(), long[column].to_list(), strict=True)
    ]
    return long.filter(pl.Series(keep))

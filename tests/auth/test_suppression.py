"""Small-number suppression with secondary suppression: the one function (accounts.suppression),
checked on its own. Every page is checked in tests/dashboard/test_suppressed_pages.py."""

from __future__ import annotations

import random

import polars as pl
import pytest

from accounts.access import suppress_small_counts
from accounts.suppression import Totals, hide_in_long, suppress_table, suppression_mask


def _groups(df: pl.DataFrame, cols: list[str], totals: Totals) -> list[list[tuple[str, int]]]:
    out = []
    parts = [c for c in cols if c != totals.row_total]
    if totals.row_total:
        out += [[(c, i) for c in [*parts, totals.row_total]] for i in range(df.height)]
    flags = list(totals.total_rows or [])
    if any(flags):
        body = [i for i, f in enumerate(flags) if not f]
        for t in (i for i, f in enumerate(flags) if f):
            out += [[(c, r) for r in [*body, t]] for c in cols]
    return out


def test_primary_only_without_totals():
    df = pl.DataFrame({"name": ["a", "b", "c"], "n": [0, 3, 12]})
    assert suppress_table(df, ["n"], t=5)["n"].to_list() == ["0", "<5", "12"]
    assert suppress_small_counts(df, ["n"], threshold=5)["n"].to_list() == ["0", "<5", "12"]  # one function


def test_a_row_total_cannot_give_a_hidden_cell_back():
    # Stage 1: 1 and a total of 20 beside 12 and 7: 20 - 12 - 7 = 1 without secondary suppression
    df = pl.DataFrame({"s1": [1], "s2": [12], "s3": [7], "all": [20]})
    out = suppress_table(df, ["s1", "s2", "s3", "all"], Totals(row_total="all"), t=5)
    assert out.row(0) == ("<5", "12", "<5", "20")  # the smallest other cell is hidden too


def test_a_total_row_cannot_give_a_hidden_cell_back():
    df = pl.DataFrame({"m": ["Jan", "Feb", "Mar", "Total"], "n": [3, 9, 8, 20]})
    out = suppress_table(df, ["n"], Totals(total_rows=(False, False, False, True)), t=5)
    assert out["n"].to_list() == ["<5", "9", "<5", "20"]


def test_the_total_is_hidden_when_nothing_else_can_be():
    df = pl.DataFrame({"a": [2], "b": [0], "all": [2]})
    out = suppress_table(df, ["a", "b", "all"], Totals(row_total="all"), t=5)
    assert out.row(0) == ("<5", "0", "<5")


def test_threshold_one_turns_it_off_and_bad_thresholds_are_refused():
    df = pl.DataFrame({"a": [1], "all": [1]})
    assert suppress_table(df, ["a", "all"], Totals(row_total="all"), t=1).row(0) == ("1", "1")
    with pytest.raises(ValueError):
        suppression_mask(df, ["a"], t=0)
    with pytest.raises(KeyError):
        suppression_mask(df, ["nope"], t=5)


@pytest.mark.parametrize("seed", range(40))
def test_no_group_ever_has_exactly_one_hidden_cell(seed):
    """Random tables with a total column and a total row: after suppression every row and every
    column (with its total) has none or at least two hidden figures, and every count from 1 to 4 is
    hidden."""
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 8), rng.randint(1, 6)
    names = [f"c{j}" for j in range(cols)]
    body = [[rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30]) for _ in names] for _ in range(rows)]
    data = {c: [r[j] for r in body] for j, c in enumerate(names)}
    df = pl.DataFrame(data).with_columns(pl.sum_horizontal(names).alias("all"))
    df = pl.concat([df, df.select(pl.all().sum())])
    totals = Totals(row_total="all", total_rows=(False,) * rows + (True,))
    hide = suppression_mask(df, [*names, "all"], totals, t=5)
    for c in [*names, "all"]:
        for i, v in enumerate(df[c]):
            if 1 <= v < 5:
                assert hide[c][i]
    for group in _groups(df, [*names, "all"], totals):
        assert sum(hide[c][i] for c, i in group) != 1, group


def test_a_chart_draws_exactly_the_cells_its_table_shows():
    long = pl.DataFrame(
        {
            "month": ["Jan", "Jan", "Jan", "Feb", "Feb", "Feb"],
            "stage": ["s1", "s2", "s3", "s1", "s2", "s3"],
            "entries": [1, 12, 7, 6, 9, 8],
        }
    )
    drawn = hide_in_long(long, row="month", column="stage", value="entries", t=5)
    wide = long.pivot(on="stage", index="month", values="entries").with_columns(
        pl.sum_horizontal("s1", "s2", "s3").alias("all")
    )
    wide = pl.concat([wide, wide.select(pl.lit("Total").alias("month"), pl.exclude("month").sum())])
    table = suppress_table(wide, ["s1", "s2", "s3", "all"], Totals("all", (False, False, True)), t=5)
    shown = {
        (m, s)
        for m, *vals in table.select("month", "s1", "s2", "s3").iter_rows()
        for s, v in zip(["s1", "s2", "s3"], vals, strict=True)
        if v != "<5"
    }
    assert set(zip(drawn["month"], drawn["stage"], strict=True)) == {x for x in shown if x[0] != "Total"}
    assert ("Jan", "s1") not in shown and ("Jan", "s3") not in shown  # 1, and 7 hidden beside it

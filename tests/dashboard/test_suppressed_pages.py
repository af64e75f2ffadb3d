"""Suppression is consistent (issue 10): for the roles that see aggregates only (analyst, admin),
no figure from 1 to 4 shows anywhere on any page they may open (cards, their changes and help,
tables, totals, charts, downloads), and no total gives a hidden figure back.

Run on the tiny demo warehouse (``hostile_warehouse``: a few dozen challenges, so small counts are
everywhere). The reproduction from the issue: the Overview's "Stage 1: 1" and "Overdue now 1" cards,
the Monthly chart's exact bars under a table showing "<5", exact totals beside hidden cells.
"""

from __future__ import annotations

import csv
import io
import re

import polars as pl
import pytest
from streamlit.delta_generator import DeltaGenerator

from dashboard import ui
from tests.dashboard.conftest import assert_ok, ensure_user, open_page

PAGES = ("overview", "monthly", "themes", "teams")
MARK = "<5"
SMALL = {1, 2, 3, 4}
#: chart fields that hold counts (the others are positions, orders and labels)
COUNT_FIELDS = {"entries", "challenges"}
#: table columns that are not counts of children or challenges
NOT_COUNTS = {"% in time", "Median working days to resolve", "Most working days overdue"}
TOTAL_LABELS = {"Total", "All themes", "All teams shown", "All"}


@pytest.fixture(scope="module")
def tiny(hostile_warehouse):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IROQA_HOME", str(hostile_warehouse.home))
        mp.setenv("IROQA_SUPPRESS_BELOW", "5")
        for role in ("analyst", "admin", "leadership"):
            ensure_user(f"s-{role}", role=role)
        yield hostile_warehouse


def _open(page: str, role: str, monkeypatch):
    charts, downloads = [], []
    real_chart = ui.chart

    def chart_spy(build, *a, key=None, **k):
        charts.append(build(*a, **k).to_dict())
        return real_chart(build, *a, key=key, **k)

    original = DeltaGenerator.download_button

    def download_spy(self, label, data, *a, **k):
        downloads.append((data, k.get("file_name") or ""))
        return original(self, label, data, *a, **k)

    monkeypatch.setattr(ui, "chart", chart_spy)
    monkeypatch.setattr(DeltaGenerator, "download_button", download_spy)
    at = open_page(page, user=f"s-{role}")
    assert_ok(at)
    return at, charts, downloads


def _int(text: object) -> int | None:
    s = str(text).replace(",", "").strip()
    return int(s) if re.fullmatch(r"-?\d+", s) else None


def _chart_counts(spec: dict) -> list[tuple[str, int]]:
    out = []
    for rows in spec.get("datasets", {}).values():
        for r in rows:
            out += [(k, v) for k, v in r.items() if k in COUNT_FIELDS and isinstance(v, int)]
    return out


def _check_table(df: pl.DataFrame, where: str) -> None:
    counts = [c for c in df.columns if c not in NOT_COUNTS and c != df.columns[0]]
    label = df.columns[0]
    for c in counts:
        for v in df[c].to_list():
            assert _int(v) not in SMALL, f"{where}: {c} shows {v}"
    # secondary: with a total row, no column has exactly one hidden figure; with a total column
    # ("All stages", "Total"), no row has exactly one
    total_rows = [str(v) in TOTAL_LABELS for v in df[label].to_list()]
    if any(total_rows):
        for c in counts:
            hidden = [str(v) == MARK for v in df[c].to_list()]
            assert sum(hidden) != 1, f"{where}: column {c} has one hidden figure beside its total"
    for total_col in ("All stages", "Total"):
        if total_col in df.columns:
            for i in range(df.height):
                hidden = sum(str(df[c][i]) == MARK for c in counts)
                assert hidden != 1, f"{where}: row {i} has one hidden figure beside its total"


@pytest.mark.parametrize("role", ["analyst", "admin"])
@pytest.mark.parametrize("page", PAGES)
def test_no_small_figure_anywhere_for_aggregate_only_roles(tiny, page, role, monkeypatch):
    at, charts, downloads = _open(page, role, monkeypatch)
    where = f"{role} on {page}"
    for m in at.metric:
        assert _int(m.value) not in SMALL, f"{where}: card {m.label} shows {m.value}"
        if m.value == MARK:
            assert m.delta in (None, ""), f"{where}: card {m.label} gives its change beside a hidden figure"
        helps = re.sub(r"\d{1,2} \w{3,9} \d{4}|1 \w+ to|\d+ working days|20-day", "", str(m.proto.help or ""))
        for n in re.findall(r"(?<![\w<])\d+(?![\w%])", helps):
            assert int(n) not in SMALL, f"{where}: card {m.label}'s help gives {n}: {m.proto.help}"
    for i, d in enumerate(at.dataframe):
        _check_table(pl.from_pandas(d.value), f"{where}, table {i}")
    for spec in charts:
        for field, v in _chart_counts(spec):
            assert v not in SMALL, f"{where}: a chart draws {field}={v}"
    for make, name in downloads:
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(make().decode("utf-8-sig"))))
            df = pl.DataFrame(rows[1:], schema=rows[0], orient="row")
            _check_table(df, f"{where}, {name}")


def test_the_issues_reproduction_is_suppressed(tiny, monkeypatch):
    """Before: analysts saw exact small cards, exact bars under "<5", totals giving cells back. Now
    the same figures show as "<5" for them, and exactly for leadership (who sees children's cases)."""
    at, _, _ = _open("overview", "analyst", monkeypatch)
    cards = {m.label: m.value for m in at.metric}
    lead, _, _ = _open("overview", "leadership", monkeypatch)
    exact = {m.label: m.value for m in lead.metric}
    small = [k for k, v in exact.items() if _int(v) in SMALL]
    assert small, "the tiny warehouse should have small figures on the Overview"
    for k in small:
        assert cards[k] == MARK
    # the Monthly chart draws no bar the table hides
    at, charts, _ = _open("monthly", "analyst", monkeypatch)
    table = pl.from_pandas(at.dataframe[0].value)
    assert (table.drop("Month") == MARK).sum_horizontal().sum() > 0
    hidden = {
        (m, c)
        for m, *vals in table.iter_rows()
        for c, v in zip(table.columns[1:], vals, strict=True)
        if v == MARK and m != "Total"
    }
    drawn = set()
    for spec in charts:
        for rows in spec.get("datasets", {}).values():
            for r in rows:
                if "entries" in r and "month" in r:
                    drawn.add((str(r["month"])[:7], r.get("stage_label")))
    months = {m: pl.Series([m]).str.strptime(pl.Date, "%b %Y")[0].isoformat()[:7] for m, _ in hidden}
    for m, c in hidden:
        assert (months[m], c) not in drawn, f"the chart draws {m} {c}, which the table hides"

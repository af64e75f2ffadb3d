"""Charts go to the page as their Vega-Lite spec made without altair's JSON-schema check on every run
(dashboard.ui.vega_lite_spec): the spec is the one altair makes, valid Vega-Lite, without altair's
default 300x300 view (Streamlit drops it too)."""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboard import ui
from reports import charts


def test_the_spec_is_altairs_valid_and_without_the_default_view():
    df = pl.DataFrame({"label": ["Team A", "Team B"], "pct": [80.0, 91.0]})
    chart = charts.style(
        charts.bar_by_category(df, "label", "pct", title="In time", x_title="% in time", x_max=100)
    )
    spec = ui.vega_lite_spec(chart)
    view = spec["config"].get("view", {})
    assert "continuousWidth" not in view and "continuousHeight" not in view
    assert view.get("strokeWidth") == 0  # the projector theme's own setting stays
    checked = chart.to_dict()  # altair's validated spec
    checked["config"]["view"].pop("continuousWidth", None)
    checked["config"]["view"].pop("continuousHeight", None)
    assert spec == checked
    alt.Chart.from_dict(spec, validate=True)  # valid Vega-Lite


def test_a_chart_is_made_once_per_function_and_data_and_changes_with_the_data():
    df = pl.DataFrame({"label": ["Team A", "Team B"], "pct": [80.0, 91.0]})
    key = ui._chart_key(charts.bar_by_category, (df, "label", "pct"), {"title": "In time", "x_max": 100})
    same = df.clone()
    assert (
        ui._chart_key(charts.bar_by_category, (same, "label", "pct"), {"x_max": 100, "title": "In time"})
        == key
    )
    for other in (
        df.with_columns(pct=pl.Series([80.0, 92.0])),  # one figure changed
        df.reverse(),  # the same rows in another order
        df.rename({"pct": "share"}),
        df.head(1),
    ):
        assert (
            ui._chart_key(charts.bar_by_category, (other, "label", "pct"), {"title": "In time", "x_max": 100})
            != key
        )
    assert (
        ui._chart_key(charts.bar_by_category, (df, "label", "pct"), {"title": "In time", "x_max": 99}) != key
    )
    assert (
        ui._chart_key(charts.monthly_stage_bars, (df, "label", "pct"), {"title": "In time", "x_max": 100})
        != key
    )


def test_the_page_gets_the_charts_spec_and_its_data_for_each_data():
    from streamlit.testing.v1 import AppTest

    def script():
        import polars as pl
        import streamlit as st

        from dashboard import ui
        from reports import charts

        pct = st.session_state.get("pct", 80.0)
        df = pl.DataFrame({"label": ["Team A", "Team B"], "pct": [pct, 91.0]})
        ui.chart(charts.bar_by_category, df, "label", "pct", title="In time", x_title="% in time", x_max=100)

    import json

    import pyarrow as pa

    def shown(at) -> tuple[dict, list[float]]:
        (proto,) = [e.proto for e in at.main if getattr(e, "type", "") == "vega_lite_chart"]
        values = []
        for ds in proto.datasets:
            values += pa.ipc.open_stream(ds.data.data).read_all().column("pct").to_pylist()
        return json.loads(proto.spec), sorted(values)

    at = AppTest.from_function(script).run()
    spec, values = shown(at)
    assert values == [80.0, 91.0]
    assert "In time" in json.dumps(spec) and spec["config"]["view"]["strokeWidth"] == 0  # the theme
    at.run()  # the same data again: the shared spec, unchanged by Streamlit
    assert shown(at) == (spec, values)
    at.session_state["pct"] = 55.0
    at.run()
    assert shown(at)[1] == [55.0, 91.0]

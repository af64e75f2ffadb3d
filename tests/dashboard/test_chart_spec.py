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

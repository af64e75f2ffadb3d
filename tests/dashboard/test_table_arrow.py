"""Tables go to the page as Arrow (dashboard.ui.arrow_table), which Streamlit sends as it is: the
same rows, text as Arrow's ``string`` (as Streamlit's own conversion sends it), dates as dates."""

from __future__ import annotations

from datetime import date

import polars as pl
import pyarrow as pa

from dashboard import ui


def test_the_arrow_table_keeps_every_value_and_sends_text_as_string():
    df = pl.DataFrame(
        {
            "Case ref": ["C-1", None, "C-3 <b>bold</b>"],
            "Response due": [date(2026, 12, 4), None, date(2027, 1, 4)],
            "Days open": [3, None, 40],
            "Overdue": [True, False, None],
            "Share": [0.5, None, 1.0],
            "Themes": [["a", "b"], [], None],
        }
    )
    table = ui.arrow_table(df)
    assert table.schema.field("Case ref").type == pa.string()
    assert table.schema.field("Response due").type == pa.date32()
    assert table.schema.field("Days open").type == pa.int64()  # no float for a null, as pandas would
    assert pl.from_arrow(table).equals(df)


def test_a_table_on_a_page_shows_the_frames_rows():
    from streamlit.testing.v1 import AppTest

    def script():
        from datetime import date

        import polars as pl

        from dashboard import ui

        # no one signed in: a scope allowing nothing, so no downloads
        df = pl.DataFrame({"Case ref": ["C-1", "C-2"], "Response due": [date(2026, 12, 4), None]})
        ui.table(df, "cases", key="t")

    at = AppTest.from_function(script).run()
    assert not at.exception, [e.message for e in at.exception]
    shown = at.dataframe[0].value
    assert list(shown["Case ref"]) == ["C-1", "C-2"]
    assert str(shown["Response due"].iloc[0])[:10] == "2026-12-04"


def test_the_overdue_rows_are_coloured_in_every_shown_column_and_only_they():
    df = pl.DataFrame(
        {"Case ref": ["C-1", "C-2", "C-3"], "Days open": [3, 4, 5], "child_id": ["a", "b", "c"]}
    )
    styler = ui.highlight(df, [True, False, True], hidden=["child_id"])
    styler._compute()  # what Streamlit does before it sends the styles
    assert list(styler.data.columns) == ["Case ref", "Days open"]  # the hidden column is left out
    coloured = {cell for cell, css in styler.ctx.items() if ("background-color", "#fde0dc") in css}
    assert coloured == {(0, 0), (0, 1), (2, 0), (2, 1)}
    empty = ui.highlight(df.head(0), [], hidden=["child_id"])
    empty._compute()
    assert not empty.ctx

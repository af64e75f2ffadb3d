"""The QA checklist page (issue 13, item 3) with AppTest: grades by month, team and IRO equal
mart_qa_grade_counts, the share Inadequate is Inadequate over the total, and every table has its
downloads."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import assert_ok, open_page, query

PAGE = "views/qa_grades.py"


def qa_page(by: str | None = None):
    at = open_page("overview")
    at.switch_page(PAGE)
    at.run()
    if by:
        at.segmented_control("qa_by").set_value(by).run()
    return at


@pytest.mark.parametrize(
    ("by", "column", "mart_column"),
    [("month", "Month", "period_label"), ("team", "Team", "team_name"), ("iro", "IRO", "iro_name")],
)
def test_grades_by_month_team_and_iro_equal_the_mart(demo, by, column, mart_column):
    at = qa_page(by)
    assert_ok(at)
    table = [df.value for df in at.dataframe if "Share Inadequate" in df.value.columns][0]
    months = [
        r[0]
        for r in query(
            demo.live, "select distinct period_label from mart_qa_grade_counts where period_type = 'month'"
        ).iter_rows()
    ]
    shown_months = months if by != "month" else list(table["Month"])
    assert len(table) > 0
    for row in table.to_dict("records"):
        expected = query(
            demo.live,
            f"select grade, sum(grades)::bigint from mart_qa_grade_counts where period_type = 'month' "  # noqa: S608
            f"and {mart_column} = $k and list_contains($m, period_label) group by grade",
            {"k": row[column], "m": shown_months},
        )
        got = {
            g: int(row[label])
            for g, label in (
                ("outstanding", "Outstanding"),
                ("good", "Good"),
                ("requires_improvement", "Requires Improvement"),
                ("inadequate", "Inadequate"),
            )
        }
        want = {g: 0 for g in got} | {g: int(n) for g, n in expected.iter_rows()}
        if by == "month":
            assert got == want, row
        assert int(row["Total"]) == sum(got.values())
        assert row["Share Inadequate"] == pytest.approx(round(got["inadequate"] / sum(got.values()), 3))
    assert [b.label for b in at.get("download_button")][:2] == ["Download CSV", "Download Excel"]


def test_without_a_trigger_protocol_no_grade_is_an_escalation(demo):
    at = qa_page()
    assert_ok(at)
    assert any("is not itself an escalation" in c.value for c in at.caption)

"""The quarterly learning report's figures, read from a build's marts (one read-only DuckDB
connection). The same queries give the page, the Word document and the tests' expectations."""

from __future__ import annotations

import duckdb
import polars as pl

from reports.periods import Quarter

STAGE_GROUPS = {
    "informal": "Positive Challenge (informal)",
    "stage_1": "Stage 1",
    "stages_2_4": "Stages 2 to 4",
}


def themes_by_stage_group(con: duckdb.DuckDBPyConnection, q: Quarter) -> pl.DataFrame:
    """Challenges per theme and stage group in the quarter and the quarter before."""
    return con.sql(
        """
        select stage_group, theme_label,
               coalesce(sum(challenges) filter (where period_label = $this), 0)::bigint as this_quarter,
               coalesce(sum(challenges) filter (where period_label = $prev), 0)::bigint as previous_quarter
        from mart_theme_counts
        where period_type = 'quarter' and period_label in ($this, $prev)
        group by all
        order by stage_group, this_quarter desc, theme_label
        """,
        params={"this": q.label, "prev": q.previous().label},
    ).pl()


def good_practice(con: duckdb.DuckDBPyConnection, q: Quarter) -> pl.DataFrame:
    return con.sql(
        """
        select theme_label, sum(records)::bigint as records
        from mart_good_practice_counts where period_type = 'quarter' and period_label = $q
        group by all order by records desc, theme_label
        """,
        params={"q": q.label},
    ).pl()


def outcomes(con: duckdb.DuckDBPyConnection, q: Quarter) -> pl.DataFrame:
    return con.sql(
        """
        select outcome_label, sum(challenges)::bigint as challenges
        from mart_escalation_impact where period_label = $q
        group by all order by challenges desc, outcome_label
        """,
        params={"q": q.label},
    ).pl()


def timeliness(con: duckdb.DuckDBPyConnection, q: Quarter) -> dict:
    """Challenges resolved in the quarter and their median working days open; stage responses due
    in the quarter and the share made in time (mart_team_monthly_measures)."""
    resolved, median = con.sql(
        """
        select count(*), median(working_days_open)
        from fct_challenges where status = 'resolved' and closed_on between $s and $e
        """,
        params={"s": q.start, "e": q.end},
    ).fetchall()[0]
    due, in_time = con.sql(
        """
        select coalesce(sum(stage_responses_due), 0), coalesce(sum(stage_responses_in_time), 0)
        from mart_team_monthly_measures where month_start between $s and $e
        """,
        params={"s": q.start, "e": q.end},
    ).fetchall()[0]
    return {
        "resolved": int(resolved),
        "median_working_days": None if median is None else float(median),
        "responses_due": int(due),
        "responses_in_time": int(in_time),
        "share_in_time": (in_time / due) if due else None,
    }

"""The quarterly and annual reports' figures, read from a build's marts (one read-only DuckDB
connection). The same queries give the pages, the Word documents and the tests' expectations.
``timeliness`` takes any period with ``start`` and ``end`` (a Quarter or a Year)."""

from __future__ import annotations

import duckdb
import polars as pl

from reports.periods import Quarter, Year

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


# --- the annual report (a Year: April to March) ---------------------------------------------


def stages_by_month(con: duckdb.DuckDBPyConnection, y: Year) -> pl.DataFrame:
    """The Rotherham table, long: escalations ENTERING each formal stage (and CAFCASS) per month of
    the year (month_start, stage_key, stage_label, stage_sort_order, entries), from
    mart_monthly_stage_counts (a full grid: 0 where none; months after the as-at date absent)."""
    return con.sql(
        """
        select month_start, stage_key, stage_label, min(stage_sort_order) as stage_sort_order,
               sum(entries)::bigint as entries
        from mart_monthly_stage_counts
        where stage_key <> 'informal' and month_start between $s and $e
        group by all
        order by month_start, stage_sort_order
        """,
        params={"s": y.start, "e": y.end},
    ).pl()


def stage_columns(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The columns of the table: every formal stage and CAFCASS of the build, in order."""
    return con.sql(
        """
        select stage_key, stage_label, min(stage_sort_order) as stage_sort_order
        from mart_monthly_stage_counts where stage_key <> 'informal'
        group by all order by stage_sort_order, stage_key
        """
    ).pl()


def informal_and_formal(con: duckdb.DuckDBPyConnection, y: Year) -> dict:
    """Challenges raised in the year as Positive Challenges (informal) and as Formal Escalations
    (fct_challenges.route), and of the informal ones how many were resolved without going formal."""
    informal, formal, resolved_informally, escalated = con.sql(
        """
        select count(*) filter (where route = 'informal'),
               count(*) filter (where route = 'formal'),
               count(*) filter (where route = 'informal' and status = 'resolved' and current_stage = 0),
               count(*) filter (where route = 'informal' and current_stage > 0)
        from fct_challenges where raised_on between $s and $e
        """,
        params={"s": y.start, "e": y.end},
    ).fetchall()[0]
    return {
        "informal": int(informal),
        "formal": int(formal),
        "ratio": (informal / formal) if formal else None,
        "resolved_informally": int(resolved_informally),
        "escalated_from_informal": int(escalated),
        "share_resolved_informally": (resolved_informally / informal) if informal else None,
    }


def cafcass_referrals(con: duckdb.DuckDBPyConnection, y: Year) -> int:
    (n,) = con.sql(
        "select count(*) from fct_challenges where cafcass_referred_on between $s and $e",
        params={"s": y.start, "e": y.end},
    ).fetchall()[0]
    return int(n)


def year_themes(con: duckdb.DuckDBPyConnection, y: Year) -> pl.DataFrame:
    """Challenges per theme and stage group in the year: mart_theme_counts' yearly rows, where a
    challenge counts once per theme and stage group in the year however many months or quarters
    it entered the group in (summing the quarters would count it once per quarter)."""
    return con.sql(
        """
        select stage_group, theme_label, sum(challenges)::bigint as challenges
        from mart_theme_counts
        where period_type = 'year' and period_label = $y
        group by all
        order by stage_group, challenges desc, theme_label
        """,
        params={"y": y.label},
    ).pl()


def year_theme_totals(con: duckdb.DuckDBPyConnection, y: Year) -> pl.DataFrame:
    """Challenges per theme in the year whatever the stage group: a challenge with the theme that
    entered any stage group in the year counts once (fct_stage_episodes, the episodes behind
    mart_theme_counts, with the taxonomy's themes only)."""
    return con.sql(
        """
        select th.theme_label, count(distinct e.challenge_id)::bigint as challenges
        from fct_stage_episodes e
        join fct_challenges c using (challenge_id)
        cross join unnest(c.themes) as t(theme_code)
        join dim_themes th on th.theme_code = t.theme_code
        where e.theme_stage_group is not null and e.entered_on between $s and $e
        group by all
        order by challenges desc, th.theme_label
        """,
        params={"s": y.start, "e": y.end},
    ).pl()


def year_outcomes(con: duckdb.DuckDBPyConnection, y: Year) -> pl.DataFrame:
    """Challenges closed in the year by what changed for the child (mart_escalation_impact)."""
    return con.sql(
        """
        select outcome_label, sum(challenges)::bigint as challenges,
               bool_or(is_change_for_child) as is_change_for_child
        from mart_escalation_impact where period_label in (select unnest($labels))
        group by all order by challenges desc, outcome_label
        """,
        params={"labels": [q.label for q in y.quarters]},
    ).pl()


QA_GRADES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires Improvement",
    "inadequate": "Inadequate",
}


def year_qa_grades(con: duckdb.DuckDBPyConnection, y: Year) -> pl.DataFrame:
    """QA checklist grades given in the year, per grade (mart_qa_grade_counts, by month)."""
    return con.sql(
        """
        select grade, sum(grades)::bigint as grades, sum(escalations)::bigint as escalations
        from mart_qa_grade_counts
        where period_type = 'month' and period_start between $s and $e
        group by all
        """,
        params={"s": y.start, "e": y.end},
    ).pl()

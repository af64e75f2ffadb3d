"""The numbers the pages show, checked against direct queries of the build (and, for the figures
"as at the end of the previous month", against an independent computation from the facts' dates)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from tests.dashboard.conftest import assert_ok, open_page, query

AS_AT = date(2026, 10, 30)
PREV = date(2026, 9, 30)


def metrics(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def as_at_counts(live, on: date, legal_status: str | None = None) -> dict[str, int]:
    """Open challenges as at ``on``, by the stage they were at, from the dates alone (polars)."""
    ch = query(live, "select * from fct_challenges")
    ep = query(live, "select * from fct_stage_episodes where stage_number is not null")
    if legal_status:
        ch = ch.filter(pl.col("legal_status") == legal_status)
    open_ = ch.filter(
        (pl.col("raised_on") <= on) & (pl.col("closed_on").is_null() | (pl.col("closed_on") > on))
    )
    current = (
        ep.filter(pl.col("entered_on") <= on)
        .sort(["challenge_id", "entered_on", "stage_number"])
        .group_by("challenge_id")
        .last()
    )
    s = open_.join(current, on="challenge_id", how="left", suffix="_ep")
    out = {"open": s.height}
    for key, n in s.group_by("stage_key").len().iter_rows():
        out[key] = n
    out["overdue"] = s.filter(
        (pl.col("response_due_on_ep") < on)
        & (pl.col("responded_on").is_null() | (pl.col("responded_on") > on))
    ).height
    out["cap"] = s.filter((pl.col("formal_started_on") <= on) & (pl.col("cap_due_on") < on)).height
    out["cafcass"] = s.filter(pl.col("cafcass_referred_on") <= on).height
    return out


@pytest.mark.parametrize("status", [None, "lac"])
def test_overview_headline_figures(demo, status):
    params = {"status": "Looked after (LAC)"} if status else None
    at = open_page("overview", query_params=params)
    assert_ok(at)
    m = metrics(at)
    where = "and legal_status = 'lac'" if status else ""
    direct = query(
        demo.live,
        f"""
        select count(*) as open,
               count(*) filter (where is_awaiting_response_past_due) as overdue,
               count(*) filter (where is_cap_breached) as cap,
               count(*) filter (where is_cafcass_referred) as cafcass
        from fct_challenges where status = 'open' {where}
    """,  # noqa: S608 - constant test SQL
    ).row(0, named=True)
    by_stage = dict(
        query(
            demo.live,
            f"select current_stage_key, count(*) from fct_challenges "  # noqa: S608
            f"where status = 'open' {where} group by all",
        ).rows()
    )
    now, before = as_at_counts(demo.live, AS_AT, status), as_at_counts(demo.live, PREV, status)

    # as at the build: the marts' own flags
    assert m["All open"][0] == f"{direct['open']:,}"
    assert m["Responses overdue"][0] == f"{direct['overdue']:,}"
    assert m["Past 20-day cap"][0] == f"{direct['cap']:,}"
    assert m["CAFCASS referrals"][0] == f"{direct['cafcass']:,}"
    for key, label in [
        ("informal", "Informal"),
        ("stage_1", "Stage 1"),
        ("stage_2", "Stage 2"),
        ("stage_3", "Stage 3"),
        ("stage_4", "Stage 4"),
    ]:
        assert m[label][0] == f"{by_stage.get(key, 0):,}", label

    # the independent as-at computation agrees with the marts at the as-at date ...
    assert now["open"] == direct["open"] and now["overdue"] == direct["overdue"]
    assert now["cap"] == direct["cap"] and now["cafcass"] == direct["cafcass"]
    # ... and gives the change since the end of the previous month
    assert m["All open"][1] == str(now["open"] - before["open"])
    assert m["Responses overdue"][1] == str(now["overdue"] - before["overdue"])
    assert m["Past 20-day cap"][1] == str(now["cap"] - before["cap"])
    assert m["Stage 3"][1] == str(now.get("stage_3", 0) - before.get("stage_3", 0))


def test_responded_in_time_matches_the_team_measures_mart(demo):
    from dashboard import data

    build = demo.live
    for start, end in ((date(2026, 9, 1), PREV), (date(2026, 10, 1), AS_AT)):
        mine = data.responses_in_time(build, data.Filters(), start, end)
        mart = query(
            build,
            "select sum(stage_responses_due) as due, sum(stage_responses_in_time) as in_time "
            "from mart_team_monthly_measures where month_start = $m",
            {"m": start},
        ).row(0, named=True)
        assert (mine["due"], mine["in_time"]) == (mart["due"], mart["in_time"]), start
    at = open_page("overview")
    share = data.responses_in_time(build, data.Filters(), date(2026, 10, 1), AS_AT)["share"]
    assert metrics(at)["In time, 1-30 Oct (part month)"][0] == f"{share:.0%}"


def test_monthly_report_matches_the_mart(demo):
    at = open_page("monthly", query_params={"from": "Jan 2026", "to": "Oct 2026"})
    assert_ok(at)
    report = pl.from_pandas(at.dataframe[0].value)
    assert report["Month"].to_list() == [f"{date(2026, m, 1):%b %Y}" for m in range(1, 11)] + ["Total"]
    mart = query(
        demo.live,
        """
        select strftime(month_start, '%b %Y') as month, stage_label, sum(entries)::bigint as n
        from mart_monthly_stage_counts
        where month_start between '2026-01-01' and '2026-10-01' and stage_key <> 'informal'
        group by all
    """,
    )
    for month, label, n in mart.iter_rows():
        assert report.filter(pl.col("Month") == month)[label].item() == n, (month, label)
    body = report.filter(pl.col("Month") != "Total")
    total = report.filter(pl.col("Month") == "Total")
    for col in report.columns[1:]:
        assert total[col].item() == body[col].sum(), f"Total row of {col} is not the sum"
    assert report.columns[1:] == [
        "Stage 1",
        "Stage 2",
        "Stage 3",
        "Stage 4",
        "Contact with CAFCASS",
        "All stages",
    ]


def test_monthly_counts_from_episodes_agree_with_the_mart(demo):
    """With a theme filter the report counts stage episodes itself (the mart has no themes): the
    two definitions must agree when nothing is filtered."""
    mart = query(
        demo.live,
        "select month_start, stage_key, sum(entries)::bigint as n from mart_monthly_stage_counts "
        "group by all having sum(entries) > 0 order by all",
    )
    episodes = query(
        demo.live,
        "select date_trunc('month', entered_on)::date as month_start, stage_key, "
        "count(*)::bigint as n from fct_stage_episodes group by all order by all",
    )
    assert mart.equals(episodes)


def test_monthly_report_with_a_theme_filter(demo):
    at = open_page(
        "monthly", query_params={"from": "Nov 2025", "to": "Oct 2026", "theme": "Placement suitability"}
    )
    assert_ok(at)
    report = pl.from_pandas(at.dataframe[0].value)
    direct = query(
        demo.live,
        """
        select count(*) from fct_stage_episodes e join fct_challenges c using (challenge_id)
        where e.stage_key = 'stage_1' and list_contains(c.themes, 'placement_suitability')
          and e.entered_on between '2025-11-01' and '2026-10-31'
    """,
    ).item(0, 0)
    assert report.filter(pl.col("Month") == "Total")["Stage 1"].item() == direct


def test_meeting_list_is_the_mart_in_urgency_order(demo):
    at = open_page("meeting")
    table = at.dataframe[0].value
    mart = query(
        demo.live,
        "select case_ref, responded_on, is_awaiting_response_past_due as awaiting, is_responded_late "
        "from mart_open_stage_3_4 order by urgency_rank",
    )
    assert table["Case ref"].tolist() == mart["case_ref"].to_list()
    assert metrics(at)["Responses overdue"][0] == str(int(mart["awaiting"].sum()))
    # OVERDUE only for a stage still awaiting its response; a late response says so instead
    overdue_rows = table[table["Overdue"].str.startswith("OVERDUE")]
    assert len(overdue_rows) == int(mart["awaiting"].sum())
    late_rows = table[table["Overdue"].str.startswith("Responded late")]
    assert len(late_rows) == int(mart["is_responded_late"].sum())
    answered = set(mart.filter(pl.col("responded_on").is_not_null())["case_ref"].to_list())
    assert not answered & set(overdue_rows["Case ref"])


def test_responses_overdue_is_one_number_on_every_page(demo):
    """docs/marts.md "Measures": Overview, Teams and the count of dbt's column agree on one build."""
    direct = query(
        demo.live,
        "select count(*) filter (where is_awaiting_response_past_due) as n, "
        "count(*) filter (where is_overdue and not is_awaiting_response_past_due) as missed_otherwise "
        "from fct_stage_episodes",
    ).row(0, named=True)
    assert direct["n"] > 0 and direct["missed_otherwise"] > 0  # the demo has both kinds
    overview = metrics(open_page("overview"))["Responses overdue"][0]
    teams = metrics(open_page("teams"))["Responses overdue"][0]
    assert overview == teams == f"{direct['n']:,}"


def test_themes_table_matches_the_mart(demo):
    at = open_page("themes", query_params={"from": "Jan 2026", "to": "Oct 2026"})
    table = pl.from_pandas(at.dataframe[0].value)  # stages 2 to 4, by month
    mart = query(
        demo.live,
        """
        select theme_label, period_label, sum(challenges)::bigint as n from mart_theme_counts
        where period_type = 'month' and stage_group = 'stages_2_4'
          and period_start between '2026-01-01' and '2026-10-01'
        group by all
    """,
    )
    # Oct 2026 runs past the as-at date (30 Oct): its column is marked part
    assert "Oct 2026 (1-30 Oct, part)" in table.columns and "Sep 2026" in table.columns
    for theme, period, n in mart.iter_rows():
        column = next(c for c in table.columns if c == period or c.startswith(period + " ("))
        assert table.filter(pl.col("Theme") == theme)[column].item() == n
    totals = mart.group_by("theme_label").agg(pl.col("n").sum())
    for theme, n in totals.iter_rows():
        assert table.filter(pl.col("Theme") == theme)["Total"].item() == n
    assert table.filter(pl.col("Theme") == "All themes")["Total"].item() == mart["n"].sum()


def test_themes_by_quarter_use_april_to_march_years(demo):
    at = open_page(
        "themes", query_params={"by": "Quarter (April to March year)", "from": "Jan 2026", "to": "Oct 2026"}
    )
    assert_ok(at)
    columns = [c for c in at.dataframe[0].value.columns if c != "theme_code"]
    assert columns[:5] == ["Theme", "2025-26 Q4", "2026-27 Q1", "2026-27 Q2", "2026-27 Q3 (Oct, part)"]


def test_quarters_count_only_the_months_inside_the_period(demo):
    """Issue 15: period Mar-Oct 2026: "2025-26 Q4" holds March only (marked part) and equals the
    mart's March; a whole quarter inside the period equals the mart's quarter."""
    from dashboard import data

    f = data.Filters(month_from=date(2026, 3, 1), month_to=date(2026, 10, 1))
    q = data.theme_counts(demo.live, f, "quarter")
    q4 = q.filter(pl.col("period_start") == date(2026, 1, 1))
    assert set(q4["period_label"]) == {"2025-26 Q4 (Mar, part)"} and q4["is_part"].all()
    march = query(
        demo.live,
        "select theme_code, stage_group, sum(challenges)::bigint as n from mart_theme_counts "
        "where period_type = 'month' and period_start = '2026-03-01' group by all",
    )
    mine = q4.select("theme_code", "stage_group", pl.col("challenges").alias("n"))
    assert mine.sort(["theme_code", "stage_group"]).equals(march.sort(["theme_code", "stage_group"]))
    assert march["n"].sum() > 0
    whole = query(
        demo.live,
        "select theme_code, stage_group, sum(challenges)::bigint as n from mart_theme_counts "
        "where period_type = 'quarter' and period_start = '2026-04-01' group by all",
    )
    q1 = q.filter(pl.col("period_start") == date(2026, 4, 1))
    assert not q1["is_part"].any()
    got = q1.select("theme_code", "stage_group", pl.col("challenges").alias("n"))
    assert got.sort(["theme_code", "stage_group"]).equals(whole.sort(["theme_code", "stage_group"]))


def test_part_periods_are_marked():
    from dashboard import data

    df = pl.DataFrame(
        {"period_start": [date(2026, 11, 1), date(2026, 12, 1)], "period_label": ["Nov 2026", "Dec 2026"]}
    )
    out = data.mark_part_periods(df, data.Filters(), "month", date(2026, 12, 3))
    assert out["period_label"].to_list() == ["Nov 2026", "Dec 2026 (1-3 Dec, part)"]
    assert out["is_part"].to_list() == [False, True]


def test_team_measures_match_the_mart(demo):
    at = open_page("teams", query_params={"from": "Jan 2026", "to": "Oct 2026"})
    assert_ok(at)
    measures = pl.from_pandas(at.dataframe[-1].value)
    mart = query(
        demo.live,
        """
        select team_name, sum(challenges_raised)::bigint as raised, sum(stage_responses_due)::bigint as due,
               sum(stage_responses_in_time)::bigint as in_time, sum(challenges_resolved)::bigint as resolved
        from mart_team_monthly_measures where month_start between '2026-01-01' and '2026-10-01'
        group by all
    """,
    )
    for team, raised, due, in_time, resolved in mart.iter_rows():
        row = measures.filter(pl.col("Team") == team)
        assert row["Challenges raised"].item() == raised, team
        assert row["Responses due"].item() == due, team
        assert row["Responded in time"].item() == in_time, team
        assert row["Resolved"].item() == resolved, team
    total = measures.filter(pl.col("Team") == "All teams shown")
    assert total["Challenges raised"].item() == mart["raised"].sum()


def test_teams_due_and_overdue_by_manager(demo):
    at = open_page("teams")
    managers = pl.from_pandas(at.dataframe[0].value)
    week_end = AS_AT + timedelta(days=6)
    direct = query(
        demo.live,
        """
        select count(*) filter (where is_awaiting_response_past_due) as overdue,
               count(*) filter (where not is_awaiting_response_past_due and response_due_on <= $w) as due
        from fct_stage_episodes
        where is_open and responded_on is null and response_due_on is not null
    """,
        {"w": week_end},
    ).row(0, named=True)
    assert managers["Overdue"].sum() == direct["overdue"]
    assert managers["Due this week"].sum() == direct["due"]

"""The dashboard's one data-access package: every query the pages run is here, and only here.
Pages call ``data.<function>`` on this package (``from dashboard import data``); each function lives
in the module for the question it answers:

* ``core``: the shared plumbing (live build, connection, ``_query``, ``_Params``, scope condition,
  :class:`Filters`, month arithmetic);
* ``reference``: build info, as-at date, teams, themes, stages, first month (filters, every page);
* ``snapshot``: open "as at" a date, responses in time, the cases behind a figure (overview);
* ``trends``: monthly stage counts and the cases behind them (monthly report);
* ``meeting``: the challenge meeting's list;
* ``case``: finding a case (the pickers' bounded search and first choices, within the user's
  scope), one case's summary, episodes and events (case timeline);
* ``by_theme``: theme counts and the cases behind them (themes page);
* ``by_team``: team measures and open responses (teams page);
* ``write_back``: what the logging form checks before a save (built marts plus app events), its
  name search for children and managers (bounded, within the user's scope), and the challenges
  logged in the app since the build (its challenge search finds them beside ``case``'s).

How it reads the warehouse:

* ``live()`` reads the live-build pointer on every rerun (a tiny JSON file), so a new build shows
  up at the next rerun without anyone pressing anything;
* one read-only DuckDB connection per build file, cached as a resource; each query uses its own
  cursor, because Streamlit runs sessions in threads and a connection must not be shared across
  threads;
* query results are cached with the build in the key, so a cache never outlives its build;
* every function that returns child-level rows (one row per challenge or stage) takes the signed-in
  user's :class:`~accounts.access.Scope` and ANDs ``scope.sql(...)`` into its WHERE, so what a
  page, a link or a direct call can reach is never wider than the user's role (docs/access.md);
  the scope is part of each cached function's key;
* values from users (filters, a selected case) are bound as named parameters (``$p1``...), never
  pasted into SQL. The SQL text is assembled only from constant fragments in this package.

Which filters apply where (see docs/dashboard.md):

* *team / service*, *legal status* and *theme* apply everywhere;
* *protocol stage* applies to the stage a challenge is at (snapshots), the stage entered (monthly
  counts) or the stage group (themes: informal / stage 1 / stages 2-4);
* the *period* applies to everything counted over time (monthly counts, themes, team measures,
  charts); snapshot figures ("open now", "overdue now") are always as at the build's as-at date.
"""

from __future__ import annotations

from dashboard.data.by_team import (
    median_days_to_resolution,
    open_response_counts,
    open_responses,
    team_measures,
    team_measures_monthly,
)
from dashboard.data.by_theme import mark_part_periods, period_window, theme_cases, theme_counts
from dashboard.data.case import case_episodes, case_event_list, case_summary, search_cases, urgent_cases
from dashboard.data.core import (
    CAFCASS_LABEL,
    SEARCH_LIMIT,
    SEARCH_MIN_CHARS,
    STAGE_GROUPS,
    Filters,
    _Params,
    _query,
    add_months,
    live,
    month_end,
    month_end_snapshots,
    month_start,
    previous_month_end,
    stage_group_of,
)
from dashboard.data.meeting import meeting_cases, meeting_stage_numbers
from dashboard.data.reference import as_at, build_info, first_month, stages, teams, themes
from dashboard.data.snapshot import (
    SNAPSHOT_FIGURES,
    headline,
    open_by_stage,
    open_trend,
    responses_due_cases,
    responses_in_time,
    snapshot_cases,
)
from dashboard.data.trends import monthly_stage_counts, stage_entries_cases
from dashboard.data.write_back import (
    CLOSING_ACTIONS,
    MANAGER_ROLES,
    app_event_versions,
    app_events,
    challenge_state,
    challenges_without_team,
    child,
    protocol_stage_numbers,
    resolve_amendments,
    resolved_app_events,
    response_due,
    search_children,
    search_workers,
    stage_responder,
    unbuilt_challenges,
    worker,
)

__all__ = [
    "MANAGER_ROLES",
    "SEARCH_LIMIT",
    "SEARCH_MIN_CHARS",
    "challenges_without_team",
    "search_children",
    "search_workers",
    "stage_responder",
    "worker",
    "search_cases",
    "urgent_cases",
    "unbuilt_challenges",
    "response_due",
    "meeting_stage_numbers",
    "period_window",
    "mark_part_periods",
    "open_response_counts",
    "CAFCASS_LABEL",
    "CLOSING_ACTIONS",
    "Filters",
    "SNAPSHOT_FIGURES",
    "STAGE_GROUPS",
    "_Params",
    "_query",
    "add_months",
    "app_event_versions",
    "app_events",
    "as_at",
    "build_info",
    "case_episodes",
    "case_event_list",
    "case_summary",
    "challenge_state",
    "child",
    "first_month",
    "headline",
    "live",
    "month_end_snapshots",
    "median_days_to_resolution",
    "meeting_cases",
    "month_end",
    "month_start",
    "monthly_stage_counts",
    "open_by_stage",
    "open_responses",
    "open_trend",
    "previous_month_end",
    "protocol_stage_numbers",
    "resolve_amendments",
    "resolved_app_events",
    "responses_due_cases",
    "responses_in_time",
    "snapshot_cases",
    "stage_entries_cases",
    "stage_group_of",
    "stages",
    "team_measures",
    "team_measures_monthly",
    "teams",
    "theme_cases",
    "theme_counts",
    "themes",
]

"""The dashboard's one data-access module: every query the pages run is here, and only here.

How it reads the warehouse:

* ``live()`` reads the live-build pointer on every rerun (a tiny JSON file), so a new build shows
  up at the next rerun without anyone pressing anything;
* one read-only DuckDB connection per build file, cached as a resource; each query uses its own
  cursor, because Streamlit runs sessions in threads and a connection must not be shared across
  threads;
* query results are cached with the build id in the key, so a cache never outlives its build;
* values from users (filters) are passed as bound parameters, never pasted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from warehouse.store import LiveBuild, connect_read_only, read_live


def live() -> LiveBuild | None:
    """The live build, or None when nothing has been built yet."""
    return read_live()


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(build: LiveBuild):
    return connect_read_only(build)


def _query(build: LiveBuild, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run one query on its own cursor of the build's cached read-only connection."""
    cur = _connection(build).cursor()
    try:
        return cur.execute(sql, params or []).pl()
    finally:
        cur.close()


@dataclass(frozen=True)
class Filters:
    """What the sidebar filters select. Empty tuples mean "all"."""

    teams: tuple[str, ...] = ()
    legal_statuses: tuple[str, ...] = ()

    def where(self, alias: str = "") -> tuple[str, list]:
        """A SQL condition (with ``?`` placeholders) and its parameters."""
        col = f"{alias}." if alias else ""
        clauses, params = ["true"], []
        if self.teams:
            clauses.append(f"{col}team_id in (select unnest(?::varchar[]))")
            params.append(list(self.teams))
        if self.legal_statuses:
            clauses.append(f"{col}legal_status in (select unnest(?::varchar[]))")
            params.append(list(self.legal_statuses))
        return " and ".join(clauses), params


@st.cache_data(max_entries=64, show_spinner=False)
def build_info(build: LiveBuild) -> dict:
    row = _query(build, "select as_at, protocol_code, protocol_name, built_at from build_info").row(0, named=True)
    return row


@st.cache_data(max_entries=64, show_spinner=False)
def teams(build: LiveBuild) -> pl.DataFrame:
    return _query(
        build,
        "select team_id, team_name, service_name from dim_teams "
        "where team_kind = 'social_work' order by service_name, team_name",
    )


@st.cache_data(max_entries=256, show_spinner=False)
def headline(build: LiveBuild, filters: Filters) -> dict:
    """Headline figures as at the build's as-at date, for the filtered challenges."""
    where, params = filters.where()
    sql = f"""
        select
            count(*) filter (where status = 'open') as open_challenges,
            count(*) filter (where status = 'open' and current_stage = 0) as open_informal,
            count(*) filter (where status = 'open' and current_stage >= 1) as open_formal,
            count(*) filter (where status = 'open' and current_stage in (3, 4)) as open_stage_3_4,
            count(*) filter (where status = 'open' and is_overdue) as overdue_now,
            count(*) filter (where status = 'open' and is_cap_breached) as cap_breaches_open,
            count(*) filter (where is_cafcass_referred) as cafcass_referrals,
            count(*) as all_challenges
        from fct_challenges
        where {where}
    """  # noqa: S608 - the condition is built from constant fragments; values are bound parameters
    return _query(build, sql, params).row(0, named=True)


@st.cache_data(max_entries=256, show_spinner=False)
def open_by_stage(build: LiveBuild, filters: Filters) -> pl.DataFrame:
    where, params = filters.where()
    sql = f"""
        select current_stage, current_stage_name, count(*) as challenges,
               count(*) filter (where is_overdue) as overdue
        from fct_challenges
        where status = 'open' and {where}
        group by all
        order by current_stage
    """  # noqa: S608
    return _query(build, sql, params)


def as_at(build: LiveBuild) -> date:
    return date.fromisoformat(build.as_at)

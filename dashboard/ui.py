"""Shared page furniture: the sidebar filters (bound to the URL), the page header with the as-at
date and build time, and the message shown when there is no data yet. No SQL here."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

from dashboard import data
from dashboard.data import Filters
from warehouse.store import LiveBuild

LEGAL_STATUS_LABELS = {"lac": "Looked after (LAC)", "cp": "Child protection (CP)", "cin": "Child in need (CIN)"}


def long_date(d: date | str) -> str:
    d = date.fromisoformat(d) if isinstance(d, str) else d
    return f"{d.day} {d:%B %Y}"


def no_data() -> None:
    st.info(
        "**There is no data in IRO QA yet.** Load case-system extracts with "
        "`iroqa ingest PATH` and build the warehouse with `iroqa build` "
        "(or run `make run`, which loads the demo data). This page fills in as soon as a build is live."
    )


def sidebar_filters(build: LiveBuild) -> Filters:
    """The filters every page shares. Bound to the URL, so a filtered view is a link to paste."""
    with st.sidebar:
        st.header("Filters")
        team_rows = data.teams(build)
        labels = dict(zip(team_rows["team_id"], team_rows["team_name"], strict=True))
        chosen_teams = st.multiselect(
            "Team", options=list(labels), format_func=lambda t: labels.get(t, t),
            key="team", bind="query-params", placeholder="All teams",
        )
        chosen_status = st.multiselect(
            "Legal status", options=list(LEGAL_STATUS_LABELS),
            format_func=LEGAL_STATUS_LABELS.get, key="status", bind="query-params",
            placeholder="All children",
        )
    return Filters(teams=tuple(chosen_teams), legal_statuses=tuple(chosen_status))


def header(title: str, build: LiveBuild) -> None:
    st.title(title)
    built = datetime.fromisoformat(build.built_at)
    st.caption(
        f"As at **{long_date(build.as_at)}** · protocol **{build.protocol}** · "
        f"warehouse built {built:%d %b %Y %H:%M} UTC"
    )

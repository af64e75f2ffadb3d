"""The plumbing every dashboard.data module shares: the live build, one read-only connection per
build file, ``_query`` (a cursor per query, named parameters), ``_Params``, the scope condition
``_in_scope``, the page filters (:class:`Filters`) and month arithmetic. See the package's docstring
(dashboard/data/__init__.py) for how the dashboard reads the warehouse.
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
import streamlit as st

from accounts.access import Scope
from warehouse.snapshots import list_snapshots
from warehouse.store import LiveBuild, connect_read_only, read_live

# Stage groups used by mart_theme_counts, and the stage keys each one covers.
STAGE_GROUPS = {
    "informal": "Positive Challenge (informal)",
    "stage_1": "Stage 1",
    "stages_2_4": "Stages 2 to 4",
}
CAFCASS_LABEL = "Contact with CAFCASS"
#: Every search of the dashboard (children, managers, cases) lists at most this many matches, and
#: needs at least SEARCH_MIN_CHARS characters: no page sends an unbounded list to the browser.
SEARCH_LIMIT = 20
SEARCH_MIN_CHARS = 2


def stage_group_of(stage_key: str) -> str | None:
    if stage_key == "informal":
        return "informal"
    if stage_key == "stage_1":
        return "stage_1"
    if stage_key.startswith("stage_"):
        return "stages_2_4"
    return None


def live() -> LiveBuild | None:
    """The live build, or None when nothing has been built yet."""
    return read_live()


def month_end_snapshots() -> list[LiveBuild]:
    """The month-end snapshots kept (warehouse/snapshots.py), newest month first: the sidebar's
    "As at" choices besides live. A directory listing and a tiny JSON file each, every rerun."""
    return list_snapshots()


def _fields_key(obj: object) -> str:
    """A cache key for a frozen dataclass argument (the build, the filters, the user's scope): its
    fields' values, sets in order. Streamlit's own hashing of a dataclass (``dataclasses.asdict``,
    then every value through its hasher) cost 1-2 ms an argument, on every cached call of every
    page view."""
    return repr(
        [
            (f.name, sorted(v) if isinstance(v, frozenset | set) else v)
            for f in dataclasses.fields(obj)  # type: ignore[arg-type]
            for v in (getattr(obj, f.name),)
        ]
    )


#: How the cached queries hash their arguments (see _fields_key).
HASH_FUNCS = {LiveBuild: _fields_key, Scope: _fields_key}


def cached(*, max_entries: int):
    """``st.cache_data`` as every query of the dashboard.data package uses it: keyed on the build (so
    a new live build is a new key and old entries age out), the filters and the scope, cheaply."""
    return st.cache_data(max_entries=max_entries, show_spinner=False, hash_funcs=HASH_FUNCS)


def cached_shared(*, max_entries: int):
    """For small reference tables every page reads (teams, themes, stages): one copy shared by every
    session (``st.cache_resource``), not a copy unpickled on every call. Polars frames are not
    changed in place by the pages, so sharing them is safe."""
    return st.cache_resource(max_entries=max_entries, show_spinner=False, hash_funcs=HASH_FUNCS)


@st.cache_resource(max_entries=4, show_spinner=False, hash_funcs=HASH_FUNCS)
def _connection(build: LiveBuild):
    return connect_read_only(build)


class _Params:
    """Collects bound values for one statement; ``bind`` returns the placeholder to put in the SQL."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values) + 1}"
        self.values[name] = value
        return f"${name}"


def _in_scope(scope: Scope, p: _Params, challenge: str = "challenge_id") -> str:
    """For tables without the raising IRO's worker id (fct_stage_episodes, mart_open_stage_3_4):
    the scope applied through the challenge (``fct_challenges c``: its team and ``iro_worker_id``)."""
    if not _COLUMN.fullmatch(challenge):
        raise ValueError(f"not a column name: {challenge!r}")
    cond = scope.sql(p, team="c.team_id", worker="c.iro_worker_id")
    if cond in ("true", "false"):
        return cond
    return f"{challenge} in (select c.challenge_id from fct_challenges c where {cond})"  # noqa: S608


def _search_text(text: str) -> str:
    """What a search matches on: the text with its spaces collapsed, in capitals (searches compare
    ``upper(column)``, so they ignore case)."""
    return " ".join((text or "").split()).upper()


def _query(build: LiveBuild, sql: str, params: _Params | dict | None = None) -> pl.DataFrame:
    """Run one query on its own cursor of the build's cached read-only connection."""
    values = params.values if isinstance(params, _Params) else (params or {})
    cur = _connection(build).cursor()
    try:
        return cur.sql(sql, params=values or None).pl()
    finally:
        cur.close()


@cached(max_entries=16)
def _has_app_challenge_ids(build: LiveBuild) -> bool:
    """Whether the build's fct_challenges has ``app_challenge_id`` (builds from before the app's
    challenges were reconciled with the extract's do not)."""
    df = _query(
        build,
        "select 1 from information_schema.columns "
        "where table_name = 'fct_challenges' and column_name = 'app_challenge_id'",
    )
    return not df.is_empty()


def _app_id_column(build: LiveBuild) -> str:
    """``app_challenge_id`` of fct_challenges (the app's id of a challenge a build merged into the
    extract's, docs/marts.md rule 3), or null on a build from before it existed."""
    return "app_challenge_id" if _has_app_challenge_ids(build) else "cast(null as varchar)"


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def previous_month_end(d: date) -> date:
    return month_start(d) - timedelta(days=1)


_COLUMN = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")


@dataclass(frozen=True)
class Filters:
    """What the sidebar filters select. Empty tuples mean "all"; ``None`` months mean "no limit"."""

    month_from: date | None = None  # first day of the first month in the period
    month_to: date | None = None  # first day of the last month in the period
    teams: tuple[str, ...] = ()  # team_id
    services: tuple[str, ...] = ()  # service_name
    legal_statuses: tuple[str, ...] = ()  # lac / cp / cin
    stages: tuple[str, ...] = ()  # stage_key: informal, stage_1.., cafcass
    themes: tuple[str, ...] = ()  # theme_code
    extra: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def period_start(self) -> date | None:
        return self.month_from

    @property
    def period_end(self) -> date | None:
        return month_end(self.month_to) if self.month_to else None

    def stage_groups(self) -> tuple[str, ...]:
        return tuple(sorted({g for s in self.stages if (g := stage_group_of(s))}))

    def sql(
        self,
        p: _Params,
        *,
        team: str | None = "team_id",
        legal: str | None = "legal_status",
        stage: str | None = None,
        stage_group: str | None = None,
        themes_list: str | None = None,
        theme_code: str | None = None,
        challenge: str | None = None,
        period: str | None = None,
    ) -> str:
        """A SQL condition for these filters, each naming the column it applies to (None: skip).

        ``themes_list`` is a VARCHAR[] column of theme codes; ``challenge`` a challenge_id column used
        to apply the theme filter through fct_challenges where a table has no themes of its own.
        """
        for column in (team, legal, stage, stage_group, themes_list, theme_code, challenge, period):
            if column is not None and not _COLUMN.fullmatch(column):
                raise ValueError(f"not a column name: {column!r}")
        out = ["true"]
        if team and self.teams:
            out.append(f"{team} in (select unnest({p.bind(list(self.teams))}::varchar[]))")
        if team and self.services:
            out.append(
                f"{team} in (select team_id from dim_teams where service_name in "  # noqa: S608 - bound values
                f"(select unnest({p.bind(list(self.services))}::varchar[])))"
            )
        if legal and self.legal_statuses:
            out.append(f"{legal} in (select unnest({p.bind(list(self.legal_statuses))}::varchar[]))")
        if stage and self.stages:
            out.append(f"{stage} in (select unnest({p.bind(list(self.stages))}::varchar[]))")
        if stage_group and self.stages:
            out.append(f"{stage_group} in (select unnest({p.bind(list(self.stage_groups()))}::varchar[]))")
        if self.themes:
            if themes_list:
                out.append(f"list_has_any({themes_list}, {p.bind(list(self.themes))}::varchar[])")
            elif theme_code:
                out.append(f"{theme_code} in (select unnest({p.bind(list(self.themes))}::varchar[]))")
            elif challenge:
                out.append(
                    f"{challenge} in (select challenge_id from fct_challenges "  # noqa: S608 - bound values
                    f"where list_has_any(themes, {p.bind(list(self.themes))}::varchar[]))"
                )
        if period and self.month_from:
            out.append(f"{period} >= {p.bind(self.period_start)}::date")
        if period and self.month_to:
            out.append(f"{period} <= {p.bind(self.period_end)}::date")
        return " and ".join(out)


HASH_FUNCS[Filters] = _fields_key


def as_at(build: LiveBuild) -> date:
    """The date the build's figures are as at."""
    return date.fromisoformat(build.as_at)

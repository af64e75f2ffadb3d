"""The case pickers (issues 14 and 16): the case timeline's and the logging form's. A case is found
by a search on the server (dashboard/search_pick.py: its case reference or challenge id, at least
``data.SEARCH_MIN_CHARS`` characters, at most ``data.SEARCH_LIMIT`` matches, within the user's
scope, ``data.search_cases``), never from a list of every challenge in scope (12 thousand for a
local authority, millions nationally). Before anything is typed the user's most urgent cases are
offered (``data.urgent_cases``: open and overdue first), so an IRO with few cases never types.

The logging form's picker offers only what the user may act on, and also finds the challenges
logged in the app since the last build (``data.unbuilt_challenges``: in the events folder, not yet
in the build), first."""

from __future__ import annotations

from collections.abc import Callable

from accounts.access import ROWS_OWN, Scope
from dashboard import data, search_pick, ui
from warehouse.store import LiveBuild


def stage_words(row: dict) -> str:
    return row.get("current_stage_name") or (
        "informal" if not row.get("current_stage") else f"stage {row['current_stage']}"
    )


def case_words(row: dict) -> str:
    """The case timeline's words for a case: 'C-1 · open, overdue · Head of Service · Team 1 · raised
    3 Oct 2026'."""
    status = row["status"] + (", overdue" if row.get("is_overdue") else "")
    return (
        f"{row['case_ref']} · {status} · {stage_words(row)} · {row.get('team_name') or 'team not recorded'} · "
        f"raised {ui.long_date(row['raised_on']) if row.get('raised_on') else 'date not known'}"
    )


def challenge_words(row: dict) -> str:
    """The logging form's words for a challenge, its id last (a challenge logged a moment ago has no
    team yet): 'C-1 · open · stage 2 · raised 03/10/2026 · CH-123'."""
    stage = "informal" if not row.get("current_stage") else f"stage {row['current_stage']}"
    pending = " (not in the figures yet)" if row.get("pending_build") else ""
    return (
        f"{row['case_ref']} · {row['status']} · {stage} · raised {ui.short_date(row['raised_on'])}{pending} · "
        f"{row['challenge_id']}"
    )


def _merged(*parts: list[dict]) -> list[dict]:
    """Rows of several lists, the first list's first, each challenge once, at most the limit + 1."""
    seen: dict[str, dict] = {}
    for rows in parts:
        for r in rows:
            seen.setdefault(r["challenge_id"], r)
    return list(seen.values())[: data.SEARCH_LIMIT + 1]


def _whose(scope: Scope) -> str:
    if scope.team_ids is not None:
        return "your teams' challenges"
    if scope.rows == ROWS_OWN:
        return "your challenges"
    return "all challenges"


def pick_case(
    build: LiveBuild,
    scope: Scope,
    *,
    key: str,
    label: str = "Case",
    home: str | None = None,
    words: Callable[[dict], str] = case_words,
    choice_help: str | None = None,
) -> str | None:
    """The case search and choice; returns the challenge id chosen (or None). With ``home`` (the
    logging form), only the challenges the user may act on, and those logged in the app since the
    build first; without, every case the user may see."""
    acting = home is not None
    whose = _whose(scope)

    def search(text: str) -> list[dict]:
        found = data.search_cases(build, scope, text, acting=acting).to_dicts()
        if not acting:
            return found
        return _merged(data.unbuilt_challenges(build, home, scope, text), found)

    def first() -> list[dict]:
        urgent = data.urgent_cases(build, scope, acting=acting).to_dicts()
        if not acting:
            return urgent
        return _merged(data.unbuilt_challenges(build, home, scope), urgent)

    chosen, _ = search_pick.pick(
        key,
        label=label,
        search_label="Find a case: search by case reference",
        search_help=f"At least {data.SEARCH_MIN_CHARS} characters of the case reference (or the "
        f"challenge id); up to {data.SEARCH_LIMIT} of {whose} are listed, open ones first. Before a "
        "search, the most urgent are offered.",
        example="e.g. C-4F2",
        where=f"among {whose}",
        placeholder="Choose a case",
        id_column="challenge_id",
        words=words,
        search=search,
        first=first,
        first_more=f"The {data.SEARCH_LIMIT} most urgent of {whose} (open and overdue first): search "
        "above for any other.",
        choice_help=choice_help,
    )
    return chosen

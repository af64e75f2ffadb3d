"""The log form's name search (issue 15): a child or a manager is found by what the user types, on
the server, and chosen from the matches, never typed as a bare case-system id.

Each picker is the search box and choice of dashboard/search_pick.py (``key``, and ``key + '_pick'``
for the choice) listing at most ``data.SEARCH_LIMIT`` matches from ``data.search_children`` (within
the user's scope) or ``data.search_workers`` (managers and social workers in post). A search needs
``data.SEARCH_MIN_CHARS`` characters; a whole id or case reference typed is chosen at once. The
choice is kept while the search changes, so a live refresh or a new search never loses it.

A manager whose role is not the stage's responder role (dim_protocol_stages) is queried before the
save: :func:`role_query` words the question, the page offers "Save anyway" beside Save, and the
answer is recorded in the audit with the write."""

from __future__ import annotations

import streamlit as st

from accounts.access import Scope
from dashboard import data, search_pick
from warehouse.store import LiveBuild

LEGAL_WORDS = {"lac": "looked after", "cp": "child protection", "cin": "child in need"}
ROLE_WORDS = {
    "social_worker": "Social worker",
    "team_manager": "Team Manager",
    "service_manager": "Service Manager",
    "head_of_service": "Head of Service",
    "assistant_director": "Assistant Director",
    "iro": "IRO",
    "conference_chair": "Conference Chair",
    "assistant_service_manager": "Assistant Service Manager",
}


def role_words(role: str | None) -> str:
    return ROLE_WORDS.get(role or "", (role or "role not recorded").replace("_", " "))


def child_words(row: dict, *, show_child_id: bool) -> str:
    """How a child is told apart in the list: case reference, (case-system id), legal status, age,
    team."""
    parts = [row["case_ref"] or ""]
    if show_child_id:
        parts[0] += f" ({row['child_id']})"
    parts.append(LEGAL_WORDS.get(row.get("legal_status") or "", row.get("legal_status") or ""))
    if row.get("age_years") is not None:
        parts.append(f"age {row['age_years']}")
    parts.append(row.get("team_name") or "team not known")
    return " · ".join(p for p in parts if p)


def worker_words(row: dict) -> str:
    """A manager in the list: name, role, team (and worker id, which tells two of a name apart)."""
    return (
        f"{row['worker_name'] or row['worker_id']} · {role_words(row.get('role'))} · "
        f"{row.get('team_name') or 'team not known'} ({row['worker_id']})"
    )


def pick_child(build: LiveBuild, scope: Scope, *, key: str, label: str = "Child") -> dict | None:
    """The child search and choice; returns the chosen child (data.child) or None."""
    scope_words = (
        "among your teams' children"
        if scope.team_ids is not None
        else "among the children of your challenges"
        if scope.worker_id
        else ""
    )
    show_id = scope.show_child_id
    chosen, _ = search_pick.pick(
        key,
        label=label,
        search_label=f"{label}: search by case reference or case-system id",
        search_help=f"At least {data.SEARCH_MIN_CHARS} characters; up to {data.SEARCH_LIMIT} matches "
        f"{scope_words or 'are listed'}. A whole case-system id or case reference finds any child "
        "known to the service.",
        example="e.g. C1003 or C-4F2",
        where=scope_words,
        placeholder="Choose the child from the matches",
        id_column="child_id",
        words=lambda r: child_words(r, show_child_id=show_id),
        search=lambda text: data.search_children(build, scope, text).to_dicts(),
    )
    return data.child(build, chosen) if chosen else None


def pick_worker(
    build: LiveBuild,
    *,
    key: str,
    label: str,
    role: str | None = None,
    team_id: str | None = None,
    current: str | None = None,
) -> tuple[str | None, dict | None]:
    """A manager (or social worker) search and choice: (worker id chosen, their dim_workers row or
    None when not in post). ``role`` (the stage's responder role) and ``team_id`` (the challenge's
    team) put the likeliest people first. ``current`` is a worker id already recorded (a correction):
    chosen to start with."""
    if current and st.session_state.get("_" + key + "_pick_current") != current:
        st.session_state["_" + key + "_pick_current"] = current
        now = data.worker(build, current)
        search_pick.choose(key, current, worker_words(now) if now else f"{current} (not in post now)")
    chosen, row = search_pick.pick(
        key,
        label=label,
        search_label=f"{label}: search by name",
        search_help=f"At least {data.SEARCH_MIN_CHARS} characters of the name (or the worker id); up to "
        f"{data.SEARCH_LIMIT} managers and social workers in post are listed"
        + (f", {role_words(role)}s first" if role else "")
        + ".",
        example="e.g. Patel",
        where="among the managers and social workers in post",
        placeholder="Choose the person from the matches",
        id_column="worker_id",
        words=worker_words,
        search=lambda text: data.search_workers(build, text, role=role, team_id=team_id).to_dicts(),
    )
    if not chosen:
        return None, None
    row = row or data.worker(build, chosen)
    if row is None:
        search_pick.remember(key, chosen, f"{chosen} (not in post now)")
    return chosen, row


#: A search typed but nothing chosen (search_pick.unchosen_error), as the form's fields call it.
unchosen_error = search_pick.unchosen_error


def role_query(build: LiveBuild, person: dict | None, stage: int | None) -> dict | None:
    """The question to ask before saving when ``person`` is not in the role that responds at
    ``stage`` (dim_protocol_stages.responder_role), or None when there is nothing to ask (no
    person, a person not in post, a stage with no responder role, or the roles match)."""
    if person is None or stage is None:
        return None
    wanted, stage_name = data.stage_responder(build, int(stage))
    if not wanted or person.get("role") == wanted:
        return None
    where = stage_name if int(stage) == 0 else f"stage {int(stage)} ({stage_name})"
    return {
        "worker_id": person["worker_id"],
        "worker_role": person.get("role"),
        "stage": int(stage),
        "responder_role": wanted,
        "text": (
            f"{person.get('worker_name') or person['worker_id']} is a {role_words(person.get('role'))}, "
            f"but {where} is answered by a {role_words(wanted)}. Save anyway, or choose another person "
            "above."
        ),
    }

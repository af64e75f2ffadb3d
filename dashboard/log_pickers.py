"""The log form's name search (issue 15): a child or a manager is found by what the user types, on
the server, and chosen from the matches, never typed as a bare case-system id.

Each picker is a search box (``key``, committed while typing) and a choice (``key + '_pick'``)
listing at most ``data.SEARCH_LIMIT`` matches from ``data.search_children`` (within the user's
scope) or ``data.search_workers`` (managers and social workers in post). A search needs
``data.SEARCH_MIN_CHARS`` characters; a whole id or case reference typed is chosen at once. The
choice is kept while the search changes, so a live refresh or a new search never loses it.

A manager whose role is not the stage's responder role (dim_protocol_stages) is queried before the
save: :func:`role_query` words the question, the page offers "Save anyway" beside Save, and the
answer is recorded in the audit with the write."""

from __future__ import annotations

import streamlit as st

from accounts.access import Scope
from dashboard import data, ui
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
NOT_CHOSEN = "Choose {what} from the matches, or clear the search."


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


def _search_box(label: str, key: str, help_text: str, placeholder: str) -> str:
    return st.text_input(
        label,
        key=key,
        live="400ms",
        placeholder=placeholder,
        help=help_text,
    ).strip()


def _matches_caption(n: int, text: str, where: str) -> None:
    if not text:
        return
    if len(text) < data.SEARCH_MIN_CHARS:
        st.caption(f"Type at least {data.SEARCH_MIN_CHARS} characters to search.")
    elif n == 0:
        st.caption(ui.plain(f"Nothing matches '{text}' {where}."))
    elif n > data.SEARCH_LIMIT:
        st.caption(f"The first {data.SEARCH_LIMIT} matches: type more to narrow them.")
    else:
        st.caption(f"{ui.plural(n, 'match', 'matches')}.")


def _choice(label: str, key: str, rows: dict[str, dict], words, text: str, *, placeholder: str) -> str | None:
    pick_key = key + "_pick"
    exact = [i for i, r in rows.items() if r.get("is_exact")]
    # A whole id (or case reference) typed is chosen at once, once per search text: the user can
    # still choose another match afterwards.
    if len(exact) == 1 and st.session_state.get("_" + pick_key + "_auto") != text:
        st.session_state["_" + pick_key + "_auto"] = text
        st.session_state[pick_key] = exact[0]
    chosen = st.session_state.get(pick_key)
    labels = {i: words(r) for i, r in rows.items()}
    if chosen and chosen not in rows:  # kept while the search changes
        labels = {chosen: words_for_chosen(key, chosen), **labels}
    return st.selectbox(
        label,
        list(labels),
        index=None,
        format_func=labels.get,
        key=pick_key,
        placeholder=placeholder if labels else "Search above first",
    )


def words_for_chosen(key: str, value: str) -> str:
    return st.session_state.get("_" + key + "_words", {}).get(value, value)


def _remember(key: str, value: str | None, words: str | None) -> None:
    if value and words:
        st.session_state.setdefault("_" + key + "_words", {})[value] = words


def pick_child(build: LiveBuild, scope: Scope, *, key: str, label: str = "Child") -> dict | None:
    """The child search and choice; returns the chosen child (data.child) or None."""
    scope_words = (
        "among your teams' children"
        if scope.team_ids is not None
        else "among the children of your challenges"
        if scope.worker_id
        else ""
    )
    text = _search_box(
        f"{label}: search by case reference or case-system id",
        key,
        f"At least {data.SEARCH_MIN_CHARS} characters; up to {data.SEARCH_LIMIT} matches "
        f"{scope_words or 'are listed'}. A whole case-system id or case reference finds any child "
        "known to the service.",
        "e.g. C1003 or C-4F2",
    )
    found = data.search_children(build, scope, text)
    rows = {r["child_id"]: r for r in found.head(data.SEARCH_LIMIT).iter_rows(named=True)}
    _matches_caption(found.height, text, scope_words)
    show_id = scope.show_child_id
    chosen = _choice(
        label,
        key,
        rows,
        lambda r: child_words(r, show_child_id=show_id),
        text,
        placeholder="Choose the child from the matches",
    )
    if not chosen:
        return None
    child = data.child(build, chosen)
    if child is not None:
        _remember(
            key,
            chosen,
            child_words(dict(child, age_years=rows.get(chosen, {}).get("age_years")), show_child_id=show_id),
        )
    return child


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
    pick_key = key + "_pick"
    if current and st.session_state.get("_" + pick_key + "_current") != current:
        st.session_state["_" + pick_key + "_current"] = current
        st.session_state[pick_key] = current
        now = data.worker(build, current)
        _remember(key, current, worker_words(now) if now else f"{current} (not in post now)")
    text = _search_box(
        f"{label}: search by name",
        key,
        f"At least {data.SEARCH_MIN_CHARS} characters of the name (or the worker id); up to "
        f"{data.SEARCH_LIMIT} managers and social workers in post are listed"
        + (f", {role_words(role)}s first" if role else "")
        + ".",
        "e.g. Patel",
    )
    found = data.search_workers(build, text, role=role, team_id=team_id)
    rows = {r["worker_id"]: r for r in found.head(data.SEARCH_LIMIT).iter_rows(named=True)}
    _matches_caption(found.height, text, "among the managers and social workers in post")
    chosen = _choice(label, key, rows, worker_words, text, placeholder="Choose the person from the matches")
    if not chosen:
        return None, None
    row = rows.get(chosen) or data.worker(build, chosen)
    _remember(key, chosen, worker_words(row) if row else f"{chosen} (not in post now)")
    return chosen, row


def unchosen_error(key: str, what: str) -> str | None:
    """A search typed but nothing chosen: say so rather than save the field empty."""
    if (st.session_state.get(key) or "").strip() and not st.session_state.get(key + "_pick"):
        return NOT_CHOSEN.format(what=what)
    return None


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

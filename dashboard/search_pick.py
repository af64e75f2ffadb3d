"""Finding one row among more than a page may send (issues 14 to 16): a search box, queried on the
server, and a choice among at most ``data.SEARCH_LIMIT`` matches. The one implementation behind
every picker of that kind: the logging form's child and manager (dashboard/log_pickers.py) and the
case pickers of the case timeline and the logging form (dashboard/case_picker.py).

A picker is a search box (``key``, committed while typing, after a 0.4 s pause) and a choice
(``key + '_pick'``). A search needs ``data.SEARCH_MIN_CHARS`` characters; a whole id or case
reference typed (a row the search marks ``is_exact``, and only one) is chosen at once. Before
anything is typed, a picker may offer first choices of its own (a user's most urgent cases), as
bounded as a search. The choice is kept while the search changes (its words remembered), so a live
refresh or a new search never loses it; :func:`choose` sets it from outside (a link, a value
already recorded)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from dashboard import data, ui


def search_box(label: str, key: str, help_text: str, placeholder: str) -> str:
    return st.text_input(label, key=key, live="400ms", placeholder=placeholder, help=help_text).strip()


def matches_caption(n: int, text: str, where: str) -> None:
    """What the search found, under the box: nothing before a search."""
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


def words_for_chosen(key: str, value: str) -> str:
    return st.session_state.get("_" + key + "_words", {}).get(value, value)


def remember(key: str, value: str | None, words: str | None) -> None:
    """The words a choice is shown with once the search no longer finds it."""
    if value and words:
        st.session_state.setdefault("_" + key + "_words", {})[value] = words


def choose(key: str, value: str | None, words: str | None = None) -> None:
    """Choose ``value`` in picker ``key`` from outside the picker (a link, a value already
    recorded), before the picker is drawn; ``words``: how it is shown while no search finds it."""
    st.session_state[key + "_pick"] = value
    remember(key, value, words)


def chosen(key: str) -> str | None:
    return st.session_state.get(key + "_pick")


def unchosen_error(key: str, what: str) -> str | None:
    """A search typed but nothing chosen: say so rather than save the field empty."""
    if (st.session_state.get(key) or "").strip() and not chosen(key):
        return f"Choose {what} from the matches, or clear the search."
    return None


def _choice(
    label: str,
    key: str,
    rows: dict[str, dict],
    words: Callable[[dict], str],
    text: str,
    *,
    placeholder: str,
    help_text: str | None,
) -> str | None:
    pick_key = key + "_pick"
    exact = [i for i, r in rows.items() if r.get("is_exact")]
    # A whole id (or case reference) typed is chosen at once, once per search text: the user can
    # still choose another match afterwards.
    if text and len(exact) == 1 and st.session_state.get("_" + pick_key + "_auto") != text:
        st.session_state["_" + pick_key + "_auto"] = text
        st.session_state[pick_key] = exact[0]
    held = st.session_state.get(pick_key)
    labels = {i: words(r) for i, r in rows.items()}
    if held and held not in rows:  # kept while the search changes
        labels = {held: words_for_chosen(key, held), **labels}
    return st.selectbox(
        label,
        list(labels),
        index=None,
        format_func=labels.get,
        key=pick_key,
        placeholder=placeholder if labels else "Search above first",
        help=help_text,
    )


def pick(
    key: str,
    *,
    label: str,
    search_label: str,
    search_help: str,
    example: str,
    where: str,
    placeholder: str,
    id_column: str,
    words: Callable[[dict], str],
    search: Callable[[str], Sequence[dict]],
    first: Callable[[], Sequence[dict]] | None = None,
    first_more: str | None = None,
    choice_help: str | None = None,
) -> tuple[str | None, dict | None]:
    """The search box and the choice: (the id chosen, its row when the current list has it).

    ``search(text)`` returns at most ``data.SEARCH_LIMIT`` + 1 rows (the extra one says there are
    more), each with ``id_column`` and, for a whole id typed, ``is_exact``; ``where`` ends "Nothing
    matches 'x' ...". ``first()``, as bounded, is offered while fewer than
    ``data.SEARCH_MIN_CHARS`` characters are typed, and ``first_more`` is the caption when it has
    more than the limit."""
    text = search_box(search_label, key, search_help, example)
    searching = len(text) >= data.SEARCH_MIN_CHARS
    if searching or first is None:
        found = list(search(text)) if searching else []
        matches_caption(len(found), text, where)
    else:
        found = list(first())
        if text:
            matches_caption(0, text, where)  # "Type at least N characters", over the first choices
        elif len(found) > data.SEARCH_LIMIT and first_more:
            st.caption(first_more)
    rows = {r[id_column]: r for r in found[: data.SEARCH_LIMIT]}
    value = _choice(label, key, rows, words, text, placeholder=placeholder, help_text=choice_help)
    row = rows.get(value) if value else None
    if row is not None:
        remember(key, value, words(row))
    return value, row

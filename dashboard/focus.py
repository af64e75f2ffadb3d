"""Keyboard and screen-reader focus (WCAG 2.4.3 focus order, 4.1.3 status messages; see
docs/accessibility.md). Streamlit swaps a page's content without a page load, so the browser leaves
focus on the navigation link (or on a button that no longer exists) and a screen reader announces
nothing. These helpers run a few lines of script in the page (``st.html`` with JavaScript, in the
sidebar so that they take no room in the page) that move focus once to the element named.

The script is sent again only when its text changes (a new page, a new saved event), so a rerun of
the same page (a filter change, the live-build watch) does not take focus away from where it is."""

from __future__ import annotations

import html
import json

import streamlit as st

_SCRIPT = """<script>
(() => {
  const find = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
    return [...document.querySelectorAll(%(selector)s)].find(
      e => (e.innerText || '').includes(%(text)s)) || null;
  };
  let tries = 0;
  const go = () => {
    const el = find();
    if (!el) { if (tries++ < 200) setTimeout(go, 50); return; }
    if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
    el.focus({preventScroll: true});
    el.scrollIntoView({block: 'center'});
  };
  go();  /* %(key)s */
})();
</script>"""


def focus_once(selector: str, *, text: str = "", key: str, where=None) -> None:
    """Move focus (and scroll) to the first element matching CSS ``selector`` whose text contains
    ``text``, once the script run has finished; again only when ``key`` changes. The script goes in
    the sidebar, or in ``where`` (``st`` for the main area, on a page with no sidebar)."""
    body = _SCRIPT % {
        "selector": json.dumps(selector),
        "text": json.dumps(text),
        "key": key.replace("*/", ""),
    }
    (where or st.sidebar).html(body, unsafe_allow_javascript=True)


def focus_page_heading(page_key: str) -> None:
    """After navigating to a page, focus its main heading (the first h1 in the page)."""
    focus_once('[data-testid="stMainBlockContainer"] h1', key=f"page {page_key}")


def focus_status(text: str, *, key: str) -> None:
    """Focus and show a status message (``st.success``: role=status) containing ``text``."""
    focus_once('[data-testid="stAlertContainer"]', text=text, key=f"status {key}")


def chosen(what: str, labels: list[str]) -> None:
    """Say in words, under a multiselect, what is chosen: a visible line that is also a polite live
    region (role=status), so that an option added by keyboard is seen and heard, not only drawn as
    a chip inside the box. The labels are escaped: nothing chosen is read as HTML."""
    words = "; ".join(html.escape(label) for label in labels) if labels else "none yet"
    st.html(
        f'<p role="status" aria-live="polite" style="margin:0;font-size:0.875rem">'
        f"{html.escape(what)} chosen ({len(labels)}): {words}</p>"
    )

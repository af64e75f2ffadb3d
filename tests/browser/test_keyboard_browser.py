"""Keyboard-only sign-in and use of the log form (WCAG 2.1.1 keyboard, 2.4.3 focus order, 4.1.3
status messages), in headless Chromium: an IRO signs in (Tab, type, Enter) and logs a Formal Escalation with only Tab, the
arrow keys, Enter, Escape and typing. Checked on the way: after each navigation, focus is on the new
page's main heading; what the themes multiselect added is said in words under it (role=status); the
save confirmation is a status message (role=status), has focus, is in view, and is still there and
in view well after the rebuild it asked for has gone live (it used to vanish after ~6 s).

Runs against its own copy of the demo warehouse, since a save really rebuilds."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from accounts import users
from tests.browser.server import serve, wait_for_app
from tests.conftest import Warehouse, clone_warehouse
from tests.dashboard.conftest import query
from warehouse.events import read_events
from warehouse.store import read_live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IRO = "keyboard-iro"
PASSWORD = "a keyboard-only IRO's password"
THEME = "Health assessment out of date"

#: What has focus: its tag, role, and the label a person would read for it.
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {tag: 'BODY', label: '', role: ''};
    const box = el.closest('[data-testid="stElementContainer"]');
    const widget = box && box.querySelector('[data-testid="stWidgetLabel"]');
    const own = el.type === 'radio' ? el.closest('label') : null;  // a radio: its option's words
    const label = (own && own.innerText) || (widget && widget.innerText) || el.getAttribute('aria-label')
        || (el.labels && el.labels[0] && el.labels[0].innerText) || el.innerText || '';
    return {tag: el.tagName, label: label.trim(), role: el.getAttribute('role') || ''};
}"""
IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


@pytest.fixture(scope="module")
def own_app(demo_warehouse, tmp_path_factory) -> Iterator[tuple[str, Warehouse]]:
    w = clone_warehouse(demo_warehouse, tmp_path_factory.mktemp("keyboard_browser") / "home")
    worker = query(
        w.live, "select iro_worker_id from fct_challenges where iro_worker_id is not null limit 1"
    ).item()
    users.add_user(w.paths, IRO, role="iro", password=PASSWORD, worker_id=worker)
    with serve(w.home, log=w.home / "streamlit.log") as url:
        yield url, w


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(
    page, label: str, *, most: int = 60, shift: bool = False, tag: str = "", exact: bool = False
) -> dict:
    """Press Tab (or Shift+Tab) until focus is on the control labelled ``label`` (its start, or the
    whole label with ``exact``)."""
    seen = []
    for _ in range(most):
        page.keyboard.press("Shift+Tab" if shift else "Tab")
        now = focused(page)
        words = now["label"]
        if ((words.startswith(label) and not exact) or label in words.split("\n")) and now["tag"] in (
            tag or now["tag"],
        ):  # a nav link has its icon's name first
            return now
        seen.append(now["label"][:40])
    raise AssertionError(f"{label!r} not reached by Tab; focus went through {seen}")


def type_and_leave(page, text: str) -> None:
    """Type into the focused field and commit it as a keyboard user does (Enter), then wait."""
    page.keyboard.type(text, delay=20)
    page.wait_for_timeout(200)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    wait_for_app(page)


def heading_has_focus(page, title: str) -> None:
    page.wait_for_function(
        """(title) => { const el = document.activeElement;
            return el && el.tagName === 'H1' && el.innerText.trim() === title; }""",
        arg=title,
        timeout=10_000,
    )


def test_signing_in_with_the_keyboard_only(chromium, own_app):
    """Tab, type, Enter: Enter in the Username field (a keyboard user's habit) asks for the password,
    keeps the username and puts focus in the Password field; a wrong password keeps the username,
    empties the password and gives focus back to it; then Enter signs in and focus is on the page's
    heading."""
    url, _ = own_app
    ctx = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    username = page.get_by_label("Username", exact=True)
    password = page.get_by_label("Password", exact=True)
    try:
        page.goto(url)
        wait_for_app(page)
        tab_to(page, "Username", tag="INPUT")
        page.keyboard.type(IRO, delay=20)
        page.keyboard.press("Enter")
        page.get_by_text("Enter your password.").wait_for(timeout=30_000)
        wait_for_app(page)
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.getAttribute('aria-label') === 'Password'",
            timeout=10_000,
        )
        assert username.input_value() == IRO

        page.keyboard.type("not the password", delay=20)
        page.keyboard.press("Enter")
        page.get_by_text("Sign-in failed.", exact=False).wait_for(timeout=30_000)
        wait_for_app(page)
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.getAttribute('aria-label') === 'Password'"
            " && document.activeElement.value === ''",
            timeout=10_000,
        )
        assert username.input_value() == IRO

        page.keyboard.type(PASSWORD, delay=20)
        page.keyboard.press("Enter")
        password.wait_for(state="detached", timeout=30_000)
        wait_for_app(page)
        first = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip()
        heading_has_focus(page, first)
    finally:
        ctx.close()


def test_an_iro_logs_a_challenge_with_the_keyboard_only(chromium, own_app):
    url, w = own_app
    child = query(w.live, "select child_id from dim_children order by child_id limit 1").item(0, 0)
    ctx = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    try:
        page.goto(url)
        wait_for_app(page)
        # sign in by keyboard alone: Tab to Username, type, Tab to Password, type, Enter
        tab_to(page, "Username", tag="INPUT")
        page.keyboard.type(IRO, delay=20)
        page.keyboard.press("Tab")
        assert focused(page)["label"] == "Password"
        page.keyboard.type(PASSWORD, delay=20)
        page.keyboard.press("Enter")
        page.get_by_label("Password", exact=True).wait_for(state="detached", timeout=30_000)
        wait_for_app(page)
        first = page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text().strip()
        heading_has_focus(page, first)  # the landing page's heading, not the vanished form

        # to the log form by its navigation link; focus lands on its heading
        tab_to(page, "Log a challenge", shift=True)
        page.keyboard.press("Enter")
        wait_for_app(page)
        heading_has_focus(page, "Log a challenge")

        # Kind: Positive Challenge (informal) -> Formal Escalation with an arrow key
        now = tab_to(page, "Positive Challenge")
        assert now["tag"] == "INPUT", now
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
        wait_for_app(page)
        stage = page.get_by_role("spinbutton", name="Entering at stage")
        stage.wait_for(timeout=10_000)
        tab_to(page, "Entering at stage", tag="INPUT")  # not its help icon
        page.keyboard.press("Control+A")
        type_and_leave(page, "3")
        assert stage.input_value() == "3"

        tab_to(page, "Child: search by case reference or case-system id", tag="INPUT")  # not its help icon
        type_and_leave(page, child)
        # the whole id typed chooses the child; the choice is the next control (choose the first
        # match with the arrow keys if the search was still settling)
        tab_to(page, "Child", tag="INPUT", exact=True)
        chosen = page.evaluate("() => document.activeElement.value")
        if f"({child})" not in chosen:
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            page.wait_for_timeout(300)
            wait_for_app(page)
            chosen = page.evaluate("() => document.activeElement.value")
        assert f"({child})" in chosen, chosen

        # Themes: type to filter, Enter adds, Escape closes; what was added is said in words
        tab_to(page, "Themes")
        page.keyboard.type("Health assessment")
        page.wait_for_timeout(300)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        wait_for_app(page)
        said = page.locator('[role="status"]').filter(has_text="Themes chosen (1)")
        said.wait_for(timeout=10_000)
        assert THEME in said.inner_text()
        assert said.evaluate(IN_VIEW)

        tab_to(page, "The concern, in words")
        page.keyboard.type("Care plan not reviewed; drifting (typed with the keyboard only)")
        # the text area commits on leaving it (Tab), which is how a keyboard user goes on to Save
        tab_to(page, "Save")
        wait_for_app(page)
        first_build = read_live(w.paths).build_id
        page.keyboard.press("Enter")

        status = page.locator('[data-testid="stAlertContainer"][role="status"]').filter(
            has_text=re.compile(r": case .*stage 3")
        )
        status.wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.closest('[role=\"status\"]')",
            timeout=10_000,
        )
        assert status.evaluate(IN_VIEW), "the save confirmation is out of view"
        [saved] = [
            e for e in read_events(w.paths).to_dicts() if e["child_id"] == child and e["action"] == "raised"
        ]
        assert (saved["child_id"], saved["entry_stage"]) == (child, 3)

        # the confirmation stays, and stays in view, after the rebuild it asked for has gone live and
        # rerun the page (which is what made it vanish after ~6 s before)
        deadline = time.monotonic() + 180
        while read_live(w.paths).build_id == first_build and time.monotonic() < deadline:
            time.sleep(1)
        assert read_live(w.paths).build_id != first_build, "the save's rebuild did not go live"
        time.sleep(4)  # the page notices a new build within 2 s and reruns
        wait_for_app(page)
        assert status.count() == 1 and status.is_visible()
        assert status.evaluate(IN_VIEW), "the save confirmation went out of view"
    except Exception:
        page.screenshot(path=str(w.home / "keyboard_failure.png"))
        raise
    finally:
        ctx.close()

"""Logging a challenge in the browser: an IRO signs in through the real form in headless Chromium,
fills the logging form, sees "Saved", then watches the challenge meeting page (their own cases)
pick the new challenge up by itself (no reload) once the background rebuild is live. Runs against
its own copy of the demo warehouse, since it really rebuilds."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from accounts import audit, users
from tests.browser.server import serve, sign_in, wait_for_app
from tests.conftest import Warehouse, clone_warehouse
from tests.dashboard.conftest import query
from warehouse.events import read_events
from warehouse.pseudonyms import pseudonym, pseudonym_key
from warehouse.store import read_live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IRO = "browser-iro"
IRO_PASSWORD = "an independent reviewing officer's password"


@pytest.fixture(scope="module")
def own_app(demo_warehouse, tmp_path_factory) -> Iterator[tuple[str, Warehouse, str]]:
    """The app on a private copy of the demo warehouse, with an IRO account for the demo IRO who
    has the most open stage 3 and 4 challenges (so their meeting page has cases)."""
    w = clone_warehouse(demo_warehouse, tmp_path_factory.mktemp("log_browser") / "home")
    worker = query(
        w.live,
        "select c.iro_worker_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
        "where c.iro_worker_id is not null group by all order by count(*) desc, c.iro_worker_id limit 1",
    ).item()
    users.add_user(w.paths, IRO, role="iro", password=IRO_PASSWORD, worker_id=worker)
    with serve(w.home, log=w.home / "streamlit.log") as url:
        yield url, w, worker


def metric(page, label: str) -> int:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def nav(page, title: str) -> None:
    """Follow the sidebar navigation link (client-side: the page is not reloaded)."""
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.wait_for_timeout(300)
    wait_for_app(page)


def pick_theme(page, label: str, attempts: int = 3) -> None:
    """Choose a theme in the Themes multiselect and wait until it shows as chosen, as a person
    would look; pick again if the click was lost (the app was busy re-running, e.g. while a
    rebuilder warmed up beside it on a loaded machine)."""
    themes = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Themes")
    chosen = themes.get_by_text(label, exact=True)
    for _ in range(attempts):
        if chosen.count():
            return
        themes.locator("input").click()
        option = page.get_by_role("option", name=label, exact=True)
        if option.count():
            option.click()
        page.keyboard.press("Escape")
        wait_for_app(page)
        with contextlib.suppress(PlaywrightTimeout):
            chosen.wait_for(timeout=5_000)
    assert chosen.count(), f"the theme {label!r} could not be chosen"


def choose(page, label: str, starts: str, attempts: int = 3) -> None:
    """Open the choice labelled ``label`` and click the option that starts with ``starts`` (the
    server's matches for what was typed in the search above it); again if the click was lost."""
    box = page.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator("label", has_text=re.compile("^" + re.escape(label) + "$"))
    )
    shown = box.locator("input")  # the chosen option shows as the input's value
    for _ in range(attempts):
        if shown.input_value().startswith(starts):
            return
        shown.click()
        option = page.get_by_role("option", name=re.compile("^" + re.escape(starts)))
        with contextlib.suppress(PlaywrightTimeout):
            option.first.click(timeout=5_000)
        wait_for_app(page)
    assert shown.input_value().startswith(starts), f"{starts!r} could not be chosen in {label!r}"


def settle(page) -> None:
    page.keyboard.press("Tab")
    page.wait_for_timeout(250)
    wait_for_app(page)


def test_log_a_challenge_and_see_it_on_the_meeting_page_without_a_reload(chromium, own_app):
    url, w, worker = own_app
    # a child of one of the IRO's own challenges, found by part of its case reference; a Head of
    # Service (stage 3's responder) found by part of their name (issue 15: no typed ids)
    child = query(
        w.live,
        "select child_id from fct_challenges where iro_worker_id = $w order by child_id limit 1",
        {"w": worker},
    ).item(0, 0)
    case_ref = pseudonym(child, pseudonym_key(w.paths))  # as the marts' case_ref
    hos = query(
        w.live,
        "select worker_id, worker_name from dim_workers where role = 'head_of_service' order by worker_id limit 1",
    ).row(0, named=True)
    ctx = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(f"{url}/meeting")
        wait_for_app(page)
        sign_in(page, IRO, IRO_PASSWORD)  # the real sign-in form; the link's page opens after it
        assert page.locator("h1").first.inner_text().strip() == "Challenge meeting"
        before = metric(page, "Open at stage 3 or 4")  # their own cases only
        first_build = read_live(w.paths).build_id

        nav(page, "Log a challenge")
        # no "who are you" field: the signed-in IRO records, and raises in their own name
        assert page.get_by_role("textbox", name="Your name or worker id").count() == 0
        try:  # the page is drawn once its script has run (it may still be running after nav)
            page.get_by_text("Recording as").first.wait_for(timeout=30_000)
        except Exception:
            page.screenshot(path=str(w.home / "log_form_open_failure.png"), full_page=True)
            raise
        page.get_by_text("Formal Escalation", exact=True).click()
        wait_for_app(page)
        page.get_by_role("spinbutton", name="Entering at stage").fill("3")
        settle(page)
        page.get_by_role("textbox", name="Child: search by case reference or case-system id").fill(
            case_ref[:6]
        )
        settle(page)
        choose(page, "Child", f"{case_ref} ({child})")
        page.get_by_role("textbox", name="Raised with (the manager or social worker): search by name").fill(
            hos["worker_name"].split()[-1][:4]
        )
        settle(page)
        choose(page, "Raised with (the manager or social worker)", f"{hos['worker_name']} · Head of Service")
        pick_theme(page, "Health assessment out of date")
        page.get_by_role("textbox", name="The concern, in words").fill(
            "Care plan <b>not</b> reviewed & drifting"
        )
        settle(page)
        saved_at = time.monotonic()
        page.get_by_role("button", name="Save").click()
        try:
            # the confirmation at the button: case reference, stage, due date; no internal id
            page.get_by_text(
                re.compile(r"^Challenge logged: case C-[0-9A-F]+, stage 3 .*response due ")
            ).wait_for(timeout=30_000)
            page.get_by_text("Open the case").wait_for(timeout=10_000)
            assert (
                page.get_by_role(
                    "textbox", name="Child: search by case reference or case-system id"
                ).input_value()
                == ""
            )
        except Exception:
            page.screenshot(path=str(w.home / "log_form_failure.png"), full_page=True)
            raise
        save_seconds = time.monotonic() - saved_at
        [ev] = [e for e in read_events(w.paths).to_dicts() if e["child_id"] == child]
        assert (ev["recorded_by"], ev["raised_by_worker_id"]) == (IRO, worker)
        assert ev["raised_with_worker_id"] == hos["worker_id"]  # the person chosen by name
        log = audit.read(w.paths)
        assert ev["event_id"] in "".join(log.filter(log["action"] == "write")["detail"].to_list())

        nav(page, "Challenge meeting")
        # No reload from here on: the app notices the new live build by itself.
        deadline = time.monotonic() + 120
        while metric(page, "Open at stage 3 or 4") != before + 1:
            assert time.monotonic() < deadline, "the new challenge did not appear on the meeting page"
            page.wait_for_timeout(500)
        visible_seconds = time.monotonic() - saved_at
        live = read_live(w.paths)
        assert live.build_id != first_build
        assert (
            query(live, "select count(*) from mart_open_stage_3_4 where case_ref = $r", {"r": case_ref}).item(
                0, 0
            )
            >= 1
        )
        assert page.locator('[data-testid="stException"]').count() == 0
        print(f"\nsaved in {save_seconds:.1f}s; on the meeting page {visible_seconds:.1f}s after Save")
    finally:
        ctx.close()


def test_a_save_pressed_as_a_live_refresh_lands_is_saved_once_and_confirmed(chromium, own_app):
    """The refresh's hidden "Show the new figures" button pressed just after Save (as when a new
    build goes live at that moment): the save is never dropped without a word."""
    url, w, worker = own_app
    child = query(
        w.live,
        "select child_id from fct_challenges where iro_worker_id = $w order by child_id desc limit 1",
        {"w": worker},
    ).item(0, 0)
    ctx = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(f"{url}/log")
        wait_for_app(page)
        sign_in(page, IRO, IRO_PASSWORD)
        page.get_by_text("Recording as").first.wait_for(timeout=30_000)
        page.get_by_role("textbox", name="Child: search by case reference or case-system id").fill(child)
        settle(page)
        pick_theme(page, "Health assessment out of date")
        page.get_by_role("textbox", name="The concern, in words").fill("saved as the refresh lands")
        settle(page)
        page.get_by_role("button", name="Save", exact=True).click()
        page.evaluate("() => document.querySelector('.st-key-_iroqa_new_build button').click()")
        page.get_by_text(re.compile(r"^Challenge logged: case C-[0-9A-F]+, Positive Challenge")).wait_for(
            timeout=30_000
        )
        mine = [e for e in read_events(w.paths).to_dicts() if e["concern"] == "saved as the refresh lands"]
        assert len(mine) == 1
    except Exception:
        page.screenshot(path=str(w.home / "log_refresh_failure.png"), full_page=True)
        raise
    finally:
        ctx.close()

"""Logging a challenge in the browser: fill the form in headless Chromium, see "Saved", then watch
the challenge meeting page pick the new challenge up by itself (no reload) once the background
rebuild is live. Runs against its own copy of the demo warehouse, since it really rebuilds."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator

import pytest

from tests.browser.server import serve, wait_for_app
from tests.conftest import Warehouse, clone_warehouse
from tests.dashboard.conftest import query
from warehouse.store import read_live

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def own_app(demo_warehouse, tmp_path_factory) -> Iterator[tuple[str, Warehouse]]:
    w = clone_warehouse(demo_warehouse, tmp_path_factory.mktemp("log_browser") / "home")
    with serve(w.home, log=w.home / "streamlit.log") as url:
        yield url, w


def metric(page, label: str) -> int:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def nav(page, title: str) -> None:
    """Follow the sidebar navigation link (client-side: the page is not reloaded)."""
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    page.wait_for_timeout(300)
    wait_for_app(page)


def settle(page) -> None:
    page.keyboard.press("Tab")
    page.wait_for_timeout(250)
    wait_for_app(page)


def test_log_a_challenge_and_see_it_on_the_meeting_page_without_a_reload(chromium, own_app):
    url, w = own_app
    child = query(
        w.live, "select child_id from dim_children where legal_status = 'lac' order by child_id limit 1"
    ).item(0, 0)
    case_ref = "C-" + hashlib.md5(f"iroqa:{child}".encode()).hexdigest()[:8].upper()  # noqa: S324
    ctx = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(f"{url}/meeting")
        wait_for_app(page)
        before = metric(page, "Open at stage 3 or 4")
        first_build = read_live(w.paths).build_id

        nav(page, "Log a challenge")
        page.get_by_role("textbox", name="Your name or worker id").fill("browser.iro")
        settle(page)
        page.get_by_text("Formal Escalation", exact=True).click()
        wait_for_app(page)
        page.get_by_role("spinbutton", name="Entering at stage").fill("3")
        settle(page)
        page.get_by_role("textbox", name="Child (case-system person id)").fill(child)
        settle(page)
        themes = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Themes")
        themes.locator("input").click()
        page.get_by_role("option", name="Health assessment out of date", exact=True).click()
        page.keyboard.press("Escape")
        wait_for_app(page)
        page.get_by_role("textbox", name="The concern, in words").fill(
            "Care plan <b>not</b> reviewed & drifting"
        )
        settle(page)
        saved_at = time.monotonic()
        page.get_by_role("button", name="Save").click()
        try:
            page.get_by_text(re.compile(r"^Saved \(event [0-9a-f-]{36}\)")).wait_for(timeout=30_000)
        except Exception:
            page.screenshot(path=str(w.home / "log_form_failure.png"), full_page=True)
            raise
        save_seconds = time.monotonic() - saved_at

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

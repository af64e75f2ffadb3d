"""The "As at" choice in real Chromium: a leader picks the September month end in the sidebar, the
page says "As at 30 September 2026 (month-end snapshot)", the address bar carries the choice (so the
link opens the same snapshot in another browser), and a live viewer alongside stays on live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote_plus

import pytest

from accounts import users
from tests.browser.server import serve, sign_in, wait_for_app

pytestmark = [pytest.mark.browser]

USER = "browser-as-at"
PASSWORD = "a long password for the as-at choice"
SNAPSHOT_HEADER = "As at 30 September 2026 (month-end snapshot)"


@pytest.fixture(scope="module")
def snapshot_url(snapshot_warehouse, tmp_path_factory) -> Iterator[str]:
    p = snapshot_warehouse.warehouse.paths
    if users.get_user(p, USER) is None:
        users.add_user(p, USER, role="leadership", password=PASSWORD)
    log = tmp_path_factory.mktemp("as_at_streamlit") / "streamlit.log"
    with serve(snapshot_warehouse.warehouse.home, log=log) as url:
        yield url


def _open(chromium, url: str):
    ctx = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(url)
    wait_for_app(page)
    if page.get_by_label("Password", exact=True).count():
        sign_in(page, USER, PASSWORD)
    return ctx, page


def test_choosing_a_month_end_in_the_sidebar(chromium, snapshot_url, tmp_path):
    ctx, page = _open(chromium, f"{snapshot_url}/meeting")
    live_ctx, live_page = _open(chromium, f"{snapshot_url}/meeting")
    try:
        main = page.get_by_test_id("stMainBlockContainer")
        assert "As at 30 October 2026" in main.inner_text()
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("combobox", name="As at").click()  # Streamlit's selectbox opens its list
        page.get_by_role("option", name="30 September 2026 (month end)").click()
        page.wait_for_function(
            "t => document.querySelector('[data-testid=\"stMainBlockContainer\"]').innerText.includes(t)",
            arg=SNAPSHOT_HEADER,
            timeout=60_000,
        )
        wait_for_app(page)
        assert SNAPSHOT_HEADER in main.inner_text()
        page.screenshot(path=str(tmp_path / "as-at-snapshot.png"))
        url = page.url
        assert "30 September 2026 (month end)" in unquote_plus(url)

        # the live viewer alongside is unaffected
        live_page.reload()
        wait_for_app(live_page)
        live_text = live_page.get_by_test_id("stMainBlockContainer").inner_text()
        assert "As at 30 October 2026" in live_text and "month-end snapshot" not in live_text

        # the link opens the same snapshot in a new browser session
        other_ctx, other = _open(chromium, url)
        try:
            assert SNAPSHOT_HEADER in other.get_by_test_id("stMainBlockContainer").inner_text()
            assert re.search(r"/meeting\?", other.url)
        finally:
            other_ctx.close()
    finally:
        ctx.close()
        live_ctx.close()

"""The browser suite: ``streamlit run dashboard/app.py`` as a subprocess on a free port, on the demo
warehouse, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from accounts import users
from tests.browser.server import browser, chromium_path, serve

#: The account the dashboard browser tests sign in with (through the real form).
BROWSER_USER = "browser-leader"
BROWSER_PASSWORD = "a long browser test password"

if os.environ.get("IROQA_TEST_WAREHOUSE"):  # reuse a built warehouse while iterating (never in CI)
    from tests.dashboard.conftest import demo_warehouse  # noqa: F401


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    if chromium_path() is None:
        message = "chromium is not installed (/usr/bin/chromium): run `make browser-deps` as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with browser() as b:
        yield b


@pytest.fixture(scope="session")
def app_url(demo_warehouse, tmp_path_factory) -> Iterator[str]:
    if users.get_user(demo_warehouse.paths, BROWSER_USER) is None:
        users.add_user(demo_warehouse.paths, BROWSER_USER, role="leadership", password=BROWSER_PASSWORD)
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with serve(demo_warehouse.home, log=log) as url:
        yield url


@pytest.fixture
def page(chromium, app_url):
    ctx = chromium.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    yield pg
    ctx.close()

"""`iroqa serve` started outside the repository still serves the app's settings
(dashboard/.streamlit/config.toml): light theme, the viewer toolbar (no "Deploy", no developer menu)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.server import free_port, wait_healthy

pytestmark = pytest.mark.browser


def test_serve_from_elsewhere_uses_the_apps_settings(chromium, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / ".streamlit").mkdir(parents=True)
    # a stray config in the working directory must not win over the app's own settings
    (elsewhere / ".streamlit" / "config.toml").write_text(
        '[client]\ntoolbarMode = "developer"\n[theme]\nbase = "dark"\n'
    )
    port = free_port()
    env = dict(os.environ, IROQA_HOME=str(tmp_path / "home"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "iroqa"), "serve", "--port", str(port)],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        ctx = chromium.new_context(viewport={"width": 1366, "height": 768})
        page = ctx.new_page()
        page.goto(url)
        page.get_by_label("Username", exact=True).wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
        assert page.get_by_role("button", name="Deploy").count() == 0
        menu = page.locator('[data-testid="stMainMenu"]')
        if menu.count():  # viewer mode may keep a menu, but without the developer entries
            menu.click()
            page.wait_for_timeout(300)
            text = page.locator('[data-testid="stMainMenuPopover"]').inner_text()
            assert "Clear cache" not in text and "Developer" not in text and "Rerun" not in text
        background = page.evaluate(
            "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
        )
        assert background == "rgb(255, 255, 255)", background  # the light theme
        ctx.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

"""Serve the dashboard as a user would (``streamlit run dashboard/app.py``) on a free port, for the
browser tests and the screenshots; and launch Debian's Chromium through Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "server.py"  # what `iroqa serve` runs: app.py and the session-cookie route
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's chromium (``playwright install`` cannot download browsers here)."""
    for candidate in (os.environ.get("IROQA_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"streamlit did not answer {url}/_stcore/health within {timeout}s")


@contextlib.contextmanager
def serve(home: Path, *, port: int | None = None, log: Path | None = None) -> Iterator[str]:
    """Run ``streamlit run dashboard/server.py`` with ``IROQA_HOME=home``; yield its base URL."""
    port = port or free_port()
    env = dict(os.environ, IROQA_HOME=str(home), PYTHONUNBUFFERED="1", IROQA_REBUILD_PREPARE="1")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    serve.last_pid = proc.pid  # the server's process, for tests/load.py's CPU and memory figures
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log:
            out.close()


@contextlib.contextmanager
def browser() -> Iterator:
    """A headless Chromium (Debian's) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise FileNotFoundError("chromium is not installed (apt-get install chromium, or make browser-deps)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished running the script (no running indicator, no skeleton)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stSkeleton"]')
                && document.querySelector('[data-testid="stMainBlockContainer"] h1');
        }""",
        timeout=timeout,
    )
    page.wait_for_timeout(400)


def sign_in(page, username: str, password: str, timeout: float = 30_000) -> None:
    """Fill in and submit the sign-in form, as a person would, and wait for the app to load."""
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Password", exact=True).wait_for(state="detached", timeout=timeout)
    wait_for_app(page, timeout)


def goto_signed_in(page, url: str, username: str, password: str) -> None:
    """Open ``url``; if the sign-in form is shown (a new browser session), sign in."""
    page.goto(url)
    wait_for_app(page)
    if page.get_by_label("Password", exact=True).count():
        sign_in(page, username, password)

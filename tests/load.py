"""A room of viewers: a bounded load test against the served app (``dashboard/server.py``, what
``iroqa serve`` runs) on 127.0.0.1, part of ``make bench``.

    python -m tests.load --home DIR [--viewers 30] [--rounds 2] [--idle 20] [--port N] [--client ws|browser]

``viewers`` people, each signed in with a session of their own, click through every page in the
navigation, ``rounds`` times (a first, unmeasured round warms the caches). Prints p50/p95 page time
(cold and warm, and warm per page), the server's CPU per warm page view and per idle tab per second
(from /proc), its memory per session, the page views that did not finish (2 min), and how long a
new live build takes to show on every open page. Nothing here passes or fails; it prints figures and
the machine's load beside them.

``--client ws`` (the default) measures the server. Each viewer is a :class:`tests.stream_client.
StreamSession`: Streamlit's browser protocol spoken over the WebSocket ``/_stcore/stream`` by a few
lines of asyncio, signed in with the session cookie ``iroqa_session`` (issued and redeemed as the
sign-in form and ``/api/session`` would, dashboard/sessions.py) sent with the WebSocket's opening
request. A page time is from sending ``rerun_script`` for the page to its ``script_finished``, with
the page's heading checked. Between clicks a viewer stays connected and does what an open page's
script does (dashboard/live_watch.py): GET ``/api/live`` once every ``PAGE_CHECK_SECONDS`` and, when
the fingerprint differs from the one its page rendered, press the hidden ``_iroqa_new_build``
button; "new build visible" is from making a build live to the rerun that renders its "warehouse
built" time in the page's caption. No browser runs: the clients cost the machine little (their own
CPU is printed beside the figures: about 0.1 core for 30) and the times are the server's (no page is
laid out or drawn, and no static files are fetched).

``--client browser`` runs one headless Chromium (Debian's) with a context per viewer that signs in
through the form and clicks the navigation's links; a page time is from the click to the page's
heading shown and the script finished. The browsers run on the same machine as the server: on a
shared 2-core machine those times measure the browsers more than the server (30 of them, la scale:
warm p50 13.9 s at a load average of 45, where the ws client measured about 2 s at a load of 2-3).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import dataclasses
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from accounts import users
from tests.browser.server import CHROMIUM_ARGS, chromium_path, serve
from warehouse import store
from warehouse.settings import Paths

PASSWORD = "a long password for the load test"
PAGES = ["Overview", "Challenge meeting", "Monthly report", "Themes", "Teams", "Case timeline"]
DONE = """(title) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const h1 = document.querySelector('[data-testid="stMainBlockContainer"] h1');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !document.querySelector('[data-testid="stSkeleton"]') && h1
        && (title === null || h1.textContent.trim() === title);
}"""


def _order(i: int) -> list[str]:
    """Viewer ``i``'s round: every page, starting at a different one for each viewer."""
    k = i % len(PAGES)
    return PAGES[k:] + PAGES[:k]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _viewer_names(p: Paths, viewers: int) -> list[str]:
    """The viewers' accounts (leadership: every page), made once per warehouse."""
    names = [f"load-viewer-{i:02d}" for i in range(viewers)]
    for name in names:
        if users.get_user(p, name) is None:
            users.add_user(p, name, role="leadership", password=PASSWORD)
    return names


def _new_build(p: Paths) -> tuple[store.LiveBuild, str]:
    """A copy of the live build under a new id, built a minute or more after it, not yet live; and
    the words of its time that a page's "warehouse built" caption shows ("HH:MM UTC")."""
    live = store.read_live(p)
    new_id = store.new_build_id()
    target = p.builds_dir / f"{new_id}.duckdb"
    shutil.copyfile(live.path, target)
    built = max(datetime.now(UTC), datetime.fromisoformat(live.built_at) + timedelta(minutes=1))
    built_at = built.isoformat(timespec="seconds")
    return dataclasses.replace(
        live, build_id=new_id, path=str(target), built_at=built_at
    ), f"{built_at[11:16]} UTC"


async def _rounds(out, clients: list, click, rounds: int, pid: int, rss0: float) -> tuple[float, float]:
    """Every client clicks through every page: a first (cold) round, then ``rounds - 1`` warm ones,
    timed with the server's CPU; prints the figures (:func:`_report_rounds`). Returns the warm
    rounds' wall time and this process's own CPU in them (the clients')."""
    viewers = len(clients)
    out("server memory per session", f"{(_rss_mb(pid) - rss0) / viewers:8.1f} MB (RSS {rss0:.0f} MB before)")
    cold: list[float] = []
    stuck: list[tuple[str, str]] = []  # (page, what the client showed)
    await asyncio.gather(*(click(c, _order(i), cold, stuck) for i, c in enumerate(clients)))
    times: list[float] = []
    by_page: dict[str, list[float]] = {}
    cpu0, wall0, own0 = _cpu_seconds(pid), time.perf_counter(), time.process_time()
    load0 = os.getloadavg()[0]
    for _ in range(max(1, rounds - 1)):
        await asyncio.gather(*(click(c, _order(i), times, stuck, by_page) for i, c in enumerate(clients)))
    cpu, wall = _cpu_seconds(pid) - cpu0, time.perf_counter() - wall0
    own = time.process_time() - own0
    _report_rounds(out, cold, times, by_page, stuck, cpu, wall, load0, pid, rss0, viewers)
    return wall, own


def _report_rounds(out, cold, times, by_page, stuck, cpu, wall, load0, pid, rss0, viewers) -> None:
    """The figures of the rounds: cold (the first round) and warm page times, per page, the server's
    CPU and memory, and the views that did not finish."""
    if cold:
        out(
            "page views (first round, cold)",
            f"{len(cold)}: p50 {_pct(cold, 0.5):.2f} s, p95 {_pct(cold, 0.95):.2f} s",
        )
    else:
        out("page views (first round, cold)", "       0 finished")
    if times:
        out(
            "page time, warm (p50 / p95)",
            f"{_pct(times, 0.5):8.2f} s / {_pct(times, 0.95):.2f} s ({len(times)} views)",
        )
        out("server CPU per warm page view", f"{cpu / len(times):8.3f} s")
    else:
        out("page time, warm (p50 / p95)", "       - (no view finished)")
    out(
        "server busy during the warm rounds",
        f"{cpu / wall:8.2f} cores of {os.cpu_count()} ({wall:.0f} s; load average "
        f"{load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)",
    )
    for title, values in by_page.items():
        out(f"  warm p50 / p95: {title}", f"{_pct(values, 0.5):8.2f} s / {_pct(values, 0.95):.2f} s")
    out("server memory per session, after", f"{(_rss_mb(pid) - rss0) / viewers:8.1f} MB")
    out("page views that did not finish (2 min)", f"{len(stuck):8d}")
    for title, state in stuck[:5]:
        out(f"  did not finish: {title}", state)


async def _viewer_sign_in(browser, url: str, name: str):
    ctx = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await ctx.new_page()
    await page.goto(url, timeout=180_000)  # a loaded machine: the first load can take a while
    await page.get_by_label("Username", exact=True).fill(name, timeout=120_000)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_function(DONE, arg="Overview", timeout=180_000)
    return page


#: What the browser showed of a page view that did not finish within the timeout: printed with the
#: figures instead of ending the benchmark.
STATE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const h1 = document.querySelector('[data-testid="stMainBlockContainer"] h1');
    return `script ${app && app.getAttribute('data-test-script-state')}, heading ${h1 && h1.textContent.trim()}, `
        + `skeleton ${!!document.querySelector('[data-testid="stSkeleton"]')}, url ${location.pathname}`;
}"""


async def _click_through(
    page, order: list[str], times: list[float], stuck: list[tuple[str, str]], by_page: dict | None = None
) -> None:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    for title in order:
        started = time.perf_counter()
        try:
            await page.get_by_role("link", name=title).first.click(timeout=60_000)
            await page.wait_for_function(DONE, arg=title, timeout=120_000)
        except PlaywrightTimeout:
            stuck.append((title, await page.evaluate(STATE)))
            continue
        times.append(time.perf_counter() - started)
        if by_page is not None:
            by_page.setdefault(title, []).append(times[-1])


async def _run_browser(
    home: Path, viewers: int, rounds: int, idle: float, out, port: int | None = None
) -> None:
    from playwright.async_api import async_playwright

    p = Paths(home)
    names = _viewer_names(p, viewers)
    with serve(home, port=port) as url:
        pid = serve.last_pid
        out("load at start (uptime)", os.getloadavg().__repr__())
        rss0 = _rss_mb(pid)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            started = time.perf_counter()
            pages = await asyncio.gather(*(_viewer_sign_in(browser, url, n) for n in names))
            out(f"{viewers} viewers signed in", f"{time.perf_counter() - started:8.1f} s")
            await _rounds(out, pages, _click_through, rounds, pid, rss0)

            await asyncio.sleep(3)
            cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
            await asyncio.sleep(idle)
            per_tab = (_cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0) / viewers
            out(f"server CPU per idle tab ({idle:.0f} s)", f"{per_tab:8.4f} s per second")

            new_build, words = _new_build(p)
            shown = """(w) => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                .some(e => e.textContent.includes('warehouse built') && e.textContent.includes(w))"""
            t0 = time.perf_counter()
            store.set_live(new_build, p)

            async def seen(pg) -> float:
                await pg.wait_for_function(shown, arg=words, timeout=120_000)
                return time.perf_counter() - t0

            latencies = await asyncio.gather(*(seen(pg) for pg in pages))
            out(
                "new build visible on every open page",
                f"{_pct(latencies, 0.5):8.2f} s median, {max(latencies):.2f} s the last of {viewers}",
            )
            out("load at end (uptime)", os.getloadavg().__repr__())
            await browser.close()


def _session_cookie(p: Paths, username: str) -> str:
    """A signed-in session without the form: the grant the sign-in form issues, redeemed as
    ``/api/session`` redeems it; the ``Cookie`` header a browser would then send."""
    from dashboard import sessions
    from dashboard.auth import AuthConfig

    cfg = AuthConfig.from_env()
    now = time.time()
    grant = sessions.issue_grant(
        p, username=username, mode=cfg.mode, issued_at=now, expires_at=now + cfg.absolute_seconds, now=now
    )
    redeemed = sessions.redeem_grant(p, grant, now)
    assert redeemed is not None, "a grant just issued was refused"
    return f"{sessions.COOKIE}={redeemed[0]}"


async def _ws_sign_in(s, live_watch, page_check_seconds: float) -> None:
    """Open the app as a new tab with the session cookie: the first run shows the Overview signed
    in; then the page's poll of /api/live starts, as the page's script starts in a browser."""
    await s.connect()
    await s.open(timeout=180)  # a loaded machine: the first load can take a while
    if s.title() != "Overview":
        raise RuntimeError(f"not signed in by the session cookie: {s.describe()}")
    s.start_live_poll(route=live_watch.ROUTE, button_key=live_watch.BUTTON_KEY, interval=page_check_seconds)


async def _ws_click_through(
    s, order: list[str], times: list[float], stuck: list[tuple[str, str]], by_page: dict | None = None
) -> None:
    from tests.stream_client import StreamError

    for title in order:
        try:
            seconds = await s.view(title, timeout=120)
        except StreamError as exc:
            stuck.append((title, str(exc)[:400]))
            continue
        if s.title() != title:
            stuck.append((title, f"finished showing another heading: {s.describe()}"))
            continue
        times.append(seconds)
        if by_page is not None:
            by_page.setdefault(title, []).append(seconds)


async def _run_ws(home: Path, viewers: int, rounds: int, idle: float, out, port: int | None = None) -> None:
    from dashboard import live_watch
    from tests.stream_client import StreamError, StreamSession
    from warehouse.live import PAGE_CHECK_SECONDS

    p = Paths(home)
    names = _viewer_names(p, viewers)
    with serve(home, port=port) as url:
        pid = serve.last_pid
        out("load at start (uptime)", os.getloadavg().__repr__())
        rss0 = _rss_mb(pid)
        tabs = [StreamSession(url, cookie=_session_cookie(p, n), timeout=120) for n in names]
        try:
            started = time.perf_counter()
            await asyncio.gather(*(_ws_sign_in(s, live_watch, PAGE_CHECK_SECONDS) for s in tabs))
            out(f"{viewers} viewers signed in (session cookie)", f"{time.perf_counter() - started:8.1f} s")
            wall, own = await _rounds(out, tabs, _ws_click_through, rounds, pid, rss0)
            out(
                "the ws clients' own CPU, warm rounds",
                f"{own / wall:8.2f} cores (all {viewers} in this process)",
            )

            await asyncio.sleep(3)
            cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
            await asyncio.sleep(idle)  # each tab connected, polling /api/live as an open page does
            per_tab = (_cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0) / viewers
            out(f"server CPU per idle tab ({idle:.0f} s)", f"{per_tab:8.4f} s per second")

            new_build, words = _new_build(p)

            def shown(s) -> bool:
                return any("warehouse built" in c and words in c for c in s.captions())

            t0 = time.perf_counter()
            store.set_live(new_build, p)

            async def seen(s) -> float | None:
                try:
                    await s.wait_rendered(shown, timeout=120)
                except StreamError:
                    return None
                return time.perf_counter() - t0

            found = await asyncio.gather(*(seen(s) for s in tabs))
            latencies = [t for t in found if t is not None]
            if len(latencies) == viewers:
                value = f"{_pct(latencies, 0.5):8.2f} s median, {max(latencies):.2f} s the last of {viewers}"
            else:
                value = f"not shown on {viewers - len(latencies)} of {viewers} pages within 120 s"
                missing = next(s for s, t in zip(tabs, found, strict=True) if t is None)
                out("  new build not shown, e.g.", missing.describe())
            out("new build visible on every open page", value)
            out("load at end (uptime)", os.getloadavg().__repr__())
        finally:
            await asyncio.gather(*(s.close() for s in tabs), return_exceptions=True)
            from dashboard import sessions

            for s in tabs:  # signed out: the cookies name nothing any more
                sessions.revoke(p, sessions.sid_of(s.cookie.partition("=")[2]))


def run(
    home: Path,
    *,
    viewers: int = 30,
    rounds: int = 2,
    idle: float = 20.0,
    out=None,
    port: int | None = None,
    client: str = "ws",
) -> None:
    """Serve the app on ``home`` and run the room (``client``: "ws", Streamlit's protocol from
    Python, or "browser", headless Chromium); each figure goes to ``out(name, value)``."""

    def say(name: str, value: str) -> None:
        print(f"  {name:<48}{value}", flush=True)

    runners = {"ws": _run_ws, "browser": _run_browser}
    if client not in runners:
        raise ValueError(f"client must be ws or browser, not {client!r}")
    work = runners[client](home, viewers, rounds, idle, out or say, port)
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # none in this thread, as from the command line
        asyncio.run(work)
        return
    # a loop already runs here (pytest after Playwright's sync API): run ours in a thread of its own
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work).result()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("IROQA_HOME", "warehouse/data")))
    ap.add_argument("--viewers", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--idle", type=float, default=20.0)
    ap.add_argument("--port", type=int, default=None, help="serve on this port (default: a free one)")
    ap.add_argument(
        "--client",
        choices=["ws", "browser"],
        default="ws",
        help="ws: Streamlit's protocol from Python, measures the server (default); browser: headless Chromium",
    )
    args = ap.parse_args(argv)
    run(
        args.home,
        viewers=args.viewers,
        rounds=args.rounds,
        idle=args.idle,
        port=args.port,
        client=args.client,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A room of viewers: a bounded load test against the served app (``dashboard/server.py``, what
``iroqa serve`` runs) on 127.0.0.1, part of ``make bench``.

    python -m tests.load --home DIR [--viewers 30] [--rounds 2] [--idle 20] [--port N]

``viewers`` people, each in their own headless Chromium context (one browser), sign in through the
form and click through every page in the navigation, ``rounds`` times (a first, unmeasured round
warms the caches). Prints p50/p95 page time (click to the page's heading shown and the script
finished), the server's CPU per warm page view and per idle tab per second (from /proc), its memory
per session, and how long a new live build takes to show on every open page. The browsers run on the
same machine as the server: on a shared 2-core machine the page times include waiting for them.
Nothing here passes or fails; it prints figures and the machine's load beside them.
"""

from __future__ import annotations

import argparse
import asyncio
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


async def _run(home: Path, viewers: int, rounds: int, idle: float, out, port: int | None = None) -> None:
    from playwright.async_api import async_playwright

    p = Paths(home)
    names = [f"load-viewer-{i:02d}" for i in range(viewers)]
    for name in names:
        if users.get_user(p, name) is None:
            users.add_user(p, name, role="leadership", password=PASSWORD)
    with serve(home, port=port) as url:
        pid = serve.last_pid
        out("load at start (uptime)", os.getloadavg().__repr__())
        rss0 = _rss_mb(pid)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            started = time.perf_counter()
            pages = await asyncio.gather(*(_viewer_sign_in(browser, url, n) for n in names))
            out(f"{viewers} viewers signed in", f"{time.perf_counter() - started:8.1f} s")
            out(
                "server memory per session",
                f"{(_rss_mb(pid) - rss0) / viewers:8.1f} MB (RSS {rss0:.0f} MB before)",
            )

            def order(i: int) -> list[str]:
                k = i % len(PAGES)
                return PAGES[k:] + PAGES[:k]

            warm: list[float] = []
            stuck: list[tuple[str, str]] = []  # (page, what the browser showed)
            await asyncio.gather(*(_click_through(pg, order(i), warm, stuck) for i, pg in enumerate(pages)))
            times: list[float] = []
            by_page: dict[str, list[float]] = {}
            cpu0, wall0 = _cpu_seconds(pid), time.perf_counter()
            load0 = os.getloadavg()[0]
            for _ in range(max(1, rounds - 1)):
                await asyncio.gather(
                    *(_click_through(pg, order(i), times, stuck, by_page) for i, pg in enumerate(pages))
                )
            cpu, wall = _cpu_seconds(pid) - cpu0, time.perf_counter() - wall0
            out(
                "page views (first round, cold)",
                f"{len(warm)}: p50 {_pct(warm, 0.5):.2f} s, p95 {_pct(warm, 0.95):.2f} s",
            )
            out(
                "page time, warm (p50 / p95)",
                f"{_pct(times, 0.5):8.2f} s / {_pct(times, 0.95):.2f} s ({len(times)} views)",
            )
            out("server CPU per warm page view", f"{cpu / len(times):8.3f} s")
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

            await asyncio.sleep(3)
            cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
            await asyncio.sleep(idle)
            per_tab = (_cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0) / viewers
            out(f"server CPU per idle tab ({idle:.0f} s)", f"{per_tab:8.4f} s per second")

            live = store.read_live(p)
            new_id = store.new_build_id()
            target = p.builds_dir / f"{new_id}.duckdb"
            shutil.copyfile(live.path, target)
            built = max(datetime.now(UTC), datetime.fromisoformat(live.built_at) + timedelta(minutes=1))
            built_at = built.isoformat(timespec="seconds")
            words = f"{built_at[11:16]} UTC"
            shown = """(w) => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
                .some(e => e.textContent.includes('warehouse built') && e.textContent.includes(w))"""
            t0 = time.perf_counter()
            store.set_live(dataclasses.replace(live, build_id=new_id, path=str(target), built_at=built_at), p)

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


def run(
    home: Path, *, viewers: int = 30, rounds: int = 2, idle: float = 20.0, out=None, port: int | None = None
) -> None:
    def say(name: str, value: str) -> None:
        print(f"  {name:<48}{value}", flush=True)

    asyncio.run(_run(home, viewers, rounds, idle, out or say, port))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path(os.environ.get("IROQA_HOME", "warehouse/data")))
    ap.add_argument("--viewers", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--idle", type=float, default=20.0)
    ap.add_argument("--port", type=int, default=None, help="serve on this port (default: a free one)")
    args = ap.parse_args(argv)
    run(args.home, viewers=args.viewers, rounds=args.rounds, idle=args.idle, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Screenshots of every dashboard page at 1366x768 and 1920x1080, into docs/screenshots/.

    python -m tests.browser.screenshots            (or: make screenshots)

Uses a private copy of ``$IROQA_HOME``'s warehouse if it has a live build; otherwise builds the
demo warehouse (demo -> ingest -> build, scale ``$IROQA_SCREENSHOT_SCALE`` or ``la``) in a
temporary folder. Four accounts are created in that copy (never in your warehouse) and each signs
in through the real form to take its pages: leadership (the meeting's pages), an IRO (the log
page, with the IRO of the most urgent case), the administrator (users, audit log) and a manager
who responds (the Respond page, opened from the link in their email about the case most urgently
awaiting them); and the sign-in page itself. Each page is captured whole (the full scrolling height).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.browser.server import REPO, browser, goto_signed_in, serve, wait_for_app

OUT = REPO / "docs" / "screenshots"
SIZES = [(1366, 768), (1920, 1080)]
PASSWORD = "screenshots only, a long passphrase"


def pages(case_id: str, notification_id: str = "none") -> dict[str, list[tuple[str, str]]]:
    """Per account: (file stem, URL path) of every page it takes."""
    return {
        "screens-leader": [
            ("overview", "/"),
            ("meeting", "/meeting"),
            ("monthly", "/monthly"),
            ("themes", "/themes"),
            ("teams", "/teams"),
            ("case-timeline", f"/case?case={case_id}"),
        ],
        "screens-iro": [("log", "/log")],
        "screens-admin": [("users", "/users"), ("audit-log", "/audit")],
        "screens-responder": [("respond", f"/respond?n={notification_id}")],
    }


def live_home() -> Path | None:
    """A private copy of ``$IROQA_HOME``'s warehouse, if it has a live build."""
    from tests.conftest import Warehouse, clone_warehouse
    from warehouse import settings
    from warehouse.store import read_live

    p = settings.Paths(settings.home())
    live = read_live(p)
    if live is None:
        return None
    home = Path(tempfile.mkdtemp(prefix="iroqa-screens-"))
    clone_warehouse(Warehouse(home=p.home, paths=p, live=live, extracts=p.home), home)
    return home


def a_response(home: Path) -> tuple[str | None, str]:
    """The manager with the most cases awaiting their response, and the notification (the link in
    their email) about the most urgent of them: (worker id, notification id)."""
    import duckdb

    from warehouse.settings import Paths
    from warehouse.store import read_live

    con = duckdb.connect(str(read_live(Paths(home)).file), read_only=True)
    try:
        row = con.sql(
            """
            with waiting as (
                select c.challenge_id, c.responsible_worker_id as worker_id,
                    c.is_awaiting_response_past_due as overdue, c.response_due_on
                from fct_challenges c join fct_stage_episodes e using (challenge_id)
                where c.status = 'open' and e.is_open and e.is_current_stage and e.responded_on is null
                    and e.responsible_worker_id = c.responsible_worker_id
            ),
            busiest as (select worker_id from waiting group by all order by count(*) desc, 1 limit 1)
            select w.worker_id, n.notification_id
            from waiting w join mart_notifications_due n
                on n.challenge_id = w.challenge_id and n.recipient_worker_id = w.worker_id
            where w.worker_id in (select worker_id from busiest)
            order by w.overdue desc, w.response_due_on, n.event_on desc, n.notification_id limit 1
            """
        ).fetchall()
    finally:
        con.close()
    return (row[0][0], row[0][1]) if row else (None, "none")


def add_accounts(home: Path, case_id: str, responder: str | None = None) -> None:
    """The screenshot accounts, in the (private) warehouse ``home``."""
    import duckdb

    from accounts import users
    from warehouse.settings import Paths
    from warehouse.store import read_live

    p = Paths(home)
    con = duckdb.connect(str(read_live(p).file), read_only=True)
    try:
        row = con.sql(
            "select iro_worker_id from fct_challenges where challenge_id = $c", params={"c": case_id}
        ).fetchall()
    finally:
        con.close()
    iro = row[0][0] if row and row[0][0] else None
    for name, role, worker in (
        ("screens-leader", "leadership", None),
        ("screens-iro", "iro", iro),
        ("screens-admin", "admin", None),
        ("screens-responder", "responder", responder),
    ):
        if users.get_user(p, name) is None:
            users.add_user(
                p,
                name,
                role=role,
                password=PASSWORD,
                worker_id=worker,
                display_name=name.replace("screens-", "").title(),
            )


def demo_home(scale: str) -> Path:
    from tests.conftest import DEMO_END, make_warehouse

    home = Path(tempfile.mkdtemp(prefix="iroqa-screens-"))
    print(f"Building the demo warehouse ({scale}) in {home} ...", flush=True)
    make_warehouse(home, scale=scale, end=DEMO_END)
    return home


def a_case(home: Path) -> str:
    """The most urgent open stage 3 or 4 case (the one a meeting would open first)."""
    import duckdb

    from warehouse.settings import Paths
    from warehouse.store import read_live

    live = read_live(Paths(home))
    con = duckdb.connect(str(live.file), read_only=True)
    try:
        row = con.sql("select challenge_id from mart_open_stage_3_4 order by urgency_rank limit 1").fetchall()
        if not row:
            row = con.sql(
                "select challenge_id from fct_challenges order by raised_on desc limit 1"
            ).fetchall()
    finally:
        con.close()
    return row[0][0] if row else "none"


def capture(
    base_url: str,
    case_id: str,
    out: Path,
    sizes=SIZES,
    full_page: bool = True,
    notification_id: str = "none",
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with browser() as b:
        for width, height in sizes:
            ctx = b.new_context(
                viewport={"width": width, "height": height}, device_scale_factor=1, accept_downloads=False
            )
            page = ctx.new_page()
            page.goto(base_url + "/")
            page.get_by_label("Username", exact=True).wait_for(timeout=60_000)
            target = out / f"sign-in-{width}x{height}.png"
            _screenshot(page, target, full_page)
            written.append(target)
            ctx.close()
            for account, account_pages in pages(case_id, notification_id).items():
                ctx = b.new_context(
                    viewport={"width": width, "height": height}, device_scale_factor=1, accept_downloads=False
                )
                page = ctx.new_page()
                for stem, path in account_pages:
                    started = time.monotonic()
                    # each page load is a new Streamlit session: it asks to sign in, then shows the page
                    goto_signed_in(page, base_url + path, account, PASSWORD)
                    target = out / f"{stem}-{width}x{height}.png"
                    _screenshot(page, target, full_page)
                    written.append(target)
                    print(f"{_show(target)}  ({time.monotonic() - started:.1f}s)", flush=True)
                if account == "screens-leader":
                    _drilldown(
                        page, base_url, out / f"meeting-drilldown-{width}x{height}.png", full_page, account
                    )
                    written.append(out / f"meeting-drilldown-{width}x{height}.png")
                ctx.close()
    return written


def _drilldown(page, base_url: str, target: Path, full_page: bool, account: str) -> None:
    """The meeting with a case drilled into: select the first row, its timeline shows beneath."""
    goto_signed_in(page, base_url + "/meeting", account, PASSWORD)
    cells = page.locator('[data-testid="stDataFrame"]').first
    if cells.count():
        box = cells.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + 52)  # the first row's selection column
        page.wait_for_timeout(300)
        wait_for_app(page)
    _screenshot(page, target, full_page)
    print(_show(target), flush=True)


def _show(p: Path) -> str:
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)


def _screenshot(page, target: Path, full_page: bool) -> None:
    if full_page:
        # Streamlit scrolls inside its main section, not the document: grow the viewport to the
        # content's height for the shot, then put it back.
        size = page.viewport_size
        height = page.evaluate(
            "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
            " return m ? m.scrollHeight : document.body.scrollHeight; }"
        )
        if height > size["height"]:
            page.set_viewport_size({"width": size["width"], "height": min(height + 40, 12000)})
            page.wait_for_timeout(600)
        page.screenshot(path=str(target))
        page.set_viewport_size(size)
    else:
        page.screenshot(path=str(target))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--viewport-only", action="store_true", help="capture the first screen only")
    args = ap.parse_args(argv)
    home = live_home() or demo_home(os.environ.get("IROQA_SCREENSHOT_SCALE", "la"))
    print(f"Serving the dashboard on the warehouse in {home}", flush=True)
    case_id = a_case(home)
    responder, notification_id = a_response(home)
    add_accounts(home, case_id, responder)
    with serve(home) as url:
        capture(url, case_id, args.out, full_page=not args.viewport_only, notification_id=notification_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())

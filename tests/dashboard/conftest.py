"""Fixtures for the dashboard's AppTest suite: the app on the real demo warehouse (``demo_warehouse``
from tests/conftest.py), on a warehouse with nothing built (``empty_home``), and on a live build
whose marts have every column but no rows (``empty_build``)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from accounts import users
from accounts.access import scope_for
from warehouse import settings
from warehouse.store import LiveBuild, set_live

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")

# (file under dashboard/, the page's title)
PAGES = {
    "overview": ("views/overview.py", "Overview"),
    "meeting": ("views/meeting.py", "Challenge meeting"),
    "monthly": ("views/monthly.py", "Monthly report"),
    "themes": ("views/themes.py", "Themes"),
    "teams": ("views/teams.py", "Teams"),
    "case": ("views/case_timeline.py", "Case timeline"),
    "log": ("views/log.py", "Log a challenge"),
}
# The administrator's pages (users, audit): no build needed, no sidebar filters of their own.
ADMIN_PAGES = {
    "users": ("views/users.py", "Users"),
    "audit": ("views/audit_log.py", "Audit log"),
    "outbox": ("views/outbox.py", "Outbox"),
}
#: The administrator the admin-page tests sign in as unless they say otherwise.
TEST_ADMIN = "test-admin"


def query(live: LiveBuild, sql: str, params: dict | list | None = None) -> pl.DataFrame:
    """A direct, independent read of the build (the tests' check on what the pages show)."""
    con = duckdb.connect(str(live.file), read_only=True)
    try:
        return con.sql(sql, params=params or None).pl()
    finally:
        con.close()


#: The signed-in user the page tests use unless they say otherwise: leadership sees every row.
TEST_USER = "test-leader"
TEST_PASSWORD = "a long test password for the dashboard"
#: The IRO the page tests open the log page as (leadership may neither log nor act on challenges):
#: a worker id no demo IRO has, so the form renders with no challenges of their own.
TEST_IRO = "test-iro"
TEST_IRO_WORKER = "W-TEST-IRO"
#: The scope of a leadership user: every row (for calling dashboard.data directly).
ALL = scope_for(users.User(username=TEST_USER, role="leadership"))


def ensure_user(
    username: str = TEST_USER,
    *,
    role: str = "leadership",
    teams: tuple[str, ...] = (),
    worker_id: str | None = None,
    p: settings.Paths | None = None,
) -> users.User:
    """The user, created in the current ``IROQA_HOME`` if it is not there yet."""
    p = p or settings.paths()
    existing = users.get_user(p, username)
    if existing is not None:
        return existing
    p.home.mkdir(parents=True, exist_ok=True)
    return users.add_user(
        p,
        username,
        role=role,
        password=TEST_PASSWORD,
        teams=teams,
        worker_id=worker_id,
        display_name=username,
    )


def signed_in(at: AppTest, username: str) -> AppTest:
    """Give the AppTest session a signed-in user, as the sign-in form would (the form itself is
    tested in tests/auth and tests/dashboard/test_roles.py)."""
    from dashboard import auth

    now = time.time()
    at.session_state[auth.SESSION_KEY] = {
        "username": username,
        "mode": "local",
        "issued_at": now,
        "last_seen": now,
    }
    return at


def open_page(
    page: str,
    *,
    query_params: dict | None = None,
    session: dict | None = None,
    widgets: Callable[[AppTest], None] | None = None,
    user: str | None = TEST_USER,
) -> AppTest:
    """Run the app as a browser would: the entry script, then the page.

    ``query_params`` are the URL's; ``widgets`` sets sidebar widgets after the first run (as a
    person would) before the page runs; ``session`` sets session state (e.g. a table's selection)
    before the page's final run. ``user`` is signed in first (None: nobody; the default user is
    created in ``IROQA_HOME`` if needed; the log page's default user is an IRO, ``TEST_IRO``)."""
    at = AppTest.from_file(APP, default_timeout=120)
    if user == TEST_USER and page == "log":
        user = TEST_IRO  # the log page is an IRO's (and an ASM's), not leadership's
    if user is not None:
        if user == TEST_USER:
            ensure_user()
        elif user == TEST_IRO:
            ensure_user(TEST_IRO, role="iro", worker_id=TEST_IRO_WORKER)
        elif user == TEST_ADMIN:
            ensure_user(TEST_ADMIN, role="admin")
        signed_in(at, user)
    for k, v in (query_params or {}).items():
        at.query_params[k] = v
    at.run()
    if widgets:
        widgets(at)
        at.run()
    if page != "overview":
        at.switch_page({**PAGES, **ADMIN_PAGES}[page][0])
        at.run()
    if session:
        for k, v in session.items():
            at.session_state[k] = v
        at.run()
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def texts(at: AppTest) -> str:
    """Every piece of text on the page, for "is this message shown" checks."""
    parts = [e.value for e in (*at.info, *at.markdown, *at.caption, *at.subheader, *at.title, *at.warning)]
    return "\n".join(str(p) for p in parts)


def select_rows(key: str, rows: list[int]) -> dict:
    return {key: {"selection": {"rows": rows, "columns": [], "cells": []}}}


def select_cell(key: str, row: int, column: str) -> dict:
    return {key: {"selection": {"rows": [], "columns": [], "cells": [[row, column]]}}}


@pytest.fixture(scope="session")
def demo(demo_warehouse):
    """The demo warehouse, live; ``IROQA_HOME`` points at it for the session."""
    return demo_warehouse


@pytest.fixture
def empty_build(demo_warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LiveBuild:
    """A live build with the demo build's tables and columns but no rows in any fact or mart (only
    build_info, the teams and the themes): what a warehouse looks like before anything is loaded."""
    home = tmp_path / "empty_build_home"
    p = settings.Paths(home).ensure()
    target = p.builds_dir / "empty.duckdb"
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{demo_warehouse.live.file}' as src (read_only)")
        tables = [
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables where table_catalog = 'src' "
                "and table_schema = 'main' and table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        keep = {"build_info", "dim_teams", "dim_themes", "dim_calendar", "dim_protocol_stages"}
        for t in tables:
            limit = "" if t in keep else " limit 0"
            con.execute(f'create table "{t}" as select * from src.main."{t}"{limit}')  # noqa: S608 - catalog names
        con.execute("detach src")
    finally:
        con.close()
    src = json.loads(demo_warehouse.paths.live_pointer.read_text())
    live = LiveBuild(
        build_id="empty-build",
        path=str(target),
        built_at=src["built_at"],
        as_at=src["as_at"],
        protocol=src["protocol"],
    )
    set_live(live, p)
    monkeypatch.setenv("IROQA_HOME", str(home))
    return live


if os.environ.get("IROQA_TEST_WAREHOUSE"):
    # To iterate quickly on the dashboard: reuse an existing live warehouse (a home folder) instead
    # of building the demo one. Never set in CI; without it the suite uses tests/conftest.py's.

    @pytest.fixture(scope="session")
    def demo_warehouse():
        from tests.conftest import Warehouse
        from warehouse.store import read_live

        home = Path(os.environ["IROQA_TEST_WAREHOUSE"])
        p = settings.Paths(home)
        live = read_live(p)
        assert live is not None, f"no live build in {home}"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("IROQA_HOME", str(home))
            yield Warehouse(home=home, paths=p, live=live, extracts=home / "extracts")

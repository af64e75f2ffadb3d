"""Learning and accountability in the browser (issue 13): an IRO signs in through the real form in
headless Chromium, records good practice and resolves one of their challenges with what changed
for the child, waits for the background rebuild, then downloads the quarterly learning report and
the annual report section as Word from their pages. Both documents are opened with python-docx and
their good-practice and outcome tables compared with the marts of the build they came from, which
must hold what was just recorded. Runs on its own copy of the demo warehouse (it really rebuilds)."""

from __future__ import annotations

import contextlib
import csv
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from docx import Document
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from accounts import users
from reports import figures
from reports.periods import Quarter, Year
from tests.browser.server import serve, sign_in, wait_for_app
from tests.conftest import Warehouse, clone_warehouse
from tests.dashboard.conftest import query
from warehouse.events import read_events, today_uk
from warehouse.store import read_live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IRO = "browser-learning-iro"
IRO_PASSWORD = "an IRO who records what went well"
REPO = Path(__file__).resolve().parents[2]
GOOD_PRACTICE_NOTE = "Life-story work started early and the child's views shaped the plan."
OUTCOME_NOTE = "The care plan now names the school move and who arranges it."


@pytest.fixture(scope="module")
def learning_app(demo_warehouse, tmp_path_factory) -> Iterator[tuple[str, Warehouse, str, str]]:
    """The app on a private copy of the demo warehouse, an IRO account for the demo IRO with the
    most open challenges, and one of those challenges to resolve."""
    w = clone_warehouse(demo_warehouse, tmp_path_factory.mktemp("learning_browser") / "home")
    worker, challenge = query(
        w.live,
        """
        select iro_worker_id, min(challenge_id) from fct_challenges
        where status = 'open' and iro_worker_id is not null and record_source = 'case_system'
        group by all order by count(*) desc, iro_worker_id limit 1
        """,
    ).row(0)
    users.add_user(w.paths, IRO, role="iro", password=IRO_PASSWORD, worker_id=worker)
    with serve(w.home, log=w.home / "streamlit.log") as url:
        yield url, w, worker, challenge


def _label(seed: str, code_column: str, label_column: str, code: str) -> str:
    with (REPO / "dbt_project" / "seeds" / seed).open() as f:
        return next(r[label_column] for r in csv.DictReader(f) if r[code_column] == code)


def _pick(page, label: str, option: str, *, multi: bool = False, attempts: int = 4) -> None:
    """Choose ``option`` in the selectbox (or multiselect) labelled ``label``, as a person would;
    open the list again if a click was lost while the page settled, until the choice shows."""
    main = page.get_by_test_id("stMainBlockContainer")
    widget = main.locator('[data-testid="stSelectbox"], [data-testid="stMultiSelect"]').filter(
        has=page.get_by_text(label, exact=True)
    )
    box = widget.get_by_role("combobox", name=label)
    wanted = page.get_by_role("option", name=option, exact=True)

    def chosen() -> bool:
        return option in (widget.inner_text() + (box.input_value() if not multi else ""))

    for _ in range(attempts):
        box.click()
        try:
            wanted.wait_for(state="visible", timeout=7_000)
            wanted.click()
        except PlaywrightTimeout:
            pass
        if multi:
            page.keyboard.press("Escape")  # close the multiselect's list
        page.wait_for_timeout(300)
        wait_for_app(page)
        if chosen():
            return
    raise AssertionError(f"{option!r} could not be chosen in {label!r}")


def _choice(page, label: str) -> str:
    """What the selectbox labelled ``label`` shows."""
    widget = page.get_by_test_id("stMainBlockContainer").locator('[data-testid="stSelectbox"]')
    widget = widget.filter(has=page.get_by_text(label, exact=True))
    return widget.inner_text() + " " + widget.get_by_role("combobox", name=label).input_value()


def _settle(page) -> None:
    page.keyboard.press("Tab")
    page.wait_for_timeout(250)
    wait_for_app(page)


def _download(page, path: Path) -> Path:
    button = page.get_by_role("button", name="Download the Word document")
    button.wait_for(timeout=60_000)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    info.value.save_as(path)
    return path


def _table(path: Path, first_heading: str) -> list[list[str]]:
    """The document's table whose first heading is ``first_heading``, header row first."""
    for t in Document(str(path)).tables:
        rows = [[c.text for c in r.cells] for r in t.rows]
        if rows[0][0] == first_heading:
            return rows
    raise AssertionError(f"no table headed {first_heading!r} in {path.name}")


def _counts(rows: list[list[str]]) -> dict[str, int]:
    return {r[0]: int(r[1].replace(",", "")) for r in rows[1:]}


def test_record_good_practice_and_an_outcome_then_download_both_documents(chromium, learning_app, tmp_path):
    url, w, worker, challenge = learning_app
    team_id, team_name, service = query(
        w.live, "select team_id, team_name, service_name from dim_teams where team_kind = 'social_work' "
        "order by team_name limit 1"
    ).row(0)  # fmt: skip
    theme_label = _label("good_practice_themes.csv", "theme_code", "theme_label", "life_story_work_done")
    outcome_label = _label("child_outcomes.csv", "outcome_code", "outcome_label", "plan_updated")
    first_build = read_live(w.paths).build_id
    ctx = chromium.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    try:
        page.goto(f"{url}/good-practice")
        wait_for_app(page)
        sign_in(page, IRO, IRO_PASSWORD)
        assert page.locator("h1").first.inner_text().strip() == "Good practice"

        # good practice: team, a theme from the good-practice list, what was good; seen today
        _pick(page, "Team", f"{team_name} ({service})")
        _pick(page, "Good-practice themes", theme_label, multi=True)
        page.get_by_role("textbox", name="What was good").fill(GOOD_PRACTICE_NOTE)
        _settle(page)
        page.get_by_role("button", name="Save good practice").click()
        page.get_by_text(re.compile(r"^Saved \(event ")).wait_for(timeout=30_000)

        # resolve one of their open challenges, saying what changed for the child
        page.goto(f"{url}/log?challenge={challenge}")
        wait_for_app(page)
        page.get_by_text("Recording as").first.wait_for(timeout=30_000)
        _pick(page, "Action", "Resolve")
        _pick(page, "What changed for the child", outcome_label)
        page.get_by_role("textbox", name="What changed, in words (optional)").fill(OUTCOME_NOTE)
        _settle(page)
        page.get_by_role("button", name="Save").click()
        page.get_by_text(re.compile(r"^Resolution recorded: case ")).wait_for(timeout=30_000)
    except Exception:
        page.screenshot(path=str(w.home / "learning_browser_failure.png"), full_page=True)
        ctx.close()
        raise

    events = read_events(w.paths).to_dicts()
    [gp] = [e for e in events if e["note"] == GOOD_PRACTICE_NOTE]
    assert (gp["action"], gp["team_id"], gp["themes"], gp["raised_by_worker_id"]) == (
        "good_practice",
        team_id,
        ["life_story_work_done"],
        worker,
    )
    [res] = [e for e in events if e["challenge_id"] == challenge and e["action"] == "resolved"]
    assert (res["outcome_code"], res["outcome_note"]) == ("plan_updated", OUTCOME_NOTE)

    # the background rebuild puts both in the marts (as at today, the day they were recorded)
    deadline = time.monotonic() + 600
    while True:
        live = read_live(w.paths)
        if live.build_id != first_build:
            done = query(
                live,
                "select (select count(*) from fct_good_practice where description = $n) "
                "+ (select count(*) from fct_challenges where challenge_id = $c and status = 'resolved')",
                {"n": GOOD_PRACTICE_NOTE, "c": challenge},
            ).item()
            if done == 2:
                break
        assert time.monotonic() < deadline, "the rebuild did not bring the good practice and the outcome in"
        time.sleep(2)

    today = today_uk()
    q, y = Quarter.of(today), Year.of(today)
    try:
        page.goto(f"{url}/quarterly")
        wait_for_app(page)
        assert f"{q.label} ({q.words})" in _choice(page, "Quarter (April to March year)")  # today's
        quarterly = _download(page, tmp_path / "quarterly.docx")
        page.goto(f"{url}/annual")
        wait_for_app(page)
        assert f"{y.label} ({y.words})" in _choice(page, "Year (April to March)")
        annual = _download(page, tmp_path / "annual.docx")
        assert page.locator('[data-testid="stException"]').count() == 0
    except Exception:
        page.screenshot(path=str(w.home / "learning_browser_download_failure.png"), full_page=True)
        raise
    finally:
        ctx.close()

    con = duckdb.connect(str(read_live(w.paths).file), read_only=True)
    try:
        good = dict(figures.good_practice(con, q).iter_rows())
        outcomes = dict(figures.outcomes(con, q).select("outcome_label", "challenges").iter_rows())
        year_outcomes = dict(figures.year_outcomes(con, y).select("outcome_label", "challenges").iter_rows())
    finally:
        con.close()
    # what was recorded is in the marts, and the documents' tables are the marts'
    assert good.get(theme_label, 0) >= 1 and outcomes.get(outcome_label, 0) >= 1
    assert _counts(_table(quarterly, "Good-practice theme")) == good
    assert _counts(_table(quarterly, "Outcome for the child")) == outcomes
    assert _counts(_table(annual, "Outcome for the child")) == year_outcomes
    with contextlib.suppress(FileNotFoundError):
        (w.home / "learning_browser_failure.png").unlink()

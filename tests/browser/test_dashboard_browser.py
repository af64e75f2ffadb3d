"""The dashboard as people use it: headless Chromium against ``streamlit run``, on the demo
warehouse. Open each page, filter, follow a link, drill down, download and check the files."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
from urllib.parse import parse_qs, urlparse

import polars as pl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import BROWSER_PASSWORD, BROWSER_USER
from tests.browser.server import goto_signed_in, wait_for_app

pytestmark = pytest.mark.browser

PAGES = {
    "/": "Overview",
    "/meeting": "Challenge meeting",
    "/monthly": "Monthly report",
    "/themes": "Themes",
    "/teams": "Teams",
    "/case": "Case timeline",
}


def goto(page, url: str) -> None:
    """Open ``url``, signing in through the form when the browser session is new."""
    goto_signed_in(page, url, BROWSER_USER, BROWSER_PASSWORD)


def no_exception(page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar multiselect labelled ``label``, as a person would."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label)
    wanted = page.get_by_role("option", name=option, exact=True)
    # A click that lands while the page is still settling (a rerun redraws the sidebar) opens
    # nothing, or the list closes under the pointer (the option is detached): open the list and
    # click again, a few times at most, until the option shows as chosen in the box.
    for _ in range(4):
        wait_for_app(page)
        if option in box.inner_text():  # chosen by the last try after all
            return
        box.locator("input").click()
        try:
            wanted.click(timeout=7_000)
        except Exception:
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
    wait_for_app(page)
    if option not in box.inner_text():
        raise AssertionError(f"could not choose {option!r} in {label!r}")


def select_first_row(page, table_index: int = 0) -> None:
    """Tick the first row's selection box of a table (the grid is drawn on a canvas)."""
    grid = page.locator('[data-testid="stDataFrame"]').nth(table_index)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
    page.wait_for_timeout(300)
    wait_for_app(page)


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_opens(page, app_url, demo_warehouse, path):
    goto(page, app_url + path)
    no_exception(page)
    assert page.locator("h1").first.inner_text().strip() == PAGES[path]
    assert (
        "As at 30 October 2026"
        in page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    )


def test_a_filter_goes_into_the_url_and_the_link_reproduces_the_view(page, app_url, chromium):
    goto(page, app_url + "/meeting")
    before = page.locator('[data-testid="stMetricValue"]').first.inner_text()
    choose(page, "Legal status", "Looked after (LAC)")
    no_exception(page)
    params = parse_qs(urlparse(page.url).query)
    assert params.get("status") == ["Looked after (LAC)"]
    shown = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Showing:").first.inner_text()
    assert "LAC children" in shown
    after = page.locator('[data-testid="stMetricValue"]').first.inner_text()

    # the link, pasted into another browser, shows the same view
    other = chromium.new_context(viewport={"width": 1366, "height": 900}).new_page()
    goto(other, page.url)
    assert other.locator('[data-testid="stMetricValue"]').first.inner_text() == after
    assert (
        "LAC children"
        in other.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Showing:").first.inner_text()
    )
    other.context.close()
    assert before is not None


def test_filters_carry_across_pages(page, app_url):
    goto(page, app_url + "/?status=Child+protection+%28CP%29")
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Monthly report").click()
    page.wait_for_url(re.compile(r".*/monthly.*"))
    wait_for_app(page)
    assert parse_qs(urlparse(page.url).query).get("status") == ["Child protection (CP)"]
    assert (
        "CP children"
        in page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="Showing:").first.inner_text()
    )


def test_drill_down_from_the_meeting_to_a_case(page, app_url, demo_warehouse):
    first = demo_warehouse.query(
        "select case_ref from mart_open_stage_3_4 order by urgency_rank limit 1"
    ).item(0, 0)
    goto(page, app_url + "/meeting")
    select_first_row(page)
    no_exception(page)
    assert page.get_by_text(f"Case {first}:").count() >= 1
    page.get_by_text(f"Open case {first} on its own page").click()
    page.wait_for_url(re.compile(r".*/case\?.*case=.*"))
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Case timeline"
    assert page.get_by_text(f"Case {first}:").count() >= 1


def test_case_link(page, app_url, demo_warehouse):
    cid, ref = demo_warehouse.query(
        "select challenge_id, case_ref from fct_challenges where current_stage >= 2 order by raised_on desc limit 1"
    ).row(0)
    goto(page, f"{app_url}/case?case={cid}")
    no_exception(page)
    assert page.get_by_text(f"Case {ref}:").count() >= 1
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 1


def test_case_search(page, app_url, demo_warehouse):
    """The case page finds a case by a search on the server (issues 14 and 16): at most
    SEARCH_LIMIT options before and after a search, and choosing one opens it and puts it in the URL."""
    from dashboard.data import SEARCH_LIMIT

    ref = demo_warehouse.query(
        "select case_ref from fct_challenges where status <> 'open' order by raised_on, challenge_id limit 1"
    ).item()  # an old closed case: not among the first choices
    goto(page, app_url + "/case")
    no_exception(page)
    choice = page.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator("label", has_text=re.compile("^Case$"))
    )
    choice.locator("input").click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    assert 0 < options.count() <= SEARCH_LIMIT
    assert not page.get_by_role("option", name=re.compile("^" + re.escape(ref))).count()
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="Find a case: search by case reference").fill(ref[:-1].lower())
    page.get_by_text(re.compile(r"^\d+ match(es)?\.$|matches: type more")).first.wait_for(timeout=15_000)
    wait_for_app(page)
    for _ in range(3):  # a click lost to a rerun: open the list again
        choice.locator("input").click()
        with contextlib.suppress(PlaywrightTimeout):
            page.get_by_role("option", name=re.compile("^" + re.escape(ref))).first.click(timeout=5_000)
        wait_for_app(page)
        if choice.locator("input").input_value().startswith(ref):
            break
    page.wait_for_url(re.compile(r".*/case\?.*case=.*"))
    wait_for_app(page)
    no_exception(page)
    assert page.get_by_text(f"Case {ref}:").count() >= 1


def _download(page, name: str):
    with page.expect_download() as info:
        page.get_by_role("button", name=name).first.click()
    return info.value


def _meeting_pack(page):
    """Press "Prepare the meeting pack (PDF)", then download it."""
    page.get_by_role("button", name="Prepare the meeting pack (PDF)").click()
    button = page.get_by_role("button", name="Download the meeting pack (PDF, A4)")
    button.wait_for(timeout=60_000)
    with page.expect_download() as info:
        button.click()
    return info.value


def test_downloads_match_the_warehouse(page, app_url, demo_warehouse, tmp_path):
    goto(page, app_url + "/meeting")
    mart = demo_warehouse.query("select case_ref from mart_open_stage_3_4 order by urgency_rank")[
        "case_ref"
    ].to_list()

    csv = _download(page, "Download CSV")
    assert re.fullmatch(r"challenge-meeting-cases-as-at-2026-10-30\.csv", csv.suggested_filename)
    path = tmp_path / csv.suggested_filename
    csv.save_as(path)
    table = pl.read_csv(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    assert table["Case ref"].to_list() == mart
    assert "challenge_id" in table.columns and "child_id" not in table.columns

    xlsx = _download(page, "Download Excel")
    assert xlsx.suggested_filename.endswith(".xlsx")
    path = tmp_path / xlsx.suggested_filename
    xlsx.save_as(path)
    sheet = pl.read_excel(path)
    assert sheet["Case ref"].to_list() == mart

    pack = _meeting_pack(page)
    assert pack.suggested_filename == "challenge-meeting-pack-as-at-2026-10-30.pdf"
    path = tmp_path / pack.suggested_filename
    pack.save_as(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert all(ref in text for ref in mart)


def test_monthly_report_download_totals(page, app_url, demo_warehouse, tmp_path):
    goto(page, app_url + "/monthly?from=Jan+2026&to=Oct+2026")
    csv = _download(page, "Download CSV")
    path = tmp_path / "monthly.csv"
    csv.save_as(path)
    table = pl.read_csv(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    direct = demo_warehouse.query(
        "select sum(entries)::bigint from mart_monthly_stage_counts where stage_key = "
        "'stage_1' and month_start between '2026-01-01' and '2026-10-01'"
    ).item(0, 0)
    assert table.filter(pl.col("Month") == "Total")["Stage 1"].item() == direct


def test_the_meeting_pack_is_made_on_demand_as_an_a4_pdf(page, app_url, tmp_path):
    goto(page, app_url + "/meeting")
    assert page.get_by_role("button", name="Download the meeting pack (PDF, A4)").count() == 0
    pack = _meeting_pack(page)
    path = tmp_path / "pack.pdf"
    pack.save_as(path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts", info), info  # A4 landscape

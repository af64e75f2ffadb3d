"""The meeting room on a projector (1366x768) in Chromium: the meeting list without sideways scrolling,
"OVERDUE n working days" in full, tables under 50 rows without scrolling inside the page, and a
presentation mode with larger text."""

from __future__ import annotations

import pytest

from tests.browser.conftest import BROWSER_PASSWORD, BROWSER_USER
from tests.browser.server import goto_signed_in, wait_for_app

pytestmark = pytest.mark.browser

SCROLLERS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')].map(
    g => ({sw: g.scrollWidth, cw: g.clientWidth, sh: g.scrollHeight, ch: g.clientHeight}))"""


@pytest.fixture
def projector(chromium, app_url):
    ctx = chromium.new_context(viewport={"width": 1366, "height": 768})
    pg = ctx.new_page()
    yield pg
    ctx.close()


def test_meeting_list_fits_a_projector(projector, app_url, demo_warehouse):
    goto_signed_in(projector, app_url + "/meeting", BROWSER_USER, BROWSER_PASSWORD)
    grids = projector.evaluate(SCROLLERS)
    assert grids, "the meeting list is on the page"
    first = grids[0]
    assert first["sw"] <= first["cw"] + 1, f"the meeting list scrolls sideways: {first}"
    assert first["sh"] <= first["ch"] + 1, f"the meeting list scrolls inside the page: {first}"
    # the grid draws on a canvas; its accessible table carries the cells' text
    cells = projector.locator('[data-testid="stDataFrame"] table').first.inner_text()
    for heading in ("Case ref", "Stage", "Must respond", "Response due", "Overdue", "Days open", "Team"):
        assert heading in cells
    n = demo_warehouse.query(
        "select max(working_days_overdue) from mart_open_stage_3_4 where is_awaiting_response_past_due"
    )
    most = n.item(0, 0)
    if most is not None:
        assert f"OVERDUE {most} working days" in cells


@pytest.mark.parametrize("path", ["/themes", "/teams"])
def test_tables_under_50_rows_do_not_scroll_inside_the_page(projector, app_url, path):
    goto_signed_in(projector, app_url + path, BROWSER_USER, BROWSER_PASSWORD)
    for grid in projector.evaluate(SCROLLERS):
        assert grid["sh"] <= grid["ch"] + 1, f"{path}: a table scrolls inside the page: {grid}"


def test_presentation_mode_makes_the_text_larger(projector, app_url):
    goto_signed_in(projector, app_url + "/meeting", BROWSER_USER, BROWSER_PASSWORD)
    size = "() => parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)"
    before = projector.evaluate(size)
    projector.get_by_text("Presentation mode (larger text)").click()
    wait_for_app(projector)
    projector.wait_for_timeout(500)
    assert projector.evaluate(size) >= before * 1.2
    projector.get_by_role("link", name="Themes").click()
    wait_for_app(projector)
    assert projector.evaluate(size) >= before * 1.2, "it stays on across pages"

"""The meeting room on a projector (1366x768) in Chromium: the meeting list without sideways scrolling,
"OVERDUE n working days" in full, tables under 50 rows without scrolling inside the page, and a
presentation mode with larger text."""

from __future__ import annotations

import re
from urllib.parse import quote

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


#: The widest text of each meeting-list column (its heading and its cells, from the grid's accessible
#: table), drawn in the grid's font: bold in the rows awaiting a response past due, as they show.
TEXT_WIDTHS = """(names) => {
    const grid = document.querySelector('[data-testid="stDataFrame"]');
    const table = grid.querySelector('table');
    const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
    const family = getComputedStyle(grid).fontFamily;
    const ctx = document.createElement('canvas').getContext('2d');
    const width = (text, bold) => {
        ctx.font = (bold ? '600 ' : '400 ') + '14px ' + family;
        return ctx.measureText(text.trim()).width;
    };
    const rows = [...table.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => td.innerText || ''));
    const overdue = heads.indexOf('Overdue');
    const out = {};
    for (const name of names) {
        const i = heads.indexOf(name);
        const texts = rows.map(r => r[i] || '');
        const widths = rows.map(r => width(r[i] || '', (r[overdue] || '').startsWith('OVERDUE')));
        out[name] = {width: Math.max(width(name, false), ...widths), texts};
    }
    return out;
}"""


def test_meeting_list_columns_hold_their_words_in_full(projector, app_url, demo_warehouse):
    """No cell of the meeting list is cut short at 1366 px: each column's widest text (drawn in the
    grid's font, bold) and the cell's padding fit the column's width; "1 working day" is singular."""
    from dashboard import ui

    goto_signed_in(projector, app_url + "/meeting", BROWSER_USER, BROWSER_PASSWORD)
    projector.locator('[data-testid="stDataFrame"] table tbody tr').first.wait_for(state="attached")
    measured = projector.evaluate(TEXT_WIDTHS, list(ui.MEETING_COLUMN_WIDTHS))
    for name, width in ui.MEETING_COLUMN_WIDTHS.items():
        assert measured[name]["texts"], f"{name} is shown"
        assert measured[name]["width"] + 16 <= width, (name, measured[name])
    overdue = [t for t in measured["Overdue"]["texts"] if t]
    assert not [t for t in overdue if re.search(r"\b1 working days", t)], overdue
    assert all(t.startswith(("OVERDUE ", "Responded late (")) for t in overdue), overdue


@pytest.mark.parametrize("path", ["/themes", "/teams"])
def test_tables_under_50_rows_do_not_scroll_inside_the_page(projector, app_url, path):
    """Themes and Teams at 1366 px: no table scrolls sideways (the latest months that fit, short
    headings), and none under 50 rows scrolls inside the page."""
    goto_signed_in(projector, app_url + path, BROWSER_USER, BROWSER_PASSWORD)
    grids = [g for g in projector.evaluate(SCROLLERS) if g["cw"]]  # the visible tab's tables
    assert grids, f"{path} shows a table"
    for grid in grids:
        assert grid["sh"] <= grid["ch"] + 1, f"{path}: a table scrolls inside the page: {grid}"
        assert grid["sw"] <= grid["cw"] + 1, f"{path}: a table scrolls sideways: {grid}"


def test_themes_shows_the_latest_months_that_fit_and_says_so(projector, app_url, demo_warehouse):
    """With the period as long as the whole warehouse (a link whose From is the first month), the
    themes table shows the latest months that fit beside the theme and the total, says so, and still
    fits without scrolling sideways."""
    first = demo_warehouse.query(
        "select least((select min(raised_on) from fct_challenges), "
        "(select min(entered_on) from fct_stage_episodes))"
    ).item(0, 0)
    goto_signed_in(
        projector, app_url + "/themes?from=" + quote(f"{first:%b %Y}"), BROWSER_USER, BROWSER_PASSWORD
    )
    projector.get_by_text("The table shows the latest").first.wait_for(timeout=30_000)
    grid = [g for g in projector.evaluate(SCROLLERS) if g["cw"]][0]
    assert grid["sw"] <= grid["cw"] + 1, grid


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

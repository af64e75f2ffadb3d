"""Signing in through the real form in Chromium: an Assistant Service Manager sees only their teams."""

from __future__ import annotations

import io

import polars as pl
import pytest

from accounts import users
from tests.browser.server import sign_in, wait_for_app

pytestmark = pytest.mark.browser

ASM = "browser-asm"
ASM_PASSWORD = "an assistant service manager's password"


@pytest.fixture(scope="module")
def asm_teams(demo_warehouse) -> list[str]:
    teams = demo_warehouse.query(
        "select c.team_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
        "group by all order by count(*) desc, c.team_id limit 2",
    )["team_id"].to_list()
    if users.get_user(demo_warehouse.paths, ASM) is None:
        users.add_user(demo_warehouse.paths, ASM, role="asm", password=ASM_PASSWORD, teams=teams)
    return teams


def test_sign_in_page_first(page, app_url):
    page.goto(app_url + "/meeting")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "IRO QA"
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    assert page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').count() == 0


def test_wrong_password_is_refused(page, app_url, asm_teams):
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_label("Username", exact=True).fill(ASM)
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Sign-in failed").wait_for(timeout=30_000)
    assert page.locator('[data-testid="stDataFrame"]').count() == 0


def test_asm_signs_in_and_sees_only_their_teams(page, app_url, demo_warehouse, asm_teams, tmp_path):
    names = set(
        demo_warehouse.query(
            "select team_name from dim_teams where team_id in (select unnest($t::varchar[]))",
            {"t": asm_teams},
        )["team_name"].to_list()
    )
    page.goto(app_url + "/meeting")
    wait_for_app(page)
    sign_in(page, ASM, ASM_PASSWORD)
    assert page.locator("h1").first.inner_text().strip() == "Challenge meeting"
    assert "Signed in as" in page.locator('[data-testid="stSidebar"]').inner_text()

    # the team filter offers only their teams
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Team")
    for _ in range(3):  # a click that lands while the page settles can be lost: open it again
        box.locator("input").click()
        try:
            page.get_by_role("option").first.wait_for(timeout=5_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    offered = {o.strip() for o in page.get_by_role("option").all_inner_texts()} - {"Select all"}
    page.keyboard.press("Escape")
    assert offered and offered <= names

    # the meeting list (checked through its CSV download) has only their teams' cases
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").first.click()
    path = tmp_path / "meeting.csv"
    info.value.save_as(path)
    rows = pl.read_csv(io.BytesIO(path.read_bytes().decode("utf-8-sig").encode()))
    assert rows.height > 0
    assert set(rows["Team"].to_list()) <= names
    expected = demo_warehouse.query(
        "select count(*) from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
        "where c.team_id in (select unnest($t::varchar[]))",
        {"t": asm_teams},
    ).item()
    assert rows.height == expected

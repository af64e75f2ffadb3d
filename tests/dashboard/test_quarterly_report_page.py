"""The quarterly learning report page (issue 13, item 4) with AppTest: its tables equal
reports.figures (the Word document's queries), an Assistant Service Manager saves the quarter's
learning (an audited event, shown as saved), other roles only read it, and the Word download is
offered."""

from __future__ import annotations

import duckdb
import pytest
from argon2 import PasswordHasher

from accounts import audit, users
from reports import figures
from reports.learning import latest_learning
from tests.dashboard.conftest import assert_ok, ensure_user, open_page, query

PAGE = "views/quarterly_report.py"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


def page(user: str | None = None):
    at = open_page("overview", **({"user": user} if user else {}))
    at.switch_page(PAGE)
    at.run()
    return at


def test_the_page_shows_the_documents_figures(demo):
    at = page()
    assert_ok(at)
    q = at.selectbox("qr_quarter").value
    con = duckdb.connect(str(demo.live.file), read_only=True)
    try:
        themes = figures.themes_by_stage_group(con, q)
    finally:
        con.close()
    shown = [df.value for df in at.dataframe if "Theme" in df.value.columns]
    if themes.is_empty():
        assert not shown
    else:
        assert int(shown[0][q.label].sum()) == int(themes["this_quarter"].sum())
    assert any(b.label == "Download the Word document" for b in at.get("download_button"))
    assert not [t for t in at.text_area if t.key == "qr_learning"]  # leadership reads, does not write


def test_an_asm_saves_the_quarters_learning_audited(scratch_warehouse):
    team = query(
        scratch_warehouse.live, "select team_id from dim_teams where team_kind = 'social_work' limit 1"
    ).item()
    ensure_user("qr-asm", role="asm", teams=(team,), p=scratch_warehouse.paths)
    at = page("qr-asm")
    assert_ok(at)
    q = at.selectbox("qr_quarter").value
    at.button("qr_save").click().run()
    assert "Write the learning before saving it." in "\n".join(e.value for e in at.error)
    text = "Drift in permanence for under-5s: a tracker agreed with the Head of Service."
    at.text_area("qr_learning").set_value(text)
    at.button("qr_save").click().run()
    assert_ok(at)
    saved = latest_learning(q, scratch_warehouse.paths)
    assert saved["note"] == text and saved["recorded_by"] == "qr-asm"
    log = audit.read(scratch_warehouse.paths)
    assert any('"learning"' in d for d in log.filter(log["action"] == "write")["detail"].to_list())
    assert at.text_area("qr_learning").value == text

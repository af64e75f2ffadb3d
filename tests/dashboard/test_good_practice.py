"""Good practice (issue 13, item 1) with AppTest: an IRO records it on its own page (one audited
event, action good_practice, in their own name; nothing saved when a field is wrong; a refused role
cannot open the page); the Themes page shows good practice beside the concerns, with the figures of
mart_good_practice_counts; and a build puts an app-recorded good practice in the marts but never in
an escalation count."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher

from accounts import audit, users
from tests.dashboard.conftest import assert_ok, ensure_user, open_page, query, texts
from warehouse import live
from warehouse.events import read_events, today_uk

PAGE = "views/good_practice.py"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def w(scratch_warehouse, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(live, "request_build", lambda *a, **k: calls.append(1))
    monkeypatch.setattr(live, "prepare_rebuilder", lambda *a, **k: None)
    return SimpleNamespace(
        live=scratch_warehouse.live,
        paths=scratch_warehouse.paths,
        build_requests=calls,
        before=set(read_events(scratch_warehouse.paths)["event_id"].to_list()),
    )


def open_gp(w, username: str = "gp-iro", *, role: str = "iro", worker: str | None = "W-GP-IRO"):
    ensure_user(username, role=role, worker_id=worker if role == "iro" else None, p=w.paths)
    at = open_page("overview", user=username)
    at.switch_page(PAGE)
    at.run()
    return at


def saved(w) -> list[dict]:
    return [e for e in read_events(w.paths).to_dicts() if e["event_id"] not in w.before]


def a_team(w) -> str:
    return query(
        w.live, "select team_id from dim_teams where team_kind = 'social_work' order by team_id limit 1"
    ).item()


def test_an_iro_records_good_practice_audited_in_their_own_name(w):
    at = open_gp(w)
    assert_ok(at)
    team = a_team(w)
    at.selectbox("gp_team").set_value(team)
    at.multiselect("gp_themes").set_value(["voice_of_child_heard", "clear_care_plan"])
    text = "The child's views were in **their own words** <b>and</b> shaped the plan."
    at.text_area("gp_what").set_value(text)
    at.date_input("gp_seen_on").set_value(today_uk() - timedelta(days=3))
    at.button("gp_save").click().run()
    assert_ok(at)
    events = saved(w)
    assert len(events) == 1, events
    ev = events[0]
    assert ev["action"] == "good_practice" and ev["recorded_by"] == "gp-iro"
    assert ev["raised_by_worker_id"] == "W-GP-IRO" and ev["team_id"] == team
    assert ev["themes"] == ["voice_of_child_heard", "clear_care_plan"]
    assert ev["note"] == text  # stored exactly as typed
    assert ev["event_on"] == today_uk() - timedelta(days=3)
    assert ev["stage"] is None and ev["child_id"] is None
    assert w.build_requests == [1]
    log = audit.read(w.paths)
    writes = [json.loads(r["detail"]) for r in log.filter(log["action"] == "write").iter_rows(named=True)]
    assert any(d.get("event_id") == ev["event_id"] and d.get("event_type") == "good_practice" for d in writes)
    assert "Saved" in "\n".join(s.value for s in at.success)
    # listed under "Good practice you recorded" at once (before any build), shown as text
    listed = [df.value for df in at.dataframe]
    assert any(text in df["What was good"].to_list() for df in listed if "What was good" in df.columns)


def test_nothing_is_saved_when_a_field_is_wrong(w):
    at = open_gp(w)
    at.text_input("gp_child").set_value("NO-SUCH-CHILD")
    at.date_input("gp_seen_on").set_value(today_uk() + timedelta(days=2))
    at.button("gp_save").click().run()
    assert_ok(at)
    messages = "\n".join(e.value for e in at.error)
    for expected in (
        "Choose the team",
        "Choose at least one good-practice theme",
        "Say what was good",
        "is in the future",
        "There is no child 'NO-SUCH-CHILD'",
    ):
        assert expected in messages, (expected, messages)
    assert saved(w) == [] and w.build_requests == []


def test_leadership_is_not_offered_the_page_and_an_asm_cannot_record(w):
    ensure_user("gp-leader", role="leadership", p=w.paths)
    at = open_page("overview", user="gp-leader")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)  # not in leadership's navigation (and the page itself refuses them)
    asm_team = a_team(w)
    ensure_user("gp-asm", role="asm", teams=(asm_team,), p=w.paths)
    at = open_page("overview", user="gp-asm")
    at.switch_page(PAGE)
    at.run()
    assert_ok(at)
    assert not [b for b in at.button if b.key == "gp_save"]
    assert "recorded by the IRO or Conference Chair" in texts(at)


def test_themes_page_shows_good_practice_beside_concerns_as_the_mart_counts(demo):
    at = open_page("themes")  # by month, over the sidebar's default period
    assert_ok(at)
    tabs = [t.label for t in at.tabs]
    assert "Good practice" in tabs
    shown = [df.value for df in at.dataframe if "Good-practice theme" in df.value.columns]
    assert shown, "the good-practice table"
    table = shown[0]
    months = [c for c in table.columns if c not in ("Good-practice theme", "theme_code", "Total")]
    assert months, "the sidebar's period has months"
    expected = query(
        demo.live,
        "select theme_label, period_label, sum(records)::bigint as n from mart_good_practice_counts "
        "where period_type = 'month' and list_contains($m, period_label) group by all",
        {"m": months},
    )
    assert expected.height > 0, "the demo records good practice"
    for label, month, n in expected.iter_rows():  # every cell equals the mart
        row = table[table["Good-practice theme"] == label]
        assert int(row[month].iloc[0]) == n, (label, month)
    all_row = table[table["Good-practice theme"] == "All themes"]
    assert int(all_row["Total"].iloc[0]) == int(expected["n"].sum())
    # by team and quarter: each row equals the two marts' quarter rows for that team
    by_team = [df.value for df in at.dataframe if "Good-practice themes" in df.value.columns][0]
    assert int(by_team["Good-practice themes"].sum()) > 0
    for row in by_team.itertuples(index=False):
        quarter, team = row[0], row[2]
        good = query(
            demo.live,
            "select coalesce(sum(records), 0) from mart_good_practice_counts where period_type = 'quarter' "
            "and period_label = $q and team_name = $t",
            {"q": quarter, "t": team},
        ).item()
        concerns = query(
            demo.live,
            "select coalesce(sum(challenges), 0) from mart_theme_counts where period_type = 'quarter' "
            "and period_label = $q and team_name = $t",
            {"q": quarter, "t": team},
        ).item()
        assert (int(row[4]), int(row[3])) == (good, concerns), (quarter, team)


def test_good_practice_is_never_an_escalation(demo):
    """Every good-practice record of the demo is in fct_good_practice and none is a challenge or
    a challenge event."""
    n = query(demo.live, "select count(*) from fct_good_practice").item()
    assert n > 0
    assert (
        query(
            demo.live,
            "select count(*) from fct_challenges where challenge_id in (select good_practice_id from fct_good_practice)",
        ).item()
        == 0
    )
    assert (
        query(
            demo.live, "select count(*) from fct_challenge_events where event_type = 'good_practice'"
        ).item()
        == 0
    )

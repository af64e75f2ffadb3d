"""dashboard.data enforces the scope itself: every function returning child-level rows, called
directly (as a page, a link or a hand-edited URL ends up calling it), returns only the rows the
user's role allows, for every role. Checked against an independent read of the demo build."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.access import scope_for
from accounts.users import User
from dashboard import data

F = data.Filters()


@pytest.fixture(scope="module")
def wh(demo_warehouse):
    return demo_warehouse


@pytest.fixture(scope="module")
def people(wh) -> dict:
    """Two real teams for the ASM and a real IRO (those with the most open stage 3 and 4 cases), and the scope of every role."""
    teams = [
        r[0]
        for r in wh.query(
            "select c.team_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
            "group by all order by count(*) desc, c.team_id limit 2"
        ).iter_rows()
    ]
    worker = wh.query(
        "select c.iro_worker_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
        "where c.iro_worker_id is not null group by all order by count(*) desc, c.iro_worker_id limit 1"
    ).item()
    return {
        "teams": teams,
        "worker": worker,
        "scopes": {
            "iro": scope_for(User("iro1", "iro", worker_id=worker)),
            "asm": scope_for(User("asm1", "asm", teams=tuple(teams))),
            "service_manager": scope_for(User("sm1", "service_manager")),
            "leadership": scope_for(User("lead1", "leadership")),
            "analyst": scope_for(User("an1", "analyst")),
            "admin": scope_for(User("adm1", "admin")),
            "disabled_leader": scope_for(User("gone", "leadership", disabled=True)),
            "unknown_role": scope_for(User("odd", "superuser")),
            "asm_without_teams": scope_for(User("asm0", "asm")),
            "iro_without_worker": scope_for(User("iro0", "iro")),
        },
    }


def child_level_calls(wh) -> dict:
    """Every child-level function of dashboard.data, with arguments that cover the whole demo."""
    build = wh.live
    as_at = data.as_at(build)
    first = data.first_month(build)
    theme, group = wh.query(
        "select theme_code, stage_group from mart_theme_counts group by all order by sum(challenges) desc limit 1"
    ).row(0)
    return {
        "snapshot_cases": lambda s: data.snapshot_cases(build, s, F, as_at),
        "responses_due_cases": lambda s: data.responses_due_cases(build, s, F, first, as_at),
        "stage_entries_cases": lambda s: data.stage_entries_cases(build, s, F, None, None),
        "meeting_cases": lambda s: data.meeting_cases(build, s, F),
        "search_cases": lambda s: data.search_cases(build, s, "C-", limit=10**7),  # every case_ref
        "theme_cases": lambda s: data.theme_cases(build, s, F, theme, "month", group),
        "open_responses": lambda s: data.open_responses(build, s, F),
    }


FUNCTIONS = [
    "snapshot_cases",
    "responses_due_cases",
    "stage_entries_cases",
    "meeting_cases",
    "search_cases",
    "theme_cases",
    "open_responses",
]


def _owners(wh, ids: list[str]):
    return wh.query(
        "select challenge_id, team_id, iro_worker_id from fct_challenges "
        "where challenge_id in (select unnest($ids::varchar[]))",
        {"ids": ids},
    )


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_every_role_gets_only_its_rows(wh, people, fn):
    call = child_level_calls(wh)[fn]
    everything = call(people["scopes"]["leadership"])
    assert everything.height > 0, f"{fn}: the demo should have rows to hide"
    for role, scope in people["scopes"].items():
        rows = call(scope)
        ids = sorted(set(rows["challenge_id"].to_list()))
        if role in ("leadership", "service_manager"):
            assert rows.height == everything.height, (fn, role)
            continue
        if role not in ("iro", "asm"):
            assert rows.is_empty(), f"{fn}: {role} must see no child-level rows"
            continue
        owners = _owners(wh, ids)
        assert owners.height == len(ids)
        if role == "asm":
            assert set(owners["team_id"].to_list()) <= set(people["teams"]), fn
        else:
            assert set(owners["iro_worker_id"].to_list()) == {people["worker"]}, fn
        assert 0 < rows.height < everything.height, (fn, role)


def test_asm_scope_matches_an_independent_count(wh, people):
    expected = wh.query(
        "select count(*) from fct_challenges where team_id in (select unnest($t::varchar[]))",
        {"t": people["teams"]},
    ).item()
    assert data.search_cases(wh.live, people["scopes"]["asm"], "C-", limit=10**7).height == expected


def test_a_team_filter_naming_another_team_cannot_widen_an_asm(wh, people):
    other = wh.query(
        "select team_id from fct_challenges where team_id not in (select unnest($t::varchar[])) limit 1",
        {"t": people["teams"]},
    ).item()
    scope = people["scopes"]["asm"]
    f = data.Filters(teams=(other,))
    assert data.meeting_cases(wh.live, scope, f).is_empty()
    # and the sidebar's restriction replaces the other team with the ASM's own
    assert scope.restrict_filters([other]) == tuple(sorted(people["teams"]))


def test_a_case_outside_the_scope_is_not_found(wh, people):
    """?case=<id> of someone else's challenge: nothing, as if it did not exist."""
    mine = wh.query(
        "select challenge_id from fct_challenges where iro_worker_id = $w limit 1", {"w": people["worker"]}
    ).item()
    theirs = wh.query(
        "select challenge_id from fct_challenges where iro_worker_id <> $w "
        "and team_id not in (select unnest($t::varchar[])) limit 1",
        {"w": people["worker"], "t": people["teams"]},
    ).item()
    iro, asm = people["scopes"]["iro"], people["scopes"]["asm"]
    assert data.case_summary(wh.live, iro, mine) is not None
    assert not data.case_episodes(wh.live, iro, mine).is_empty()
    for scope in (iro, asm, people["scopes"]["analyst"], people["scopes"]["admin"]):
        assert data.case_summary(wh.live, scope, theirs) is None
        assert data.case_episodes(wh.live, scope, theirs).is_empty()
    assert data.case_summary(wh.live, people["scopes"]["leadership"], theirs) is not None


def test_child_id_only_on_the_case_timeline_for_roles_that_may_see_it(wh, people):
    cid = wh.query(
        "select challenge_id from fct_challenges where iro_worker_id = $w limit 1", {"w": people["worker"]}
    ).item()
    child_id, case_ref = wh.query(
        "select child_id, case_ref from fct_challenges where challenge_id = $c", {"c": cid}
    ).row(0)
    s = people["scopes"]
    assert data.case_summary(wh.live, s["iro"], cid)["child_ref"] == child_id
    assert data.case_summary(wh.live, s["service_manager"], cid)["child_ref"] == child_id
    assert data.case_summary(wh.live, s["leadership"], cid)["child_ref"] == case_ref  # never the id
    # no list returns the case-system id, for any role
    for fn, call in child_level_calls(wh).items():
        assert "child_id" not in call(s["leadership"]).columns, fn


def test_the_scope_is_part_of_the_cache_key(wh, people):
    """A cached answer for one user is never served to another."""
    s = people["scopes"]
    assert (
        data.search_cases(wh.live, s["leadership"], "C-", limit=10**7).height
        > data.search_cases(wh.live, s["iro"], "C-", limit=10**7).height
    )
    assert data.search_cases(wh.live, s["analyst"], "C-").is_empty()


def test_dates_are_bound_not_pasted(wh, people):
    assert data.responses_due_cases(
        wh.live, people["scopes"]["asm"], F, date(2099, 1, 1), date(2099, 2, 1)
    ).is_empty()

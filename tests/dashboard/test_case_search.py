"""The case pickers (issues 14 and 16): a case is found by a search on the server
(``data.search_cases``), bounded and within the user's scope, never from a list of every challenge in
scope; before a search, the user's most urgent cases (``data.urgent_cases``). The case timeline and
the logging form never send more than ``data.SEARCH_LIMIT`` options to the browser, on the demo
warehouse at local-authority scale (thousands of challenges; the IRO below has hundreds)."""

from __future__ import annotations

import pytest

from accounts.access import scope_for
from accounts.users import User
from dashboard import data
from tests.conftest import log_again_in_app
from tests.dashboard.conftest import ALL, assert_ok, ensure_user, open_page, query, texts
from warehouse import settings

EVERYTHING = 10**7  # a limit no demo reaches: the whole answer, to compare with an independent read


@pytest.fixture(scope="module")
def cast(demo_warehouse) -> dict:
    """The IRO with the most challenges (hundreds: more than the limit), two teams for an Assistant
    Service Manager, and someone else's challenge (neither the IRO's nor those teams')."""
    wh = demo_warehouse
    worker = wh.query(
        "select iro_worker_id from fct_challenges where iro_worker_id is not null "
        "group by all order by count(*) desc, iro_worker_id limit 1"
    ).item()
    teams = wh.query(
        "select team_id from fct_challenges where team_id is not null group by all order by team_id limit 2"
    )["team_id"].to_list()
    theirs = wh.query(
        "select challenge_id, case_ref from fct_challenges where iro_worker_id <> $w "
        "and team_id not in (select unnest($t::varchar[])) order by challenge_id limit 1",
        {"w": worker, "t": teams},
    ).row(0, named=True)
    p = settings.Paths(wh.home)
    ensure_user("search-iro", role="iro", worker_id=worker, p=p)
    ensure_user("search-asm", role="asm", teams=tuple(teams), p=p)
    return {
        "worker": worker,
        "teams": teams,
        "theirs": theirs,
        "iro": scope_for(User("search-iro", "iro", worker_id=worker)),
        "asm": scope_for(User("search-asm", "asm", teams=tuple(teams))),
    }


# --- data.search_cases and data.urgent_cases ------------------------------------------------------


def test_an_iro_finds_only_their_own_challenges(demo, cast):
    found = data.search_cases(demo.live, cast["iro"], "c-", limit=EVERYTHING)  # every case_ref has it
    own = query(
        demo.live, "select challenge_id from fct_challenges where iro_worker_id = $w", {"w": cast["worker"]}
    )["challenge_id"].to_list()
    assert len(own) > data.SEARCH_LIMIT, "the demo IRO should have more challenges than the limit"
    assert sorted(found["challenge_id"].to_list()) == sorted(own)
    assert set(found["iro_worker_id"].to_list()) == {cast["worker"]}
    # someone else's case is not found by its whole id or its case reference either
    theirs = cast["theirs"]
    assert data.search_cases(demo.live, cast["iro"], theirs["challenge_id"]).is_empty()
    assert (
        theirs["challenge_id"]
        not in data.search_cases(demo.live, cast["iro"], theirs["case_ref"])["challenge_id"].to_list()
    )
    assert not data.search_cases(demo.live, ALL, theirs["challenge_id"]).is_empty()  # it exists


def test_an_asm_finds_only_their_teams_challenges(demo, cast):
    found = data.search_cases(demo.live, cast["asm"], "C-", limit=EVERYTHING)
    expected = query(
        demo.live,
        "select count(*) from fct_challenges where team_id in (select unnest($t::varchar[]))",
        {"t": cast["teams"]},
    ).item()
    assert found.height == expected > 0
    assert set(found["team_id"].to_list()) <= set(cast["teams"])
    assert data.search_cases(demo.live, cast["asm"], cast["theirs"]["challenge_id"]).is_empty()


def test_acting_finds_only_what_the_user_may_act_on(demo, cast):
    """The logging form's search: ``scope.act_sql`` (leadership sees every case but acts on none)."""
    assert data.search_cases(demo.live, ALL, "C-", acting=True).is_empty()
    assert data.urgent_cases(demo.live, ALL, acting=True).is_empty()
    mine = data.search_cases(demo.live, cast["iro"], "C-", acting=True, limit=EVERYTHING)
    assert set(mine["iro_worker_id"].to_list()) == {cast["worker"]}


def test_a_search_returns_at_most_the_limit_and_one_more(demo, cast):
    for scope in (ALL, cast["iro"], cast["asm"]):
        found = data.search_cases(demo.live, scope, "C-")
        assert found.height == data.SEARCH_LIMIT + 1  # the extra row says "type more"
        urgent = data.urgent_cases(demo.live, scope)
        assert urgent.height == data.SEARCH_LIMIT + 1


def test_open_cases_first_then_the_most_recent(demo, cast):
    found = data.search_cases(demo.live, ALL, "C-")
    status = found["status"].to_list()
    assert status == sorted(status, key=lambda s: s != "open")
    opened = found.filter(found["status"] == "open")["raised_on"].to_list()
    assert opened == sorted(opened, reverse=True)


def test_the_most_urgent_cases_come_first(demo, cast):
    """Before a search: open and overdue first, then open by the date a response is due, then closed."""
    urgent = data.urgent_cases(demo.live, cast["iro"], limit=EVERYTHING)
    keys = [(r["status"] != "open", not r["is_overdue"]) for r in urgent.iter_rows(named=True)]
    assert keys == sorted(keys)
    assert urgent["is_overdue"][0] or not urgent["is_overdue"].any()
    opened = urgent.filter(urgent["status"] == "open")
    due = opened.filter(~opened["is_overdue"])["response_due_on"].drop_nulls().to_list()
    assert due == sorted(due)
    closed = urgent.filter(urgent["status"] != "open")
    ends = query(
        demo.live,
        "select closed_on from fct_challenges where challenge_id in (select unnest($c::varchar[])) "
        "order by closed_on desc",
        {"c": closed["challenge_id"].to_list()},
    )["closed_on"].to_list()
    assert (
        ends
        and [
            query(demo.live, "select closed_on from fct_challenges where challenge_id = $c", {"c": c}).item()
            for c in closed["challenge_id"].head(20)
        ]
        == ends[:20]
    )  # the most recently closed first
    own_open = query(
        demo.live,
        "select count(*) from fct_challenges where iro_worker_id = $w and status = 'open'",
        {"w": cast["worker"]},
    ).item()
    assert urgent.head(own_open)["status"].to_list() == ["open"] * own_open


def test_a_whole_id_is_chosen_whatever_its_case(demo, cast):
    cid, ref = query(
        demo.live,
        "select challenge_id, case_ref from fct_challenges where iro_worker_id = $w order by challenge_id limit 1",
        {"w": cast["worker"]},
    ).row(0)
    for typed in (cid, cid.lower(), f"  {cid}  "):
        found = data.search_cases(demo.live, cast["iro"], typed)
        assert found["challenge_id"][0] == cid and found["is_exact"][0]
        assert found["is_exact"].sum() == 1
    by_ref = data.search_cases(demo.live, cast["iro"], ref.lower())
    assert by_ref["is_exact"].all() and by_ref["case_ref"].to_list() == [ref] * by_ref.height


@pytest.mark.parametrize(
    "hostile",
    ["%", "%%", "_", "__", "C-%", "C_", "'", "''", '"', "'; drop table fct_challenges; --", "\\", "$1", "?"],
)
def test_hostile_text_is_plain_text(demo, hostile):
    """No wildcard, no quoting, no SQL: the text is a bound value matched as itself (and too short,
    one character, finds nothing)."""
    assert data.search_cases(demo.live, ALL, hostile).is_empty()
    assert data.search_cases(demo.live, ALL, "C-").height == data.SEARCH_LIMIT + 1  # still there


def test_too_short_or_no_rows_finds_nothing(demo, cast):
    assert data.search_cases(demo.live, ALL, "c").is_empty()
    assert data.search_cases(demo.live, ALL, "   ").is_empty()
    analyst = scope_for(User("a", "analyst"))
    assert data.search_cases(demo.live, analyst, "C-").is_empty()
    assert data.urgent_cases(demo.live, analyst).is_empty()


# --- the case timeline page ------------------------------------------------------------------------


def options(at, key: str) -> list[str]:
    return at.selectbox(key).options


def test_the_case_page_sends_at_most_the_limit(demo, cast):
    total = query(demo.live, "select count(*) from fct_challenges").item()
    assert total > 10 * data.SEARCH_LIMIT
    at = open_page("case")
    assert_ok(at)
    assert len(options(at, "case_pick")) == data.SEARCH_LIMIT  # the most urgent, before a search
    assert "most urgent" in texts(at)
    at.text_input("case").set_value("C-").run()  # matches every case
    assert_ok(at)
    assert len(options(at, "case_pick")) == data.SEARCH_LIMIT
    assert f"The first {data.SEARCH_LIMIT} matches: type more to narrow them." in texts(at)
    at.text_input("case").set_value("C").run()
    assert f"Type at least {data.SEARCH_MIN_CHARS} characters to search." in texts(at)
    at.text_input("case").set_value("no such case").run()
    assert "Nothing matches" in texts(at)
    assert options(at, "case_pick") == []


def test_search_and_pick_a_case_on_the_case_page(demo, cast):
    cid, ref = query(
        demo.live,
        "select challenge_id, case_ref from fct_challenges where status <> 'open' "
        "and iro_worker_id = $w order by raised_on limit 1",
        {"w": cast["worker"]},
    ).row(0)
    at = open_page("case", user="search-iro")
    at.text_input("case").set_value(ref[:-2].lower()).run()  # part of the reference
    assert_ok(at)
    words = at.selectbox("case_pick").format_func
    wanted = [
        c
        for c in query(demo.live, "select challenge_id from fct_challenges where case_ref = $r", {"r": ref})[
            "challenge_id"
        ]
        if words(c) in options(at, "case_pick")
    ]
    assert wanted, options(at, "case_pick")
    at.selectbox("case_pick").select(wanted[0]).run()
    assert_ok(at)
    assert at.query_params.get("case") == wanted[0]
    assert any(s.value.startswith(f"Case {ref}") for s in at.subheader)
    # the choice stays while the search changes
    at.text_input("case").set_value("no such case").run()
    assert at.selectbox("case_pick").value == at.query_params.get("case")
    # a whole id is chosen at once, and the URL follows
    at.text_input("case").set_value(cid).run()
    assert at.selectbox("case_pick").value == cid and at.query_params.get("case") == cid


def test_a_link_opens_the_case_without_a_search_only_in_scope(demo, cast):
    mine = query(
        demo.live,
        "select challenge_id, case_ref from fct_challenges where iro_worker_id = $w "
        "order by closed_on nulls last, challenge_id limit 1",  # closed long ago: not a first choice
        {"w": cast["worker"]},
    ).row(0, named=True)
    at = open_page("case", user="search-iro", query_params={"case": mine["challenge_id"]})
    assert_ok(at)
    assert at.selectbox("case_pick").value == mine["challenge_id"]
    assert at.selectbox("case_pick").options[0].startswith(mine["case_ref"])
    assert any(s.value.startswith(f"Case {mine['case_ref']}") for s in at.subheader)
    # someone else's, and one that does not exist: the same words, nothing chosen, nothing echoed
    shown = []
    for cid in (cast["theirs"]["challenge_id"], "no-such-case"):
        at = open_page("case", user="search-iro", query_params={"case": cid})
        assert_ok(at)
        assert at.selectbox("case_pick").value is None
        assert cid not in texts(at) and cast["theirs"]["case_ref"] not in texts(at)
        assert not any(o.startswith(cast["theirs"]["case_ref"]) for o in options(at, "case_pick"))
        shown.append([i.value for i in at.info])
    assert shown[0] == shown[1]
    assert "The case in this link is not one you can see" in texts(at)


# --- the logging form --------------------------------------------------------------------------------


def test_the_log_form_sends_at_most_the_limit(demo, cast):
    at = open_page("log", user="search-iro")
    assert_ok(at)
    at.radio("log_mode").set_value("An action on an existing challenge").run()
    assert_ok(at)
    assert len(options(at, "log_challenge_pick")) == data.SEARCH_LIMIT
    at.text_input("log_challenge").set_value("C-").run()
    assert_ok(at)
    assert len(options(at, "log_challenge_pick")) == data.SEARCH_LIMIT
    assert f"The first {data.SEARCH_LIMIT} matches: type more to narrow them." in texts(at)
    own = set(
        query(
            demo.live,
            "select challenge_id from fct_challenges where iro_worker_id = $w",
            {"w": cast["worker"]},
        )["challenge_id"].to_list()
    )
    assert {o.rsplit(" · ", 1)[-1] for o in options(at, "log_challenge_pick")} <= own


# --- an app-logged challenge merged into the extract's (docs/marts.md rule 3) ---------------------


@pytest.mark.slow
def test_the_app_id_of_a_merged_challenge_finds_it_within_the_scope(scratch_warehouse, cast):
    """A challenge logged in the app that a rebuild merged into the extract's same challenge is
    found by the app's id typed whole (``app_challenge_id``), as the extract's challenge, chosen at
    once; by the case pickers and the Respond page alike, and never outside the user's scope."""
    from notify import responses
    from tests.conftest import DEMO_END
    from warehouse.build import build
    from warehouse.store import read_live

    w = scratch_warehouse
    c = w.query(
        "select challenge_id, child_id, raised_on, iro_worker_id, legal_status, route, entry_stage, team_id "
        "from fct_challenges where status = 'open' and route = 'formal' and iro_worker_id = $w "
        "and record_source = 'case_system' and team_id is not null order by challenge_id limit 1",
        {"w": cast["worker"]},
    ).row(0, named=True)
    app_id = log_again_in_app(c, w.paths, "search-iro").challenge_id
    build(as_at=DEMO_END, p=w.paths)
    live = read_live(w.paths)
    merged = query(live, "select challenge_id from fct_challenges where app_challenge_id = $a", {"a": app_id})
    assert merged["challenge_id"].to_list() == [c["challenge_id"]]
    for typed in (app_id, app_id.lower(), f"  {app_id} "):
        for acting in (False, True):
            found = data.search_cases(live, cast["iro"], typed, acting=acting)
            assert found["challenge_id"].to_list() == [c["challenge_id"]] and found["is_exact"][0]
    # the Respond page's search: a manager whose area it is
    hits = responses.search_assigned(
        live, "W-NOBODY", (c["team_id"],), app_id.lower(), limit=data.SEARCH_LIMIT
    )
    assert [(h["challenge_id"], h["is_exact"]) for h in hits] == [(c["challenge_id"], True)]
    # never outside the scope
    other = scope_for(User("another-iro", "iro", worker_id="W-NOBODY"))
    assert data.search_cases(live, other, app_id).is_empty()
    assert responses.search_assigned(live, "W-NOBODY", (), app_id, limit=data.SEARCH_LIMIT) == []

"""The Respond page's case picker: bounded like the case pickers (dashboard/search_pick.py), on the
demo warehouse at local-authority scale, where one manager may see hundreds of challenges and a
team over a thousand. Before a search, the challenges awaiting the manager's response (overdue,
then due soonest); a search (case reference or challenge id) finds any challenge they may see
(``notify.responses``: the challenges they must respond to, were emailed about, or of their teams),
never one they may not, and at most ``data.SEARCH_LIMIT`` are sent to the browser."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data
from notify import responses
from tests.dashboard.conftest import APP, assert_ok, ensure_user, query, signed_in, texts
from warehouse import settings

EVERYTHING = 10**7  # a limit no demo reaches: the whole answer, to compare with an independent read

#: The open challenges whose current stage awaits a response from its responsible manager.
AWAITING = """
    select c.challenge_id, c.responsible_worker_id, c.response_due_on, c.is_awaiting_response_past_due
    from fct_challenges c join fct_stage_episodes e using (challenge_id)
    where c.status = 'open' and e.is_open and e.is_current_stage and e.responded_on is null
        and e.responsible_worker_id = c.responsible_worker_id
"""


def _seen(demo, worker: str, teams: tuple[str, ...] = ()) -> set[str]:
    """What the worker may see, read independently: each part of the rule on its own."""
    parts = [
        ("select challenge_id from fct_challenges where responsible_worker_id = $w", {"w": worker}),
        ("select challenge_id from mart_notifications_due where recipient_worker_id = $w", {"w": worker}),
    ]
    parts += [("select challenge_id from fct_challenges where team_id = $t", {"t": t}) for t in teams]
    return {c for sql, p in parts for c in query(demo.live, sql, p)["challenge_id"].to_list()}


@pytest.fixture(scope="module")
def cast(demo) -> dict:
    """The manager emailed about the most challenges who has some awaiting their response (hundreds
    at ``la`` scale), the largest team (for a manager with an area), the manager with the most
    awaiting their response, one of them overdue (for the order), and someone else's challenge."""
    told = query(
        demo.live,
        f"""
        with awaiting as ({AWAITING})
        select recipient_worker_id from mart_notifications_due
        where recipient_worker_id in (select responsible_worker_id from awaiting)
        group by all order by count(distinct challenge_id) desc, recipient_worker_id limit 1
        """,  # noqa: S608 - a constant
    ).item()
    urgent = query(
        demo.live,
        f"""
        with awaiting as ({AWAITING})
        select responsible_worker_id from awaiting group by all
        order by bool_or(is_awaiting_response_past_due) desc, count(*) desc, responsible_worker_id limit 1
        """,  # noqa: S608 - a constant
    ).item()
    team = query(
        demo.live,
        "select team_id from fct_challenges where team_id is not null group by all order by count(*) desc, 1 limit 1",
    ).item()
    mine = _seen(demo, told)
    theirs = query(
        demo.live,
        "select challenge_id, case_ref from fct_challenges where team_id <> $t "
        "and challenge_id not in (select unnest($m::varchar[])) order by challenge_id limit 1",
        {"t": team, "m": sorted(mine)},
    ).row(0, named=True)
    p = settings.Paths(demo.home)
    ensure_user("respond-mgr", role="responder", worker_id=told, p=p)
    ensure_user("respond-area", role="responder", worker_id=told, teams=(team,), p=p)
    ensure_user("respond-urgent", role="responder", worker_id=urgent, p=p)
    ensure_user("respond-nobody", role="responder", worker_id="W-NOBODY", p=p)
    return {"told": told, "urgent": urgent, "team": team, "mine": mine, "theirs": theirs}


# --- notify.responses: the bounded search and the first choices ------------------------------------


def test_a_manager_finds_only_what_they_may_see(demo, cast):
    found = responses.search_assigned(demo.live, cast["told"], (), "c-", limit=EVERYTHING)  # every case_ref
    assert len(cast["mine"]) > 10 * data.SEARCH_LIMIT, "the demo manager should see hundreds"
    assert {r["challenge_id"] for r in found} == cast["mine"]
    assert len(found) == len(cast["mine"])  # each once
    # with an area: the team's challenges too (over a thousand at la scale)
    area = responses.search_assigned(demo.live, cast["told"], (cast["team"],), "C-", limit=EVERYTHING)
    assert {r["challenge_id"] for r in area} == _seen(demo, cast["told"], (cast["team"],))
    # someone else's challenge: not by its whole id, nor its case reference, nor opened directly
    theirs = cast["theirs"]
    for typed in (theirs["challenge_id"], theirs["challenge_id"].lower(), theirs["case_ref"]):
        hits = responses.search_assigned(demo.live, cast["told"], (cast["team"],), typed, limit=EVERYTHING)
        assert theirs["challenge_id"] not in {r["challenge_id"] for r in hits}
    assert responses.assigned_case(demo.live, cast["told"], (cast["team"],), theirs["challenge_id"]) is None
    # it exists: a manager whose area it is finds it
    team = query(
        demo.live, "select team_id from fct_challenges where challenge_id = $c", {"c": theirs["challenge_id"]}
    ).item()
    if team is not None:
        hits = responses.search_assigned(demo.live, "W-NOBODY", (team,), theirs["challenge_id"], limit=1)
        assert hits[0]["challenge_id"] == theirs["challenge_id"] and hits[0]["is_exact"]


def test_a_search_and_the_first_choices_return_at_most_the_limit_and_one_more(demo, cast):
    for teams in ((), (cast["team"],)):
        found = responses.search_assigned(demo.live, cast["told"], teams, "C-", limit=data.SEARCH_LIMIT)
        assert len(found) == data.SEARCH_LIMIT + 1  # the extra row says "type more"
    urgent = responses.awaiting_response(demo.live, cast["urgent"], limit=EVERYTHING)
    assert len(urgent) > 2
    assert len(responses.awaiting_response(demo.live, cast["urgent"], limit=1)) == 2
    assert len(responses.awaiting_response(demo.live, cast["urgent"], limit=data.SEARCH_LIMIT)) <= (
        data.SEARCH_LIMIT + 1
    )


def test_the_first_choices_are_those_awaiting_the_manager_overdue_then_due_soonest(demo, cast):
    first = responses.awaiting_response(demo.live, cast["urgent"], limit=EVERYTHING)
    expected = query(demo.live, f"{AWAITING} and c.responsible_worker_id = $w", {"w": cast["urgent"]})  # noqa: S608
    assert {r["challenge_id"] for r in first} == set(expected["challenge_id"].to_list())
    assert all(r["status"] == "open" and r["responsible_worker_id"] == cast["urgent"] for r in first)
    overdue = [r["is_overdue"] for r in first]
    assert overdue[0] and overdue == sorted(overdue, reverse=True)  # overdue first
    due = [r["response_due_on"] for r in first if not r["is_overdue"]]
    assert due == sorted(due)  # then the soonest due
    # one they have already answered is not awaiting them, but a search still finds it
    answered = query(
        demo.live,
        "select c.challenge_id, c.case_ref, c.responsible_worker_id from fct_challenges c "
        "join fct_stage_episodes e using (challenge_id) where c.status = 'open' and e.is_open "
        "and e.is_current_stage and e.responded_on is not null "
        "and e.responsible_worker_id = c.responsible_worker_id order by 1 limit 1",
    )
    if not answered.is_empty():
        a = answered.row(0, named=True)
        waiting = responses.awaiting_response(demo.live, a["responsible_worker_id"], limit=EVERYTHING)
        assert a["challenge_id"] not in {r["challenge_id"] for r in waiting}
        hits = responses.search_assigned(
            demo.live, a["responsible_worker_id"], (), a["challenge_id"], limit=1
        )
        assert hits[0]["challenge_id"] == a["challenge_id"] and hits[0]["is_exact"]


def test_a_whole_id_or_case_reference_comes_first_whatever_its_case(demo, cast):
    cid = min(cast["mine"])
    ref = query(demo.live, "select case_ref from fct_challenges where challenge_id = $c", {"c": cid}).item()
    for typed in (cid, cid.lower(), f"  {cid}  "):
        found = responses.search_assigned(demo.live, cast["told"], (), typed, limit=data.SEARCH_LIMIT)
        assert found[0]["challenge_id"] == cid and found[0]["is_exact"]
        assert sum(r["is_exact"] for r in found) == 1
    by_ref = responses.search_assigned(demo.live, cast["told"], (), ref.lower(), limit=data.SEARCH_LIMIT)
    assert by_ref[0]["case_ref"] == ref and by_ref[0]["is_exact"]


HOSTILE = (
    "%",
    "%%",
    "_",
    "__",
    "C-%",
    "C_",
    "'",
    "''",
    '"',
    "'; drop table fct_challenges; --",
    "\\",
    "$1",
    "$q",
    "?",
)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_plain_text(demo, cast, hostile):
    """No wildcard, no quoting, no SQL: the text is a bound value matched as itself."""
    teams = (cast["team"],)
    assert responses.search_assigned(demo.live, cast["told"], teams, hostile, limit=EVERYTHING) == []
    assert len(responses.search_assigned(demo.live, cast["told"], teams, "C-", limit=1)) == 2  # still there


def test_nothing_typed_finds_nothing(demo, cast):
    assert responses.search_assigned(demo.live, cast["told"], (), "   ", limit=data.SEARCH_LIMIT) == []
    assert responses.search_assigned(demo.live, "W-NOBODY", (), "C-", limit=data.SEARCH_LIMIT) == []
    assert not responses.has_assigned(demo.live, "W-NOBODY")
    assert responses.has_assigned(demo.live, cast["told"])


# --- the Respond page ------------------------------------------------------------------------------


def open_respond(user: str, **link: str) -> AppTest:
    """The app as a manager opens it: signed in, the link's parameters in the URL, the Respond page."""
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at, user)
    for k, v in link.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("views/respond.py")
    at.run()
    assert_ok(at)
    return at


def options(at: AppTest) -> list[str]:
    return at.selectbox("respond_pick").options


def shown(at: AppTest) -> str:
    return texts(at) + "\n" + "\n".join(str(m.value) for m in at.metric) + "\n" + "\n".join(options(at))


def words(at: AppTest, cid: str) -> str:
    return at.selectbox("respond_pick").format_func(cid)


def test_the_page_sends_at_most_the_limit(demo, cast):
    """A manager with an area (over a thousand challenges at la scale): before a search, only those
    awaiting their response; a search that matches every challenge sends the limit."""
    assert len(_seen(demo, cast["told"], (cast["team"],))) > 50 * data.SEARCH_LIMIT
    at = open_respond("respond-area")
    first = responses.awaiting_response(demo.live, cast["told"], limit=data.SEARCH_LIMIT)
    assert options(at) == [words(at, r["challenge_id"]) for r in first]
    assert 0 < len(options(at)) <= data.SEARCH_LIMIT
    assert at.selectbox("respond_pick").value is None
    assert "Choose a case above." in texts(at)
    at.text_input("respond").set_value("C-").run()  # matches every challenge
    assert_ok(at)
    assert len(options(at)) == data.SEARCH_LIMIT
    assert f"The first {data.SEARCH_LIMIT} matches: type more to narrow them." in texts(at)
    at.text_input("respond").set_value("C").run()
    assert f"Type at least {data.SEARCH_MIN_CHARS} characters to search." in texts(at)
    at.text_input("respond").set_value("no such case").run()
    assert "Nothing matches 'no such case' among your challenges." in texts(at)
    assert options(at) == []


def test_the_first_choices_are_bounded_and_the_most_urgent(demo, cast, monkeypatch):
    """With a limit lower than the manager's cases awaiting a response: the most urgent, and a word
    that there are more."""
    at = open_respond("respond-urgent")
    first = responses.awaiting_response(demo.live, cast["urgent"], limit=EVERYTHING)
    assert options(at) == [words(at, r["challenge_id"]) for r in first][: data.SEARCH_LIMIT]
    assert options(at)[0].split(" · ")[1] == "open, overdue"
    monkeypatch.setattr(data, "SEARCH_LIMIT", 2)
    at = open_respond("respond-urgent")
    assert options(at) == [words(at, r["challenge_id"]) for r in first[:2]]
    assert "The 2 awaiting your response that are due soonest (overdue first)" in texts(at)


def test_search_and_pick_a_case_and_respond_to_one_awaiting(demo, cast):
    closed = query(
        demo.live,
        "select challenge_id, case_ref from fct_challenges where status <> 'open' "
        "and challenge_id in (select unnest($m::varchar[])) order by raised_on, challenge_id limit 1",
        {"m": sorted(cast["mine"])},
    ).row(0, named=True)
    at = open_respond("respond-mgr")
    at.text_input("respond").set_value(closed["case_ref"][:-2].lower()).run()  # part of the reference
    assert_ok(at)
    assert words(at, closed["challenge_id"]) in options(at)
    at.selectbox("respond_pick").set_value(closed["challenge_id"]).run()
    assert_ok(at)
    assert any(m.value == closed["case_ref"] for m in at.metric)
    assert "This challenge is closed: there is nothing to respond to." in texts(at)
    assert not at.text_area  # no form
    # the choice stays while the search changes
    at.text_input("respond").set_value("no such case").run()
    assert at.selectbox("respond_pick").value == closed["challenge_id"]
    # a whole id of one awaiting their response is chosen at once, with the form
    waiting = responses.awaiting_response(demo.live, cast["told"], limit=1)[0]
    at.text_input("respond").set_value(waiting["challenge_id"].lower()).run()
    assert_ok(at)
    assert at.selectbox("respond_pick").value == waiting["challenge_id"]
    assert any(m.value == waiting["case_ref"] for m in at.metric)
    assert at.text_area("respond_what") is not None and at.button  # the form: Send response


def _notification(demo, worker: str, challenges: set[str], *, closed: bool | None = None) -> dict:
    """An email to ``worker`` about one of ``challenges`` (closed or not, or either), the oldest."""
    return query(
        demo.live,
        "select n.notification_id, n.challenge_id, c.case_ref from mart_notifications_due n "
        "join fct_challenges c using (challenge_id) where n.recipient_worker_id = $w "
        "and coalesce((c.status <> 'open') = $closed, true) "
        "and n.challenge_id in (select unnest($m::varchar[])) "
        "order by c.raised_on, n.notification_id limit 1",
        {"w": worker, "closed": closed, "m": sorted(challenges)},
    ).row(0, named=True)


def test_a_link_opens_its_case_directly_only_if_the_manager_may_see_it(demo, cast):
    # the manager's own email, about a challenge closed long ago (no search, not a first choice)
    mine = _notification(demo, cast["told"], cast["mine"], closed=True)
    at = open_respond("respond-mgr", n=mine["notification_id"])
    assert at.selectbox("respond_pick").value == mine["challenge_id"]
    assert options(at)[0].startswith(mine["case_ref"])
    assert any(m.value == mine["case_ref"] for m in at.metric)
    assert not at.warning
    # the link chose it once: the manager can choose another, and it stays
    other = responses.awaiting_response(demo.live, cast["told"], limit=1)[0]
    at.selectbox("respond_pick").set_value(other["challenge_id"]).run()
    at.run()
    assert at.selectbox("respond_pick").value == other["challenge_id"]

    # someone else's email, and a link that does not exist: the same words, nothing chosen or echoed
    outsider = query(
        demo.live,
        "select recipient_worker_id from mart_notifications_due where recipient_worker_id <> $w "
        "group by all order by count(*) desc, 1 limit 1",
        {"w": cast["told"]},
    ).item()
    outside = (
        set(
            query(
                demo.live,
                "select challenge_id from mart_notifications_due where recipient_worker_id = $o",
                {"o": outsider},
            )["challenge_id"].to_list()
        )
        - cast["mine"]
    )
    theirs = _notification(demo, outsider, outside)
    warned = []
    for n in (theirs["notification_id"], "no-such-notification"):
        at = open_respond("respond-mgr", n=n)
        assert at.selectbox("respond_pick").value is None
        assert theirs["case_ref"] not in shown(at) and n not in shown(at)
        warned.append([w.value for w in at.warning])
    assert warned[0] == warned[1] == ["The case in this link is not one of yours. Choose one below."]


def test_a_digest_link_opens_its_case_only_for_its_manager(demo, cast):
    item = query(
        demo.live,
        "select d.digest_item_id, d.challenge_id, d.recipient_worker_id, c.case_ref "
        "from mart_notification_digest d join fct_challenges c using (challenge_id) "
        "where d.section in ('due_this_week', 'overdue') and d.recipient_worker_id = c.responsible_worker_id "
        "order by 1 limit 1",  # a response of their own: its link is to the Respond page
    ).row(0, named=True)
    manager = f"respond-{item['recipient_worker_id']}"
    ensure_user(manager, role="responder", worker_id=item["recipient_worker_id"], p=demo.paths)
    at = open_respond(manager, d=item["digest_item_id"])
    assert at.selectbox("respond_pick").value == item["challenge_id"]
    assert any(m.value == item["case_ref"] for m in at.metric)
    if item["challenge_id"] not in cast["mine"]:
        at = open_respond("respond-mgr", d=item["digest_item_id"])
        assert at.selectbox("respond_pick").value is None and item["case_ref"] not in shown(at)
        assert "The case in this link is not one of yours. Choose one below." in texts(at)


def test_nothing_to_respond_to_or_nothing_awaiting(demo, cast):
    at = open_respond("respond-nobody")
    assert "There are no challenges for you to respond to." in texts(at)
    # a manager emailed about challenges, none awaiting their response now: a search still finds them
    idle = query(
        demo.live,
        f"""
        with awaiting as ({AWAITING})
        select recipient_worker_id from mart_notifications_due
        where recipient_worker_id not in (select responsible_worker_id from awaiting)
        group by all order by count(*) desc, 1 limit 1
        """,  # noqa: S608 - a constant
    ).item()
    ensure_user(f"respond-{idle}", role="responder", worker_id=idle, p=demo.paths)
    at = open_respond(f"respond-{idle}")
    assert options(at) == []
    assert "Nothing is awaiting your response. Search above" in texts(at)
    at.text_input("respond").set_value("C-").run()
    assert_ok(at)
    assert 0 < len(options(at)) <= data.SEARCH_LIMIT

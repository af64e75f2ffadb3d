"""The role policy and each role's Scope: rows, identifiers, actions, filters, SQL, suppression."""

from __future__ import annotations

import random
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from accounts import access
from accounts.access import (
    NO_TEAMS,
    PAGE_AGGREGATE,
    PAGE_AUDIT,
    PAGE_CASE_TIMELINE,
    PAGE_CHILD_LIST,
    PAGE_LOG_FORM,
    PAGE_OUTBOX,
    PAGE_USERS,
    ROLE_POLICY,
    Scope,
    scope_for,
    suppress_small_counts,
)
from accounts.users import User
from warehouse.pseudonyms import pseudonym

REPO = Path(__file__).resolve().parents[2]

IRO = User("iro1", "iro", worker_id="W1")
ASM = User("asm1", "asm", teams=("T2", "T1"))
SM = User("sm1", "service_manager")
LEAD = User("ad1", "leadership")
ANALYST = User("an1", "analyst")
ADMIN = User("admin", "admin")

HOSTILE = [
    "T1' or '1'='1",
    "T1'); drop table fct; --",
    '"T1"',
    "T1\\",
    "%",
    "_",
    "*",
    "T1\x00",
    "Ｔ1",  # full-width T
    "T1\u200b",  # zero-width space
    "🙂",
    "x" * 10_000,
    "",
    " T1",
]


def test_every_role_has_a_policy_row_and_the_roles_asked_for_exist():
    assert set(ROLE_POLICY) >= {"iro", "asm", "service_manager", "leadership", "analyst", "admin"}
    for pol in ROLE_POLICY.values():
        assert pol.rows in {"all", "teams", "own", "none"}
        assert pol.act_on in {"all", "own", "none"}
        assert pol.pages <= set(access.PAGE_KINDS) and pol.exports <= set(access.EXPORT_KINDS)


# --- each role's scope ------------------------------------------------------------------------------


def test_iro_scope_own_challenges_only():
    s = scope_for(IRO)
    assert s.child_rows and s.rows == "own" and s.team_ids is None
    assert s.show_child_id and s.may_log_challenges
    assert s.may_act_on(iro_worker_id="W1", team_id="T9")
    assert not s.may_act_on(iro_worker_id="W2", team_id="T9")
    assert not s.row_visible(team_id="T1", iro_worker_id="W2")
    assert not s.row_visible(team_id="T1", iro_worker_id=None)
    assert not (s.may_manage_users or s.may_read_audit)
    assert s.may_view(PAGE_LOG_FORM) and s.may_view(PAGE_CASE_TIMELINE) and not s.may_view(PAGE_AUDIT)
    assert s.may_export("aggregate") and not s.may_export("child_level")


def test_iro_without_worker_id_sees_and_does_nothing_child_level():
    s = scope_for(User("iro2", "iro"))
    assert not s.child_rows and not s.may_log_challenges
    assert s.where() == ("false", [])
    assert not s.may_act_on(iro_worker_id=None)
    assert not s.may_view(PAGE_CHILD_LIST) and not s.may_view(PAGE_LOG_FORM)


def test_asm_scope_their_teams():
    s = scope_for(ASM)
    assert s.rows == "teams" and s.team_ids == ("T1", "T2") and s.child_rows
    assert s.show_child_id and not s.may_log_challenges
    assert s.may_act_on(iro_worker_id="W7", team_id="T1")
    assert not s.may_act_on(iro_worker_id="W7", team_id="T3")
    assert not s.row_visible(team_id=None, iro_worker_id="W7")
    assert s.may_export("child_level") and not s.may_export("audit")
    assert s.may_view(PAGE_LOG_FORM) and not s.may_view(PAGE_USERS)


def test_asm_without_teams_sees_no_rows():
    s = scope_for(User("asm2", "asm"))
    assert not s.child_rows and s.where() == ("false", [])
    assert s.restrict_filters(["T1"]) == NO_TEAMS and s.restrict_filters([]) == NO_TEAMS
    assert not s.may_export("child_level") and not s.may_view(PAGE_CHILD_LIST)


def test_service_manager_all_rows_no_actions():
    s = scope_for(SM)
    assert s.child_rows and s.team_ids is None and s.where() == ("true", [])
    assert s.show_child_id and not s.may_log_challenges and s.act_on == "none"
    assert not s.may_act_on(iro_worker_id="W1", team_id="T1")
    assert not s.may_view(PAGE_LOG_FORM) and s.may_view(PAGE_CHILD_LIST)


def test_leadership_all_rows_but_never_the_case_system_id():
    s = scope_for(LEAD)
    assert s.child_rows and not s.show_child_id
    expr, params = s.child_label_sql("c", on_case_timeline=True, key="k")
    assert "sha256" in expr and params == ["k"]
    assert s.may_view(PAGE_CASE_TIMELINE) and s.may_export("child_level")
    assert s.act_on == "none" and not s.may_log_challenges


def test_analyst_aggregates_only_pseudonymised():
    s = scope_for(ANALYST)
    assert not s.child_rows and s.where() == ("false", []) and s.team_ids is None
    assert not s.show_child_id and s.suppress_on_screen
    assert (
        s.may_view(PAGE_AGGREGATE) and not s.may_view(PAGE_CHILD_LIST) and not s.may_view(PAGE_CASE_TIMELINE)
    )
    assert s.may_export("aggregate") and not s.may_export("child_level")
    assert s.restrict_filters(["T5"]) == ("T5",)  # may filter aggregates by any team


def test_admin_manages_users_and_reads_audit_but_no_child_rows():
    s = scope_for(ADMIN)
    assert s.may_manage_users and s.may_read_audit and not s.child_rows
    assert s.may_view(PAGE_USERS) and s.may_view(PAGE_AUDIT) and s.may_export("audit")
    assert s.may_view(PAGE_OUTBOX)
    assert not s.may_view(PAGE_CHILD_LIST) and not s.may_log_challenges


@pytest.mark.parametrize(
    "user", [User("x", "superuser"), User("x", "iro", worker_id="W1", disabled=True), None]
)
def test_unknown_role_disabled_user_or_nobody_gets_nothing(user):
    s = scope_for(user)
    assert not s.child_rows and s.where() == ("false", []) and s.act_where() == ("false", [])
    assert not any(s.may_view(k) for k in access.PAGE_KINDS)
    assert not any(s.may_export(k) for k in access.EXPORT_KINDS)
    assert not (s.may_manage_users or s.may_read_audit or s.may_log_challenges)
    assert s.restrict_filters(["T1"]) == NO_TEAMS


def test_require_raises_access_denied():
    with pytest.raises(access.AccessDenied, match="Analyst"):
        scope_for(ANALYST).require(False, "export child-level rows")
    scope_for(ANALYST).require(True, "export aggregates")


# --- restrict_filters never widens ------------------------------------------------------------------


def test_restrict_filters_examples():
    s = scope_for(ASM)
    assert s.restrict_filters([]) == ("T1", "T2")
    assert s.restrict_filters(None) == ("T1", "T2")
    assert s.restrict_filters(["T2"]) == ("T2",)
    assert s.restrict_filters(["T3", "T2", "T2"]) == ("T2",)
    assert s.restrict_filters(["T3"]) == ("T1", "T2")  # someone else's team: your own, never theirs
    assert scope_for(SM).restrict_filters(["T3", "T3"]) == ("T3",)
    assert scope_for(SM).restrict_filters([]) == ()


def test_restrict_filters_never_widens_randomised():
    rng = random.Random(20261030)
    universe = [f"T{i}" for i in range(12)] + HOSTILE
    for _ in range(2000):
        allowed = tuple(rng.sample(universe, rng.randint(0, 5)))
        requested = rng.sample(universe, rng.randint(0, 6))
        s = Scope(username="u", role="asm", rows="teams", team_ids=allowed)
        got = s.restrict_filters(requested)
        assert got, "never empty: Filters reads () as all teams"
        if not allowed:
            assert got == NO_TEAMS
            continue
        assert set(got) <= set(allowed)
        asked_and_allowed = [t for t in dict.fromkeys(requested) if t in allowed]
        assert list(got) == (asked_and_allowed or list(allowed))


# --- SQL: bound parameters, hostile values, rows outside scope never come back ----------------------


@pytest.fixture
def con():
    c = duckdb.connect(":memory:")
    c.execute(
        "create table fct (challenge_id varchar, team_id varchar, iro_worker_id varchar, child_id varchar)"
    )
    rows = [
        (f"C{i}", t, w, f"P{i}")
        for i, (t, w) in enumerate(
            [("T1", "W1"), ("T2", "W2"), ("T3", "W1"), ("T3", "W3"), (None, "W1"), ("T1", None)]
            + [(h, "W9") for h in HOSTILE]
            + [("T4", h) for h in HOSTILE]
        )
    ]
    c.executemany("insert into fct values (?, ?, ?, ?)", rows)
    yield c
    c.close()


def _run(con, scope: Scope, alias="f") -> set[tuple]:
    cond, params = scope.where(alias)
    return set(con.execute(f"select team_id, iro_worker_id from fct {alias} where {cond}", params).fetchall())  # noqa: S608


class NamedParams:
    """Same protocol as dashboard.data._Params ($p1, $p2...)."""

    def __init__(self):
        self.values = {}

    def bind(self, value):
        name = f"p{len(self.values) + 1}"
        self.values[name] = value
        return f"${name}"


def test_where_returns_placeholders_and_params_never_values():
    s = Scope(username="u", role="asm", rows="teams", team_ids=tuple(HOSTILE))
    cond, params = s.where("f")
    assert cond == "f.team_id in (select unnest(?::varchar[]))"
    assert params == [list(HOSTILE)]
    for h in HOSTILE:
        if len(h) > 2:  # one-character values ("_", "*") occur in any SQL text
            assert h not in cond
    cond, params = scope_for(IRO).where("f", worker_column="raised_by_worker_id")
    assert (cond, params) == ("f.raised_by_worker_id = ?", ["W1"])


def test_column_names_and_aliases_are_checked():
    s = scope_for(ASM)
    for bad in ("f; drop", "f.team_id or 1=1", "", "1f"):
        with pytest.raises(ValueError):
            s.sql(NamedParams(), team=bad)
    with pytest.raises(ValueError):
        s.where("f x")


def test_team_scope_returns_only_its_teams_against_duckdb(con):
    assert _run(con, scope_for(ASM)) == {("T1", "W1"), ("T2", "W2"), ("T1", None)}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_team_ids_are_data(con, hostile):
    s = Scope(username="u", role="asm", rows="teams", team_ids=(hostile,))
    got = _run(con, s)
    assert got == {(hostile, "W9")}
    assert con.execute("select count(*) from fct").fetchone()[0] == 6 + 2 * len(HOSTILE)  # table intact
    # a hostile *request* is cut down to the scope before it reaches any query
    asm = scope_for(ASM)
    assert set(asm.restrict_filters([hostile])) <= {"T1", "T2"}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_worker_ids_are_data(con, hostile):
    s = Scope(username="u", role="iro", rows="own", team_ids=None, worker_id=hostile or None)
    got = _run(con, s)
    assert got == ({("T4", hostile)} if hostile else set())


def test_own_scope_against_duckdb_and_named_binder(con):
    s = scope_for(IRO)
    assert _run(con, s) == {("T1", "W1"), ("T3", "W1"), (None, "W1")}
    p = NamedParams()
    cond = s.sql(p, team="f.team_id", worker="f.iro_worker_id")
    assert cond == "f.iro_worker_id = $p1" and p.values == {"p1": "W1"}
    assert set(con.execute(f"select challenge_id from fct f where {cond}", p.values).fetchall()) == {  # noqa: S608
        ("C0",),
        ("C2",),
        ("C4",),
    }


def test_scope_composes_with_other_named_conditions(con):
    p = NamedParams()
    other = f"f.challenge_id <> {p.bind('C0')}"
    cond = scope_for(ASM).sql(p, team="f.team_id")
    got = con.execute(f"select challenge_id from fct f where {other} and {cond}", p.values).fetchall()  # noqa: S608
    assert set(got) == {("C1",), ("C5",)}


@pytest.mark.parametrize("user", [IRO, ASM, SM, LEAD, ANALYST, ADMIN, User("asm9", "asm")])
def test_no_row_outside_scope_ever_comes_back(con, user):
    s = scope_for(user)
    rows = con.execute("select team_id, iro_worker_id from fct").fetchall()
    expected = {r for r in rows if s.row_visible(team_id=r[0], iro_worker_id=r[1])}
    assert _run(con, s) == expected


def test_act_where_against_duckdb(con):
    def acts(user):
        cond, params = scope_for(user).act_where("f")
        return {r[0] for r in con.execute(f"select challenge_id from fct f where {cond}", params).fetchall()}  # noqa: S608

    assert acts(IRO) == {"C0", "C2", "C4"}
    assert acts(ASM) == {"C0", "C1", "C5"}
    assert acts(SM) == acts(LEAD) == acts(ANALYST) == acts(ADMIN) == set()


# --- identifiers ------------------------------------------------------------------------------------


def test_child_label_shows_case_system_id_only_on_timeline_for_allowed_roles(con):
    for user, on_timeline, shows_id in [
        (IRO, True, True),
        (IRO, False, False),
        (ASM, True, True),
        (SM, True, True),
        (LEAD, True, False),
        (ANALYST, True, False),
    ]:
        expr, params = scope_for(user).child_label_sql("f", on_case_timeline=on_timeline, key="k" * 64)
        got = con.execute(f"select {expr} from fct f where challenge_id = 'C0'", params).fetchone()[0]  # noqa: S608
        assert got == ("P0" if shows_id else pseudonym("P0", "k" * 64))


def test_child_label_can_use_a_case_ref_column():
    p = NamedParams()
    assert scope_for(LEAD).child_label(p, child_id="c.child_id", case_ref="c.case_ref") == "c.case_ref"
    assert scope_for(SM).child_label(
        p, child_id="c.child_id", case_ref="c.case_ref", on_case_timeline=True
    ) == ("c.child_id")
    assert p.values == {}


def test_pseudonym_key_is_created_once_private_and_stable(home):
    from warehouse.pseudonyms import _KEY_CACHE

    _KEY_CACHE.clear()
    k1 = access.pseudonym_key(home)
    _KEY_CACHE.clear()
    assert access.pseudonym_key(home) == k1 and re.fullmatch(r"[0-9a-f]{64}", k1)
    f = home.home / "auth" / "pseudonym.key"
    assert oct(f.stat().st_mode & 0o777) == "0o600"
    a, b = pseudonym("P1", k1), pseudonym("P2", k1)
    assert re.fullmatch(r"C-[0-9A-F]{12}", a) and a != b and pseudonym("P1", "other") != a


# --- suppression --------------------------------------------------------------------------------------


def test_suppress_small_counts_default_threshold_5():
    df = pl.DataFrame(
        {"team": ["A", "B", "C", "D", "E"], "open": [0, 1, 4, 5, None], "overdue": [3, 10, 2, 0, 7]}
    )
    out = suppress_small_counts(df, ["open", "overdue"])
    assert out["open"].to_list() == ["0", "<5", "<5", "5", None]
    assert out["overdue"].to_list() == ["<5", "10", "<5", "0", "7"]
    assert out["team"].to_list() == df["team"].to_list()


def test_suppression_threshold_from_env(monkeypatch):
    df = pl.DataFrame({"n": [1, 9, 10, 11]})
    monkeypatch.setenv("IROQA_SUPPRESS_BELOW", "10")
    assert access.suppress_threshold() == 10
    assert suppress_small_counts(df, ["n"])["n"].to_list() == ["<10", "<10", "10", "11"]
    monkeypatch.setenv("IROQA_SUPPRESS_BELOW", "1")
    assert suppress_small_counts(df, ["n"])["n"].to_list() == ["1", "9", "10", "11"]
    for bad in ("0", "-3", "five", "2.5"):
        monkeypatch.setenv("IROQA_SUPPRESS_BELOW", bad)
        with pytest.raises(ValueError, match="IROQA_SUPPRESS_BELOW"):
            suppress_small_counts(df, ["n"])


def test_suppression_explicit_threshold_marker_and_missing_column():
    df = pl.DataFrame({"n": [2, 3]})
    assert suppress_small_counts(df, ["n"], threshold=3, marker="c")["n"].to_list() == ["c", "3"]
    with pytest.raises(KeyError):
        suppress_small_counts(df, ["missing"])


# --- the docs -----------------------------------------------------------------------------------------


def test_docs_access_md_carries_the_policy_table_as_the_code_has_it():
    text = (REPO / "docs" / "access.md").read_text()
    assert access.policy_markdown() in text, (
        "regenerate the table in docs/access.md from access.policy_markdown()"
    )


def test_the_outbox_is_its_own_page_kind_for_administrators_only():
    """The Outbox page shows people's emails: its own kind, not the audit's (docs/access.md)."""
    assert PAGE_OUTBOX != PAGE_AUDIT
    for role in ROLE_POLICY:
        s = scope_for(User("x", role, worker_id="W1", teams=("T1",)))
        assert s.may_view(PAGE_OUTBOX) == (role == "admin"), role
    # reading the audit does not open the outbox: a policy with one and not the other
    import dataclasses

    audit_only = dataclasses.replace(ROLE_POLICY["admin"], pages=ROLE_POLICY["admin"].pages - {PAGE_OUTBOX})
    from unittest import mock

    with mock.patch.dict(ROLE_POLICY, {"admin": audit_only}):
        s = scope_for(ADMIN)
        assert s.may_view(PAGE_AUDIT) and not s.may_view(PAGE_OUTBOX)

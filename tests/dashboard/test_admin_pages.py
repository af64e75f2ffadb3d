"""The administrator's pages through the app (AppTest): Users (add, change, disable, enable, reset a
password, clear failed sign-ins; field-level checks; hostile input) and Audit log (filters, the hash
chain's state, audited CSV/Excel downloads). Only the admin role has them: every other role neither
sees them nor gets them by navigating, and a forged session cannot use them.

Most tests run in a private warehouse home with nothing built (the pages need no build); the check of
team ids against the live build runs on the demo warehouse."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from accounts import audit, users
from accounts.access import ROLES, scope_for
from tests.dashboard.conftest import ADMIN_PAGES, APP, TEST_ADMIN, assert_ok, open_page, signed_in, texts
from warehouse import settings

PW = "a long enough password for tests"
VIEWS = str(Path(APP).parent / "views") + "/"


@pytest.fixture
def home(tmp_path, monkeypatch) -> settings.Paths:
    """A private home: an administrator ``boss``, a second one ``deputy`` and an ASM ``jsmith``."""
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    monkeypatch.setenv("IROQA_HOME", str(tmp_path / "home"))
    p = settings.paths()
    p.home.mkdir(parents=True)
    users.add_user(p, "boss", role="admin", password=PW, display_name="The Boss")
    users.add_user(p, "jsmith", role="asm", password=PW, teams=["T1"], display_name="Jo Smith")
    return p


def page(name: str, user: str = "boss") -> AppTest:
    at = open_page(name, user=user)
    assert_ok(at)
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def admin_records(p: settings.Paths) -> list[tuple[str, dict]]:
    log = audit.read(p).filter(pl.col("action") == "user_admin")
    return [(u, json.loads(d)) for u, d in zip(log["user"], log["detail"], strict=True)]


def add(at: AppTest, **fields) -> AppTest:
    for k, v in fields.items():
        if k == "role":
            at.selectbox(key="add_role").set_value(v)
        else:
            at.text_input(key=f"add_{k}").input(v)
    return button(at, "Add user").click().run()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


# --- who gets the pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_other_roles_neither_see_nor_reach_the_admin_pages(home, role):
    users.add_user(home, f"r-{role}", role=role, password=PW, teams=["T1"], worker_id="W1")
    at = page("overview", user=f"r-{role}")
    before = (home.home / "users.json").read_bytes()
    for script, _ in ADMIN_PAGES.values():
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(script)
    assert "Users" not in texts(at) and "Audit log" not in texts(at)
    assert (home.home / "users.json").read_bytes() == before


def test_the_admin_has_both_pages(home):
    for name, (_, title) in ADMIN_PAGES.items():
        at = page(name)
        assert at.title[0].value == title


@pytest.mark.parametrize("script", [v[0] for v in ADMIN_PAGES.values()])
def test_a_page_run_without_the_admin_role_is_refused_and_audited(home, script):
    """The views check the scope themselves (auth.require_page): run directly, as an ASM."""
    at = AppTest.from_file(VIEWS + script.split("/")[1], default_timeout=60)
    asm = users.get_user(home, "jsmith")
    signed_in(at, "jsmith")
    at.session_state["user"] = asm
    at.session_state["scope"] = scope_for(asm)
    at.run()
    assert errors(at) == ["This page is not available to your role."]
    assert not at.dataframe and not at.text_input and not at.code
    log = audit.read(home)
    assert log["action"].to_list()[-1] == "access_denied"


def test_a_forged_admin_scope_cannot_change_anything(home):
    """Session state claiming admin (scope and user) for an account that is not: the page may render
    from the forged scope, but every action re-reads the account and refuses."""
    from accounts.users import User

    at = AppTest.from_file(VIEWS + "users.py", default_timeout=60)
    fake = User("jsmith", "admin")
    at.session_state["user"] = fake
    at.session_state["scope"] = scope_for(fake)
    at.run()
    before = (home.home / "users.json").read_bytes()
    at = add(at, username="sneaky", role="admin")
    assert "Only an administrator may manage users. Nothing was changed." in errors(at)
    assert (home.home / "users.json").read_bytes() == before
    assert users.get_user(home, "sneaky") is None
    assert admin_records(home) == []
    assert audit.read(home)["action"].to_list()[-1] == "access_denied"


def test_an_admin_demoted_meanwhile_cannot_act(home):
    users.add_user(home, "deputy", role="admin", password=PW)
    at = page("users")
    users.update_user(home, "boss", role="analyst")  # by the other administrator, meanwhile
    at = add(at, username="late", role="iro", worker_id="W9")
    assert_ok(at)
    assert users.get_user(home, "late") is None
    assert admin_records(home) == []


# --- users: list and actions ------------------------------------------------------------------------


def test_the_list_shows_every_user_with_last_sign_in_and_no_secrets(home):
    audit.record(users.get_user(home, "jsmith"), "sign_in", {"mode": "local"}, p=home)
    at = page("users")
    listing = at.dataframe[0].value
    assert list(listing["Username"]) == ["boss", "jsmith"]
    assert {"Display name", "Role", "Teams", "Worker id", "Status", "Last sign-in (UTC)"} <= set(
        listing.columns
    )
    row = listing[listing["Username"] == "jsmith"].iloc[0]
    assert row["Teams"] == "T1" and row["Status"] == "active" and row["Last sign-in (UTC)"]
    assert "argon2" not in " ".join(map(str, listing.to_numpy().ravel()))


def test_add_with_a_generated_password_shown_once(home):
    at = add(page("users"), username="  NewIRO ", role="iro", worker_id="W42", display_name="New Iro")
    assert_ok(at)
    assert not errors(at)
    assert "Added newiro." in [s.value for s in at.success]
    password = at.code[0].value
    assert users.authenticate(home, "newiro", password).worker_id == "W42"
    at.run()
    assert not at.code, "the password is shown once"
    [(actor, detail)] = admin_records(home)
    assert actor == "boss"
    assert detail == {
        "op": "add",
        "target": "newiro",
        "role": "iro",
        "teams": [],
        "worker_id": "W42",
        "generated_password": True,
    }
    assert password not in audit.log_file(home).read_text()
    assert audit.read(home).filter(pl.col("action") == "user_admin")["session"][0], "tied to the session"


def test_add_with_a_typed_password(home):
    at = add(page("users"), username="cdavies", role="analyst", password=PW + "!", password_again=PW + "!")
    assert not errors(at) and not at.code
    assert users.authenticate(home, "cdavies", PW + "!") is not None
    assert admin_records(home)[0][1]["generated_password"] is False


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "", "role": "iro"}, "Enter a username."),
        ({"username": "Bad Name!", "role": "iro"}, "Use 1 to 128 lower-case letters"),
        ({"username": "jsmith", "role": "iro"}, "There is already a user with this username."),
        ({"username": "x1"}, "Choose a role"),
        ({"username": "x1", "role": "iro", "password": "short", "password_again": "short"}, "at least 12"),
        ({"username": "x1", "role": "iro", "password": PW, "password_again": PW + "x"}, "differ"),
        ({"username": "x1", "role": "iro", "email": "not an email"}, "Enter an email address"),
        ({"username": "x1", "role": "iro", "display_name": "x" * 201}, "at most 200 characters"),
        ({"username": "x1", "role": "iro", "display_name": "evil\u202eevil"}, "invisible control character"),
    ],
)
def test_add_is_refused_with_a_message_under_the_field_and_nothing_changes(home, fields, message):
    before = (home.home / "users.json").read_bytes()
    at = add(page("users"), **fields)
    assert_ok(at)
    assert any(message in e for e in errors(at)), errors(at)
    assert (home.home / "users.json").read_bytes() == before
    assert admin_records(home) == []


HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "'; drop table users; --",
    "![x](https://evil.example/p.png) [click](javascript:alert(1))",
    ":red[big] **bold** $x^2$",
    "Zoë 李 \U0001f600 O'Brien-Smith",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=lambda v: repr(v[:16]))
def test_hostile_display_names_are_stored_as_typed_and_shown_only_escaped(home, name):
    at = add(page("users"), username="h1", role="analyst", display_name=name)
    assert_ok(at)
    assert not errors(at)
    assert users.get_user(home, "h1").display_name == name
    at.run()
    listing = at.dataframe[0].value
    assert name in listing["Display name"].to_list(), "shown in a table cell, as typed"
    markdown = texts(at) + " ".join(e.value for e in (*at.success, *at.error))
    assert name not in markdown, "never rendered as Markdown"
    assert "<script>" not in markdown and "evil.example" not in markdown


def test_hostile_usernames_are_refused_without_being_echoed(home):
    for value in ("<script>alert(1)</script>", "'; drop table users; --", "a" * 500, "zo\u00eb", "x\u0000y"):
        at = add(page("users"), username=value, role="iro")
        # (more than 128 characters never reaches the page: the field takes at most 128)
        assert any("Use 1 to 128 lower-case letters" in e or e == "Enter a username." for e in errors(at))
        assert value not in " ".join(errors(at)) + texts(at)
    assert [u.username for u in users.list_users(home)] == ["boss", "jsmith"]


def _pick(at: AppTest, username: str) -> AppTest:
    return at.selectbox(key="users_pick").set_value(username).run()


def test_set_role_teams_worker_id(home):
    at = _pick(page("users"), "jsmith")
    at.selectbox(key="set_role_jsmith").set_value("iro")
    at.text_input(key="set_teams_jsmith").input("")
    at.text_input(key="set_worker_id_jsmith").input("W7")
    at.text_input(key="set_display_name_jsmith").input("Jo <b>Smith</b>")
    at = button(at, "Save changes").click().run()
    assert_ok(at)
    assert not errors(at)
    u = users.get_user(home, "jsmith")
    assert (u.role, u.teams, u.worker_id, u.display_name) == ("iro", (), "W7", "Jo <b>Smith</b>")
    [(actor, detail)] = admin_records(home)
    assert (
        actor == "boss" and detail["op"] == "set" and detail["role"] == "iro" and detail["worker_id"] == "W7"
    )


def test_set_the_weekly_digest(home):
    """The notification choice (docs/notifications.md, weekly digest) is set on the Users page."""
    at = _pick(page("users"), "jsmith")
    assert at.radio(key="set_digest_jsmith").value == "none"
    at.radio(key="set_digest_jsmith").set_value("weekly")
    at = button(at, "Save changes").click().run()
    assert_ok(at)
    assert not errors(at)
    assert users.get_user(home, "jsmith").digest == "weekly"
    [(_, detail)] = admin_records(home)
    assert detail["digest"] == "weekly"
    listing = at.dataframe[0].value
    assert listing[listing["Username"] == "jsmith"]["Digest"].to_list() == ["weekly"]


def test_set_warns_when_the_account_will_see_nothing(home):
    at = _pick(page("users"), "jsmith")
    at.text_input(key="set_teams_jsmith").input("")
    at = button(at, "Save changes").click().run()
    assert any("no teams sees no child-level rows" in w.value for w in at.warning)


def test_disable_enable_unlock_and_reset_password(home):
    lt = users.LoginThrottle(home)
    import time

    lt.record_failure("jsmith", users.Client("s1"), time.time())
    at = _pick(page("users"), "jsmith")
    at = button(at, "Disable").click().run()
    assert users.get_user(home, "jsmith").disabled
    at = _pick(at, "jsmith")
    at = button(at, "Enable").click().run()
    assert not users.get_user(home, "jsmith").disabled
    at = _pick(at, "jsmith")
    at = button(at, "Clear failed sign-ins").click().run()
    assert lt.failures(users.username_key("jsmith"), time.time()) == 0
    at = _pick(at, "jsmith")
    at = button(at, "Reset password").click().run()
    new = at.code[0].value
    assert users.authenticate(home, "jsmith", new) is not None
    assert users.authenticate(home, "jsmith", PW) is None
    at = _pick(at, "jsmith")
    at.text_input(key="passwd_jsmith").input("typed password 123")
    at.text_input(key="passwd_again_jsmith").input("typed password 123")
    at = button(at, "Reset password").click().run()
    assert not at.code and users.authenticate(home, "jsmith", "typed password 123") is not None
    assert [(a, d["op"]) for a, d in admin_records(home)] == [
        ("boss", "disable"),
        ("boss", "enable"),
        ("boss", "unlock"),
        ("boss", "passwd"),
        ("boss", "passwd"),
    ]
    assert new not in audit.log_file(home).read_text()


def test_a_bad_reset_password_is_refused(home):
    at = _pick(page("users"), "jsmith")
    at.text_input(key="passwd_jsmith").input("jsmith")
    at.text_input(key="passwd_again_jsmith").input("jsmith")
    at = button(at, "Reset password").click().run()
    assert any("at least 12" in e for e in errors(at))
    assert users.authenticate(home, "jsmith", PW) is not None and admin_records(home) == []


def test_the_admin_cannot_lock_everyone_out(home):
    at = _pick(page("users"), "boss")
    at = button(at, "Disable").click().run()
    assert "You cannot disable your own account: ask another administrator." in errors(at)
    at = _pick(at, "boss")
    at.selectbox(key="set_role_boss").set_value("analyst")
    at = button(at, "Save changes").click().run()
    assert any("only enabled administrator" in e for e in errors(at))
    assert users.get_user(home, "boss").role == "admin" and not users.get_user(home, "boss").disabled
    assert admin_records(home) == []


def test_nothing_changes_when_the_audit_cannot_be_written(home, monkeypatch):
    at = page("users")

    def broken(*a, **k):
        raise audit.AuditError("disk full")

    monkeypatch.setattr(users, "record_admin", broken)
    at = add(at, username="ghost", role="analyst")
    assert any("cannot write its audit log" in e for e in errors(at))
    assert users.get_user(home, "ghost") is None


def test_teams_are_checked_against_the_live_build(demo):
    p = settings.paths()
    team = demo.query("select team_id from dim_teams order by team_id limit 1").item()
    name = f"team-check-{uuid.uuid4().hex[:8]}"  # the demo warehouse is shared by the session
    at = add(page("users", user=TEST_ADMIN), username=name, role="asm", teams=f"{team}, NO-SUCH-TEAM")
    assert any("Not a team in the live build: `NO-SUCH-TEAM`" in e for e in errors(at)), errors(at)
    assert users.get_user(p, name) is None
    at.text_input(key="add_teams").input(team)
    at = button(at, "Add user").click().run()
    assert not errors(at)
    assert users.get_user(p, name).teams == (team,)


# --- the audit log page -----------------------------------------------------------------------------


def test_audit_page_shows_the_log_newest_first_and_that_the_chain_verifies(home):
    audit.record("jsmith", "sign_in_failed", {"reason": "wrong_password"}, p=home)
    at = page("audit")
    shown = at.dataframe[0].value
    assert list(shown["Record"]) == sorted(shown["Record"], reverse=True)
    assert "sign_in_failed" in set(shown["Action"])
    assert any("The hash chain verifies" in s.value for s in at.success)


def test_audit_page_says_when_the_chain_is_broken(home):
    audit.record("jsmith", "sign_out", {}, p=home)
    audit.record("jsmith", "sign_in", {}, p=home)
    f = audit.log_file(home)
    f.write_text(f.read_text().replace("sign_out", "sign_in", 1))  # the first record altered
    at = page("audit")
    assert any("does not verify" in e for e in errors(at))


def test_audit_page_filters_by_user_action_and_date(home):
    old = datetime.now(UTC) - timedelta(days=90)
    audit.record("jsmith", "export", {"table": "x"}, p=home, now=old)
    audit.record("jsmith", "sign_in", {}, p=home)
    audit.record("other", "sign_in", {}, p=home)
    at = page("audit")
    assert "export" not in set(at.dataframe[0].value["Action"]), "older than the default 30 days"
    at.multiselect(key="audit_users").select("jsmith").run()
    assert set(at.dataframe[0].value["User"]) == {"jsmith"}
    at.multiselect(key="audit_actions").select("export").run()
    assert "No audit records match these filters" in texts(at)
    at.date_input(key="audit_dates").set_value((old.date(), datetime.now(UTC).date())).run()
    shown = at.dataframe[0].value
    assert list(shown["Action"]) == ["export"] and list(shown["User"]) == ["jsmith"]
    views = [json.loads(d) for d in audit.read(home).filter(pl.col("action") == "page_view")["detail"]]
    assert {
        "page": "Audit log",
        "filters": {
            "from": old.date().isoformat(),
            "to": datetime.now(UTC).date().isoformat(),
            "users": ["jsmith"],
            "actions": ["export"],
        },
    } in views


def test_hostile_text_in_the_log_is_shown_only_in_cells(home):
    for value in HOSTILE_NAMES:
        audit.record(value, "sign_in_failed", {"reason": value}, p=home)
    at = page("audit")
    cells = " ".join(map(str, at.dataframe[0].value.to_numpy().ravel()))
    markdown = texts(at)
    for value in HOSTILE_NAMES:
        assert value in cells
        assert value not in markdown


def test_audit_downloads_are_what_is_shown_and_are_audited(home, monkeypatch):
    """The CSV and Excel are produced by ui.downloads (the helper every table uses); producing one
    writes an ``export`` record first. AppTest has no browser to fetch a deferred download, so the
    test captures the callables st.download_button was given and calls them, as Streamlit would."""
    from streamlit.delta_generator import DeltaGenerator

    captured: dict[str, object] = {}
    original = DeltaGenerator.download_button

    def spy(self, label, data, *a, **k):
        captured[label] = (data, k.get("file_name"))
        return original(self, label, data, *a, **k)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    audit.record("jsmith", "sign_in", {}, p=home)
    at = page("audit")
    at.multiselect(key="audit_users").select("jsmith").run()
    shown = at.dataframe[0].value
    make_csv, csv_name = captured["Download CSV"]
    make_xlsx, xlsx_name = captured["Download Excel"]
    assert csv_name.startswith("audit-log-") and csv_name.endswith(".csv") and xlsx_name.endswith(".xlsx")
    raw = make_csv()
    back = pl.read_csv(io.BytesIO(raw.decode("utf-8-sig").encode()))
    assert back["User"].to_list() == list(shown["User"]) == ["jsmith"]
    assert make_xlsx()[:2] == b"PK"
    exports = audit.read(home).filter(pl.col("action") == "export")
    details = [json.loads(d) for d in exports["detail"]]
    assert [d["format"] for d in details] == ["csv", "xlsx"]
    assert details[0]["kind"] == "audit" and details[0]["rows"] == 1
    assert details[0]["filters"]["users"] == ["jsmith"]
    assert set(exports["user"]) == {"boss"}

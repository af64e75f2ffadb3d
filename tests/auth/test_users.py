"""Local accounts: argon2id hashes, the users file, disabled and unknown users."""

from __future__ import annotations

import json
import multiprocessing as mp
import stat
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from accounts import users
from tests.auth.conftest import PASSWORD
from warehouse import settings


def test_production_hasher_is_argon2id_with_rfc9106_low_memory_parameters():
    h = PasswordHasher()  # what accounts.users uses outside the tests
    assert users.PasswordHasher is PasswordHasher
    encoded = h.hash("x" * 12)
    assert encoded.startswith("$argon2id$")
    assert h.memory_cost >= 65536 and h.time_cost >= 3


def test_password_is_stored_only_as_a_salted_argon2id_hash(home):
    users.add_user(home, "jsmith", role="asm", password=PASSWORD, teams=["T1"])
    users.add_user(home, "akhan", role="asm", password=PASSWORD, teams=["T2"])
    raw = users.users_file(home).read_text()
    assert PASSWORD not in raw
    data = json.loads(raw)["users"]
    h1, h2 = data["jsmith"]["password_hash"], data["akhan"]["password_hash"]
    assert h1.startswith("$argon2id$") and h2.startswith("$argon2id$")
    assert h1 != h2  # salted: the same password hashes differently


def test_users_file_is_private_and_written_atomically(home):
    users.add_user(home, "jsmith", role="iro", password=PASSWORD, worker_id="W1")
    mode = stat.S_IMODE(users.users_file(home).stat().st_mode)
    assert mode == 0o600
    leftovers = [f.name for f in home.home.iterdir() if f.name.endswith(".tmp")]
    assert leftovers == []


def test_right_password_signs_in_and_returns_a_user_without_the_hash(home):
    users.add_user(home, "JSmith", role="iro", password=PASSWORD, worker_id="W1", display_name="Jo Smith")
    user = users.authenticate(home, "  jsmith ", PASSWORD)
    assert user is not None
    assert (user.username, user.role, user.worker_id, user.name) == ("jsmith", "iro", "W1", "Jo Smith")
    assert "password_hash" not in user.public() and not hasattr(user, "password_hash")


def test_wrong_password_unknown_user_and_disabled_user_all_fail(home):
    users.add_user(home, "jsmith", role="iro", password=PASSWORD, worker_id="W1")
    assert users.check_credentials(home, "jsmith", PASSWORD + "x") == (None, "wrong_password")
    assert users.check_credentials(home, "nobody", PASSWORD) == (None, "unknown_user")
    assert users.check_credentials(home, "jsmith", "") == (None, "wrong_password")
    users.disable_user(home, "jsmith")
    assert users.check_credentials(home, "jsmith", PASSWORD) == (None, "disabled")
    assert users.authenticate(home, "jsmith", PASSWORD) is None
    users.enable_user(home, "jsmith")
    assert users.authenticate(home, "jsmith", PASSWORD) is not None


def test_unknown_user_costs_a_hash_verification_too(home, monkeypatch):
    calls = []
    real = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda h, pw: calls.append(h) or real(h, pw))
    users.check_credentials(home, "nobody", PASSWORD)
    users.check_credentials(home, "x" * 500, PASSWORD)  # not even a valid username
    assert len(calls) == 2


def test_password_policy(home):
    with pytest.raises(users.UserError, match="at least 12"):
        users.add_user(home, "jsmith", role="iro", password="short")
    with pytest.raises(users.UserError, match="not be the username"):
        users.add_user(home, "longusername1", role="iro", password="LongUsername1")
    with pytest.raises(users.UserError, match="not a role"):
        users.add_user(home, "jsmith", role="superuser", password=PASSWORD)
    with pytest.raises(users.UserError, match="not a valid username"):
        users.add_user(home, "j smith; drop", role="iro", password=PASSWORD)
    users.add_user(home, "jsmith", role="iro", password=PASSWORD)
    with pytest.raises(users.UserError, match="already"):
        users.add_user(home, "JSMITH", role="iro", password=PASSWORD)


def test_generated_passwords_are_long_and_different():
    a, b = users.generate_password(), users.generate_password()
    assert a != b and len(a) >= 24


def test_set_password_changes_it_and_records_when(home):
    users.add_user(home, "jsmith", role="iro", password=PASSWORD)
    before = users.get_user(home, "jsmith").password_changed_at
    users.set_password(home, "jsmith", "another long passphrase")
    assert users.authenticate(home, "jsmith", PASSWORD) is None
    assert users.authenticate(home, "jsmith", "another long passphrase") is not None
    assert users.get_user(home, "jsmith").password_changed_at > before


def test_old_hash_parameters_are_upgraded_at_sign_in(home, monkeypatch):
    users.add_user(home, "jsmith", role="iro", password=PASSWORD)
    old = json.loads(users.users_file(home).read_text())["users"]["jsmith"]["password_hash"]
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=2, memory_cost=128, parallelism=1))
    assert users.authenticate(home, "jsmith", PASSWORD) is not None
    new = json.loads(users.users_file(home).read_text())["users"]["jsmith"]["password_hash"]
    assert new != old and "m=128,t=2" in new
    assert users.authenticate(home, "jsmith", PASSWORD) is not None


def test_update_user_and_find_by_email(home):
    users.add_user(
        home,
        "jsmith",
        role="asm",
        password=PASSWORD,
        teams=["T2", "T1", "T1"],
        email="Jo.Smith@Example.gov.uk",
    )
    assert users.get_user(home, "jsmith").teams == ("T1", "T2")
    assert users.find_user_by_email(home, "jo.smith@example.GOV.uk").username == "jsmith"
    u = users.update_user(home, "jsmith", role="service_manager", teams=[], email="")
    assert (u.role, u.teams, u.email) == ("service_manager", (), None)
    assert users.find_user_by_email(home, "jo.smith@example.gov.uk") is None
    with pytest.raises(users.UserError):
        users.update_user(home, "nobody", role="iro")


def test_ensure_demo_admin_only_when_there_are_no_users(home):
    password = users.ensure_demo_admin(home)
    assert password and len(password) >= 24
    assert password not in users.users_file(home).read_text()
    admin = users.authenticate(home, "admin", password)
    assert admin is not None and admin.role == "admin"
    assert users.ensure_demo_admin(home) is None


def test_ensure_demo_admin_does_nothing_when_users_exist(home):
    users.add_user(home, "jsmith", role="iro", password=PASSWORD)
    assert users.ensure_demo_admin(home) is None
    assert [u.username for u in users.list_users(home)] == ["jsmith"]


def _add_many(home: str, prefix: str, n: int) -> None:
    p = settings.Paths(Path(home))
    for i in range(n):
        users.add_user(p, f"{prefix}{i}", role="analyst", password=PASSWORD)


def test_concurrent_edits_from_several_processes_lose_nothing(home):
    ctx = mp.get_context("fork")  # inherits the cheap hasher
    procs = [ctx.Process(target=_add_many, args=(str(home.home), f"user{k}x", 8)) for k in range(4)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(60)
        assert pr.exitcode == 0
    assert len(users.list_users(home)) == 32

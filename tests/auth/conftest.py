"""Fixtures for the access-control tests: a private warehouse home per test, cheap password hashing
(the production parameters are checked once, in test_users.py), and a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher

from accounts import users
from warehouse import settings

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with tiny parameters: the same code path, a thousandth of the cost."""
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "IROQA_AUTH_MODE",
        "IROQA_TRUSTED_PROXY",
        "IROQA_SESSION_IDLE_MINUTES",
        "IROQA_SESSION_MAX_HOURS",
        "IROQA_SUPPRESS_BELOW",
        "IROQA_OIDC_ROLE_CLAIM",
        "IROQA_OIDC_ROLE_MAP",
        "IROQA_SIGNIN_FREE_FAILURES",
        "IROQA_SIGNIN_BASE_DELAY_SECONDS",
        "IROQA_SIGNIN_MAX_DELAY_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> settings.Paths:
    """An empty warehouse home, set as ``IROQA_HOME``."""
    monkeypatch.setenv("IROQA_HOME", str(tmp_path / "home"))
    p = settings.paths()
    p.home.mkdir(parents=True)
    return p


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Replaces dashboard.auth's clock. Starts at the real time so that timestamps written by the
    users file (password changes) compare sensibly with it."""
    import time

    from dashboard import auth

    fake = FakeClock(time.time())
    monkeypatch.setattr(auth, "clock", fake)
    return fake

"""Sign-in logic without a browser: throttling with an injected clock, session expiry, configuration,
and the OIDC and proxy mappings."""

from __future__ import annotations

import time

import pytest

from accounts import audit, users
from accounts.users import LoginThrottle, ThrottlePolicy
from dashboard import auth
from dashboard.auth import GENERIC_FAILURE, AuthConfig, ConfigError, attempt_sign_in, session_end_reason
from tests.auth.conftest import PASSWORD

T0 = 1_900_000_000.0


@pytest.fixture
def jsmith(home):
    return users.add_user(home, "jsmith", role="asm", password=PASSWORD, teams=["T1"])


def _try(home, name, pw, now, session="sess-1", address=None):
    return attempt_sign_in(home, name, pw, session_id=session, address=address, now=now)


def test_right_password_signs_in_and_is_audited(home, jsmith):
    r = _try(home, "jsmith", PASSWORD, T0)
    assert r.user is not None and r.user.username == "jsmith" and r.message == ""
    df = audit.read(home)
    assert df["action"].to_list() == ["sign_in"] and df["user"][0] == "jsmith"


def test_wrong_password_unknown_user_and_disabled_give_the_same_message(home, jsmith):
    wrong = _try(home, "jsmith", "not the password", T0)
    unknown = _try(home, "nobody", PASSWORD, T0, session="s2")
    users.disable_user(home, "jsmith")
    disabled = _try(home, "jsmith", PASSWORD, T0, session="s3")
    assert wrong.user is unknown.user is disabled.user is None
    assert wrong.message == unknown.message == disabled.message == GENERIC_FAILURE
    reasons = [__import__("json").loads(d)["reason"] for d in audit.read(home)["detail"]]
    assert reasons == ["wrong_password", "unknown_user", "disabled"]  # the audit knows; the screen does not


def test_brute_force_is_slowed_exponentially_and_survives_a_restart(home, jsmith):
    pol = ThrottlePolicy()
    now = T0
    for _ in range(pol.free_failures - 1):
        assert _try(home, "jsmith", "guess", now).retry_after == 0
    r = _try(home, "jsmith", "guess", now)  # the 5th failure locks for a minute
    assert r.retry_after == 60
    # locked: even the right password is refused, without being checked, and it does not count
    locked = _try(home, "jsmith", PASSWORD, now + 30)
    assert locked.user is None and "Try again in 1 minute" in locked.message
    assert LoginThrottle(home).failures(users.username_key("jsmith"), now + 30) == 5
    # a "restart": a new throttle object reads the same counters from IROQA_HOME
    client = users.Client("sess-1")
    assert LoginThrottle(home).retry_after("jsmith", client, now + 30) == pytest.approx(30)
    # after the lock, another failure doubles it: 2, 4, 8 ... minutes, capped at an hour
    waits = []
    for _ in range(8):
        now += 3601
        waits.append(_try(home, "jsmith", "guess", now).retry_after)
    assert waits == [120, 240, 480, 960, 1920, 3600, 3600, 3600]
    # the right password works once the lock has passed, and clears the counter
    now += 3601
    assert _try(home, "jsmith", PASSWORD, now).user is not None
    assert LoginThrottle(home).failures(users.username_key("jsmith"), now) == 0


def test_unknown_usernames_are_throttled_too(home):
    for _ in range(5):
        r = _try(home, "nobody", "guess", T0, session="s-new")
    assert r.retry_after == 60  # indistinguishable from a real account


def test_one_session_spraying_many_usernames_is_throttled(home, jsmith):
    for i in range(5):
        r = _try(home, f"user{i}", "guess", T0, session="attacker")
    assert r.retry_after == 60
    # the attacker's session is now locked even for a username it has not tried
    assert _try(home, "jsmith", PASSWORD, T0 + 1, session="attacker").user is None
    # the real user, from their own session, is not
    assert _try(home, "jsmith", PASSWORD, T0 + 1, session="jsmith-laptop").user is not None


ATTACKER = "198.51.100.7"
OWNER = "203.0.113.5"


def _attack(home, start, end, *, target="jsmith", addresses=(ATTACKER,)):
    """An attacker who knows the username guesses from ``addresses`` with a new browser session for
    every try, trying again the moment they are let (or a second later). Returns how many guesses were
    checked against the password and the times of the checked ones."""
    now, n, checked, times = start, 0, 0, []
    while now < end:
        addr = addresses[n % len(addresses)]
        r = _try(home, target, f"guess {n}", now, session=f"attacker-{n}", address=addr)
        n += 1
        if "Too many failed sign-ins" in r.message:
            now += max(1.0, r.retry_after)
        else:
            checked += 1
            times.append(now)
            now += max(1.0, r.retry_after)
    return checked, times


def test_an_attacker_who_knows_the_username_cannot_keep_its_owner_out(home, jsmith):
    """Today's attack: wrong passwords as fast as allowed, again the moment each wait ends. The owner,
    from their own browser, signs in at once whenever they try, before or after the attacker's
    re-tries."""
    checked, times = _attack(home, T0, T0 + 6 * 3600)
    pol = ThrottlePolicy()
    # slowed: 5 free, then 1, 2, 4 ... 60 minutes apart: not thousands of guesses in 6 hours
    assert checked <= pol.free_failures + 12  # 15 here, against ~21,600 unthrottled
    assert times[pol.free_failures] - times[pol.free_failures - 1] == pytest.approx(60, abs=1)
    # the owner tries right after one of the attacker's guesses that re-started the wait
    last = times[-1]
    early = _try(home, "jsmith", PASSWORD, last + 0.2, session="attacker-new", address=ATTACKER)
    assert early.user is None and "Too many failed sign-ins" in early.message  # not even checked
    r = _try(home, "jsmith", PASSWORD, last + 0.5, session="jsmith-laptop", address=OWNER)
    assert r.user is not None and r.retry_after == 0
    reasons = [__import__("json").loads(d).get("reason") for d in audit.read(home)["detail"]]
    assert reasons.count("throttled") == 1 and reasons.count("wrong_password") == checked


def test_the_owner_gets_in_while_an_attack_is_under_way_from_many_addresses(home, jsmith):
    """A botnet: each new address gets one guess, then is held by the account's count like the rest;
    the owner's browser, which has not failed, is never held."""
    addresses = tuple(f"192.0.2.{i}" for i in range(1, 60))
    checked, _ = _attack(home, T0, T0 + 3600, addresses=addresses)
    assert checked <= len(addresses) + 10  # about one per address, not one per second
    assert _try(home, "jsmith", PASSWORD, T0 + 3600, session="own", address=OWNER).user is not None


def test_new_sessions_from_one_address_do_not_reset_the_count(home, jsmith):
    for i in range(5):
        _try(home, "jsmith", "guess", T0, session=f"fresh-{i}", address=ATTACKER)
    r = _try(home, "jsmith", PASSWORD, T0 + 1, session="fresh-new", address=ATTACKER)
    assert r.user is None and "Try again in 1 minute" in r.message  # the address has failed here
    # one address spraying many usernames, a new session each time, is held after its allowance
    pol = ThrottlePolicy()
    for i in range(pol.address_free_failures):
        _try(home, f"user{i}", "guess", T0 + 2, session=f"spray-{i}", address="192.0.2.99")
    assert _try(home, "someone", "guess", T0 + 3, session="spray-x", address="192.0.2.99").retry_after > 0


def test_an_owner_who_mistyped_during_an_attack_waits_a_bounded_time(home, jsmith):
    """The owner's own failed attempt makes their browser a client that has failed on the account, so
    the account's count holds it too, but only from the owner's own last attempt: the attacker's
    later guesses do not restart it, and the wait is never more than the longest delay."""
    _attack(home, T0, T0 + 3600)
    first = _try(home, "jsmith", "typo", T0 + 3600, session="own", address=OWNER)
    assert first.user is None and 0 < first.retry_after <= ThrottlePolicy().max_delay
    _attack(home, T0 + 3601, T0 + 3600 + first.retry_after - 1)  # the attacker keeps going meanwhile
    held = _try(home, "jsmith", PASSWORD, T0 + 3600 + first.retry_after - 1, session="own", address=OWNER)
    assert held.user is None and held.retry_after == pytest.approx(1)
    ok = _try(home, "jsmith", PASSWORD, T0 + 3600 + first.retry_after, session="own", address=OWNER)
    assert ok.user is not None
    # or the administrator clears the account's failures (iroqa users unlock) and they try at once
    _attack(home, T0 + 90_000, T0 + 93_600)
    _try(home, "jsmith", "typo", T0 + 93_600, session="own2", address=OWNER)
    assert users.unlock_user(home, "jsmith", now=T0 + 93_601) is True
    assert _try(home, "jsmith", PASSWORD, T0 + 93_601, session="own2", address=OWNER).user is not None


def test_counters_are_forgotten_a_day_after_the_last_failure(home, jsmith):
    for _ in range(4):
        _try(home, "jsmith", "guess", T0)
    assert _try(home, "jsmith", "guess", T0 + 24 * 3600 + 1).retry_after == 0


def test_throttle_file_holds_no_usernames(home, jsmith):
    _try(home, "jsmith", "guess", T0)
    raw = (users.auth_dir(home) / "throttle.json").read_text()
    assert "jsmith" not in raw and "sess-1" not in raw


def test_throttle_policy_from_env(monkeypatch):
    monkeypatch.setenv("IROQA_SIGNIN_FREE_FAILURES", "3")
    monkeypatch.setenv("IROQA_SIGNIN_BASE_DELAY_SECONDS", "10")
    monkeypatch.setenv("IROQA_SIGNIN_ADDRESS_FREE_FAILURES", "7")
    pol = ThrottlePolicy.from_env()
    assert [pol.delay_after(n) for n in range(1, 6)] == [0, 0, 10, 20, 40]
    assert pol.address_free_failures == 7
    monkeypatch.setenv("IROQA_SIGNIN_MAX_DELAY_SECONDS", "an hour")
    with pytest.raises(users.UserError, match="IROQA_SIGNIN_MAX_DELAY_SECONDS must be a number"):
        ThrottlePolicy.from_env()
    with pytest.raises(ConfigError, match="IROQA_SIGNIN_MAX_DELAY_SECONDS must be a number"):
        AuthConfig.from_env()  # the app says so at the start, rather than at the first sign-in


def test_audit_down_means_nobody_signs_in(home, jsmith, monkeypatch):
    def broken(*a, **k):
        raise audit.AuditError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    r = _try(home, "jsmith", PASSWORD, T0)
    assert r.user is None and "audit" in r.message


# --- session expiry -------------------------------------------------------------------------------


def _sess(issued, last, mode="local"):
    return {"username": "jsmith", "mode": mode, "issued_at": issued, "last_seen": last}


def test_idle_and_absolute_timeouts(home, jsmith):
    cfg = AuthConfig()
    now = time.time()
    assert cfg.idle_seconds == 30 * 60 and cfg.absolute_seconds == 8 * 3600
    assert session_end_reason(home, _sess(now, now), cfg, now + 29 * 60, jsmith) is None
    assert session_end_reason(home, _sess(now, now), cfg, now + 31 * 60, jsmith) == "idle"
    # busy all day: never idle, but the absolute limit still ends it
    assert session_end_reason(home, _sess(now, now + 8 * 3600), cfg, now + 8 * 3600 + 1, jsmith) == "absolute"


def test_session_ends_when_the_account_changes(home, jsmith):
    cfg = AuthConfig()
    now = time.time()
    s = _sess(now, now)
    assert session_end_reason(home, s, cfg, now + 1, None) == "account_removed"
    assert session_end_reason(home, s, cfg, now + 1, users.disable_user(home, "jsmith")) == "disabled"
    users.enable_user(home, "jsmith")
    time.sleep(0.01)
    changed = users.set_password(home, "jsmith", "another long passphrase")
    assert session_end_reason(home, s, cfg, now + 1, changed) == "password_changed"
    assert session_end_reason(home, s, AuthConfig(mode="proxy", proxy_secret="x" * 32), now + 1, changed) == (
        "mode_changed"
    )


def test_config_from_env():
    cfg = AuthConfig.from_env({"IROQA_SESSION_IDLE_MINUTES": "5", "IROQA_SESSION_MAX_HOURS": "1.5"})
    assert (cfg.mode, cfg.idle_seconds, cfg.absolute_seconds) == ("local", 300, 5400)
    for bad in (
        {"IROQA_AUTH_MODE": "ldap"},
        {"IROQA_SESSION_IDLE_MINUTES": "0"},
        {"IROQA_SESSION_MAX_HOURS": "soon"},
        {"IROQA_AUTH_MODE": "proxy"},
        {"IROQA_AUTH_MODE": "proxy", "IROQA_TRUSTED_PROXY": "short"},
        {"IROQA_OIDC_ROLE_MAP": "IROQA-Admins=root"},
    ):
        with pytest.raises(ConfigError):
            AuthConfig.from_env(bad)


# --- proxy and OIDC mappings ------------------------------------------------------------------------

SECRET = "s" * 40


def test_proxy_header_only_honoured_with_the_proxy_secret(home, jsmith):
    cfg = AuthConfig.from_env({"IROQA_AUTH_MODE": "proxy", "IROQA_TRUSTED_PROXY": SECRET})
    ok = {"X-Forwarded-User": "jsmith", "X-IROQA-Proxy-Secret": SECRET}
    user, reason = auth.user_from_proxy_headers(home, ok, cfg)
    assert reason == "ok" and user.username == "jsmith" and user.source == "proxy"
    assert (
        auth.user_from_proxy_headers(
            home, {"x-forwarded-user": "jsmith", "x-iroqa-proxy-secret": SECRET}, cfg
        )[1]
        == "ok"
    )  # header names are case-insensitive
    assert auth.user_from_proxy_headers(home, {"X-Forwarded-User": "jsmith"}, cfg) == (
        None,
        "untrusted_proxy",
    )
    forged = {"X-Forwarded-User": "jsmith", "X-IROQA-Proxy-Secret": SECRET[:-1] + "t"}
    assert auth.user_from_proxy_headers(home, forged, cfg) == (None, "untrusted_proxy")
    assert auth.user_from_proxy_headers(home, {**ok, "X-Forwarded-User": "stranger"}, cfg) == (
        None,
        "not_registered",
    )
    assert auth.user_from_proxy_headers(home, {**ok, "X-Forwarded-User": ""}, cfg) == (None, "no_user_header")
    users.disable_user(home, "jsmith")
    assert auth.user_from_proxy_headers(home, ok, cfg) == (None, "disabled")
    # not in proxy mode (no secret configured): never honoured
    assert auth.user_from_proxy_headers(home, ok, AuthConfig())[1] == "untrusted_proxy"


def test_oidc_claims_map_through_the_users_file_by_email(home):
    users.add_user(
        home, "jsmith", role="asm", password=PASSWORD, teams=["T1"], email="Jo.Smith@council.gov.uk"
    )
    cfg = AuthConfig(mode="oidc")
    user, reason = auth.user_from_claims(home, {"email": "jo.smith@COUNCIL.gov.uk", "roles": ["admin"]}, cfg)
    assert reason == "ok" and user.username == "jsmith" and user.role == "asm"  # the file wins over claims
    assert auth.user_from_claims(home, {"email": "x@council.gov.uk"}, cfg) == (None, "not_registered")
    assert auth.user_from_claims(home, {}, cfg) == (None, "no_email_claim")
    users.disable_user(home, "jsmith")
    assert auth.user_from_claims(home, {"email": "jo.smith@council.gov.uk"}, cfg) == (None, "disabled")


def test_oidc_role_from_a_claim_when_configured(home):
    cfg = AuthConfig.from_env(
        {
            "IROQA_AUTH_MODE": "oidc",
            "IROQA_OIDC_ROLE_CLAIM": "roles",
            "IROQA_OIDC_ROLE_MAP": "IROQA.IRO=iro,IROQA.ASM=asm",
            "IROQA_OIDC_TEAMS_CLAIM": "iroqa_teams",
            "IROQA_OIDC_WORKER_CLAIM": "employeeId",
        }
    )
    claims = {
        "email": "Al@council.gov.uk",
        "name": "Al",
        "roles": ["Staff", "IROQA.ASM"],
        "iroqa_teams": "T1;T2",
    }
    user, reason = auth.user_from_claims(home, claims, cfg)
    assert reason == "ok" and (user.username, user.role, user.teams) == (
        "al@council.gov.uk",
        "asm",
        ("T1", "T2"),
    )
    iro = auth.user_from_claims(home, {"email": "b@c", "roles": "IROQA.IRO", "employeeId": 42}, cfg)[0]
    assert (iro.role, iro.worker_id) == ("iro", "42")
    assert auth.user_from_claims(home, {"email": "c@c", "roles": ["IROQA.IRO", "IROQA.ASM"]}, cfg) == (
        None,
        "ambiguous_role",
    )
    assert auth.user_from_claims(home, {"email": "d@c", "roles": ["admin"]}, cfg) == (None, "no_role")


def test_config_errors_are_loud(monkeypatch):
    monkeypatch.setenv("IROQA_AUTH_MODE", "proxy")
    with pytest.raises(ConfigError, match="IROQA_TRUSTED_PROXY"):
        AuthConfig.from_env()

"""The server-side session store behind the session cookie (dashboard/sessions.py)."""

from __future__ import annotations

import json
import stat
import time

from accounts import users
from dashboard import sessions
from dashboard.auth import AuthConfig, session_end_reason
from warehouse.settings import Paths

NOW = 1_700_000_000.0  # 2023: before any password set in a test


def _grant(p: Paths, now: float = NOW, hours: float = 8) -> str:
    return sessions.issue_grant(
        p, username="iro-a", mode="local", issued_at=now, expires_at=now + hours * 3600, now=now
    )


def test_grant_is_redeemed_once_for_a_token_stored_only_hashed(tmp_path):
    p = Paths(tmp_path)
    grant = _grant(p)
    sid = sessions.sid_of(grant)
    redeemed = sessions.redeem_grant(p, grant, NOW + 5)
    assert redeemed is not None
    cookie, max_age = redeemed
    assert max_age == 8 * 3600 - 5
    assert sessions.sid_of(cookie) == sid and cookie != grant
    assert sessions.redeem_grant(p, grant, NOW + 6) is None  # single use
    raw = (tmp_path / "auth" / "sessions" / f"{sid}.json").read_text()
    token = cookie.partition(".")[2]
    assert token not in raw and grant.partition(".")[2] not in raw
    rec = sessions.lookup(p, cookie, NOW + 10)
    assert rec is not None and rec["username"] == "iro-a" and rec["sid"] == sid


def test_files_are_owner_only(tmp_path):
    p = Paths(tmp_path)
    sid = sessions.sid_of(_grant(p))
    d = tmp_path / "auth" / "sessions"
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert stat.S_IMODE((d / f"{sid}.json").stat().st_mode) == 0o600


def test_expired_grant_and_forged_or_malformed_values_give_nothing(tmp_path):
    p = Paths(tmp_path)
    grant = _grant(p)
    assert sessions.redeem_grant(p, grant, NOW + sessions.GRANT_SECONDS + 1) is None
    grant = _grant(p)
    sid = sessions.sid_of(grant)
    assert sessions.redeem_grant(p, sid + ".not-the-grant", NOW) is None
    cookie, _ = sessions.redeem_grant(p, grant, NOW)
    for bad in (None, "", "x", sid, sid + ".wrong", "../../users.json.x", cookie + "x", "." + cookie):
        assert sessions.lookup(p, bad, NOW) is None, bad


def test_session_past_its_absolute_limit_is_gone(tmp_path):
    p = Paths(tmp_path)
    grant = _grant(p, hours=1)
    cookie, _ = sessions.redeem_grant(p, grant, NOW)
    assert sessions.lookup(p, cookie, NOW + 3599) is not None
    assert sessions.lookup(p, cookie, NOW + 3601) is None
    assert not list((tmp_path / "auth" / "sessions").glob("*.json"))


def test_revoke_and_prune(tmp_path):
    p = Paths(tmp_path)
    cookie, _ = sessions.redeem_grant(p, _grant(p), NOW)
    sessions.revoke(p, sessions.sid_of(cookie))
    assert sessions.lookup(p, cookie, NOW) is None
    never_redeemed = sessions.sid_of(_grant(p))
    sessions.prune(p, NOW + sessions.GRANT_SECONDS + 1)
    assert sessions.last_seen(p, never_redeemed) is None


def test_touch_moves_last_seen_shared_by_every_tab(tmp_path):
    p = Paths(tmp_path)
    cookie, _ = sessions.redeem_grant(p, _grant(p), NOW)
    sid = sessions.sid_of(cookie)
    sessions.touch(p, sid, NOW + 600)
    assert sessions.last_seen(p, sid) == NOW + 600


def test_a_resumed_session_gets_the_same_checks_as_a_running_one(tmp_path):
    """Disable, password change and idle all end a stored session (auth.session_end_reason)."""
    p = Paths(tmp_path)
    users.add_user(p, "iro-a", role="iro", password="a long password for iro a", worker_id="W1")
    cfg = AuthConfig()
    t0 = time.time() + 0.01
    time.sleep(0.02)
    cookie, _ = sessions.redeem_grant(p, _grant(p, now=t0), t0)
    rec = sessions.lookup(p, cookie, t0 + 60)
    assert session_end_reason(p, rec, cfg, t0 + 60, users.get_user(p, "iro-a")) is None
    assert session_end_reason(p, rec, cfg, t0 + 31 * 60, users.get_user(p, "iro-a")) == "idle"
    users.disable_user(p, "iro-a")
    assert session_end_reason(p, rec, cfg, t0 + 60, users.get_user(p, "iro-a")) == "disabled"
    users.enable_user(p, "iro-a")
    assert session_end_reason(p, rec, cfg, t0 + 60, users.get_user(p, "iro-a")) is None
    users.set_password(p, "iro-a", "another long password for iro a")
    assert session_end_reason(p, rec, cfg, t0 + 60, users.get_user(p, "iro-a")) == "password_changed"
    assert json.loads((tmp_path / "auth" / "sessions" / f"{rec['sid']}.json").read_text())["mode"] == "local"

"""``iroqa users demo-accounts``: one account per non-admin role over real demo teams and a real IRO,
passwords printed once, only while the users file is new; each account signs in and sees cases."""

from __future__ import annotations

import json
import re

from accounts import users
from accounts.access import scope_for
from cli.main import main
from dashboard import data
from warehouse.store import LiveBuild, set_live


def _live_in(home, demo_warehouse) -> LiveBuild:
    src = json.loads(demo_warehouse.paths.live_pointer.read_text())
    live = LiveBuild(**{k: src[k] for k in ("build_id", "path", "built_at", "as_at", "protocol")})
    set_live(live, home.ensure())
    return live


def test_demo_accounts_for_every_role(home, demo_warehouse, capsys):
    live = _live_in(home, demo_warehouse)
    assert main(["users", "demo-admin"]) == 0
    assert main(["users", "demo-accounts"]) == 0
    out = capsys.readouterr().out
    passwords = dict(re.findall(r"^\s+(demo-[a-z]+)\s+\S+\s+password: (\S+)", out, re.M))
    assert set(passwords) == set(users.DEMO_ACCOUNTS)
    for username, (role, _) in users.DEMO_ACCOUNTS.items():
        u = users.authenticate(home, username, passwords[username])
        assert u is not None and u.role == role
        scope = scope_for(u)
        cases = data.meeting_cases(live, scope, data.Filters())
        if role in ("iro", "asm", "service_manager", "leadership"):
            assert not cases.is_empty(), f"{username} should see some of the demo's cases"
        else:
            assert cases.is_empty()
    asm = users.get_user(home, "demo-asm")
    real_teams = set(demo_warehouse.query("select team_id from dim_teams")["team_id"].to_list())
    assert asm.teams and set(asm.teams) <= real_teams
    # only once: a second run creates nothing and prints no password
    assert main(["users", "demo-accounts"]) == 0
    again = capsys.readouterr().out
    assert "password" not in again.lower() or "no demo accounts" in again.lower()


def test_demo_accounts_not_created_when_real_users_exist(home, demo_warehouse, capsys):
    _live_in(home, demo_warehouse)
    users.add_user(home, "someone", role="leadership", password="a perfectly fine password 1")
    assert main(["users", "demo-accounts"]) == 0
    assert "no demo accounts created" in capsys.readouterr().out
    assert users.get_user(home, "demo-asm") is None

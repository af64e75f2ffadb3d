"""``iroqa users demo-admin`` and ``iroqa users demo-accounts``: the demo's accounts, made only while
the users file is new."""

from __future__ import annotations

import argparse
import sys

from cli.common import audit_admin
from warehouse import settings


def demo_admin(p: settings.Paths, args: argparse.Namespace) -> int:
    from accounts import users

    password = users.ensure_demo_admin(p)
    if password is None:
        print("Users already exist: no demo administrator created.")
        return 0
    audit_admin("add", users.DEMO_ADMIN, role="admin", demo=True)
    print(f"Created the demo administrator. Sign in as '{users.DEMO_ADMIN}' with password: {password}")
    print(
        "This password is shown once and stored only as a hash. Change it with "
        f"`iroqa users passwd {users.DEMO_ADMIN}`."
    )
    return 0


def demo_accounts(p: settings.Paths, args: argparse.Namespace) -> int:
    """Demo only: accounts for every role but admin. The ASM gets the two teams, and the IRO the worker
    id, with the most open stage 3 and 4 challenges in the live build, so both see cases."""
    from accounts import users
    from demo.accounts import busiest_scope
    from warehouse.store import read_live

    live = read_live(p)
    if live is None:
        print("No live build yet: run `iroqa build` first (make run does).", file=sys.stderr)
        return 1
    teams, iro_worker_id = busiest_scope(live.file)
    created = users.ensure_demo_accounts(p, asm_teams=teams, iro_worker_id=iro_worker_id)
    if created is None:
        print("The users file is not new: no demo accounts created.")
        return 0
    print("Created demo accounts (passwords shown once, stored only as hashes):")
    for username, password in created.items():
        role = users.DEMO_ACCOUNTS[username][0]
        extra = (
            f" teams {','.join(teams)}"
            if role == "asm"
            else (f" worker id {iro_worker_id}" if role == "iro" and iro_worker_id else "")
        )
        print(f"  {username:<14} {role:<16} password: {password}{extra}")
        audit_admin("add", username, role=role, demo=True)
    return 0

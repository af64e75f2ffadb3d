"""``iroqa users ...``: local user accounts (accounts.users; docs/access.md). Every change is
audited; nothing here prints a password hash."""

from __future__ import annotations

import argparse
import sys

from cli.common import audit_admin
from cli.users_demo import demo_accounts, demo_admin
from warehouse import settings


def _read_new_password(args: argparse.Namespace, username: str) -> tuple[str, bool]:
    """(password, generated?) from --generate, --password-stdin, or two getpass prompts."""
    import getpass

    from accounts import users

    if args.generate:
        return users.generate_password(), True
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n"), False
    if not sys.stdin.isatty():
        raise users.UserError("no terminal to prompt on: use --password-stdin or --generate")
    first = getpass.getpass(f"New password for {username}: ")
    if getpass.getpass("Again: ") != first:
        raise users.UserError("the two passwords differ")
    return first, False


def _split_teams(value: str | None) -> list[str] | None:
    return None if value is None else [t.strip() for t in value.split(",") if t.strip()]


def _warn_scope(user) -> None:
    from accounts import users

    for warning in users.scope_warnings(user, teams="--teams", worker_id="--worker-id"):
        print(f"Warning: {warning[:1].lower()}{warning[1:]}", file=sys.stderr)


def _list(p: settings.Paths, args: argparse.Namespace) -> int:
    from accounts import users

    rows = users.list_users(p)
    if not rows:
        print("No users yet (iroqa users add USERNAME --role ROLE).")
        return 0
    print(f"{'username':<24}{'role':<17}{'status':<10}{'worker id':<12}{'teams':<24}name")
    for u in rows:
        print(
            f"{u.username:<24}{u.role:<17}{'disabled' if u.disabled else 'active':<10}"
            f"{u.worker_id or '-':<12}{','.join(u.teams) or '-':<24}{u.display_name}"
        )
    return 0


def _add(p: settings.Paths, args: argparse.Namespace, username: str) -> None:
    from accounts import users

    if users.get_user(p, username) is not None:
        raise users.UserError(f"there is already a user called {username!r}")
    password, generated = _read_new_password(args, username)
    user = users.add_user(
        p,
        username,
        role=args.role,
        password=password,
        display_name=args.name or "",
        teams=_split_teams(args.teams) or (),
        worker_id=args.worker_id,
        email=args.email,
    )
    audit_admin("add", user.username, role=user.role, teams=list(user.teams), worker_id=user.worker_id)
    print(f"Added {user.username} ({user.role_label}).")
    if generated:
        print(f"Password (shown once): {password}")
    _warn_scope(user)


def _set(p: settings.Paths, args: argparse.Namespace, username: str) -> None:
    from accounts import users

    user = users.update_user(
        p,
        username,
        role=args.role,
        display_name=args.name,
        teams=_split_teams(args.teams),
        worker_id=args.worker_id,
        email=args.email,
        digest=args.digest,
    )
    audit_admin(
        "set",
        user.username,
        role=user.role,
        teams=list(user.teams),
        worker_id=user.worker_id,
        digest=user.digest,
    )
    print(f"Updated {user.username} ({user.role_label}).")
    _warn_scope(user)


def _passwd(p: settings.Paths, args: argparse.Namespace, username: str) -> None:
    from accounts import users

    if users.get_user(p, username) is None:
        raise users.UserError(f"there is no user called {username!r}")
    password, generated = _read_new_password(args, username)
    users.set_password(p, username, password)
    audit_admin("passwd", username)
    print(f"Changed the password of {username}; their open sessions end at their next click.")
    if generated:
        print(f"Password (shown once): {password}")


def _switch(op: str, change, message: str):
    """disable, enable, unlock: one change of accounts.users (``change(users)`` is the function),
    audited, then one line."""

    def run(p: settings.Paths, args: argparse.Namespace, username: str) -> None:
        from accounts import users

        change(users)(p, username)
        audit_admin(op, username)
        print(message.format(username=username))

    return run


#: The actions without a username, and those on one user (given after the username is checked).
_GLOBAL = {"list": _list, "demo-admin": demo_admin, "demo-accounts": demo_accounts}
_ON_USER = {
    "add": _add,
    "set": _set,
    "passwd": _passwd,
    "disable": _switch(
        "disable",
        lambda u: u.disable_user,
        "Disabled {username}; their open sessions end at their next click.",
    ),
    "enable": _switch("enable", lambda u: u.enable_user, "Enabled {username}."),
    "unlock": _switch(
        "unlock",
        lambda u: u.unlock_user,
        "Forgot the failed sign-ins against {username}: they may try again at once.",
    ),
}


def cmd_users(args: argparse.Namespace) -> int:
    from accounts import audit, users

    p = settings.paths()
    p.home.mkdir(parents=True, exist_ok=True)
    try:
        if args.users_command in _GLOBAL:
            return _GLOBAL[args.users_command](p, args)
        _ON_USER[args.users_command](p, args, users.normalise_username(args.username))
    except users.UserError as exc:
        print(f"iroqa users: {exc}", file=sys.stderr)
        return 2
    except audit.AuditError as exc:
        print(f"iroqa users: the change was made but {exc}", file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    from accounts.access import ROLES

    u = sub.add_parser(
        "users",
        help="manage local user accounts (users.json in the warehouse home)",
        description="Add, change and disable IRO QA users. Passwords are stored only as "
        "argon2id hashes; nothing here prints a hash. Every change is audited.",
    )
    us = u.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = us.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--teams", default=None, help="comma-separated team ids (Assistant Service Managers)")
    add.add_argument("--worker-id", default=None, help="case-system worker id (IROs and Chairs)")
    add.add_argument("--email", default=None, help="email, to match sign-ins from the identity provider")
    pw = add.add_mutually_exclusive_group()
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    pw.add_argument("--generate", action="store_true", help="generate a strong password and print it once")
    st = us.add_parser("set", help="change a user's role, name, teams, worker id or email")
    st.add_argument("username")
    st.add_argument("--role", default=None, choices=ROLES)
    st.add_argument("--name", default=None)
    st.add_argument("--teams", default=None, help="comma-separated team ids (replaces the list; '' clears)")
    st.add_argument("--worker-id", default=None, help="'' clears it")
    st.add_argument("--email", default=None, help="'' clears it")
    st.add_argument(
        "--digest",
        default=None,
        choices=("none", "weekly"),  # accounts.users.DIGEST_CHOICES
        help="weekly: a Monday digest instead of single emails (docs/notifications.md); none: single emails",
    )
    pa = us.add_parser("passwd", help="set a user's password")
    pa.add_argument("username")
    pw = pa.add_mutually_exclusive_group()
    pw.add_argument("--password-stdin", action="store_true")
    pw.add_argument("--generate", action="store_true")
    for name, text in (
        ("disable", "disable a user (their sessions end at their next click)"),
        ("enable", "enable a disabled user"),
        ("unlock", "forget the failed sign-ins against a username (its owner may try again at once)"),
    ):
        x = us.add_parser(name, help=text)
        x.add_argument("username")
    us.add_parser("list", help="list users (never prints password hashes)")
    us.add_parser(
        "demo-admin", help="create the demo administrator if there are no users; print its password once"
    )
    us.add_parser(
        "demo-accounts",
        help="demo only: one account per other role (real demo teams / IRO) if the users file is new; "
        "print their passwords once",
    )
    u.set_defaults(func=cmd_users)

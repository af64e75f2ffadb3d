"""The ``iroqa`` command: one entry point for every stage of the data flow.

    iroqa demo --out DIR [--scale tiny|la|region|national] [--seed N]
    iroqa ingest PATH... [--profile canonical|mosaic|liquidlogic]
    iroqa build [--as-at YYYY-MM-DD] [--protocol leicestershire|rotherham]
    iroqa query "SQL"
    iroqa serve [--port 8501]
    iroqa status
    iroqa users add|set|passwd|disable|enable|unlock|list|demo-admin|demo-accounts ...
    iroqa audit verify|export

The warehouse location is ``$IROQA_HOME`` (default ``warehouse/data`` inside the repo).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from warehouse import csvsafe, settings


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _progress(line: str) -> None:
    from ingest.report import printable  # names from files may hold terminal escape sequences

    print(printable(line), file=sys.stderr, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from demo import generate

    started = time.monotonic()
    counts = generate(
        Path(args.out), scale=args.scale, seed=args.seed, end=args.end, fmt=args.format, progress=_progress
    )
    total = sum(counts.values())
    for entity, n in counts.items():
        print(f"{entity:<18}{n:>12,}")
    print(f"Wrote {total:,} rows to {args.out} in {time.monotonic() - started:.1f}s")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Exit codes (docs/ingest.md): 0 all loaded, 1 loaded with rows set aside (or hidden sheets
    skipped), 2 usage error (nothing read), 3 a file refused (the others still loaded)."""
    from ingest.profiles import ProfileError
    from ingest.report import EXIT_USAGE, printable
    from warehouse.loader import ingest_paths

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"No such file or folder: {', '.join(printable(m) for m in missing)}", file=sys.stderr)
        return EXIT_USAGE
    started = time.monotonic()
    try:
        report = ingest_paths(
            [Path(p) for p in args.paths],
            profile=args.profile,
            progress=_progress,
            force=args.force,
            include_hidden_sheets=args.include_hidden_sheets,
        )
    except ProfileError as exc:
        print(printable(exc), file=sys.stderr)
        return EXIT_USAGE
    print(report.summary())
    print(f"Ingest took {time.monotonic() - started:.1f}s")
    return report.exit_code


def cmd_build(args: argparse.Namespace) -> int:
    from warehouse.build import BuildError, build

    try:
        result = build(as_at=args.as_at, protocol=args.protocol)
    except BuildError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    live = result.live
    print(
        f"Build {live.build_id} is live (as at {live.as_at}, protocol {live.protocol}) "
        f"in {result.seconds:.1f}s: {live.path}"
    )
    if args.as_at is None:  # a build as at today, after it went live: last month's snapshot if due
        from warehouse.snapshots import make_due

        made = make_due()
        if made is not None:
            print(f"Month-end snapshot {made.live.as_at[:7]} made in {made.seconds:.1f}s: {made.live.path}")
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from ingest.report import EXIT_USAGE, printable
    from warehouse.build import BuildError
    from warehouse.snapshots import SnapshotError, list_snapshots, make_snapshot

    if args.list or not args.month:
        snaps = list_snapshots()
        if not snaps:
            print("No month-end snapshots yet: make one with `iroqa snapshot --month YYYY-MM`.")
        for s in snaps:
            print(f"{s.as_at[:7]}  as at {s.as_at}, protocol {s.protocol}, built {s.built_at}: {s.path}")
        return 0
    try:
        result = make_snapshot(args.month, protocol=args.protocol, replace=args.replace)
    except SnapshotError as exc:
        print(printable(str(exc)), file=sys.stderr)
        return EXIT_USAGE
    except BuildError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    snap = result.live
    print(
        f"Month-end snapshot {snap.as_at[:7]} (as at {snap.as_at}, protocol {snap.protocol}) "
        f"made in {result.seconds:.1f}s: {snap.path}"
    )
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.store import NoLiveBuild, connect_live

    try:
        _, con = connect_live()
    except NoLiveBuild as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        cur = con.execute(args.sql)
    except duckdb.Error as exc:
        con.close()
        print(f"Query failed: {exc}", file=sys.stderr)
        return 1
    if cur.description:
        csvsafe.write_rows(
            sys.stdout, [d[0] for d in cur.description], iter(lambda: cur.fetchmany(10_000), [])
        )
    con.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    # dashboard/server.py: st.App serving dashboard/app.py with the session-cookie route
    app = Path(__file__).resolve().parent.parent / "dashboard" / "server.py"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    host = f"[{args.address}]" if ":" in args.address else args.address
    where = "" if args.address in ("127.0.0.1", "::1", "localhost") else " (reachable from other machines)"
    print(f"Serving IRO QA on http://{host}:{args.port}{where} (warehouse {settings.home()})", flush=True)
    return subprocess.call(cmd, env=dict(os.environ))


def cmd_status(args: argparse.Namespace) -> int:
    from warehouse.store import read_live

    p = settings.paths()
    live = read_live(p)
    print(f"warehouse home : {p.home}")
    print(f"raw store      : {p.raw_db} ({'present' if p.raw_db.exists() else 'missing'})")
    from warehouse.events import event_files

    events = len(event_files(p)) if p.events_dir.exists() else 0
    print(f"app events     : {events}")
    if live:
        print(
            f"live build     : {live.build_id} as at {live.as_at}, protocol {live.protocol}, "
            f"built {live.built_at} in {live.seconds}s"
        )
    else:
        print("live build     : none yet (run `iroqa build`)")
    from warehouse.live import rebuild_status
    from warehouse.store import live_problem

    problem = live_problem(p)
    status = rebuild_status(p)
    if status.last_error and status.consecutive_failures:
        print(f"latest update  : FAILED at {status.last_failure_at}: {_first_line(status.last_error)}")
    if problem:
        print(f"live build     : DAMAGED: {problem}; the next build replaces it (run `iroqa build`)")
        return 1
    return 0


def _first_line(text: str, limit: int = 200) -> str:
    from ingest.report import printable

    lines = [line for line in text.splitlines() if line.strip()]
    return printable(lines[0][:limit] if lines else "")


# --- users and audit (docs/access.md) ------------------------------------------------------------


def _cli_actor() -> str:
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return f"cli:uid{os.getuid()}"


def _audit_admin(op: str, target: str, **detail) -> None:
    from accounts import users

    users.record_admin(_cli_actor(), op, target, **detail)


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


def _demo_accounts(p: settings.Paths) -> int:
    """Demo only: accounts for every role but admin. The ASM gets the two teams, and the IRO the worker
    id, with the most open stage 3 and 4 challenges in the live build, so both see cases."""
    import duckdb

    from accounts import users
    from warehouse.store import read_live

    live = read_live(p)
    if live is None:
        print("No live build yet: run `iroqa build` first (make run does).", file=sys.stderr)
        return 1
    con = duckdb.connect(str(live.file), read_only=True)
    try:
        teams = [
            r[0]
            for r in con.sql(
                "select c.team_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
                "where c.team_id is not null group by all order by count(*) desc, c.team_id limit 2"
            ).fetchall()
        ]
        worker = con.sql(
            "select c.iro_worker_id from mart_open_stage_3_4 m join fct_challenges c using (challenge_id) "
            "where c.iro_worker_id is not null group by all order by count(*) desc, c.iro_worker_id limit 1"
        ).fetchall()
    finally:
        con.close()
    created = users.ensure_demo_accounts(p, asm_teams=teams, iro_worker_id=worker[0][0] if worker else None)
    if created is None:
        print("The users file is not new: no demo accounts created.")
        return 0
    print("Created demo accounts (passwords shown once, stored only as hashes):")
    for username, password in created.items():
        role = users.DEMO_ACCOUNTS[username][0]
        extra = (
            f" teams {','.join(teams)}"
            if role == "asm"
            else (f" worker id {worker[0][0]}" if role == "iro" and worker else "")
        )
        print(f"  {username:<14} {role:<16} password: {password}{extra}")
        _audit_admin("add", username, role=role, demo=True)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from accounts import audit, users

    p = settings.paths()
    p.home.mkdir(parents=True, exist_ok=True)
    try:
        if args.users_command == "list":
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
        if args.users_command == "demo-admin":
            password = users.ensure_demo_admin(p)
            if password is None:
                print("Users already exist: no demo administrator created.")
                return 0
            _audit_admin("add", users.DEMO_ADMIN, role="admin", demo=True)
            print(
                f"Created the demo administrator. Sign in as '{users.DEMO_ADMIN}' with password: {password}"
            )
            print(
                "This password is shown once and stored only as a hash. Change it with "
                f"`iroqa users passwd {users.DEMO_ADMIN}`."
            )
            return 0
        if args.users_command == "demo-accounts":
            return _demo_accounts(p)
        username = users.normalise_username(args.username)
        if args.users_command == "add":
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
            _audit_admin(
                "add", user.username, role=user.role, teams=list(user.teams), worker_id=user.worker_id
            )
            print(f"Added {user.username} ({user.role_label}).")
            if generated:
                print(f"Password (shown once): {password}")
            _warn_scope(user)
        elif args.users_command == "set":
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
            _audit_admin(
                "set",
                user.username,
                role=user.role,
                teams=list(user.teams),
                worker_id=user.worker_id,
                digest=user.digest,
            )
            print(f"Updated {user.username} ({user.role_label}).")
            _warn_scope(user)
        elif args.users_command == "passwd":
            if users.get_user(p, username) is None:
                raise users.UserError(f"there is no user called {username!r}")
            password, generated = _read_new_password(args, username)
            users.set_password(p, username, password)
            _audit_admin("passwd", username)
            print(f"Changed the password of {username}; their open sessions end at their next click.")
            if generated:
                print(f"Password (shown once): {password}")
        elif args.users_command == "disable":
            users.disable_user(p, username)
            _audit_admin("disable", username)
            print(f"Disabled {username}; their open sessions end at their next click.")
        elif args.users_command == "enable":
            users.enable_user(p, username)
            _audit_admin("enable", username)
            print(f"Enabled {username}.")
        elif args.users_command == "unlock":
            users.unlock_user(p, username)
            _audit_admin("unlock", username)
            print(f"Forgot the failed sign-ins against {username}: they may try again at once.")
    except users.UserError as exc:
        print(f"iroqa users: {exc}", file=sys.stderr)
        return 2
    except audit.AuditError as exc:
        print(f"iroqa users: the change was made but {exc}", file=sys.stderr)
        return 1
    return 0


def _warn_scope(user) -> None:
    from accounts import users

    for warning in users.scope_warnings(user, teams="--teams", worker_id="--worker-id"):
        print(f"Warning: {warning[:1].lower()}{warning[1:]}", file=sys.stderr)


def cmd_audit(args: argparse.Namespace) -> int:
    from accounts import audit

    p = settings.paths()
    if args.audit_command == "verify":
        ok, bad = audit.verify(p)
        h = audit.head(p) or {"seq": 0, "hash": audit.GENESIS}
        if ok:
            print(f"Audit log intact: {h['seq']} records; head hash {h['hash']}")
            return 0
        print(
            f"Audit log damaged or altered: the first bad record is line {bad} of {audit.log_file(p)}",
            file=sys.stderr,
        )
        return 1
    df = audit.read(p)
    if args.out:
        csvsafe.write_csv(df, args.out)
        print(f"Wrote {df.height:,} audit records to {args.out}")
    else:
        csvsafe.write_csv(df, sys.stdout)
    return 0


def _add_users_and_audit_parsers(sub) -> None:
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

    a = sub.add_parser(
        "audit",
        help="verify or export the audit log",
        description="The audit log is append-only and hash-chained; verify checks the chain.",
    )
    ac = a.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    ac.add_parser("verify", help="check the hash chain; prints the head hash to keep elsewhere")
    ex = ac.add_parser("export", help="write the audit log as CSV")
    ex.add_argument("--out", default=None, help="CSV file (default standard output)")
    a.set_defaults(func=cmd_audit)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="iroqa",
        description="IRO QA: track Positive Challenges and Formal Escalations from case-system extracts "
        "to the monthly challenge meeting. The warehouse lives in $IROQA_HOME "
        f"(now {settings.home()}).",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser(
        "demo",
        help="write realistic synthetic extracts (no real people)",
        description="Write synthetic case-system extracts in the canonical layout.",
    )
    d.add_argument("--out", required=True, help="folder to write the extract files into")
    d.add_argument(
        "--scale",
        default="la",
        choices=["tiny", "la", "region", "national"],
        help="tiny: a few dozen challenges; la: one authority over several years "
        "(tens of thousands of events); region: ~10x la; national: millions of events",
    )
    d.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    d.add_argument("--end", type=_date, default=None, help="last date of the data (default today)")
    d.add_argument("--format", default="csv", choices=["csv", "xlsx"], help="file format")
    d.set_defaults(func=cmd_demo)

    i = sub.add_parser(
        "ingest",
        help="load extract files or folders into the raw store",
        description="Validate and load CSV/XLSX extracts. Rejected files and rows are "
        "reported with file, row and column; accepted rows load in one transaction per "
        "file; a file already loaded is skipped.",
    )
    i.add_argument("paths", nargs="+", help="extract files (.csv, .xlsx) or folders of them")
    i.add_argument(
        "--profile",
        default="canonical",
        help="column-mapping profile: canonical, mosaic, liquidlogic (ingest/profiles/*.yml)",
    )
    i.add_argument(
        "--force",
        action="store_true",
        help="load files again even if the same content was loaded before (e.g. after loading "
        "the challenges that their events were quarantined for)",
    )
    i.add_argument(
        "--include-hidden-sheets",
        action="store_true",
        help="also load a workbook's hidden sheets (by default they are reported and skipped)",
    )
    i.set_defaults(func=cmd_ingest)

    b = sub.add_parser(
        "build",
        help="build the marts with dbt into a new build and make it live",
        description="Run the dbt build (models and tests) into a new warehouse file. "
        "Only a build that passes is made live.",
    )
    b.add_argument(
        "--as-at",
        type=_date,
        default=None,
        help="compute overdue flags as at this date (default today); reproduces a past month",
    )
    b.add_argument(
        "--protocol", default=None, help="escalation protocol (default $IROQA_PROTOCOL or leicestershire)"
    )
    b.set_defaults(func=cmd_build)

    sn = sub.add_parser(
        "snapshot",
        help="build the marts as at a past month end into a kept snapshot (not live); --list",
        description="Build the marts as at the last day of a closed month, through the same build "
        "as `iroqa build --as-at`, into snapshots/YYYY-MM.duckdb: never made live, never pruned. "
        "The dashboard's 'As at' choice shows it.",
    )
    sn.add_argument("--month", default=None, help="the month, YYYY-MM (e.g. 2026-09)")
    sn.add_argument("--replace", action="store_true", help="build a month that has a snapshot again")
    sn.add_argument("--list", action="store_true", help="list the snapshots kept")
    sn.add_argument(
        "--protocol", default=None, help="escalation protocol (default $IROQA_PROTOCOL or leicestershire)"
    )
    sn.set_defaults(func=cmd_snapshot)

    q = sub.add_parser(
        "query",
        help="run read-only SQL against the live marts, print CSV",
        description="Run one read-only SQL statement against the live build and print "
        'CSV, e.g. iroqa query "select count(*) from fct_challenges"',
    )
    q.add_argument("sql", help="the SQL statement")
    q.set_defaults(func=cmd_query)

    s = sub.add_parser("serve", help="start the dashboard", description="Serve the Streamlit dashboard.")
    s.add_argument("--port", type=int, default=8501)
    s.add_argument(
        "--address",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this machine only; put a TLS reverse proxy in "
        "front, docs/deploy.md; 0.0.0.0 listens on every interface)",
    )
    s.set_defaults(func=cmd_serve)

    st = sub.add_parser("status", help="show the warehouse home, raw store and live build")
    st.set_defaults(func=cmd_status)

    _add_users_and_audit_parsers(sub)
    from reports.cli import add_parser as add_report_parser  # iroqa report (issue 13)

    add_report_parser(sub)
    from notify.cli import add_parser as add_notify_parser

    add_notify_parser(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

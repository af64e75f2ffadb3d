"""``iroqa audit verify|export``: the hash-chained audit log (accounts.audit; docs/access.md)."""

from __future__ import annotations

import argparse
import sys

from warehouse import csvsafe, settings


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


def add_parsers(sub) -> None:
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

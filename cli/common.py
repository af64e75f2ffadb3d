"""What several commands share: argument types and how progress and errors are printed."""

from __future__ import annotations

import argparse
import sys
from datetime import date


def parse_date(value: str) -> date:
    """An argparse type: a YYYY-MM-DD date, or a clear message."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def progress(line: str) -> None:
    """A progress line on standard error."""
    from ingest.report import printable  # names from files may hold terminal escape sequences

    print(printable(line), file=sys.stderr, flush=True)


def first_line(text: str, limit: int = 200) -> str:
    """The first non-blank line of ``text``, cut to ``limit`` characters, printable."""
    from ingest.report import printable

    lines = [line for line in text.splitlines() if line.strip()]
    return printable(lines[0][:limit] if lines else "")


PROTOCOL_HELP = "escalation protocol (default $IROQA_PROTOCOL or leicestershire)"


def cli_actor() -> str:
    """Who is acting, for the audit log: ``cli:`` and the login name."""
    import getpass
    import os

    try:
        return "cli:" + getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return f"cli:uid{os.getuid()}"


def audit_admin(op: str, target: str, **detail) -> None:
    """Record an administrator's change to the accounts in the audit log."""
    from accounts import users

    users.record_admin(cli_actor(), op, target, **detail)

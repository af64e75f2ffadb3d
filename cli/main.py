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

This module only assembles the parser: each command group is a module of its own
(``cli/<group>_cmds.py``, with ``add_parsers`` and its ``cmd_*`` functions), listed below in the
order ``iroqa --help`` shows them.
"""

from __future__ import annotations

import argparse
import sys

from cli import (
    audit_cmds,
    build_cmds,
    demo_cmds,
    ingest_cmds,
    live_cmds,
    notify_cmds,
    report_cmds,
    serve_cmds,
    users_cmds,
)
from warehouse import settings

#: Each adds its subcommands to ``iroqa``, in this order.
COMMAND_GROUPS = (
    demo_cmds.add_parsers,  # demo
    ingest_cmds.add_parsers,  # ingest
    build_cmds.add_parsers,  # build, snapshot
    live_cmds.add_query_parser,  # query
    serve_cmds.add_parsers,  # serve
    live_cmds.add_status_parser,  # status
    users_cmds.add_parsers,  # users
    audit_cmds.add_parsers,  # audit
    report_cmds.add_parsers,  # report (issue 13)
    notify_cmds.add_parsers,  # notify
)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="iroqa",
        description="IRO QA: track Positive Challenges and Formal Escalations from case-system extracts "
        "to the monthly challenge meeting. The warehouse lives in $IROQA_HOME "
        f"(now {settings.home()}).",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMAND_GROUPS:
        add(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

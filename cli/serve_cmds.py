"""``iroqa serve``: start the dashboard as a process of its own (the command line never imports
the dashboard package)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from warehouse import settings


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


def add_parsers(sub) -> None:
    s = sub.add_parser("serve", help="start the dashboard", description="Serve the Streamlit dashboard.")
    s.add_argument("--port", type=int, default=8501)
    s.add_argument(
        "--address",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this machine only; put a TLS reverse proxy in "
        "front, docs/deploy.md; 0.0.0.0 listens on every interface)",
    )
    s.set_defaults(func=cmd_serve)

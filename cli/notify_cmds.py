"""``iroqa notify send|run|status|sink``: the notifier (notify/; docs/notifications.md)."""

from __future__ import annotations

import argparse
import contextlib
import sys

from notify import outbox, sender
from warehouse import settings


def cmd_notify(args: argparse.Namespace) -> int:
    p = settings.paths().ensure()
    if args.notify_command == "sink":
        from notify import sink

        return sink.main(["--port", str(args.port), "--dir", str(args.dir or p.home / "mailsink")])
    if args.notify_command == "status":
        con = outbox.connect_reader(p)
        if con is None:
            print(f"No outbox yet at {outbox.outbox_file(p)}: notifications are not switched on.")
            return 0
        with con:
            sw = outbox.switch(con)
            print(f"outbox    {outbox.outbox_file(p)}")
            print(f"switched on  {sw.enabled_at.isoformat() if sw else 'no'}")
            for state, n in outbox.counts(con).items():
                print(f"{state:<12}{n}")
        return 0
    try:
        if args.notify_command == "send":
            rep = sender.send_once(p)
            print(rep.line())
            for e in sorted(set(rep.errors))[:10]:
                print(f"  error: {e}", file=sys.stderr)
            return 0
        print(f"Notifier running on {p.home} (Ctrl+C stops it).", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sender.run(p, interval=args.interval)
        return 0
    except outbox.NotifierBusy as e:
        print(str(e), file=sys.stderr)
        return 3


def add_parsers(sub) -> None:
    n = sub.add_parser(
        "notify",
        help="send the notifications due (docs/notifications.md)",
        description="Email the people the protocol names at each stage, from the outbox "
        "($IROQA_HOME/outbox.sqlite). SMTP from IROQA_SMTP_HOST/PORT/USER/PASSWORD/STARTTLS, "
        "IROQA_MAIL_FROM; links from IROQA_BASE_URL. The first send switches notifications on: "
        "events before that day are never emailed.",
    )
    ns = n.add_subparsers(dest="notify_command", required=True, metavar="ACTION")
    ns.add_parser("send", help="queue what the live build says is due, send it once, exit (for a timer)")
    r = ns.add_parser("run", help="keep sending (every second)")
    r.add_argument("--interval", type=float, default=1.0)
    ns.add_parser("status", help="the outbox's counts by state")
    sk = ns.add_parser("sink", help="a local SMTP server on 127.0.0.1 keeping what it receives (demo)")
    sk.add_argument("--port", type=int, default=2525)
    sk.add_argument("--dir", default=None, help="folder for the .eml files (default $IROQA_HOME/mailsink)")
    n.set_defaults(func=cmd_notify)

"""A local SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives.

``make run`` starts it beside the notifier (``python -m notify.sink --port 2525 --dir DIR``), so a
demo sends real SMTP and nobody real is emailed. Each message is kept once per Message-ID as
``DIR/<sha256 of the Message-ID>.eml`` (written to a temporary name and renamed: a reader never
sees half a message; a second delivery of the same Message-ID, the notifier's crash rule, is
acknowledged and not kept twice). The tests use :class:`Sink` in memory the same way.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import hashlib
import os
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class KeepHandler:
    """Keeps every message (bytes) by Message-ID, in memory and optionally in a folder."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.messages: dict[str, bytes] = {}
        self.deliveries = 0  # DATA commands accepted, duplicates included
        self.lock = threading.Lock()
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
            for f in folder.glob("*.eml"):
                m = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
                self.messages[str(m["Message-ID"])] = f.read_bytes()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        data = envelope.original_content or envelope.content
        m = email.message_from_bytes(data, policy=email.policy.default)
        mid = str(m["Message-ID"] or hashlib.sha256(data).hexdigest())
        with self.lock:
            self.deliveries += 1
            if mid in self.messages:
                return "250 OK (already have this Message-ID)"
            self.messages[mid] = data
            if self.folder:
                name = hashlib.sha256(mid.encode()).hexdigest()[:32]
                tmp = self.folder / f".{name}.tmp"
                tmp.write_bytes(data)
                os.replace(tmp, self.folder / f"{name}.eml")
        return "250 OK"

    def parsed(self) -> list[email.message.EmailMessage]:
        with self.lock:
            return [email.message_from_bytes(b, policy=email.policy.default) for b in self.messages.values()]


def read_folder(folder: Path) -> list[email.message.EmailMessage]:
    """The messages a sink kept in ``folder`` (for the bench and the browser test)."""
    return [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        for f in sorted(folder.glob("*.eml"))
    ]


class Sink:
    """An aiosmtpd server on 127.0.0.1 in a thread: ``with Sink() as s: ... s.handler.parsed()``."""

    def __init__(self, handler=None, port: int = 0, folder: Path | None = None):
        self.handler = handler or KeepHandler(folder)
        self.port = port
        self.controller: Controller | None = None

    def __enter__(self) -> Sink:
        if not self.port:
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.controller:
            self.controller.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="A local SMTP sink on 127.0.0.1 that keeps what it receives.")
    ap.add_argument("--port", type=int, default=2525)
    ap.add_argument("--dir", type=Path, required=True, help="folder to keep the messages in (.eml)")
    args = ap.parse_args(argv)
    with Sink(port=args.port, folder=args.dir):
        print(f"SMTP sink on 127.0.0.1:{args.port}, keeping messages in {args.dir}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

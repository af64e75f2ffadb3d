"""The outbox: every notification the warehouse owes someone, durable, each sent once.

ADR 0004 says where it lives and who writes it: ``$IROQA_HOME/outbox.sqlite`` (SQLite in WAL
mode), written only by the notifier holding ``notify.lock``; pages open it ``query_only``.

One row per idempotency key (event_id, recipient_worker_id, kind): inserting a key that is
already there does nothing, so enqueuing the same live build twice, or two builds that both list
an event, never makes a second message.

States::

    pending     waiting to be sent (next_attempt_at says when; after a failure, a back-off)
    sending     handed to the SMTP server; set and committed before the DATA command
    sent        the server accepted it (250 after DATA)
    failed      refused permanently (5xx) or out of attempts: visible on the Outbox page
    suppressed  not to be sent: no address, or before notifications were switched on

The crash rule (docs/notifications.md, ADR 0004): a row found in ``sending`` when the notifier
starts was being sent when a notifier died; whether the server got it cannot be known from here,
so it is sent again **with the same Message-ID** (assigned once, when the row is created).
Receivers that deduplicate by Message-ID (the local sink of ``make run``, the tests' server, and
mail stores that suppress duplicate deliveries) show it once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warehouse.settings import Paths

STATES = ("pending", "sending", "sent", "failed", "suppressed")

SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists outbox (
    notification_id text primary key,
    event_id text not null,
    recipient_worker_id text not null,
    kind text not null,
    challenge_id text not null,
    case_ref text not null,
    stage_label text,
    recipient_name text,
    recipient_email text,
    subject text not null,
    body_text text not null,
    body_html text not null,
    link text not null,
    message_id text not null unique,
    state text not null check (state in ('pending', 'sending', 'sent', 'failed', 'suppressed')),
    reason text,
    attempts integer not null default 0,
    next_attempt_at real not null default 0,
    last_error text,
    event_on text,
    created_at text not null,
    updated_at text not null,
    sent_at text,
    unique (event_id, recipient_worker_id, kind)
);
create index if not exists outbox_due on outbox (state, next_attempt_at);
create index if not exists outbox_challenge on outbox (challenge_id);
"""


def outbox_file(p: Paths) -> Path:
    return p.home / "outbox.sqlite"


def lock_file(p: Paths) -> Path:
    return p.home / "notify.lock"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class NotifierBusy(RuntimeError):
    """Another notifier holds notify.lock."""


@contextlib.contextmanager
def writer_lock(p: Paths) -> Iterator[None]:
    """The single-writer lock of the outbox (flock; the kernel releases it if the holder dies)."""
    p.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file(p), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NotifierBusy(
                f"Another notifier is running on {p.home} (it holds {lock_file(p).name})."
            ) from None
        yield
    finally:
        os.close(fd)


def connect_writer(p: Paths) -> sqlite3.Connection:
    """The writer's connection (only under :func:`writer_lock`)."""
    con = sqlite3.connect(outbox_file(p), timeout=30, isolation_level=None)
    con.execute("pragma journal_mode=wal")
    con.execute("pragma synchronous=full")  # a commit is on disk when it returns
    con.executescript(SCHEMA)
    with contextlib.suppress(OSError):
        os.chmod(outbox_file(p), 0o600)
    return con


def connect_reader(p: Paths) -> sqlite3.Connection | None:
    """A read-only view for pages and the CLI; None when no outbox exists yet."""
    f = outbox_file(p)
    if not f.exists():
        return None
    con = sqlite3.connect(f"file:{f}?mode=ro", uri=True, timeout=30)
    con.execute("pragma query_only=1")
    con.row_factory = sqlite3.Row
    return con


@dataclass(frozen=True)
class Switch:
    enabled_at: datetime

    @property
    def enabled_on(self) -> str:
        return self.enabled_at.date().isoformat()


def switch_on(con: sqlite3.Connection, at: datetime | None = None) -> Switch:
    """Record the moment notifications were switched on (once; later calls return the first)."""
    at = at or datetime.now(UTC)
    con.execute("insert or ignore into meta values ('enabled_at', ?)", (at.isoformat(),))
    return switch(con)


def switch(con: sqlite3.Connection) -> Switch | None:
    row = con.execute("select value from meta where key = 'enabled_at'").fetchone()
    return Switch(datetime.fromisoformat(row[0])) if row else None


def meta(con: sqlite3.Connection, key: str) -> str | None:
    row = con.execute("select value from meta where key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(con: sqlite3.Connection, key: str, value: str) -> None:
    con.execute("insert or replace into meta values (?, ?)", (key, value))


def counts(con: sqlite3.Connection) -> dict[str, int]:
    got = dict(con.execute("select state, count(*) from outbox group by state").fetchall())
    return {s: int(got.get(s, 0)) for s in STATES}


#: Days a sent or suppressed message is kept (docs/notifications.md, "Retention"). Pending, sending and
#: failed messages are never pruned: they still need someone (the notifier or an administrator).
RETENTION_ENV = "IROQA_OUTBOX_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 365
MIN_RETENTION_DAYS = 30  # the digest's week and the reminders' working days must stay covered
PRUNABLE_STATES = ("sent", "suppressed")


def retention_days(env: dict[str, str] | None = None) -> int:
    """``IROQA_OUTBOX_RETENTION_DAYS`` (default 365), refused below 30 with a message saying where."""
    raw = ((env if env is not None else os.environ).get(RETENTION_ENV) or "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"{RETENTION_ENV}={raw!r} is not a whole number of days") from None
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"{RETENTION_ENV}={days} is below the minimum of {MIN_RETENTION_DAYS} days")
    return days


def pruned_before(con: sqlite3.Connection) -> str | None:
    """The retention watermark (ISO date): no notification about an event dated before it is queued
    again, so pruning a sent message can never make the notifier send it a second time."""
    return meta(con, "pruned_before")


def prune(con: sqlite3.Connection, *, days: int | None = None, now: datetime | None = None) -> int:
    """The retention rule: delete sent and suppressed messages whose event is dated more than ``days``
    ago and that were last changed more than ``days`` ago; never pending, sending or failed ones.
    Moves the watermark (:func:`pruned_before`) to the cut-off first, in the same transaction, so a
    live build that still lists a pruned message's event does not queue it again. Returns the number
    of messages deleted. Only under :func:`writer_lock`."""
    days = retention_days() if days is None else days
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    cutoff_day = cutoff.date().isoformat()
    con.execute("begin immediate")
    try:
        old = pruned_before(con)
        if old is None or old < cutoff_day:
            set_meta(con, "pruned_before", cutoff_day)
        marks = ",".join("?" * len(PRUNABLE_STATES))
        deleted = con.execute(
            f"delete from outbox where state in ({marks}) and event_on < ? and updated_at < ?",  # noqa: S608 - placeholders only
            (*PRUNABLE_STATES, cutoff_day, cutoff.isoformat(timespec="microseconds")),
        ).rowcount
        set_meta(con, "pruned_at", now.isoformat())
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return deleted


def prune_due(con: sqlite3.Connection, *, every: timedelta = timedelta(hours=6)) -> bool:
    """Whether the retention rule has not run for ``every`` (the notifier prunes a few times a day)."""
    last = meta(con, "pruned_at")
    return last is None or datetime.now(UTC) - datetime.fromisoformat(last) >= every


def wait_for_state(p: Paths, state: str, n: int, timeout: float = 30) -> bool:
    """Tests and the bench: wait until at least n rows are in ``state``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        con = connect_reader(p)
        if con is not None:
            try:
                if counts(con)[state] >= n:
                    return True
            except sqlite3.OperationalError:
                pass
            finally:
                con.close()
        time.sleep(0.1)
    return False

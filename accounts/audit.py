"""The audit log: who did what, when, append-only and tamper-evident.

``$IROQA_HOME/audit/audit.jsonl`` holds one JSON object per line::

    {"seq": 42, "ts": "2026-10-30T09:15:02.123456+00:00", "user": "jsmith", "role": "asm",
     "action": "page_view", "detail": {"page": "Team", "filters": {...}}, "session": "3f2a...",
     "prev": "<SHA-256 hex of line 41, exactly as stored>"}

* **Append-only.** A record is one ``write()`` of one line to a descriptor opened ``O_APPEND``, then
  ``fsync``. The app has no function that changes or deletes a record.
* **Hash chain.** Each record carries the SHA-256 of the previous line's bytes (the first carries 64
  zeros), so altering, inserting or deleting any record breaks the chain at the next one.
  ``audit/head.json`` (replaced atomically after each append) holds the last ``seq`` and the hash of
  the last line, so cutting records off the end is detected too. :func:`verify` checks both.
* **Concurrency.** An advisory lock (``audit/audit.lock``) is held around read-last-line, append,
  fsync and head update, so records from any number of processes and threads never interleave and
  the chain stays linear.
* **Limits.** Whoever can write the files can rebuild a consistent chain from scratch; to make that
  detectable too, copy the head hash somewhere they cannot write (``iroqa audit verify`` prints it;
  see docs/access.md). If a record cannot be written, :func:`record` raises :class:`AuditError` and
  the caller must not carry out the action.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.settings import Paths
from warehouse.settings import paths as default_paths
from warehouse.store import write_private

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from accounts.access import Principal

GENESIS = "0" * 64

# What may be recorded. Free-form strings would make the audit hard to report on.
ACTIONS = frozenset(
    {
        "sign_in",  # success
        "sign_in_failed",  # wrong password, unknown or disabled user, throttled, no access (detail.reason)
        "sign_out",
        "session_expired",  # idle or absolute timeout, password changed, account disabled (detail.reason)
        "page_view",  # detail: page, filters
        "export",  # detail: what, format, rows, filters
        "write",  # detail: event_id, challenge_id, event_type
        "access_denied",  # a request the scope refused (detail: what)
        "user_admin",  # users add / disable / enable / passwd / set / unlock (detail: op, target)
    }
)

# Keys never written into a record, wherever they appear in ``detail``.
_SECRET_KEYS = frozenset({"password", "password_hash", "secret", "token", "cookie_secret", "client_secret"})
MAX_DETAIL_BYTES = 64 * 1024


class AuditError(RuntimeError):
    """The audit record could not be written: the action it describes must not proceed."""


def audit_dir(p: Paths) -> Path:
    d = p.home / "audit"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def log_file(p: Paths) -> Path:
    return audit_dir(p) / "audit.jsonl"


def head_file(p: Paths) -> Path:
    return audit_dir(p) / "head.json"


@contextlib.contextmanager
def _lock(p: Paths) -> Iterator[None]:
    fd = os.open(audit_dir(p) / "audit.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _scrub(value: Any, depth: int = 0) -> Any:
    """JSON-safe copy of ``value`` without secret-looking keys."""
    if depth > 8:
        return "..."
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return {
            str(k): ("[removed]" if str(k).lower() in _SECRET_KEYS else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_scrub(v, depth + 1) for v in items]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _last_line(fd: int) -> bytes | None:
    """The last complete line of the file (without its newline), or None if the file is empty."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    block = 8192
    pos = size
    buf = b""
    while pos > 0:
        step = min(block, pos)
        pos -= step
        buf = os.pread(fd, step, pos) + buf
        stripped = buf[:-1] if buf.endswith(b"\n") else buf
        nl = stripped.rfind(b"\n")
        if nl >= 0:
            return stripped[nl + 1 :]
    return buf[:-1] if buf.endswith(b"\n") else buf


def record(
    user: Principal | str | None,
    action: str,
    detail: dict | None = None,
    *,
    p: Paths | None = None,
    session: str | None = None,
    now: datetime | None = None,
) -> dict:
    """Append one record and return it. ``user`` is the signed-in :class:`~accounts.users.User`,
    or for a failed sign-in the username that was typed (a string), or None for the system.
    Raises :class:`AuditError` if it cannot be written."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {', '.join(sorted(ACTIONS))}")
    p = p or default_paths()
    if user is None:
        username, role = "", ""
    elif isinstance(user, str):
        username, role = user[:128], ""
    else:
        username, role = user.username, user.role
    body = _scrub(detail or {})
    if len(json.dumps(body, default=str)) > MAX_DETAIL_BYTES:
        body = {"truncated": True, "keys": sorted(body)[:50] if isinstance(body, dict) else []}
    try:
        with _lock(p):
            fd = os.open(log_file(p), os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(fd).st_size
                last = _last_line(fd)
                torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
                if last is None:
                    seq, prev = 1, GENESIS
                else:
                    try:
                        seq = int(json.loads(last)["seq"]) + 1
                    except (ValueError, KeyError, TypeError):  # a damaged last line: keep counting lines
                        with open(log_file(p), "rb") as fh:
                            seq = sum(1 for _ in fh) + 1
                    prev = hashlib.sha256(last).hexdigest()
                prev = _chain_from(head(p), last, prev)
                rec = {
                    "seq": seq,
                    "ts": (now or datetime.now(UTC)).isoformat(timespec="microseconds"),
                    "user": username,
                    "role": role,
                    "action": action,
                    "detail": body,
                    "session": session or "",
                    "prev": prev,
                }
                line = json.dumps(rec, sort_keys=True, ensure_ascii=False, default=str).encode()
                data = (b"\n" if torn else b"") + line + b"\n"
                written = os.write(fd, data)
                if written != len(data):  # pragma: no cover - a short write on a local disk
                    raise OSError(f"short write to the audit log ({written} of {len(data)} bytes)")
                os.fsync(fd)
            finally:
                os.close(fd)
            _write_head(p, seq, hashlib.sha256(line).hexdigest())
    except OSError as exc:
        raise AuditError(f"could not write the audit record: {exc}") from exc
    return rec


def _chain_from(h: dict | None, last: bytes | None, last_digest: str) -> str:
    """What the next record's ``prev`` must be. Normally the hash of the last line. But if the end of
    the log no longer matches the head (the last record altered, or records cut off the end, since
    the head was written), the next record chains to the head's hash instead: otherwise appending
    would hide the change, since the head is rewritten with every record. A last line that is the
    head's direct successor (a crash between appending it and updating the head) is trusted."""
    if h is None or last is None:
        return last_digest if last is not None else GENESIS
    try:
        head_seq, head_hash = int(h["seq"]), str(h["hash"])
    except (KeyError, TypeError, ValueError):
        return last_digest
    if head_hash == last_digest:
        return last_digest
    try:
        rec = json.loads(last)
        if int(rec["seq"]) == head_seq + 1 and rec["prev"] == head_hash:
            return last_digest
    except (ValueError, KeyError, TypeError):
        pass
    return head_hash


def _write_head(p: Paths, seq: int, digest: str) -> None:
    write_private(head_file(p), json.dumps({"seq": seq, "hash": digest}).encode())


def head(p: Paths | None = None) -> dict | None:
    """``{"seq": n, "hash": sha256}`` of the last record, or None if nothing was recorded."""
    p = p or default_paths()
    try:
        return json.loads(head_file(p).read_bytes())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def verify(p: Paths | None = None) -> tuple[bool, int | None]:
    """``(True, None)`` if every record chains to the one before and the last matches the head;
    otherwise ``(False, n)`` where ``n`` is the first bad line (1-based). A line missing from the
    end is reported as the line number where it should be."""
    p = p or default_paths()
    prev = GENESIS
    n = 0
    last_digest = None
    if not log_file(p).exists():
        return (True, None) if not head(p) else (False, 1)
    with open(log_file(p), "rb") as fh:
        for n, raw in enumerate(fh, start=1):  # noqa: B007 - n is used after the loop
            if not raw.endswith(b"\n"):
                return False, n
            line = raw[:-1]
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                return False, n
            if not isinstance(rec, dict) or rec.get("prev") != prev or rec.get("seq") != n:
                return False, n
            prev = last_digest = hashlib.sha256(line).hexdigest()
    h = head(p)
    if h is None:
        return (n == 0, None if n == 0 else n)
    try:
        head_seq = int(h.get("seq", -1))
    except (TypeError, ValueError):
        return False, max(n, 1)
    if head_seq > n:  # records cut off the end
        return False, n + 1
    if head_seq < n:  # lines added after the last recorded head (not by record())
        return False, head_seq + 1
    if h.get("hash") != last_digest:  # the last line altered
        return False, max(n, 1)
    return True, None


def read(p: Paths | None = None) -> pl.DataFrame:
    """Every record as a polars DataFrame (``detail`` as a JSON string), oldest first. Lines that
    do not parse are returned with ``action = "unreadable"`` rather than hidden."""
    import polars as pl

    p = p or default_paths()
    rows: list[dict] = []
    if log_file(p).exists():
        with open(log_file(p), "rb") as fh:
            for n, raw in enumerate(fh, start=1):
                try:
                    rec = json.loads(raw)
                    rows.append(
                        {
                            "seq": rec.get("seq"),
                            "ts": datetime.fromisoformat(rec["ts"]),
                            "user": rec.get("user", ""),
                            "role": rec.get("role", ""),
                            "action": rec.get("action", ""),
                            "detail": json.dumps(rec.get("detail", {}), sort_keys=True, ensure_ascii=False),
                            "session": rec.get("session", ""),
                            "prev": rec.get("prev", ""),
                        }
                    )
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    rows.append(
                        {
                            "seq": n,
                            "ts": None,
                            "user": "",
                            "role": "",
                            "action": "unreadable",
                            "detail": raw.decode("utf-8", "replace"),
                            "session": "",
                            "prev": "",
                        }
                    )
    schema = {
        "seq": pl.Int64,
        "ts": pl.Datetime("us", "UTC"),
        "user": pl.String,
        "role": pl.String,
        "action": pl.String,
        "detail": pl.String,
        "session": pl.String,
        "prev": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def select(
    p: Paths | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    users: list[str] | tuple[str, ...] = (),
    actions: list[str] | tuple[str, ...] = (),
) -> pl.DataFrame:
    """The records of :func:`read` that match, **newest first**: ``since <= ts < until`` (UTC; either
    may be None), ``user`` in ``users`` and ``action`` in ``actions`` (empty: any). Unreadable lines
    (no time) are kept whatever the dates, so a damaged log is never hidden by a filter."""
    import polars as pl

    df = read(p)
    cond = pl.lit(True)
    if since is not None:
        cond &= pl.col("ts").is_null() | (pl.col("ts") >= since)
    if until is not None:
        cond &= pl.col("ts").is_null() | (pl.col("ts") < until)
    if users:
        cond &= pl.col("user").is_in(list(users))
    if actions:
        cond &= pl.col("action").is_in(list(actions))
    return df.filter(cond).sort("seq", descending=True, nulls_last=True)


def last_sign_ins(p: Paths | None = None) -> dict[str, datetime]:
    """username -> the time of their last successful sign-in, from the log."""
    import polars as pl

    df = read(p).filter(pl.col("action") == "sign_in").group_by("user").agg(pl.col("ts").max())
    return dict(zip(df["user"].to_list(), df["ts"].to_list(), strict=True))

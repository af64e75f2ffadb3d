"""Storage primitives: the one lock, atomic file replacement, the live-build pointer, pruning.

The rules these enforce (see docs/adr/0001-storage-and-concurrency.md):

* ingest and builds take the exclusive lock; nothing else does, so readers never wait;
* every file that another process may read is written under a temporary name, fsynced, and
  renamed into place, so a reader sees the old file or the new one, never half of one;
* a build becomes live only by replacing ``live.json``; builds are pruned only when old enough
  that no reader can still be opening them (a reader that already has one open keeps its inode).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from warehouse.settings import Paths
from warehouse.settings import paths as default_paths


class LockTimeout(RuntimeError):
    """Another ingest or build held the warehouse lock for longer than we were willing to wait."""


@contextlib.contextmanager
def exclusive_lock(
    p: Paths | None = None, *, purpose: str = "", timeout: float | None = None
) -> Iterator[None]:
    """Hold the warehouse's one lock (serialises ingest and builds across processes).

    ``timeout=None`` waits for as long as it takes; otherwise raises :class:`LockTimeout`.
    The lock is an OS advisory lock, released by the kernel if the holder dies.
    """
    p = (p or default_paths()).ensure()
    fd = os.open(p.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() > deadline:
                    holder = p.lock_file.read_text(errors="replace").strip() or "another process"
                    raise LockTimeout(f"the warehouse is busy ({holder}); try again shortly") from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{purpose or 'busy'} (pid {os.getpid()})".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(target: Path, data: bytes, tmp_dir: Path | None = None) -> None:
    """Write ``data`` to ``target`` so that readers see either the old or the new file, and the new
    file survives a crash once this returns (write tmp, fsync, rename, fsync directory)."""
    tmp_dir = tmp_dir or target.parent
    tmp = tmp_dir / f".{target.name}.{uuid.uuid4().hex}.tmp"
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)


@dataclass(frozen=True)
class LiveBuild:
    build_id: str
    path: str  # absolute path of the build's DuckDB file
    built_at: str  # ISO timestamp, UTC
    as_at: str  # ISO date the overdue flags are computed at
    protocol: str
    seconds: float = 0.0
    #: warehouse.build.inputs_fingerprint: what the build was made from, but the app's events
    inputs: str = ""
    mode: str = "full"  # full | events (only what a saved event can change was rebuilt)
    size: int = 0  # bytes of the build file when it went live (live files are never written)

    @property
    def file(self) -> Path:
        return Path(self.path)


def write_private(target: Path, data: bytes) -> None:
    """Like :func:`atomic_write_bytes`, but the file is created mode 0600 from the start
    (the users file holds password hashes; the throttle file holds hashed usernames)."""
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def new_build_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]


def read_live(p: Paths | None = None) -> LiveBuild | None:
    """The live build, or None when nothing has been built yet (or its file has gone)."""
    p = p or default_paths()
    try:
        data = json.loads(p.live_pointer.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    live = LiveBuild(**{k: data[k] for k in LiveBuild.__dataclass_fields__ if k in data})
    return live if live.file.exists() else None


def live_stamp(p: Paths | None = None) -> tuple[int, int] | None:
    """Identifies the current ``live.json`` (inode, modification time): it changes whenever a build
    goes live (the pointer is replaced, never written in place). None when there is none."""
    p = p or default_paths()
    try:
        st = p.live_pointer.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def wait_for_live_change(p: Paths, since: tuple[int, int] | None, timeout: float, poll: float = 0.05) -> bool:
    """Wait up to ``timeout`` seconds for a new live build (:func:`live_stamp` differing from
    ``since``): True as soon as one goes live, False when the time is up. One ``stat`` per ``poll``."""
    deadline = time.monotonic() + timeout
    while True:
        if live_stamp(p) != since:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(poll, left))


def set_live(build: LiveBuild, p: Paths | None = None) -> None:
    p = (p or default_paths()).ensure()
    atomic_write_bytes(p.live_pointer, json.dumps(asdict(build), indent=2).encode())


def prune_builds(p: Paths | None = None, *, keep: int = 3, min_age_seconds: float = 600) -> list[Path]:
    """Delete old build files that are not live, keeping the newest ``keep`` and anything younger
    than ``min_age_seconds`` (a dashboard that read the previous pointer may be about to open it).
    Returns the files removed."""
    p = p or default_paths()
    live = read_live(p)
    files = sorted(p.builds_dir.glob("*.duckdb"), key=lambda f: f.stat().st_mtime, reverse=True)
    now = time.time()
    removed = []
    for f in files[keep:]:
        if live and f.resolve() == live.file.resolve():
            continue
        if now - f.stat().st_mtime < min_age_seconds:
            continue
        for g in (f, f.with_suffix(".duckdb.wal")):
            with contextlib.suppress(FileNotFoundError):
                g.unlink()
        removed.append(f)
    return removed


def live_problem(p: Paths | None = None) -> str | None:
    """Why the build ``live.json`` names cannot be used (its file gone, truncated or damaged), or
    None when it is fine or nothing has been built yet. The next good build replaces it."""
    p = p or default_paths()
    try:
        data = json.loads(p.live_pointer.read_text())
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        return f"live.json is not readable JSON ({exc.msg})"
    path = Path(data.get("path", ""))
    if not path.is_file():
        return f"the live build file {path.name or '(none)'} is missing"
    size, expected = path.stat().st_size, int(data.get("size") or 0)
    if expected and size != expected:
        return f"the live build file {path.name} is damaged ({size:,} bytes, not the {expected:,} it was built with)"
    damage = check_build_file(path)
    return f"the live build file {path.name} is damaged ({damage})" if damage else None


def check_build_file(path: Path) -> str | None:
    """Why a build file cannot be read (truncated, not a DuckDB file, no build_info), or None when
    it opens and answers. A few milliseconds; used before a build is copied as the base of an
    events-only build, and by ``iroqa status`` and the pages."""
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to open is the answer
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}"
    try:
        con.execute("select count(*) from build_info").fetchall()
        con.execute("select count(*) from fct_challenges").fetchall()
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}"
    finally:
        con.close()
    return None


class NoLiveBuild(RuntimeError):
    """Nothing has been built yet."""


def connect_read_only(build: LiveBuild):
    """A read-only DuckDB connection to one build file. Many processes may hold these at once;
    builds never write to a file once it is live, so readers never block anyone."""
    import duckdb

    return duckdb.connect(str(build.file), read_only=True)


def connect_live(p: Paths | None = None):
    """(live build, read-only connection) for the build the pointer names."""
    live = read_live(p)
    if live is None:
        raise NoLiveBuild(
            "No warehouse build is live yet: run `iroqa ingest PATH` then `iroqa build` (or `make run`)."
        )
    return live, connect_read_only(live)

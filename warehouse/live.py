"""Live within seconds: after a save, a marts build starts in the background, single-flight and
debounced, so the new event shows on every page without anyone pressing anything.

How (docs/adr/0002-write-back-and-live-builds.md):

* :func:`request_build` (called by the form after :func:`warehouse.events.write_event` returns)
  replaces the request marker ``rebuild.request`` with a new token, then tries the rebuilder's own
  lock ``rebuild.lock`` (an ``flock``, separate from the ingest/build lock) without waiting. If a
  rebuilder holds it, that rebuilder will see the new token: return. Otherwise it starts a detached
  rebuilder (``python -m warehouse.rebuilder``) and hands it the locked descriptor, so the lock is
  held without a gap from this moment until the rebuilder exits. It never waits for anything but
  two small file operations and a ``fork``/``exec``: a few milliseconds.
* The rebuilder loops: read the token; if it differs from the last one built, run the build
  (:func:`warehouse.build.build`, which waits for the warehouse lock if ingest holds it and makes
  the result live only if it passes); repeat until the token it built is the newest. Saves during a
  build change the token once or many times: either way, one more build follows.
* When the newest request is built it stays, still holding its lock, for ``LINGER_SECONDS``
  (default 15 minutes), checking for a new token every ``POLL_SECONDS``: dbt stays loaded and the
  project parsed (:class:`warehouse.build.WarmDbt`), so the next save's build starts at once.
  :func:`prepare_rebuilder` (the log page, when it opens) starts one with nothing to build so
  that even the first save finds it warm.
* Before exiting it records ``idle``, releases its lock, then reads the token once more: a request
  that arrived between its last check and the release found the lock held and returned, so the
  rebuilder takes the lock back and carries on. No request is ever lost.
* A failed build is retried at most :data:`MAX_ATTEMPTS` times, each after an exponential back-off
  (``BACKOFF_BASE`` doubling up to ``BACKOFF_MAX`` seconds) that also delays the next request's
  build while failures continue, so a broken model never makes it spin.

State under the warehouse home: ``rebuild.lock``, ``rebuild.request`` (JSON: token, requested_at,
as_at), ``rebuild.json`` (status, written only by the lock holder), ``logs/rebuilder.log``.
Nothing but the rebuilder takes ``rebuild.lock``: :func:`rebuild_status` reads files only.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import logging
import os
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from warehouse import settings
from warehouse.settings import Paths

log = logging.getLogger(__name__)

#: ``module:function`` to build with; tests point it at a fake so they need no dbt.
BUILD_FUNC_ENV = "IROQA_REBUILD_FUNC"
DEFAULT_BUILD_FUNC = "warehouse.build:live_build"  # models + data tests, no unit tests (ADR 0002)
MAX_ATTEMPTS = int(os.environ.get("IROQA_REBUILD_MAX_ATTEMPTS", "3"))  # per request token
BACKOFF_BASE = float(os.environ.get("IROQA_REBUILD_BACKOFF_BASE", "5"))  # seconds
BACKOFF_MAX = float(os.environ.get("IROQA_REBUILD_BACKOFF_MAX", "300"))  # seconds
SETTLE_SECONDS = float(os.environ.get("IROQA_REBUILD_SETTLE", "0.2"))  # gather a burst of saves
#: After its last build the rebuilder stays, warm (dbt imported, the project parsed), for this long,
#: watching for the next request every ``POLL_SECONDS``; then it exits.
LINGER_SECONDS = float(os.environ.get("IROQA_REBUILD_LINGER", "900"))
POLL_SECONDS = 0.05
#: How often an open dashboard page asks for a new build (dashboard/live_watch.py: ``/api/live``,
#: about 1.7 ms of server CPU an answer; a hidden tab asks every ``HIDDEN_CHECK_EVERY``-th time).
PAGE_CHECK_SECONDS = 0.5
HIDDEN_CHECK_EVERY = 10
#: Without the route (``streamlit run dashboard/app.py``), the fragment that reruns on the server
#: to look (dashboard/app.py): 0.07 s of CPU a run, so not as often.
FRAGMENT_CHECK_SECONDS = 1.0
LOG_ROTATE_BYTES = 5_000_000


def lock_path(p: Paths) -> Path:
    return p.home / "rebuild.lock"


def request_path(p: Paths) -> Path:
    return p.home / "rebuild.request"


def status_path(p: Paths) -> Path:
    return p.home / "rebuild.json"


def log_path(p: Paths) -> Path:
    return p.logs_dir / "rebuilder.log"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _write_json(path: Path, data: dict[str, Any], *, durable: bool = False) -> None:
    """Replace ``path`` atomically (readers see the old or the new content, never half)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w") as fh:
        json.dump(data, fh, indent=1)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


# --------------------------------------------------------------------------------------------------
# The request side: called by the form, must never block it
# --------------------------------------------------------------------------------------------------

_children: list[subprocess.Popen] = []  # rebuilders this process started, reaped on the next call


def request_build(p: Paths | None = None, *, as_at: date | None = None) -> None:
    """Ask for a marts build that includes everything saved so far; return at once.

    Single-flight and debounced: if a rebuilder is running it will build again after its current
    build (once, however many requests arrive); otherwise a detached rebuilder is started.
    ``as_at`` is the date overdue flags are computed at (default: today, when the build runs).
    Never raises: a failure to start a rebuilder is logged and shows in :func:`rebuild_status`.
    """
    try:
        _request_build(p or settings.paths(), as_at)
    except Exception:  # the save has already succeeded; a missed rebuild must not look like a failed save
        log.exception("could not request a warehouse rebuild")


def _request_build(p: Paths, as_at: date | None) -> None:
    for child in list(_children):
        if child.poll() is not None:
            _children.remove(child)
    p.home.mkdir(parents=True, exist_ok=True)
    _write_json(
        request_path(p),
        {"token": uuid.uuid4().hex, "requested_at": _now(), "as_at": as_at.isoformat() if as_at else None},
    )
    fd = os.open(lock_path(p), os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by other children
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # a rebuilder holds it and will read the new token before it exits
        _spawn(p, fd)
    finally:
        os.close(fd)  # the child keeps its own copy of the descriptor, and so the lock


def prepare_rebuilder(p: Paths | None = None) -> None:
    """Start a rebuilder with nothing to build, if none is running, so that dbt is loaded and the
    project parsed before the first save (the log page calls this when it opens). Never raises,
    returns at once, and starts at most one process per warehouse home. ``IROQA_REBUILD_PREPARE=0``
    turns it off (the test suite does, but where a test serves the app as a user would)."""
    if os.environ.get("IROQA_REBUILD_PREPARE", "1") == "0":
        return
    try:
        p = p or settings.paths()
        p.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(p), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # one is running (building or waiting, warm)
            _spawn(p, fd)
        finally:
            os.close(fd)
    except Exception:
        log.exception("could not start a rebuilder in advance")


def _spawn(p: Paths, fd: int) -> None:
    p.logs_dir.mkdir(parents=True, exist_ok=True)
    logfile = log_path(p)
    with contextlib.suppress(FileNotFoundError):
        if logfile.stat().st_size > LOG_ROTATE_BYTES:  # we hold the lock: no rebuilder is writing it
            os.replace(logfile, logfile.with_suffix(".log.1"))
    env = dict(os.environ, IROQA_HOME=str(p.home))
    with open(logfile, "ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "warehouse.rebuilder", "--home", str(p.home), "--lock-fd", str(fd)],
            pass_fds=(fd,),
            start_new_session=True,  # survives the form's process group (Ctrl-C, server restart)
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=settings.REPO_ROOT,
            env=env,
        )
    _children.append(child)


# --------------------------------------------------------------------------------------------------
# Status, for the dashboard
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildStatus:
    running: bool  # a rebuilder process is alive and working
    state: str  # idle | starting | warming | building | backing_off | stopped (died mid-work)
    pending: bool  # a request has not been built yet (being built, waiting, or lost to a dead rebuilder)
    pid: int | None
    requested_at: str | None
    last_success_at: str | None
    last_build_id: str | None
    last_duration_s: float | None
    last_failure_at: str | None
    last_error: str | None
    consecutive_failures: int
    next_attempt_at: str | None  # when backing off after failures
    log: Path


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():  # guard against a recycled pid
        with contextlib.suppress(OSError):
            return b"warehouse.rebuilder" in cmdline.read_bytes()
    return True


def rebuild_status(p: Paths | None = None) -> RebuildStatus:
    """The background rebuilder's state, from its files (never takes a lock)."""
    p = p or settings.paths()
    s = _read_json(status_path(p))
    req = _read_json(request_path(p))
    state = s.get("state", "idle")
    running = state != "idle" and _alive(s.get("pid"))
    if state != "idle" and not running:
        state = "stopped"
    return RebuildStatus(
        running=running,
        state=state,
        pending=bool(req.get("token")) and req.get("token") != s.get("built_token"),
        pid=s.get("pid") if running else None,
        requested_at=req.get("requested_at"),
        last_success_at=s.get("last_success_at"),
        last_build_id=s.get("last_build_id"),
        last_duration_s=s.get("last_duration_s"),
        last_failure_at=s.get("last_failure_at"),
        last_error=s.get("last_error"),
        consecutive_failures=int(s.get("consecutive_failures", 0)),
        next_attempt_at=s.get("next_attempt_at") if state == "backing_off" else None,
        log=log_path(p),
    )


# --------------------------------------------------------------------------------------------------
# The rebuilder: one detached process per warehouse home at a time
# --------------------------------------------------------------------------------------------------


def _build_func() -> Callable[..., Any]:
    module, _, attr = os.environ.get(BUILD_FUNC_ENV, DEFAULT_BUILD_FUNC).partition(":")
    return getattr(importlib.import_module(module), attr)


def _build_hook(name: str) -> Callable[..., Any] | None:
    """An optional function beside the build function: ``warm_up(p)`` (prepare, before any request)
    and ``rebuilder_should_retire()`` (hand over to a fresh process). The real build has both."""
    module = os.environ.get(BUILD_FUNC_ENV, DEFAULT_BUILD_FUNC).partition(":")[0]
    return getattr(importlib.import_module(module), name, None)


def backoff_seconds(consecutive_failures: int) -> float:
    """How long to wait before the next attempt after this many failures in a row."""
    if consecutive_failures <= 0:
        return 0.0
    return min(BACKOFF_BASE * 2 ** (consecutive_failures - 1), BACKOFF_MAX)


def _say(message: str) -> None:
    print(f"{_now()} [pid {os.getpid()}] {message}", flush=True)


def _try_lock(p: Paths, wait: float = 0.0) -> int | None:
    fd = os.open(lock_path(p), os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                return None
            time.sleep(0.05)


class _Rebuilder:
    def __init__(self, p: Paths, build: Callable[..., Any]):
        self.p = p
        self.build = build
        self.status = _read_json(status_path(p))

    def save(self, **changes: Any) -> None:
        self.status.update(changes, pid=os.getpid(), updated_at=_now())
        _write_json(status_path(self.p), self.status)

    def run_while_requested(self) -> None:
        """Build until the newest request has been built (or has failed MAX_ATTEMPTS times)."""
        attempts: dict[str, int] = {}
        while True:
            req = _read_json(request_path(self.p))
            token = req.get("token")
            if not token or token == self.status.get("built_token"):
                return
            wait = self._backoff_remaining()
            if wait > 0:
                until = datetime.fromtimestamp(time.time() + wait, UTC).isoformat(timespec="seconds")
                self.save(state="backing_off", next_attempt_at=until)
                _say(f"backing off {wait:.1f}s after {self.status.get('consecutive_failures')} failure(s)")
                time.sleep(wait)
                continue  # re-read: requests that arrived meanwhile are folded into one build
            attempts[token] = attempts.get(token, 0) + 1
            self._build_once(token, req)
            if self.status.get("last_outcome") == "success" or attempts[token] >= MAX_ATTEMPTS:
                self.save(built_token=token)

    def month_end_snapshot(self) -> None:
        """Once the requested builds are live and none is waiting: the month-end snapshot of the
        month before the live as-at date, if it has none (warehouse/snapshots.py). A full build in a
        dbt process of its own, once a month; a save meanwhile waits for the warehouse lock."""
        if self.pending_token():
            return
        try:
            from warehouse.snapshots import make_due

            made = make_due(self.p)
            if made is not None:
                _say(f"month-end snapshot {made.live.as_at} made in {made.seconds:.1f}s")
        except Exception:
            _say(f"month-end snapshot failed (tried again after the next build):\n{traceback.format_exc()}")

    def pending_token(self) -> str | None:
        token = _read_json(request_path(self.p)).get("token")
        return token if token and token != self.status.get("built_token") else None

    def wait_for_request(self) -> bool:
        """Stay, warm and holding the single-flight lock, until a new request arrives (True) or
        ``LINGER_SECONDS`` pass, the warehouse home goes, or the build asks to retire (False).
        Requests meanwhile find the lock held and leave the work to us, as during a build."""
        retire = _build_hook("rebuilder_should_retire")
        if LINGER_SECONDS <= 0 or (retire is not None and retire()):
            return False
        deadline = time.monotonic() + LINGER_SECONDS
        self.save(
            state="idle",
            waiting_until=datetime.fromtimestamp(time.time() + LINGER_SECONDS, UTC).isoformat(
                timespec="seconds"
            ),
        )
        while time.monotonic() < deadline:
            if self.pending_token():
                return True
            if not self.p.home.is_dir():
                return False
            time.sleep(POLL_SECONDS)
        return False

    def _backoff_remaining(self) -> float:
        failures = int(self.status.get("consecutive_failures", 0))
        last = self.status.get("last_failure_epoch")
        if not failures or last is None:
            return 0.0
        return max(0.0, float(last) + backoff_seconds(failures) - time.time())

    def _build_once(self, token: str, req: dict[str, Any]) -> None:
        from warehouse.events import ensure_events_readable, sweep_temp_files

        as_at = date.fromisoformat(req["as_at"]) if req.get("as_at") else None
        self.save(
            state="building",
            building_since=_now(),
            building_token=token,
            requested_at=req.get("requested_at"),
        )
        _say(f"building (request {token[:8]}, as at {as_at or 'today'})")
        started = time.monotonic()
        try:
            ensure_events_readable(self.p)
            sweep_temp_files(self.p)
            result = self.build(as_at=as_at, p=self.p)
        except Exception as exc:  # BuildError, LockTimeout, anything: logged, never live
            failures = int(self.status.get("consecutive_failures", 0)) + 1
            _say(f"build failed ({failures} in a row):\n{traceback.format_exc()}")
            self.save(
                state="failed",
                last_outcome="failure",
                last_failure_at=_now(),
                last_failure_epoch=time.time(),
                last_error=str(exc)[:4000],
                consecutive_failures=failures,
            )
            return
        seconds = round(time.monotonic() - started, 2)
        build_id = getattr(getattr(result, "live", None), "build_id", None)
        _say(f"build {build_id} is live ({seconds}s)")
        self.save(
            state="built",
            last_outcome="success",
            last_success_at=_now(),
            last_build_id=build_id,
            last_duration_s=seconds,
            consecutive_failures=0,
            last_error=None,
        )


def run_rebuilder(p: Paths, lock_fd: int | None = None) -> int:
    """The rebuilder process's main loop (``python -m warehouse.rebuilder``). ``lock_fd`` is the
    descriptor of ``rebuild.lock`` already locked by :func:`request_build`; without it the lock is
    taken here, and if another rebuilder holds it this one exits at once (it will do the work)."""
    if lock_fd is None:
        lock_fd = _try_lock(p)
        if lock_fd is None:
            _say("another rebuilder is running; nothing to do")
            return 0
    rebuilder = _Rebuilder(p, _build_func())
    rebuilder.save(state="starting", started_at=_now())
    _say("rebuilder started")
    warm_up = _build_hook("warm_up")
    if warm_up is not None and rebuilder.pending_token() is None:
        rebuilder.save(state="warming")  # alive, not building: pages do not say "Updating"
        started = time.monotonic()
        try:
            warm_up(p)  # nothing to build yet: load dbt and parse now, not on the first save
            _say(f"warmed up in {time.monotonic() - started:.1f}s")
        except Exception:
            _say(f"warming up failed (the first build will try again):\n{traceback.format_exc()}")
    elif SETTLE_SECONDS > 0:
        time.sleep(SETTLE_SECONDS)
    while True:
        try:
            rebuilder.run_while_requested()
            rebuilder.month_end_snapshot()
            while rebuilder.wait_for_request():
                if SETTLE_SECONDS > 0:
                    time.sleep(SETTLE_SECONDS)
                rebuilder.run_while_requested()
                rebuilder.month_end_snapshot()
        finally:
            rebuilder.save(state="idle")
            os.close(lock_fd)  # releases the single-flight lock
        # A request that arrived after our last check saw the lock held and left it to us.
        if _read_json(request_path(p)).get("token") == rebuilder.status.get("built_token"):
            _say("up to date; exiting")
            return 0
        lock_fd = _try_lock(p, wait=1.0)
        if lock_fd is None:  # someone else has it now: they will build it
            _say("a newer rebuilder took over; exiting")
            return 0
        rebuilder.status = _read_json(status_path(p))
        rebuilder.save(state="starting")

"""Month-end snapshots: the marts as at the last day of a closed month, kept for good.

A snapshot is an ordinary build (:func:`warehouse.build.build`, the same path as
``iroqa build --as-at``) whose passing file is renamed to ``snapshots/YYYY-MM.duckdb`` instead of
being made live, with its :class:`~warehouse.store.LiveBuild` record beside it in
``snapshots/YYYY-MM.json`` (``mode`` "snapshot"). The file is written once and never again, so
readers open it read-only like any build. Pruning (:func:`warehouse.store.prune_builds`) looks only
in ``builds/``: snapshots are never pruned; one is replaced only by ``iroqa snapshot --month M
--replace``, and removed only by hand (docs/adr/0002, "Month-end snapshots").

Made on demand (``iroqa snapshot --month 2026-09``) for any closed month, and automatically after a
live build when the month before the live build's as-at date has none (:func:`make_due`), once the
new live build is already live, so the live build is never delayed by it.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import logging
import re
from dataclasses import asdict
from datetime import date
from pathlib import Path

from warehouse import settings
from warehouse.settings import Paths
from warehouse.store import LiveBuild, atomic_write_bytes

logger = logging.getLogger(__name__)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class SnapshotError(ValueError):
    """A month that cannot have a snapshot (malformed, not yet closed), said plainly."""


def snapshots_dir(p: Paths) -> Path:
    return p.home / "snapshots"


def parse_month(value: str) -> str:
    """``YYYY-MM`` checked (a real month), or :class:`SnapshotError` saying what is wrong."""
    m = _MONTH.match((value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise SnapshotError(f"{value!r} is not a month: write it as YYYY-MM, e.g. 2026-09")
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def month_end(month: str) -> date:
    """The last day of ``YYYY-MM``."""
    year, mon = (int(x) for x in parse_month(month).split("-"))
    return date(year, mon, calendar.monthrange(year, mon)[1])


def previous_month(d: date) -> str:
    """The month before the one ``d`` is in, as ``YYYY-MM``."""
    return f"{d.year - 1:04d}-12" if d.month == 1 else f"{d.year:04d}-{d.month - 1:02d}"


def _record(p: Paths, month: str) -> Path:
    return snapshots_dir(p) / f"{month}.json"


def read_snapshot(month: str, p: Paths | None = None) -> LiveBuild | None:
    """The snapshot of ``YYYY-MM``, or None when there is none (or its file has gone)."""
    p = p or settings.paths()
    try:
        month = parse_month(month)
        data = json.loads(_record(p, month).read_text())
    except (SnapshotError, FileNotFoundError, json.JSONDecodeError):
        return None
    snap = LiveBuild(**{k: data[k] for k in LiveBuild.__dataclass_fields__ if k in data})
    return snap if snap.file.is_file() else None


def list_snapshots(p: Paths | None = None) -> list[LiveBuild]:
    """Every usable snapshot, newest month first."""
    p = p or settings.paths()
    months = sorted((f.stem for f in snapshots_dir(p).glob("*.json") if _MONTH.match(f.stem)), reverse=True)
    return [s for s in (read_snapshot(m, p) for m in months) if s is not None]


def snapshot_month(build: LiveBuild) -> str | None:
    """``YYYY-MM`` when ``build`` is a month-end snapshot, else None."""
    return build.as_at[:7] if build.mode == "snapshot" else None


def make_snapshot(
    month: str,
    *,
    p: Paths | None = None,
    protocol: str | None = None,
    replace: bool = False,
    today: date | None = None,
    lock_timeout: float | None = None,
):
    """Build the marts as at the last day of ``month`` into its snapshot file (not live).

    Only a closed month (its last day before ``today``) has a snapshot. An existing snapshot is
    kept unless ``replace``. Returns the :class:`~warehouse.build.BuildResult`; raises
    :class:`SnapshotError` for a month that cannot have one, ``BuildError`` if the build fails (no
    snapshot file is then written or changed)."""
    from warehouse.build import build

    p = (p or settings.paths()).ensure()
    month = parse_month(month)
    end = month_end(month)
    today = today or date.today()
    if end >= today:
        raise SnapshotError(
            f"{month} has not closed yet (its last day is {end.isoformat()}): a snapshot is of a past month end"
        )
    if not replace and read_snapshot(month, p) is not None:
        raise SnapshotError(f"{month} already has a snapshot; pass --replace to build it again")
    folder = snapshots_dir(p)
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"{month}.duckdb"
    staging = folder / f".{month}.building.duckdb"
    result = build(as_at=end, protocol=protocol, p=p, into=staging, lock_timeout=lock_timeout)
    staging.replace(target)  # a reader of an old snapshot keeps its inode
    snap = LiveBuild(**{**asdict(result.live), "path": str(target)})
    atomic_write_bytes(_record(p, month), json.dumps(asdict(snap), indent=2).encode())
    return result.__class__(live=snap, seconds=result.seconds, log=result.log, mode="snapshot")


def automatic() -> bool:
    """Whether builds make the due month-end snapshot themselves (``IROQA_AUTO_SNAPSHOTS``, on
    unless set to 0; the test suite turns it off so its many builds are not doubled)."""
    import os

    return os.environ.get("IROQA_AUTO_SNAPSHOTS", "1").strip().lower() not in ("0", "false", "no", "off")


def make_due(p: Paths | None = None, *, as_at: date | None = None):
    """After a live build: the snapshot of the month before the live as-at date, if it has none.
    Returns the BuildResult, or None when there was nothing to do. Never raises: a failed snapshot
    is logged and tried again after the next build."""
    from warehouse.build import BuildError
    from warehouse.store import read_live

    p = p or settings.paths()
    if not automatic():
        return None
    if as_at is None:
        live = read_live(p)
        if live is None:
            return None
        as_at = date.fromisoformat(live.as_at)
    month = previous_month(as_at)
    if read_snapshot(month, p) is not None:
        return None
    try:
        return make_snapshot(month, p=p, today=max(as_at, date.today()))
    except (SnapshotError, BuildError) as exc:
        logger.warning("month-end snapshot of %s not made: %s", month, exc)
        with contextlib.suppress(FileNotFoundError):
            (snapshots_dir(p) / f".{month}.building.duckdb").unlink()
        return None

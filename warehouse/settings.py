"""Where the warehouse lives. One setting, ``IROQA_HOME``, decides every path.

Layout under the home folder::

    raw.duckdb          raw store, written only by ingest (dbt attaches it read-only)
    events/             write-back events from the app, one immutable Parquet file each
    events/.tmp/        where an event is written and fsynced before its atomic rename
    builds/<id>.duckdb  marts builds (blue/green); only the one named by live.json is live
    live.json           the pointer to the live build, replaced atomically
    lock                one lock file serialising ingest and builds
    logs/               build logs
    tmp/                where a build's DuckDB spills what does not fit in its memory limit
    reports/            ingest rejection reports (CSV)
    outbox.sqlite       notifications owed and sent (notify/, ADR 0004), written by the notifier only
    notify.lock         the notifier's single-writer lock
    mailsink/           what the local SMTP sink of make run received (.eml)
    auth/               the pseudonym key, users.json, the audit log

Everything in it is created owner-only (0600 files, 0700 folders): naming a home (``Paths``) sets
the process's umask to 077 (:func:`private_umask`), and ``Paths.ensure`` tightens its folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEFAULT_HOME = REPO_ROOT / "warehouse" / "data"


@dataclass(frozen=True)
class Paths:
    home: Path

    def __post_init__(self) -> None:
        private_umask()  # whoever names a warehouse home creates only owner-only files in it

    @property
    def raw_db(self) -> Path:
        return self.home / "raw.duckdb"

    @property
    def events_dir(self) -> Path:
        return self.home / "events"

    @property
    def events_tmp_dir(self) -> Path:
        return self.home / "events" / ".tmp"

    @property
    def builds_dir(self) -> Path:
        return self.home / "builds"

    @property
    def live_pointer(self) -> Path:
        return self.home / "live.json"

    @property
    def lock_file(self) -> Path:
        return self.home / "lock"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def tmp_dir(self) -> Path:
        """Where a build's DuckDB spills (profiles.yml ``temp_directory``, IROQA_BUILD_TMP)."""
        return self.home / "tmp"

    @property
    def demo_dir(self) -> Path:
        return self.home / "demo_extracts"

    def ensure(self) -> Paths:
        """Create the folders, owner-only (0700), and make this process create owner-only files
        (:func:`private_umask`): everything under the home is 0600/0700 (issue 10)."""
        private_umask()
        for d in (
            self.home,
            self.events_dir,
            self.events_tmp_dir,
            self.builds_dir,
            self.logs_dir,
            self.reports_dir,
            self.tmp_dir,
        ):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            if d.stat().st_mode & 0o077:
                d.chmod(0o700)
        return self


def private_umask() -> None:
    """Make every file and folder this process (and the dbt or rebuilder processes it starts)
    creates owner-only: umask 077, so 0600 files and 0700 folders, whatever creates them (DuckDB,
    polars, dbt, Python). The warehouse holds children's data and the pseudonym key; nothing in it
    is for other users of the machine."""
    current = os.umask(0o077)
    os.umask(current | 0o077)


def home() -> Path:
    """The warehouse home: ``$IROQA_HOME`` or ``warehouse/data`` inside the repo (git-ignored)."""
    value = os.environ.get("IROQA_HOME")
    return Path(value).expanduser().resolve() if value else DEFAULT_HOME


def paths() -> Paths:
    return Paths(home())


def protocol() -> str:
    """The escalation protocol in force (a row of the dbt seed ``protocols``)."""
    return os.environ.get("IROQA_PROTOCOL", "leicestershire")

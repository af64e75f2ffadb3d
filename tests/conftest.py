"""Shared fixtures. Every test that needs a warehouse gets its own ``IROQA_HOME`` in a temporary
folder, so nothing touches the default warehouse and tests never see each other's data."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from warehouse import settings
from warehouse.store import LiveBuild, read_live

# A background rebuilder that a test (or a served app under test) starts waits, warm, for the next
# save for this long, then leaves (in the app: 15 minutes). Long enough for a test's next save,
# short enough that none outlives the run by much.
os.environ.setdefault("IROQA_REBUILD_LINGER", "30")
# Pages opened by AppTests in a test's own warehouse do not start a warm rebuilder each (dozens at
# once would load dbt side by side); tests/browser/server.py serves the app with it on, as users have it.
os.environ.setdefault("IROQA_REBUILD_PREPARE", "0")
# Builds do not make the due month-end snapshot themselves (it would double many tests' builds);
# tests/warehouse/test_snapshots.py turns it on where it tests it.
os.environ.setdefault("IROQA_AUTO_SNAPSHOTS", "0")

# The demo warehouse's last day and as-at date: fixed, so figures are reproducible.
DEMO_END = date(2026, 10, 30)
DEMO_SCALE = os.environ.get("IROQA_TEST_SCALE", "la")


@dataclass(frozen=True)
class Warehouse:
    home: Path
    paths: settings.Paths
    live: LiveBuild
    extracts: Path

    def query(self, sql: str, params: list | dict | None = None):
        import duckdb

        con = duckdb.connect(str(self.live.file), read_only=True)
        try:
            return con.sql(sql, params=params or None).pl()
        finally:
            con.close()


def log_again_in_app(challenge: dict, paths: settings.Paths, recorded_by: str):
    """Log an extract's challenge again in the app, as an IRO would who did not know it was there
    (``challenge``: a row of fct_challenges with child_id, raised_on, iro_worker_id, legal_status,
    route, entry_stage): the reconciliation rule (docs/marts.md) counts the two once. Returns the
    app event written (warehouse.events.AppEvent)."""
    from warehouse.events import write_event

    return write_event(
        {
            "action": "raised",
            "child_id": challenge["child_id"],
            "raised_on": challenge["raised_on"],
            "raised_by_worker_id": challenge["iro_worker_id"],
            "legal_status": challenge["legal_status"],
            "context": "lac_review",
            "route": challenge["route"],
            "entry_stage": challenge["entry_stage"],
            "themes": ["care_plan_quality"],
            "recorded_by": recorded_by,
        },
        paths,
    )


def make_warehouse(home: Path, *, scale: str, end: date, seed: int = 7) -> Warehouse:
    """demo -> ingest -> build, the way a user runs it, into ``home``."""
    from demo import generate
    from warehouse.build import build
    from warehouse.loader import ingest_paths

    p = settings.Paths(home).ensure()
    extracts = home / "extracts"
    generate(extracts, scale=scale, seed=seed, end=end)
    report = ingest_paths([extracts], profile="canonical", paths=p)
    assert report.ok, report.summary()
    build(as_at=end, p=p)
    live = read_live(p)
    assert live is not None
    return Warehouse(home=home, paths=p, live=live, extracts=extracts)


@pytest.fixture(autouse=True)
def _main_module_stays():
    """Streamlit's AppTest runs a page as ``__main__`` and can leave it there; multiprocessing's
    spawn and forkserver children then run that page's temporary script instead of starting
    (``NameError: __args``), and the multi-process tests hang. Put the real one back after each test."""
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """One demo warehouse for the whole session, live, with ``IROQA_HOME`` pointing at it."""
    home = tmp_path_factory.mktemp("demo_home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IROQA_HOME", str(home))
        yield make_warehouse(home, scale=DEMO_SCALE, end=DEMO_END)


@pytest.fixture
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> settings.Paths:
    """A warehouse home with nothing in it, set as ``IROQA_HOME`` for the test."""
    monkeypatch.setenv("IROQA_HOME", str(tmp_path / "home"))
    return settings.paths()


def clone_warehouse(src: Warehouse, home: Path) -> Warehouse:
    """A private copy of a built warehouse (raw store and live build), so a test can save events and
    run builds without changing what other tests see. Copies the raw store, the live build, the
    events and the pseudonym key (so its builds make the same case_refs): a fraction of a second."""
    import shutil
    from dataclasses import replace

    from warehouse.store import set_live

    p = settings.Paths(home).ensure()
    shutil.copy2(src.paths.raw_db, p.raw_db)
    target = p.builds_dir / src.live.file.name
    shutil.copy2(src.live.file, target)
    for f in src.paths.events_dir.glob("*.parquet"):  # the app events the live build was built from
        shutil.copy2(f, p.events_dir / f.name)
    key = src.paths.home / "auth" / "pseudonym.key"  # the key its case_refs were made with
    if key.exists():
        (p.home / "auth").mkdir(exist_ok=True)
        shutil.copy2(key, p.home / "auth" / "pseudonym.key")
    live = replace(src.live, path=str(target))
    set_live(live, p)
    return Warehouse(home=home, paths=p, live=live, extracts=src.extracts)


@pytest.fixture
def scratch_warehouse(
    demo_warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Warehouse:
    """A private copy of the demo warehouse, set as ``IROQA_HOME`` for the test."""
    w = clone_warehouse(demo_warehouse, tmp_path / "scratch_home")
    monkeypatch.setenv("IROQA_HOME", str(w.home))
    return w


#: Names as an extract could hold them, each trying a different way to be more than text: Markdown
#: (a link, an image, emphasis), HTML, Streamlit's colour and emoji directives, LaTeX, and formulas
#: a spreadsheet would run (OWASP "CSV injection").
HOSTILE_NAMES = (
    "[Click here](http://evil.example/phish)",
    "![pixel](http://evil.example/pixel.png)",
    '<a href="http://evil.example">HTML link</a><img src="http://evil.example/x.png">',
    ":red[Alarm] :material/warning: :smile:",
    "$\\frac{1}{0}$ and $x^2$",
    '=HYPERLINK("http://evil.example","Open")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "# Heading **bold** _it_ `code` www.evil.example",
)
#: A case-system child id (shown on the case timeline to roles that may see it).
HOSTILE_CHILD_ID = "[kid](http://evil.example/c)"
#: The ones that Markdown would render as something other than their text.
HOSTILE_MARKDOWN = HOSTILE_NAMES[:5] + HOSTILE_NAMES[9:]
#: The ones that a spreadsheet would run.
HOSTILE_FORMULAS = HOSTILE_NAMES[5:9]


def make_hostile_warehouse(home: Path) -> Warehouse:
    """The tiny demo with every team, service, division and worker name, every concern, note and
    reason, and one child's case-system id replaced by a hostile string (cycling through
    ``HOSTILE_NAMES``, numbered so names stay distinct), ingested and built."""
    import polars as pl

    from demo import generate
    from warehouse.build import build
    from warehouse.loader import ingest_paths

    p = settings.Paths(home).ensure()
    extracts = home / "extracts"
    generate(extracts, scale="tiny", seed=7, end=DEMO_END)

    def hostile(i: int) -> str:
        return f"{HOSTILE_NAMES[i % len(HOSTILE_NAMES)]} {i}"

    columns = {
        "teams": ("team_name", "service_name", "division_name"),
        "workers": ("worker_name",),
        "challenges": ("concern",),
        "challenge_events": ("note", "reason"),
    }
    child = pl.read_csv(extracts / "challenges.csv", infer_schema=False)["child_id"][0]
    for entity in ("teams", "workers", "children", "challenges", "challenge_events", "qa_grades"):
        f = extracts / f"{entity}.csv"
        df = pl.read_csv(f, infer_schema=False)
        for j, c in enumerate(columns.get(entity, ())):
            n = df.height
            df = df.with_columns(
                pl.when(pl.col(c).is_not_null() | pl.lit(c in ("note",)))
                .then(pl.Series([hostile(i + 7 * j) for i in range(n)]))
                .otherwise(pl.col(c))
                .alias(c)
            )
        if "child_id" in df.columns:
            df = df.with_columns(
                pl.when(pl.col("child_id") == child)
                .then(pl.lit(HOSTILE_CHILD_ID))
                .otherwise(pl.col("child_id"))
                .alias("child_id")
            )
        df.write_csv(f)
    report = ingest_paths([extracts], profile="canonical", paths=p)
    assert report.ok, report.summary()
    build(as_at=DEMO_END, p=p)
    live = read_live(p)
    assert live is not None
    return Warehouse(home=home, paths=p, live=live, extracts=extracts)


@pytest.fixture(scope="session")
def hostile_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A built warehouse whose names, notes, reasons and one child id are hostile (see
    :func:`make_hostile_warehouse`). Tests that open pages on it set ``IROQA_HOME`` themselves.
    ``IROQA_TEST_HOSTILE_WAREHOUSE`` (a home folder made by it) reuses one while iterating; never set
    in CI."""
    reuse = os.environ.get("IROQA_TEST_HOSTILE_WAREHOUSE")
    if reuse:
        p = settings.Paths(Path(reuse))
        live = read_live(p)
        assert live is not None, f"no live build in {reuse}"
        return Warehouse(home=p.home, paths=p, live=live, extracts=p.home / "extracts")
    return make_hostile_warehouse(tmp_path_factory.mktemp("hostile_home"))


#: The closed month the month-end snapshot tests snapshot (DEMO_END is in the month after).
SNAPSHOT_MONTH = "2026-09"


@dataclass
class SnapshotWarehouse:
    warehouse: Warehouse
    cli: object  # the subprocess.CompletedProcess of `iroqa snapshot --month SNAPSHOT_MONTH`
    snapshot: LiveBuild


@pytest.fixture(scope="session")
def snapshot_warehouse(
    demo_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> SnapshotWarehouse:
    """A copy of the demo warehouse with a month-end snapshot of SNAPSHOT_MONTH, made the way a
    user makes one (`iroqa snapshot --month`, a process of its own). Its live build is the demo's."""
    import subprocess

    from warehouse.snapshots import read_snapshot

    w = clone_warehouse(demo_warehouse, tmp_path_factory.mktemp("snapshot_home"))
    env = dict(os.environ, IROQA_HOME=str(w.home))
    cli = subprocess.run(
        [sys.executable, "-m", "cli", "snapshot", "--month", SNAPSHOT_MONTH],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    snap = read_snapshot(SNAPSHOT_MONTH, w.paths)
    assert snap is not None
    return SnapshotWarehouse(warehouse=w, cli=cli, snapshot=snap)

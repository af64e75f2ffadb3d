"""Fixtures for the ingest tests. Every test gets its own warehouse home (IROQA_HOME under
tmp_path), so nothing touches the default warehouse."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ingest import schema
from ingest.parse import prepare
from ingest.profiles import load_profile
from ingest.readers import read_csv
from ingest.rules import BY_CODE, RuleContext
from ingest.themes import theme_codes
from warehouse.settings import Paths

EXAMPLES = Path(__file__).resolve().parents[2] / "ingest" / "examples"
LOAD_DATE = date(2024, 6, 30)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Paths:
    h = tmp_path / "home"
    monkeypatch.setenv("IROQA_HOME", str(h))
    return Paths(h)


def csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    columns = columns or list(rows[0])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


def write_csv(folder: Path, name: str, rows: list[dict], columns: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(csv_text(rows, columns), encoding="utf-8")
    return path


def example_rows(entity: str) -> list[dict]:
    """The canonical example rows of an entity, as dicts of text."""
    with open(EXAMPLES / "canonical" / f"{entity}.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def make_context(
    entity: str,
    rows: list[dict] | str,
    *,
    profile: str = "canonical",
    lookup: dict[str, pl.DataFrame] | None = None,
    load_date: date = LOAD_DATE,
    file_name: str | None = None,
) -> RuleContext:
    """A RuleContext for rows of an entity (dicts, or CSV text), prepared as the loader does."""
    prof = load_profile(profile)
    text = rows if isinstance(rows, str) else csv_text(rows)
    table = read_csv(text.encode("utf-8"), file_name or f"{entity}.csv")
    ent = schema.ENTITIES[entity]
    hm = prof.map_headers(entity, table.headers)
    ctx = RuleContext(
        file_name=file_name or f"{entity}.csv",
        profile=prof,
        load_date=load_date,
        entity=ent,
        headers=table.headers,
        header_map=hm,
        rows=table.data.height,
        ragged_rows=table.ragged_rows,
        themes=theme_codes(),
        expected=prof.expected_names(),
    )
    if lookup is not None:

        def _lookup(name: str, columns: tuple[str, ...] = ()) -> pl.DataFrame:
            return lookup[name]

        ctx.lookup = _lookup
    if (
        not hm.conflicts
        and ent.required_columns
        and all(c in hm.present() or c in prof.entities[entity].defaults for c in ent.required_columns)
    ):
        prepared = prepare(table, ent, hm, prof)
        ctx.text, ctx.typed = prepared.text, prepared.typed
    return ctx


@pytest.fixture
def ctx_for() -> Callable[..., RuleContext]:
    return make_context


@pytest.fixture
def run_rule() -> Callable[[str, RuleContext], pl.DataFrame]:
    def _run(code: str, ctx: RuleContext) -> pl.DataFrame:
        return BY_CODE[code].check(ctx)

    return _run


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def rows_of() -> Callable[[str], list[dict]]:
    """rows_of("challenges") -> the canonical example rows, as dicts of text, to modify."""
    return example_rows

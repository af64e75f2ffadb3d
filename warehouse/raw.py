"""The raw store's tables, created from ingest/schema.py, and the few queries ingest makes of them.

Every raw table has the entity's columns, typed (text/code/codes VARCHAR, date DATE, timestamp
TIMESTAMP, int INTEGER, bool BOOLEAN), then the lineage columns ``_load_id``, ``_source_file`` and
``_source_row``. Raw is append-only: a key may appear in many loads; dbt staging keeps the latest
``_load_id`` per key. Within one load (one file) a key appears at most once (rule R011).

SQL here is built only from identifiers in schema.py (entity and column names), always quoted;
data goes in through Arrow or as parameters, never into SQL text.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ingest import schema

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "codes": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "int": "INTEGER",
    "bool": "BOOLEAN",
}
POLARS_TYPES = {
    "text": pl.String,
    "code": pl.String,
    "codes": pl.String,
    "date": pl.Date,
    "timestamp": pl.Datetime("us"),
    "int": pl.Int32,
    "bool": pl.Boolean,
}
LINEAGE = (("_load_id", "VARCHAR"), ("_source_file", "VARCHAR"), ("_source_row", "BIGINT"))

LOAD_LOG = (
    ("load_id", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("file_path", "VARCHAR"),
    ("sheet_name", "VARCHAR"),
    ("content_sha256", "VARCHAR"),
    ("entity", "VARCHAR"),
    ("profile", "VARCHAR"),
    ("rows_read", "BIGINT"),
    ("rows_accepted", "BIGINT"),
    ("rows_rejected", "BIGINT"),
    ("status", "VARCHAR"),  # loaded | duplicate | rejected
    ("message", "VARCHAR"),
    ("loaded_at", "TIMESTAMP"),  # UTC
)
REJECTED_ROWS = (
    ("load_id", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("row_number", "BIGINT"),  # null for a file-level rejection
    ("column_name", "VARCHAR"),
    ("rule_code", "VARCHAR"),
    ("message", "VARCHAR"),
    ("raw_record", "VARCHAR"),  # the row as read, JSON object keyed by the file's own headers
)


def q(identifier: str) -> str:
    """Quote an identifier from schema.py (never data)."""
    return '"' + identifier.replace('"', '""') + '"'


def entity_columns(entity: schema.Entity) -> list[tuple[str, str]]:
    return [(c.name, DUCKDB_TYPES[c.type]) for c in entity.columns] + list(LINEAGE)


def _ensure(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[tuple[str, str]] | tuple,
    have: dict[str, set[str]],
) -> None:
    if table not in have:
        cols = ", ".join(f"{q(n)} {t}" for n, t in columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS {q(table)} ({cols})")
        return
    for n, t in columns:  # a column added to schema.py later: add it (null in older loads)
        if n not in have[table]:
            con.execute(f"ALTER TABLE {q(table)} ADD COLUMN {q(n)} {t}")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables, load_log and rejected_rows if missing; add columns new in schema.py."""
    con.begin()
    try:
        have: dict[str, set[str]] = {}
        for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = current_database() AND table_schema = 'main'"
        ).fetchall():
            have.setdefault(table, set()).add(column)
        for name in schema.LOAD_ORDER:
            _ensure(con, name, entity_columns(schema.ENTITIES[name]), have)
        _ensure(con, "load_log", LOAD_LOG, have)
        _ensure(con, "rejected_rows", REJECTED_ROWS, have)
        con.commit()
    except Exception:
        con.rollback()
        raise


def max_load_id(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT max(load_id) FROM load_log").fetchone()
    return row[0] if row else None


def previous_load(con: duckdb.DuckDBPyConnection, sha: str, entity: str, sheet: str | None) -> tuple | None:
    """(load_id, loaded_at, file_name) of an earlier successful load of the same content, or None."""
    return con.execute(
        "SELECT load_id, loaded_at, file_name FROM load_log WHERE status = 'loaded' AND content_sha256 = ? "
        "AND entity = ? AND coalesce(sheet_name, '') = coalesce(?, '') ORDER BY load_id LIMIT 1",
        [sha, entity, sheet],
    ).fetchone()


def latest(con: duckdb.DuckDBPyConnection, entity: str, columns: tuple[str, ...] = ()) -> pl.DataFrame:
    """The latest loaded row per key of ``entity``: its key columns and ``columns``."""
    ent = schema.ENTITIES[entity]
    key = ", ".join(q(k) for k in ent.key)
    extra = [c for c in columns if c not in ent.key]
    if not extra:
        sql = f"SELECT DISTINCT {key} FROM {q(entity)}"  # noqa: S608 (identifiers from schema.py)
    else:
        cols = ", ".join(q(c) for c in extra)
        window = f"PARTITION BY {key} ORDER BY _load_id DESC, _source_row DESC"
        sql = f"SELECT {key}, {cols} FROM {q(entity)} QUALIFY row_number() OVER ({window}) = 1"  # noqa: S608
    return con.sql(sql).pl()


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append ``frame`` to ``table`` by column name, in bulk through Arrow."""
    if frame.height == 0:
        return
    con.register("_iroqa_incoming", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {q(table)} BY NAME SELECT * FROM _iroqa_incoming")  # noqa: S608
    finally:
        con.unregister("_iroqa_incoming")


def delete_rows(con: duckdb.DuckDBPyConnection, table: str, load_id: str, rows: pl.Series) -> None:
    """Delete the rows of one load whose ``_source_row`` is in ``rows`` (rows found to break a rule
    that sees the whole file, after the batches they came in were written; same transaction)."""
    if rows.len() == 0:
        return
    con.register("_iroqa_rows", pl.DataFrame({"r": rows.cast(pl.Int64)}).to_arrow())
    try:
        con.execute(
            f"DELETE FROM {q(table)} WHERE _load_id = ? "  # noqa: S608 (identifier from schema.py)
            "AND _source_row IN (SELECT r FROM _iroqa_rows)",
            [load_id],
        )
    finally:
        con.unregister("_iroqa_rows")


def frame_for(columns: tuple[tuple[str, str], ...], rows: list[dict]) -> pl.DataFrame:
    """A polars frame typed like a log table, from a few Python dicts (log rows, not data rows)."""
    types = {"VARCHAR": pl.String, "BIGINT": pl.Int64, "TIMESTAMP": pl.Datetime("us")}
    schema_ = {n: types[t] for n, t in columns}
    return pl.DataFrame(rows, schema=schema_)

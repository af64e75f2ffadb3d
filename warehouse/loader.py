"""Load case-system extracts into the raw store.

``ingest_paths`` reads each file (or sheet), maps it through the profile, runs the file rules
(a failure rejects the whole file) and the row rules (a failure quarantines the row), and appends
the accepted rows to the raw table in one transaction per file, with the load log and the
quarantined rows. It holds the warehouse's exclusive lock from the first write to the last.

Guarantees:

* a file whose content was already loaded (same SHA-256, same entity) is skipped as 'duplicate':
  loading the same file twice changes nothing;
* a file either loads all of its accepted rows with its log entry, or nothing at all;
* data never becomes SQL text: rows go in through Arrow, log values as parameters or Arrow;
* every file gets its own ``_load_id`` (UTC timestamp with microseconds and a random suffix),
  strictly greater than every id before it, so "latest load wins" is unambiguous in dbt staging.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from ingest import schema
from ingest.parse import prepare
from ingest.profiles import load_profile
from ingest.readers import ROW, CsvReader, ReadError, Table, Unit, discover, read_xlsx_sheet
from ingest.report import REJECTION_SCHEMA, FileResult, IngestReport
from ingest.rules import FAILURE_SCHEMA, FILE_RULES, ROW_RULES, RuleContext
from ingest.themes import theme_codes
from warehouse import csvsafe, raw
from warehouse.settings import Paths
from warehouse.settings import paths as default_paths
from warehouse.store import atomic_write_bytes, exclusive_lock

BATCH_ROWS = 1_000_000  # rows per insert at most (a CSV file is read in batches of readers.CHUNK_BYTES)
PROGRESS_ROWS = 100_000  # a progress line after each batch once a file has this many rows
MAX_MESSAGES_IN_LOG = 5


class LoadIds:
    """Load ids that sort chronologically: ``20260131T140501123456Z-1a2b3c``, each strictly later
    than the previous one and than the latest id already in the store."""

    FORMAT = "%Y%m%dT%H%M%S%fZ"

    def __init__(self, last: str | None = None):
        self.last = datetime.min.replace(tzinfo=UTC)
        if last:
            with contextlib.suppress(ValueError):
                self.last = datetime.strptime(last.split("-")[0], self.FORMAT).replace(tzinfo=UTC)

    def next(self) -> str:
        now = datetime.now(UTC)
        if now <= self.last:
            now = self.last + timedelta(microseconds=1)
        self.last = now
        return now.strftime(self.FORMAT) + "-" + uuid.uuid4().hex[:6]


class References:
    """Reference lookups for the row rules, from the raw store (which already holds what this call
    has committed), cached until the entity is loaded again."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        # a cursor of its own: rules look things up while the loader's connection is writing the
        # file in another thread; each file is committed before the next, so it sees them all
        self.con = con.cursor()
        self.cache: dict[tuple[str, tuple[str, ...]], pl.DataFrame] = {}

    def __call__(self, entity: str, columns: tuple[str, ...] = ()) -> pl.DataFrame:
        key = (entity, tuple(columns))
        if key not in self.cache:
            self.cache[key] = raw.latest(self.con, entity, tuple(columns))
        return self.cache[key]

    def invalidate(self, entity: str) -> None:
        self.cache = {k: v for k, v in self.cache.items() if k[0] != entity}

    def close(self) -> None:
        self.con.close()


def ingest_paths(
    sources: list[Path],
    profile: str = "canonical",
    paths: Paths | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    load_date: date | None = None,
    force: bool = False,
    include_hidden_sheets: bool = False,
) -> IngestReport:
    """Load the extracts at ``sources`` (files, or folders of .csv/.xlsx files) into the raw store.

    ``profile`` names a column-mapping profile (``ingest/profiles/<name>.yml``) or is the path of
    one. ``load_date`` (default today) is the day dates may not be after. ``force`` loads files
    again even if the same content was loaded before (e.g. after loading the children a previous
    run's challenges were quarantined for). Hidden sheets of a workbook are reported as 'skipped'
    and not read unless ``include_hidden_sheets``. Raises ``ProfileError`` for an unknown profile and
    ``warehouse.store.LockTimeout`` never (it waits for the lock). Anything else that goes wrong
    with one file refuses that file, with the reason in its result and the load log; the other
    files of the call still load.
    """
    started = time.monotonic()
    prof = load_profile(profile)
    p = paths or default_paths()
    say = progress or (lambda _line: None)
    load_date = load_date or date.today()
    themes = theme_codes()
    units = discover([Path(s) for s in sources], prof, include_hidden_sheets=include_hidden_sheets)
    report = IngestReport(profile=prof.name)
    rejections: list[pl.DataFrame] = []

    with exclusive_lock(p, purpose="ingest"):
        p.ensure()
        con = duckdb.connect(str(p.raw_db))
        refs: References | None = None
        try:
            raw.ensure_tables(con)
            ids = LoadIds(raw.max_load_id(con))
            refs = References(con)
            blobs: dict[Path, tuple[bytes, str]] = {}
            for unit in units:
                if unit.kind == "hidden":
                    say(f"{unit.display}: {unit.problem}")
                    report.files.append(
                        FileResult(unit.display, unit.entity, "skipped", message=unit.problem, path=unit.path)
                    )
                    continue
                job = _FileJob(unit, prof, con, ids.next(), load_date, themes, refs, say, force, blobs)
                try:
                    result, rejected = job.run()
                except Exception as exc:  # noqa: BLE001 - one file's fault never stops the others
                    result, rejected = job.refuse_unexpected(exc), None
                if result is None:
                    continue
                report.files.append(result)
                if not report.run_id:
                    report.run_id = result.load_id
                if rejected is not None and rejected.height:
                    rejections.append(rejected)
                if result.status == "loaded" and result.entity:
                    refs.invalidate(result.entity)
        finally:
            if refs is not None:
                refs.close()
            con.close()

    if rejections:
        report.rejections = pl.concat(rejections, how="vertical")
        report.report_path = _write_report(p, report.run_id, report.rejections)
    report.seconds = time.monotonic() - started
    return report


def _write_report(p: Paths, run_id: str, rejections: pl.DataFrame) -> Path:
    p.reports_dir.mkdir(parents=True, exist_ok=True)
    target = p.reports_dir / f"ingest-{run_id}-rejections.csv"
    # every text cell's formulas defused ('=cmd' -> "'=cmd"); the store keeps the value. BOM: Excel
    # opens it as UTF-8
    atomic_write_bytes(target, csvsafe.csv_bytes(rejections))
    return target


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _source(table: Table) -> pl.DataFrame:
    """A batch under the file's own headers (for raw_record), as ``prepare`` gives it."""
    names = [h if h is not None else f"(column {i + 1})" for i, h in enumerate(table.headers)]
    return table.data.rename(dict(zip(table.value_columns, names, strict=True)))


def _raw_records(source: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """``row_number`` and ``raw_record`` (the row as read, a JSON object keyed by the file's own
    headers) of the given rows of a batch."""
    src = source.filter(pl.col(ROW).is_in(rows.implode()))
    value_cols = [c for c in src.columns if c != ROW]
    return src.select(
        pl.col(ROW).alias("row_number"),
        pl.struct(value_cols).struct.json_encode().alias("raw_record")
        if value_cols
        else pl.lit("{}").alias("raw_record"),
    )


def _in_file_order(ctx: RuleContext, rule, parts: list[pl.DataFrame]) -> pl.DataFrame | None:
    """One rule's failures over every batch as the rule gives them for a whole file: by the column
    it checks (in the order of its FIELDS), then by row."""
    if not parts:
        return None
    out = pl.concat(parts, how="vertical")
    if len(parts) == 1:
        return out
    rank = {c: i for i, c in enumerate(ctx.columns_checked(rule.fields))}
    return (
        out.with_columns(
            pl.col("column_name").replace_strict(rank, default=-1, return_dtype=pl.Int64).alias("_rank")
        )
        .sort("_rank", "row_number", maintain_order=True, nulls_last=True)
        .drop("_rank")
    )


def _rule_crash(rule, exc: Exception) -> pl.DataFrame:
    """A file-level failure for a rule that raised instead of checking (a fault in the rule, or
    input no rule foresaw): the file is refused, with the rule and the error named."""
    detail = (str(exc).strip().splitlines() or [""])[0][:300]
    return pl.DataFrame(
        {
            "row_number": [None],
            "column_name": [", ".join(f.split(".", 1)[-1] for f in rule.fields[:3]) or None],
            "message": [
                f"rule {rule.code} ({rule.message}) could not check this file: {type(exc).__name__}"
                + (f": {detail}" if detail else "")
            ],
            "rule_code": [rule.code],
        },
        schema={**FAILURE_SCHEMA, "rule_code": pl.String},
    )


class _Batches:
    """The batches of one file (a sheet is one batch), with the first read ahead for the file rules,
    and a count of the rows they held."""

    def __init__(self, batches: Iterator[Table], again: Callable[[], Iterator[Table]]):
        self.it, self.again = batches, again
        self.ahead: list[Table] = []
        self.rows = 0  # non-blank rows of the batches read so far

    def _pull(self) -> Table | None:
        table = next(self.it, None)
        if table is not None:
            self.rows += table.data.height
        return table

    def rows_ahead(self) -> int:
        """Read ahead to the first batch with a row (or the end); the rows read so far."""
        while not self.rows and (table := self._pull()) is not None:
            self.ahead.append(table)
        return self.rows

    def count_all(self) -> int:
        """Read the rest (without keeping it); the rows of the whole file."""
        while self._pull() is not None:
            pass
        return self.rows

    def __iter__(self) -> Iterator[Table]:
        while self.ahead:
            yield self.ahead.pop(0)
        while (table := self._pull()) is not None:
            yield table


def _csv_batches(path: Path, name: str) -> Iterator[Table]:
    with path.open("rb") as fh:
        yield from CsvReader(fh, name).batches()


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class _RuleCrash(Exception):
    def __init__(self, rule, exc: Exception):
        super().__init__(str(exc))
        self.rule, self.exc = rule, exc


class _WriteFailed(Exception):
    def __init__(self, exc: Exception):
        super().__init__(str(exc))
        self.exc = exc


class _FileChanged(Exception):
    pass


class _Writer:
    """Writes the accepted rows of each batch in a thread of its own while the next batch is read
    and checked (DuckDB and polars both work outside the GIL): at most one batch waits. The first
    write that fails stops the writing; ``error`` keeps it (a ``_WriteFailed``)."""

    def __init__(self, write: Callable[[pl.DataFrame], None]):
        self.write = write
        self.error: BaseException | None = None
        self.queue: queue.Queue[pl.DataFrame | None] = queue.Queue(maxsize=1)
        self.thread = threading.Thread(target=self._run, name="iroqa-ingest-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (frame := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.write(frame)
                except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                    self.error = exc

    def put(self, frame: pl.DataFrame) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(frame)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


class _FileJob:
    def __init__(self, unit: Unit, prof, con, load_id, load_date, themes, refs, say, force, blobs):
        self.unit, self.prof, self.con, self.load_id = unit, prof, con, load_id
        self.load_date, self.themes, self.refs, self.say = load_date, themes, refs, say
        self.force, self.blobs = force, blobs
        self.sha: str | None = None
        self.stat: tuple[int, int] | None = None  # (size, mtime) of a CSV file when it was hashed

    # -- steps --------------------------------------------------------------------------------

    def run(self) -> tuple[FileResult | None, pl.DataFrame | None]:
        u = self.unit
        self.say(f"{u.display}: {'reading as ' + u.entity if u.entity else 'reading'}")
        with contextlib.ExitStack() as stack:
            headers: list[str | None] | None = None
            batches: _Batches | None = None
            read_error = u.problem or None
            if u.kind in ("csv", "xlsx", "unsupported", "unreadable"):
                data = self._bytes() if u.kind == "xlsx" else self._hash()
                if u.kind in ("csv", "xlsx"):
                    if u.entity and not self.force:
                        prev = raw.previous_load(
                            self.con, self.sha, u.entity, u.sheet if u.sheet_count > 1 else None
                        )
                        if prev:
                            return self._duplicate(prev), None
                    try:
                        if u.kind == "csv":  # read in batches, never whole
                            reader = CsvReader(stack.enter_context(u.path.open("rb")), u.display)
                            headers = reader.headers
                            batches = _Batches(reader.batches(), lambda: _csv_batches(u.path, u.display))
                        else:  # a sheet is small: read whole, one batch
                            table = read_xlsx_sheet(data, u.sheet, u.display)
                            headers = table.headers
                            batches = _Batches(iter([table] if headers else []), lambda: iter([table]))
                    except ReadError as exc:
                        read_error = str(exc)
            if (
                batches is not None
                and u.kind == "xlsx"
                and u.entity is None
                and u.sheet_count > 1
                and not headers
            ):
                self.say(f"{u.display}: empty sheet, ignored")
                return None, None

            ctx = self._context(read_error)
            if batches is not None:
                try:
                    rows = batches.rows_ahead()
                except ReadError as exc:  # a fault in the first rows: the file cannot be read
                    return self._unreadable(str(exc))
                self._set_table(ctx, headers, rows)
            failures = self._file_failures(ctx)
            if failures is not None:
                if batches is not None:  # the log counts the file's rows
                    try:
                        ctx.rows = batches.count_all()
                    except ReadError as exc:  # as if it had been read whole: F001 first
                        return self._unreadable(str(exc))
                return self._reject_file(ctx, failures)
            assert batches is not None and ctx.entity is not None and ctx.header_map is not None
            return self._stream(ctx, batches)

    def _context(self, read_error: str | None) -> RuleContext:
        u = self.unit
        return RuleContext(
            file_name=u.display,
            profile=self.prof,
            load_date=self.load_date,
            entity=schema.ENTITIES.get(u.entity) if u.entity else None,
            read_error=read_error,
            themes=self.themes,
            lookup=self.refs,
            expected={e: names for e, names in self.prof.expected_names().items()},
        )

    def _set_table(self, ctx: RuleContext, headers: list[str | None] | None, rows: int) -> None:
        ctx.headers = headers
        ctx.rows = rows
        if ctx.entity is not None and headers is not None:
            ctx.header_map = self.prof.map_headers(ctx.entity.name, headers)

    def _file_failures(self, ctx: RuleContext) -> pl.DataFrame | None:
        failures = []
        for rule in FILE_RULES:
            try:
                found = rule.check(ctx)
            except Exception as exc:  # noqa: BLE001 - a rule that cannot check the file refuses it
                failures.append(_rule_crash(rule, exc))
                break
            if found.height:
                failures.append(found.with_columns(pl.lit(rule.code).alias("rule_code")))
                if rule.gate:
                    break
        return pl.concat(failures, how="vertical") if failures else None

    def _unreadable(self, why: str) -> tuple[FileResult, pl.DataFrame]:
        """Refuse the file as unreadable (F001), as if the fault had been found before reading on."""
        ctx = self._context(why)
        failures = self._file_failures(ctx)
        assert failures is not None
        return self._reject_file(ctx, failures)

    def _stream(self, ctx: RuleContext, batches: _Batches) -> tuple[FileResult, pl.DataFrame | None]:
        """Check and write the file batch by batch, in one transaction: the row rules run on each
        batch, its accepted rows are appended; the whole-file rules (duplicate keys) run at the end
        and their rows are taken out again. Nothing of the file is kept but the failures, the raw
        records of failing rows and what the whole-file rules keep."""
        self.con.begin()
        try:
            fails, raw_records, n_read = self._check_and_write(ctx, batches)
            n_bad = fails["row_number"].n_unique() if fails.height else 0
            rejected = self._rejections(fails, raw_records if n_bad else None)
            msg = self._loaded_message(ctx, fails, n_read, n_read - n_bad)
            try:
                raw.insert_frame(self.con, "rejected_rows", rejected)
                raw.insert_frame(
                    self.con, "load_log", self._log_row("loaded", n_read, n_read - n_bad, n_bad, msg)
                )
            except Exception as exc:  # noqa: BLE001 - reported as a failed load below
                raise _WriteFailed(exc) from exc
            if self.stat is not None and self.stat != _stat(self.unit.path):
                raise _FileChanged
            self.con.commit()
        except _RuleCrash as crash:
            self.con.rollback()
            try:
                ctx.rows = batches.count_all()
            except ReadError as exc:
                return self._unreadable(str(exc))
            return self._reject_file(ctx, _rule_crash(crash.rule, crash.exc))
        except ReadError as exc:  # a fault further on in the file: nothing of it is loaded
            self.con.rollback()
            return self._unreadable(str(exc))
        except _WriteFailed as failed:  # nothing of the file remains; say so in the log
            self.con.rollback()
            try:
                n_read = batches.count_all()
            except ReadError as exc:
                return self._unreadable(str(exc))
            exc = failed.exc
            why = f"load failed, nothing from this file was loaded: {type(exc).__name__}: {exc}"
            return self._refuse(why, n_read), None
        except _FileChanged:
            self.con.rollback()
            why = (
                "the file changed while it was being loaded (is the export still being written?); "
                "nothing from this file was loaded: load it again when it is complete"
            )
            return self._refuse(why, 0), None
        except BaseException:
            self.con.rollback()
            raise
        u = self.unit
        self.say(
            f"{u.display}: {ctx.entity.name}, {n_read:,} rows read, {n_read - n_bad:,} loaded, "
            f"{n_bad:,} quarantined"
        )
        return self._result("loaded", n_read, n_read - n_bad, n_bad, msg), rejected

    def _check_and_write(self, ctx: RuleContext, batches: _Batches) -> tuple[pl.DataFrame, pl.DataFrame, int]:
        """The failures of every row rule (in rule order, each in column order then row order), the
        raw records of the failing rows, and the rows read; the accepted rows written."""
        u, entity = self.unit, ctx.entity
        assert entity is not None and ctx.header_map is not None
        found: dict[str, list[pl.DataFrame]] = {r.code: [] for r in ROW_RULES}
        kept: dict[str, list[pl.DataFrame]] = {r.code: [] for r in ROW_RULES if r.whole_file}
        raw_records: list[pl.DataFrame] = []
        n_read = 0
        writer = _Writer(lambda accepted: self._write(entity, accepted))
        try:
            for table in batches:
                n_read += self._check_batch(ctx, table, found, kept, raw_records, writer)
                if n_read >= PROGRESS_ROWS:
                    self.say(f"{u.display}: {n_read:,} rows checked")
        finally:
            writer.close()  # waits for the last batch to be written
        if writer.error is not None:
            raise writer.error
        ctx.text = ctx.typed = None
        # the whole-file rules, on what they kept of every batch
        late = []
        for rule in ROW_RULES:
            if not rule.whole_file:
                continue
            parts = kept.pop(rule.code)
            ctx.typed = pl.concat(parts, how="vertical") if parts else None
            try:
                out = rule.check(ctx) if ctx.typed is not None else None
            except Exception as exc:  # noqa: BLE001
                raise _RuleCrash(rule, exc) from exc
            ctx.typed = None
            if out is not None and out.height:
                found[rule.code].append(out)
                late.append(out["row_number"])
        if late:
            rows = pl.concat(late).unique()
            try:  # written with their batch: take them out again
                raw.delete_rows(self.con, entity.name, self.load_id, rows)
            except Exception as exc:  # noqa: BLE001
                raise _WriteFailed(exc) from exc
            have = pl.concat([r["row_number"] for r in raw_records]) if raw_records else None
            missing = rows.filter(~rows.is_in(have.implode())) if have is not None else rows
            if missing.len():  # rows that broke no rule of their batch: read their raw records again
                for table in batches.again():
                    found_again = _raw_records(_source(table), missing)
                    if found_again.height:
                        raw_records.append(found_again)
        fails = pl.concat(
            [
                f.with_columns(pl.lit(rule.code).alias("rule_code"))
                for rule in ROW_RULES
                if (f := _in_file_order(ctx, rule, found[rule.code])) is not None
            ]
            or [pl.DataFrame(schema={**FAILURE_SCHEMA, "rule_code": pl.String})],
            how="vertical",
        )
        records = (
            pl.concat(raw_records, how="vertical").unique("row_number", keep="first", maintain_order=True)
            if raw_records
            else pl.DataFrame(schema={"row_number": pl.Int64, "raw_record": pl.String})
        )
        return fails, records, n_read

    def _check_batch(self, ctx, table: Table, found, kept, raw_records, writer: _Writer) -> int:
        """Run the row rules on one batch, keep its failures and the raw records of its failing
        rows, and hand its accepted rows to the writer. Returns the batch's rows."""
        entity = ctx.entity
        ctx.rows, ctx.ragged_rows = table.data.height, table.ragged_rows
        prepared = prepare(table, entity, ctx.header_map, self.prof)
        ctx.text, ctx.typed = prepared.text, prepared.typed
        bad = []
        for rule in ROW_RULES:
            try:
                if rule.whole_file:
                    kept[rule.code].append(rule.module.keep(ctx))
                    continue
                out = rule.check(ctx)
            except Exception as exc:  # noqa: BLE001 - a rule that cannot check the file refuses it
                raise _RuleCrash(rule, exc) from exc
            if out.height:
                found[rule.code].append(out)
                bad.append(out["row_number"])
        bad_rows = pl.concat(bad).unique() if bad else pl.Series("row_number", [], dtype=pl.Int64)
        if bad_rows.len():
            raw_records.append(_raw_records(prepared.source, bad_rows))
        writer.put(prepared.typed.filter(~pl.col(ROW).is_in(bad_rows.implode())))
        return table.data.height

    def _write(self, entity: schema.Entity, accepted: pl.DataFrame) -> None:
        rows = accepted.select(
            *(pl.col(c.name).cast(raw.POLARS_TYPES[c.type]) for c in entity.columns),
            pl.lit(self.load_id).alias("_load_id"),
            pl.lit(self.unit.display).alias("_source_file"),
            pl.col(ROW).cast(pl.Int64).alias("_source_row"),
        )
        try:
            for start in range(0, rows.height, BATCH_ROWS):
                raw.insert_frame(self.con, entity.name, rows.slice(start, BATCH_ROWS))
        except Exception as exc:  # noqa: BLE001 - reported as a failed load
            raise _WriteFailed(exc) from exc

    def _loaded_message(self, ctx: RuleContext, fails: pl.DataFrame, n_read: int, n_loaded: int) -> str:
        u = self.unit
        parts = []
        if fails.height:
            counts = fails.group_by("rule_code").agg(pl.col("row_number").n_unique()).sort("rule_code")
            parts.append("quarantined " + ", ".join(f"{c} x{n}" for c, n in counts.iter_rows()))
        if ctx.header_map and ctx.header_map.ignored:
            ignored = ctx.header_map.ignored
            parts.append(
                "ignored columns: " + ", ".join(ignored[:10]) + (" ..." if len(ignored) > 10 else "")
            )
        if u.identified_by == "file name" and u.kind == "xlsx":
            parts.append("entity identified by the file name")
        return f"loaded {n_loaded:,} of {n_read:,} rows" + ("; " + "; ".join(parts) if parts else "")

    def _hash(self) -> None:
        """The file's SHA-256, read in blocks (and its size and time, to notice a change)."""
        self.stat = _stat(self.unit.path)
        self.sha = _sha256(self.unit.path)

    def _bytes(self) -> bytes:
        path = self.unit.path
        if path not in self.blobs:
            data = path.read_bytes()
            self.blobs.clear()  # keep one file's bytes (a workbook's sheets come one after another)
            self.blobs[path] = (data, hashlib.sha256(data).hexdigest())
        data, self.sha = self.blobs[path]
        return data

    # -- outcomes -----------------------------------------------------------------------------

    def refuse_unexpected(self, exc: Exception) -> FileResult:
        """The file could not be checked or loaded for a reason no rule foresaw: nothing of it is
        loaded (each file is one transaction), and the log says why, in one line."""
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        why = f"could not be checked or loaded, nothing from this file was loaded: {type(exc).__name__}" + (
            f": {detail[:300]}" if detail else ""
        )
        with contextlib.suppress(Exception):  # the log is best effort here; the report still says it
            self._transaction(
                lambda: raw.insert_frame(self.con, "load_log", self._log_row("rejected", 0, 0, 0, why))
            )
        self.say(f"{self.unit.display}: REJECTED - {why}")
        return self._result("rejected", message=why)

    def _log_row(
        self, status: str, rows_read: int, accepted: int, rejected: int, message: str
    ) -> pl.DataFrame:
        u = self.unit
        return raw.frame_for(
            raw.LOAD_LOG,
            [
                {
                    "load_id": self.load_id,
                    "file_name": u.display,
                    "file_path": str(u.path.resolve()) if u.path.exists() else str(u.path),
                    "sheet_name": u.sheet if u.sheet_count > 1 else None,
                    "content_sha256": self.sha,
                    "entity": u.entity,
                    "profile": self.prof.name,
                    "rows_read": rows_read,
                    "rows_accepted": accepted,
                    "rows_rejected": rejected,
                    "status": status,
                    "message": message,
                    "loaded_at": datetime.now(UTC).replace(tzinfo=None),
                }
            ],
        )

    def _result(self, status, rows_read=0, accepted=0, rejected=0, message="") -> FileResult:
        return FileResult(
            file=self.unit.display,
            entity=self.unit.entity,
            status=status,
            rows_read=rows_read,
            accepted=accepted,
            rejected=rejected,
            message=message,
            load_id=self.load_id,
            path=self.unit.path,
        )

    def _duplicate(self, prev: tuple) -> FileResult:
        prev_id, prev_at, prev_name = prev
        msg = (
            f"same content as {prev_name}, already loaded on {prev_at:%Y-%m-%d %H:%M} UTC "
            f"(load {prev_id}); nothing to do"
        )
        self._transaction(
            lambda: raw.insert_frame(self.con, "load_log", self._log_row("duplicate", 0, 0, 0, msg))
        )
        self.say(f"{self.unit.display}: already loaded, skipped")
        return self._result("duplicate", message=msg)

    def _rejections(self, fails: pl.DataFrame, raw_records: pl.DataFrame | None = None) -> pl.DataFrame:
        out = fails.select(
            pl.lit(self.load_id).alias("load_id"),
            pl.lit(self.unit.display).alias("file_name"),
            "row_number",
            "column_name",
            "rule_code",
            "message",
        )
        if raw_records is not None:
            out = out.join(raw_records, on="row_number", how="left")
        else:
            out = out.with_columns(pl.lit(None, dtype=pl.String).alias("raw_record"))
        return out.select(list(REJECTION_SCHEMA)).cast(REJECTION_SCHEMA)

    def _reject_file(self, ctx: RuleContext, fails: pl.DataFrame) -> tuple[FileResult, pl.DataFrame]:
        messages = fails["message"].to_list()
        codes = fails["rule_code"].to_list()
        msg = "; ".join(f"{c}: {m}" for c, m in zip(codes[:MAX_MESSAGES_IN_LOG], messages, strict=False))
        if len(messages) > MAX_MESSAGES_IN_LOG:
            msg += f"; and {len(messages) - MAX_MESSAGES_IN_LOG} more"
        rejected = self._rejections(fails)

        def write():
            raw.insert_frame(self.con, "rejected_rows", rejected)
            raw.insert_frame(self.con, "load_log", self._log_row("rejected", ctx.rows, 0, ctx.rows, msg))

        self._transaction(write)
        self.say(f"{self.unit.display}: REJECTED - {msg}")
        return self._result("rejected", ctx.rows, 0, ctx.rows, msg), rejected

    def _refuse(self, why: str, n_read: int) -> FileResult:
        self._transaction(
            lambda: raw.insert_frame(self.con, "load_log", self._log_row("rejected", n_read, 0, n_read, why))
        )
        self.say(f"{self.unit.display}: REJECTED - {why}")
        return self._result("rejected", n_read, 0, n_read, why)

    def _transaction(self, fn: Callable[[], None]) -> None:
        self.con.begin()
        try:
            fn()
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

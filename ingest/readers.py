"""Readers: find the files behind the paths a person gave, and read each CSV file or XLSX sheet as
strings, keeping the row numbers a person sees.

Every cell is read as text; types are parsed later against the schema (``ingest/parse.py``), so a
bad value becomes a row error with its row and column, never a crash or a silent coercion.

Row numbers: the header is the first non-blank row; data rows carry the number a person sees in
Excel (CSV: header = row 1, first data row = 2; XLSX: the sheet's own row number). Blank rows are
dropped after numbering, so numbers never shift.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import fastexcel
import polars as pl

from ingest import schema
from ingest.profiles import Profile

CSV_SUFFIXES = (".csv",)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
ROW = "_source_row"

UTF8_BOM = b"\xef\xbb\xbf"


class ReadError(Exception):
    """A file (or sheet) that cannot be read at all; the message says why, for a person."""


@dataclass
class Unit:
    """One thing to load: a CSV file or one sheet of a workbook."""

    path: Path
    display: str  # what a person calls it: "children.csv" or "extract.xlsx!children"
    kind: str  # csv | xlsx | hidden (a hidden sheet, not read) | unsupported | missing | empty_folder | unreadable
    sheet: str | None = None
    entity: str | None = None
    identified_by: str = ""  # "file name" | "sheet name" | ""
    sheet_count: int = 1
    problem: str = ""  # for unsupported / missing / empty_folder / unreadable

    @property
    def order_key(self) -> int:
        return (
            schema.LOAD_ORDER.index(self.entity)
            if self.entity in schema.LOAD_ORDER
            else len(schema.LOAD_ORDER)
        )


@dataclass
class Table:
    """A file or sheet read as text."""

    headers: list[str | None]  # as typed in the header row (None for an empty header cell)
    header_row: int  # 1-based row number of the header
    data: pl.DataFrame  # columns c0..c{n-1} (String) and _source_row (Int64); blank rows dropped
    ragged_rows: list[int] = field(default_factory=list)  # rows with more values than headers
    rows_total: int = 0  # data rows including blank ones

    @property
    def value_columns(self) -> list[str]:
        return [f"c{i}" for i in range(len(self.headers))]


def discover(sources: list[Path], profile: Profile, *, include_hidden_sheets: bool = False) -> list[Unit]:
    """Expand folders to their .csv/.xlsx files and workbooks to their sheets, and identify the entity
    of each (by sheet name, else by file name), in the order they must load (schema.LOAD_ORDER,
    then the order given, folders in name order). A hidden (or very hidden) sheet becomes a unit of
    kind ``hidden``, reported and not read, unless ``include_hidden_sheets``."""
    units: list[Unit] = []
    seen: set[Path] = set()
    for src in sources:
        src = Path(src).expanduser()
        if src.is_dir():
            files = sorted(
                (
                    f
                    for f in src.iterdir()
                    if f.is_file()
                    and f.suffix.lower() in CSV_SUFFIXES + XLSX_SUFFIXES
                    and not f.name.startswith(("~$", "."))
                ),
                key=lambda f: f.name.lower(),
            )
            if not files:
                units.append(
                    Unit(
                        src,
                        src.name or str(src),
                        "empty_folder",
                        problem=f"the folder {src} has no .csv or .xlsx files",
                    )
                )
            for f in files:
                if f.resolve() not in seen:
                    seen.add(f.resolve())
                    units.extend(_units_for_file(f, profile, include_hidden_sheets))
        elif src.is_file():
            if src.resolve() not in seen:
                seen.add(src.resolve())
                units.extend(_units_for_file(src, profile, include_hidden_sheets))
        else:
            units.append(Unit(src, src.name or str(src), "missing", problem=f"no such file or folder: {src}"))
    # stable sort keeps the given order within an entity
    return sorted(units, key=lambda u: u.order_key)


def _units_for_file(f: Path, profile: Profile, include_hidden_sheets: bool = False) -> list[Unit]:
    suffix = f.suffix.lower()
    if suffix in CSV_SUFFIXES:
        entity = profile.identify(f.stem)
        return [Unit(f, f.name, "csv", entity=entity, identified_by="file name" if entity else "")]
    if suffix in XLSX_SUFFIXES:
        try:
            reader = fastexcel.read_excel(f.read_bytes())
            names = reader.sheet_names
            visibility = {n: str(reader.load_sheet(n, n_rows=0).visible) for n in names}
        except Exception as exc:  # calamine/zip errors: not a real workbook
            return [
                Unit(
                    f,
                    f.name,
                    "unreadable",
                    entity=profile.identify(f.stem),
                    problem=f"{f.name} is not a readable Excel workbook ({_first_line(exc)})",
                )
            ]
        if not names:
            return [Unit(f, f.name, "unreadable", problem=f"{f.name} has no sheets")]
        out = []
        for sheet in names:
            entity, how = profile.identify(sheet), "sheet name"
            if entity is None and len(names) == 1:
                entity, how = profile.identify(f.stem), "file name"
            display = f.name if len(names) == 1 else f"{f.name}!{sheet}"
            hidden = visibility.get(sheet, "visible") != "visible"
            out.append(
                Unit(
                    f,
                    display,
                    "hidden" if hidden and not include_hidden_sheets else "xlsx",
                    problem=(
                        f"a {'very hidden' if visibility[sheet] == 'veryhidden' else 'hidden'} sheet: "
                        "not loaded (load hidden sheets with --include-hidden-sheets)"
                    )
                    if hidden and not include_hidden_sheets
                    else "",
                    sheet=sheet,
                    entity=entity,
                    identified_by=how if entity else "",
                    sheet_count=len(names),
                )
            )
        return out
    return [
        Unit(
            f,
            f.name,
            "unsupported",
            entity=profile.identify(f.stem),
            problem=f"{f.name}: files of type {suffix or '(none)'} are not read; "
            "save it as .xlsx or as CSV UTF-8 (.csv)",
        )
    ]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _utf8_error(name: str, byte: str, line: int) -> ReadError:
    return ReadError(
        f"{name} is not UTF-8 text (byte 0x{byte} on line {line}); in Excel use "
        "'Save As' > 'CSV UTF-8 (Comma delimited)'"
    )


def _start_checks(data: bytes, name: str) -> bytes:
    """The start of a file without a UTF-8 BOM, or :class:`ReadError` for UTF-16 text or a zip."""
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"{name} is UTF-16 text (Excel's 'Unicode Text'); save it as 'CSV UTF-8'")
    if data.startswith(b"PK\x03\x04"):
        raise ReadError(
            f"{name} is a zip file (probably an Excel workbook saved with a .csv name); "
            "rename it .xlsx or save it as 'CSV UTF-8'"
        )
    return data


def check_utf8(data: bytes, name: str) -> tuple[bytes, str]:
    """The bytes without a UTF-8 BOM and their text, or :class:`ReadError` saying why this is not
    UTF-8 text."""
    data = _start_checks(data, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _utf8_error(name, data[exc.start : exc.start + 1].hex().upper(), line) from None
    return data, text


#: Bytes of CSV read, checked and loaded at a time (whole records: a batch never splits one).
CHUNK_BYTES = 64 << 20


def last_record_end(buf: bytes) -> int:
    """The index just past the last line break of ``buf`` that ends a record: one with an even
    number of quote characters before it (a line break inside a quoted value has an odd number).
    0 if there is none. ``buf`` must start at the start of a record. The same rule polars uses to
    split a file among its threads."""
    quotes = buf.count(b'"')
    end = len(buf)
    while True:
        nl = buf.rfind(b"\n", 0, end)
        if nl < 0:
            return 0
        quotes -= buf.count(b'"', nl + 1, end)
        if quotes % 2 == 0:
            return nl + 1
        end = nl


class CsvReader:
    """A CSV file read as text in batches of whole records, never the whole file at once.

    Construction reads the start of the file: the header (``headers``, ``header_row``), or
    :class:`ReadError` if the file is not UTF-8 CSV. :meth:`batches` then yields one
    :class:`Table` per run of records of about ``chunk_bytes`` (default ``CHUNK_BYTES``; the
    first holds the first rows), with the same row numbers, blank rows dropped and rows with too
    many values noted as :func:`read_csv` gives for the whole file. A fault further on (a byte that
    is not UTF-8, a quoting error) raises :class:`ReadError` from :meth:`batches` when its batch
    is reached.
    """

    def __init__(self, source: BinaryIO, name: str, chunk_bytes: int | None = None):
        self.source, self.name = source, name
        self.chunk_bytes = max(1, chunk_bytes or CHUNK_BYTES)
        self.eof = False
        self.ragged_seen = False  # a batch had rows with more values than the header
        buf = self._read()
        while len(buf) < len(UTF8_BOM) + 1 and not self.eof:  # enough to see what the file is
            buf += self._read()
        buf = _start_checks(buf, name)
        self.lines_before = 0  # line breaks before the chunk being read (for UTF-8 messages)
        self.rows_before = 0  # records (blank ones too) before the chunk being read
        body = buf.lstrip(b"\r\n")
        while _blank(body) and not self.eof:  # nothing but blank lines so far: read on
            more = self._read()
            buf, body = buf + more, (body + more).lstrip(b"\r\n")
        leading = buf[: len(buf) - len(body)]
        self.lines_before = leading.count(b"\n")
        self.header_row = self.lines_before + 1
        self.headers: list[str | None] = []
        self.header_bytes = b""
        self.pending = body  # bytes not yet parsed; starts at a record
        if _blank(body):
            self._check_text(body)
            self.pending = b""
            return
        self.first = self._next_chunk()  # holds the header record
        text = self._check_text(self.first)
        try:  # the header is the first record (read from the start of the text only)
            headers = next(csv.reader(io.StringIO(text[: 1 << 20])))
        except csv.Error as exc:
            raise ReadError(f"{name}: the header row cannot be read as CSV ({exc})") from None
        self.headers = [h if h.strip() else None for h in headers]
        self.first_text = text
        cut = _first_record_end(self.first)
        self.header_bytes = self.first[:cut] if cut else self.first + b"\n"
        self.header_text = self.header_bytes.decode("utf-8")

    # -- reading ------------------------------------------------------------------------------

    def _read(self) -> bytes:
        data = self.source.read(self.chunk_bytes)
        if not data:
            self.eof = True
        return data

    def _next_chunk(self) -> bytes:
        """The next run of whole records (b"" at the end of the file)."""
        while True:
            if self.eof:
                chunk, self.pending = self.pending, b""
                return chunk
            more = self._read()
            if more:
                self.pending += more
            if len(self.pending) < self.chunk_bytes and not self.eof:
                continue
            cut = last_record_end(self.pending) if not self.eof else len(self.pending)
            if cut:
                chunk, self.pending = self.pending[:cut], self.pending[cut:]
                return chunk

    def _check_text(self, chunk: bytes) -> str:
        """The chunk as text, or :class:`ReadError` naming the first byte that is not UTF-8."""
        try:
            return chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = self.lines_before + chunk[: exc.start].count(b"\n") + 1
            raise _utf8_error(self.name, chunk[exc.start : exc.start + 1].hex().upper(), line) from None

    def batches(self) -> Iterator[Table]:
        if not self.headers:
            return
        names = [f"c{i}" for i in range(len(self.headers))]
        chunk, text, with_header = self.first, self.first_text, True
        self.first, self.first_text = b"", ""  # not kept beyond the first batch
        while chunk:
            if not with_header:
                text = self.header_text + self._check_text(chunk)
                chunk = self.header_bytes + chunk
            first_row = self.header_row + 1 + self.rows_before
            yield self._parse(chunk, text, names, first_row)
            self.lines_before += chunk.count(b"\n") - (0 if with_header else self.header_bytes.count(b"\n"))
            chunk, with_header = self._next_chunk(), False

    def _parse(self, chunk: bytes, text: str, names: list[str], first_row: int) -> Table:
        """Parse one chunk (the header record, then whole records) as :func:`read_csv` parses a
        whole file."""
        name, n = self.name, len(names)
        ragged: list[int] = []
        try:
            if self.ragged_seen:  # once a file has such rows, every later batch is looked through
                raise pl.exceptions.ComputeError("more fields (seen in an earlier batch)")
            df = _polars_csv(chunk, names, truncate=False)
        except pl.exceptions.ComputeError as exc:
            if "more fields" not in str(exc):
                raise ReadError(f"{name} cannot be read as CSV: {_first_line(exc)}") from None
            # find the rows with too many values (slow path, only for a faulty file), then read
            # again keeping the first n values of each so the other rows still load
            self.ragged_seen = True
            for i, rec in enumerate(csv.reader(io.StringIO(text))):
                if i and len(rec) > n:
                    ragged.append(first_row - 1 + i)
            try:
                df = _polars_csv(chunk, names, truncate=True)
            except pl.exceptions.PolarsError as exc2:
                raise ReadError(f"{name} cannot be read as CSV: {_first_line(exc2)}") from None
        except pl.exceptions.PolarsError as exc:
            raise ReadError(f"{name} cannot be read as CSV: {_first_line(exc)}") from None
        self.rows_before += df.height
        df = df.with_columns(pl.int_range(first_row, first_row + pl.len(), dtype=pl.Int64).alias(ROW))
        return _finish(self.headers, self.header_row, df, ragged)


def _blank(data: bytes) -> bool:
    """Nothing but white space (stops at the first character that is not)."""
    return not data or data.isspace()


def _first_record_end(buf: bytes) -> int:
    """The index just past the line break that ends the first record of ``buf`` (0: none)."""
    quotes, start = 0, 0
    while True:
        nl = buf.find(b"\n", start)
        if nl < 0:
            return 0
        quotes += buf.count(b'"', start, nl)
        if quotes % 2 == 0:
            return nl + 1
        start = nl + 1


def _polars_csv(body: bytes, names: list[str], *, truncate: bool) -> pl.DataFrame:
    return pl.read_csv(
        body,
        has_header=True,
        new_columns=names,
        infer_schema=False,
        truncate_ragged_lines=truncate,
        raise_if_empty=False,
        quote_char='"',
    )


def read_csv(data: bytes, name: str) -> Table:
    """Read CSV bytes as text (all of them: :class:`CsvReader` reads a file in batches).
    Raises :class:`ReadError` for a file that is not UTF-8 CSV."""
    reader = CsvReader(io.BytesIO(data), name, chunk_bytes=len(data) + 1)
    if not reader.headers:
        return Table(headers=[], header_row=reader.header_row, data=_empty_data(0))
    parts = list(reader.batches())
    return Table(
        headers=reader.headers,
        header_row=reader.header_row,
        data=pl.concat([t.data for t in parts], how="vertical"),
        ragged_rows=[r for t in parts for r in t.ragged_rows],
        rows_total=sum(t.rows_total for t in parts),
    )


def read_xlsx_sheet(data: bytes, sheet: str, name: str) -> Table:
    """Read one sheet of a workbook as text (Excel dates become ISO text, numbers their shortest
    text, booleans true/false). Raises :class:`ReadError` if it cannot be read."""
    try:
        df = pl.read_excel(
            data,
            sheet_name=sheet,
            engine="calamine",
            has_header=False,
            read_options={"header_row": None, "skip_rows": 0, "dtypes": "string"},
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except Exception as exc:
        raise ReadError(f"{name} cannot be read as an Excel sheet: {_first_line(exc)}") from None
    if df.width == 0 or df.height == 0:
        return Table(headers=[], header_row=1, data=_empty_data(0))
    df = df.select(pl.all().cast(pl.String))
    df.columns = [f"c{i}" for i in range(df.width)]
    df = df.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW))
    blank = _blank_mask(df, df.columns[:-1])
    first = df.filter(~blank).head(1)
    if first.height == 0:
        return Table(headers=[], header_row=1, data=_empty_data(0))
    header_row = int(first[ROW][0])
    headers = [v if v is not None and str(v).strip() else None for v in first.row(0)[:-1]]
    # drop trailing columns that have neither a header nor any value
    body = df.filter(pl.col(ROW) > header_row)
    width = len(headers)
    while width and headers[width - 1] is None and body[f"c{width - 1}"].null_count() == body.height:
        width -= 1
    headers = headers[:width]
    body = body.select([f"c{i}" for i in range(width)] + [ROW])
    return _finish(headers, header_row, body, [])


def _empty_data(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {**{f"c{i}": pl.Series([], dtype=pl.String) for i in range(n)}, ROW: pl.Series([], dtype=pl.Int64)}
    )


def _blank_mask(df: pl.DataFrame, cols: list[str]) -> pl.Series:
    """True for rows whose cells are all empty or white space. Column by column, looking only at
    rows not yet known to have a value: usually the first column settles nearly every row."""
    undecided = pl.int_range(0, df.height, eager=True)
    for c in cols:
        if undecided.len() == 0:
            break
        has_value = df[c].gather(undecided).str.contains(r"\S").fill_null(False)
        undecided = undecided.filter(~has_value)
    mask = pl.repeat(False, df.height, dtype=pl.Boolean, eager=True)
    return mask.scatter(undecided, True) if undecided.len() else mask


def _finish(headers: list[str | None], header_row: int, df: pl.DataFrame, ragged: list[int]) -> Table:
    cols = [f"c{i}" for i in range(len(headers))]
    total = df.height
    df = df.filter(~_blank_mask(df, cols)) if cols else df.clear()
    return Table(
        headers=headers,
        header_row=header_row,
        data=df.select(cols + [ROW]),
        ragged_rows=ragged,
        rows_total=total,
    )

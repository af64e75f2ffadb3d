"""What an ingest call did, for the program (``IngestReport``) and for a person (``summary()``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

REJECTION_SCHEMA = {
    "load_id": pl.String,
    "file_name": pl.String,
    "row_number": pl.Int64,
    "column_name": pl.String,
    "rule_code": pl.String,
    "message": pl.String,
    "raw_record": pl.String,
}


#: ``iroqa ingest`` exit codes (docs/ingest.md). 2 is a usage error (argparse's convention: no such
#: file or folder, unknown profile, bad option): nothing was read.
EXIT_ALL_LOADED = 0
EXIT_ROWS_SET_ASIDE = 1
EXIT_USAGE = 2
EXIT_FILE_REFUSED = 3

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """Text from a file (a file or sheet name, a value) made safe for a terminal: every control
    character (escape sequences included) is shown as its escape, e.g. ``\\x1b``; tab and line breaks too."""

    def esc(m: re.Match) -> str:
        c = m.group(0)
        return {"\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(c, f"\\x{ord(c):02x}")

    return _CONTROL.sub(esc, str(text))


@dataclass
class FileResult:
    file: str  # what a person calls it: "children.csv" or "extract.xlsx!children"
    entity: str | None
    status: str  # loaded | duplicate | rejected | skipped (a hidden sheet, not read)
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    message: str = ""
    load_id: str = ""
    path: Path | None = None


@dataclass
class IngestReport:
    profile: str
    run_id: str = ""  # the first load id of this call; names the rejection report
    files: list[FileResult] = field(default_factory=list)
    rejections: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTION_SCHEMA))
    report_path: Path | None = None  # CSV of every rejection in this call (None when there were none)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """What ``iroqa ingest`` exits with (docs/ingest.md, "Exit codes"): 0 every file loaded (or
        was already loaded) with every row; 1 loaded, but rows were set aside (quarantined) or
        hidden sheets skipped; 3 a file was refused (the others of the call still loaded)."""
        if not self.ok:
            return EXIT_FILE_REFUSED
        if self.rows_rejected or self.by_status("skipped"):
            return EXIT_ROWS_SET_ASIDE
        return EXIT_ALL_LOADED

    @property
    def ok(self) -> bool:
        """No file was rejected (quarantined rows do not count: they are reported, not fatal)."""
        return not any(f.status == "rejected" for f in self.files)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files if f.status != "duplicate")

    @property
    def rows_accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rejected for f in self.files if f.status == "loaded")

    def by_status(self, status: str) -> list[FileResult]:
        return [f for f in self.files if f.status == status]

    def summary(self, max_rules: int = 10, examples: int = 3, width: int = 44) -> str:
        """A plain-text account for a terminal: the files, then why things were rejected."""
        from ingest.rules import BY_CODE

        n = len(self.files)
        lines = [
            f"Ingest with profile '{self.profile}': {n} file{'s' if n != 1 else ''} - "
            f"{len(self.by_status('loaded'))} loaded, {len(self.by_status('rejected'))} rejected, "
            f"{len(self.by_status('duplicate'))} already loaded before"
            + (
                f", {len(self.by_status('skipped'))} hidden sheets skipped"
                if self.by_status("skipped")
                else ""
            ),
            f"Rows: {self.rows_read:,} read, {self.rows_accepted:,} loaded, {self.rows_rejected:,} quarantined"
            + (f" in {self.seconds:.1f}s" if self.seconds else ""),
            "",
        ]
        if self.files:
            fw = min(width, max(len("file"), *(len(printable(f.file)) for f in self.files)))
            ew = max(len("entity"), *(len(f.entity or "?") for f in self.files))
            header = f"  {'file':<{fw}}  {'entity':<{ew}}  {'status':<9}  {'read':>9}  {'loaded':>9}  {'rejected':>9}"
            lines += [header, "  " + "-" * (len(header) - 2)]
            for f in self.files:
                shown = printable(f.file)
                name = shown if len(shown) <= fw else "…" + shown[-(fw - 1) :]
                lines.append(
                    f"  {name:<{fw}}  {(f.entity or '?'):<{ew}}  {f.status:<9}  {f.rows_read:>9,}  "
                    f"{f.accepted:>9,}  {f.rejected:>9,}"
                )
            lines.append("")
        rejected_files = self.by_status("rejected")
        if rejected_files:
            lines.append("Rejected files (nothing from them was loaded):")
            for f in rejected_files:
                lines.append(f"  {printable(f.file)}: {printable(f.message)}")
            lines.append("")
        skipped = self.by_status("skipped")
        if skipped:
            lines.append("Skipped (not read):")
            for f in skipped:
                lines.append(f"  {printable(f.file)}: {printable(f.message)}")
            lines.append("")
        rows = self.rejections.filter(pl.col("row_number").is_not_null())
        if rows.height:
            counts = (
                rows.group_by("rule_code")
                .agg(pl.col("row_number").n_unique().alias("rows"), pl.len().alias("problems"))
                .sort(["rows", "rule_code"], descending=[True, False])
            )
            total_rules = counts.height
            lines.append(
                f"Quarantined rows by rule ({min(max_rules, total_rules)} of {total_rules} rule"
                f"{'s' if total_rules != 1 else ''}; a row may break several):"
            )
            for code, nrows, _ in counts.head(max_rules).iter_rows():
                rule = BY_CODE.get(code)
                lines.append(
                    f"  {code} x {nrows:,} row{'s' if nrows != 1 else ''}: {rule.message if rule else ''}"
                )
                ex = rows.filter(pl.col("rule_code") == code).head(examples)
                for file_name, message in ex.select("file_name", "message").iter_rows():
                    lines.append(f"      {printable(file_name)} {printable(message)}")
            lines.append("")
        if self.report_path:
            lines.append(f"Every rejection, with the row as read: {printable(self.report_path)}")
        return "\n".join(lines).rstrip() + "\n"

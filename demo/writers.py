"""Writing the extracts: one file per entity (``teams.csv``... or ``teams.xlsx``...), each authority's
rows appended as it is generated, under a temporary name renamed into place only when complete, so
a reader never sees half a file and a failed run leaves no partial output behind."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from ingest import schema


class ExtractWriter:
    """``with ExtractWriter(out_dir, fmt) as w: w.add(frames) ...; w.finish()``. CSV is streamed (one
    header, then each authority's rows); xlsx collects the frames and writes one workbook per entity
    at the end (sheet named after the entity). Leaving the ``with`` block removes any temporary file
    still there, whether or not ``finish`` ran."""

    def __init__(self, out_dir: Path, fmt: str):
        self.out_dir = out_dir
        self.fmt = fmt
        self.collected: dict[str, list[pl.DataFrame]] = {name: [] for name in schema.LOAD_ORDER}
        self.handles: dict = {}
        self.tmp_paths = {name: out_dir / f".{name}.csv.part" for name in schema.LOAD_ORDER}
        self.tmp_xlsx = {name: out_dir / f".{name}.part.xlsx" for name in schema.LOAD_ORDER}
        self.written = 0

    def __enter__(self) -> ExtractWriter:
        try:
            if self.fmt == "csv":
                self.handles = {name: open(p, "wb") for name, p in self.tmp_paths.items()}  # noqa: SIM115
        except BaseException:
            self._clean_up()
            raise
        return self

    def add(self, frames: dict[str, pl.DataFrame]) -> None:
        """Append one authority's frames."""
        self.written += 1
        for name, df in frames.items():
            if self.fmt == "csv":
                df.write_csv(
                    self.handles[name],
                    include_header=self.written == 1,
                    datetime_format="%Y-%m-%dT%H:%M:%S",
                    date_format="%Y-%m-%d",
                )
            else:
                self.collected[name].append(df)

    def finish(self) -> None:
        """Complete every file and rename it into place."""
        if self.fmt == "csv":
            for name, h in self.handles.items():
                h.close()
                os.replace(self.tmp_paths[name], self.out_dir / f"{name}.csv")
        else:
            for name, dfs in self.collected.items():
                df = pl.concat(dfs)
                df.write_excel(
                    self.tmp_xlsx[name],
                    worksheet=name,
                    autofit=False,
                    dtype_formats={pl.Date: "yyyy-mm-dd", pl.Datetime: "yyyy-mm-dd hh:mm:ss"},
                )
                os.replace(self.tmp_xlsx[name], self.out_dir / f"{name}.xlsx")

    def __exit__(self, *exc) -> None:
        self._clean_up()

    def _clean_up(self) -> None:
        for h in self.handles.values():
            if not h.closed:
                h.close()
        for name in schema.LOAD_ORDER:
            self.tmp_paths[name].unlink(missing_ok=True)
            self.tmp_xlsx[name].unlink(missing_ok=True)

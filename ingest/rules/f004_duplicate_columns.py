"""F004: two columns with the same header (ignoring case and surrounding spaces), or two columns
that both mean the same canonical column under the profile (e.g. PERSON_ID and child_id)."""

from __future__ import annotations

import polars as pl

from ingest.rules._base import RuleContext, concat, file_failure, no_failures, shown_text

CODE = "F004"
LEVEL = "file"
MESSAGE = "Duplicate column headers, or two columns that mean the same canonical column"
FIELDS = ("*",)
GATE = False


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (as Excel names columns)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def check(ctx: RuleContext) -> pl.DataFrame:
    if ctx.read_error or not ctx.headers:
        return no_failures()
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(ctx.headers):
        if h is not None and h.strip():
            positions.setdefault(h.strip().lower(), []).append(i)
    failures = []
    for idxs in positions.values():
        if len(idxs) > 1:
            header = ctx.headers[idxs[0]]
            where = ", ".join(column_letter(i) for i in idxs)
            failures.append(
                file_failure(
                    f"column {shown_text(header)} appears {len(idxs)} times (columns {where}); "
                    "remove or rename the extra ones",
                    header,
                )
            )
    if ctx.header_map is not None:
        for target, headers in ctx.header_map.conflicts.items():
            if len({h.strip().lower() for h in headers}) > 1:
                names = " and ".join(shown_text(h) for h in headers)
                failures.append(
                    file_failure(
                        f"columns {names} both mean {target} (profile {ctx.profile.name}); keep only one",
                        target,
                    )
                )
    return concat(failures)

"""The theme taxonomy, read from its one home: the dbt seed ``dbt_project/seeds/themes.csv``.

Ingest does not keep its own copy: an analyst who adds a theme to the seed makes it valid for
ingest at the same moment.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

# The repo's dbt project, found from this file (as warehouse.settings.DBT_PROJECT_DIR is): ingest sits
# below the warehouse and imports nothing from it.
THEMES_SEED = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "themes.csv"
#: The good-practice list of the taxonomy: the themes good practice is recorded under.
GOOD_PRACTICE_THEMES_SEED = THEMES_SEED.with_name("good_practice_themes.csv")


@lru_cache(maxsize=4)
def _read(path: Path, mtime_ns: int) -> tuple[tuple[str, str], ...]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return tuple((r["theme_code"].strip().lower(), (r.get("theme_label") or "").strip()) for r in rows)


def _rows(path: Path | None = None) -> tuple[tuple[str, str], ...]:
    path = path or THEMES_SEED
    return _read(path, path.stat().st_mtime_ns)


def theme_codes(path: Path | None = None) -> frozenset[str]:
    """Every theme code in the taxonomy (lower case)."""
    return frozenset(code for code, _ in _rows(path))


def good_practice_codes(path: Path | None = None) -> frozenset[str]:
    """Every code of the good-practice list (lower case)."""
    return theme_codes(path or GOOD_PRACTICE_THEMES_SEED)


def good_practice_labels(path: Path | None = None) -> dict[str, str]:
    """Good-practice code -> label, in the seed's order (for the form and the reports)."""
    return dict(_rows(path or GOOD_PRACTICE_THEMES_SEED))


def theme_labels(path: Path | None = None) -> dict[str, str]:
    """Normalised theme label -> theme code, so an extract may carry the label instead of the code
    (``Personal education plan outstanding`` -> ``pep_outstanding``)."""
    return {normalise_label(label): code for code, label in _rows(path) if label}


def normalise_label(value: str) -> str:
    """Lower case, runs of spaces, hyphens and underscores as one underscore (matches parse.py)."""
    return re.sub(r"[\s\-_]+", "_", value.strip().lower())

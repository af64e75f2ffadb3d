"""No Python callbacks inside polars queries in the served code.

`map_elements`, `map_batches`, `map_rows` and `map_groups` run Python from polars' own threads,
which must take the GIL while the query holds polars' thread pool. Under a room of viewers (many
Streamlit script threads querying at once) the meeting page's `map_elements` froze the whole server:
every session waited, none finished. Row-wise words are made in plain Python over `to_list()`
instead, which is as fast at the sizes a page shows.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVED = ("dashboard", "reports", "notify", "accounts", "warehouse", "ingest", "cli")
CALLBACKS = {"map_elements", "map_batches", "map_rows", "map_groups"}


def _calls(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{path.relative_to(root)}:{node.lineno} .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in CALLBACKS
    ]


def test_the_finder_finds_a_callback(tmp_path: Path) -> None:
    sample = tmp_path / "page.py"
    sample.write_text('import polars as pl\nx = pl.col("a").map_elements(str)\n', encoding="utf-8")
    assert _calls(sample, tmp_path) == ["page.py:2 .map_elements"]


def test_no_served_module_runs_python_inside_a_polars_query() -> None:
    found = [
        hit for package in SERVED for path in sorted((ROOT / package).rglob("*.py")) for hit in _calls(path)
    ]
    assert found == [], (
        "Python callbacks inside polars queries (make the words over to_list()): " + ", ".join(found)
    )

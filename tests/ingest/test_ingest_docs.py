"""The documents stay true to the code: every schema column is in docs/extract-spec.md, every rule
in docs/ingest.md."""

from __future__ import annotations

import re

from ingest import schema
from ingest.rules import RULES
from warehouse.settings import REPO_ROOT

SPEC = REPO_ROOT / "docs" / "extract-spec.md"
INGEST = REPO_ROOT / "docs" / "ingest.md"


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## `([a-z_]+)`$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_schema_column_is_in_the_extract_spec():
    by_entity = sections(SPEC.read_text(encoding="utf-8"))
    assert set(by_entity) == set(schema.ENTITIES), "one section per entity (python -m ingest.spec_doc)"
    for ent in schema.ENTITIES.values():
        body = by_entity[ent.name]
        for col in ent.columns:
            row = re.search(rf"^\| `{col.name}` \|(.*)$", body, flags=re.M)
            assert row, f"{ent.name}.{col.name} is not in docs/extract-spec.md (python -m ingest.spec_doc)"
            assert ("| yes |" if col.required else "| no |") in row.group(0)
            for value in col.allowed:
                assert f"`{value}`" in row.group(0), f"{ent.name}.{col.name}: {value}"
        for key in ent.key:
            assert f"`{key}`" in body


def test_the_extract_spec_is_what_the_generator_writes():
    from ingest.spec_doc import render

    assert SPEC.read_text(encoding="utf-8") == render(), "run .venv/bin/python -m ingest.spec_doc"


def test_every_rule_is_in_the_ingest_doc():
    text = INGEST.read_text(encoding="utf-8")
    for rule in RULES:
        assert f"| {rule.code} | {rule.level} | {rule.message} |" in text, rule.code

"""The rule registry: one module per rule, each with its fields, level and its own test."""

from __future__ import annotations

from pathlib import Path

from ingest import schema
from ingest.rules import FILE_RULES, ROW_RULES, RULE_MODULES, RULES

TESTS = Path(__file__).resolve().parent / "rules"


def test_every_rule_has_its_own_test():
    for name in RULE_MODULES:
        assert (TESTS / f"test_{name}.py").exists(), f"tests/ingest/rules/test_{name}.py is missing"


def test_codes_levels_and_fields():
    assert {r.level for r in FILE_RULES} == {"file"} and {r.level for r in ROW_RULES} == {"row"}
    assert all(r.code.startswith("F") for r in FILE_RULES) and all(r.code.startswith("R") for r in ROW_RULES)
    columns = {f"{e.name}.{c.name}" for e in schema.ENTITIES.values() for c in e.columns}
    for r in RULES:
        assert r.message and r.fields
        assert all(f == "*" or f in columns for f in r.fields), r.code


def test_rule_modules_are_all_registered():
    modules = {
        p.stem for p in (Path(__file__).resolve().parents[2] / "ingest" / "rules").glob("[fr][0-9]*.py")
    }
    assert modules == set(RULE_MODULES)

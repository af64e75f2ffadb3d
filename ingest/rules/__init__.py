"""Validation rules, one per module (after Data to Insight's validators).

Each module defines ``CODE``, ``LEVEL`` ('file' rejects the whole file, 'row' quarantines the
row), ``MESSAGE``, ``FIELDS`` (``entity.column`` it checks, ``*`` for a whole file) and
``check(ctx) -> polars.DataFrame`` of failures (see ``_base.py``). File rules may set ``GATE = True``:
when a gate fails, the file rules after it are not run (nothing sensible is left to check).

Row rules see one batch of a file at a time (the loader streams large files), which suits every
rule that judges a row by itself or against the raw store. A row rule that must see every row of
the file at once (R011, duplicate keys) sets ``WHOLE_FILE = True`` and defines ``keep(ctx) ->
polars.DataFrame``, the part of each batch it needs (with ``_source_row``); the loader then calls
``check`` once, with ``ctx.typed`` the frames ``keep`` returned, one after another, and ``ctx.text`` None.

To add a rule: write ``ingest/rules/<code>_<name>.py``, list it in ``RULE_MODULES`` below, and
give it a test in ``tests/ingest/rules/test_<code>_<name>.py``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from ingest.rules._base import FAILURE_SCHEMA, RuleContext

RULE_MODULES = (
    # file rules, in the order they run
    "f001_unreadable",
    "f002_empty_file",
    "f003_unrecognised_file",
    "f004_duplicate_columns",
    "f005_missing_required_column",
    # row rules
    "r001_required_value",
    "r002_invalid_date",
    "r003_invalid_timestamp",
    "r004_future_date",
    "r005_invalid_code",
    "r006_invalid_integer",
    "r007_invalid_boolean",
    "r008_unknown_theme",
    "r009_text_too_long",
    "r010_control_characters",
    "r011_duplicate_key",
    "r012_valid_to_before_valid_from",
    "r013_entry_stage_route",
    "r014_stage_range",
    "r015_unknown_child",
    "r016_unknown_challenge",
    "r017_event_before_challenge",
    "r018_too_many_values",
    "r019_escalation_without_stage",
    "r020_date_out_of_range",
    "r021_before_birth",
)


@dataclass(frozen=True)
class Rule:
    code: str
    level: str
    message: str
    fields: tuple[str, ...]
    module: ModuleType
    gate: bool = False
    whole_file: bool = False  # a row rule that sees the whole file at once (see above)

    def check(self, ctx: RuleContext):
        return self.module.check(ctx)


def _load() -> tuple[Rule, ...]:
    rules = []
    for name in RULE_MODULES:
        mod = importlib.import_module(f"{__name__}.{name}")
        for attr in ("CODE", "LEVEL", "MESSAGE", "FIELDS", "check"):
            if not hasattr(mod, attr):
                raise ImportError(f"rule module {name} has no {attr}")
        if mod.LEVEL not in ("file", "row"):
            raise ImportError(f"rule module {name}: LEVEL must be 'file' or 'row', not {mod.LEVEL!r}")
        whole_file = bool(getattr(mod, "WHOLE_FILE", False))
        if whole_file and (mod.LEVEL != "row" or not hasattr(mod, "keep")):
            raise ImportError(f"rule module {name}: WHOLE_FILE is for row rules, with a keep(ctx)")
        rules.append(
            Rule(
                mod.CODE,
                mod.LEVEL,
                mod.MESSAGE,
                tuple(mod.FIELDS),
                mod,
                bool(getattr(mod, "GATE", False)),
                whole_file,
            )
        )
    codes = [r.code for r in rules]
    if len(set(codes)) != len(codes):
        raise ImportError(f"duplicate rule codes: {sorted(c for c in codes if codes.count(c) > 1)}")
    return tuple(rules)


RULES: tuple[Rule, ...] = _load()
FILE_RULES = tuple(r for r in RULES if r.level == "file")
ROW_RULES = tuple(r for r in RULES if r.level == "row")
BY_CODE = {r.code: r for r in RULES}

__all__ = ["BY_CODE", "FAILURE_SCHEMA", "FILE_RULES", "ROW_RULES", "RULES", "Rule", "RuleContext"]

"""Column-mapping profiles: how another case system's extract maps onto the canonical layout.

A profile is DATA, one YAML file in ``ingest/profiles/<name>.yml`` (see docs/ingest.md)::

    name: mosaic
    description: Mosaic (Servelec) report extracts.
    date_formats: []                 # extra strftime formats, beside ISO and dd/mm/yyyy
    entities:
      children:                      # a canonical entity (ingest/schema.py)
        files: [mosaic_persons]      # file names without extension, or sheet names, that mean it
        columns:                     # source column -> canonical column (several sources may
          PERSON_ID: child_id        #   name the same canonical column: aliases)
        values:                      # canonical column -> {source value: canonical value}
          legal_status:
            Looked After: lac
        defaults:                    # canonical column -> value when the column is absent or empty
          gender: not recorded

Every profile also understands the canonical layout itself: the canonical file names
(``schema.Entity.file_stems``) and column names are always recognised, so the ``canonical``
profile is an empty mapping. Matching of file names, sheet names, column names and mapped values
is case-insensitive and ignores spaces/underscores/hyphens differences (``Person ID`` =
``PERSON_ID`` = ``person-id``).

The YAML is read with ``yaml.BaseLoader`` so every scalar stays a string (``Y``, ``No``, ``1``
are not turned into booleans or numbers behind the author's back).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ingest import schema

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"


class ProfileError(ValueError):
    """A profile file that is missing or not valid."""


def norm_name(value: str) -> str:
    """Normalised form of a header, file or sheet name: lower case, any run of characters other than
    letters and digits as one underscore, no leading/trailing underscore."""
    return re.sub(r"[^0-9a-z]+", "_", str(value).strip().lower()).strip("_")


def norm_value(value: str) -> str:
    """Normalised form of a code value for matching: lower case, runs of spaces/hyphens/underscores
    as one underscore. Must agree with ``parse.normalise_code``."""
    return re.sub(r"[\s\-_]+", "_", str(value).strip().lower())


_COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")  # "children (1)" from a browser's second download
_DATE_SUFFIX = re.compile(r"[_\-\s.]*\d[\d_\-\s.]*$")  # "children_2024-03-31", "events 20240331"


def name_candidates(stem: str) -> list[str]:
    """The normalised names a file stem or sheet name may mean, most specific first."""
    s = _COPY_SUFFIX.sub("", stem.strip())
    out = [norm_name(s)]
    stripped = _DATE_SUFFIX.sub("", s)
    if stripped and norm_name(stripped) not in out:
        out.append(norm_name(stripped))
    return [c for c in out if c]


@dataclass(frozen=True)
class EntityMapping:
    entity: str
    files: tuple[str, ...]  # normalised names, profile's own first, then the canonical ones
    columns: dict[str, str]  # normalised source header -> canonical column
    source_names: dict[str, tuple[str, ...]]  # canonical column -> source headers as the profile spells them
    values: dict[str, dict[str, str]]  # canonical column -> {normalised source value: canonical value}
    defaults: dict[str, str]
    value_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> source values as spelt


@dataclass
class HeaderMap:
    """How one file's headers map onto an entity's columns."""

    mapped: dict[int, str] = field(default_factory=dict)  # column position -> canonical column
    ignored: list[str] = field(default_factory=list)  # headers that map to nothing
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # canonical -> several headers

    def present(self) -> set[str]:
        return set(self.mapped.values())


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    date_formats: tuple[str, ...]
    entities: dict[str, EntityMapping]
    source: Path | None = None

    def identify(self, stem: str) -> str | None:
        """The entity a file stem or sheet name means, or None."""
        for cand in name_candidates(stem):
            for name, m in self.entities.items():
                if cand in m.files:
                    return name
        return None

    def expected_names(self) -> dict[str, tuple[str, ...]]:
        """entity -> the file/sheet names this profile recognises for it (for messages)."""
        return {name: m.files for name, m in self.entities.items()}

    def map_headers(self, entity: str, headers: list[str | None]) -> HeaderMap:
        m = self.entities[entity]
        hm = HeaderMap()
        seen: dict[str, list[str]] = {}
        for i, h in enumerate(headers):
            if h is None or not str(h).strip():
                continue
            target = m.columns.get(norm_name(h))
            if target is None:
                hm.ignored.append(str(h))
                continue
            seen.setdefault(target, []).append(str(h))
            hm.mapped[i] = target
        hm.conflicts = {k: v for k, v in seen.items() if len(v) > 1}
        return hm

    def near_misses(self, entity: str, column: str, headers: list[str], n: int = 3) -> list[str]:
        """Headers in a file that look like ``column`` (or one of its source names) but do not match."""
        m = self.entities[entity]
        wanted = {norm_name(column)} | {norm_name(s) for s in m.source_names.get(column, ())}
        by_norm: dict[str, str] = {}
        for h in headers:
            if h and norm_name(h) and norm_name(h) not in m.columns:
                by_norm.setdefault(norm_name(h), str(h))
        hits: list[str] = []
        for w in wanted:
            for c in difflib.get_close_matches(w, list(by_norm), n=n, cutoff=0.6):
                if by_norm[c] not in hits:
                    hits.append(by_norm[c])
            for c, h in by_norm.items():  # containment: "raised_on_date" for "raised_on"
                if (w in c or c in w) and len(c) >= 3 and h not in hits:
                    hits.append(h)
        return hits[:n]


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A profile by name (``ingest/profiles/<name>.yml``) or by the path of a YAML file."""
    p = Path(name_or_path)
    if p.suffix.lower() in (".yml", ".yaml") and p.exists():
        path = p.resolve()
    else:
        path = PROFILES_DIR / f"{name_or_path}.yml"
        if not path.exists():
            raise ProfileError(
                f"unknown profile {str(name_or_path)!r}; available: {', '.join(available_profiles())}"
            )
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: Path, _mtime_ns: int) -> Profile:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path.name}: cannot read the profile: {exc}") from exc
    return build_profile(data, path)


def _err(path: Path | None, where: str, what: str) -> ProfileError:
    return ProfileError(f"{path.name if path else 'profile'}: {where}: {what}")


def build_profile(data: dict, path: Path | None = None) -> Profile:
    """Validate a parsed profile document and build the :class:`Profile` (merging in the canonical
    names every profile understands)."""
    if not isinstance(data, dict):
        raise _err(path, "top level", "expected a mapping with name, description, entities")
    unknown_top = set(data) - {"name", "description", "date_formats", "entities"}
    if unknown_top:
        raise _err(path, "top level", f"unknown keys {sorted(unknown_top)}")
    name = str(data.get("name") or (path.stem if path else "profile"))
    date_formats = data.get("date_formats") or []
    if not isinstance(date_formats, list) or not all(isinstance(f, str) and "%" in f for f in date_formats):
        raise _err(path, "date_formats", "expected a list of strftime formats such as '%d-%b-%Y'")
    raw_entities = data.get("entities") or {}
    if not isinstance(raw_entities, dict):
        raise _err(path, "entities", "expected a mapping of entity name -> mapping")
    for ent in raw_entities:
        if ent not in schema.ENTITIES:
            raise _err(path, f"entities.{ent}", f"not an entity; expected one of {list(schema.ENTITIES)}")

    file_owner: dict[str, str] = {}
    entities: dict[str, EntityMapping] = {}
    for ent_name in schema.LOAD_ORDER:
        ent = schema.ENTITIES[ent_name]
        spec = raw_entities.get(ent_name) or {}
        where = f"entities.{ent_name}"
        if not isinstance(spec, dict):
            raise _err(path, where, "expected a mapping with files, columns, values, defaults")
        extra = set(spec) - {"files", "columns", "values", "defaults"}
        if extra:
            raise _err(path, where, f"unknown keys {sorted(extra)}")
        files = spec.get("files") or []
        if not isinstance(files, list):
            raise _err(path, f"{where}.files", "expected a list of file names")
        norm_files = [norm_name(f) for f in files] + [norm_name(s) for s in ent.file_stems]
        ordered: list[str] = []
        for f in norm_files:
            if f and f not in ordered:
                ordered.append(f)
        for f in ordered:
            if file_owner.get(f, ent_name) != ent_name:
                raise _err(path, f"{where}.files", f"{f!r} already means {file_owner[f]}")
            file_owner[f] = ent_name

        columns: dict[str, str] = {norm_name(c): c for c in ent.column_names}
        source_names: dict[str, list[str]] = {}
        col_spec = spec.get("columns") or {}
        if not isinstance(col_spec, dict):
            raise _err(path, f"{where}.columns", "expected a mapping of source column -> canonical column")
        for src, target in col_spec.items():
            if target not in ent.column_names:
                raise _err(
                    path,
                    f"{where}.columns.{src}",
                    f"{target!r} is not a column of {ent_name}; expected one of {list(ent.column_names)}",
                )
            key = norm_name(src)
            if key in columns and columns[key] != target:
                raise _err(path, f"{where}.columns.{src}", f"already maps to {columns[key]!r}")
            columns[key] = target
            source_names.setdefault(target, []).append(str(src))

        values: dict[str, dict[str, str]] = {}
        value_names: dict[str, tuple[str, ...]] = {}
        val_spec = spec.get("values") or {}
        if not isinstance(val_spec, dict):
            raise _err(path, f"{where}.values", "expected a mapping of canonical column -> value map")
        for col, vmap in val_spec.items():
            if col not in ent.column_names:
                raise _err(path, f"{where}.values.{col}", f"not a column of {ent_name}")
            if not isinstance(vmap, dict):
                raise _err(
                    path, f"{where}.values.{col}", "expected a mapping of source value -> canonical value"
                )
            column = ent.column(col)
            out: dict[str, str] = {}
            for src_val, target in vmap.items():
                if not isinstance(target, str):
                    raise _err(path, f"{where}.values.{col}.{src_val}", "expected a single value")
                if column.type == "code" and column.allowed and target.strip().lower() not in column.allowed:
                    raise _err(
                        path,
                        f"{where}.values.{col}.{src_val}",
                        f"{target!r} is not allowed; expected one of {list(column.allowed)}",
                    )
                out[norm_value(src_val)] = target
            values[col] = out
            value_names[col] = tuple(str(k) for k in vmap)

        defaults: dict[str, str] = {}
        def_spec = spec.get("defaults") or {}
        if not isinstance(def_spec, dict):
            raise _err(path, f"{where}.defaults", "expected a mapping of canonical column -> value")
        for col, value in def_spec.items():
            if col not in ent.column_names:
                raise _err(path, f"{where}.defaults.{col}", f"not a column of {ent_name}")
            if not isinstance(value, str):
                raise _err(path, f"{where}.defaults.{col}", "expected a single value")
            defaults[col] = value

        entities[ent_name] = EntityMapping(
            entity=ent_name,
            files=tuple(ordered),
            columns=columns,
            source_names={k: tuple(v) for k, v in source_names.items()},
            values=values,
            defaults=defaults,
            value_names=value_names,
        )
    return Profile(
        name=name,
        description=str(data.get("description") or "").strip(),
        date_formats=tuple(date_formats),
        entities=entities,
        source=path,
    )

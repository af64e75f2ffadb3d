"""The dbt exposures stay true to the dashboard: every page (but the audit log, which reads the audit
file) has one, and every model the dashboard.data package queries is read by some exposure."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
EXPOSURES = REPO / "dbt_project" / "models" / "exposures.yml"
MODEL = re.compile(r"\b((?:fct|dim|mart|int)_[a-z0-9_]+|build_info)\b")


def exposures() -> list[dict]:
    return yaml.safe_load(EXPOSURES.read_text())["exposures"]


def test_every_page_has_an_exposure():
    pages = re.findall(r'st\.Page\("views/([a-z_]+\.py)"', (REPO / "dashboard" / "app.py").read_text())
    assert pages, "no pages found in dashboard/app.py"
    described = " ".join(e["description"] for e in exposures())
    missing = [p for p in pages if p != "audit_log.py" and f"dashboard/views/{p}" not in described]
    assert not missing, f"pages without an exposure in {EXPOSURES.name}: {missing}"


def test_every_model_the_dashboard_reads_is_in_an_exposure():
    models = {p.stem for p in (REPO / "dbt_project" / "models").rglob("*.sql")}
    read = set()
    for f in (REPO / "dashboard" / "data").glob("*.py"):
        read |= {m for m in MODEL.findall(f.read_text()) if m in models}
    exposed = {
        re.fullmatch(r"ref\('([a-z0-9_]+)'\)", d).group(1) for e in exposures() for d in e["depends_on"]
    }
    assert read, "no model names found in dashboard/data/"
    assert not (read - exposed), f"read by dashboard/data/ but in no exposure: {sorted(read - exposed)}"
    assert not (exposed - models), f"exposures name models that do not exist: {sorted(exposed - models)}"

"""The themes a demo challenge is about: codes and labels read from the taxonomy seed at run time,
weighted as in the Rotherham report (a code not weighted here gets ``DEFAULT_THEME_WEIGHT``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.themes import THEMES_SEED

# Theme weights, shaped on the Rotherham report (placement suitability, decision-making and
# safeguarding, care plan quality most common; life story and therapeutic work rarely raised).
# Codes are read from dbt_project/seeds/themes.csv at run time; a code not listed here gets
# DEFAULT_THEME_WEIGHT, so a theme added by an analyst shows up in the demo too.
THEME_WEIGHT = {
    "placement_suitability": 22,
    "decision_making_safeguarding": 15,
    "care_plan_quality": 13,
    "social_worker_changes": 5,
    "statutory_visits": 5,
    "assessment_out_of_date": 6,
    "review_decisions_not_progressed": 6,
    "legal_delay_proceedings": 5,
    "placement_with_parents": 4,
    "supervision": 4,
    "pep_outstanding": 4,
    "health_assessment": 4,
    "contact_arrangements": 3,
    "education_provision": 3,
    "legal_delay_discharge": 2.5,
    "section_20_drift": 2.5,
    "unregulated_placement": 2,
    "permanence_sgo": 2,
    "permanence_adoption": 2,
    "voice_of_child": 2,
    "transition_adult_services": 1.5,
    "access_to_records": 1,
    "life_story_work": 0.5,
    "therapeutic_provision": 0.5,
}
DEFAULT_THEME_WEIGHT = 1.5
LAC_ONLY_GROUPS = {"Placements", "Permanence"}
LAC_ONLY_CODES = {
    "section_20_drift",
    "legal_delay_discharge",
    "pep_outstanding",
    "health_assessment",
    "life_story_work",
}
DECLINING_GROUP = "Workforce"  # Rotherham: fewer SW-change / visits / supervision concerns over time


@dataclass(frozen=True)
class Themes:
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    log_w: np.ndarray  # (3 statuses, n) log weights; -inf where a theme does not apply
    declining: np.ndarray  # bool (n,)


def load_themes(path: Path | None = None) -> Themes:
    """Theme codes, labels and demo weights from the taxonomy seed (read at run time)."""
    path = Path(path) if path is not None else THEMES_SEED
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("theme_code") or "").strip()]
    if not rows:
        raise ValueError(f"no theme codes in {path}")
    codes = tuple(r["theme_code"].strip() for r in rows)
    labels = tuple((r.get("theme_label") or r["theme_code"]).strip() for r in rows)
    groups = tuple((r.get("theme_group") or "").strip() for r in rows)
    w = np.array([THEME_WEIGHT.get(c, DEFAULT_THEME_WEIGHT) for c in codes], float)
    lac_only = np.array(
        [g in LAC_ONLY_GROUPS or c in LAC_ONLY_CODES for c, g in zip(codes, groups, strict=True)]
    )
    with np.errstate(divide="ignore"):
        log_w = np.log(np.stack([w, np.where(lac_only, 0.0, w), np.where(lac_only, 0.0, w)]))
    if np.isneginf(log_w[1]).all():  # a taxonomy with only LAC themes: let CP use them all
        log_w[1] = log_w[2] = log_w[0]
    declining = np.array([g == DECLINING_GROUP for g in groups])
    return Themes(codes, labels, log_w, declining)

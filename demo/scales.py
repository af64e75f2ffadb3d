"""How big a demo is: one authority (``la``), a region, the nation, or a few dozen challenges
for tests (``tiny``); and the yearly rates a size of 1 means.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    authorities: int
    years: int
    size: float  # 1.0 = one typical shire county's volumes
    size_spread: float  # lognormal sigma of authority sizes (0: all the same)
    id_width: int  # zero padding of challenge / grade ids
    event_id_width: int
    team_id_width: int


SCALES: dict[str, Scale] = {
    "tiny": Scale(1, 2, 0.012, 0.0, 6, 7, 3),
    "la": Scale(1, 6, 1.0, 0.0, 6, 7, 3),
    "region": Scale(10, 6, 1.0, 0.35, 7, 8, 3),
    "national": Scale(150, 6, 1.0, 0.45, 8, 9, 4),
}
XLSX_SCALES = ("tiny", "la")

WD_PER_YEAR = 260
CHILDREN_PER_YEAR = 620  # children newly known to the IRO / chair service per year (size 1)
CHALLENGES_PER_YEAR = 2000  # Positive Challenges and formal entries per year (size 1)

"""The authority's organisation: the division -> service -> teams template, and the staff who hold
its posts over time (a chain of holders per post, some moving team or being promoted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from demo.vocabulary import person_names
from demo.workdays import Calendar
from ingest import schema

# (division, service, team base name, base team count, team_kind, staff role, staff slots per team)
# fmt: off
ORG: tuple[tuple[str, str, str, int, str, str, int], ...] = (
    ("Children in Care and Permanence", "Children in Care", "Looked After Team", 5, "social_work", "social_worker", 6),
    ("Children in Care and Permanence", "Fostering and Adoption", "Permanence Team", 2, "social_work", "social_worker", 5),
    ("Safeguarding and Family Help", "Child Protection", "Child Protection Team", 4, "social_work", "social_worker", 6),
    ("Safeguarding and Family Help", "Children in Need", "Family Support Team", 3, "social_work", "social_worker", 6),
    ("Disability and Transitions", "Disabled Children", "Disabled Children's Team", 2, "social_work", "social_worker", 5),
    ("Quality Assurance and Improvement", "Safeguarding and Performance", "IRO Team", 3, "iro_service", "iro", 4),
    ("Quality Assurance and Improvement", "Safeguarding and Performance", "Conference Chairs Team", 2, "iro_service",
     "conference_chair", 4),
)
# fmt: on
# Assistant Director portfolios: which divisions each AD post covers (by division name).
AD_PORTFOLIOS: tuple[tuple[str, ...], ...] = (
    ("Children in Care and Permanence", "Disability and Transitions"),
    ("Safeguarding and Family Help",),
    ("Quality Assurance and Improvement",),
)
# Which service holds a child of each legal status (weights).
HOME_SERVICE = {
    "lac": {"Children in Care": 0.75, "Fostering and Adoption": 0.12, "Disabled Children": 0.13},
    "cp": {"Child Protection": 0.82, "Children in Need": 0.10, "Disabled Children": 0.08},
    "cin": {"Children in Need": 0.85, "Disabled Children": 0.15},
}
# Mean tenure (working days) of a post holder, probability and range of a vacancy gap.
TENURE = {
    "social_worker": 650,
    "team_manager": 900,
    "service_manager": 1050,
    "head_of_service": 1300,
    "assistant_director": 1300,
    "iro": 1150,
    "conference_chair": 1150,
    "assistant_service_manager": 1000,
}
# Probability that a new post holder is an existing worker (move or promotion) and from which roles.
REUSE = {
    "social_worker": (0.18, ("social_worker",)),
    "team_manager": (0.35, ("social_worker",)),
    "service_manager": (0.3, ("team_manager",)),
    "head_of_service": (0.3, ("service_manager",)),
    "iro": (0.12, ("iro", "conference_chair")),
    "conference_chair": (0.12, ("conference_chair", "iro")),
    "assistant_service_manager": (0.35, ("iro", "conference_chair")),
}


@dataclass
class Org:
    team_name: list[str]
    team_service: np.ndarray  # team -> service index
    team_division: np.ndarray  # team -> division index
    team_kind: list[str]
    team_staff_role: list[str]
    team_slots: list[int]
    service_names: list[str]
    division_names: list[str]
    service_division: np.ndarray
    division_ad: np.ndarray  # division -> AD portfolio index
    n_ad: int


def build_org(size: float, suffix: str) -> Org:
    team_name, team_service, team_division, team_kind, team_role, team_slots = [], [], [], [], [], []
    services: list[str] = []
    divisions: list[str] = []
    service_division: list[int] = []
    tiny = size < 0.2
    factor = size**0.9
    for division, service, base, count, kind, role, slots in ORG:
        if division not in divisions:
            divisions.append(division)
        if service not in services:
            services.append(service)
            service_division.append(divisions.index(division))
        n = max(1, round(count * factor))
        for k in range(n):
            name = f"{base} {k + 1}" if n > 1 or not tiny else base
            team_name.append(name + suffix)
            team_service.append(services.index(service))
            team_division.append(divisions.index(division))
            team_kind.append(kind)
            team_role.append(role)
            team_slots.append(2 if tiny and role in ("iro", "conference_chair") else (3 if tiny else slots))
    division_ad = np.zeros(len(divisions), np.int64)
    for ad, divs in enumerate(AD_PORTFOLIOS):
        for d in divs:
            if d in divisions:
                division_ad[divisions.index(d)] = ad
    return Org(
        team_name=team_name,
        team_service=np.array(team_service),
        team_division=np.array(team_division),
        team_kind=team_kind,
        team_staff_role=team_role,
        team_slots=team_slots,
        service_names=[s + suffix for s in services],
        division_names=[d + suffix for d in divisions],
        service_division=np.array(service_division),
        division_ad=division_ad,
        n_ad=len(AD_PORTFOLIOS),
    )


@dataclass
class Staff:
    # one row per spell
    worker: np.ndarray
    role: np.ndarray  # index into schema.ROLES
    team: np.ndarray
    frm: np.ndarray
    to: np.ndarray  # inclusive; >= e0 means current
    names: list[str]  # per worker
    present: np.ndarray  # (worker, day - s0): in post that day (in some spell)
    # holder[level][unit, day - s0] = worker (levels: team_manager, service_manager, head_of_service,
    # assistant_director, assistant_service_manager (by IRO team))
    holder: dict[str, np.ndarray]


def _chain(rng: np.random.Generator, s0: int, e0: int, mean: float, gap_p: float) -> list[tuple[int, int]]:
    spells = []
    f = max(0, s0 - int(rng.uniform(0, 2 * mean)))
    t = s0 + int(rng.exponential(mean))
    while True:
        spells.append((f, t))
        if t >= e0:
            break
        gap = int(rng.integers(5, 60)) if rng.random() < gap_p else 0
        f = t + 1 + gap
        if f > e0:
            break
        t = f + max(60, int(rng.exponential(mean))) - 1
    return spells


def build_staff(rng: np.random.Generator, org: Org, cal: Calendar) -> Staff:
    s0, e0 = cal.s0, cal.e0
    roles = {r: i for i, r in enumerate(schema.ROLES)}
    n_teams = len(org.team_name)
    # posts: (role, unit level, unit index, team placed in, gap probability, service, division)
    posts: list[tuple[str, str | None, int, int, float]] = []
    first_team_of_service = {
        int(s): int(np.flatnonzero(org.team_service == s)[0]) for s in np.unique(org.team_service)
    }
    first_team_of_division = {
        int(d): int(np.flatnonzero(org.team_division == d)[0]) for d in np.unique(org.team_division)
    }
    for t in range(n_teams):
        staff_role = org.team_staff_role[t]
        if org.team_kind[t] == "social_work":
            posts.append(("team_manager", "team_manager", t, t, 0.0))
        else:
            posts.append(("assistant_service_manager", "assistant_service_manager", t, t, 0.0))
        for slot in range(org.team_slots[t]):
            posts.append((staff_role, None, slot, t, 0.0 if slot == 0 else 0.35))
    for s, t in first_team_of_service.items():
        posts.append(("service_manager", "service_manager", s, t, 0.0))
    for d, t in first_team_of_division.items():
        posts.append(("head_of_service", "head_of_service", d, t, 0.0))
    for ad in range(org.n_ad):
        divs = np.flatnonzero(org.division_ad == ad)
        t = first_team_of_division[int(divs[0])] if divs.size else 0
        posts.append(("assistant_director", "assistant_director", ad, t, 0.0))

    spells = []  # (from, to, role, team, level, unit)
    for role, level, unit, team, gap_p in posts:
        for f, t in _chain(rng, s0, e0, TENURE[role], gap_p):
            spells.append((f, t, role, team, level, unit))
    spells.sort(key=lambda x: (x[0], x[3], x[2]))

    # identities: some holders are earlier leavers (a move of team, a promotion)
    worker_of: list[int] = []
    n_workers = 0
    leavers: list[tuple[int, str, int, int]] = []  # (end day, role, team, worker)
    used: set[int] = set()
    for f, t, role, team, _level, _unit in spells:
        w = -1
        p, from_roles = REUSE.get(role, (0.0, ()))
        if f > s0 - 400 and rng.random() < p:
            same_division = org.team_division[team]
            for i, (end, lrole, lteam, lw) in enumerate(leavers):
                if (
                    lw not in used
                    and lrole in from_roles
                    and f - 25 <= end < f
                    and lteam != team
                    and (
                        role != "social_worker"
                        or org.team_division[lteam] == same_division
                        or rng.random() < 0.3
                    )
                ):
                    w = lw
                    used.add(lw)
                    leavers.pop(i)
                    break
        if w < 0:
            w = n_workers
            n_workers += 1
        worker_of.append(w)
        if t < e0:
            leavers.append((t, role, team, w))
            if len(leavers) > 200:
                leavers = [x for x in leavers if x[0] >= f - 30]

    worker = np.array(worker_of, np.int64)
    frm = np.array([s[0] for s in spells], np.int64)
    to = np.array([s[1] for s in spells], np.int64)
    role = np.array([roles[s[2]] for s in spells], np.int64)
    team = np.array([s[3] for s in spells], np.int64)

    # guarantee at least one move of team: split a non-first-slot social worker spell mid-window
    if not _has_mover(worker, team):
        sw_teams = [t for t in range(n_teams) if org.team_staff_role[t] == "social_worker"]
        mid = (s0 + e0) // 2
        cand = np.flatnonzero((role == roles["social_worker"]) & (frm < mid - 20) & (to > mid + 20))
        if cand.size and len(sw_teams) > 1:
            i = int(cand[-1])
            new_team = next(t for t in sw_teams if t != team[i])
            worker = np.append(worker, worker[i])
            frm = np.append(frm, mid + 1)
            to = np.append(to, to[i])
            role = np.append(role, role[i])
            team = np.append(team, new_team)
            to[i] = mid
            spells.append((mid + 1, int(to[-1]), "social_worker", new_team, None, -1))

    names = person_names(rng, n_workers)
    n = e0 - s0 + 1
    present = np.zeros((n_workers, n), bool)
    for w, f, t in zip(worker, frm, to, strict=True):
        a, b = max(f, s0) - s0, min(t, e0) - s0
        if b >= a:
            present[w, a : b + 1] = True
    sizes = {
        "team_manager": n_teams,
        "assistant_service_manager": n_teams,
        "service_manager": len(org.service_names),
        "head_of_service": len(org.division_names),
        "assistant_director": org.n_ad,
    }
    holder = {k: np.full((v, n), -1, np.int64) for k, v in sizes.items()}
    for (f, t, _r, _team, level, unit), w in zip(spells, worker, strict=True):
        if level is None:
            continue
        a, b = max(f, s0) - s0, min(t, e0) - s0
        if b >= a:
            holder[level][unit, a : b + 1] = w
    return Staff(worker, role, team, frm, to, names, present, holder)


def _has_mover(worker: np.ndarray, team: np.ndarray) -> bool:
    order = np.lexsort((team, worker))
    w, t = worker[order], team[order]
    return bool(np.any((w[1:] == w[:-1]) & (t[1:] != t[:-1])))

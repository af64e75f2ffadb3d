"""Synthetic demo data in the canonical extract layout (``ingest/schema.py``).

``generate(out_dir, scale="la")`` writes one file per entity (``teams``, ``workers``, ``children``,
``challenges``, ``challenge_events``, ``qa_grades``) that looks like what the Leicestershire Positive
Challenge / Formal Escalation protocol and the Rotherham IRO escalation report describe: an IRO and
Conference Chair service raising mostly Positive Challenges that resolve within 5 working days, some
escalating through stages 1-4 (Team Manager, Service Manager, Head of Service, Assistant Director),
a few bypassing stages, stalling without a response or breaching the 20-working-day cap, CAFCASS
referrals for looked-after children only, and QA checklist grades where "inadequate" may be recorded
as a stage 1 escalation. No real people: names come from short lists of common names.

How it is built (see ``docs/demo-data.md``):

* Everything happens on a working-day calendar (Mon-Fri): a date is an index into it, so "5 working
  days later" is ``+ 5`` and every generated date is a working day.
* Each authority is generated on its own, from its own random stream ``(seed, authority number)``,
  with authority-local integer ids; the main process turns them into global string ids and appends
  them to the output files, so memory stays flat and ids stay unique at national scale.
* Staff come from "posts" (a team's Team Manager, a social-work slot, an IRO slot...): each post is
  a chain of holders with random tenures, so there is exactly one manager per unit on every day.
  Some leavers reappear in another post (a move of team, a promotion): a second spell.
* Challenges follow a vectorised state machine: all open challenges take one step per round
  (respond / stall / withdraw, then resolve / escalate / bypass / CAFCASS), and the whole history is
  cut at ``end``, so what is in flight at ``end`` is simply still open. A few scripted cases per
  authority guarantee open stage 3 and 4 cases (some overdue) whatever the seed.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from ingest import schema
from ingest.demo_learning import add_learning

REPO_ROOT = Path(__file__).resolve().parent.parent
THEMES_CSV = REPO_ROOT / "dbt_project" / "seeds" / "themes.csv"

# --------------------------------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------------------------------


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

# --------------------------------------------------------------------------------------------------
# Organisation template: division -> service -> teams (base team count at size 1)
# --------------------------------------------------------------------------------------------------

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

# --------------------------------------------------------------------------------------------------
# Process parameters (per stage 0..4; stage 0 is the Positive Challenge)
# --------------------------------------------------------------------------------------------------

ENTRY_P = np.array([0.82, 0.14, 0.022, 0.012, 0.006])  # where a (non-QA) challenge enters
P_WITHDRAW = np.array([0.012, 0.02, 0.025, 0.03, 0.03])
P_STALL = np.array([0.06, 0.08, 0.09, 0.10, 0.10])  # no response within 5 working days
P_LATE = np.array([0.10, 0.14, 0.16, 0.18, 0.20])  # responds, but after day 5
ON_TIME_DELAY_P = np.array([0.22, 0.26, 0.22, 0.16, 0.14])  # days 1..5 when on time
P_SAT = np.array([0.80, 0.80, 0.72, 0.76, 0.78])  # IRO/Chair satisfied with the response
P_RETRY = 0.12  # not satisfied, asks again at the same stage instead of escalating
# escalation target after an unsatisfactory response / no response at stage s (rows), to stage (cols)
ESCALATE_TO = np.array(
    [
        [0.0, 0.94, 0.03, 0.025, 0.005],
        [0.0, 0.0, 0.955, 0.04, 0.005],
        [0.0, 0.0, 0.0, 0.97, 0.03],
        [0.0, 0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
    ]
)
P_NOTE = 0.25
P_LEGAL = np.array([0.002, 0.01, 0.05, 0.12, 0.18])
P_CAFCASS_CONCURRENT = np.array([0.0, 0.0, 0.02, 0.04, 0.06])  # looked-after children only
P_CAFCASS_AFTER_AD = 0.5  # LAC, AD response not satisfactory -> meeting with AD, then CAFCASS

GRADE_P = np.array([0.07, 0.50, 0.38, 0.05])  # outstanding, good, requires_improvement, inadequate
P_GRADE_LINKED = 0.5  # inadequate grade recorded as a stage 1 escalation (linked challenge)

STATUS_OF_CHALLENGE_P = np.array([0.60, 0.34, 0.06])  # lac, cp, cin
CHILD_STATUS_P = np.array([0.45, 0.45, 0.10])
WINDOW_MEAN = np.array([780, 260, 230])  # how long a child stays known (working days) by status
# age (whole years 0..17) when first known, by status
_AGE_LAC = np.array([6, 4, 3, 3, 3, 3, 3, 3, 4, 4, 5, 5, 6, 7, 9, 11, 10, 7], float)
_AGE_CP = np.array([12, 8, 7, 7, 6, 6, 6, 5, 5, 5, 5, 5, 5, 5, 4, 4, 3, 2], float)
AGE_P = np.stack([_AGE_LAC / _AGE_LAC.sum(), _AGE_CP / _AGE_CP.sum(), _AGE_CP / _AGE_CP.sum()])
MONTH_WEIGHT = np.array([0.95, 1.0, 1.0, 0.95, 1.0, 1.0, 0.95, 0.72, 1.0, 1.0, 1.0, 0.78])

CONTEXTS = schema.CONTEXTS  # lac_review, cp_conference, midway_tracking, qa_checklist, other
CONTEXT_P = np.array(
    [  # by status; qa_checklist only comes from QA grades
        [0.62, 0.0, 0.33, 0.0, 0.05],
        [0.0, 0.68, 0.27, 0.0, 0.05],
        [0.0, 0.15, 0.35, 0.0, 0.50],
    ]
)

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

# --------------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Amelia",
    "Olivia",
    "Isla",
    "Ava",
    "Mia",
    "Grace",
    "Freya",
    "Lily",
    "Ella",
    "Sophie",
    "Evie",
    "Chloe",
    "Ruby",
    "Poppy",
    "Jessica",
    "Emily",
    "Zoë",
    "Siân",
    "Niamh",
    "Aoife",
    "Renée",
    "Amara",
    "Priya",
    "Aisha",
    "Fatima",
    "Hannah",
    "Megan",
    "Bethan",
    "Lucy",
    "Rachel",
    "Claire",
    "Joanne",
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Noah",
    "Leo",
    "Charlie",
    "Jacob",
    "Thomas",
    "James",
    "William",
    "Oscar",
    "Alfie",
    "Joshua",
    "Mohammed",
    "Yusuf",
    "Dylan",
    "Rhys",
    "Seán",
    "Ciarán",
    "Tomás",
    "José",
    "Daniel",
    "Samuel",
    "Ryan",
    "Liam",
    "Adam",
    "Kieran",
    "Mark",
    "Paul",
)
SURNAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Hughes",
    "Edwards",
    "Turner",
    "Hill",
    "Moore",
    "Cooper",
    "Ward",
    "Morris",
    "King",
    "Baker",
    "Harrison",
    "Lewis",
    "Khan",
    "Begum",
    "Ahmed",
    "Shah",
    "O'Neill",
    "O'Brien",
    "D'Souza",
    "McCarthy",
    "Murphy",
    "Kowalski",
    "Nowak",
    "Brontë",
    "Ní Bhriain",
    "Lloyd",
    "Price",
    "Parry",
    "Bennett",
    "Shaw",
    "Fletcher",
    "Marsh",
    "Holmes",
    "Kaur",
    "Singh",
    "Okafor",
    "Mensah",
    "Novák",
)
CHILD_NAMES = (
    "Zoë",
    "Siân",
    "Chloé",
    "Renée",
    "Anaïs",
    "Noémie",
    "Seán",
    "Ciarán",
    "Tomás",
    "José",
    "Zoë",
    "Kayden",
    "Tyler",
    "Jayden",
    "Kai",
    "Riley",
    "Ellie",
    "Summer",
    "Skye",
    "Paige",
    "Courtney",
    "Lacey",
    "Brooke",
    "Harley",
    "Mason",
    "Logan",
    "Callum",
    "Reece",
    "Jordan",
    "Keira",
    "Tia",
    "Amira",
    "Ibrahim",
    "Bilal",
    "Maja",
    "Oskar",
    "Ana",
    "Luca",
    "Darius",
    "Precious",
    "Kofi",
)
AUTH_PREFIX = (
    "Ash",
    "Bram",
    "Cald",
    "Dun",
    "Elm",
    "Fern",
    "Glen",
    "Hart",
    "Ivel",
    "Kel",
    "Lang",
    "Mar",
    "Nor",
    "Oak",
    "Pen",
    "Rud",
    "Sand",
    "Thorn",
    "Wex",
    "Yar",
)
AUTH_SUFFIX = ("shire", "moor", "dale", "vale", "wold", "borough", "field", "mere")

# Concern sentence templates by theme code; {name} is a first name, {their} a possessive.
CONCERNS = {
    "placement_suitability": (
        "{name}'s placement is not meeting {their} needs; carers have given 28 days' notice",
        'Placement is 40 miles from school, and {name} says "I don\'t want to move again"',
        "Third placement move in 12 months for {name}, with no matching assessment",
    ),
    "decision_making_safeguarding": (
        "Risk of exploitation for {name} not addressed; no strategy discussion since the last review",
        "Safety plan for {name} has not been updated after the missing episode on the weekend",
        "Decision to increase contact was made without a risk assessment, against the IRO's advice",
    ),
    "care_plan_quality": (
        "Care plan does not reflect {name}'s current needs, and actions have no owners or dates",
        'The plan says "long-term fostering" but no permanence steps are recorded for {name}',
        "Plan copied from the previous review; {name}'s views and wishes are not included",
    ),
    "social_worker_changes": (
        "{name} has had 4 social workers this year; the plan has drifted with each change",
        "No allocated social worker for {name} since the last review",
    ),
    "statutory_visits": (
        "Statutory visits to {name} not recorded since the last review",
        "{name} has not been seen alone on the last three visits",
    ),
    "assessment_out_of_date": (
        "Assessment for {name} is over 12 months old and predates the change of placement",
        "Parenting assessment agreed at conference has not started",
    ),
    "review_decisions_not_progressed": (
        "Review decisions for {name} not progressed within the agreed timescales",
        'Core group actions for {name} outstanding, including the "Team Around the Child" referral',
    ),
    "legal_delay_proceedings": (
        "PLO letter for {name}'s family agreed in March but the meeting has not been held",
        "Delay in issuing proceedings; the legal gateway decision for {name} is overdue",
    ),
    "placement_with_parents": (
        "{name} placed with parents without the Placement with Parents assessment, and risk unmanaged",
    ),
    "supervision": ("No management oversight recorded on {name}'s file for 3 months",),
    "pep_outstanding": ("{name}'s PEP is outstanding and the Virtual School has not been contacted",),
    "health_assessment": ("{name}'s review health assessment is out of date, dental check overdue",),
    "education_provision": ("{name} has been without a school place for 6 weeks",),
    "contact_arrangements": (
        "Sibling contact for {name} has stopped without a decision or a reason on file",
    ),
    "section_20_drift": (
        "{name} has been accommodated under section 20 for 2 years with no permanence plan",
    ),
    "legal_delay_discharge": (
        "Application to discharge the care order for {name} agreed 8 months ago, not yet made",
    ),
    "unregulated_placement": (
        "{name} is in an unregulated placement; no plan to move or to register the provision",
    ),
    "permanence_sgo": ("SGO assessment for {name}'s aunt not started, delaying the permanence plan",),
    "permanence_adoption": ("Family finding for {name} not started since the placement order was made",),
    "voice_of_child": (
        "{name}'s wishes and feelings are not recorded; the advocate's referral was not made",
    ),
    "transition_adult_services": (
        "{name} turns 18 in 6 months and no referral to adult services has been made",
    ),
    "access_to_records": (
        "Records for {name} not updated, so the IRO could not see the current plan before the review",
    ),
}
GENERIC_CONCERNS = (
    "{label}: {name}'s plan needs attention before the next review",
    "{label} - the IRO has asked for an update on {name}'s plan within 5 working days",
)
QA_CONCERN = "IRO QA checklist graded Inadequate; {label_lower} (plan to be agreed with the Team Manager)"

TEXTS: dict[str, tuple[str, ...]] = {
    "reason_unsat": (
        "Response did not address the concerns raised",
        "Actions agreed at the review have not been completed",
        "Plan still does not reflect the child's needs",
        'Response says "in progress" but gives no timescale',
    ),
    "reason_noresp": (
        "No response within 5 working days",
        "No response received; reminder sent on day 5",
    ),
    "reason_bypass": (
        "Bypass: immediate safeguarding risk needs a senior decision",
        "Bypass: placement ends within days, decision needed at senior level",
        "Bypass: care proceedings timetable at risk",
        "Bypass: repeated drift on a previous escalation for this child",
    ),
    "reason_meeting": ("Unresolved at the monthly challenge meeting",),
    "resp_sat": (
        "New social worker allocated and a visit booked for this week",
        "Plan updated and shared with the IRO, carers and the child",
        "Strategy discussion held; safety plan revised",
        "Actions agreed with dates, owners named",
        "Assessment started, to complete within 6 weeks",
    ),
    "resp_unsat": (
        "Team is short-staffed; will be picked up when capacity allows",
        "Awaiting legal advice before any change to the plan",
        "Placement search ongoing, no suitable match yet",
        "Disagree with the IRO's view of the risk",
    ),
    "resolved": (
        "IRO satisfied; actions to be checked at the next review",
        "Agreed actions completed, evidence on file",
        "Resolved; the plan now reflects the child's needs",
        "Chair satisfied with the revised plan",
    ),
    "resolved_ad": ("Agreed at the monthly challenge meeting with the Assistant Director",),
    "resolved_cafcass": ("Resolved following CAFCASS involvement",),
    "withdrawn": (
        "Withdrawn: child returned home and the plan has changed",
        "Withdrawn: concern superseded by a new escalation",
        "Withdrawn: case transferred to another authority",
    ),
    "cafcass_after_ad": (
        "Meeting with the Assistant Director and Heads of Service held; matters unresolved, referred to CAFCASS",
    ),
    "cafcass_concurrent": ("Concurrent referral to CAFCASS made while the escalation continues",),
    "legal": (
        "Independent legal advice requested via line manager",
        "Legal advice sought on whether the care plan meets the child's needs",
    ),
    "note_low": (
        "Reminder emailed to the Team Manager",
        "Social worker on leave; Team Manager covering",
        "Discussed with the Assistant Service Manager in supervision",
    ),
    "note_high": (
        "Service Manager for Safeguarding and Performance informed",
        "Listed for the monthly challenge meeting",
        "Discussed with the Assistant Service Manager in supervision",
    ),
    "retry": ("Further information requested before deciding whether to escalate",),
}
TEXT_LIST: list[str] = []
TEXT_POOL: dict[str, tuple[int, int]] = {}  # name -> (offset, length) into TEXT_LIST
for _k, _v in TEXTS.items():
    TEXT_POOL[_k] = (len(TEXT_LIST), len(_v))
    TEXT_LIST.extend(_v)

EV = {name: i for i, name in enumerate(schema.EVENT_TYPES)}
ESC, RESP, RES, WDN, CAF, LEG, NOTE = (
    EV[k]
    for k in ("escalated", "response", "resolved", "withdrawn", "cafcass_referral", "legal_advice", "note")
)
ACT_IRO, ACT_RESPONDER = 0, 1
LAC, CP, CIN = 0, 1, 2
STATUSES = schema.LEGAL_STATUSES


# --------------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    bdays: np.ndarray  # datetime64[D] working days (Mon-Fri)
    s0: int  # index of the first working day of the data window
    e0: int  # index of the last working day on or before `end`
    end: date

    @classmethod
    def build(cls, end: date, years: int) -> Calendar:
        start = _add_years(end, -years)
        lo = np.datetime64(_add_years(start, -16), "D")
        hi = np.datetime64(end + timedelta(days=5 * 366), "D")
        days = np.arange(lo, hi, dtype="datetime64[D]")
        bdays = days[np.is_busday(days)]
        s0 = int(np.searchsorted(bdays, np.datetime64(start, "D")))
        e0 = int(np.searchsorted(bdays, np.datetime64(end, "D"), side="right")) - 1
        return cls(bdays, s0, e0, end)

    def epoch_days(self, idx: np.ndarray) -> np.ndarray:
        """Working-day indices -> days since 1970-01-01 (for polars Date)."""
        return self.bdays[idx].astype(np.int64)


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


# --------------------------------------------------------------------------------------------------
# Themes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Themes:
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    log_w: np.ndarray  # (3 statuses, n) log weights; -inf where a theme does not apply
    declining: np.ndarray  # bool (n,)


def load_themes(path: Path | None = None) -> Themes:
    """Theme codes, labels and demo weights from the taxonomy seed (read at run time)."""
    path = Path(path) if path is not None else THEMES_CSV
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


# --------------------------------------------------------------------------------------------------
# One authority
# --------------------------------------------------------------------------------------------------


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


def _build_org(size: float, suffix: str) -> Org:
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


def _build_staff(rng: np.random.Generator, org: Org, cal: Calendar) -> Staff:
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

    names = _names(rng, n_workers)
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


def _names(rng: np.random.Generator, n: int) -> list[str]:
    fi = rng.integers(0, len(FIRST_NAMES), n)
    si = rng.integers(0, len(SURNAMES), n)
    return [f"{FIRST_NAMES[a]} {SURNAMES[b]}" for a, b in zip(fi, si, strict=True)]


def _pick(frm: np.ndarray, to: np.ndarray, days: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each (day, u) the floor(u * k)-th of the k spells covering day (-1 if none)."""
    out = np.full(days.size, -1, np.int64)
    if frm.size == 0 or days.size == 0:
        return out
    step = max(1, 4_000_000 // frm.size)
    for i in range(0, days.size, step):
        d = days[i : i + step]
        act = (frm[:, None] <= d) & (to[:, None] >= d)
        cs = np.cumsum(act, axis=0, dtype=np.int16 if frm.size < 32_000 else np.int32)
        cnt = cs[-1]
        k = np.minimum((u[i : i + step] * cnt).astype(cs.dtype), np.maximum(cnt - 1, 0))
        sel = np.argmax(cs > k[None, :], axis=0)
        out[i : i + step] = np.where(cnt > 0, sel, -1)
    return out


def _pick_known(rng: np.random.Generator, w0: np.ndarray, w1: np.ndarray, days: np.ndarray) -> np.ndarray:
    """For each day a random one of the windows [w0, w1] covering it (-1 if none).

    Rejection sampling among the windows started by that day, then an exact pass for the few left.
    """
    out = np.full(days.size, -1, np.int64)
    if w0.size == 0 or days.size == 0:
        return out
    order = np.argsort(w0, kind="stable")
    s0, s1 = w0[order], w1[order]
    started = np.searchsorted(s0, days, side="right")
    todo = np.flatnonzero(started > 0)
    for _ in range(25):
        j = (rng.random(todo.size) * started[todo]).astype(np.int64)
        ok = s1[j] >= days[todo]
        out[todo[ok]] = order[j[ok]]
        todo = todo[~ok]
        if todo.size == 0:
            return out
    sel = _pick(w0, w1, days[todo], rng.random(todo.size))
    out[todo] = sel
    return out


def _sticky_u(base: np.ndarray, offset: np.ndarray, days: np.ndarray, period: int) -> np.ndarray:
    """A per-child number in [0, 1) that stays the same within a period (allocation stickiness)."""
    epoch = (days + offset) // period
    return np.mod(base + epoch * 0.6180339887, 1.0)


# Scripted cases near `end`, so every authority has open stage 3 and 4 cases (some overdue) whatever
# the seed: (status, context index, entry stage, raised (working days from end),
#   events: (type, working days from end, stage, satisfied (-1: none), text pool, who acts)).
# fmt: off
PLANTED: tuple[tuple[int, int, int, int, tuple[tuple[int, int, int, int, str, int], ...]], ...] = (
    # open at stage 3, escalated for lack of response, overdue
    (LAC, 0, 0, -34, ((RESP, -31, 0, 0, "resp_unsat", ACT_RESPONDER), (ESC, -30, 1, -1, "reason_unsat", ACT_IRO),
                      (RESP, -24, 1, 0, "resp_unsat", ACT_RESPONDER), (ESC, -23, 2, -1, "reason_unsat", ACT_IRO),
                      (ESC, -15, 3, -1, "reason_noresp", ACT_IRO), (LEG, -9, 3, -1, "legal", ACT_IRO))),
    # open at stage 4, entered at stage 1, over the 20-day cap
    (CP, 1, 1, -22, ((RESP, -18, 1, 0, "resp_unsat", ACT_RESPONDER), (ESC, -17, 2, -1, "reason_unsat", ACT_IRO),
                     (RESP, -12, 2, 0, "resp_unsat", ACT_RESPONDER), (ESC, -11, 3, -1, "reason_unsat", ACT_IRO),
                     (RESP, -6, 3, 0, "resp_unsat", ACT_RESPONDER), (ESC, -3, 4, -1, "reason_unsat", ACT_IRO))),
    # Positive Challenge bypassed straight to stage 3; response not satisfactory, decision pending
    (LAC, 2, 0, -12, ((ESC, -10, 3, -1, "reason_bypass", ACT_IRO), (RESP, -4, 3, 0, "resp_unsat", ACT_RESPONDER))),
    # entered at stage 4, concurrent CAFCASS referral, no response: overdue
    (LAC, 0, 4, -16, ((NOTE, -15, 4, -1, "note_high", ACT_IRO), (LEG, -11, 4, -1, "legal", ACT_IRO),
                      (CAF, -8, 4, -1, "cafcass_concurrent", ACT_IRO))),
    # Positive Challenge with no response: overdue
    (CP, 1, 0, -9, ()),
    # stage 1 raised this week
    (LAC, 0, 1, -3, ()),
    # stage 2, overdue
    (CIN, 2, 2, -8, ((NOTE, -2, 2, -1, "note_low", ACT_IRO),)),
    # fresh Positive Challenge
    (LAC, 2, 0, -1, ()),
    # open at stage 3, just escalated
    (CP, 1, 2, -11, ((RESP, -6, 2, 0, "resp_unsat", ACT_RESPONDER), (ESC, -4, 3, -1, "reason_unsat", ACT_IRO))),
    # QA checklist graded inadequate = stage 1 escalation, resolved
    (LAC, 3, 1, -12, ((RESP, -9, 1, 1, "resp_sat", ACT_RESPONDER), (RES, -9, 1, -1, "resolved", ACT_IRO))),
)
# fmt: on
PLANTED_QA = 9  # index of the planted QA-linked case


def _text(rng: np.random.Generator, pool: str, n: int) -> np.ndarray:
    off, k = TEXT_POOL[pool]
    return off + rng.integers(0, k, n)


class _Events:
    """Column buffers for events: challenge, type, day, order, stage, satisfied, reason, note, actor."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {
            k: [] for k in ("ch", "type", "day", "order", "stage", "sat", "reason", "note", "actor")
        }

    def add(self, ch, type_, day, order, stage, sat=-1, reason=-1, note=-1, actor=ACT_IRO) -> None:
        ch = np.asarray(ch, np.int64)
        n = ch.size
        if n == 0:
            return

        def full(v):
            v = np.asarray(v, np.int64)
            return np.broadcast_to(v, (n,)).copy() if v.ndim == 0 else v

        for k, v in (
            ("ch", ch),
            ("type", type_),
            ("day", day),
            ("order", order),
            ("stage", stage),
            ("sat", sat),
            ("reason", reason),
            ("note", note),
            ("actor", actor),
        ):
            self.cols[k].append(full(v))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: (np.concatenate(v) if v else np.zeros(0, np.int64)) for k, v in self.cols.items()}


def _lifecycle(
    rng: np.random.Generator,
    ev: _Events,
    ch: np.ndarray,
    raised: np.ndarray,
    entry: np.ndarray,
    is_lac: np.ndarray,
) -> None:
    """Vectorised state machine: every open challenge takes one step per round."""
    cur = entry.astype(np.int64).copy()
    t = raised.astype(np.int64).copy()
    active = np.ones(ch.size, bool)
    cafcass_done = np.zeros(ch.size, bool)
    for r in range(16):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        m = idx.size
        s, t0, lac = cur[idx], t[idx], is_lac[idx]
        base = 10 * r
        if r == 15:  # safety net: close anything still going
            ev.add(ch[idx], RES, t0 + 5, base + 2, s, note=_text(rng, "resolved", m))
            break
        u = rng.random(m)
        withdraw = u < P_WITHDRAW[s]
        stall = ~withdraw & (u < P_WITHDRAW[s] + P_STALL[s])
        stall_esc = stall & (s < 4) & (rng.random(m) < 0.65)
        responded = ~withdraw & ~stall_esc
        late = rng.random(m) < P_LATE[s]
        delay = np.where(late, rng.integers(6, 16, m), 1 + rng.choice(5, m, p=ON_TIME_DELAY_P))
        delay = np.where(stall & ~stall_esc, rng.integers(8, 26, m), delay)
        resp_day = t0 + delay
        wd_day = t0 + rng.integers(1, 10, m)
        esc_noresp_day = t0 + rng.integers(6, 12, m)
        first_main = np.where(withdraw, wd_day, np.where(stall_esc, esc_noresp_day, resp_day))

        # side events during the stage, before its first main event
        side_day = t0 + (rng.random(m) * (first_main - t0 + 1)).astype(np.int64)
        k = rng.random(m) < P_NOTE
        ev.add(
            ch[idx[k]],
            NOTE,
            side_day[k],
            base,
            s[k],
            note=np.where(s[k] >= 3, _text(rng, "note_high", k.sum()), _text(rng, "note_low", k.sum())),
        )
        k = rng.random(m) < P_LEGAL[s]
        ev.add(ch[idx[k]], LEG, side_day[k], base, s[k], note=_text(rng, "legal", k.sum()))
        k = lac & ~cafcass_done[idx] & (rng.random(m) < P_CAFCASS_CONCURRENT[s])
        ev.add(ch[idx[k]], CAF, side_day[k], base, s[k], note=_text(rng, "cafcass_concurrent", k.sum()))
        cafcass_done[idx[k]] = True

        # withdrawn
        k = withdraw
        ev.add(ch[idx[k]], WDN, wd_day[k], base + 2, s[k], note=_text(rng, "withdrawn", k.sum()))
        active[idx[k]] = False

        # no response: escalate to the next stage (or further)
        target = _draw_targets(rng, s)
        k = stall_esc
        ev.add(
            ch[idx[k]],
            ESC,
            esc_noresp_day[k],
            base + 2,
            target[k],
            reason=_text(rng, "reason_noresp", k.sum()),
        )
        cur[idx[k]] = target[k]
        t[idx[k]] = esc_noresp_day[k]

        # responses
        sat = rng.random(m) < P_SAT[s]
        k = responded
        ev.add(
            ch[idx[k]],
            RESP,
            resp_day[k],
            base + 1,
            s[k],
            sat=sat[k].astype(np.int64),
            note=np.where(sat[k], _text(rng, "resp_sat", k.sum()), _text(rng, "resp_unsat", k.sum())),
            actor=ACT_RESPONDER,
        )
        # satisfied -> resolved
        k = responded & sat
        res_day = resp_day + np.where(rng.random(m) < 0.75, 0, rng.integers(1, 3, m))
        ev.add(ch[idx[k]], RES, res_day[k], base + 2, s[k], note=_text(rng, "resolved", k.sum()))
        active[idx[k]] = False
        # not satisfied below stage 4: ask again, or escalate (bypass when the jump is > 1)
        unsat = responded & ~sat
        retry = unsat & (s < 4) & (rng.random(m) < P_RETRY)
        k = retry
        ev.add(ch[idx[k]], NOTE, resp_day[k], base + 2, s[k], note=_text(rng, "retry", k.sum()))
        t[idx[k]] = resp_day[k] + rng.integers(0, 3, k.sum())
        k = unsat & (s < 4) & ~retry
        esc_day = resp_day + rng.integers(0, 4, m)
        bypass = target > s + 1
        reason = np.where(bypass, _text(rng, "reason_bypass", m), _text(rng, "reason_unsat", m))
        ev.add(ch[idx[k]], ESC, esc_day[k], base + 2, target[k], reason=reason[k])
        cur[idx[k]] = target[k]
        t[idx[k]] = esc_day[k]
        # not satisfied at stage 4: meeting with the AD, then CAFCASS (LAC) or agreed at the meeting
        k4 = unsat & (s == 4)
        caf = k4 & lac & (rng.random(m) < P_CAFCASS_AFTER_AD)
        caf_day = resp_day + rng.integers(3, 11, m)
        ev.add(
            ch[idx[caf]],
            CAF,
            caf_day[caf],
            base + 2,
            4,
            reason=_text(rng, "reason_meeting", caf.sum()),
            note=_text(rng, "cafcass_after_ad", caf.sum()),
        )
        end_day = caf_day + rng.integers(10, 50, m)
        ev.add(ch[idx[caf]], RES, end_day[caf], base + 3, 4, note=_text(rng, "resolved_cafcass", caf.sum()))
        k = k4 & ~caf
        end_day = resp_day + rng.integers(5, 21, m)
        ev.add(ch[idx[k]], RES, end_day[k], base + 2, 4, note=_text(rng, "resolved_ad", k.sum()))
        active[idx[k4]] = False


def _draw_targets(rng: np.random.Generator, s: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(ESCALATE_TO[s], axis=1)
    u = rng.random(s.size)[:, None]
    return np.minimum((u >= cdf).sum(axis=1), 4).astype(np.int64)


def _generate_authority(args: tuple) -> dict:
    """Generate one authority with authority-local integer ids (run in a worker process)."""
    a_idx, seed, size, suffix, cal, themes = args
    rng = np.random.default_rng(np.random.SeedSequence([seed, a_idx]))
    s0, e0 = cal.s0, cal.e0
    years = (e0 - s0 + 1) / WD_PER_YEAR
    org = _build_org(size, suffix)
    staff = _build_staff(rng, org, cal)
    roles = {r: i for i, r in enumerate(schema.ROLES)}

    # ---- children -------------------------------------------------------------------------------
    n_ch = max(12, int(rng.poisson(CHILDREN_PER_YEAR * size * (years + 1.5))))
    status = rng.choice(3, n_ch, p=CHILD_STATUS_P)
    lo = s0 - int(1.5 * WD_PER_YEAR)
    w0 = lo + ((e0 - lo) * rng.random(n_ch)).astype(np.int64)
    n_planted = len(PLANTED)
    p_status = np.array([p[0] for p in PLANTED])
    status = np.concatenate([status, p_status])
    w0 = np.concatenate([w0, np.full(n_planted, e0 - 120)])
    n_ch += n_planted
    dur = (rng.exponential(1.0, n_ch) * WINDOW_MEAN[status]).astype(np.int64) + 20
    u = rng.random(n_ch)
    age_years = (u[:, None] > np.cumsum(AGE_P[status], axis=1)).sum(axis=1)
    age_years[-n_planted:] = rng.integers(2, 15, n_planted)
    age_days = age_years * 365 + rng.integers(0, 365, n_ch)
    dob = cal.bdays[w0].astype(np.int64) - age_days  # days since epoch
    turn18 = dob + 18 * 365 + 4  # (approximately) the 18th birthday
    w18 = np.searchsorted(cal.bdays.astype(np.int64), turn18) - 1
    w1 = np.minimum(np.minimum(w0 + dur, w18), e0)
    w1[-n_planted:] = e0
    w0c = np.maximum(w0, s0)
    keep = w1 >= w0c
    keep[-n_planted:] = True
    status, w0, w0c, w1, dob = status[keep], w0[keep], w0c[keep], w1[keep], dob[keep]
    n_ch = status.size
    planted_child = np.arange(n_ch - n_planted, n_ch)
    gender = rng.choice(3, n_ch, p=[0.52, 0.47, 0.01])
    svc_idx = {name: i for i, name in enumerate(s.removesuffix(suffix) for s in org.service_names)}
    home = np.empty(n_ch, np.int64)
    for st, code in enumerate(STATUSES):
        names, w = zip(*HOME_SERVICE[code].items(), strict=True)
        k = status == st
        home[k] = np.array([svc_idx[x] for x in names])[
            rng.choice(len(names), k.sum(), p=np.array(w) / sum(w))
        ]
    u_sw, off_sw = rng.random(n_ch), rng.integers(0, 200, n_ch)
    u_iro, off_iro = rng.random(n_ch), rng.integers(0, 520, n_ch)

    sw_role, iro_role, chair_role = roles["social_worker"], roles["iro"], roles["conference_chair"]
    spell_service = org.team_service[staff.team]

    def pick_sw(child: np.ndarray, days: np.ndarray) -> np.ndarray:
        out = np.full(child.size, -1, np.int64)
        u = _sticky_u(u_sw[child], off_sw[child], days, 200)
        for sv in np.unique(home[child]):
            k = home[child] == sv
            pool = np.flatnonzero((staff.role == sw_role) & (spell_service == sv))
            sel = _pick(staff.frm[pool], staff.to[pool], days[k], u[k])
            out[k] = np.where(sel >= 0, pool[np.maximum(sel, 0)], -1)
        missing = out < 0
        if missing.any():  # no social worker in the home service that day: anyone
            pool = np.flatnonzero(staff.role == sw_role)
            sel = _pick(staff.frm[pool], staff.to[pool], days[missing], u[missing])
            out[missing] = pool[np.maximum(sel, 0)]
        return out

    def pick_iro(child: np.ndarray, days: np.ndarray) -> np.ndarray:
        out = np.full(child.size, -1, np.int64)
        u = _sticky_u(u_iro[child], off_iro[child], days, 520)
        for r, k in ((iro_role, status[child] == LAC), (chair_role, status[child] != LAC)):
            pool = np.flatnonzero(staff.role == r)
            sel = _pick(staff.frm[pool], staff.to[pool], days[k], u[k])
            out[k] = pool[np.maximum(sel, 0)]
        return out

    # ---- QA checklists before LAC reviews ------------------------------------------------------
    lac_ch = np.flatnonzero(status == LAC)
    span = w1[lac_ch] - w0[lac_ch]
    n_rev = np.where(span >= 20, 1, 0) + np.where(span >= 85, 1 + (span - 85) // 130, 0)
    rc = np.repeat(lac_ch, n_rev)
    k_in = np.arange(rc.size) - np.repeat(np.cumsum(n_rev) - n_rev, n_rev)
    review = w0[rc] + np.where(k_in == 0, 20, 85 + (k_in - 1) * 130)
    graded = review - rng.integers(1, 6, rc.size)
    ok = (graded >= w0c[rc]) & (graded >= s0) & (graded <= e0)
    g_child, g_day = rc[ok], graded[ok]
    g_grade = rng.choice(4, g_child.size, p=GRADE_P)
    g_iro_spell = pick_iro(g_child, g_day)
    g_linked = (g_grade == 3) & (rng.random(g_child.size) < P_GRADE_LINKED)

    # ---- challenges ----------------------------------------------------------------------------
    n_reg = int(rng.poisson(CHALLENGES_PER_YEAR * size * years))
    c_status = rng.choice(3, n_reg, p=STATUS_OF_CHALLENGE_P)
    # dates first (slowly rising demand, quieter August and December), then a child known that day
    growth = 0.35
    c_day = np.zeros(n_reg, np.int64)
    todo = np.arange(n_reg)
    month = cal.bdays.astype("datetime64[M]").astype(np.int64) % 12
    for _ in range(8):
        u = rng.random(todo.size)
        x = (np.sqrt(1 + 2 * growth * u * (1 + growth / 2)) - 1) / growth
        c_day[todo] = s0 + np.minimum((x * (e0 - s0 + 1)).astype(np.int64), e0 - s0)
        todo = todo[rng.random(todo.size) > MONTH_WEIGHT[month[c_day[todo]]]]
        if todo.size == 0:
            break
    c_child = np.full(n_reg, -1, np.int64)
    u = rng.random(n_reg)
    for st in range(3):
        k = np.flatnonzero(c_status == st)
        pool = np.flatnonzero(status == st)
        sel = _pick_known(rng, w0c[pool], w1[pool], c_day[k])
        c_child[k[sel >= 0]] = pool[sel[sel >= 0]]
    k = np.flatnonzero(c_child < 0)  # nobody of that status known that day: anybody known that day
    if k.size:
        sel = _pick(w0c, w1, c_day[k], u[k])
        c_child[k] = sel
        k = k[sel < 0]
        if k.size:  # nobody at all (tiny scale): the child whose window is nearest
            gap = np.maximum(w0c[None, :] - c_day[k, None], c_day[k, None] - w1[None, :])
            c_child[k] = np.argmin(gap, axis=1)
            c_day[k] = np.clip(c_day[k], w0c[c_child[k]], w1[c_child[k]])
    c_status = status[c_child]
    c_context = (rng.random(n_reg)[:, None] > np.cumsum(CONTEXT_P[c_status], axis=1)).sum(axis=1)
    c_entry = rng.choice(5, n_reg, p=ENTRY_P)

    # QA-linked challenges (stage 1, raised the same day by the same IRO)
    q = np.flatnonzero(g_linked)
    # planted
    p_raised = e0 + np.array([p[3] for p in PLANTED])
    all_child = np.concatenate([c_child, g_child[q], planted_child])
    all_day = np.concatenate([c_day, g_day[q], p_raised])
    all_context = np.concatenate([c_context, np.full(q.size, 3), [p[1] for p in PLANTED]])
    all_entry = np.concatenate([c_entry, np.ones(q.size, np.int64), [p[2] for p in PLANTED]])
    kind = np.concatenate([np.zeros(n_reg, np.int64), np.ones(q.size, np.int64), np.full(n_planted, 2)])
    order = np.lexsort((np.arange(all_day.size), all_day))
    all_child, all_day, all_context, all_entry, kind = (
        x[order] for x in (all_child, all_day, all_context, all_entry, kind)
    )
    pos = np.empty(order.size, np.int64)
    pos[order] = np.arange(order.size)
    n_c = all_day.size
    qa_pos = pos[n_reg : n_reg + q.size]
    planted_pos = pos[n_reg + q.size :]
    # the planted QA case gets an inadequate grade linked to it
    pq = PLANTED_QA
    g_child = np.append(g_child, planted_child[pq])
    g_day = np.append(g_day, p_raised[pq])
    g_grade = np.append(g_grade, 3)
    g_iro_spell = np.append(g_iro_spell, pick_iro(planted_child[pq : pq + 1], p_raised[pq : pq + 1]))
    g_challenge = np.full(g_child.size, -1, np.int64)
    g_challenge[q] = qa_pos
    g_challenge[-1] = planted_pos[pq]

    c_st = status[all_child]
    iro_spell = pick_iro(all_child, all_day)
    # QA-linked: exactly the grade's IRO
    iro_spell[qa_pos] = g_iro_spell[q]
    iro_spell[planted_pos[pq]] = g_iro_spell[-1]
    sw_spell = pick_sw(all_child, all_day)
    c_team = staff.team[sw_spell]
    c_sw = staff.worker[sw_spell]
    c_iro = staff.worker[iro_spell]
    c_iro_team = staff.team[iro_spell]

    # ---- events --------------------------------------------------------------------------------
    ev = _Events()
    reg = np.flatnonzero(kind != 2)
    _lifecycle(rng, ev, reg, all_day[reg], all_entry[reg], c_st[reg] == LAC)
    for p_i, (_st, _ctx, _entry, _off, script) in enumerate(PLANTED):
        c = planted_pos[p_i]
        for j, (typ, off, stage, sat, pool, actor) in enumerate(script):
            text = int(_text(rng, pool, 1)[0]) if pool else -1
            is_reason = typ == ESC or (pool or "").startswith("reason")
            ev.add(
                [c],
                typ,
                e0 + off,
                j,
                stage,
                sat=sat,
                reason=text if is_reason else -1,
                note=-1 if is_reason else text,
                actor=actor,
            )
    e = ev.arrays()
    keep = e["day"] <= e0
    e = {k: v[keep] for k, v in e.items()}
    o = np.lexsort((e["ch"], e["order"], e["day"]))  # chronological event ids
    e = {k: v[o] for k, v in e.items()}
    n_e = e["ch"].size

    # ---- who: raised_with, assigned_to, actor, recorded_by -------------------------------------
    def manager(stage: np.ndarray, team: np.ndarray, day: np.ndarray) -> np.ndarray:
        d = day - s0
        out = np.full(stage.size, -1, np.int64)
        svc = org.team_service[team]
        div = org.team_division[team]
        for st, level, unit in (
            (1, "team_manager", team),
            (2, "service_manager", svc),
            (3, "head_of_service", div),
            (4, "assistant_director", org.division_ad[div]),
        ):
            k = stage == st
            out[k] = staff.holder[level][unit[k], d[k]]
        k = stage == 0
        out[k] = staff.holder["team_manager"][team[k], d[k]]
        return out

    with_sw = (all_entry == 0) & (rng.random(n_c) < 0.55)
    c_with = np.where(with_sw, c_sw, manager(all_entry, c_team, all_day))

    ech = e["ch"]
    eday = e["day"]
    estage = e["stage"]
    team_e = c_team[ech]
    # the IRO/Chair acts, or their Assistant Service Manager once they have left
    iro_w = c_iro[ech]
    iro_here = staff.present[iro_w, eday - s0]
    asm = staff.holder["assistant_service_manager"][c_iro_team[ech], eday - s0]
    iro_actor = np.where(iro_here, iro_w, asm)
    # responder: stage manager; at stage 0 the person it was raised with while still in the team
    resp = manager(estage, team_e, eday)
    sw_still = with_sw[ech] & (staff.to[sw_spell[ech]] >= eday)
    resp = np.where((estage == 0) & sw_still, c_with[ech], resp)
    actor = np.where(e["actor"] == ACT_RESPONDER, resp, iro_actor)
    assigned = np.where(e["type"] == ESC, manager(estage, team_e, eday), -1)
    recorded_by = np.where((e["type"] == RESP) & (rng.random(n_e) < 0.25), iro_actor, actor)
    # recorded the same day in office hours, sometimes 1-3 working days late (never after `end`)
    late = np.where(rng.random(n_e) < 0.08, rng.integers(1, 4, n_e), 0)
    rec_day = np.where(eday + late <= e0, eday + late, eday)
    secs = cal.bdays[rec_day].astype(np.int64) * 86400 + rng.integers(8 * 3600, 18 * 3600 + 1800, n_e)
    # keep recorded_at in event order within a challenge
    if n_e:
        big = secs.max() + 1
        grp = np.argsort(ech, kind="stable")
        adj = ech[grp] * big + secs[grp]
        secs[grp] = np.maximum.accumulate(adj) - ech[grp] * big

    # ---- themes and concerns -------------------------------------------------------------------
    n_th = len(themes.codes)
    frac = (all_day - s0) / max(1, e0 - s0)
    logw = themes.log_w[c_st] + np.where(themes.declining[None, :], np.log(1.6 - 1.0 * frac)[:, None], 0.0)
    keys = logw + rng.gumbel(size=(n_c, n_th))
    k_th = np.minimum(rng.choice([1, 2, 3], n_c, p=[0.5, 0.33, 0.17]), n_th)
    if n_th > 3:
        top = np.argpartition(-keys, 2, axis=1)[:, :3]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1), axis=1)
    else:
        top = np.argsort(-keys, axis=1)
        top = np.pad(top, ((0, 0), (0, 3 - top.shape[1])), constant_values=-1)
    finite = np.take_along_axis(np.isfinite(keys), np.maximum(top, 0), axis=1) & (top >= 0)
    top = np.where((np.arange(3)[None, :] < k_th[:, None]) & finite, top, -1)
    top[:, 0] = np.argmax(keys, axis=1)
    names = np.array(CHILD_NAMES)[rng.integers(0, len(CHILD_NAMES), n_c)]
    their = np.where(gender[all_child] == 0, "his", np.where(gender[all_child] == 1, "her", "their"))
    tpl_u = rng.random(n_c)
    concerns = []
    for i in range(n_c):
        code = themes.codes[top[i, 0]]
        label = themes.labels[top[i, 0]]
        if all_context[i] == 3:
            concerns.append(QA_CONCERN.format(label_lower=label[:1].lower() + label[1:]))
            continue
        pool = CONCERNS.get(code, GENERIC_CONCERNS)
        concerns.append(pool[int(tpl_u[i] * len(pool))].format(name=names[i], their=their[i], label=label))

    return {
        "org": org,
        "staff": staff,
        "children": {
            "status": status,
            "dob": dob,
            "gender": gender,
            "allocated": _allocated(pick_sw, staff, n_ch, w1, dob, cal),
        },
        "challenges": {
            "child": all_child,
            "day": all_day,
            "raised_by": c_iro,
            "sw": c_sw,
            "team": c_team,
            "status": c_st,
            "context": all_context,
            "entry": all_entry,
            "themes": top,
            "concern": concerns,
            "with": c_with,
        },
        "events": {
            "ch": ech,
            "type": e["type"],
            "day": eday,
            "stage": estage,
            "actor": actor,
            "assigned": assigned,
            "sat": e["sat"],
            "reason": e["reason"],
            "note": e["note"],
            "rec_secs": secs,
            "rec_by": recorded_by,
        },
        "grades": {
            "child": g_child[np.argsort(g_day, kind="stable")],
            "day": np.sort(g_day, kind="stable"),
            "iro": staff.worker[g_iro_spell][np.argsort(g_day, kind="stable")],
            "grade": g_grade[np.argsort(g_day, kind="stable")],
            "challenge": g_challenge[np.argsort(g_day, kind="stable")],
        },
    }


def _allocated(
    pick_sw, staff: Staff, n_ch: int, w1: np.ndarray, dob: np.ndarray, cal: Calendar
) -> np.ndarray:
    """Current social worker: none once the case closed (or the child turned 18)."""
    e0 = cal.e0
    child = np.arange(n_ch)
    spell = pick_sw(child, np.full(n_ch, e0))
    open_case = (w1 >= e0 - 130) & (cal.bdays[e0].astype(np.int64) - dob < 18 * 365)
    return np.where(open_case, staff.worker[spell], -1)


# --------------------------------------------------------------------------------------------------
# From local ints to the canonical layout
# --------------------------------------------------------------------------------------------------


@dataclass
class _Offsets:
    team: int = 0
    worker: int = 0
    child: int = 0
    challenge: int = 0
    event: int = 0
    grade: int = 0


def _sid(prefix: str, local: np.ndarray, offset: int, width: int, base: int = 0) -> pl.Series:
    """String ids; -1 -> null."""
    s = pl.Series(np.where(local >= 0, local + offset + base, -1))
    return pl.when(s >= 0).then(pl.lit(prefix) + s.cast(pl.String).str.zfill(width)).otherwise(None)


def _frames(res: dict, off: _Offsets, spec: Scale, cal: Calendar, themes: Themes) -> dict[str, pl.DataFrame]:
    org: Org = res["org"]
    staff: Staff = res["staff"]
    tw, cw, ew = spec.team_id_width, spec.id_width, spec.event_id_width
    e0 = cal.e0

    def team_id(x):
        return _sid("T", np.asarray(x), off.team + 1, tw)

    def worker_id(x):
        return _sid("W", np.asarray(x), off.worker + 1001, 0)

    def child_id(x):
        return _sid("C", np.asarray(x), off.child + 100001, 0)

    def chal_id(x):
        return _sid("PC-", np.asarray(x), off.challenge + 1, cw)

    def date_of(idx):
        return pl.Series(cal.epoch_days(np.asarray(idx))).cast(pl.Int32).cast(pl.Date)

    def pick(values, idx):
        idx = np.asarray(idx)
        out = pl.Series(list(values), dtype=pl.String).gather(pl.Series(np.maximum(idx, 0)))
        return out.set(pl.Series(idx < 0), None) if (idx < 0).any() else out

    n_t = len(org.team_name)
    teams = pl.DataFrame(
        {
            "team_id": pl.select(team_id(np.arange(n_t))).to_series(),
            "team_name": org.team_name,
            "service_name": pick(org.service_names, org.team_service),
            "division_name": pick(org.division_names, org.team_division),
            "team_kind": org.team_kind,
        }
    )

    wo = np.lexsort((staff.frm, staff.worker))
    to = staff.to[wo]
    workers = pl.DataFrame(
        {
            "worker_id": pl.select(worker_id(staff.worker[wo])).to_series(),
            "worker_name": pick(staff.names, staff.worker[wo]),
            "role": pick(schema.ROLES, staff.role[wo]),
            "team_id": pl.select(team_id(staff.team[wo])).to_series(),
            "valid_from": date_of(staff.frm[wo]),
            "valid_to": date_of(np.minimum(to, e0)).set(pl.Series(to >= e0), None),
        }
    )

    c = res["children"]
    n_c = c["status"].size
    children = pl.DataFrame(
        {
            "child_id": pl.select(child_id(np.arange(n_c))).to_series(),
            "legal_status": pick(STATUSES, c["status"]),
            "date_of_birth": pl.Series(c["dob"]).cast(pl.Int32).cast(pl.Date),
            "gender": pick(("Male", "Female", "Unknown"), c["gender"]),
            "allocated_worker_id": pl.select(worker_id(c["allocated"])).to_series(),
        }
    )

    ch = res["challenges"]
    n_ch = ch["day"].size
    top = ch["themes"]
    th = [pick(themes.codes, top[:, j]).alias(f"t{j}") for j in range(3)]
    themes_col = (
        pl.DataFrame(th)
        .select(pl.concat_str(["t0", "t1", "t2"], separator=";", ignore_nulls=True))
        .to_series()
    )
    challenges = pl.DataFrame(
        {
            "challenge_id": pl.select(chal_id(np.arange(n_ch))).to_series(),
            "child_id": pl.select(child_id(ch["child"])).to_series(),
            "raised_on": date_of(ch["day"]),
            "raised_by_worker_id": pl.select(worker_id(ch["raised_by"])).to_series(),
            "social_worker_id": pl.select(worker_id(ch["sw"])).to_series(),
            "team_id": pl.select(team_id(ch["team"])).to_series(),
            "legal_status": pick(STATUSES, ch["status"]),
            "context": pick(CONTEXTS, ch["context"]),
            "route": pick(schema.ROUTES, (ch["entry"] > 0).astype(np.int64)),
            "entry_stage": pl.Series(ch["entry"]).cast(pl.Int64),
            "themes": themes_col,
            "concern": pl.Series(ch["concern"], dtype=pl.String),
            "raised_with_worker_id": pl.select(worker_id(ch["with"])).to_series(),
        }
    )

    ev = res["events"]
    n_e = ev["ch"].size
    events = pl.DataFrame(
        {
            "event_id": pl.select(_sid("EV-", np.arange(n_e), off.event + 1, ew)).to_series(),
            "challenge_id": pl.select(chal_id(ev["ch"])).to_series(),
            "event_type": pick(schema.EVENT_TYPES, ev["type"]),
            "event_on": date_of(ev["day"]),
            "stage": pl.Series(ev["stage"]).cast(pl.Int64),
            "actor_worker_id": pl.select(worker_id(ev["actor"])).to_series(),
            "assigned_to_worker_id": pl.select(worker_id(ev["assigned"])).to_series(),
            "satisfied": pl.Series(ev["sat"])
            .cast(pl.Int8)
            .set(pl.Series(ev["sat"] < 0), None)
            .cast(pl.Boolean),
            "reason": pick(TEXT_LIST, ev["reason"]),
            "note": pick(TEXT_LIST, ev["note"]),
            "recorded_at": pl.Series(ev["rec_secs"] * 1000).cast(pl.Datetime("ms")),
            "recorded_by": pl.select(worker_id(ev["rec_by"])).to_series(),
        }
    )

    g = res["grades"]
    n_g = g["day"].size
    grades = pl.DataFrame(
        {
            "grade_id": pl.select(_sid("QA-", np.arange(n_g), off.grade + 1, cw)).to_series(),
            "child_id": pl.select(child_id(g["child"])).to_series(),
            "graded_on": date_of(g["day"]),
            "iro_worker_id": pl.select(worker_id(g["iro"])).to_series(),
            "grade": pick(schema.QA_GRADES, g["grade"]),
            "challenge_id": pl.select(chal_id(g["challenge"])).to_series(),
        }
    )

    off.team += n_t
    off.worker += len(staff.names)
    off.child += n_c
    off.challenge += n_ch
    off.event += n_e
    off.grade += n_g
    out = {
        "teams": teams,
        "workers": workers,
        "children": children,
        "challenges": challenges,
        "challenge_events": events,
        "qa_grades": grades,
    }
    out = add_learning(out)  # outcomes, pre-CAFCASS meetings, supervision, good practice (issue 13)
    return {name: df.select(schema.ENTITIES[name].column_names) for name, df in out.items()}


# --------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------


def authority_names(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 424242]))
    combos = [p + s for p in AUTH_PREFIX for s in AUTH_SUFFIX]
    order = rng.permutation(len(combos))
    names = [combos[i] for i in order]
    while len(names) < n:  # more authorities than syllable pairs: number them
        names += [f"{x} {len(names) // len(combos) + 1}" for x in combos]
    return names[:n]


def generate(
    out_dir: Path,
    scale: str = "la",
    seed: int = 7,
    end: date | None = None,
    years: int | None = None,
    fmt: str = "csv",
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write synthetic extracts in the canonical layout to ``out_dir``; return rows per entity.

    scale: ``tiny`` (a few dozen challenges, for tests), ``la`` (one authority, ~6 years),
    ``region`` (10 authorities), ``national`` (150 authorities, millions of events).
    The output depends only on (scale, seed, end, years). ``end`` defaults to today; nothing is
    dated after it. ``fmt`` is ``csv`` (any scale) or ``xlsx`` (one workbook per entity, sheet named
    after the entity; tiny and la only). ``progress(line)`` gets a one-line status after each
    authority (the project's progress convention, as in ``ingest_paths``).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}; choose csv or xlsx")
    if fmt == "xlsx" and scale not in XLSX_SCALES:
        raise ValueError(
            f"xlsx output is only offered up to scale 'la' ({scale!r} would exceed what a workbook "
            "is fit for: sheets stop at 1,048,576 rows and xlsxwriter holds them in memory); use csv"
        )
    spec = SCALES[scale]
    years = spec.years if years is None else int(years)
    if years < 1:
        raise ValueError("years must be at least 1")
    end = end or date.today()
    cal = Calendar.build(end, years)
    themes = load_themes()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    n_auth = spec.authorities
    size_rng = np.random.default_rng(np.random.SeedSequence([seed, 999_983]))
    sizes = (
        spec.size * np.clip(size_rng.lognormal(0.0, spec.size_spread, n_auth), 0.3, 3.0)
        if spec.size_spread
        else np.full(n_auth, spec.size)
    )
    names = authority_names(n_auth, seed) if n_auth > 1 else [""]
    suffixes = [f" ({n})" if n else "" for n in names]
    tasks = [(a, seed, float(sizes[a]), suffixes[a], cal, themes) for a in range(n_auth)]

    counts = {name: 0 for name in schema.LOAD_ORDER}
    off = _Offsets()
    collected: dict[str, list[pl.DataFrame]] = {name: [] for name in schema.LOAD_ORDER}
    handles = {}
    tmp_paths = {name: out_dir / f".{name}.csv.part" for name in schema.LOAD_ORDER}
    tmp_xlsx = {name: out_dir / f".{name}.part.xlsx" for name in schema.LOAD_ORDER}
    try:
        if fmt == "csv":
            handles = {name: open(p, "wb") for name, p in tmp_paths.items()}  # noqa: SIM115
        for done, res in enumerate(_run(tasks), start=1):
            frames = _frames(res, off, spec, cal, themes)
            for name, df in frames.items():
                counts[name] += df.height
                if fmt == "csv":
                    df.write_csv(
                        handles[name],
                        include_header=done == 1,
                        datetime_format="%Y-%m-%dT%H:%M:%S",
                        date_format="%Y-%m-%d",
                    )
                else:
                    collected[name].append(df)
            if progress:
                progress(
                    f"demo: authority {done}/{n_auth} written ({counts['challenges']:,} challenges, "
                    f"{counts['challenge_events']:,} events so far)"
                )
        if fmt == "csv":
            for name, h in handles.items():
                h.close()
                os.replace(tmp_paths[name], out_dir / f"{name}.csv")
        else:
            for name, dfs in collected.items():
                df = pl.concat(dfs)
                df.write_excel(
                    tmp_xlsx[name],
                    worksheet=name,
                    autofit=False,
                    dtype_formats={pl.Date: "yyyy-mm-dd", pl.Datetime: "yyyy-mm-dd hh:mm:ss"},
                )
                os.replace(tmp_xlsx[name], out_dir / f"{name}.xlsx")
    finally:
        for h in handles.values():
            if not h.closed:
                h.close()
        for name in schema.LOAD_ORDER:
            tmp_paths[name].unlink(missing_ok=True)
            tmp_xlsx[name].unlink(missing_ok=True)
    return counts


def _run(tasks: list[tuple]):
    """Authorities in order; in two worker processes when there are many, with at most a few
    results in flight so memory stays flat (the output does not depend on the process count)."""
    workers = max(1, min(2, os.cpu_count() or 1))
    if len(tasks) < 4 or workers == 1:
        for t in tasks:
            yield _generate_authority(t)
        return
    # fork where there is one: spawn would re-run a caller's script that has no __main__ guard.
    # The workers only use numpy (never polars), so forking a process running polars threads is safe.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
        pending: deque = deque()
        it = iter(tasks)
        for t in it:
            pending.append(pool.submit(_generate_authority, t))
            if len(pending) >= 2 * workers:
                break
        while pending:
            res = pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(_generate_authority, nxt))
            yield res


__all__ = ["SCALES", "authority_names", "generate", "load_themes"]

"""The canonical extract layout: one file per entity, its columns, types and allowed values.

This module is the single source of truth for the layout; ``docs/extract-spec.md`` describes it
for people, the column-mapping profiles translate other case systems into it, the validation rules
check against it, and the raw store's tables are created from it.

Types:
    text      free text, stored as typed (trimmed of surrounding white space)
    code      one of ``allowed`` (case-insensitive on input, stored in lower case)
    date      ISO ``2017-07-31`` or UK ``31/07/2017``
    timestamp ISO ``2017-07-31T14:05:00`` / ``2017-07-31 14:05`` or UK ``31/07/2017 14:05``
    int       whole number
    bool      true/false, yes/no, y/n, 1/0
    codes     several codes separated by ``;`` (themes)
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEGAL_STATUSES = ("lac", "cp", "cin")
ROLES = (
    "social_worker",
    "team_manager",
    "service_manager",
    "head_of_service",
    "assistant_director",
    "iro",
    "conference_chair",
    "assistant_service_manager",
)
TEAM_KINDS = ("social_work", "iro_service")
CONTEXTS = ("lac_review", "cp_conference", "midway_tracking", "qa_checklist", "other")
ROUTES = ("informal", "formal")
EVENT_TYPES = (
    "escalated",  # moved to a (higher) formal stage; a jump of more than one stage is a bypass
    "response",  # the responsible manager responded at a stage
    "resolved",  # the IRO/Chair is satisfied; the challenge closes
    "withdrawn",  # the IRO/Chair withdrew the challenge; it closes
    "cafcass_referral",  # referral to CAFCASS (looked-after children only)
    "legal_advice",  # independent legal advice requested
    "note",  # a note on the record
    "pre_cafcass_meeting",  # the meeting that must precede a CAFCASS referral (attendees, outcome)
    "supervision",  # the challenge discussed in the IRO's supervision
)
QA_GRADES = ("outstanding", "good", "requires_improvement", "inadequate")
#: What changed for the child when a challenge closed: the codes of dbt_project/seeds/child_outcomes.csv
#: (tests/learning/test_outcomes.py keeps the two the same).
CHILD_OUTCOMES = (
    "plan_updated",
    "assessment_completed",
    "placement_reviewed",
    "placement_changed",
    "service_provided",
    "permanence_progressed",
    "legal_action_progressed",
    "contact_arranged",
    "education_health_addressed",
    "no_change",
    "other",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text | code | date | timestamp | int | bool | codes
    required: bool = True
    allowed: tuple[str, ...] = ()
    description: str = ""
    max_length: int = 4000


@dataclass(frozen=True)
class Entity:
    name: str  # also the raw table name
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""
    file_stems: tuple[str, ...] = field(default=())  # file names (without extension) that mean this entity

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


TEAMS = Entity(
    name="teams",
    key=("team_id",),
    description="Teams and the service hierarchy above them.",
    file_stems=("teams",),
    columns=(
        Column("team_id", "text", description="Case-system team identifier."),
        Column("team_name", "text", description="Team name as managers know it."),
        Column("service_name", "text", description="The service the team belongs to (one level up)."),
        Column(
            "division_name",
            "text",
            required=False,
            description="The division or directorate above the service.",
        ),
        Column(
            "team_kind",
            "code",
            allowed=TEAM_KINDS,
            description="social_work for case-holding teams, iro_service for IRO/Chair teams.",
        ),
    ),
)

WORKERS = Entity(
    name="workers",
    key=("worker_id", "team_id", "valid_from"),
    description="Workers and their spells in teams (one row per spell, so a move of team is kept).",
    file_stems=("workers", "staff"),
    columns=(
        Column("worker_id", "text", description="Case-system worker identifier."),
        Column("worker_name", "text", description="Display name."),
        Column("role", "code", allowed=ROLES, description="Role in the escalation process."),
        Column("team_id", "text", description="Team of this spell."),
        Column("valid_from", "date", description="First day in this team and role."),
        Column("valid_to", "date", required=False, description="Last day; empty while current."),
        Column(
            "email",
            "text",
            required=False,
            max_length=254,
            description="Work email address, for notifications (docs/notifications.md); optional.",
        ),
    ),
)

CHILDREN = Entity(
    name="children",
    key=("child_id",),
    description="Children known to the service. No names: the case-system identifier only.",
    file_stems=("children", "persons", "people"),
    columns=(
        Column("child_id", "text", description="Case-system person identifier."),
        Column(
            "legal_status",
            "code",
            allowed=LEGAL_STATUSES,
            description="Current legal status: lac, cp or cin.",
        ),
        Column("date_of_birth", "date", required=False, description="Date of birth."),
        Column("gender", "text", required=False, description="Gender as recorded."),
        Column("allocated_worker_id", "text", required=False, description="Current social worker."),
    ),
)

CHALLENGES = Entity(
    name="challenges",
    key=("challenge_id",),
    description=(
        "One row per Positive Challenge or Formal Escalation: who raised it, about which child, "
        "where it entered the process. Later steps are challenge events."
    ),
    file_stems=("challenges", "escalations"),
    columns=(
        Column("challenge_id", "text", description="Identifier of the challenge (the case-system step id)."),
        Column("child_id", "text", description="The child the challenge is about."),
        Column("raised_on", "date", description="Date the challenge was raised (day 0)."),
        Column("raised_by_worker_id", "text", description="The IRO or Conference Chair who raised it."),
        Column(
            "social_worker_id",
            "text",
            required=False,
            description="The child's social worker when raised; decides the team roll-up.",
        ),
        Column(
            "team_id",
            "text",
            required=False,
            description="Team when raised, if the case system records it; else derived from the social worker.",
        ),
        Column(
            "legal_status",
            "code",
            allowed=LEGAL_STATUSES,
            description="The child's legal status when the challenge was raised.",
        ),
        Column("context", "code", allowed=CONTEXTS, description="Where the concern arose."),
        Column(
            "route",
            "code",
            allowed=ROUTES,
            description="informal (Positive Challenge) or formal (Formal Escalation).",
        ),
        Column(
            "entry_stage",
            "int",
            description="0 for a Positive Challenge; the formal stage entered (1 upwards) otherwise.",
        ),
        Column("themes", "codes", description="Theme codes from the taxonomy, separated by ';'."),
        Column("concern", "text", required=False, description="The concern in words."),
        Column(
            "raised_with_worker_id",
            "text",
            required=False,
            description="The manager or worker the challenge was raised with.",
        ),
    ),
)

CHALLENGE_EVENTS = Entity(
    name="challenge_events",
    key=("event_id",),
    description="Everything that happens to a challenge after it is raised, one row per action.",
    file_stems=("challenge_events", "events", "escalation_events"),
    columns=(
        Column("event_id", "text", description="Identifier of the event."),
        Column("challenge_id", "text", description="The challenge it belongs to."),
        Column("event_type", "code", allowed=EVENT_TYPES, description="What happened."),
        Column("event_on", "date", description="The date it happened."),
        Column(
            "stage",
            "int",
            required=False,
            description="For escalated: the stage moved to. For response: the stage responding.",
        ),
        Column("actor_worker_id", "text", required=False, description="Who acted (responder, IRO)."),
        Column(
            "assigned_to_worker_id",
            "text",
            required=False,
            description="For escalated: the manager the stage is sent to (else derived from the team).",
        ),
        Column(
            "satisfied",
            "bool",
            required=False,
            description="For response: was the IRO/Chair satisfied with it.",
        ),
        Column("reason", "text", required=False, description="Reason (required in the app for a bypass)."),
        Column("note", "text", required=False, description="Free text."),
        Column(
            "outcome_code",
            "code",
            required=False,
            allowed=CHILD_OUTCOMES,
            description="For resolved or withdrawn: what changed for the child (dbt_project/seeds/child_outcomes.csv).",
        ),
        Column(
            "outcome_note",
            "text",
            required=False,
            description="For resolved or withdrawn: what changed for the child, in words.",
        ),
        Column(
            "attendees",
            "text",
            required=False,
            description="For pre_cafcass_meeting: who attended (the meeting's outcome goes in note).",
        ),
        Column("recorded_at", "timestamp", required=False, description="When the action was recorded."),
        Column("recorded_by", "text", required=False, description="Who recorded it."),
    ),
)

QA_GRADES_ENTITY = Entity(
    name="qa_grades",
    key=("grade_id",),
    description="IRO Quality Assurance and Compliance checklist grades, completed before reviews.",
    file_stems=("qa_grades", "qa_checklist", "qa_checklists"),
    columns=(
        Column("grade_id", "text", description="Identifier of the checklist."),
        Column("child_id", "text", description="The child."),
        Column("graded_on", "date", description="Date of the checklist."),
        Column("iro_worker_id", "text", description="The IRO who completed it."),
        Column("grade", "code", allowed=QA_GRADES, description="Overall grade."),
        Column(
            "challenge_id",
            "text",
            required=False,
            description="The escalation recorded for this grade, if the case system links one.",
        ),
    ),
)

GOOD_PRACTICE = Entity(
    name="good_practice",
    key=("good_practice_id",),
    description=(
        'Optional. Good practice an IRO or Chair saw (Leicestershire: "areas of good practice as well '
        'as areas that need to be improved"). No deadlines; never counted as an escalation.'
    ),
    file_stems=("good_practice", "good_practice_alerts"),
    columns=(
        Column("good_practice_id", "text", description="Identifier of the record."),
        Column("recorded_on", "date", description="The date the good practice was seen."),
        Column("iro_worker_id", "text", description="The IRO or Conference Chair who recorded it."),
        Column("team_id", "text", description="The team whose practice it was."),
        Column(
            "themes",
            "codes",
            description="Codes from the good-practice list (dbt_project/seeds/good_practice_themes.csv), separated by ';'.",
        ),
        Column("description", "text", description="What was good, in words."),
        Column("child_id", "text", required=False, description="The child, when it was about one child."),
    ),
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (TEAMS, WORKERS, CHILDREN, CHALLENGES, CHALLENGE_EVENTS, QA_GRADES_ENTITY, GOOD_PRACTICE)
}

# Load order: reference entities first, so row rules can check references within one load.
LOAD_ORDER = ("teams", "workers", "children", "challenges", "challenge_events", "qa_grades", "good_practice")

# Columns added by ingest to every raw table.
LINEAGE_COLUMNS = ("_load_id", "_source_file", "_source_row")

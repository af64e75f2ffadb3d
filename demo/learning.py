"""The demo's learning records (issue 13), derived from one authority's generated frames so the demo
stays reproducible from its seed: what changed for the child when a challenge closed, the
pre-CAFCASS meeting before most CAFCASS referrals (not all: the pages warn about the rest), the
challenges discussed in supervision, and the good practice IROs recorded.

Every choice is a stable hash of an id (never a random draw), so adding these records changes none
of the numbers the simulation already produced.
"""

from __future__ import annotations

import polars as pl

from ingest import schema
from ingest.themes import good_practice_codes

#: (code, share of hash space) for resolved challenges; withdrawn ones lean to no_change.
_RESOLVED = (
    "plan_updated",
    "plan_updated",
    "assessment_completed",
    "placement_reviewed",
    "service_provided",
    "permanence_progressed",
    "contact_arranged",
    "education_health_addressed",
    "legal_action_progressed",
    "placement_changed",
    "no_change",
    "other",
)
_WITHDRAWN = ("no_change", "no_change", "no_change", "plan_updated", "other")
_OUTCOME_NOTES = {
    "plan_updated": "Care plan updated at the review and shared with the child.",
    "assessment_completed": "Updated assessment completed and informing the plan.",
    "placement_reviewed": "Placement reviewed with the carers; support added.",
    "placement_changed": "Child moved to a placement that meets their needs.",
    "service_provided": "Service agreed and started.",
    "permanence_progressed": "Permanence planning meeting held; timescale set.",
    "legal_action_progressed": "Legal planning meeting held; application made.",
    "contact_arranged": "Contact plan agreed with the family.",
    "education_health_addressed": "School place / health assessment arranged.",
    "no_change": "No change for the child.",
    "other": "See the case notes.",
}
_GOOD_PRACTICE_TEXT = (
    "The social worker's report set out the child's wishes in their own words.",
    "The team manager responded the same day with a clear plan and timescales.",
    "Review actions were all completed before the review.",
    "Careful, well-recorded planning with the family and school.",
    "The plan is specific, with owners and dates for every action.",
)
ATTENDEES = "IRO, IRO manager, social worker, team manager, legal adviser"


def _hash(col: str) -> pl.Expr:
    return pl.col(col).hash(seed=13)


def _pick(values: tuple[str, ...], col: str) -> pl.Expr:
    return (_hash(col) % len(values)).replace_strict(dict(enumerate(values)), return_dtype=pl.String)


def add_learning(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """``frames`` with outcomes, pre-CAFCASS meetings and supervision added to challenge_events and
    a good_practice frame, each with exactly its entity's columns."""
    events = frames["challenge_events"]
    challenges = frames["challenges"]
    closing = pl.col("event_type").is_in(["resolved", "withdrawn"])
    events = events.with_columns(
        pl.when(pl.col("event_type") == "resolved")
        .then(_pick(_RESOLVED, "event_id"))
        .when(pl.col("event_type") == "withdrawn")
        .then(_pick(_WITHDRAWN, "event_id"))
        .alias("outcome_code"),
        pl.lit(None, pl.String).alias("attendees"),
    ).with_columns(
        pl.when(closing)
        .then(pl.col("outcome_code").replace_strict(_OUTCOME_NOTES, default=None))
        .alias("outcome_note")
    )
    raised = challenges.select("challenge_id", "raised_on", "raised_by_worker_id", "child_id", "team_id")
    # a pre-CAFCASS meeting on the day of four in five referrals, recorded just before it
    referrals = events.filter(
        (pl.col("event_type") == "cafcass_referral") & (_hash("event_id") % 5 != 0)
    ).join(raised, on="challenge_id", how="left")
    meetings = referrals.select(
        # sorts just before the referral among the challenge's events (EV-0000122-PCM < EV-0000123)
        (
            pl.col("event_id").str.extract(r"^(.*?)(\d+)$", 1)
            + (pl.col("event_id").str.extract(r"(\d+)$", 1).cast(pl.Int64) - 1)
            .cast(pl.String)
            .str.zfill(pl.col("event_id").str.extract(r"(\d+)$", 1).str.len_chars())
            + "-PCM"
        ).alias("event_id"),
        "challenge_id",
        pl.lit("pre_cafcass_meeting").alias("event_type"),
        "event_on",  # held the day the referral was made
        "stage",  # the stage the challenge was at
        "actor_worker_id",  # the IRO who acted that day (in post)
        pl.lit(None, pl.String).alias("assigned_to_worker_id"),
        pl.lit(None, pl.Boolean).alias("satisfied"),
        pl.lit(None, pl.String).alias("reason"),
        pl.lit("Agreed to refer to CAFCASS: the plan has not progressed despite escalation.").alias("note"),
        pl.lit(None, pl.String).alias("outcome_code"),
        pl.lit(None, pl.String).alias("outcome_note"),
        pl.lit(ATTENDEES).alias("attendees"),
        "recorded_at",
        "recorded_by",
    )
    # one escalation in four discussed in the IRO's supervision on the day it was escalated
    supervision = (
        events.filter((pl.col("event_type") == "escalated") & (_hash("event_id") % 4 == 0))
        .join(raised, on="challenge_id", how="left")
        .select(
            (pl.col("event_id") + "-SUP").alias("event_id"),
            "challenge_id",
            pl.lit("supervision").alias("event_type"),
            "event_on",
            "stage",  # the stage the challenge was at
            "actor_worker_id",  # the IRO who acted that day (in post)
            pl.lit(None, pl.String).alias("assigned_to_worker_id"),
            pl.lit(None, pl.Boolean).alias("satisfied"),
            pl.lit(None, pl.String).alias("reason"),
            pl.lit("Discussed in supervision: agreed the escalation and what to ask for.").alias("note"),
            pl.lit(None, pl.String).alias("outcome_code"),
            pl.lit(None, pl.String).alias("outcome_note"),
            pl.lit(None, pl.String).alias("attendees"),
            "recorded_at",
            "recorded_by",
        )
    )
    columns = schema.CHALLENGE_EVENTS.column_names
    events = pl.concat(
        [events.select(columns), meetings.select(columns), supervision.select(columns)],
        how="vertical_relaxed",
    )
    # good practice: one satisfied response in three was good practice worth recording
    codes = tuple(sorted(good_practice_codes()))
    good = (
        frames["challenge_events"]
        .filter((pl.col("event_type") == "response") & pl.col("satisfied").fill_null(False))
        .filter(_hash("event_id") % 3 == 0)
        .join(raised, on="challenge_id", how="inner")
        .filter(pl.col("team_id").is_not_null())
        .select(
            ("GP-" + pl.col("event_id")).alias("good_practice_id"),
            pl.col("event_on").alias("recorded_on"),
            pl.col("raised_by_worker_id").alias("iro_worker_id"),
            "team_id",
            pl.concat_str(
                _pick(codes, "event_id"),
                pl.when(_hash("challenge_id") % 2 == 0).then(pl.lit(";") + _pick(codes, "challenge_id")),
                ignore_nulls=True,
            ).alias("themes"),
            _pick(_GOOD_PRACTICE_TEXT, "challenge_id").alias("description"),
            "child_id",
        )
    )
    return {
        **frames,
        "challenge_events": events,
        "good_practice": good.select(schema.GOOD_PRACTICE.column_names),
    }

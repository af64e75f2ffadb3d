"""From one authority's local integer ids to the canonical extract layout (``ingest/schema.py``):
global string ids, dates from working-day indexes, one polars frame per entity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from demo.behaviour import CONTEXTS, STATUSES
from demo.learning import add_learning
from demo.organisation import Org, Staff
from demo.scales import Scale
from demo.themes import Themes
from demo.vocabulary import TEXT_LIST
from demo.workdays import Calendar
from ingest import schema

DEMO_EMAIL_DOMAIN = "example.org"  # workers' demo email addresses (docs/demo-data.md)


@dataclass
class Offsets:
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


def authority_frames(
    res: dict, off: Offsets, spec: Scale, cal: Calendar, themes: Themes
) -> dict[str, pl.DataFrame]:
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
    # fake work addresses on a reserved domain (RFC 2606), so a demo can never email a real person
    workers = workers.with_columns(
        email=pl.col("worker_name").str.to_lowercase().str.replace_all(r"[^a-z0-9]+", ".")
        + "."
        + pl.col("worker_id").str.to_lowercase()
        + "@"
        + DEMO_EMAIL_DOMAIN
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

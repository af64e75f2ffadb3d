"""The demo-data generator writes the canonical layout, and the data obeys the protocol's rules."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import demo
from ingest import schema

END = date(2025, 11, 21)  # a Friday
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
STAGE_ROLE = {1: "team_manager", 2: "service_manager", 3: "head_of_service", 4: "assistant_director"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("tiny")
    return out, demo.generate(out, scale="tiny", seed=7, end=END)


@pytest.fixture(scope="module")
def la(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("la")
    return out, demo.generate(out, scale="la", seed=11, end=END)


def read(out: Path, name: str) -> pl.DataFrame:
    """Read an extract with the schema's types (dates, ints, bools, timestamps)."""
    dtypes = {}
    for c in schema.ENTITIES[name].columns:
        dtypes[c.name] = {
            "date": pl.Date,
            "int": pl.Int64,
            "bool": pl.Boolean,
            "timestamp": pl.Datetime("us"),
        }.get(c.type, pl.String)
    return pl.read_csv(out / f"{name}.csv", schema=dtypes)


def load(out: Path) -> dict[str, pl.DataFrame]:
    return {name: read(out, name) for name in schema.LOAD_ORDER}


def working_day(col: str) -> pl.Expr:
    return pl.col(col).dt.weekday() <= 5  # ISO weekday: Monday 1 .. Sunday 7


def wd_between(a: pl.Series, b: pl.Series) -> np.ndarray:
    return np.busday_count(a.to_numpy().astype("datetime64[D]"), b.to_numpy().astype("datetime64[D]"))


# --------------------------------------------------------------------------------------------------
# The checks, shared by the tiny and la extracts
# --------------------------------------------------------------------------------------------------


def check_layout(out: Path, counts: dict[str, int]) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in schema.LOAD_ORDER)
    for name, entity in schema.ENTITIES.items():
        path = out / f"{name}.csv"
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
        text = raw.decode("utf-8")
        assert not CONTROL.search(text.replace("\n", "")), f"control character in {name}"
        assert "\r" not in text
        rows = list(csv.reader(text.splitlines()))
        assert tuple(rows[0]) == entity.column_names, name
        assert len(rows) - 1 == counts[name] > 0, name
        for col in entity.columns:
            i = entity.column_names.index(col.name)
            values = [r[i] for r in rows[1:]]
            if col.required:
                assert all(v != "" for v in values), f"{name}.{col.name} has empty values"
            present = [v for v in values if v != ""]
            if col.type == "date":
                assert all(ISO_DATE.match(v) for v in present), f"{name}.{col.name}"
            elif col.type == "timestamp":
                assert all(ISO_TS.match(v) for v in present), f"{name}.{col.name}"
            elif col.type == "code":
                assert set(present) <= set(col.allowed), (
                    f"{name}.{col.name}: {set(present) - set(col.allowed)}"
                )
            elif col.type == "bool":
                assert set(present) <= {"true", "false"}
            elif col.type == "int":
                assert all(v.isdigit() for v in present)
            assert all(len(v) <= col.max_length and v == v.strip() for v in present)


def check_keys_and_references(d: dict[str, pl.DataFrame]) -> None:
    for name, entity in schema.ENTITIES.items():
        df = d[name]
        assert df.select(entity.key).is_duplicated().sum() == 0, f"duplicate key in {name}"
    t, w, c, ch, ev, g, gp = (d[n] for n in schema.LOAD_ORDER)
    assert t["team_id"].str.contains(r"^T\d{3,}$").all()
    assert w["worker_id"].str.contains(r"^W\d{4,}$").all()
    assert c["child_id"].str.contains(r"^C\d{6,}$").all()
    assert ch["challenge_id"].str.contains(r"^PC-\d{6,}$").all()
    assert ev["event_id"].is_unique().all() and g["grade_id"].is_unique().all()
    # a worker has one name and one role per spell, and spells do not overlap
    assert w.group_by("worker_id").agg(pl.col("worker_name").n_unique()).get_column("worker_name").max() == 1
    spells = w.sort("worker_id", "valid_from").with_columns(
        pl.col("valid_from").shift(-1).over("worker_id").alias("next_from")
    )
    assert (
        spells.filter(pl.col("valid_to").is_not_null() & (pl.col("valid_to") < pl.col("valid_from"))).height
        == 0
    )
    assert (
        spells.filter(
            pl.col("next_from").is_not_null()
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("next_from")))
        ).height
        == 0
    )

    teams, workers, children = set(t["team_id"]), set(w["worker_id"]), set(c["child_id"])
    challenges = set(ch["challenge_id"])

    def within(values: pl.Series, allowed: set[str], what: str) -> None:
        missing = set(values.drop_nulls()) - allowed
        assert not missing, f"{what} does not resolve: {sorted(missing)[:5]}"

    within(w["team_id"], teams, "workers.team_id")
    within(c["allocated_worker_id"], workers, "children.allocated_worker_id")
    within(ch["child_id"], children, "challenges.child_id")
    for col in ("raised_by_worker_id", "social_worker_id", "raised_with_worker_id"):
        within(ch[col], workers, f"challenges.{col}")
        assert ch[col].null_count() == 0
    within(ch["team_id"], teams, "challenges.team_id")
    assert ch["team_id"].null_count() == 0
    within(ev["challenge_id"], challenges, "challenge_events.challenge_id")
    for col in ("actor_worker_id", "assigned_to_worker_id", "recorded_by"):
        within(ev[col], workers, f"challenge_events.{col}")
    assert ev["actor_worker_id"].null_count() == 0 and ev["recorded_by"].null_count() == 0
    within(g["child_id"], children, "qa_grades.child_id")
    within(g["iro_worker_id"], workers, "qa_grades.iro_worker_id")
    within(g["challenge_id"], challenges, "qa_grades.challenge_id")
    # good practice (issue 13): an IRO's, about a real team and child, themes from its own list
    within(gp["team_id"], teams, "good_practice.team_id")
    within(gp["iro_worker_id"], workers, "good_practice.iro_worker_id")
    within(gp["child_id"], children, "good_practice.child_id")
    from ingest.themes import good_practice_codes

    within(gp["themes"].str.split(";").explode(), set(good_practice_codes()), "good_practice.themes")


def spell_at(w: pl.DataFrame, frame: pl.DataFrame, worker_col: str, day_col: str) -> pl.DataFrame:
    """frame joined to the spell of worker_col covering day_col (inner: rows without one drop out)."""
    return frame.join(w, left_on=worker_col, right_on="worker_id", how="inner").filter(
        (pl.col("valid_from") <= pl.col(day_col))
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col(day_col)))
    )


def check_organisation(d: dict[str, pl.DataFrame]) -> None:
    t, w = d["teams"], d["workers"]
    assert set(w["role"]) == set(schema.ROLES), "every role is staffed"
    assert set(t["team_kind"]) == set(schema.TEAM_KINDS)
    iro_teams = t.filter(pl.col("team_kind") == "iro_service")
    assert iro_teams["service_name"].str.starts_with("Safeguarding and Performance").all()
    assert t["division_name"].null_count() == 0 and t["service_name"].n_unique() >= 5
    wt = w.join(t, on="team_id")
    for role in ("iro", "conference_chair", "assistant_service_manager"):
        assert set(wt.filter(pl.col("role") == role)["team_kind"]) == {"iro_service"}, role
    for role in ("social_worker", "team_manager"):
        assert set(wt.filter(pl.col("role") == role)["team_kind"]) == {"social_work"}, role
    moves = w.group_by("worker_id").agg(pl.col("team_id").n_unique().alias("teams"))
    assert moves.filter(pl.col("teams") > 1).height >= 1, "some workers move team"
    # exactly one team manager per social-work team on the last day
    current = w.filter(pl.col("valid_to").is_null())
    tm = current.filter(pl.col("role") == "team_manager").group_by("team_id").len()
    sw_teams = t.filter(pl.col("team_kind") == "social_work")
    assert tm.height == sw_teams.height and tm["len"].max() == 1


def check_challenges(d: dict[str, pl.DataFrame], end: date) -> None:
    w, c, ch = d["workers"], d["children"], d["challenges"]
    assert ch.filter(~working_day("raised_on")).height == 0
    assert ch["raised_on"].max() <= end
    assert (ch["route"] == "informal").eq(ch["entry_stage"] == 0).all()
    assert ch["entry_stage"].is_between(0, 4).all()
    j = ch.join(c, on="child_id", suffix="_child")
    assert (j["legal_status"] == j["legal_status_child"]).all()
    age = (j["raised_on"] - j["date_of_birth"]).dt.total_days()
    assert age.min() >= 0 and age.max() < 18 * 365.25
    # themes: 1 to 3 distinct codes from the taxonomy
    codes = set(demo.load_themes().codes)
    lists = ch["themes"].str.split(";")
    assert lists.list.len().is_between(1, 3).all()
    assert (lists.list.n_unique() == lists.list.len()).all()
    assert set(lists.explode()) <= codes
    # the raiser is an IRO (LAC) or a Conference Chair (CP / CIN) in post that day
    r = spell_at(w, ch, "raised_by_worker_id", "raised_on")
    assert r.height == ch.height
    assert (r.filter(pl.col("legal_status") == "lac")["role"] == "iro").all()
    assert (r.filter(pl.col("legal_status") != "lac")["role"] == "conference_chair").all()
    # the social worker is a social worker in the challenge's team that day
    s = spell_at(w, ch, "social_worker_id", "raised_on")
    assert s.height == ch.height
    assert (s["role"] == "social_worker").all() and (s["team_id"] == s["team_id_right"]).all()
    # raised with: the social worker or team manager (informal), the stage's manager (formal)
    rw = spell_at(w, ch, "raised_with_worker_id", "raised_on")
    assert rw.height == ch.height
    informal = rw.filter(pl.col("entry_stage") == 0)
    assert set(informal["role"]) <= {"social_worker", "team_manager"}
    for stage, role in STAGE_ROLE.items():
        assert (rw.filter(pl.col("entry_stage") == stage)["role"] == role).all()
    # concerns exercise quoting: commas, quotes, apostrophes and accents somewhere
    text = "".join(ch["concern"].drop_nulls())
    for ch_ in (",", "'"):
        assert ch_ in text


def check_events(d: dict[str, pl.DataFrame], end: date) -> None:
    t, w, ch, ev = d["teams"], d["workers"], d["challenges"], d["challenge_events"]
    e = ev.join(
        ch.select(
            "challenge_id", "raised_on", "legal_status", "entry_stage", "team_id", "raised_by_worker_id"
        ),
        on="challenge_id",
    )
    assert e.height == ev.height
    assert e.filter(~working_day("event_on")).height == 0, "events on working days only"
    assert e.filter(pl.col("event_on") < pl.col("raised_on")).height == 0, "no event before the raise"
    assert e["event_on"].max() <= end, "no event after end"
    assert e["recorded_at"].max().date() <= end
    assert e.filter(pl.col("recorded_at").dt.date() < pl.col("event_on")).height == 0
    # CAFCASS for looked-after children only
    caf = e.filter(pl.col("event_type") == "cafcass_referral")
    assert (caf["legal_status"] == "lac").all()
    # satisfied only (and always) on responses; reasons on bypasses
    assert e.filter((pl.col("event_type") == "response") & pl.col("satisfied").is_null()).height == 0
    assert e.filter((pl.col("event_type") != "response") & pl.col("satisfied").is_not_null()).height == 0
    assert e["stage"].null_count() == 0 and e["stage"].is_between(0, 4).all()

    # per challenge, in event-id order: dates and recording times in order, stages never go back,
    # escalations go up, responses at the current stage, nothing after a close
    s = (
        e.sort("event_id")
        .with_columns(
            pl.col("stage").cum_max().over("challenge_id").alias("stage_max"),
            pl.col("stage").shift(1).over("challenge_id").alias("prev_stage"),
            pl.col("event_on").shift(1).over("challenge_id").alias("prev_on"),
            pl.col("recorded_at").shift(1).over("challenge_id").alias("prev_at"),
            pl.col("event_type")
            .is_in(["resolved", "withdrawn"])
            .cast(pl.Int32)
            .cum_sum()
            .over("challenge_id")
            .alias("closes_so_far"),
        )
        .with_columns(
            pl.max_horizontal(pl.col("prev_stage").fill_null(0), pl.col("entry_stage")).alias("cur_before")
        )
    )
    assert s.filter(pl.col("event_on") < pl.col("prev_on")).height == 0, "events in date order"
    assert s.filter(pl.col("recorded_at") < pl.col("prev_at")).height == 0
    assert s.filter(pl.col("stage") < pl.col("entry_stage")).height == 0
    assert s.filter(pl.col("stage") < pl.col("stage_max")).height == 0, "stages never go backwards"
    esc = s.filter(pl.col("event_type") == "escalated")
    assert esc.filter(pl.col("stage") <= pl.col("cur_before")).height == 0, "escalations go up"
    assert esc.filter((pl.col("stage") > pl.col("cur_before") + 1) & pl.col("reason").is_null()).height == 0
    non_esc = s.filter(pl.col("event_type") != "escalated")
    assert non_esc.filter(pl.col("stage") != pl.col("cur_before")).height == 0
    closes = s.filter(pl.col("event_type").is_in(["resolved", "withdrawn"]))
    assert closes.filter(pl.col("closes_so_far") > 1).height == 0
    after_close = s.filter(
        ~pl.col("event_type").is_in(["resolved", "withdrawn"]) & (pl.col("closes_so_far") > 0)
    )
    assert after_close.height == 0, "nothing after a challenge closes"

    # escalations are sent to the right manager for the stage, in post that day
    assert esc["assigned_to_worker_id"].null_count() == 0
    assert (
        s.filter(pl.col("event_type") != "escalated")["assigned_to_worker_id"].null_count()
        == s.filter(pl.col("event_type") != "escalated").height
    )
    tt = t.select("team_id", "service_name", "division_name")
    a = spell_at(w.join(tt, on="team_id"), esc.join(tt, on="team_id"), "assigned_to_worker_id", "event_on")
    assert a.height == esc.height
    for stage, role in STAGE_ROLE.items():
        assert (a.filter(pl.col("stage") == stage)["role"] == role).all(), stage
    st1 = a.filter(pl.col("stage") == 1)
    assert (st1["team_id"] == st1["team_id_right"]).all(), "stage 1 goes to the child's team manager"
    st2 = a.filter(pl.col("stage") == 2)
    assert (st2["service_name"] == st2["service_name_right"]).all(), "stage 2: the service manager"
    st3 = a.filter(pl.col("stage") == 3)
    assert (st3["division_name"] == st3["division_name_right"]).all(), "stage 3: the head of service"
    # responses at a formal stage come from that stage's manager; every actor is in post
    resp = spell_at(
        w,
        s.filter((pl.col("event_type") == "response") & (pl.col("stage") > 0)),
        "actor_worker_id",
        "event_on",
    )
    for stage, role in STAGE_ROLE.items():
        assert (resp.filter(pl.col("stage") == stage)["role"] == role).all(), stage
    assert spell_at(w, ev, "actor_worker_id", "event_on").select("event_id").n_unique() == ev.height


def state_at_end(d: dict[str, pl.DataFrame], end: date) -> pl.DataFrame:
    ch, ev = d["challenges"], d["challenge_events"]
    last = (
        ev.sort("event_id")
        .group_by("challenge_id")
        .agg(
            pl.col("event_type").is_in(["resolved", "withdrawn"]).any().alias("closed"),
            pl.col("stage").max().alias("max_stage"),
            pl.col("event_on").filter(pl.col("event_type") == "escalated").max().alias("escalated_on"),
            pl.col("event_on").filter(pl.col("event_type") == "response").max().alias("responded_on"),
        )
    )
    st = ch.join(last, on="challenge_id", how="left").with_columns(
        pl.col("closed").fill_null(False),
        pl.max_horizontal("entry_stage", pl.col("max_stage").fill_null(0)).alias("stage_now"),
        pl.coalesce(pl.col("escalated_on"), pl.col("raised_on")).alias("stage_since"),
    )
    op = st.filter(~pl.col("closed"))
    awaiting = op.filter(pl.col("responded_on").is_null() | (pl.col("responded_on") < pl.col("stage_since")))
    overdue = wd_between(awaiting["stage_since"], pl.Series([end] * awaiting.height)) > 5
    return op.with_columns(
        pl.col("challenge_id")
        .is_in(awaiting.filter(pl.Series(overdue))["challenge_id"].implode())
        .alias("overdue")
    )


def check_open_at_end(d: dict[str, pl.DataFrame], end: date) -> None:
    op = state_at_end(d, end)
    by_stage = dict(op.group_by("stage_now").len().iter_rows())
    for stage in range(5):
        assert by_stage.get(stage, 0) >= 1, f"open cases at stage {stage} at end: {by_stage}"
    high = op.filter(pl.col("stage_now") >= 3)
    assert (
        high.filter(pl.col("stage_now") == 3).height >= 1
        and high.filter(pl.col("stage_now") == 4).height >= 1
    )
    assert high["overdue"].any(), "some open stage 3/4 cases are overdue"
    assert op.filter(pl.col("stage_now") < 3)["overdue"].any(), "overdue responses below stage 3"


def check_qa(d: dict[str, pl.DataFrame]) -> None:
    w, c, ch, g = d["workers"], d["children"], d["challenges"], d["qa_grades"]
    gc = g.join(c, on="child_id")
    assert (gc["legal_status"] == "lac").all(), "QA checklists are for looked-after children"
    assert g.filter(~working_day("graded_on")).height == 0
    r = spell_at(w, g, "iro_worker_id", "graded_on")
    assert r.height == g.height and (r["role"] == "iro").all()
    linked = g.filter(pl.col("challenge_id").is_not_null())
    assert linked.height >= 1
    assert (linked["grade"] == "inadequate").all()
    lj = linked.join(ch, on="challenge_id", suffix="_c")
    assert lj.height == linked.height
    assert (lj["child_id"] == lj["child_id_c"]).all()
    assert (lj["graded_on"] == lj["raised_on"]).all()
    assert (lj["entry_stage"] == 1).all() and (lj["route"] == "formal").all()
    assert (lj["context"] == "qa_checklist").all()
    assert (lj["iro_worker_id"] == lj["raised_by_worker_id"]).all()
    assert ch.filter(pl.col("context") == "qa_checklist").height == linked.height


def check_all(out: Path, counts: dict[str, int], end: date) -> dict[str, pl.DataFrame]:
    check_layout(out, counts)
    d = load(out)
    check_keys_and_references(d)
    check_organisation(d)
    check_challenges(d, end)
    check_events(d, end)
    check_open_at_end(d, end)
    check_qa(d)
    return d


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------


def test_tiny_obeys_every_rule(tiny):
    out, counts = tiny
    check_all(out, counts, END)
    assert 20 <= counts["challenges"] <= 120, counts  # "a few dozen"


def test_la_obeys_every_rule_and_has_la_volumes(la):
    out, counts = la
    d = check_all(out, counts, END)
    assert 3_000 <= counts["children"] <= 5_000, counts
    assert 8_000 <= counts["challenges"] <= 15_000, counts
    assert 30_000 <= counts["challenge_events"] <= 60_000, counts
    ch, c, ev, g = d["challenges"], d["children"], d["challenge_events"], d["qa_grades"]
    # about six years of data up to end
    assert ch["raised_on"].min() <= date(2020, 1, 31) and ch["raised_on"].max() >= END - timedelta(days=7)
    # 45 / 45 / 10 children
    share = dict(c["legal_status"].value_counts(normalize=True).iter_rows())
    assert share["lac"] == pytest.approx(0.45, abs=0.04) and share["cp"] == pytest.approx(0.45, abs=0.04)
    assert share["cin"] == pytest.approx(0.10, abs=0.03)
    # mostly Positive Challenges, mostly resolved within 5 working days
    assert (ch["route"] == "informal").mean() > 0.7
    st = (
        ev.sort("event_id")
        .group_by("challenge_id")
        .agg(
            pl.col("event_on").filter(pl.col("event_type") == "resolved").first().alias("resolved_on"),
            pl.col("event_type").eq("escalated").any().alias("escalated"),
        )
    )
    pc = ch.filter(pl.col("entry_stage") == 0).join(st, on="challenge_id")
    quick = pc.filter(pl.col("resolved_on").is_not_null() & ~pl.col("escalated"))
    days = wd_between(quick["raised_on"], quick["resolved_on"])
    assert (days <= 5).mean() > 0.8
    assert 0.05 < pc["escalated"].mean() < 0.35, "some Positive Challenges escalate"
    # formal entries at every stage, bypasses, breaches of the 20-day cap, withdrawals, stalls
    assert set(ch["entry_stage"]) == {0, 1, 2, 3, 4}
    types = dict(ev["event_type"].value_counts().iter_rows())
    assert set(types) == set(schema.EVENT_TYPES)
    assert types["withdrawn"] < types["resolved"] / 10 and types["cafcass_referral"] < types["escalated"] / 10
    # skewed themes, as in the Rotherham report
    top = (
        ch.select(pl.col("themes").str.split(";"))
        .explode("themes")["themes"]
        .value_counts()
        .sort("count", descending=True)["themes"]
        .head(4)
        .to_list()
    )
    assert {"placement_suitability", "decision_making_safeguarding", "care_plan_quality"} <= set(top)
    # about 5% inadequate, about half of them linked to a stage 1 challenge
    grades = dict(g["grade"].value_counts(normalize=True).iter_rows())
    assert grades["inadequate"] == pytest.approx(0.05, abs=0.015)
    inadequate = g.filter(pl.col("grade") == "inadequate")
    assert inadequate["challenge_id"].is_not_null().mean() == pytest.approx(0.5, abs=0.12)
    # a handful of open stage 3/4 cases at end
    op = state_at_end(d, END)
    assert 2 <= op.filter(pl.col("stage_now") >= 3).height <= 25
    # concerns with accented names, quotes and apostrophes
    text = "".join(ch["concern"].drop_nulls())
    assert '"' in text and any(n in text for n in ("Zoë", "Siân"))


def test_deterministic_for_a_seed(tmp_path, tiny):
    out, counts = tiny
    again = demo.generate(tmp_path / "again", scale="tiny", seed=7, end=END)
    assert again == counts
    for name in schema.LOAD_ORDER:
        assert (tmp_path / "again" / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes(), name
    demo.generate(tmp_path / "other", scale="tiny", seed=8, end=END)
    assert (tmp_path / "other" / "challenges.csv").read_bytes() != (out / "challenges.csv").read_bytes()


def test_end_on_a_weekend_and_years_override(tmp_path):
    end = date(2024, 3, 31)  # a Sunday (and Easter Day)
    counts = demo.generate(tmp_path, scale="tiny", seed=3, end=end, years=3)
    d = check_all(tmp_path, counts, end)
    assert d["challenge_events"]["event_on"].max() <= date(2024, 3, 29)
    assert d["challenges"]["raised_on"].min() < date(2022, 1, 1)


def test_xlsx_round_trip(tmp_path, tiny):
    out, counts = tiny
    xl = tmp_path / "xlsx"
    assert demo.generate(xl, scale="tiny", seed=7, end=END, fmt="xlsx") == counts
    assert sorted(p.name for p in xl.iterdir()) == sorted(f"{n}.xlsx" for n in schema.LOAD_ORDER)
    for name in schema.LOAD_ORDER:
        got = pl.read_excel(xl / f"{name}.xlsx", sheet_name=name)
        want = read(out, name)
        assert got.columns == list(schema.ENTITIES[name].column_names)
        got = got.with_columns(
            [pl.col(c).cast(want.schema[c]) for c in got.columns if got.schema[c] != want.schema[c]]
        )
        assert got.equals(want), name


def test_refuses_xlsx_above_la(tmp_path):
    with pytest.raises(ValueError, match="xlsx"):
        demo.generate(tmp_path / "r", scale="region", fmt="xlsx", end=END)
    assert not (tmp_path / "r").exists()
    with pytest.raises(ValueError, match="scale"):
        demo.generate(tmp_path / "x", scale="galaxy")
    with pytest.raises(ValueError, match="format"):
        demo.generate(tmp_path / "x", scale="tiny", fmt="parquet")


def test_theme_codes_read_from_the_seed_at_run_time(tmp_path, monkeypatch):
    seed = tmp_path / "themes.csv"
    seed.write_text(
        "theme_code,theme_label,theme_group\n"
        "care_plan_quality,Quality and clarity of care plan,Care planning\n"
        "kinship_care,Kinship care support,Placements\n"
        "brand_new_theme,A theme an analyst just added,New\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(demo, "THEMES_CSV", seed)
    counts = demo.generate(tmp_path / "out", scale="tiny", seed=5, end=END)
    ch = read(tmp_path / "out", "challenges")
    used = set(ch["themes"].str.split(";").explode())
    assert used == {"care_plan_quality", "kinship_care", "brand_new_theme"}
    assert counts["challenges"] == ch.height


def test_progress_and_multi_authority_ids_unique(tmp_path, monkeypatch):
    """A small 'region' (scaled down) keeps ids unique across authorities and names them apart."""
    monkeypatch.setitem(demo.SCALES, "region", demo.Scale(5, 1, 0.05, 0.35, 7, 8, 3))
    calls: list[str] = []
    counts = demo.generate(tmp_path, scale="region", seed=2, end=END, progress=calls.append)
    assert len(calls) == 5 and all(isinstance(c, str) for c in calls)
    assert calls[0].startswith("demo: authority 1/5") and calls[-1].startswith("demo: authority 5/5")
    d = check_all(tmp_path, counts, END)
    assert d["teams"]["team_name"].is_unique().all()
    assert d["teams"]["division_name"].n_unique() == 5 * 4
    # several authorities are generated in worker processes; the result is still deterministic
    assert demo.generate(tmp_path / "again", scale="region", seed=2, end=END) == counts
    for name in schema.LOAD_ORDER:
        assert (tmp_path / "again" / f"{name}.csv").read_bytes() == (tmp_path / f"{name}.csv").read_bytes()

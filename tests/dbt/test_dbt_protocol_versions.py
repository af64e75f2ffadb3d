"""Protocols that change over time (issue 13): a build holds two versions of one protocol and
counts each challenge under the version in force on the day it was raised.

Rotherham re-launched its process on 1 September 2016, replacing its Dispute Resolution Process
(the DRP). The shipped seeds hold only the new process (its DRP's stages are not in our sources),
so this test builds a copy of the dbt project whose seeds add a DRP version in force before it:
three stages of 10 working days each, stage 3 at the challenge meeting, CAFCASS alongside, no QA
trigger. The history spans the change: challenges raised in August 2016 (under the DRP) and in
September (under the re-launched process), escalated after the change too. Every deadline,
stage list, meeting list and exclusion is checked against the version each challenge follows.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.dbt.conftest import DBT_PROJECT_DIR, BuildResult, load_raw_store, run_dbt_build

pytestmark = pytest.mark.slow

DRP = "Rotherham: Dispute Resolution Process (earlier version, test seeds)"
NEW = "Rotherham: Challenge and Escalation"  # the shipped version, from 2016-09-01

DRP_PROTOCOL_ROW = {
    "protocol_code": "rotherham",
    "effective_from": "",  # from the start, until the re-launch
    "name": DRP,
    "informal_tier_name": "Informal resolution",
    "informal_responder_role": "team_manager",
    "informal_response_working_days": "5",
    "formal_cap_working_days": "30",
    "bypass_allowed": "true",
    "cafcass_mode": "concurrent",
    "cafcass_stage_number": "",
    "qa_inadequate_trigger_stage": "",
    "looked_after_only_cafcass": "true",
}
DRP_STAGES = [  # protocol_code, effective_from, stage_number, stage_name, role, days, meeting
    ("rotherham", "", "1", "Team Manager", "team_manager", "10", "false"),
    ("rotherham", "", "2", "Service Manager", "service_manager", "10", "false"),
    ("rotherham", "", "3", "Head of Service", "head_of_service", "10", "true"),
]

TEAMS = [
    ("team_id", "team_name", "service_name", "division_name", "team_kind"),
    ("T1", "LAT 1", "Looked After Children", "CYPS", "social_work"),
    ("T-IRO", "IRO Service", "Safeguarding", "CYPS", "iro_service"),
]
WORKERS = [
    ("worker_id", "worker_name", "role", "team_id", "valid_from", "valid_to"),
    ("W-SW", "Sam Social", "social_worker", "T1", "2014-04-01", ""),
    ("W-TM", "Tia Manager", "team_manager", "T1", "2014-04-01", ""),
    ("W-SM", "Sol Service", "service_manager", "T1", "2014-04-01", ""),
    ("W-HOS", "Hal Head", "head_of_service", "T1", "2014-04-01", ""),
    ("W-AD", "Ada Director", "assistant_director", "T1", "2014-04-01", ""),
    ("W-IRO", "Ira Reviewer", "iro", "T-IRO", "2014-04-01", ""),
]
CHALLENGE_HEADER = [
    "challenge_id",
    "child_id",
    "raised_on",
    "raised_by_worker_id",
    "social_worker_id",
    "team_id",
    "legal_status",
    "context",
    "route",
    "entry_stage",
    "themes",
    "concern",
    "raised_with_worker_id",
]
CHALLENGES = {  # id: (raised_on, entry_stage); every one formal, looked after, in T1
    "A": ("2016-08-15", 1),  # DRP; escalated to stage 2 after the re-launch: still DRP deadlines
    "B": ("2016-09-05", 1),  # re-launched process: stage 1 has 1 working day
    "C": ("2016-08-22", 4),  # DRP has 3 stages: excluded (invalid_entry_stage)
    "D": ("2016-09-12", 4),  # re-launched process has stage 4: counted
    "E": ("2016-08-01", 3),  # DRP stage 3: open, at the challenge meeting
    "F": ("2016-09-20", 2),  # re-launched; escalated to stage 3 (4 working days), at the meeting
    "G": ("2016-08-10", 1),  # DRP; escalated to stage 4 after the re-launch: stage_out_of_range
}
EVENTS = [
    ("event_id", "challenge_id", "event_type", "event_on", "stage", "actor_worker_id"),
    ("EV-A2", "A", "escalated", "2016-09-05", "2", "W-IRO"),
    ("EV-F3", "F", "escalated", "2016-09-26", "3", "W-IRO"),
    ("EV-G4", "G", "escalated", "2016-09-15", "4", "W-IRO"),
]
QA_GRADES = [
    ("grade_id", "child_id", "graded_on", "iro_worker_id", "grade", "challenge_id"),
    ("Q1", "P-A", "2016-08-25", "W-IRO", "inadequate", ""),  # DRP: no QA trigger
    ("Q2", "P-B", "2016-10-03", "W-IRO", "inadequate", ""),  # re-launched: a stage 1 escalation
]


def _write(path: Path, rows) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _project_with_the_drp(out: Path) -> Path:
    """A copy of the dbt project whose protocol seeds add the DRP version before the re-launch."""
    project = out / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    protocols = project / "seeds" / "protocols.csv"
    with protocols.open() as f:
        header = next(csv.reader(f))
    with protocols.open("a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([DRP_PROTOCOL_ROW[c] for c in header])
    with (project / "seeds" / "protocol_stages.csv").open("a", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(DRP_STAGES)
    return project


def _extracts(folder: Path) -> Path:
    folder.mkdir()
    _write(folder / "teams.csv", TEAMS)
    _write(folder / "workers.csv", WORKERS)
    children = [("child_id", "legal_status", "date_of_birth", "gender", "allocated_worker_id")]
    children += [(f"P-{c}", "lac", "2010-01-01", "Female", "W-SW") for c in CHALLENGES]
    _write(folder / "children.csv", children)
    rows = [CHALLENGE_HEADER]
    for cid, (raised_on, stage) in CHALLENGES.items():
        rows.append(
            [cid, f"P-{cid}", raised_on, "W-IRO", "W-SW", "T1", "lac", "lac_review", "formal", str(stage),
             "care_plan_quality", "IRO concern: care plan quality", ""]
        )  # fmt: skip
    _write(folder / "challenges.csv", rows)
    _write(folder / "challenge_events.csv", EVENTS)
    _write(folder / "qa_grades.csv", QA_GRADES)
    return folder


@pytest.fixture(scope="module")
def spanning_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    out = tmp_path_factory.mktemp("protocol-versions")
    raw_db = load_raw_store(_extracts(out / "extracts"), out / "raw" / "raw.duckdb")
    return run_dbt_build(
        raw_db, out, as_at="2016-10-31", protocol="rotherham", project_dir=_project_with_the_drp(out)
    )


def test_the_build_passes_with_two_versions(spanning_build):
    assert spanning_build.returncode == 0, (
        "dbt build failed:\n" + "\n".join(spanning_build.failures()) + "\n" + spanning_build.stdout[-4000:]
    )
    assert not spanning_build.failures()
    ((count, name, versions, stages),) = spanning_build.rows(
        "select protocol_version_count, protocol_name, protocol_versions, stage_count from build_info"
    )
    assert (count, name, stages) == (2, NEW, 5)
    assert versions == f"{DRP} (from 1 Jan 2000); {NEW} (from 1 Sep 2016)"
    rows = spanning_build.rows(
        "select protocol_version_id, effective_from, effective_until, is_current, count(*) "
        "from dim_protocol_stages group by all order by effective_from"
    )
    assert rows == [
        ("rotherham@2000-01-01", date(2000, 1, 1), date(2016, 8, 31), False, 5),  # informal, 1-3, CAFCASS
        ("rotherham@2016-09-01", date(2016, 9, 1), date(2035, 12, 31), True, 6),  # informal, 1-5
    ]


def test_each_challenge_follows_the_version_in_force_on_the_day_raised(spanning_build):
    got = dict(spanning_build.rows("select challenge_id, protocol_name from fct_challenges"))
    assert got == {"A": DRP, "B": NEW, "D": NEW, "E": DRP, "F": NEW, "G": DRP, "qa-Q2": NEW}
    issues = set(spanning_build.rows("select record_id, issue_code from mart_data_quality_issues"))
    assert ("C", "invalid_entry_stage") in issues  # stage 4 on 22 August: the DRP has 3
    assert ("EV-G4", "stage_out_of_range") in issues  # G follows the DRP after the re-launch too


def test_deadlines_and_stage_names_are_each_versions(spanning_build):
    rows = spanning_build.rows(
        "select challenge_id, stage_key, stage_name, entered_on, response_working_days, response_due_on, "
        "protocol_name from fct_stage_episodes where challenge_id in ('A', 'B', 'D', 'F')"
    )
    got = {(r[0], r[1]): r[2:] for r in rows}
    assert got[("A", "stage_1")] == ("Team Manager", date(2016, 8, 15), 10, date(2016, 8, 30), DRP)
    # escalated after the re-launch, still the DRP's 10 working days (the new process gives 5)
    assert got[("A", "stage_2")] == ("Service Manager", date(2016, 9, 5), 10, date(2016, 9, 19), DRP)
    assert got[("B", "stage_1")] == ("Team Manager", date(2016, 9, 5), 1, date(2016, 9, 6), NEW)
    assert got[("D", "stage_4")] == ("Deputy Director/Director", date(2016, 9, 12), 5, date(2016, 9, 19), NEW)
    assert got[("F", "stage_3")] == ("Head of Service", date(2016, 9, 26), 4, date(2016, 9, 30), NEW)
    # the cap is the version's: 30 working days under the DRP, 20 after
    caps = dict(
        spanning_build.rows(
            "select challenge_id, cap_due_on from fct_challenges where challenge_id in ('A', 'B')"
        )
    )
    assert caps == {"A": date(2016, 9, 27), "B": date(2016, 10, 3)}


def test_the_meeting_list_and_qa_triggers_follow_each_version(spanning_build):
    listed = spanning_build.rows(
        "select challenge_id, current_stage, protocol_name from mart_open_stage_3_4 order by challenge_id"
    )
    # E at the DRP's stage 3, F at the new stage 3, D at the new stage 4; A (DRP stage 2) is not
    assert listed == [("D", 4, NEW), ("E", 3, DRP), ("F", 3, NEW)]
    grades = dict(spanning_build.rows("select grade_id, triggers_challenge from int_qa_grades"))
    assert grades == {"Q1": False, "Q2": True}  # the DRP had no QA trigger


@pytest.fixture
def spanning_home(spanning_build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse home whose live build is the spanning build, for the pages."""
    from warehouse import settings
    from warehouse.store import LiveBuild, set_live

    assert spanning_build.returncode == 0, "\n".join(spanning_build.failures())
    home = tmp_path / "home"
    p = settings.Paths(home).ensure()
    target = p.builds_dir / "spanning.duckdb"
    shutil.copy(spanning_build.build_path, target)
    set_live(
        LiveBuild(
            build_id="spanning", path=str(target), built_at="2016-10-31T18:00:00+00:00", as_at="2016-10-31",
            protocol="rotherham",
        ),
        p,
    )  # fmt: skip
    monkeypatch.setenv("IROQA_HOME", str(home))
    return home


def test_the_pages_name_the_version_each_case_follows(spanning_home, spanning_build):
    """With two versions in the build, the meeting list's selected row and the case page say which
    version the case follows."""
    from tests.dashboard.conftest import assert_ok, open_page, select_rows

    order = [
        r[0]
        for r in spanning_build.rows("select challenge_id from mart_open_stage_3_4 order by urgency_rank")
    ]
    at = open_page("meeting", session=select_rows("meeting_cases", [order.index("E")]))
    assert_ok(at)
    details = "\n".join(m.value for m in at.markdown)
    assert f"**Protocol:** {DRP}" in details.replace("\\", "")
    at = open_page("case", query_params={"case": "F"})
    assert_ok(at)
    facts = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert f"under **{NEW}**" in facts

"""The issue 13 marts on the Rotherham fixture (an Inadequate QA grade is a stage 1 escalation
there): every Inadequate grade that triggered or links a challenge points at a stage 1 escalation in
fct_challenges, mart_qa_grade_counts adds up to fct_qa_grades, and the learning marts count every
valid challenge once."""

from __future__ import annotations


def test_inadequate_grades_link_their_stage_1_escalations(rotherham_build):
    rows = rotherham_build.rows(
        """
        select g.grade, c.entry_stage, c.is_qa_triggered
        from fct_qa_grades g join fct_challenges c on g.escalation_challenge_id = c.challenge_id
        """
    )
    assert rows, "the fixture has Inadequate grades that are escalations"
    assert all(grade == "inadequate" for grade, _, _ in rows)
    assert all(stage == 1 for _, stage, _ in rows)
    # is_qa_triggered (fct_challenges.yml): the grade's own escalation ('qa-<grade>') or the existing
    # escalation the grade links; each such challenge is the escalation of exactly one grade
    triggered = {
        c for (c,) in rotherham_build.rows("select challenge_id from fct_challenges where is_qa_triggered")
    }
    linked = [
        c
        for (c,) in rotherham_build.rows(
            "select escalation_challenge_id from fct_qa_grades where escalation_challenge_id is not null"
        )
    ]
    assert len(linked) == len(set(linked)) and set(linked) == triggered
    assert any(c.startswith("qa-") for c in triggered) and any(not c.startswith("qa-") for c in triggered)


def test_qa_grade_counts_add_up_to_the_grades(rotherham_build):
    ((by_mart, esc_mart),) = rotherham_build.rows(
        "select sum(grades), sum(escalations) from mart_qa_grade_counts where period_type = 'month'"
    )
    ((by_fact, esc_fact),) = rotherham_build.rows(
        "select count(*), count(escalation_challenge_id) from fct_qa_grades where month_start is not null"
    )
    assert (by_mart, esc_mart) == (by_fact, esc_fact)
    ((quarters,),) = rotherham_build.rows(
        "select sum(grades) from mart_qa_grade_counts where period_type = 'quarter'"
    )
    assert quarters == by_fact


def test_learning_marts_count_every_challenge_once(rotherham_build):
    ((learning, challenges),) = rotherham_build.rows(
        "select (select count(*) from fct_challenge_learning), (select count(*) from fct_challenges)"
    )
    assert learning == challenges
    ((closed_mart,),) = rotherham_build.rows("select sum(challenges) from mart_escalation_impact")
    ((closed,),) = rotherham_build.rows("select count(*) from fct_challenges where closed_on is not null")
    assert closed_mart == closed
    ((raised,),) = rotherham_build.rows("select sum(steps) from mart_process_steps where step = 'raised'")
    assert raised == challenges

from datetime import date

import polars as pl


def test_challenge_raised_before_the_child_was_born(ctx_for, run_rule, rows_of):
    born = pl.DataFrame({"child_id": ["C1001", "C1002"], "date_of_birth": [date(2024, 1, 10), None]})
    out = run_rule("R021", ctx_for("challenges", rows_of("challenges"), lookup={"children": born}))
    # CH001 (2024-01-08) is before C1001's birth; CH002 (2024-01-22) is not; C1002 has no date of birth
    assert out["message"].to_list() == [
        "row 2, raised_on: raised_on 2024-01-08 is before child 'C1001' was born (2024-01-10)"
    ]


def test_qa_grades_are_checked_too(ctx_for, run_rule, rows_of):
    born = pl.DataFrame({"child_id": ["C1001"], "date_of_birth": [date(2024, 1, 6)]})
    out = run_rule("R021", ctx_for("qa_grades", rows_of("qa_grades"), lookup={"children": born}))
    assert out["row_number"].to_list() == [2, 4]  # 2024-01-05 and 2023-07-10


def test_born_on_the_day_is_fine_and_without_a_store_the_rule_is_skipped(ctx_for, run_rule, rows_of):
    born = pl.DataFrame({"child_id": ["C1001"], "date_of_birth": [date(2024, 1, 8)]})
    assert (
        run_rule("R021", ctx_for("challenges", rows_of("challenges"), lookup={"children": born})).height == 0
    )
    assert run_rule("R021", ctx_for("challenges", rows_of("challenges"))).height == 0

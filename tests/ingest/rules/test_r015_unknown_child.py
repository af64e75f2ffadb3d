import polars as pl


def test_challenge_for_a_child_not_loaded(ctx_for, run_rule, rows_of):
    known = pl.DataFrame({"child_id": ["C1001", "C1002"]})
    out = run_rule("R015", ctx_for("challenges", rows_of("challenges"), lookup={"children": known}))
    assert out["message"].to_list() == [
        "row 5, child_id: child 'C1004' is not in any children extract loaded"
    ]


def test_qa_grades_are_checked_too(ctx_for, run_rule, rows_of):
    known = pl.DataFrame({"child_id": ["C1001"]})
    out = run_rule("R015", ctx_for("qa_grades", rows_of("qa_grades"), lookup={"children": known}))
    assert out["row_number"].to_list() == [3]


def test_without_a_store_the_rule_is_skipped(ctx_for, run_rule, rows_of):
    assert run_rule("R015", ctx_for("challenges", rows_of("challenges"))).height == 0

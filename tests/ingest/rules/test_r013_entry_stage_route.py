def test_stage_must_fit_the_route(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[0]["entry_stage"] = "1"  # informal at stage 1
    rows[1]["entry_stage"] = "0"  # formal at stage 0
    out = run_rule("R013", ctx_for("challenges", rows))
    assert out["row_number"].to_list() == [2, 3]
    assert "entry_stage 1 but route is informal" in out["message"][0]
    assert "entry_stage 0 but route is formal" in out["message"][1]


def test_consistent_rows_pass(ctx_for, run_rule, rows_of):
    assert run_rule("R013", ctx_for("challenges", rows_of("challenges"))).height == 0

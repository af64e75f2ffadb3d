def test_text_over_the_limit(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[0]["concern"] = "x" * 4000
    rows[1]["concern"] = "é" * 5000
    out = run_rule("R009", ctx_for("challenges", rows))
    assert out["message"].to_list() == ["row 3, concern: text is 5000 characters long; the limit is 4000"]

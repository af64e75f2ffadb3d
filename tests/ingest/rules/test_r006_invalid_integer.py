def test_not_whole_numbers(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[0]["entry_stage"] = "1.5"
    rows[1]["entry_stage"] = "two"
    rows[2]["entry_stage"] = "99999999999"
    rows[3]["entry_stage"] = "1.0"  # Excel's float for 1 is fine
    ctx = ctx_for("challenges", rows)
    out = run_rule("R006", ctx)
    assert out["row_number"].to_list() == [2, 3, 4]
    assert out["message"][1] == "row 3, entry_stage: 'two' is not a whole number"
    assert ctx.typed["entry_stage"][3] == 1

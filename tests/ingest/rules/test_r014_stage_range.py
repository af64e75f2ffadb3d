def test_stage_outside_0_to_9(ctx_for, run_rule, rows_of):
    rows = rows_of("challenge_events")
    rows[0]["stage"] = "-1"
    rows[1]["stage"] = "10"
    rows[2]["stage"] = "9"
    out = run_rule("R014", ctx_for("challenge_events", rows))
    assert out["message"].to_list() == [
        "row 2, stage: stage -1 is outside 0..9",
        "row 3, stage: stage 10 is outside 0..9",
    ]


def test_entry_stage_checked_too(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[1]["entry_stage"] = "12"
    assert run_rule("R014", ctx_for("challenges", rows))["column_name"].to_list() == ["entry_stage"]

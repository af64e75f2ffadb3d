def test_escalated_event_needs_a_stage(ctx_for, run_rule, rows_of):
    rows = rows_of("challenge_events")
    rows[2]["stage"] = ""  # E003 escalated
    rows[5]["stage"] = "0"  # E006 escalated
    rows[1]["stage"] = ""  # a response without a stage is fine
    out = run_rule("R019", ctx_for("challenge_events", rows))
    assert out["row_number"].to_list() == [4, 7]
    assert out["message"][0] == "row 4, stage: an escalated event must give the stage it escalated to"
    assert "not 0" in out["message"][1]

def test_yes_no_words(ctx_for, run_rule, rows_of):
    rows = rows_of("challenge_events")[:8]
    for r, v in zip(rows, ["yes", "N", "1", "0", "TRUE", "f", "maybe", ""], strict=True):
        r["satisfied"] = v
    ctx = ctx_for("challenge_events", rows)
    out = run_rule("R007", ctx)
    assert out["message"].to_list() == [
        "row 8, satisfied: 'maybe' is not yes or no (expected true/false, yes/no, y/n or 1/0)"
    ]
    assert ctx.typed["satisfied"].to_list() == [True, False, True, False, True, False, None, None]

def test_spell_ending_before_it_starts(ctx_for, run_rule, rows_of):
    rows = rows_of("workers")
    rows[0]["valid_to"] = "2019-03-31"
    rows[1]["valid_to"] = rows[1]["valid_from"]  # a one-day spell is fine
    out = run_rule("R012", ctx_for("workers", rows))
    assert out["message"].to_list() == [
        "row 2, valid_to: valid_to 2019-03-31 is before valid_from 2019-04-01"
    ]

import polars as pl


def test_event_for_a_challenge_not_loaded(ctx_for, run_rule, rows_of):
    known = pl.DataFrame({"challenge_id": ["CH001", "CH002", "CH003"]})
    out = run_rule(
        "R016", ctx_for("challenge_events", rows_of("challenge_events"), lookup={"challenges": known})
    )
    assert out["row_number"].to_list() == [9, 10]
    assert (
        out["message"][0] == "row 9, challenge_id: challenge 'CH004' is not in any challenges extract loaded"
    )

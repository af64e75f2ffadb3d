def test_rows_with_more_values_than_headers(ctx_for, run_rule):
    text = "team_id,team_name,service_name,team_kind\nT1,A,S,social_work\nT2,A, with comma,S,social_work\nT3,B,S,social_work\n"
    ctx = ctx_for("teams", text)
    out = run_rule("R018", ctx)
    assert out["row_number"].to_list() == [3]
    assert out["message"][0].startswith("row 3, *: the row has more values than the 4 column headers")
    assert ctx.typed["team_id"].to_list() == ["T1", "T2", "T3"]  # the others still read

def test_unknown_code_lists_allowed_values(ctx_for, run_rule, rows_of):
    rows = rows_of("children")
    rows[0]["legal_status"] = "LAC"  # case does not matter
    rows[1]["legal_status"] = "looked after"
    out = run_rule("R005", ctx_for("children", rows))
    assert out["message"].to_list() == ["row 3, legal_status: 'looked after' is not one of lac, cp, cin"]


def test_spacing_and_case_are_forgiven(ctx_for, run_rule, rows_of):
    rows = rows_of("qa_grades")
    rows[0]["grade"] = "Requires Improvement"
    rows[1]["grade"] = " GOOD "
    ctx = ctx_for("qa_grades", rows)
    assert run_rule("R005", ctx).height == 0
    assert ctx.typed["grade"].to_list()[:2] == ["requires_improvement", "good"]


def test_profile_spellings_are_offered(ctx_for, run_rule):
    ctx = ctx_for("children", "PERSON_ID,LEGAL_STATUS\nC1,Looked After\nC2,Adopted\n", profile="mosaic")
    out = run_rule("R005", ctx)
    assert out["row_number"].to_list() == [3]
    assert "(or, in mosaic extracts: Looked After, " in out["message"][0]
    assert ctx.typed["legal_status"][0] == "lac"

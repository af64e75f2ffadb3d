def test_names_the_missing_column_and_near_misses(ctx_for, run_rule, rows_of):
    rows = [
        {("raised_date" if k == "raised_on" else k): v for k, v in r.items()} for r in rows_of("challenges")
    ]
    out = run_rule("F005", ctx_for("challenges", rows))
    assert out.height == 1
    assert out["column_name"][0] == "raised_on"
    msg = out["message"][0]
    assert "has no column 'raised_on'" in msg and "near misses in the file: 'raised_date'" in msg


def test_profile_spelling_is_named(ctx_for, run_rule):
    out = run_rule("F005", ctx_for("children", "PERSON_ID,DOB\nC1,01/01/2010\n", profile="mosaic"))
    assert out["column_name"].to_list() == ["legal_status"]
    assert "'legal_status' or 'LEGAL_STATUS'" in out["message"][0]


def test_optional_columns_may_be_absent(ctx_for, run_rule):
    assert run_rule("F005", ctx_for("children", "child_id,legal_status\nC1,lac\n")).height == 0

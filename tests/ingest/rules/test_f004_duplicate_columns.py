from ingest.rules.f004_duplicate_columns import column_letter


def test_same_header_twice(ctx_for, run_rule):
    ctx = ctx_for("teams", "team_id,team_name,service_name,team_kind,Team_Name \nT1,A,S,social_work,B\n")
    out = run_rule("F004", ctx)
    assert out.height == 1
    assert "'team_name' appears 2 times (columns B, E)" in out["message"][0]


def test_two_columns_meaning_the_same_canonical_column(ctx_for, run_rule):
    ctx = ctx_for(
        "children",
        "PERSON_ID,child_id,LEGAL_STATUS\nC1,C1,lac\n",
        profile="mosaic",
    )
    out = run_rule("F004", ctx)
    assert out.height == 1
    assert "'PERSON_ID' and 'child_id' both mean child_id" in out["message"][0]


def test_distinct_headers_pass(ctx_for, run_rule, rows_of):
    assert run_rule("F004", ctx_for("teams", rows_of("teams"))).height == 0


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]

from ingest.themes import theme_codes


def test_unknown_theme_codes_with_suggestions(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[0]["themes"] = "care_plan_quality;pep_outstandng"
    rows[1]["themes"] = "Quality and clarity of care plan"  # a label is accepted for its code
    rows[2]["themes"] = "CARE_PLAN_QUALITY; ;weather"
    ctx = ctx_for("challenges", rows)
    out = run_rule("R008", ctx)
    assert out["row_number"].to_list() == [2, 4]
    assert "'pep_outstandng' (did you mean pep_outstanding?)" in out["message"][0]
    assert "row 4, themes: unknown theme code 'weather'" in out["message"][1]
    assert ctx.typed["themes"].to_list()[:3] == [
        "care_plan_quality;pep_outstandng",
        "care_plan_quality",
        "care_plan_quality;weather",
    ]


def test_taxonomy_comes_from_the_dbt_seed():
    assert "care_plan_quality" in theme_codes() and len(theme_codes()) >= 20

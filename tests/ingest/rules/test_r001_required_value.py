def test_empty_required_value_is_reported_with_row_and_column(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[1]["raised_by_worker_id"] = "   "
    rows[2]["themes"] = " ; ;"
    out = run_rule("R001", ctx_for("challenges", rows))
    assert sorted(zip(out["row_number"], out["column_name"], strict=True)) == [
        (3, "raised_by_worker_id"),
        (4, "themes"),
    ]
    assert "row 3, raised_by_worker_id: required value missing" in out["message"].to_list()


def test_empty_optional_value_is_fine(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[0]["concern"] = ""
    assert run_rule("R001", ctx_for("challenges", rows)).height == 0


def test_profile_default_fills_an_empty_required_value(tmp_path, run_rule, ctx_for):
    from ingest.profiles import load_profile

    path = tmp_path / "p.yml"
    path.write_text("name: p\nentities:\n  teams:\n    defaults:\n      team_kind: social_work\n")
    load_profile(path)
    ctx = ctx_for("teams", "team_id,team_name,service_name,team_kind\nT1,A,S,\n", profile=str(path))
    assert run_rule("R001", ctx).height == 0
    assert ctx.typed["team_kind"].to_list() == ["social_work"]

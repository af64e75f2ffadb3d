def test_header_without_rows_is_empty(ctx_for, run_rule):
    out = run_rule("F002", ctx_for("teams", "team_id,team_name,service_name,team_kind\n"))
    assert out.height == 1
    assert "header row but no data rows" in out["message"][0]


def test_no_header_at_all_is_empty(ctx_for, run_rule):
    out = run_rule("F002", ctx_for("teams", "\n\n"))
    assert "is empty" in out["message"][0]


def test_blank_rows_do_not_count_as_data(ctx_for, run_rule):
    out = run_rule("F002", ctx_for("teams", "team_id,team_name\n,\n  ,  \n"))
    assert out.height == 1


def test_a_file_with_rows_passes(ctx_for, run_rule, rows_of):
    assert run_rule("F002", ctx_for("teams", rows_of("teams"))).height == 0

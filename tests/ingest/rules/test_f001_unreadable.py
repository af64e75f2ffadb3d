from ingest.rules import BY_CODE
from ingest.rules._base import RuleContext


def test_reports_the_read_error_as_a_file_failure(ctx_for, run_rule, rows_of):
    ok = ctx_for("teams", rows_of("teams"))
    assert run_rule("F001", ok).height == 0
    bad = RuleContext(
        file_name="teams.csv",
        profile=ok.profile,
        load_date=ok.load_date,
        read_error="teams.csv is not UTF-8 text (byte 0xA3 on line 3)",
    )
    out = run_rule("F001", bad)
    assert out.height == 1 and out["row_number"][0] is None
    assert "0xA3 on line 3" in out["message"][0]
    assert BY_CODE["F001"].level == "file" and BY_CODE["F001"].gate

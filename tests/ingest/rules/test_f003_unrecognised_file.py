from ingest.profiles import load_profile
from ingest.rules._base import RuleContext


def test_unidentified_file_lists_the_names_expected(run_rule, ctx_for, rows_of):
    prof = load_profile("mosaic")
    ctx = RuleContext(
        file_name="extract.csv",
        profile=prof,
        load_date=ctx_for("teams", rows_of("teams")).load_date,
        headers=["a"],
        rows=1,
        expected=prof.expected_names(),
    )
    out = run_rule("F003", ctx)
    msg = out["message"][0]
    assert out.height == 1
    assert "extract.csv" in msg and "profile mosaic" in msg
    assert "challenges: mosaic_escalation_steps" in msg and "children:" in msg


def test_identified_file_passes(ctx_for, run_rule, rows_of):
    assert run_rule("F003", ctx_for("teams", rows_of("teams"))).height == 0

from datetime import date

import polars as pl


def test_event_before_the_challenge_was_raised(ctx_for, run_rule, rows_of):
    raised = pl.DataFrame(
        {"challenge_id": ["CH001", "CH002"], "raised_on": [date(2024, 1, 8), date(2024, 1, 27)]}
    )
    out = run_rule(
        "R017", ctx_for("challenge_events", rows_of("challenge_events"), lookup={"challenges": raised})
    )
    assert out["row_number"].to_list() == [3]
    assert (
        out["message"][0]
        == "row 3, event_on: event_on 2024-01-26 is before challenge 'CH002' was raised (2024-01-27)"
    )


def test_same_day_is_fine(ctx_for, run_rule, rows_of):
    raised = pl.DataFrame({"challenge_id": ["CH004"], "raised_on": [date(2024, 3, 15)]})
    assert (
        run_rule(
            "R017", ctx_for("challenge_events", rows_of("challenge_events"), lookup={"challenges": raised})
        ).height
        == 0
    )

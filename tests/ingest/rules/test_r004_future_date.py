from datetime import date


def test_dates_after_the_load_date(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[0]["raised_on"] = "2024-06-30"  # the load date itself is fine
    rows[1]["raised_on"] = "01/07/2024"
    out = run_rule("R004", ctx_for("challenges", rows, load_date=date(2024, 6, 30)))
    assert out["message"].to_list() == [
        "row 3, raised_on: 2024-07-01 is after the day of the load (2024-06-30)"
    ]


def test_timestamps_after_the_load_day(ctx_for, run_rule, rows_of):
    rows = rows_of("challenge_events")[:2]
    rows[0]["recorded_at"] = "2024-06-30 23:59"
    rows[1]["recorded_at"] = "2024-07-01 00:00"
    out = run_rule("R004", ctx_for("challenge_events", rows, load_date=date(2024, 6, 30)))
    assert out["row_number"].to_list() == [3]


def test_worker_spells_may_be_planned_ahead(ctx_for, run_rule, rows_of):
    rows = rows_of("workers")
    rows[0]["valid_to"] = "2030-01-01"
    assert run_rule("R004", ctx_for("workers", rows, load_date=date(2024, 6, 30))).height == 0

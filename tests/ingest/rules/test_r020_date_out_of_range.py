from datetime import date


def test_a_date_before_the_floor(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[0]["raised_on"] = "1900-01-02"  # a real date: R002 accepts it; no working day counts from it
    rows[1]["raised_on"] = "2000-01-01"  # the floor itself is fine
    out = run_rule("R020", ctx_for("challenges", rows))
    assert out["message"].to_list() == [
        "row 2, raised_on: 1900-01-02 is not between 2000-01-01 and 2035-12-31"
    ]


def test_timestamps_and_the_ceiling(ctx_for, run_rule, rows_of):
    rows = rows_of("challenge_events")[:3]
    rows[0]["recorded_at"] = "1999-12-31 23:59"
    rows[1]["event_on"] = "2036-01-01"
    rows[2]["recorded_at"] = "2035-12-31 23:59"  # the last minute of the calendar is fine
    out = run_rule("R020", ctx_for("challenge_events", rows, load_date=date(2040, 1, 1)))
    assert sorted(zip(out["row_number"], out["column_name"], strict=True)) == [
        (2, "recorded_at"),
        (3, "event_on"),
    ]


def test_dates_of_birth_have_their_own_floor(ctx_for, run_rule, rows_of):
    rows = rows_of("children")[:3]
    rows[0]["date_of_birth"] = "1995-03-01"  # a care leaver: fine
    rows[1]["date_of_birth"] = "1979-12-31"
    out = run_rule("R020", ctx_for("children", rows))
    assert out["message"].to_list() == [
        "row 3, date_of_birth: 1979-12-31 is not between 1980-01-01 and 2035-12-31"
    ]


def test_a_worker_spell_may_run_on_without_end(ctx_for, run_rule, rows_of):
    rows = rows_of("workers")[:2]
    rows[0]["valid_to"] = "9999-12-31"
    rows[1]["valid_from"] = "1899-01-01"
    out = run_rule("R020", ctx_for("workers", rows))
    assert out["message"].to_list() == [
        "row 3, valid_from: 1899-01-01 is not between 2000-01-01 and 2035-12-31"
    ]

def test_bad_timestamps(ctx_for, run_rule, rows_of):
    rows = rows_of("challenge_events")[:3]
    rows[0]["recorded_at"] = "2024-01-12 25:00"
    rows[1]["recorded_at"] = "12/01/2024 at ten"
    rows[2]["recorded_at"] = "12/01/2024 10:15"
    out = run_rule("R003", ctx_for("challenge_events", rows)).sort("row_number")
    assert out["message"].to_list()[0] == "row 2, recorded_at: '2024-01-12 25:00' is not a real date and time"
    assert out["row_number"].to_list() == [2, 3]
    assert "is not a date and time (expected" in out["message"][1]


def test_timestamp_forms(ctx_for, run_rule, rows_of):
    rows = rows_of("challenge_events")[:4]
    for r, v in zip(
        rows, ["2024-01-12T10:15:00", "2024-01-12 10:15", "12/01/2024 10:15", "2024-01-12"], strict=True
    ):
        r["recorded_at"] = v
    ctx = ctx_for("challenge_events", rows)
    assert run_rule("R003", ctx).height == 0
    assert [t.isoformat() for t in ctx.typed["recorded_at"]] == [
        "2024-01-12T10:15:00",
        "2024-01-12T10:15:00",
        "2024-01-12T10:15:00",
        "2024-01-12T00:00:00",
    ]

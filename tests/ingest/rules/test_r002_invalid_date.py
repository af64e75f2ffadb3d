def test_impossible_and_unreadable_dates(ctx_for, run_rule, rows_of):
    rows = rows_of("children")[:4]
    rows[0]["date_of_birth"] = "31/02/2017"
    rows[1]["date_of_birth"] = "2017-13-01"
    rows[2]["date_of_birth"] = "last Tuesday"
    rows[3]["date_of_birth"] = "31/07/17"  # two-digit year: ambiguous, not accepted
    out = run_rule("R002", ctx_for("children", rows)).sort("row_number")
    msgs = out["message"].to_list()
    assert msgs[0] == "row 2, date_of_birth: '31/02/2017' is not a real date"
    assert msgs[1] == "row 3, date_of_birth: '2017-13-01' is not a real date"
    assert msgs[2].startswith(
        "row 4, date_of_birth: 'last Tuesday' is not a date (expected 2017-07-31 or 31/07/2017"
    )
    assert "'31/07/17' is not a date" in msgs[3]


def test_iso_uk_and_excel_forms_parse(ctx_for, run_rule, rows_of):
    rows = rows_of("children")[:4]
    for r, v in zip(rows, ["2017-07-31", "31/07/2017", "1/7/2017", "2017-07-31 00:00:00"], strict=True):
        r["date_of_birth"] = v
    ctx = ctx_for("children", rows)
    assert run_rule("R002", ctx).height == 0
    assert [d.isoformat() for d in ctx.typed["date_of_birth"]] == [
        "2017-07-31",
        "2017-07-31",
        "2017-07-01",
        "2017-07-31",
    ]


def test_profile_date_formats(ctx_for, run_rule):
    ctx = ctx_for(
        "children",
        "LCS ID,Legal Status,Date of Birth\nC1,CLA,31-Jan-2017\nC2,CLA,30-Feb-2017\n",
        profile="liquidlogic",
    )
    out = run_rule("R002", ctx)
    assert out["row_number"].to_list() == [3]
    assert "or %d-%b-%Y" in out["message"][0]

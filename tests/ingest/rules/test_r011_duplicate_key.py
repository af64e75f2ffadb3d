def test_every_copy_of_a_duplicated_key_is_reported(ctx_for, run_rule, rows_of):
    rows = rows_of("children")
    rows.append(dict(rows[0]))
    rows.append(dict(rows[0], child_id=" C1001 "))  # trimmed: the same key
    out = run_rule("R011", ctx_for("children", rows))
    assert out["row_number"].to_list() == [2, 6, 7]
    assert (
        out["message"][0]
        == "row 2, child_id: child_id C1001 appears 3 times in this file (rows 2, 6, 7); none of them is loaded"
    )


def test_composite_key(ctx_for, run_rule, rows_of):
    rows = rows_of("workers")
    rows.append(dict(rows[-1], valid_from="01/04/2023"))  # same day written the UK way
    out = run_rule("R011", ctx_for("workers", rows))
    assert out["row_number"].to_list() == [11, 12]
    assert out["column_name"][0] == "worker_id, team_id, valid_from"
    assert "worker_id W009, team_id T-SW1, valid_from 2023-04-01 appears 2 times" in out["message"][0]


def test_distinct_keys_pass(ctx_for, run_rule, rows_of):
    assert run_rule("R011", ctx_for("workers", rows_of("workers"))).height == 0

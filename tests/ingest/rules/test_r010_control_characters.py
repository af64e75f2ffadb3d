def test_control_characters_other_than_tab_and_newlines(ctx_for, run_rule, rows_of):
    rows = rows_of("challenges")
    rows[0]["concern"] = "line one\nline two\twith tab\r\nand CRLF"
    rows[1]["concern"] = "nul\x00byte"
    rows[2]["concern"] = "escape\x1b[31m"
    out = run_rule("R010", ctx_for("challenges", rows))
    assert out["row_number"].to_list() == [3, 4]
    assert (
        out["message"][0]
        == "row 3, concern: 'nul\ufffdbyte' contains a control character at position 4 (shown as \ufffd)"
    )

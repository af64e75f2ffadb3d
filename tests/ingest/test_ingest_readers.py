"""Readers: text in, row numbers as a person sees them, clear reasons when a file cannot be read."""

from __future__ import annotations

import pytest

from ingest.readers import ReadError, read_csv


def test_bom_and_row_numbers_with_blank_and_multiline_rows():
    t = read_csv('\ufeffa,b\n1,"two\nlines"\n\n3,x\n'.encode(), "f.csv")
    assert t.headers == ["a", "b"]
    assert t.data.rows() == [("1", "two\nlines", 2), ("3", "x", 4)]


def test_leading_blank_lines_shift_the_header():
    t = read_csv(b"\n\na,b\n1,2\n", "f.csv")
    assert t.header_row == 3 and t.data["_source_row"].to_list() == [4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("a,b\n1,£\n".encode("cp1252"), "not UTF-8 text (byte 0xA3 on line 2)"),
        ("a,b\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04rest", "zip file"),
    ],
)
def test_unreadable_csv(data, message):
    with pytest.raises(ReadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_csv(data, "f.csv")


def test_short_rows_are_padded_and_long_rows_noted():
    t = read_csv(b"a,b,c\n1\n1,2,3,4\n", "f.csv")
    assert t.data.rows() == [("1", None, None, 2), ("1", "2", "3", 3)]
    assert t.ragged_rows == [3]

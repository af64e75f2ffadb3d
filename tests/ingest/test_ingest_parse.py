"""Type parsing: vectorised, total (never raises), exact about what it accepts."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from ingest.parse import normalise_code, parse_bool, parse_codes, parse_date, parse_int, parse_timestamp


def run(expr, values):
    return (
        pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr(pl.col("v"))).to_series().to_list()
    )


def test_dates():
    got = run(
        parse_date,
        [
            "2017-07-31",
            "31/07/2017",
            "1/7/2017",
            "2017-7-1",
            "31/02/2017",
            "2017-02-29",
            "2016-02-29",
            "31/07/17",
            "2017-07-31 14:05:00",
            "17-07-31",
            None,
            "31.07.2017",
        ],
    )
    assert got == [
        date(2017, 7, 31),
        date(2017, 7, 31),
        date(2017, 7, 1),
        date(2017, 7, 1),
        None,
        None,
        date(2016, 2, 29),
        None,
        date(2017, 7, 31),
        None,
        None,
        None,
    ]


def test_extra_date_formats():
    got = run(lambda e: parse_date(e, ("%d-%b-%Y",)), ["31-Jan-2024", "31-Feb-2024", "2024-01-31"])
    assert got == [date(2024, 1, 31), None, date(2024, 1, 31)]


def test_timestamps():
    got = run(
        parse_timestamp,
        [
            "2017-07-31T14:05:00",
            "2017-07-31 14:05",
            "31/07/2017 14:05:07.250",
            "2017-07-31",
            "31/07/2017 24:00",
            "2017-07-31T14:05:00Z",
        ],
    )
    assert got == [
        datetime(2017, 7, 31, 14, 5),
        datetime(2017, 7, 31, 14, 5),
        datetime(2017, 7, 31, 14, 5, 7, 250000),
        datetime(2017, 7, 31),
        None,
        None,
    ]


def test_integers():
    assert run(parse_int, ["0", "+3", "-2", "4.0", "4.5", "1e3", "", "3000000000", " 7 "]) == [
        0,
        3,
        -2,
        4,
        None,
        None,
        None,
        None,
        7,
    ]


def test_booleans():
    assert run(parse_bool, ["Yes", "no", "Y", "n", "TRUE", "false", "1", "0", "maybe", None]) == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        None,
        None,
    ]


def test_codes():
    assert run(normalise_code, [" Requires Improvement ", "social-worker", "LAC"]) == [
        "requires_improvement",
        "social_worker",
        "lac",
    ]
    labels = {"quality_and_clarity_of_care_plan": "care_plan_quality"}
    assert run(
        lambda e: parse_codes(e, None, labels), ["A;b ; ;C", "Quality and clarity of care plan", ";;", None]
    ) == ["a;b;c", "care_plan_quality", None, None]


def test_fast_paths_agree_with_the_general_path():
    from ingest.parse import parse_temporal

    values = [
        "2017-07-31",
        "31/07/2017",
        "1/7/2017",
        "31/02/2017",
        "31/07/17",
        "17-07-31",
        "+2017-07-31",
        "2017-07-31 00:00:00",
        "2017-07-31 14:05:00",
        "2017-07-31T14:05:00",
        "31/07/2017 14:05",
        "0017-07-31",
        "2017-07-31 14:05",
        None,
        "junk",
        "2017-02-29 10:00:00",
        "31/07/2017 14:05:07.5",
    ]
    s = pl.Series("v", values, dtype=pl.String)
    assert parse_temporal(s, "date").to_list() == run(parse_date, values)
    assert parse_temporal(s, "timestamp").to_list() == run(parse_timestamp, values)
    assert parse_temporal(s.head(0), "date").to_list() == []

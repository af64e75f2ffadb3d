"""Speed: a synthetic 50,000-event load (62,500 rows) must be quick, with and without bad rows.
The million-row measurement is `python -m warehouse.ingest_bench --events 1000000` (see docs/ingest.md)."""

from __future__ import annotations

from warehouse.ingest_bench import run


def test_fifty_thousand_events():
    res = run(50_000)
    assert res["files"]["challenge_events.csv"] == (50_000, 50_000, 0)
    assert res["rows"] == 62_500
    # loose floor: the machine is shared; the measured rate is in the bench output
    assert res["rows_per_second"] > 5_000, res["rows_per_second"]


def test_many_bad_rows_are_quarantined_in_bulk():
    res = run(50_000, bad_every=10)
    assert res["files"]["challenge_events.csv"] == (50_000, 45_000, 5_000)
    report = res["report"]
    assert report.rejections.height == 5_000
    assert "R002 x 5,000 rows: Date not valid" in report.summary()

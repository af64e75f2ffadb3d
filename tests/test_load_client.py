"""The room of viewers (tests/load.py) with its default client, Streamlit's WebSocket protocol from
Python (tests/stream_client.py), against the served app on a copy of the demo warehouse: two viewers
signed in by session cookie click through every page twice, then a new build goes live and each
open page must show it by its own poll of /api/live."""

from __future__ import annotations

import pytest

from tests import load

# Serves dashboard/server.py as the browser suite does (make test-fast leaves it out with them).
pytestmark = pytest.mark.browser


def test_ws_room_of_viewers_finishes_every_view_and_sees_a_new_build(scratch_warehouse):
    figures: list[tuple[str, str]] = []
    load.run(
        scratch_warehouse.home,
        viewers=2,
        rounds=2,
        idle=1,
        out=lambda name, value: figures.append((name, value)),
    )
    got = dict(figures)
    report = "\n".join(f"{name}: {value}" for name, value in figures)

    assert got["page views that did not finish (2 min)"].strip() == "0", report
    cold = got["page views (first round, cold)"]
    assert cold.startswith(f"{2 * len(load.PAGES)}:"), report  # every page, both viewers
    warm_p50 = float(got["page time, warm (p50 / p95)"].split()[0])
    assert warm_p50 > 0, report
    assert f"({2 * len(load.PAGES)} views)" in got["page time, warm (p50 / p95)"], report
    assert float(got["server CPU per warm page view"].split()[0]) > 0, report
    assert "the last of 2" in got["new build visible on every open page"], report

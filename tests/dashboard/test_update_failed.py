"""The pages say when the latest update failed (issue 10): "Figures as of <time>; the latest
update failed: <reason>", under the as-at line every page shows, and in the sidebar; and a damaged
live build file is reported there too."""

from __future__ import annotations

import json
import os

from tests.dashboard.conftest import assert_ok, open_page
from warehouse import live
from warehouse.live import status_path


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_a_failed_rebuild_shows_under_the_as_at_line(scratch_warehouse):
    w = scratch_warehouse
    status_path(w.paths).write_text(
        json.dumps(
            {
                "state": "idle",
                "last_error": "The build failed, so the live build is unchanged. Full log: x.log\\nmore",
                "consecutive_failures": 2,
                "last_failure_at": "2026-12-03T10:00:00+00:00",
            }
        )
    )
    at = open_page("overview")
    assert_ok(at)
    when = f"{w.live.built_at[:10]} {w.live.built_at[11:16]} UTC"
    lines = [c for c in _captions(at) if "the latest update failed" in c]
    assert lines, _captions(at)
    assert all(f"Figures as of {when}; the latest update failed: The build failed" in c for c in lines)
    assert any("As at **" in c for c in _captions(at))  # the as-at line is still there


def test_a_damaged_live_file_is_reported_on_the_page(scratch_warehouse, monkeypatch):
    w = scratch_warehouse
    asked: list[bool] = []
    monkeypatch.setattr(live, "request_build", lambda *a, **k: asked.append(True))
    with open(w.live.file, "r+b") as fh:
        fh.truncate(os.path.getsize(w.live.file) - 4096)
    at = open_page("overview")
    text = " ".join(_captions(at)) + " ".join(e.message for e in at.exception)
    assert "the latest update failed: the live build file" in text and "damaged" in text
    assert asked, "the page asks for a build to replace the damaged file"

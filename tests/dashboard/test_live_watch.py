"""/api/live: what open pages poll instead of rerunning on the server every second."""

from __future__ import annotations

import dataclasses
import shutil

from starlette.applications import Starlette
from starlette.testclient import TestClient

from dashboard import live_watch
from warehouse import store
from warehouse.settings import Paths


def test_the_fingerprint_changes_when_a_new_build_goes_live(demo, tmp_path, monkeypatch):
    home = tmp_path / "home"
    p = Paths(home).ensure()
    live = store.read_live(demo.paths)
    shutil.copyfile(live.path, p.builds_dir / "a.duckdb")
    first = dataclasses.replace(live, build_id="20261203T000000Z-aaaaaa", path=str(p.builds_dir / "a.duckdb"))
    store.set_live(first, p)
    monkeypatch.setenv("IROQA_HOME", str(home))
    client = TestClient(Starlette(routes=live_watch.routes()))
    r = client.get(live_watch.ROUTE)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    before = r.json()["fingerprint"]
    assert client.get(live_watch.ROUTE).json()["fingerprint"] == before, "stable while nothing changes"
    assert before == live_watch.fingerprint(first, "built")
    assert "aaaaaa" not in r.text, "the build id itself is not given away"
    shutil.copyfile(live.path, p.builds_dir / "b.duckdb")
    store.set_live(dataclasses.replace(live, build_id="b", path=str(p.builds_dir / "b.duckdb")), p)
    assert client.get(live_watch.ROUTE).json()["fingerprint"] != before
    assert client.post(live_watch.ROUTE).status_code == 405

"""The served app's settings (dashboard/.streamlit/config.toml) are real Streamlit options with the
values the room of viewers was measured with (issue 16): a Streamlit upgrade that renames one would
otherwise drop it without a word."""

from __future__ import annotations

import tomllib
from pathlib import Path

from streamlit import config

CONFIG = Path(__file__).resolve().parents[2] / "dashboard" / ".streamlit" / "config.toml"


def _flat(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def test_every_setting_is_a_streamlit_option():
    settings = _flat(tomllib.loads(CONFIG.read_text()))
    known = set(config.get_config_options())
    assert set(settings) <= known, set(settings) - known


def test_no_forced_garbage_collection_and_no_file_watching_when_served():
    settings = _flat(tomllib.loads(CONFIG.read_text()))
    # gc.collect(2) after every page view was about half the server's CPU per warm view (0.24 s ->
    # 0.13 s at la scale, 3 viewers, `python -m tests.load`); a served app never watches its files
    assert settings["runner.postScriptGC"] is False
    assert settings["server.fileWatcherType"] == "none"
    assert settings["client.toolbarMode"] == "viewer"

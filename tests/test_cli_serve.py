"""Not exposed by default (issue 10): ``iroqa serve`` listens on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

from cli import main as cli
from cli import serve_cmds


def _served_with(monkeypatch, *argv: str) -> list[str]:
    seen: list[list[str]] = []
    monkeypatch.setattr(serve_cmds.subprocess, "call", lambda cmd, env=None: seen.append(cmd) or 0)
    assert cli.main(["serve", *argv]) == 0
    return seen[0]


def _option(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_serve_binds_the_loopback_address_by_default(monkeypatch, capsys):
    cmd = _served_with(monkeypatch, "--port", "8612")
    assert _option(cmd, "--server.address") == "127.0.0.1"
    assert _option(cmd, "--server.port") == "8612"
    assert "http://127.0.0.1:8612" in capsys.readouterr().out


def test_another_address_only_when_asked(monkeypatch, capsys):
    cmd = _served_with(monkeypatch, "--address", "0.0.0.0")
    assert _option(cmd, "--server.address") == "0.0.0.0"
    assert "reachable from other machines" in capsys.readouterr().out


def test_make_run_serves_on_the_loopback_address_by_default():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "ADDRESS ?= 127.0.0.1" in makefile
    assert "iroqa serve --port $(PORT) --address $(ADDRESS)" in makefile

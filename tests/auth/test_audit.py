"""The audit log: append-only, hash-chained, safe with concurrent writers, tampering detected."""

from __future__ import annotations

import json
import multiprocessing as mp
import stat
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from accounts import audit
from accounts.users import User
from warehouse import settings

ASM = User("asm1", "asm", teams=("T1",))


def _lines(p: settings.Paths) -> list[bytes]:
    return audit.log_file(p).read_bytes().splitlines(keepends=True)


def _write_lines(p: settings.Paths, lines: list[bytes]) -> None:
    audit.log_file(p).write_bytes(b"".join(lines))


@pytest.fixture
def logged(home) -> settings.Paths:
    audit.record("jsmith", "sign_in_failed", {"reason": "wrong_password"}, p=home)
    audit.record(ASM, "sign_in", {"mode": "local"}, p=home, session="s1")
    audit.record(ASM, "page_view", {"page": "Team", "filters": {"teams": ["T1"]}}, p=home, session="s1")
    audit.record(ASM, "export", {"what": "open cases", "format": "xlsx", "rows": 12}, p=home, session="s1")
    audit.record(ASM, "write", {"event_id": "e1", "challenge_id": "C1", "event_type": "response"}, p=home)
    return home


def test_records_chain_and_verify(logged):
    assert audit.verify(logged) == (True, None)
    recs = [json.loads(line) for line in _lines(logged)]
    assert [r["seq"] for r in recs] == [1, 2, 3, 4, 5]
    assert recs[0]["prev"] == audit.GENESIS
    for before, after, raw in zip(recs, recs[1:], _lines(logged), strict=False):
        assert after["prev"] == __import__("hashlib").sha256(raw.rstrip(b"\n")).hexdigest()
        assert before["seq"] + 1 == after["seq"]
    assert recs[1]["user"] == "asm1" and recs[1]["role"] == "asm" and recs[1]["session"] == "s1"
    assert audit.head(logged)["seq"] == 5


def test_empty_log_verifies(home):
    assert audit.verify(home) == (True, None)
    assert audit.read(home).height == 0


def test_files_are_private(logged):
    assert stat.S_IMODE(audit.log_file(logged).stat().st_mode) == 0o600
    assert stat.S_IMODE(audit.audit_dir(logged).stat().st_mode) == 0o700


def test_unknown_action_is_refused(home):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(ASM, "delete_everything", {}, p=home)


def test_secrets_never_reach_the_log(home):
    audit.record("x", "sign_in_failed", {"password": "hunter2hunter2", "nested": {"Token": "abc"}}, p=home)
    raw = audit.log_file(home).read_text()
    assert "hunter2" not in raw and "abc" not in raw


def test_read_returns_a_dataframe(logged):
    df = audit.read(logged)
    assert df.columns == ["seq", "ts", "user", "role", "action", "detail", "session", "prev"]
    assert df.height == 5 and df.schema["ts"] == pl.Datetime("us", "UTC")
    assert df["action"].to_list() == ["sign_in_failed", "sign_in", "page_view", "export", "write"]
    assert json.loads(df["detail"][2]) == {"filters": {"teams": ["T1"]}, "page": "Team"}


def test_record_accepts_dataclasses_and_odd_values(home):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Filters:
        teams: tuple = ("T1",)
        month_from: object = datetime(2026, 4, 1, tzinfo=UTC).date()

    audit.record(ASM, "page_view", {"page": "x", "filters": Filters(), "s": {"b", "a"}}, p=home)
    rec = json.loads(_lines(home)[0])
    assert rec["detail"] == {
        "page": "x",
        "filters": {"teams": ["T1"], "month_from": "2026-04-01"},
        "s": ["a", "b"],
    }


# --- tampering ----------------------------------------------------------------------------------------


def test_altering_a_record_is_detected(logged):
    lines = _lines(logged)
    lines[2] = lines[2].replace(b'"Team"', b'"Tea"')
    _write_lines(logged, lines)
    assert audit.verify(logged) == (False, 4)  # the next record no longer chains to it


def test_deleting_a_record_is_detected(logged):
    lines = _lines(logged)
    del lines[1]
    _write_lines(logged, lines)
    assert audit.verify(logged) == (False, 2)


def test_deleting_the_last_record_is_detected(logged):
    _write_lines(logged, _lines(logged)[:-1])
    assert audit.verify(logged) == (False, 5)


def test_altering_the_last_record_is_detected(logged):
    lines = _lines(logged)
    lines[-1] = lines[-1].replace(b'"C1"', b'"C2"')
    _write_lines(logged, lines)
    assert audit.verify(logged) == (False, 5)


def test_reordering_records_is_detected(logged):
    lines = _lines(logged)
    lines[1], lines[2] = lines[2], lines[1]
    _write_lines(logged, lines)
    assert audit.verify(logged) == (False, 2)


def test_a_line_added_by_hand_is_detected(logged):
    lines = _lines(logged)
    forged = dict(json.loads(lines[-1]), seq=6, prev=__import__("hashlib").sha256(lines[-1][:-1]).hexdigest())
    _write_lines(logged, [*lines, json.dumps(forged).encode() + b"\n"])
    assert audit.verify(logged) == (False, 6)


def test_emptying_the_log_is_detected(logged):
    _write_lines(logged, [])
    assert audit.verify(logged) == (False, 1)
    audit.log_file(logged).unlink()
    assert audit.verify(logged) == (False, 1)


def test_altering_the_last_record_stays_detected_after_more_records(logged):
    lines = _lines(logged)
    lines[-1] = lines[-1].replace(b'"write"', b'"export"')
    _write_lines(logged, lines)
    audit.record(ASM, "sign_out", {}, p=logged)  # the head is rewritten: the break must not heal
    audit.record(ASM, "sign_in", {}, p=logged)
    assert audit.verify(logged) == (False, len(lines) + 1)


def test_cutting_records_off_the_end_stays_detected_after_more_records(logged):
    lines = _lines(logged)
    _write_lines(logged, lines[:-2])
    audit.record(ASM, "sign_out", {}, p=logged)
    ok, bad = audit.verify(logged)
    assert not ok and bad == len(lines) - 1


def test_a_crash_before_the_head_was_updated_is_not_taken_for_tampering(logged, monkeypatch):
    monkeypatch.setattr(audit, "_write_head", lambda *a, **k: None)
    audit.record(ASM, "sign_out", {}, p=logged)  # appended, head not updated (as after a crash)
    monkeypatch.undo()
    audit.record(ASM, "sign_in", {}, p=logged)
    assert audit.verify(logged) == (True, None)


def test_a_torn_last_line_is_reported_and_appending_goes_on(logged):
    with open(audit.log_file(logged), "ab") as fh:
        fh.write(b'{"seq": 6, "ts": "2026')  # a crash mid-write
    audit.record(ASM, "sign_out", {}, p=logged)
    ok, bad = audit.verify(logged)
    assert not ok and bad == 6
    assert audit.read(logged)["action"].to_list()[-2:] == ["unreadable", "sign_out"]


# --- concurrency --------------------------------------------------------------------------------------


def _writer(home: str, k: int, n: int, start) -> None:
    p = settings.Paths(Path(home))
    start.wait(10)
    for i in range(n):
        audit.record(f"proc{k}", "page_view", {"page": f"p{k}", "i": i, "pad": "x" * (i * 97 % 3000)}, p=p)


def test_ten_processes_appending_keep_one_valid_chain(home):
    ctx = mp.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(str(home.home), k, 30, start)) for k in range(10)]
    for pr in procs:
        pr.start()
    start.set()
    for pr in procs:
        pr.join(120)
        assert pr.exitcode == 0
    assert audit.verify(home) == (True, None)
    df = audit.read(home)
    assert df.height == 300
    assert df["seq"].to_list() == list(range(1, 301))
    per_proc = df.group_by("user").agg(pl.len().alias("n"))
    assert sorted(per_proc["n"].to_list()) == [30] * 10
    # each process's own records stay in its order
    for k in range(10):
        mine = [json.loads(d)["i"] for d in df.filter(pl.col("user") == f"proc{k}")["detail"]]
        assert mine == list(range(30))


def test_threads_appending_keep_one_valid_chain(home):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: audit.record(f"t{i % 8}", "page_view", {"i": i}, p=home), range(200)))
    assert audit.verify(home) == (True, None)
    assert audit.read(home).height == 200


def test_the_app_has_no_api_to_change_or_delete_records():
    public = {n for n in dir(audit) if not n.startswith("_")}
    assert not {
        n
        for n in public
        if any(
            w in n.lower()
            for w in ("delete", "remove", "update", "edit", "truncate", "rewrite", "clear", "purge")
        )
    }


def test_a_record_that_cannot_be_written_raises_audit_error(home, monkeypatch):
    import errno
    import os

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(audit.os, "write", disk_full)
    with pytest.raises(audit.AuditError, match="No space left"):
        audit.record(ASM, "export", {}, p=home)
    monkeypatch.setattr(audit.os, "write", os.write)
    assert audit.verify(home) == (True, None)

"""``iroqa users`` and ``iroqa audit`` through cli.main.main."""

from __future__ import annotations

import io
import json

import pytest

from accounts import audit, users
from cli.main import main
from tests.auth.conftest import PASSWORD


def _stdin(monkeypatch, text: str, tty: bool = False) -> None:
    buf = io.StringIO(text)
    buf.isatty = lambda: tty  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", buf)


def test_users_add_with_password_stdin_then_sign_in(home, monkeypatch, capsys):
    _stdin(monkeypatch, PASSWORD + "\n")
    rc = main(
        [
            "users",
            "add",
            "JSmith",
            "--role",
            "asm",
            "--teams",
            "T1, T2",
            "--name",
            "Jo Smith",
            "--email",
            "jo@example.gov.uk",
            "--password-stdin",
        ]
    )
    assert rc == 0
    assert "Added jsmith (Assistant Service Manager)" in capsys.readouterr().out
    u = users.authenticate(home, "jsmith", PASSWORD)
    assert u is not None and u.teams == ("T1", "T2") and u.display_name == "Jo Smith"


def test_users_add_generate_prints_the_password_once(home, capsys):
    assert main(["users", "add", "iro1", "--role", "iro", "--worker-id", "W1", "--generate"]) == 0
    out = capsys.readouterr().out
    password = out.split("Password (shown once): ")[1].strip()
    assert users.authenticate(home, "iro1", password).worker_id == "W1"
    assert password not in users.users_file(home).read_text()


def test_users_add_prompts_with_getpass_on_a_terminal(home, monkeypatch):
    _stdin(monkeypatch, "", tty=True)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["users", "add", "sm1", "--role", "service_manager"]) == 0
    assert users.authenticate(home, "sm1", PASSWORD) is not None


def test_users_add_refuses_without_a_terminal_or_with_mismatched_prompts(home, monkeypatch, capsys):
    _stdin(monkeypatch, "", tty=False)
    assert main(["users", "add", "sm1", "--role", "service_manager"]) == 2
    assert "--password-stdin" in capsys.readouterr().err
    _stdin(monkeypatch, "", tty=True)
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["users", "add", "sm1", "--role", "service_manager"]) == 2
    assert "differ" in capsys.readouterr().err
    assert users.list_users(home) == []


def test_users_add_rejects_bad_input(home, monkeypatch, capsys):
    _stdin(monkeypatch, "short\n")
    assert main(["users", "add", "x1", "--role", "iro", "--password-stdin"]) == 2
    assert "at least 12" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["users", "add", "x1", "--role", "root", "--generate"])
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["users", "add", "x1", "--role", "iro", "--password-stdin"]) == 0
    assert "no --worker-id" in capsys.readouterr().err  # warned, fails closed
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["users", "add", "x1", "--role", "iro", "--password-stdin"]) == 2


def test_users_list_never_prints_hashes(home, capsys):
    main(["users", "add", "asm1", "--role", "asm", "--teams", "T1", "--generate"])
    main(["users", "add", "an1", "--role", "analyst", "--name", "Ana Lyst", "--generate"])
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "asm1" in out and "an1" in out and "Ana Lyst" in out and "T1" in out
    assert "$argon2" not in out and "password" not in out.lower()


def test_users_disable_enable_passwd_set_unlock(home, monkeypatch, capsys):
    _stdin(monkeypatch, PASSWORD + "\n")
    main(["users", "add", "iro1", "--role", "iro", "--worker-id", "W1", "--password-stdin"])
    assert main(["users", "disable", "iro1"]) == 0
    assert users.authenticate(home, "iro1", PASSWORD) is None
    main(["users", "list"])
    assert "disabled" in capsys.readouterr().out
    assert main(["users", "enable", "iro1"]) == 0
    assert users.authenticate(home, "iro1", PASSWORD) is not None
    _stdin(monkeypatch, "a brand new passphrase\n")
    assert main(["users", "passwd", "iro1", "--password-stdin"]) == 0
    assert users.authenticate(home, "iro1", "a brand new passphrase") is not None
    assert main(["users", "set", "iro1", "--role", "asm", "--teams", "T9"]) == 0
    assert users.get_user(home, "iro1").role == "asm"
    lt = users.LoginThrottle(home)
    lt.record_failure("iro1", users.Client("s1"), 1e9)
    assert main(["users", "unlock", "iro1"]) == 0
    assert lt.failures(users.username_key("iro1"), 1e9) == 0
    assert main(["users", "disable", "nobody"]) == 2


def test_users_set_digest_weekly_and_back(home, monkeypatch, capsys):
    """The weekly digest is chosen on the account (docs/notifications.md); other values refused."""
    _stdin(monkeypatch, PASSWORD + "\n")
    main(["users", "add", "tm1", "--role", "responder", "--worker-id", "W7", "--password-stdin"])
    assert users.get_user(home, "tm1").digest == "none"
    assert main(["users", "set", "tm1", "--digest", "weekly"]) == 0
    assert users.get_user(home, "tm1").digest == "weekly"
    assert json.loads(audit.read(home)["detail"][-1])["digest"] == "weekly"
    with pytest.raises(SystemExit):
        main(["users", "set", "tm1", "--digest", "daily"])
    assert "invalid choice: 'daily'" in capsys.readouterr().err
    assert main(["users", "set", "tm1", "--digest", "none"]) == 0
    assert users.get_user(home, "tm1").digest == "none"


def test_user_admin_is_audited(home, monkeypatch):
    _stdin(monkeypatch, PASSWORD + "\n")
    main(["users", "add", "iro1", "--role", "iro", "--worker-id", "W1", "--password-stdin"])
    main(["users", "disable", "iro1"])
    df = audit.read(home)
    ops = [json.loads(d)["op"] for d in df["detail"]]
    assert ops == ["add", "disable"] and set(df["action"]) == {"user_admin"}
    assert all(u.startswith("cli:") for u in df["user"])
    assert PASSWORD not in audit.log_file(home).read_text()


def test_demo_admin(home, capsys):
    assert main(["users", "demo-admin"]) == 0
    out = capsys.readouterr().out
    password = out.split("password: ")[1].split()[0]
    assert users.authenticate(home, "admin", password).role == "admin"
    assert main(["users", "demo-admin"]) == 0
    assert "already exist" in capsys.readouterr().out


def test_audit_verify_and_export(home, tmp_path, capsys):
    main(["users", "demo-admin"])
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "intact: 1 records" in capsys.readouterr().out
    out = tmp_path / "audit.csv"
    assert main(["audit", "export", "--out", str(out)]) == 0
    assert out.read_text().startswith("seq,ts,user,role,action,detail,session,prev")
    lines = audit.log_file(home).read_bytes().replace(b"demo", b"dem0")
    audit.log_file(home).write_bytes(lines)
    assert main(["audit", "verify"]) == 1
    assert "line 1" in capsys.readouterr().err

"""The administrator's Outbox page (AppTest): every message, its state and its text; nothing
before notifications are switched on; other roles neither see nor reach it
(tests/dashboard/test_admin_pages.py covers every role through ADMIN_PAGES)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from accounts import users
from notify import sender, sink
from tests.dashboard.conftest import assert_ok, open_page, texts
from tests.notify.conftest import ScriptedHandler, config, due_row, publish, switch_on
from warehouse import settings

PW = "a long enough password for tests"


@pytest.fixture
def admin_home(tmp_path, monkeypatch) -> settings.Paths:
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    monkeypatch.setenv("IROQA_HOME", str(tmp_path / "home"))
    p = settings.paths().ensure()
    users.add_user(p, "boss", role="admin", password=PW, display_name="The Boss")
    users.add_user(p, "iro1", role="iro", password=PW, worker_id="W1", display_name="An IRO")
    return p


def test_outbox_page_before_switch_on(admin_home):
    at = open_page("outbox", user="boss")
    assert_ok(at)
    assert "Notifications are not switched on" in texts(at)


def test_outbox_page_shows_every_message_state_and_text(admin_home):
    switch_on(admin_home)
    publish(admin_home, [due_row(1), due_row(2), due_row(3, recipient_email=None)])
    with sink.Sink(ScriptedHandler(["554 5.7.1 relay refused"])) as s:
        sender.send_once(admin_home, config(s.port))
    admin_home.live_pointer.unlink()  # the stand-in build has only the notifications mart
    at = open_page("outbox", user="boss")
    assert_ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Pending": "0", "Sending": "0", "Sent": "1", "Failed": "1", "Suppressed": "1"}
    assert any("could not be sent" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert sorted(table["State"].to_list()) == ["failed", "sent", "suppressed"]
    assert "refused by the mail server" in table["Reason / last error"].to_list()
    # the text of the chosen message, as sent
    assert "You are asked to respond by Tuesday 10 November 2026" in at.code[0].value
    at.selectbox(key="outbox_pick").set_value("n00003").run()
    assert "C-000000000003" in at.code[0].value
    # filter by state
    at.multiselect[0].set_value(["failed"]).run()
    assert at.dataframe[0].value["State"].to_list() == ["failed"]


def test_outbox_page_refused_to_an_iro(admin_home):
    switch_on(admin_home)
    at = open_page("overview", user="iro1")
    assert_ok(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/outbox.py")

"""Responders answer in the app (AppTest, real builds): a manager with a ``responder`` account
follows the link in the email, sees the case, records what they will do and by when; the next
build tells the IRO, the notifier emails the IRO over real SMTP, and the case timeline lists who
responded and every notification sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from accounts import users
from notify import outbox, sender, sink
from tests.dashboard.conftest import APP, assert_ok, signed_in
from warehouse.build import build
from warehouse.events import today_uk

PW = "a long enough password for tests"
pytestmark = pytest.mark.slow


def _app(user: str, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at, user)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    return at


def test_responder_answers_from_the_link_and_the_iro_is_told(scratch_warehouse, monkeypatch):
    w = scratch_warehouse
    p = w.paths
    monkeypatch.setattr(users, "hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    (row,) = w.query(
        "select n.notification_id, n.challenge_id, n.case_ref, n.recipient_worker_id, c.iro_worker_id "
        "from mart_notifications_due n join fct_challenges c using (challenge_id) "
        "where c.status = 'open' and n.is_responder and n.recipient_worker_id = c.responsible_worker_id "
        "and n.event_kind in ('raised', 'escalated') and n.stage_number = c.current_stage "
        "order by n.notification_id limit 1"
    ).iter_rows(named=True)
    users.add_user(p, "mgr", role="responder", password=PW, worker_id=row["recipient_worker_id"])
    users.add_user(p, "other", role="responder", password=PW, worker_id="NOBODY")
    users.add_user(p, "lead", role="leadership", password=PW)

    # someone else's link: not shown, not echoed
    at = _app("other", n=row["notification_id"])
    assert_ok(at)
    assert any("not one of yours" in x.value for x in at.warning)
    assert row["case_ref"] not in " ".join(str(m.value) for m in at.metric)

    at = _app("mgr", n=row["notification_id"])
    assert_ok(at)
    assert at.selectbox(key="respond_pick").value == row["challenge_id"]
    assert any(m.value == row["case_ref"] for m in at.metric)
    at.button[0].click().run()  # an empty response is refused
    assert any("say what you will do" in e.value for e in at.error)
    at.text_area(key="respond_what").input("Allocate a new social worker and visit <b>this week</b>.")
    at.date_input(key="respond_by").set_value(today_uk())
    at.button[0].click().run()
    assert_ok(at)
    assert any("Response saved" in s.value for s in at.success)

    # the next build counts the response and tells the IRO
    monkeypatch.setenv("IROQA_PROTOCOL", "leicestershire")
    build(as_at=today_uk(), p=p, unit_tests=False)
    with outbox.writer_lock(p):
        outbox.switch_on(
            outbox.connect_writer(p), datetime.combine(today_uk(), datetime.min.time(), tzinfo=UTC)
        )
    with sink.Sink() as s:
        rep = sender.send_once(p, sender.SmtpConfig(port=s.port, base_url="http://iroqa.test"))
        msgs = s.handler.parsed()
    assert rep.failed == 0
    to_iro = [
        m
        for m in msgs
        if m["Subject"].startswith("A response has been recorded") and row["case_ref"] in m["Subject"]
    ]
    assert len(to_iro) >= 1
    body = to_iro[0].get_body(("plain",)).get_content()
    assert "http://iroqa.test/respond?n=" in body
    assert row["challenge_id"] not in body and row["recipient_worker_id"] not in body
    # no case-system id of any child, challenge or worker in any message sent
    ids = set(w.query("select child_id from dim_children")["child_id"].to_list())
    ids |= set(
        w.query("select challenge_id from fct_challenges where record_source <> 'app'")[
            "challenge_id"
        ].to_list()
    )
    ids |= {row["recipient_worker_id"], row["iro_worker_id"]}
    assert msgs
    for m in msgs:
        whole = m.as_string()
        leaked = [i for i in ids if i and i in whole]
        assert not leaked, (m["Subject"], leaked[:3])

    # the timeline: who responded, and every notification sent
    at = _app("lead", case=row["challenge_id"])
    at.switch_page("views/case_timeline.py").run()
    assert_ok(at)
    sent = next(d.value for d in at.dataframe if "About" in d.value.columns)
    assert "response" in sent["About"].to_list() and set(sent["State"].to_list()) == {"sent"}

"""The notification loop in the browser, against a real SMTP server on 127.0.0.1: an IRO logs a
Formal Escalation in Chromium -> the Team Manager and Social Worker receive the email with the
right link -> the manager follows the link, signs in and responds -> the IRO receives the
response -> the case timeline shows who responded and every notification sent."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from accounts import users
from notify import outbox, sink
from tests.browser.server import serve, sign_in, wait_for_app
from tests.browser.test_log_browser import pick_theme, settle
from tests.conftest import Warehouse, clone_warehouse
from tests.dashboard.conftest import query

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IRO, IRO_PW = "notify-iro", "an independent reviewing officer's password"
MGR, MGR_PW = "notify-tm", "a team manager's long password"


@pytest.fixture(scope="module")
def loop(demo_warehouse, tmp_path_factory) -> Iterator[tuple[str, Warehouse, str, sink.Sink]]:
    w = clone_warehouse(demo_warehouse, tmp_path_factory.mktemp("notify_browser") / "home")
    worker = query(
        w.live,
        "select iro_worker_id from fct_challenges where iro_worker_id is not null "
        "group by 1 order by count(*) desc, 1 limit 1",
    ).item()
    users.add_user(w.paths, IRO, role="iro", password=IRO_PW, worker_id=worker)
    with sink.Sink() as smtp, serve(w.home, log=w.home / "streamlit.log") as url:
        env = dict(
            os.environ,
            IROQA_HOME=str(w.home),
            IROQA_SMTP_HOST="127.0.0.1",
            IROQA_SMTP_PORT=str(smtp.port),
            IROQA_BASE_URL=url,
        )
        notifier = subprocess.Popen(
            [sys.executable, "-m", "cli", "notify", "run", "--interval", "0.5"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert outbox.wait_for_state(w.paths, "sent", 0, timeout=30)
            yield url, w, worker, smtp
        finally:
            notifier.terminate()
            notifier.wait(15)


def wait_mail(smtp: sink.Sink, pred, timeout: float = 240) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = [m for m in smtp.handler.parsed() if pred(m)]
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError("the expected email did not arrive")


def test_escalate_email_respond_and_the_iro_is_told(chromium, loop):
    url, w, worker, smtp = loop
    child = query(
        w.live,
        "select child_id from dim_children where legal_status = 'lac' order by child_id limit 1 offset 2",
    ).item(0, 0)
    ctx = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(f"{url}/log")
        wait_for_app(page)
        sign_in(page, IRO, IRO_PW)
        page.get_by_text("Formal Escalation", exact=True).click()
        wait_for_app(page)
        page.get_by_role("spinbutton", name="Entering at stage").fill("1")
        settle(page)
        page.get_by_role("textbox", name="Child: search by case reference or case-system id").fill(child)
        settle(page)
        pick_theme(page, "Health assessment out of date")
        page.get_by_role("textbox", name="The concern, in words").fill("Care plan not reviewed")
        settle(page)
        page.get_by_role("button", name="Save").click()
        # the confirmation at the button: case reference, stage, due date (no internal id)
        page.get_by_text(
            re.compile(r"^Challenge logged: case C-[0-9A-F]+, stage 1 .*response due ")
        ).wait_for(timeout=30_000)
    finally:
        ctx.close()

    # the Team Manager and the Social Worker are emailed, with a link to their notification
    mails = wait_mail(
        smtp, lambda m: m["Subject"].startswith("A challenge has been raised") and "Stage 1" in m["Subject"]
    )
    time.sleep(2)
    mails = [m for m in smtp.handler.parsed() if m["Subject"] == mails[0]["Subject"]]
    con = outbox.connect_reader(w.paths)
    rows = {r["recipient_email"]: dict(r) for r in con.execute("select * from outbox where kind = 'raised'")}
    con.close()
    assert len(mails) == 2
    tm_row = next(
        r
        for r in rows.values()
        if r["recipient_email"] in {str(m["To"]) for m in mails} and "respond by" in r["body_text"]
    )
    tm_mail = next(m for m in mails if str(m["To"]) == tm_row["recipient_email"])
    body = tm_mail.get_body(("plain",)).get_content()
    link = re.search(r"(http://\S+/respond\?n=[0-9a-f]+)", body).group(1)
    assert link == f"{url}/respond?n={tm_row['notification_id']}"
    assert child not in tm_mail.as_string()

    # the manager follows the link, signs in, and responds
    users.add_user(w.paths, MGR, role="responder", password=MGR_PW, worker_id=tm_row["recipient_worker_id"])
    ctx = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(link)
        wait_for_app(page)
        sign_in(page, MGR, MGR_PW)
        assert page.locator("h1").first.inner_text().strip() == "Respond to a challenge"
        assert tm_row["case_ref"] in page.locator('[data-testid="stMain"]').inner_text()
        # the link chose the case in the case search's choice (no list of every challenge)
        assert page.get_by_role("textbox", name="Find a case: search by case reference").is_visible()
        choice = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first
        assert tm_row["case_ref"] in choice.get_by_role("combobox").input_value(), choice.inner_html()[:3000]
        page.get_by_role("textbox", name="What you will do").fill(
            "Review the care plan with the social worker this week."
        )
        page.get_by_role("button", name="Send response").click()
        page.get_by_text(re.compile("Response saved for case")).wait_for(timeout=30_000)
    finally:
        ctx.close()

    # the IRO receives the response
    (to_iro,) = wait_mail(
        smtp,
        lambda m: (
            m["Subject"].startswith("A response has been recorded") and tm_row["case_ref"] in m["Subject"]
        ),
    )
    assert tm_row["case_ref"] in to_iro.get_body(("plain",)).get_content()

    # the timeline shows who responded and every notification sent
    challenge = tm_row["challenge_id"]
    ctx = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(f"{url}/case?case={challenge}")
        wait_for_app(page)
        sign_in(page, IRO, IRO_PW)
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert "Notifications" in text
        grid = page.locator('[data-testid="stDataFrame"]').last
        grid.wait_for()
        page.screenshot(path=str(w.home / "timeline_notifications.png"), full_page=True)
    finally:
        ctx.close()
    con = outbox.connect_reader(w.paths)
    kinds = {
        r[0]
        for r in con.execute(
            "select kind from outbox where challenge_id = ? and state = 'sent'", (challenge,)
        )
    }
    con.close()
    assert {"raised", "response"} <= kinds

"""Outbox (administrators only): every notification the notifier has queued, its state, attempts,
the last error and its text exactly as sent. Reads $IROQA_HOME/outbox.sqlite read-only (ADR 0004);
nothing here can change a message. Text is shown in code blocks and table cells only (escaped)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from accounts.access import PAGE_OUTBOX
from dashboard import auth, ui
from notify import outbox
from warehouse import settings

scope = ui.user_scope()
user = st.session_state.get("user")
# the administrator's page kind (with the audit log): the messages name managers and case references
auth.require_page(user, scope, PAGE_OUTBOX)

st.title("Outbox")
st.caption(
    "Every email IRO QA owes someone, from the moment notifications were switched on: pending, sent, "
    "failed (refused by the mail server or out of attempts) or suppressed (no address). "
    "docs/notifications.md explains the states."
)

con = outbox.connect_reader(settings.paths())
if con is None:
    st.info(
        "Notifications are not switched on: there is no outbox yet. `iroqa notify send` (or `make run`) "
        "switches them on; events before that moment are never emailed.",
        icon=":material/mail:",
    )
    st.stop()

with con:
    sw = outbox.switch(con)
    n = outbox.counts(con)
    rows = [
        dict(r)
        for r in con.execute(
            "select notification_id, created_at, kind, case_ref, stage_label, recipient_name, "
            "recipient_email, state, attempts, reason, last_error, sent_at, subject, body_text, "
            "message_id from outbox order by created_at desc, notification_id limit 5000"
        )
    ]

if sw:
    st.write(f"Switched on {ui.long_date(sw.enabled_at.date())} at {ui.plain(f'{sw.enabled_at:%H:%M}')} UTC.")
cols = st.columns(5)
for col, state in zip(cols, outbox.STATES, strict=True):
    col.metric(state.capitalize(), n[state])
if n["failed"]:
    st.warning(
        f"{ui.plural(n['failed'], 'message')} could not be sent: see the reason and the server's "
        "answer below.",
        icon=":material/warning:",
    )

states = st.multiselect("State", outbox.STATES, default=list(outbox.STATES))
shown = [r for r in rows if r["state"] in states]
if not shown:
    st.info("No messages in these states.")
    st.stop()
table = pl.DataFrame(shown).select(
    pl.col("created_at").str.slice(0, 16).str.replace("T", " ").alias("Queued (UTC)"),
    pl.col("kind").alias("Kind"),
    pl.col("case_ref").alias("Case"),
    pl.col("stage_label").alias("Stage"),
    pl.col("recipient_name").alias("To"),
    pl.col("recipient_email").alias("Address"),
    pl.col("state").alias("State"),
    pl.col("attempts").alias("Attempts"),
    pl.coalesce("reason", "last_error").alias("Reason / last error"),
)
st.dataframe(table, hide_index=True, width="stretch")

labels = {
    r["notification_id"]: f"{r['state']} · {r['case_ref']} · {r['kind']} · {r['recipient_name'] or ''}"
    for r in shown
}
pick = st.selectbox("Read a message", list(labels), format_func=labels.get, index=0, key="outbox_pick")
msg = next(r for r in shown if r["notification_id"] == pick)
st.text(
    f"Subject: {msg['subject']}\nTo: {msg['recipient_email'] or '(no address)'}\nMessage-ID: {msg['message_id']}"
)
st.code(msg["body_text"], language=None, wrap_lines=True)

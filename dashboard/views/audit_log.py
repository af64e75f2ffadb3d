"""Audit log (administrators only): every sign-in, page view, export, write and user change, newest
first, filtered by date, user and action; whether the hash chain verifies; CSV and Excel downloads of
what is shown (themselves audited as an ``export``). Reads ``accounts.audit`` (the JSON lines file);
nothing here can change a record. Free text (users, details) is shown in table cells only, escaped."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import polars as pl
import streamlit as st

from accounts import audit
from accounts.access import EXPORT_AUDIT, PAGE_AUDIT
from dashboard import auth, ui

scope = ui.user_scope()
user = st.session_state.get("user")
auth.require_page(user, scope, PAGE_AUDIT)

st.title("Audit log")
st.caption(
    "Who did what and when: sign-ins, page views with their filters, exports, writes and user "
    "changes. Append-only and hash-chained: the app has no way to change or delete a record."
)

ok, bad_line = audit.verify()
head = audit.head() or {"seq": 0, "hash": audit.GENESIS}
if ok:
    st.success(
        f"The hash chain verifies: {ui.plural(int(head['seq']), 'record')}, none altered, removed or "
        f"added by hand. Last record's hash `{head['hash']}` (keep a copy elsewhere to detect a "
        "rebuilt chain).",
        icon=":material/verified:",
    )
else:
    st.error(
        f"**The hash chain does not verify**: the first bad record is line {bad_line} of the audit log. "
        "A record was altered, removed, reordered or added outside IRO QA. Keep the file as it is and "
        "tell your information governance lead (`iroqa audit verify` says the same).",
        icon=":material/gpp_bad:",
    )

records = audit.read()
today = datetime.now(UTC).date()
c1, c2, c3 = st.columns([2, 2, 2])
picked = c1.date_input(
    "Dates (UTC)",
    value=(today - timedelta(days=30), today),
    max_value=today,
    format="DD/MM/YYYY",
    key="audit_dates",
)
known_users = sorted(u for u in records["user"].unique().to_list() if u is not None)
chosen_users = c2.multiselect("User", known_users, key="audit_users", placeholder="Everyone")
known_actions = sorted(audit.ACTIONS | {"unreadable"})
chosen_actions = c3.multiselect("Action", known_actions, key="audit_actions", placeholder="Every action")

dates = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
start = dates[0] if dates else None
end = dates[1] if len(dates) > 1 else start
since = datetime.combine(start, time.min, UTC) if start else None
until = datetime.combine(end, time.min, UTC) + timedelta(days=1) if end else None
wanted = {
    "from": start.isoformat() if start else None,
    "to": end.isoformat() if end else None,
    "users": chosen_users,
    "actions": chosen_actions,
}
auth.audit_page_view(user, "Audit log", wanted, key="_iroqa_last_audit_view")

rows = audit.select(since=since, until=until, users=chosen_users, actions=chosen_actions)
shown = rows.select(
    pl.col("seq").alias("Record"),
    pl.col("ts").dt.strftime("%Y-%m-%d %H:%M:%S").fill_null("").alias("Time (UTC)"),
    pl.col("user").alias("User"),
    pl.col("role").alias("Role"),
    pl.col("action").alias("Action"),
    pl.col("detail").alias("Detail"),
    pl.col("session").alias("Session"),
)
period = (
    ui.short_date(start) + (f" to {ui.short_date(end)}" if end and end != start else "")
    if start
    else "all dates"
)
if shown.is_empty():
    ui.empty(f"No audit records match these filters ({period}).")
else:
    st.caption(f"{ui.plural(shown.height, 'record')} ({period}), newest first.")
    ui.table(
        shown,
        "audit-log",
        key="audit_log",
        kind=EXPORT_AUDIT,
        stem=f"audit-log-{wanted['from'] or 'all'}-to-{wanted['to'] or 'all'}",
        detail={"filters": wanted},
        column_config={"Detail": st.column_config.TextColumn("Detail", width="large")},
    )

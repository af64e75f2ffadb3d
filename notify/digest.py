"""The weekly digest: one email a week instead of single emails, for the people who chose it.

Where the choice lives: the user account (``digest``: ``none`` or ``weekly``; ``iroqa users set
NAME --digest weekly`` or the Users page). Workers known only from the extracts have no account
and so no choice: they get single emails. A person who chose the weekly digest:

* gets single emails only for the urgent kinds (:data:`URGENT_KINDS`); every other notification
  to them is queued as ``suppressed`` with the reason ``weekly digest`` (visible on the Outbox page
  and, for a case, on its timeline);
* gets one digest per ISO week, from the first live build whose as-at date is on or after the
  week's first working day (``mart_notification_digest.digest_day_on``: Monday, or the next working
  day when Monday is a bank holiday), listing what the mart says as at that build: overdue, due
  this week, awaiting their decision (and for an IRO's assistant service manager, the same for
  the IROs in their teams). Its idempotency key is (``digest:<ISO week>``, person, ``digest``), so
  however many times the notifier runs that week it is queued once. A week with nothing for them
  sends no digest.

Like every email: the case reference, the stage, who must respond and the due date in words, and
links that carry only the digest item's own key; never a child's name or a case-system id.
"""

from __future__ import annotations

import hashlib
import html
import sqlite3
from dataclasses import dataclass
from datetime import date

import duckdb

from notify import outbox
from notify.render import EMAIL_RE, due_in_words  # the same address rule as single emails
from warehouse.settings import Paths
from warehouse.store import read_live

#: Kinds still sent singly to a person who chose the digest: a response already late, and a
#: challenge about to pass the 20-working-day cap. Both need action before next Monday.
URGENT_KINDS = frozenset({"overdue", "cap_approaching"})

SUPPRESSED_REASON = "weekly digest"

SECTIONS = (
    ("overdue", "Overdue", "responses past their due date"),
    ("due_this_week", "Due this week", "responses due by Sunday"),
    ("awaiting_decision", "Awaiting a decision", "a manager has responded: satisfied, or escalate?"),
)


def digest_people(p: Paths) -> dict[str, str | None]:
    """Worker id -> account email of every enabled account that chose the weekly digest."""
    from accounts import users

    out: dict[str, str | None] = {}
    for u in users.list_users(p):
        if u.worker_id and u.digest == "weekly" and not u.disabled:
            out.setdefault(u.worker_id, u.email)
    return out


def notification_id(worker_id: str, week: str) -> str:
    return hashlib.md5(f"digest:{week}|{worker_id}|digest".encode()).hexdigest()


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str


def item_link(base_url: str, item: dict) -> str:
    """The Respond page for what they must respond to; the case timeline for the rest."""
    page = "respond" if "responder" in item["recipient_roles"].split(";") else "case"
    return f"{base_url.rstrip('/')}/{page}?d={item['digest_item_id']}"


def _line(item: dict, section: str, mine: bool) -> str:
    stage = item["stage_label"] or "the process"
    if item["stage_name"] and item["stage_name"] != item["stage_label"]:
        stage = f"{stage} ({item['stage_name']})"
    who = "" if mine else f" from {item['responder_name'] or 'the responsible manager'}"
    if section == "awaiting_decision":
        what = f"responded on {due_in_words(item['responded_on'])}" if item["responded_on"] else "responded"
        return f"Case {item['case_ref']}, {stage}: {item['responder_name'] or 'the manager'} {what}"
    verb = "was due" if section == "overdue" else "is due"
    return (
        f"Case {item['case_ref']}, {stage}: a response{who} {verb} by {due_in_words(item['response_due_on'])}"
    )


def _own(item: dict) -> bool:
    """In the digest for themselves (responder, IRO), not only as an IRO's assistant service manager."""
    return bool(set(item["recipient_roles"].split(";")) - {"iro_asm"})


def render(*, recipient_name: str | None, week_start: date, items: list[dict], base_url: str) -> Digest:
    """The digest's words: one section per kind, the person's own first, then their teams'."""
    lines = [f"Dear {recipient_name}," if recipient_name else "Hello,", ""]
    lines.append(f"Your IRO QA digest for the week beginning {due_in_words(week_start)}.")
    parts: list[tuple[str, list[tuple[str, str]]]] = []
    for key, title, hint in SECTIONS:
        for own in (True, False):
            rows = [i for i in items if i["section"] == key and _own(i) == own]
            if not rows:
                continue
            rows.sort(key=lambda i: (i["response_due_on"] or date.max, i["case_ref"]))
            heading = f"{title} ({hint})" if own else f"{title} in your teams"
            mine = own and key != "awaiting_decision"
            parts.append((heading, [(_line(i, key, mine), item_link(base_url, i)) for i in rows]))
    for heading, entries in parts:
        lines += ["", f"{heading}: {len(entries)}"]
        lines += [f"- {text}. {link}" for text, link in entries]
    lines += ["", "IRO QA (sent automatically; please do not reply)"]
    text = "\n".join(lines) + "\n"
    body = ['<!doctype html><html><body style="font-family: sans-serif">']
    body += [f"<p>{html.escape(line)}</p>" for line in lines[:3] if line]
    for heading, entries in parts:
        body.append(f"<h3>{html.escape(heading)}: {len(entries)}</h3><ul>")
        body += [f'<li>{html.escape(t)}. <a href="{html.escape(u)}">Open</a></li>' for t, u in entries]
        body.append("</ul>")
    body.append("<p>IRO QA (sent automatically; please do not reply)</p></body></html>")
    n = len({i["case_ref"] for i in items})
    subject = f"Your weekly IRO QA digest: {n} case{'s' if n != 1 else ''}, week beginning {due_in_words(week_start)}"
    return Digest(subject=subject, text=text, html="".join(body))


def enqueue(
    con: sqlite3.Connection, p: Paths, base_url: str, domain: str, account_emails: dict[str, str]
) -> int:
    """Queue this week's digest for everyone who chose it and has something in it (once a week)."""
    people = digest_people(p)
    live = read_live(p)
    sw = outbox.switch(con)
    if not people or live is None or sw is None:
        return 0
    checked = f"{live.build_id}|{','.join(f'{w}={e}' for w, e in sorted(people.items()))}"
    if outbox.meta(con, "digest_checked") == checked:
        return 0
    with duckdb.connect(str(live.file), read_only=True) as db:
        if not db.execute(
            "select count(*) from information_schema.tables where table_name = 'mart_notification_digest'"
        ).fetchone()[0]:
            return 0
        cur = db.execute(
            "select * from mart_notification_digest where recipient_worker_id in (select unnest(?)) "
            "and as_at_on >= digest_day_on and as_at_on >= ? order by recipient_worker_id, section, case_ref",
            [sorted(people), date.fromisoformat(sw.enabled_on)],
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    by_person: dict[str, list[dict]] = {}
    for r in rows:
        by_person.setdefault(r["recipient_worker_id"], []).append(r)
    queued = 0
    now = outbox.now_iso()

    con.execute("begin immediate")
    try:
        for worker, items in by_person.items():
            week = items[0]["digest_week"]
            nid = notification_id(worker, week)
            address = (
                items[0]["recipient_email"] or people[worker] or account_emails.get(worker) or ""
            ).strip()
            d = render(
                recipient_name=items[0]["recipient_name"],
                week_start=items[0]["week_start_on"],
                items=items,
                base_url=base_url,
            )
            state, reason = "pending", None
            if not address:
                state, reason = "suppressed", "no email address for this worker (extract or user account)"
            elif not EMAIL_RE.match(address):
                state, reason = "suppressed", "the email address is not valid"
            cur = con.execute(
                "insert or ignore into outbox (notification_id, event_id, recipient_worker_id, kind, "
                "challenge_id, case_ref, stage_label, recipient_name, recipient_email, subject, "
                "body_text, body_html, link, message_id, state, reason, event_on, created_at, "
                "updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    nid,
                    f"digest:{week}",
                    worker,
                    "digest",
                    "",
                    f"{len(items)} in the digest",
                    week,
                    items[0]["recipient_name"],
                    address or None,
                    d.subject,
                    d.text,
                    d.html,
                    base_url,
                    f"<{nid}@{domain}>",
                    state,
                    reason,
                    items[0]["as_at_on"].isoformat(),
                    now,
                    now,
                ),
            )
            queued += cur.rowcount
        outbox.set_meta(con, "digest_checked", checked)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return queued

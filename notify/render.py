"""The words of a notification: subject, plain text and HTML, in plain English.

Only what a manager needs and nothing that identifies the child: the case reference (a
pseudonym), the stage, who must respond, the due date in words, and a link. Never the child's
name, never a case-system id (child, challenge or worker): :func:`render` is given none of them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

# an address we will send to: one @, a dot in the domain, no spaces or list separators
EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")

WHAT = {
    "raised": "A challenge has been raised",
    "escalated": "A challenge has been escalated",
    "bypass": "A challenge has been escalated, bypassing a stage",
    "response": "A response has been recorded",
    "resolved": "A challenge has been resolved",
    "withdrawn": "A challenge has been withdrawn",
    "cafcass_referral": "A referral to CAFCASS has been made",
    "legal_advice": "Independent legal advice has been requested",
    "reminder": "Reminder: a response is due tomorrow",
    "overdue": "A response is overdue",
    "cap_approaching": "A challenge is nearing the 20-working-day limit",
}


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    link: str


def due_in_words(d: date | None) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}" if d else ""


def link_for(base_url: str, notification_id: str) -> str:
    return f"{base_url.rstrip('/')}/respond?{urlencode({'n': notification_id})}"


def render(
    *,
    kind: str,
    case_ref: str,
    stage_label: str | None,
    stage_name: str | None,
    responder_name: str | None,
    is_responder: bool,
    due_on: date | None,
    recipient_name: str | None,
    link: str,
) -> Message:
    what = WHAT.get(kind, "An update on a challenge")
    stage = stage_label or "the process"
    if stage_name and stage_label and stage_name != stage_label:
        stage = f"{stage_label} ({stage_name})"
    lines = [f"Dear {recipient_name}," if recipient_name else "Hello,", ""]
    lines.append(f"{what} for case {case_ref}, at {stage}.")
    if is_responder and due_on and kind in ("raised", "escalated", "bypass", "reminder", "overdue"):
        lines.append(
            f"You are asked to respond by {due_in_words(due_on)}. Open the link below, sign in and "
            "record what you will do and by when."
        )
    else:
        if responder_name:
            lines.append(f"Who must respond: {responder_name}.")
        if due_on and kind not in ("resolved", "withdrawn", "response"):
            lines.append(f"The response is due by {due_in_words(due_on)}.")
    lines += ["", f"Open the case: {link}", "", "IRO QA (sent automatically; please do not reply)"]
    text = "\n".join(lines) + "\n"
    paras = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line and not line.startswith("Open"))
    body = (
        '<!doctype html><html><body style="font-family: sans-serif">'
        + paras.replace("<p>IRO QA", f'<p><a href="{html.escape(link)}">Open the case</a></p><p>IRO QA', 1)
        + "</body></html>"
    )
    subject = f"{what}: case {case_ref}, {stage_label or 'challenge'}"
    return Message(subject=subject, text=text, html=body, link=link)

"""The notifier: copy what the live build says is due into the outbox, then send it over SMTP.

``send_once`` is ``iroqa notify send``; ``run`` is ``iroqa notify run`` (the same in a loop).
Configuration (docs/notifications.md): IROQA_SMTP_HOST, IROQA_SMTP_PORT, IROQA_SMTP_USER,
IROQA_SMTP_PASSWORD, IROQA_SMTP_STARTTLS, IROQA_MAIL_FROM, IROQA_BASE_URL, and
IROQA_NOTIFY_MAX_ATTEMPTS / IROQA_NOTIFY_BACKOFF_BASE / IROQA_NOTIFY_BACKOFF_MAX /
IROQA_SMTP_TIMEOUT.
"""

from __future__ import annotations

import os
import smtplib
import sqlite3
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate

import duckdb

from notify import digest, outbox, render
from notify.render import EMAIL_RE
from warehouse import settings
from warehouse.settings import Paths
from warehouse.store import live_stamp, read_live, wait_for_live_change


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    mail_from: str = "iro-qa@localhost"
    base_url: str = "http://localhost:8501"
    timeout: float = 10.0
    max_attempts: int = 8
    backoff_base: float = 30.0
    backoff_max: float = 3600.0

    @classmethod
    def from_env(cls) -> SmtpConfig:
        env = os.environ

        def flag(name: str, default: bool) -> bool:
            v = env.get(name, "").strip().lower()
            return default if not v else v in ("1", "true", "yes", "on")

        port = int(env.get("IROQA_SMTP_PORT") or 25)
        return cls(
            host=env.get("IROQA_SMTP_HOST") or "127.0.0.1",
            port=port,
            user=env.get("IROQA_SMTP_USER") or None,
            password=env.get("IROQA_SMTP_PASSWORD") or None,
            starttls=flag("IROQA_SMTP_STARTTLS", port == 587),
            mail_from=env.get("IROQA_MAIL_FROM") or "iro-qa@localhost",
            base_url=env.get("IROQA_BASE_URL") or "http://localhost:8501",
            timeout=float(env.get("IROQA_SMTP_TIMEOUT") or 10),
            max_attempts=int(env.get("IROQA_NOTIFY_MAX_ATTEMPTS") or 8),
            backoff_base=float(env.get("IROQA_NOTIFY_BACKOFF_BASE") or 30),
            backoff_max=float(env.get("IROQA_NOTIFY_BACKOFF_MAX") or 3600),
        )


@dataclass
class Report:
    enqueued: int = 0
    suppressed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"queued {self.enqueued}, suppressed {self.suppressed}, sent {self.sent}, "
            f"to retry {self.retrying}, failed {self.failed}"
        )


def _account_emails(p: Paths) -> dict[str, str]:
    """Worker id -> email of an enabled user account (used where the extract has no address)."""
    from accounts import users

    out: dict[str, str] = {}
    for u in users.list_users(p):
        if u.worker_id and u.email and not getattr(u, "disabled", False):
            out.setdefault(u.worker_id, u.email)
    return out


def _domain(mail_from: str) -> str:
    return mail_from.rsplit("@", 1)[-1].strip(">") or "iroqa.local"


def enqueue(con: sqlite3.Connection, p: Paths, cfg: SmtpConfig) -> Report:
    """Copy the live build's mart_notifications_due into the outbox (new keys only)."""
    rep = Report()
    live = read_live(p)
    if live is None:
        return rep
    sw = outbox.switch(con)
    assert sw is not None, "switch_on first"
    if outbox.meta(con, "enqueued_build") == live.build_id:
        return rep
    with duckdb.connect(str(live.file), read_only=True) as db:
        if not db.execute(
            "select count(*) from information_schema.tables where table_name = 'mart_notifications_due'"
        ).fetchone()[0]:
            # a build from before notifications existed: nothing is due until the next build
            rep.errors.append("the live build has no mart_notifications_due: run iroqa build")
            return rep
        # never before the switch, nor before the retention watermark (a pruned message's event is
        # not queued again: outbox.prune)
        since = max(sw.enabled_on, outbox.pruned_before(con) or sw.enabled_on)
        cur = db.execute(
            "select * from mart_notifications_due where event_on >= ? order by event_on, event_id",
            [date.fromisoformat(since)],
        )
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    have = {r[0] for r in con.execute("select notification_id from outbox").fetchall()}
    emails = _account_emails(p)
    weekly = digest.digest_people(p)
    domain = _domain(cfg.mail_from)
    now = outbox.now_iso()
    con.execute("begin immediate")
    try:
        for r in rows:
            nid = r["notification_id"]
            if nid in have:
                continue
            rec_at = r["event_recorded_at"]
            if r["event_source"] == "app" and rec_at is not None:
                rec_at = rec_at if rec_at.tzinfo else rec_at.replace(tzinfo=UTC)
                if rec_at < sw.enabled_at:
                    continue  # recorded before the switch: never emailed (not even queued)
            address = (r["recipient_email"] or emails.get(r["recipient_worker_id"]) or "").strip()
            link = render.link_for(cfg.base_url, nid)
            msg = render.render(
                kind=r["event_kind"],
                case_ref=r["case_ref"],
                stage_label=r["stage_label"],
                stage_name=r["stage_name"],
                responder_name=r["responder_name"],
                is_responder=bool(r["is_responder"]),
                due_on=r["response_due_on"],
                recipient_name=r["recipient_name"],
                link=link,
            )
            state, reason = "pending", None
            if not address:
                state, reason = "suppressed", "no email address for this worker (extract or user account)"
            elif not EMAIL_RE.match(address):
                state, reason = "suppressed", "the email address is not valid"
            elif r["recipient_worker_id"] in weekly and r["event_kind"] not in digest.URGENT_KINDS:
                state, reason = "suppressed", digest.SUPPRESSED_REASON
            con.execute(
                "insert or ignore into outbox (notification_id, event_id, recipient_worker_id, kind, "
                "challenge_id, case_ref, stage_label, recipient_name, recipient_email, subject, "
                "body_text, body_html, link, message_id, state, reason, event_on, created_at, "
                "updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    nid,
                    r["event_id"],
                    r["recipient_worker_id"],
                    r["event_kind"],
                    r["challenge_id"],
                    r["case_ref"],
                    r["stage_label"],
                    r["recipient_name"],
                    address or None,
                    msg.subject,
                    msg.text,
                    msg.html,
                    link,
                    f"<{nid}@{domain}>",
                    state,
                    reason,
                    r["event_on"].isoformat(),
                    now,
                    now,
                ),
            )
            if state == "pending":
                rep.enqueued += 1
            else:
                rep.suppressed += 1
        outbox.set_meta(con, "enqueued_build", live.build_id)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rep


def enqueue_digests(con: sqlite3.Connection, p: Paths, cfg: SmtpConfig) -> int:
    """This week's digests (notify/digest.py), once per person and ISO week."""
    return digest.enqueue(con, p, cfg.base_url, _domain(cfg.mail_from), _account_emails(p))


def _email(row: sqlite3.Row, cfg: SmtpConfig) -> EmailMessage:
    m = EmailMessage()
    m["From"] = cfg.mail_from
    m["To"] = row["recipient_email"]
    m["Subject"] = row["subject"]
    m["Message-ID"] = row["message_id"]
    m["Date"] = formatdate(localtime=False)
    m["Auto-Submitted"] = "auto-generated"
    m.set_content(row["body_text"])
    m.add_alternative(row["body_html"], subtype="html")
    return m


def _connect(cfg: SmtpConfig) -> smtplib.SMTP:
    s = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    if cfg.starttls:
        s.starttls(context=ssl.create_default_context())
    if cfg.user:
        s.login(cfg.user, cfg.password or "")
    return s


def _backoff(cfg: SmtpConfig, attempts: int) -> float:
    return min(cfg.backoff_base * 2 ** max(attempts - 1, 0), cfg.backoff_max)


def deliver(con: sqlite3.Connection, cfg: SmtpConfig, limit: int = 500) -> Report:
    """Send every pending row whose time has come (one SMTP connection per call)."""
    rep = Report()
    con.row_factory = sqlite3.Row
    rows = con.execute(
        "select * from outbox where state = 'pending' and next_attempt_at <= ? "
        "order by created_at, notification_id limit ?",
        (time.time(), limit),
    ).fetchall()
    if not rows:
        return rep
    smtp: smtplib.SMTP | None = None
    try:
        for row in rows:
            # recorded before DATA: a crash from here on leaves 'sending' (the crash rule)
            con.execute(
                "update outbox set state = 'sending', attempts = attempts + 1, updated_at = ? "
                "where notification_id = ? and state = 'pending'",
                (outbox.now_iso(), row["notification_id"]),
            )
            attempts = row["attempts"] + 1
            try:
                if smtp is None:
                    smtp = _connect(cfg)
            except (OSError, smtplib.SMTPException) as e:
                # the server cannot be reached or will not talk: every row waits (back-off)
                _failed(con, row, cfg, attempts, f"connecting: {type(e).__name__}: {e}", False, rep)
                continue
            try:
                smtp.send_message(_email(row, cfg))
            except smtplib.SMTPRecipientsRefused as e:
                code, text = next(iter(e.recipients.values()))
                _failed(con, row, cfg, attempts, f"{code} {_text(text)}", 500 <= code < 600, rep)
                smtp = _close(smtp)
                continue
            except smtplib.SMTPResponseException as e:
                permanent = 500 <= e.smtp_code < 600
                _failed(con, row, cfg, attempts, f"{e.smtp_code} {_text(e.smtp_error)}", permanent, rep)
                smtp = _close(smtp)
                continue
            except (OSError, smtplib.SMTPException) as e:
                _failed(con, row, cfg, attempts, f"{type(e).__name__}: {e}", False, rep)
                smtp = _close(smtp)
                continue
            con.execute(
                "update outbox set state = 'sent', sent_at = ?, updated_at = ?, last_error = null "
                "where notification_id = ?",
                (outbox.now_iso(), outbox.now_iso(), row["notification_id"]),
            )
            rep.sent += 1
    finally:
        _close(smtp)
    return rep


def _text(v: bytes | str) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None


def _failed(con, row, cfg: SmtpConfig, attempts: int, error: str, permanent: bool, rep: Report) -> None:
    error = error[:500]
    if permanent or attempts >= cfg.max_attempts:
        why = "refused by the mail server" if permanent else f"gave up after {attempts} attempts"
        con.execute(
            "update outbox set state = 'failed', reason = ?, last_error = ?, updated_at = ? "
            "where notification_id = ?",
            (why, error, outbox.now_iso(), row["notification_id"]),
        )
        rep.failed += 1
    else:
        con.execute(
            "update outbox set state = 'pending', last_error = ?, next_attempt_at = ?, updated_at = ? "
            "where notification_id = ?",
            (error, time.time() + _backoff(cfg, attempts), outbox.now_iso(), row["notification_id"]),
        )
        rep.retrying += 1
    rep.errors.append(error)


def recover(con: sqlite3.Connection) -> int:
    """The crash rule: rows a dead notifier left in 'sending' go back to 'pending' (same
    Message-ID). Only under the writer lock, so no live notifier is sending them."""
    return con.execute(
        "update outbox set state = 'pending', last_error = 'the notifier stopped while sending; "
        "sent again with the same Message-ID', updated_at = ? where state = 'sending'",
        (outbox.now_iso(),),
    ).rowcount


def _prune_if_due(con: sqlite3.Connection, days: int) -> int:
    """The outbox's retention rule (outbox.prune), a few times a day."""
    return outbox.prune(con, days=days) if outbox.prune_due(con) else 0


def send_once(p: Paths | None = None, cfg: SmtpConfig | None = None) -> Report:
    """Everything due, once: switch on (first time), recover, enqueue, deliver, prune (when due)."""
    p = (p or settings.paths()).ensure()
    cfg = cfg or SmtpConfig.from_env()
    days = outbox.retention_days()  # a bad setting stops here, before anything is sent
    with outbox.writer_lock(p):
        con = outbox.connect_writer(p)
        try:
            outbox.switch_on(con)
            recover(con)
            rep = enqueue(con, p, cfg)
            rep.enqueued += enqueue_digests(con, p, cfg)
            sent = deliver(con, cfg)
            rep.sent, rep.retrying, rep.failed = sent.sent, sent.retrying, sent.failed
            rep.errors += sent.errors
            _prune_if_due(con, days)
            return rep
        finally:
            con.close()


def run(p: Paths | None = None, cfg: SmtpConfig | None = None, interval: float = 1.0, stop=None) -> None:
    """Keep sending: look at the outbox every ``interval`` seconds, and at once when a new build
    goes live (``live.json`` is watched every 50 ms), so a save's email leaves as soon as the build
    that lists it is live rather than up to an interval later. ``stop`` (tests): a callable; the loop
    ends when it returns true, checked after each round (or when the warehouse home goes)."""
    p = (p or settings.paths()).ensure()
    cfg = cfg or SmtpConfig.from_env()
    days = outbox.retention_days()
    with outbox.writer_lock(p):
        con = outbox.connect_writer(p)
        outbox.switch_on(con)
        recover(con)
        try:
            while p.home.exists() and not (stop is not None and stop()):
                stamp = live_stamp(p)
                try:
                    enqueue(con, p, cfg)
                    enqueue_digests(con, p, cfg)
                    deliver(con, cfg)
                    _prune_if_due(con, days)
                except (OSError, duckdb.Error, sqlite3.OperationalError) as e:
                    print(f"{datetime.now(UTC):%H:%M:%S} notifier: {e}", flush=True)
                wait_for_live_change(p, stamp, interval)
        finally:
            con.close()

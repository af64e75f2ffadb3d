"""Signed in across reloads and new tabs: a server-side session store and the cookie that names it.

Streamlit keeps a signed-in person in ``st.session_state``, which lives as long as one browser tab's
WebSocket: a reload (F5) or a shared link opened in a new tab starts a new session and would ask for
the password again. For local accounts IRO QA therefore keeps its own sessions on the server, in
``$IROQA_HOME/auth/sessions/`` (directory 0700, one file per session, 0600), each keyed by a random
session id and holding only the SHA-256 of its secret token, and gives the browser a cookie
``iroqa_session=<id>.<token>``: HttpOnly, SameSite=Strict, Secure when served over https, expiring
with the session's absolute limit (``IROQA_SESSION_MAX_HOURS``).

Only a server response can set an HttpOnly cookie, so the cookie is set by a small route that
``dashboard/server.py`` mounts beside Streamlit's own (``st.App(routes=...)``, Streamlit's supported
way to add routes). After the sign-in form succeeds, the app issues a one-time *grant* (60 s, stored
hashed) and the page posts it to ``/api/session``; the route swaps it for a fresh token that never
passes through the app's WebSocket, stores its hash and sets the cookie. On a new session the app
reads the cookie (``st.context.cookies``, sent with the WebSocket's opening request), looks the
session up and checks it exactly as it checks a running one (``auth.session_end_reason``: idle and
absolute limits, account disabled or removed, password changed): a session that fails is deleted.
Signing out deletes the session's file, so the cookie names nothing any more.

OIDC sign-ins persist through Streamlit's own identity cookie (``st.login``); proxy mode needs
neither (the proxy authenticates every request).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from accounts.users import auth_dir
from warehouse.settings import Paths
from warehouse.store import write_private

COOKIE = "iroqa_session"
ROUTE = "/api/session"
GRANT_SECONDS = 60.0

#: Set by ``dashboard/server.py`` when the cookie route is mounted (a plain ``streamlit run
#: dashboard/app.py`` or AppTest has no route, so no cookie is offered there).
route_mounted = False

_SID = re.compile(r"^[0-9a-f]{32}$")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def sessions_dir(p: Paths) -> Path:
    d = auth_dir(p) / "sessions"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


@contextlib.contextmanager
def _locked(p: Paths) -> Iterator[None]:
    fd = os.open(auth_dir(p) / "sessions.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _file(p: Paths, sid: str) -> Path | None:
    return sessions_dir(p) / f"{sid}.json" if _SID.match(sid or "") else None


def _read(p: Paths, sid: str) -> dict | None:
    f = _file(p, sid)
    if f is None:
        return None
    try:
        rec = json.loads(f.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None


def _write(p: Paths, sid: str, rec: dict) -> None:
    f = _file(p, sid)
    assert f is not None
    write_private(f, json.dumps(rec, sort_keys=True).encode())


def issue_grant(
    p: Paths, *, username: str, mode: str, issued_at: float, expires_at: float, now: float
) -> str:
    """A new session for ``username`` with a one-time grant; returns ``"<sid>.<grant>"`` for the page
    to post to the route (:func:`sid_of` gives the session's id, kept to revoke it at sign-out)."""
    sid = secrets.token_hex(16)
    grant = secrets.token_urlsafe(32)
    with _locked(p):
        prune(p, now, locked=True)
        _write(
            p,
            sid,
            {
                "username": username,
                "mode": mode,
                "issued_at": issued_at,
                "expires_at": expires_at,
                "last_seen": now,
                "token_hash": None,
                "grant_hash": _digest(grant),
                "grant_expires": now + GRANT_SECONDS,
            },
        )
    return f"{sid}.{grant}"


def sid_of(value: str | None) -> str | None:
    """The session id of a cookie or grant value (None if malformed)."""
    sid, _, rest = (value or "").partition(".")
    return sid if _SID.match(sid) and rest else None


def redeem_grant(p: Paths, value: str, now: float) -> tuple[str, float] | None:
    """Swap a grant for the session's token, once: ``(cookie value, max_age seconds)`` or None."""
    sid, _, grant = (value or "").partition(".")
    with _locked(p):
        rec = _read(p, sid)
        if rec is None or not rec.get("grant_hash"):
            return None
        if not hmac.compare_digest(rec["grant_hash"], _digest(grant)) or now > float(rec["grant_expires"]):
            return None
        token = secrets.token_urlsafe(32)
        rec.update(token_hash=_digest(token), grant_hash=None, grant_expires=None)
        _write(p, sid, rec)
    return f"{sid}.{token}", max(0.0, float(rec["expires_at"]) - now)


def lookup(p: Paths, cookie: str | None, now: float) -> dict | None:
    """The session a cookie names (with its ``sid``), or None if unknown, forged or past its absolute
    limit. The caller checks the rest (idle, account) with ``auth.session_end_reason``."""
    if not isinstance(cookie, str):
        return None
    sid, _, token = cookie.partition(".")
    rec = _read(p, sid)
    if rec is None or not rec.get("token_hash") or not token:
        return None
    if not hmac.compare_digest(rec["token_hash"], _digest(token)):
        return None
    if now > float(rec["expires_at"]):
        revoke(p, sid)
        return None
    return {**rec, "sid": sid}


def touch(p: Paths, sid: str, now: float) -> None:
    """Record activity (the idle limit counts from the last activity in any tab)."""
    with _locked(p):
        rec = _read(p, sid)
        if rec is not None:
            rec["last_seen"] = now
            _write(p, sid, rec)


def last_seen(p: Paths, sid: str) -> float | None:
    rec = _read(p, sid)
    return float(rec["last_seen"]) if rec else None


def revoke(p: Paths, sid: str | None) -> None:
    """Delete a session: its cookie names nothing any more."""
    f = _file(p, sid or "")
    if f is not None:
        with contextlib.suppress(FileNotFoundError):
            f.unlink()


def prune(p: Paths, now: float, *, locked: bool = False) -> None:
    """Delete sessions past their absolute limit and grants never redeemed."""
    for f in sessions_dir(p).glob("*.json"):
        rec = _read(p, f.stem)
        if rec is None:
            continue
        unredeemed = rec.get("grant_hash") and now > float(rec.get("grant_expires") or 0)
        if now > float(rec.get("expires_at") or 0) or unredeemed:
            revoke(p, f.stem)


# --- the route (mounted by dashboard/server.py) ----------------------------------------------------


def _is_https(request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


async def session_route(request):
    """POST ``<sid>.<grant>`` (text body): set the session cookie. Anything else: 400, no cookie."""
    import time

    from starlette.concurrency import run_in_threadpool
    from starlette.responses import Response

    from warehouse.settings import paths

    body = (await request.body())[:200].decode("ascii", "replace").strip()
    redeemed = await run_in_threadpool(redeem_grant, paths(), body, time.time())
    if redeemed is None:
        return Response("no such grant", status_code=400, media_type="text/plain")
    value, max_age = redeemed
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(max_age),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_is_https(request),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def routes() -> list:
    from starlette.routing import Route

    return [Route(ROUTE, session_route, methods=["POST"])]


def grant_script(value: str) -> str:
    """The page's side: post the grant to the route (same origin), so the response sets the cookie."""
    return (
        "<script>(function(){var u=new URL('api/session', window.location.href);"
        f"fetch(u.pathname,{{method:'POST',credentials:'same-origin',body:{json.dumps(value)}}});}})();</script>"
    )

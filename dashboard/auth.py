"""Sign-in for the dashboard. Call :func:`require_user` at the top of ``app.py``; it returns the
signed-in :class:`~accounts.users.User` or renders the sign-in screen and stops the run.

``IROQA_AUTH_MODE`` chooses how people sign in (docs/access.md has the configuration):

* ``local`` (default): username and password against ``$IROQA_HOME/users.json`` (argon2id);
  failed attempts are throttled per username and per browser session, with counters kept in
  ``$IROQA_HOME/auth/`` so a restart does not reset them;
* ``oidc``: the authority's identity provider through Streamlit's ``st.login`` (``[auth]`` in
  ``.streamlit/secrets.toml``); the person is matched to ``users.json`` by email, or, if
  ``IROQA_OIDC_ROLE_CLAIM`` is set, given the role (and teams, worker id) their token's claims carry;
* ``proxy``: a reverse proxy that has already authenticated the person passes their username in a
  header (``X-Forwarded-User``); honoured only if the request also carries the shared secret in
  ``IROQA_TRUSTED_PROXY`` (header ``X-IROQA-Proxy-Secret``).

In every mode a session ends after ``IROQA_SESSION_IDLE_MINUTES`` (30) without a rerun and
``IROQA_SESSION_MAX_HOURS`` (8) after sign-in, when the account is disabled or removed, and (local)
when its password changes. An unattended screen is cleared within a minute of the idle timeout.
Sign-ins, failures, sign-outs and session ends are written to the audit log.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, is_dataclass, replace
from datetime import datetime

import streamlit as st

from accounts import audit, users
from accounts.access import ROLE_POLICY, ROLES, AccessDenied, Scope, scope_for
from accounts.users import LoginThrottle, User
from dashboard import focus, sessions
from dashboard.text import plain as _plain
from warehouse.settings import Paths
from warehouse.settings import paths as default_paths

#: The clock every timeout and throttle reads; tests replace it.
clock: Callable[[], float] = time.time

SESSION_KEY = "_iroqa_auth"
NOTICE_KEY = "_iroqa_auth_notice"
SIGNED_OUT_KEY = "_iroqa_signed_out"
LAST_VIEW_KEY = "_iroqa_last_view"
DENIED_KEY = "_iroqa_denied_recorded"
GRANT_KEY = "_iroqa_session_grant"
#: How often a running session records its activity in the session store (seconds).
TOUCH_SECONDS = 60.0

MODES = ("local", "oidc", "proxy")

GENERIC_FAILURE = (
    "Sign-in failed. Check your username and password; if it still fails, ask your IRO QA administrator."
)
AUDIT_DOWN = (
    "IRO QA cannot write its audit log just now, so it cannot let anyone sign in. "
    "Tell your IRO QA administrator."
)

_END_TEXT = {
    "idle": "You were signed out after {idle} minutes without activity. Sign in again to continue.",
    "absolute": "Your session reached its {hours}-hour limit. Sign in again to continue.",
    "password_changed": "Your password was changed. Sign in again with the new one.",
    "disabled": "Your session has ended. Ask your IRO QA administrator if you need access.",
    "account_removed": "Your session has ended. Ask your IRO QA administrator if you need access.",
    "no_role": "Your session has ended. Ask your IRO QA administrator if you need access.",
    "mode_changed": "Sign-in settings changed. Sign in again.",
    "revoked": "You have signed out.",
    "signed_out": "You have signed out.",
}


class ConfigError(RuntimeError):
    """The sign-in configuration is unusable; IRO QA refuses to run rather than guess."""


@dataclass(frozen=True)
class AuthConfig:
    mode: str = "local"
    idle_seconds: float = 30 * 60
    absolute_seconds: float = 8 * 3600
    proxy_secret: str | None = None
    proxy_user_header: str = "X-Forwarded-User"
    proxy_secret_header: str = "X-IROQA-Proxy-Secret"
    oidc_provider: str | None = None
    oidc_role_claim: str | None = None
    oidc_role_map: tuple[tuple[str, str], ...] = ()
    oidc_teams_claim: str | None = None
    oidc_worker_claim: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AuthConfig:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            v = (env.get(name) or "").strip()
            return v or None

        def positive(name: str, default: float, unit: float) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number, not {raw!r}") from None
            if value <= 0:
                raise ConfigError(f"{name} must be more than 0")
            return value * unit

        mode = (get("IROQA_AUTH_MODE") or "local").lower()
        if mode not in MODES:
            raise ConfigError(f"IROQA_AUTH_MODE must be one of {', '.join(MODES)}, not {mode!r}")
        try:
            users.ThrottlePolicy.from_env(env)
        except users.UserError as exc:
            raise ConfigError(str(exc)) from None
        proxy_secret = get("IROQA_TRUSTED_PROXY")
        if mode == "proxy" and (proxy_secret is None or len(proxy_secret) < 32):
            raise ConfigError(
                "IROQA_AUTH_MODE=proxy needs IROQA_TRUSTED_PROXY: the shared secret (32 characters or "
                "more) that the reverse proxy sends in the X-IROQA-Proxy-Secret header"
            )
        role_map: list[tuple[str, str]] = []
        for pair in (get("IROQA_OIDC_ROLE_MAP") or "").split(","):
            if not pair.strip():
                continue
            claim_value, _, role = pair.partition("=")
            if role.strip() not in ROLE_POLICY:
                raise ConfigError(f"IROQA_OIDC_ROLE_MAP: {role.strip()!r} is not a role ({', '.join(ROLES)})")
            role_map.append((claim_value.strip(), role.strip()))
        return cls(
            mode=mode,
            idle_seconds=positive("IROQA_SESSION_IDLE_MINUTES", 30 * 60, 60),
            absolute_seconds=positive("IROQA_SESSION_MAX_HOURS", 8 * 3600, 3600),
            proxy_secret=proxy_secret,
            proxy_user_header=get("IROQA_PROXY_USER_HEADER") or cls.proxy_user_header,
            proxy_secret_header=get("IROQA_PROXY_SECRET_HEADER") or cls.proxy_secret_header,
            oidc_provider=get("IROQA_OIDC_PROVIDER"),
            oidc_role_claim=get("IROQA_OIDC_ROLE_CLAIM"),
            oidc_role_map=tuple(role_map),
            oidc_teams_claim=get("IROQA_OIDC_TEAMS_CLAIM"),
            oidc_worker_claim=get("IROQA_OIDC_WORKER_CLAIM"),
        )


# --- pure logic (no Streamlit calls): testable with an injected clock ------------------------------


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    message: str = ""
    retry_after: float = 0.0


def session_tag(session_id: str) -> str:
    """A short hash of the Streamlit session id, recorded in the audit to tie a session's records."""
    return hashlib.sha256((session_id or "").encode()).hexdigest()[:16]


def _wait_text(seconds: float) -> str:
    minutes = int(-(-seconds // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def attempt_sign_in(
    p: Paths,
    username: str,
    password: str,
    *,
    session_id: str,
    now: float,
    address: str | None = None,
    throttle: LoginThrottle | None = None,
) -> SignInResult:
    """Check one local sign-in attempt: throttle, password, account, audit. Never says which of
    username, password or account state was wrong. ``address`` is the client's network address
    (None if not known): see :class:`accounts.users.ThrottlePolicy`."""
    throttle = throttle or LoginThrottle(p)
    typed = (username or "").strip()[:128]
    client = users.Client(session_id, address)
    tag = session_tag(session_id)
    try:
        wait = throttle.retry_after(typed, client, now)
        if wait > 0:
            audit.record(
                typed, "sign_in_failed", {"reason": "throttled", "retry_after": round(wait)}, p=p, session=tag
            )
            return SignInResult(None, f"Too many failed sign-ins. Try again in {_wait_text(wait)}.", wait)
        user, reason = users.check_credentials(p, typed, password or "")
        if user is not None and user.role not in ROLE_POLICY:
            user, reason = None, "no_role"
        if user is None:
            wait = throttle.record_failure(typed, client, now)
            audit.record(typed, "sign_in_failed", {"reason": reason, "mode": "local"}, p=p, session=tag)
            return SignInResult(None, GENERIC_FAILURE, wait)
        throttle.succeeded(typed, client, now)
        audit.record(user, "sign_in", {"mode": "local"}, p=p, session=tag)
        return SignInResult(user)
    except audit.AuditError:
        return SignInResult(None, AUDIT_DOWN)


def _claim_values(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def user_from_claims(p: Paths, claims: Mapping[str, object], cfg: AuthConfig) -> tuple[User | None, str]:
    """Map an OIDC identity to an IRO QA user: the users-file entry whose email (or username) is the
    token's email; failing that, if ``IROQA_OIDC_ROLE_CLAIM`` is configured, a user built from the
    claims (exactly one role must match). A disabled users-file entry always wins (no access)."""
    email = str(claims.get("email") or claims.get("preferred_username") or claims.get("upn") or "").strip()
    if not email:
        return None, "no_email_claim"
    u = users.find_user_by_email(p, email)
    if u is not None:
        if u.disabled:
            return None, "disabled"
        if u.role not in ROLE_POLICY:
            return None, "no_role"
        return replace(u, source="oidc"), "ok"
    if not cfg.oidc_role_claim:
        return None, "not_registered"
    values = _claim_values(claims.get(cfg.oidc_role_claim))
    mapping = dict(cfg.oidc_role_map)
    roles = (
        {mapping[v] for v in values if v in mapping} if mapping else {v for v in values if v in ROLE_POLICY}
    )
    if len(roles) != 1:
        return None, "no_role" if not roles else "ambiguous_role"
    teams = _claim_values(claims.get(cfg.oidc_teams_claim)) if cfg.oidc_teams_claim else []
    worker = claims.get(cfg.oidc_worker_claim) if cfg.oidc_worker_claim else None
    return User(
        username=email.lower(),
        role=roles.pop(),
        display_name=str(claims.get("name") or email),
        teams=tuple(sorted(set(teams))),
        worker_id=str(worker).strip() if worker else None,
        email=email.lower(),
        source="oidc",
    ), "ok"


def user_from_proxy_headers(p: Paths, headers: Mapping[str, str], cfg: AuthConfig) -> tuple[User | None, str]:
    """Map a reverse proxy's user header to an IRO QA user, only if the proxy's secret is present."""

    def header(name: str) -> str:
        for k, v in headers.items():
            if k.lower() == name.lower():
                return str(v)
        return ""

    secret = header(cfg.proxy_secret_header)
    if not cfg.proxy_secret or not hmac.compare_digest(secret.encode(), cfg.proxy_secret.encode()):
        return None, "untrusted_proxy"
    name = header(cfg.proxy_user_header).strip()
    if not name:
        return None, "no_user_header"
    u = users.get_user(p, name) or users.find_user_by_email(p, name)
    if u is None:
        return None, "not_registered"
    if u.disabled:
        return None, "disabled"
    if u.role not in ROLE_POLICY:
        return None, "no_role"
    return replace(u, source="proxy"), "ok"


def session_end_reason(p: Paths, sess: Mapping, cfg: AuthConfig, now: float, user: User | None) -> str | None:
    """Why the session in ``sess`` must end now (or None if it is still good). ``user`` is the
    account as it stands now (None if it no longer exists or no longer maps)."""
    if sess.get("mode") != cfg.mode:
        return "mode_changed"
    if now - float(sess.get("last_seen", 0)) > cfg.idle_seconds:
        return "idle"
    if now - float(sess.get("issued_at", 0)) > cfg.absolute_seconds:
        return "absolute"
    if user is None:
        return "account_removed"
    if user.disabled:
        return "disabled"
    if user.role not in ROLE_POLICY:
        return "no_role"
    if cfg.mode == "local" and user.password_changed_at:
        try:
            changed = datetime.fromisoformat(user.password_changed_at).timestamp()
        except ValueError:
            changed = 0.0
        if changed > float(sess.get("issued_at", 0)) + 1e-3:
            return "password_changed"
    return None


# --- Streamlit glue ---------------------------------------------------------------------------------


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else "no-session"


def _client_address() -> str | None:
    """The client's network address for the sign-in throttle: the WebSocket peer, or behind a
    reverse proxy on the same machine the last ``X-Forwarded-For`` entry (the one the proxy added).
    None from the same machine (or an AppTest)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context
        return None
    return address if isinstance(address, str) and address else None


def _request_headers() -> Mapping[str, str]:
    """The headers of the request that opened this session (replaced in tests: AppTest cannot
    send headers)."""
    try:
        return dict(st.context.headers)
    except Exception:  # noqa: BLE001 - no client context
        return {}


def _oidc_claims() -> dict | None:
    try:
        if not st.user.is_logged_in:
            return None
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - st.user without an [auth] section
        return None


def _current_identity(p: Paths, cfg: AuthConfig, sess: Mapping) -> User | None:
    if cfg.mode == "local":
        return users.get_user(p, sess.get("username", ""))
    if cfg.mode == "proxy":
        user, _ = user_from_proxy_headers(p, _request_headers(), cfg)
    else:
        claims = _oidc_claims()
        user, _ = user_from_claims(p, claims, cfg) if claims else (None, "signed_out")
    if user is not None and user.username != sess.get("username"):
        return None
    return user


def _start_session(
    user: User, cfg: AuthConfig, now: float, issued_at: float | None = None, sid: str | None = None
) -> None:
    st.session_state.pop(SIGNED_OUT_KEY, None)
    st.session_state.pop(NOTICE_KEY, None)
    st.session_state[SESSION_KEY] = {
        "username": user.username,
        "mode": cfg.mode,
        "issued_at": issued_at or now,
        "last_seen": now,
        "sid": sid,
        "touched": now,
    }


def _session_cookie() -> str | None:
    """The session cookie sent with the request that opened this browser session (None in tests
    without one)."""
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # noqa: BLE001 - no client context
        return None
    return value if isinstance(value, str) else None


def _resume_session(p: Paths, cfg: AuthConfig, now: float) -> User | None:
    """A new browser session (reload, new tab) carrying a valid session cookie: sign the person in
    again without the form, if the stored session passes every check a running one does."""
    if cfg.mode != "local" or st.session_state.get(SIGNED_OUT_KEY):
        return None
    rec = sessions.lookup(p, _session_cookie(), now)
    if rec is None:
        return None
    user = users.get_user(p, rec.get("username", ""))
    reason = session_end_reason(p, rec, cfg, now, user)
    if reason is not None or user is None:
        sessions.revoke(p, rec["sid"])
        with contextlib.suppress(audit.AuditError):
            audit.record(
                rec.get("username", ""),
                "session_expired",
                {"reason": reason, "mode": cfg.mode, "resumed": True},
                p=p,
                session=session_tag(_session_id()),
            )
        st.session_state[NOTICE_KEY] = _END_TEXT.get(reason or "", _END_TEXT["disabled"]).format(
            idle=round(cfg.idle_seconds / 60), hours=round(cfg.absolute_seconds / 3600)
        )
        return None
    try:
        audit.record(
            user, "sign_in", {"mode": cfg.mode, "resumed": True}, p=p, session=session_tag(_session_id())
        )
    except audit.AuditError:
        return None
    sessions.touch(p, rec["sid"], now)
    _start_session(user, cfg, now, float(rec["issued_at"]), rec["sid"])
    return user


def _shared_state(p: Paths, sess: dict, now: float) -> str | None:
    """For a session in the store: 'revoked' if it was ended elsewhere (sign-out in another tab);
    otherwise take the latest activity of any tab and record this one's about once a minute."""
    sid = sess.get("sid")
    if not sid:
        return None
    seen = sessions.last_seen(p, sid)
    if seen is None:
        return "revoked"
    sess["last_seen"] = max(float(sess.get("last_seen", 0)), seen)
    return None


def _clear_session_state() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def _end_session(
    p: Paths, sess: Mapping, reason: str, cfg: AuthConfig, *, action: str = "session_expired"
) -> None:
    with contextlib.suppress(audit.AuditError):  # ending a session must never be blocked
        audit.record(
            sess.get("username", ""),
            action,
            {"reason": reason, "mode": cfg.mode},
            p=p,
            session=session_tag(_session_id()),
        )
    sessions.revoke(p, sess.get("sid"))
    _clear_session_state()
    text = _END_TEXT.get(reason, _END_TEXT["disabled"]).format(
        idle=round(cfg.idle_seconds / 60), hours=round(cfg.absolute_seconds / 3600)
    )
    st.session_state[NOTICE_KEY] = text
    if cfg.mode != "local":
        st.session_state[SIGNED_OUT_KEY] = True
    if cfg.mode == "oidc" and _oidc_claims() is not None:
        st.logout()  # removes the identity cookie and starts a new session


@st.fragment(run_every=60)
def _idle_watchdog() -> None:
    """Reruns the app once the idle timeout has passed, so an unattended screen is replaced by the
    sign-in form within a minute, not left showing children's data until someone clicks."""
    sess = st.session_state.get(SESSION_KEY)
    idle = st.session_state.get("_iroqa_idle_seconds")
    if sess and idle and clock() - float(sess.get("last_seen", 0)) > idle:
        st.rerun(scope="app")


def _stop_with_config_error(exc: Exception) -> None:
    st.error(f"**IRO QA's sign-in is not configured correctly**, so nobody can sign in: {_plain(exc)}")
    st.stop()


def require_user(*, p: Paths | None = None, watchdog: bool = True) -> User:
    """Return the signed-in user, or render the sign-in screen and ``st.stop()``.

    Call once, at the top of ``app.py``, before anything that reads data. It re-reads the account
    on every run, so disabling a user or changing their role takes effect at their next click.
    """
    p = p or default_paths()
    try:
        cfg = AuthConfig.from_env()
    except ConfigError as exc:
        _stop_with_config_error(exc)
        raise  # pragma: no cover - st.stop() raises
    now = clock()
    sess = st.session_state.get(SESSION_KEY)
    if sess is None and _resume_session(p, cfg, now) is not None:
        sess = st.session_state.get(SESSION_KEY)
    if sess is not None:
        user = _current_identity(p, cfg, sess)
        reason = _shared_state(p, sess, now) or session_end_reason(p, sess, cfg, now, user)
        if reason is None and user is not None:
            sess["last_seen"] = now
            if sess.get("sid") and now - float(sess.get("touched", 0)) >= TOUCH_SECONDS:
                sess["touched"] = now
                sessions.touch(p, sess["sid"], now)
            st.session_state["_iroqa_idle_seconds"] = cfg.idle_seconds
            grant = st.session_state.pop(GRANT_KEY, None)
            if grant:
                with st.sidebar:
                    st.html(sessions.grant_script(grant), unsafe_allow_javascript=True)
            if watchdog:
                _idle_watchdog()
            return user
        _end_session(p, sess, reason or "account_removed", cfg)

    if cfg.mode == "local":
        _local_sign_in(p, cfg, now)
    elif cfg.mode == "proxy":
        _external_sign_in(p, cfg, now, *user_from_proxy_headers(p, _request_headers(), cfg))
    else:
        _oidc_sign_in(p, cfg, now)
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover


def _notice() -> None:
    text = st.session_state.get(NOTICE_KEY)
    if text:
        st.info(_plain(text))


SIGNIN_USER_KEY = "_iroqa_signin_username"
SIGNIN_PASSWORD_KEY = "_iroqa_signin_password"
_SIGNIN_OUTCOME_KEY = "_iroqa_signin_outcome"
_SIGNIN_TRIES_KEY = "_iroqa_signin_tries"
MISSING_BOTH = "Enter your username and password."
MISSING_PASSWORD = "Enter your password."


def _submit_sign_in(p: Paths) -> None:
    """The sign-in form's submit (a callback, run before the script): check the attempt, keep the
    username, empty the password field whatever happens (nothing of a password stays in the session),
    and leave the outcome for the script. Enter in the Username field submits the form too (a
    keyboard user's habit): that asks for the password and keeps the username typed, instead of
    clearing both."""
    username = str(st.session_state.get(SIGNIN_USER_KEY) or "")
    password = str(st.session_state.get(SIGNIN_PASSWORD_KEY) or "")
    st.session_state[SIGNIN_PASSWORD_KEY] = ""
    st.session_state[_SIGNIN_TRIES_KEY] = int(st.session_state.get(_SIGNIN_TRIES_KEY, 0)) + 1
    if not username.strip():
        st.session_state[_SIGNIN_OUTCOME_KEY] = (None, MISSING_BOTH, "Username")
        return
    if not password:
        st.session_state[_SIGNIN_OUTCOME_KEY] = (None, MISSING_PASSWORD, "Password")
        return
    now = clock()
    result = attempt_sign_in(
        p, username, password, session_id=_session_id(), address=_client_address(), now=now
    )
    if result.user is None:
        st.session_state[_SIGNIN_OUTCOME_KEY] = (None, result.message, "Password")
        return
    del st.session_state[SIGNIN_PASSWORD_KEY], st.session_state[SIGNIN_USER_KEY]
    st.session_state[_SIGNIN_OUTCOME_KEY] = (result.user, "", "")


def _local_sign_in(p: Paths, cfg: AuthConfig, now: float) -> None:
    st.title("IRO QA")
    _notice()
    # Typing by keyboard alone works the usual way: Tab to Username, type, Tab (or Enter) to
    # Password, type, Enter. The username stays typed after a refused attempt; the password never.
    with st.form("iroqa_sign_in", clear_on_submit=False, enter_to_submit=True):
        st.subheader("Sign in")
        st.text_input("Username", key=SIGNIN_USER_KEY, autocomplete="username", max_chars=128)
        st.text_input(
            "Password",
            type="password",
            key=SIGNIN_PASSWORD_KEY,
            autocomplete="current-password",
            max_chars=users.MAX_PASSWORD_LENGTH,
        )
        st.form_submit_button("Sign in", type="primary", on_click=_submit_sign_in, args=(p,))
    outcome = st.session_state.pop(_SIGNIN_OUTCOME_KEY, None)
    if outcome is None:
        return
    user, message, field = outcome
    if user is None:
        st.error(message)
        # the field to fill next has focus (and the message is read out: st.error is an alert)
        focus.focus_once(
            f'input[aria-label="{field}"]', key=f"sign-in {st.session_state.get(_SIGNIN_TRIES_KEY)}", where=st
        )
        return
    st.session_state.pop(_SIGNIN_TRIES_KEY, None)
    sid = None
    if sessions.route_mounted:  # served by dashboard/server.py: offer the browser a session cookie
        grant = sessions.issue_grant(
            p,
            username=user.username,
            mode=cfg.mode,
            issued_at=now,
            expires_at=now + cfg.absolute_seconds,
            now=now,
        )
        sid = sessions.sid_of(grant)
        st.session_state[GRANT_KEY] = grant
    _start_session(user, cfg, now, sid=sid)
    st.rerun()


def _external_sign_in(
    p: Paths,
    cfg: AuthConfig,
    now: float,
    user: User | None,
    reason: str,
    claims: Mapping | None = None,
    issued_at: float | None = None,
) -> None:
    """Proxy and OIDC: the person is already authenticated; start a session if they map to a user."""
    if st.session_state.get(SIGNED_OUT_KEY):
        st.title("IRO QA")
        _notice()
        if cfg.mode == "proxy":
            st.caption("Reload the page to sign in again.")
        return
    tag = session_tag(_session_id())
    if user is not None:
        try:
            audit.record(user, "sign_in", {"mode": cfg.mode}, p=p, session=tag)
        except audit.AuditError:
            st.error(AUDIT_DOWN)
            return
        _start_session(user, cfg, now, issued_at)
        st.rerun()
    who = ""
    if claims:
        who = str(claims.get("email") or claims.get("preferred_username") or "")
    elif cfg.mode == "proxy":
        who = next(
            (str(v) for k, v in _request_headers().items() if k.lower() == cfg.proxy_user_header.lower()), ""
        )
    if not st.session_state.get(DENIED_KEY):
        st.session_state[DENIED_KEY] = True
        with contextlib.suppress(audit.AuditError):
            audit.record(who[:128], "sign_in_failed", {"reason": reason, "mode": cfg.mode}, p=p, session=tag)
    st.title("IRO QA")
    if reason == "untrusted_proxy":
        st.error("IRO QA only accepts sign-ins through the council's sign-in gateway.")
    else:
        st.error(
            f"{'You are signed in as **' + _plain(who) + '** but ' if who else ''}you do not have access to "
            "IRO QA. Ask your IRO QA administrator to add you."
        )
    if cfg.mode == "oidc" and claims and st.button("Sign out", key="_iroqa_oidc_denied_sign_out"):
        st.logout()


def _oidc_sign_in(p: Paths, cfg: AuthConfig, now: float) -> None:
    claims = _oidc_claims()
    if claims is None:
        st.title("IRO QA")
        _notice()
        st.session_state.pop(SIGNED_OUT_KEY, None)
        if st.button("Sign in with your council account", type="primary", key="_iroqa_oidc_sign_in"):
            try:
                if cfg.oidc_provider:
                    st.login(cfg.oidc_provider)
                else:
                    st.login()
            except Exception as exc:  # noqa: BLE001 - missing Authlib or [auth] section
                _stop_with_config_error(exc)
        return
    user, reason = user_from_claims(p, claims, cfg)
    # The absolute timeout counts from the identity provider's sign-in (the token's iat), so the
    # identity cookie (kept by Streamlit for up to 30 days) cannot extend a session past it.
    issued_at = None
    iat = claims.get("iat")
    if isinstance(iat, int | float) and iat > 0:
        issued_at = float(iat)
        if now - issued_at > cfg.absolute_seconds:
            with contextlib.suppress(audit.AuditError):
                audit.record(
                    user or str(claims.get("email") or ""),
                    "session_expired",
                    {"reason": "absolute", "mode": "oidc"},
                    p=p,
                    session=session_tag(_session_id()),
                )
            st.logout()
            return
    _external_sign_in(p, cfg, now, user, reason, claims, issued_at)


def sign_out(*, p: Paths | None = None) -> None:
    """End the session (audited) and show the sign-in screen."""
    p = p or default_paths()
    try:
        cfg = AuthConfig.from_env()
    except ConfigError:
        cfg = AuthConfig()
    sess = st.session_state.get(SESSION_KEY) or {}
    _end_session(p, sess, "signed_out", cfg, action="sign_out")
    st.rerun()


def sign_out_button(user: User, *, container=None) -> None:
    """Show "Signed in as ..." and a Sign out button (in the sidebar unless ``container`` is given)."""
    c = container if container is not None else st.sidebar
    c.caption(f"Signed in as **{_plain(user.name)}** · {_plain(user.role_label)}")
    if c.button("Sign out", key="_iroqa_sign_out", icon=":material/logout:"):
        sign_out()


# --- audit helpers for the pages ------------------------------------------------------------------


def _jsonable(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def current_session_tag() -> str:
    """This browser session's tag for audit records ("" outside a session)."""
    try:
        return session_tag(_session_id())
    except Exception:  # noqa: BLE001 - no session context
        return ""


def record(user: User, action: str, detail: dict | None = None, *, p: Paths | None = None) -> None:
    """``accounts.audit.record`` with this browser session's tag. Raises ``AuditError`` when the
    record cannot be written: let it stop the action (exports, writes)."""
    audit.record(user, action, detail or {}, p=p, session=current_session_tag())


def audit_page_view(
    user: User, page: str, filters: object = None, *, p: Paths | None = None, key: str = LAST_VIEW_KEY
) -> None:
    """Record a page view with its filters, once per change of page or filters (not on every rerun).
    If the audit cannot be written the page is not shown. ``app.py`` records every page with the
    sidebar's filters; a page with filters of its own (the audit log) records them too, under its
    own ``key`` so the two do not take turns."""
    detail = {"page": page, "filters": _jsonable(filters)}
    fingerprint = json.dumps(detail, sort_keys=True, default=str)
    if st.session_state.get(key) == fingerprint:
        return
    try:
        record(user, "page_view", detail, p=p)
    except audit.AuditError:
        st.error(AUDIT_DOWN.replace("let anyone sign in", "show this page"))
        st.stop()
    st.session_state[key] = fingerprint


def require_page(user: User, scope: Scope, page_kind: str, *, p: Paths | None = None) -> None:
    """Stop the page (audited) unless the user's scope may view ``page_kind``. Pages are also left
    out of the navigation for such users; this guards a direct link."""
    if scope.may_view(page_kind):
        return
    with contextlib.suppress(audit.AuditError):
        record(user, "access_denied", {"page_kind": page_kind}, p=p)
    st.error("This page is not available to your role.")
    st.stop()


__all__ = [
    "AccessDenied",
    "AuthConfig",
    "ConfigError",
    "SignInResult",
    "Scope",
    "attempt_sign_in",
    "audit_page_view",
    "clock",
    "current_session_tag",
    "record",
    "require_page",
    "require_user",
    "scope_for",
    "sign_out",
    "sign_out_button",
    "user_from_claims",
    "user_from_proxy_headers",
]

"""Local user accounts: ``$IROQA_HOME/users.json``, argon2id password hashes, and the sign-in throttle.

The users file is the authority on who may use IRO QA and with which role, teams and worker id,
whichever way people sign in (local passwords, the authority's identity provider via OIDC, or a
trusted reverse proxy: see docs/access.md). Layout::

    {"version": 1, "users": {"jsmith": {"username": "jsmith", "display_name": "Jo Smith",
        "role": "asm", "teams": ["T01"], "worker_id": null, "email": "jo.smith@example.gov.uk",
        "disabled": false, "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$...",
        "created_at": "...", "changed_at": "...", "password_changed_at": "..."}}}

* Written whole, to a temporary file (mode 0600), fsynced and renamed into place, under an
  advisory lock (``auth/users.lock``), so concurrent edits never lose one another and a reader
  sees the old file or the new one.
* Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher`` defaults: RFC 9106 low-memory
  profile, 64 MiB, 3 passes, 4 lanes, 16-byte random salt). No password is ever stored or logged in
  plain text. A hash made with older parameters is upgraded at the next successful sign-in.
* :class:`User` (what the rest of the app handles) carries no hash.

The throttle (:class:`LoginThrottle`) keeps failed sign-in counters in ``auth/throttle.json`` so a
restart does not reset them: see its docstring for the delays.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accounts import audit
from accounts.access import ROLE_POLICY, ROLES
from warehouse.settings import Paths
from warehouse.settings import paths as default_paths
from warehouse.store import write_private

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 copes with more, but nobody types more; bounds the work per attempt
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,127}$")
DEMO_ADMIN = "admin"

# The hasher. Module-level so tests can swap in cheap parameters; production keeps the defaults.
hasher = PasswordHasher()


class UserError(ValueError):
    """A user-administration request that cannot be done (the message is safe to show)."""


# --- paths ---------------------------------------------------------------------------------------


def users_file(p: Paths) -> Path:
    return p.home / "users.json"


def auth_dir(p: Paths) -> Path:
    d = p.home / "auth"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An advisory lock on ``path`` (created if missing). Each call opens its own descriptor, so it
    excludes other threads of this process as well as other processes."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- the user ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    username: str
    role: str
    display_name: str = ""
    teams: tuple[str, ...] = ()
    worker_id: str | None = None
    email: str | None = None
    #: How this person wants their notifications: "none" (one email each) or "weekly" (a Monday
    #: digest instead; urgent ones still come singly). docs/notifications.md.
    digest: str = "none"
    disabled: bool = False
    created_at: str = ""
    changed_at: str = ""
    password_changed_at: str = ""
    #: Where the identity came from: "local", "oidc" or "proxy" (set at sign-in, not stored).
    source: str = field(default="local", compare=False)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        pol = ROLE_POLICY.get(self.role)
        return pol.label if pol else self.role

    def public(self) -> dict:
        """Everything but secrets, for listings and the audit."""
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "teams": list(self.teams),
            "worker_id": self.worker_id,
            "email": self.email,
            "digest": self.digest,
            "disabled": self.disabled,
            "created_at": self.created_at,
            "changed_at": self.changed_at,
        }


#: The notification preferences a person may choose (docs/notifications.md, "Weekly digest").
DIGEST_CHOICES = ("none", "weekly")


def check_digest(value: str) -> str:
    v = (value or "").strip().lower()
    if v not in DIGEST_CHOICES:
        raise UserError(f"the digest must be one of {', '.join(DIGEST_CHOICES)}, not {value!r}")
    return v


def _user_from_record(rec: dict) -> User:
    return User(
        username=rec["username"],
        role=rec["role"],
        display_name=rec.get("display_name") or "",
        teams=tuple(rec.get("teams") or ()),
        worker_id=rec.get("worker_id") or None,
        email=rec.get("email") or None,
        digest=rec.get("digest") or "none",
        disabled=bool(rec.get("disabled")),
        created_at=rec.get("created_at", ""),
        changed_at=rec.get("changed_at", ""),
        password_changed_at=rec.get("password_changed_at", ""),
    )


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def _check_username(username: str) -> str:
    u = normalise_username(username)
    if not USERNAME_RE.match(u):
        raise UserError(
            f"{username!r} is not a valid username: use 1 to 128 lower-case letters, digits and . _ @ + -, "
            "starting with a letter or digit"
        )
    return u


def _check_role(role: str) -> str:
    if role not in ROLE_POLICY:
        raise UserError(f"{role!r} is not a role; the roles are: {', '.join(ROLES)}")
    return role


MAX_TEXT_LENGTH = 200
# Bidirectional overrides and isolates: they make text read differently from what it is.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def text_problem(value: str, what: str) -> str | None:
    """Why ``value`` cannot be stored as ``what`` (a display name, team id, worker id, email), or
    None. At most 200 characters; no control, bidirectional-override, private-use or unassigned
    characters. Anything else (HTML, quotes, SQL, emoji, accents) is data: stored as typed and only
    ever shown escaped. The message never repeats the value."""
    import unicodedata

    if len(value) > MAX_TEXT_LENGTH:
        return f"{what[:1].upper() + what[1:]} must be at most {MAX_TEXT_LENGTH} characters (this is {len(value):,})."
    for ch in value:
        if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
            return (
                f"{what[:1].upper() + what[1:]} contains an invisible control character "
                f"(U+{ord(ch):04X}); retype it."
            )
    return None


def _check_text(value: str, what: str) -> str:
    problem = text_problem(value, what)
    if problem:
        raise UserError(problem)
    return value


def _check_teams(teams: Iterable[str]) -> list[str]:
    out = []
    for t in teams:
        t = (t or "").strip()
        if not t:
            continue
        out.append(_check_text(t, "a team id"))
    return sorted(set(out))


def check_password_policy(password: str, username: str = "") -> None:
    """At least 12 characters (NCSC: length over complexity), at most 1024, not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"the password must be at most {MAX_PASSWORD_LENGTH} characters")
    if username and password.strip().lower() == username.lower():
        raise UserError("the password must not be the username")


def generate_password() -> str:
    """A random password: 24 URL-safe characters (144 bits)."""
    return secrets.token_urlsafe(18)


def hash_password(password: str) -> str:
    return hasher.hash(password)


# A hash to verify against when the username does not exist, so that a wrong username takes as
# long as a wrong password (no enumeration of usernames by timing). Made lazily with the current
# hasher's parameters.
_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    key = repr(hasher.time_cost) + repr(hasher.memory_cost) + repr(hasher.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY[key]


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- the file ------------------------------------------------------------------------------------

_CACHE: dict[Path, tuple[tuple[int, int, int], dict]] = {}


def _read(p: Paths) -> dict:
    path = users_file(p)
    try:
        st = path.stat()
    except FileNotFoundError:
        return {"version": 1, "users": {}}
    sig = (st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _CACHE.get(path)
    if cached and cached[0] == sig:
        return cached[1]
    data = json.loads(path.read_bytes())
    if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
        raise RuntimeError(f"{path} is not an IRO QA users file")
    _CACHE[path] = (sig, data)
    return data


@contextlib.contextmanager
def _editing(p: Paths) -> Iterator[dict]:
    """Read-modify-write the users file under its lock; written only if the block succeeds."""
    p.home.mkdir(parents=True, exist_ok=True)
    with _locked(auth_dir(p) / "users.lock"):
        _CACHE.pop(users_file(p), None)
        data = json.loads(json.dumps(_read(p)))  # a private copy
        yield data
        write_private(users_file(p), json.dumps(data, indent=2, sort_keys=True).encode())
        _CACHE.pop(users_file(p), None)


def list_users(p: Paths | None = None) -> list[User]:
    p = p or default_paths()
    return [_user_from_record(r) for _, r in sorted(_read(p)["users"].items())]


def get_user(p: Paths | None, username: str) -> User | None:
    p = p or default_paths()
    rec = _read(p)["users"].get(normalise_username(username))
    return _user_from_record(rec) if rec else None


def find_user_by_email(p: Paths | None, email: str) -> User | None:
    """The user whose ``email`` (or username) is ``email``, case-insensitively."""
    p = p or default_paths()
    e = (email or "").strip().lower()
    if not e:
        return None
    for rec in _read(p)["users"].values():
        if (rec.get("email") or "").lower() == e or rec["username"] == e:
            return _user_from_record(rec)
    return None


def _new_record(
    username: str,
    *,
    role: str,
    password: str,
    now: str,
    display_name: str = "",
    teams: list[str] | None = None,
    worker_id: str | None = None,
    email: str | None = None,
) -> dict:
    """A new account's record in the users file (values already checked); only the hash is kept."""
    return {
        "username": username,
        "display_name": display_name,
        "role": role,
        "teams": teams or [],
        "worker_id": worker_id,
        "email": email,
        "disabled": False,
        "password_hash": hash_password(password),
        "created_at": now,
        "changed_at": now,
        "password_changed_at": now,
    }


def add_user(
    p: Paths | None,
    username: str,
    *,
    role: str,
    password: str,
    display_name: str = "",
    teams: Iterable[str] = (),
    worker_id: str | None = None,
    email: str | None = None,
) -> User:
    p = p or default_paths()
    u = _check_username(username)
    _check_role(role)
    for value, what in (
        (display_name, "the display name"),
        (worker_id, "the worker id"),
        (email, "the email"),
    ):
        _check_text((value or "").strip(), what)
    check_password_policy(password, u)
    now = _now_iso()
    with _editing(p) as data:
        if u in data["users"]:
            raise UserError(f"there is already a user called {u!r}")
        rec = data["users"][u] = _new_record(
            u,
            role=role,
            password=password,
            now=now,
            display_name=(display_name or "").strip(),
            teams=_check_teams(teams),
            worker_id=(worker_id or "").strip() or None,
            email=(email or "").strip().lower() or None,
        )
    return _user_from_record(rec)


def update_user(
    p: Paths | None,
    username: str,
    *,
    role: str | None = None,
    display_name: str | None = None,
    teams: Iterable[str] | None = None,
    worker_id: str | None = None,
    email: str | None = None,
    disabled: bool | None = None,
    digest: str | None = None,
) -> User:
    """Change what is given (``None`` leaves a field alone; ``worker_id=""``/``email=""`` clears it)."""
    p = p or default_paths()
    u = normalise_username(username)
    with _editing(p) as data:
        rec = data["users"].get(u)
        if rec is None:
            raise UserError(f"there is no user called {u!r}")
        if role is not None:
            rec["role"] = _check_role(role)
        if display_name is not None:
            rec["display_name"] = _check_text(display_name.strip(), "the display name")
        if teams is not None:
            rec["teams"] = _check_teams(teams)
        if worker_id is not None:
            rec["worker_id"] = _check_text(worker_id.strip(), "the worker id") or None
        if email is not None:
            rec["email"] = _check_text(email.strip().lower(), "the email") or None
        if disabled is not None:
            rec["disabled"] = bool(disabled)
        if digest is not None:
            rec["digest"] = check_digest(digest)
        rec["changed_at"] = _now_iso()
    return _user_from_record(rec)


def disable_user(p: Paths | None, username: str) -> User:
    return update_user(p, username, disabled=True)


def enable_user(p: Paths | None, username: str) -> User:
    return update_user(p, username, disabled=False)


def set_password(p: Paths | None, username: str, password: str) -> User:
    """Set a new password. Sessions signed in before the change end at their next rerun."""
    p = p or default_paths()
    u = normalise_username(username)
    check_password_policy(password, u)
    new_hash = hash_password(password)
    with _editing(p) as data:
        rec = data["users"].get(u)
        if rec is None:
            raise UserError(f"there is no user called {u!r}")
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        rec["password_hash"] = new_hash
        rec["changed_at"] = rec["password_changed_at"] = now
    return _user_from_record(rec)


def check_credentials(p: Paths | None, username: str, password: str) -> tuple[User | None, str]:
    """``(user, "ok")`` if the password is right and the account enabled; otherwise
    ``(None, reason)`` with reason ``unknown_user``, ``wrong_password`` or ``disabled`` (for the
    audit only: never show it). Costs one argon2 verification whatever the outcome."""
    p = p or default_paths()
    u = normalise_username(username)
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH]  # still verified (and fails): same cost
    rec = _read(p)["users"].get(u) if USERNAME_RE.match(u) else None
    if rec is None:
        verify_password(_dummy_hash(), password)
        return None, "unknown_user"
    if not verify_password(rec.get("password_hash") or _dummy_hash(), password):
        return None, "wrong_password"
    if rec.get("disabled"):
        return None, "disabled"
    if hasher.check_needs_rehash(rec["password_hash"]):
        with contextlib.suppress(Exception), _editing(p) as data:  # best effort
            data["users"][u]["password_hash"] = hash_password(password)
    return _user_from_record(rec), "ok"


def authenticate(p: Paths | None, username: str, password: str) -> User | None:
    """The user, if the password is right and the account is enabled; else None (whatever the reason)."""
    return check_credentials(p, username, password)[0]


# --- administration shared by ``iroqa users`` and the dashboard's Users page ---------------------


def record_admin(
    actor: User | str | None,
    op: str,
    target: str,
    *,
    p: Paths | None = None,
    session: str | None = None,
    **detail: object,
) -> dict:
    """The audit record of one user-administration request (action ``user_admin``): ``op`` (add,
    set, passwd, disable, enable, unlock), ``target`` (the username) and what was set (role, teams,
    worker id...; never a password). ``actor`` is the administrator (``cli:<login>`` from the
    command line). Raises ``accounts.audit.AuditError`` if it cannot be written."""
    return audit.record(actor, "user_admin", {"op": op, "target": target, **detail}, p=p, session=session)


def unlock_user(p: Paths | None, username: str, now: float | None = None) -> bool:
    """Forget a username's failed sign-ins (``iroqa users unlock``, Clear failed sign-ins): every
    client that has failed on it may try it again at once. True if there were any. Not needed for
    the owner to get in (the throttle never holds a client that has not failed on the account), but
    it lets someone who mistyped their own password while others were guessing it try again now."""
    import time

    return LoginThrottle(p or default_paths()).clear_account(username, time.time() if now is None else now)


def account_problems(
    p: Paths | None,
    *,
    username: str,
    role: str,
    display_name: str = "",
    teams: Iterable[str] = (),
    worker_id: str = "",
    email: str = "",
    known_teams: Iterable[str] | None = None,
    new: bool = True,
) -> dict[str, str]:
    """Field -> what is wrong with it, for a form (the Users page): ``username``, ``role``,
    ``display_name``, ``teams``, ``worker_id``, ``email``. ``known_teams``: the team ids of the live
    build, if one is live (a team not in it is refused). ``new``: adding (the username must be free)
    rather than changing. Messages never repeat what was typed, apart from team ids that exist."""
    p = p or default_paths()
    out: dict[str, str] = {}
    u = normalise_username(username)
    if not u:
        out["username"] = "Enter a username."
    elif not USERNAME_RE.match(u):
        out["username"] = (
            "Use 1 to 128 lower-case letters, digits and . _ @ + - (starting with a letter or digit)."
        )
    elif new and get_user(p, u) is not None:
        out["username"] = "There is already a user with this username."
    elif not new and get_user(p, u) is None:
        out["username"] = "There is no such user."
    if role not in ROLE_POLICY:
        out["role"] = f"Choose a role: {', '.join(ROLES)}."
    for field_name, value, what in (
        ("display_name", display_name, "the display name"),
        ("worker_id", worker_id, "the worker id"),
        ("email", email, "the email"),
    ):
        problem = text_problem((value or "").strip(), what)
        if problem:
            out[field_name] = problem
    e = (email or "").strip()
    if e and "email" not in out and (e.count("@") != 1 or " " in e or e.startswith("@") or e.endswith("@")):
        out["email"] = "Enter an email address like name@council.gov.uk, or leave it empty."
    team_list = [(t or "").strip() for t in teams if (t or "").strip()]
    for t in team_list:
        problem = text_problem(t, "a team id")
        if problem:
            out["teams"] = problem
            break
    if "teams" not in out and known_teams is not None:
        known = set(known_teams)
        unknown = sorted({t for t in team_list if t not in known})
        if unknown:
            listed = ", ".join(f"`{t}`" if "`" not in t else "?" for t in unknown[:5])
            out["teams"] = (
                f"Not a team in the live build: {listed}"
                + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
                + ". Use team ids (the list below)."
            )
    return out


def lockout_problem(
    p: Paths | None, actor: str, target: str, *, role: str | None = None, disable: bool = False
) -> str | None:
    """Why disabling ``target`` or changing their role to ``role`` would lock everyone out of
    user administration: an administrator may not disable themselves, and the last enabled
    administrator may neither be disabled nor lose the admin role."""
    target = normalise_username(target)
    if disable and target == normalise_username(actor):
        return "You cannot disable your own account: ask another administrator."
    rec = get_user(p, target)
    if rec is None or rec.role != "admin" or rec.disabled:
        return None
    if not disable and (role is None or role == "admin"):
        return None
    admins = [u for u in list_users(p) if u.role == "admin" and not u.disabled]
    if [u.username for u in admins] == [target]:
        return "This is the only enabled administrator: add or enable another one first."
    return None


def scope_warnings(user: User, *, teams: str = "teams", worker_id: str = "worker id") -> list[str]:
    """What an account lacks to see anything child-level (shown after adding or changing it);
    ``teams``/``worker_id``: what the fields are called where it is shown."""
    out = []
    if user.role == "asm" and not user.teams:
        out.append(f"An Assistant Service Manager with no {teams} sees no child-level rows.")
    if user.role == "iro" and not user.worker_id:
        out.append(f"An IRO with no {worker_id} sees no child-level rows and cannot log challenges.")
    return out


def ensure_demo_admin(p: Paths | None = None) -> str | None:
    """If there are no users at all, create ``admin`` (role admin) with a generated password and
    return that password (to print once); otherwise return None. Only the hash is stored."""
    p = p or default_paths()
    password = generate_password()
    with _editing(p) as data:
        if data["users"]:
            return None
        now = _now_iso()
        data["users"][DEMO_ADMIN] = _new_record(
            DEMO_ADMIN, role="admin", password=password, now=now, display_name="Demo administrator"
        )
    return password


#: The demo's accounts for the other roles (``iroqa users demo-accounts``): username -> (role, name).
DEMO_ACCOUNTS: dict[str, tuple[str, str]] = {
    "demo-iro": ("iro", "Demo IRO"),
    "demo-asm": ("asm", "Demo Assistant Service Manager"),
    "demo-sm": ("service_manager", "Demo Service Manager"),
    "demo-leader": ("leadership", "Demo Assistant Director"),
    "demo-analyst": ("analyst", "Demo analyst"),
}


def ensure_demo_accounts(
    p: Paths | None, *, asm_teams: Iterable[str], iro_worker_id: str | None
) -> dict[str, str] | None:
    """For the demo only: if the users file is new (no users, or only the demo administrator), create
    one account per non-admin role (:data:`DEMO_ACCOUNTS`), the ASM over ``asm_teams`` and the IRO
    with ``iro_worker_id``, and return ``{username: password}`` (to print once). Otherwise None."""
    p = p or default_paths()
    teams = _check_teams(asm_teams)
    created: dict[str, str] = {}
    with _editing(p) as data:
        if set(data["users"]) - {DEMO_ADMIN}:
            return None
        now = _now_iso()
        for username, (role, name) in DEMO_ACCOUNTS.items():
            password = generate_password()
            data["users"][username] = _new_record(
                username,
                role=role,
                password=password,
                now=now,
                display_name=name,
                teams=teams if role == "asm" else [],
                worker_id=(iro_worker_id or None) if role == "iro" else None,
            )
            created[username] = password
    return created


# --- the sign-in throttle ------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    """How repeated sign-in failures are slowed down (NIST SP 800-63B 5.2.2: rate limiting, with
    no lockout an attacker can use against the account's owner). Three kinds of counter:

    * **a client** (its network address, and its browser session): after ``free_failures``
      failures in a row from one session, or ``address_free_failures`` from one address (several
      people may share an address), that client waits ``base_delay`` seconds before its next
      attempt, doubling with each further failure up to ``max_delay``. It holds only that client.
    * **an account**: failures against a username from any client. After ``free_failures`` of them,
      a client that has itself failed on this username since its last success must wait
      ``delay_after(account failures)`` from *its own* last attempt on it before trying again. A
      client that has not failed on this username is never held by the account's count: the owner,
      from their own browser, signs in at once however many wrong passwords others have typed, and
      an attacker's failures cannot re-lock them (each client's wait runs from its own attempt).

    Attempts while held are refused without checking the password and are not counted. A counter
    is forgotten ``forget_after`` seconds after its last failure. A successful sign-in clears the
    account's count and that client's counters."""

    free_failures: int = 5
    address_free_failures: int = 20
    base_delay: float = 60.0
    max_delay: float = 3600.0
    forget_after: float = 24 * 3600.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ThrottlePolicy:
        """The policy from ``IROQA_SIGNIN_*`` (see docs/access.md); :class:`UserError` for a value that
        is not a number of 0 or more."""
        env = os.environ if env is None else env

        def num(name: str, default: float) -> float:
            raw = (env.get(name) or "").strip()
            try:
                value = float(raw) if raw else default
            except ValueError:
                raise UserError(f"{name} must be a number, not {raw!r}") from None
            if value < 0:
                raise UserError(f"{name} must not be negative")
            return value

        return cls(
            free_failures=max(1, int(num("IROQA_SIGNIN_FREE_FAILURES", cls.free_failures))),
            address_free_failures=max(
                1, int(num("IROQA_SIGNIN_ADDRESS_FREE_FAILURES", cls.address_free_failures))
            ),
            base_delay=num("IROQA_SIGNIN_BASE_DELAY_SECONDS", cls.base_delay),
            max_delay=num("IROQA_SIGNIN_MAX_DELAY_SECONDS", cls.max_delay),
        )

    def delay_after(self, failures: int, free: int | None = None) -> float:
        free = self.free_failures if free is None else free
        if failures < free:
            return 0.0
        return min(self.max_delay, self.base_delay * 2 ** min(failures - free, 60))


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def username_key(username: str) -> str:
    """Throttle key for a username (hashed: the file never holds what people typed)."""
    return "u:" + _h(normalise_username(username)[:256])


def session_key(session_id: str) -> str:
    return "s:" + _h(session_id or "")


def address_key(address: str) -> str:
    return "a:" + _h(address or "")


@dataclass(frozen=True)
class Client:
    """Who is signing in, as far as the throttle can tell: the browser session, and the network
    address when it is known (None from the same machine, or behind a proxy that does not pass
    ``X-Forwarded-For``)."""

    session_id: str
    address: str | None = None

    @property
    def keys(self) -> list[str]:
        return [session_key(self.session_id)] + ([address_key(self.address)] if self.address else [])

    @property
    def id(self) -> str:
        """The client, for the account's per-client record: its address if known, else its session."""
        return self.keys[-1]


#: How many clients' records an account keeps (the most recent); older ones are dropped.
MAX_CLIENTS_PER_ACCOUNT = 1000


class LoginThrottle:
    """Failed sign-in counters, persisted in ``$IROQA_HOME/auth/throttle.json`` under a lock
    (see :class:`ThrottlePolicy`). Layout (every key hashed)::

        {"s:<session>": {"failures": 3, "last": t}, "a:<address>": {...},
         "u:<username>": {"failures": 40, "last": t, "clients": {"a:<address>": {"failures": 2, "last": t}}}}
    """

    def __init__(self, p: Paths | None = None, policy: ThrottlePolicy | None = None):
        self.p = p or default_paths()
        self.policy = policy or ThrottlePolicy.from_env()

    @property
    def file(self) -> Path:
        return auth_dir(self.p) / "throttle.json"

    def _load(self, now: float) -> dict:
        try:
            data = json.loads(self.file.read_bytes())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            k: v
            for k, v in data.items()
            if isinstance(v, dict) and now - float(v.get("last", 0)) < self.policy.forget_after
        }

    @contextlib.contextmanager
    def _editing(self, now: float) -> Iterator[dict]:
        with _locked(auth_dir(self.p) / "throttle.lock"):
            data = self._load(now)
            yield data
            write_private(self.file, json.dumps(data, sort_keys=True).encode())

    def _free(self, key: str) -> int:
        return self.policy.address_free_failures if key.startswith("a:") else self.policy.free_failures

    def retry_after(self, username: str, client: Client, now: float) -> float:
        """Seconds until ``client`` may try ``username`` again (0: the attempt is checked now)."""
        data = self._load(now)
        wait = 0.0
        for k in client.keys:  # the client's own counters
            v = data.get(k)
            if v:
                delay = self.policy.delay_after(int(v.get("failures", 0)), self._free(k))
                wait = max(wait, float(v.get("last", 0)) + delay - now)
        acct = data.get(username_key(username))
        mine = (acct or {}).get("clients", {}).get(client.id)
        if acct and mine and int(mine.get("failures", 0)) > 0:  # only a client that has failed here
            delay = self.policy.delay_after(int(acct.get("failures", 0)))
            wait = max(wait, float(mine.get("last", 0)) + delay - now)
        return max(0.0, wait)

    def failures(self, key: str, now: float) -> int:
        v = self._load(now).get(key)
        return int(v.get("failures", 0)) if v else 0

    def record_failure(self, username: str, client: Client, now: float) -> float:
        """Count one failure against the client and the account; returns how long this client must
        now wait before trying this username again."""
        with self._editing(now) as data:
            for k in client.keys:
                v = data.setdefault(k, {"failures": 0})
                v["failures"] = int(v.get("failures", 0)) + 1
                v["last"] = now
            acct = data.setdefault(username_key(username), {"failures": 0, "clients": {}})
            acct["failures"] = int(acct.get("failures", 0)) + 1
            acct["last"] = now
            clients = acct.setdefault("clients", {})
            mine = clients.pop(client.id, {"failures": 0})
            clients[client.id] = {"failures": int(mine.get("failures", 0)) + 1, "last": now}
            if len(clients) > MAX_CLIENTS_PER_ACCOUNT:
                for old in sorted(clients, key=lambda c: clients[c]["last"])[
                    : len(clients) - MAX_CLIENTS_PER_ACCOUNT
                ]:
                    del clients[old]
        return self.retry_after(username, client, now)

    def succeeded(self, username: str, client: Client, now: float) -> None:
        """A right password: the account's count and this client's counters start again."""
        with self._editing(now) as data:
            data.pop(username_key(username), None)
            for k in client.keys:
                data.pop(k, None)

    def clear_account(self, username: str, now: float) -> bool:
        """Forget every failure against ``username`` (``iroqa users unlock``, the Users page's
        Clear failed sign-ins); True if there were any."""
        with self._editing(now) as data:
            return data.pop(username_key(username), None) is not None

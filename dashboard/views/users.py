"""Users (administrators only): the accounts in ``$IROQA_HOME/users.json`` with their last sign-in,
and what ``iroqa users`` does: add (with a generated password shown once, or a typed one), change
role, teams, worker id, name and email, disable and enable, reset a password, clear failed sign-ins.

Every action re-checks, at the moment it runs, that the signed-in account (re-read from the users
file) may manage users, then writes its ``user_admin`` audit record (``accounts.users.record_admin``,
as the command line does) before changing anything: a change that cannot be audited is not made.
What people type is shown only in tables and widgets (escaped), never as Markdown or HTML."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import polars as pl
import streamlit as st

from accounts import audit, users
from accounts.access import PAGE_USERS, ROLE_POLICY, ROLES, scope_for
from dashboard import auth, data, ui

scope = ui.user_scope()
me = st.session_state.get("user")
auth.require_page(me, scope, PAGE_USERS)

NOTICE = "_iroqa_users_notice"
ROLE_LABELS = {r: f"{r} ({ROLE_POLICY[r].label})" for r in ROLES}

st.title("Users")
st.caption(
    "Who may sign in to IRO QA, with which role, teams and worker id. Every change here is recorded in "
    "the audit log. The same can be done with `iroqa users` (docs/access.md)."
)

# --- what the last action did (a generated password is shown here once, then forgotten) ---------
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.success(ui.plain(notice["message"]), icon=":material/check_circle:")
    for warning in notice.get("warnings", []):
        st.warning(ui.plain(warning))
    if notice.get("password"):
        st.markdown("**The new password**, shown once (only its hash is kept). Pass it on securely:")
        st.code(notice["password"], language=None)


# --- the known teams (from the live build, if one is live) -----------------------------------------
build = data.live()
team_rows = data.teams(build) if build is not None else None
known_teams = team_rows["team_id"].to_list() if team_rows is not None else None


def split_teams(text: str) -> list[str]:
    return [t.strip() for t in (text or "").replace(";", ",").split(",") if t.strip()]


def admin_action(op: str, target: str, change: Callable[[], object], **detail: object) -> bool:
    """Run one user-administration change: check (server-side, now) that the signed-in account may
    manage users, record it, then do it. Shows why not and returns False if it did not happen."""
    current = me
    if me is not None and me.source == "local":  # the account as it is in the file at this moment
        current = users.get_user(None, me.username)
    if not scope_for(current).may_manage_users:
        with contextlib.suppress(audit.AuditError):
            auth.record(me, "access_denied", {"what": "user_admin", "op": op})
        st.error("Only an administrator may manage users. Nothing was changed.")
        return False
    tag = auth.current_session_tag()
    try:
        users.record_admin(current, op, target, session=tag, **detail)
    except audit.AuditError:
        st.error(
            "IRO QA cannot write its audit log just now, so nothing was changed. Tell your IRO QA "
            "administrator (the audit folder may be full or read-only)."
        )
        return False
    try:
        change()
    except users.UserError as exc:  # e.g. someone else changed the file in between
        with contextlib.suppress(audit.AuditError):
            users.record_admin(current, op, target, session=tag, failed=str(exc))
        st.error(f"Nothing was changed: {ui.plain(exc)}")
        return False
    return True


def done(message: str, *, password: str | None = None, account: users.User | None = None) -> None:
    st.session_state[NOTICE] = {
        "message": message,
        "password": password,
        "warnings": users.scope_warnings(account) if account is not None else [],
    }
    st.rerun()


def password_problem(first: str, again: str, username: str) -> str | None:
    if not first and not again:
        return None  # generate one
    if first != again:
        return "The two passwords differ."
    try:
        users.check_password_policy(first, username)
    except users.UserError as exc:
        return str(exc)[:1].upper() + str(exc)[1:] + "."
    return None


def show(slots: dict, problems: dict) -> None:
    for field_name, message in problems.items():
        slot = slots.get(field_name)
        # written by accounts.users.account_problems: nothing typed is repeated, except team ids in
        # code spans (which Markdown shows as they are; an id holding a backtick is shown as "?")
        (slot or st).error(message)


# --- the list --------------------------------------------------------------------------------------
accounts = users.list_users()
last = audit.last_sign_ins()
listing = pl.DataFrame(
    [
        {
            "Username": u.username,
            "Display name": u.display_name,
            "Role": ROLE_LABELS.get(u.role, u.role),
            "Teams": "; ".join(u.teams),
            "Worker id": u.worker_id or "",
            "Email": u.email or "",
            "Digest": u.digest,
            "Status": "disabled" if u.disabled else "active",
            "Last sign-in (UTC)": last[u.username].strftime("%Y-%m-%d %H:%M") if u.username in last else "",
            "Created": (u.created_at or "")[:10],
        }
        for u in accounts
    ],
    schema=dict.fromkeys(
        (
            "Username",
            "Display name",
            "Role",
            "Teams",
            "Worker id",
            "Email",
            "Digest",
            "Status",
            "Last sign-in (UTC)",
            "Created",
        ),
        pl.String,
    ),
)
if listing.is_empty():
    ui.empty("There are no users yet: add the first one below.")
else:
    st.dataframe(listing, hide_index=True, key="users_list")
    st.caption(f"{ui.plural(listing.height, 'user')}; last sign-in from the audit log.")

if team_rows is not None:
    with st.expander("Team ids in the live build"):
        st.dataframe(team_rows.select("team_id", "team_name", "service_name"), hide_index=True)
else:
    st.caption("No build is live, so team ids cannot be checked against the teams yet.")

change_tab, add_tab = st.tabs(["Change a user", "Add a user"])

# --- add ---------------------------------------------------------------------------------------------
with add_tab, st.form("users_add", clear_on_submit=False):
    slots: dict = {}
    username = st.text_input(
        "Username", key="add_username", max_chars=128, help="Lower-case letters, digits and . _ @ + -"
    )
    slots["username"] = st.empty()
    display_name = st.text_input("Display name", key="add_display_name")
    slots["display_name"] = st.empty()
    email = st.text_input(
        "Email (to match sign-ins through the council's identity provider)", key="add_email"
    )
    slots["email"] = st.empty()
    role = st.selectbox(
        "Role", ROLES, format_func=ROLE_LABELS.get, key="add_role", index=None, placeholder="Choose a role"
    )
    slots["role"] = st.empty()
    teams_text = st.text_input(
        "Teams (team ids, comma-separated: an Assistant Service Manager's teams)", key="add_teams"
    )
    slots["teams"] = st.empty()
    worker_id = st.text_input("Worker id (an IRO's case-system worker id)", key="add_worker_id")
    slots["worker_id"] = st.empty()
    pw1 = st.text_input(
        "Password (leave both empty to generate one, shown once)",
        type="password",
        key="add_password",
        max_chars=users.MAX_PASSWORD_LENGTH,
        autocomplete="new-password",
    )
    pw2 = st.text_input(
        "Password again",
        type="password",
        key="add_password_again",
        max_chars=users.MAX_PASSWORD_LENGTH,
        autocomplete="new-password",
    )
    slots["password"] = st.empty()
    add_clicked = st.form_submit_button("Add user", type="primary")

if add_clicked:
    teams = split_teams(teams_text)
    problems = users.account_problems(
        None,
        username=username,
        role=role or "",
        display_name=display_name,
        teams=teams,
        worker_id=worker_id,
        email=email,
        known_teams=known_teams,
        new=True,
    )
    if (problem := password_problem(pw1, pw2, users.normalise_username(username))) is not None:
        problems["password"] = problem
    if problems:
        with add_tab:
            show(slots, problems)
    else:
        name = users.normalise_username(username)
        password = pw1 or users.generate_password()
        made: list[users.User] = []
        if admin_action(
            "add",
            name,
            lambda: made.append(
                users.add_user(
                    None,
                    name,
                    role=role,
                    password=password,
                    display_name=display_name,
                    teams=teams,
                    worker_id=worker_id,
                    email=email,
                )
            ),
            role=role,
            teams=sorted(set(teams)),
            worker_id=worker_id.strip() or None,
            generated_password=not pw1,
        ):
            for k in (
                "add_username",
                "add_display_name",
                "add_email",
                "add_teams",
                "add_worker_id",
                "add_password",
                "add_password_again",
            ):
                st.session_state.pop(k, None)
            st.session_state.pop("add_role", None)
            done(f"Added {name}.", password=None if pw1 else password, account=made[0])

# --- change ------------------------------------------------------------------------------------------
with change_tab:
    if not accounts:
        st.caption("No users to change yet.")
    else:
        by_name = {u.username: u for u in accounts}
        picked = st.selectbox(
            "User",
            list(by_name),
            format_func=lambda n: f"{n} · {by_name[n].role}" + (" · disabled" if by_name[n].disabled else ""),
            key="users_pick",
        )
        target = by_name[picked]
        k = f"{target.username}"
        with st.form(f"users_set_{k}"):
            slots = {}
            s_display = st.text_input("Display name", value=target.display_name, key=f"set_display_name_{k}")
            slots["display_name"] = st.empty()
            s_email = st.text_input("Email", value=target.email or "", key=f"set_email_{k}")
            slots["email"] = st.empty()
            s_role = st.selectbox(
                "Role",
                ROLES,
                format_func=ROLE_LABELS.get,
                key=f"set_role_{k}",
                index=ROLES.index(target.role) if target.role in ROLES else None,
            )
            slots["role"] = st.empty()
            s_teams = st.text_input(
                "Teams (team ids, comma-separated)", value=", ".join(target.teams), key=f"set_teams_{k}"
            )
            slots["teams"] = st.empty()
            s_worker = st.text_input("Worker id", value=target.worker_id or "", key=f"set_worker_id_{k}")
            slots["worker_id"] = st.empty()
            s_digest = st.radio(
                "Notifications",
                users.DIGEST_CHOICES,
                index=users.DIGEST_CHOICES.index(target.digest)
                if target.digest in users.DIGEST_CHOICES
                else 0,
                format_func={"none": "one email each", "weekly": "a weekly digest (Monday)"}.get,
                horizontal=True,
                key=f"set_digest_{k}",
            )
            set_clicked = st.form_submit_button("Save changes", type="primary")
        if set_clicked:
            teams = split_teams(s_teams)
            # teams already on the account stay acceptable even if the live build no longer has them
            known = None if known_teams is None else [*known_teams, *target.teams]
            problems = users.account_problems(
                None,
                username=target.username,
                role=s_role or "",
                display_name=s_display,
                teams=teams,
                worker_id=s_worker,
                email=s_email,
                known_teams=known,
                new=False,
            )
            lock = users.lockout_problem(None, me.username, target.username, role=s_role)
            if lock:
                problems["role"] = lock
            if problems:
                show(slots, problems)
            else:
                changed: list[users.User] = []
                if admin_action(
                    "set",
                    target.username,
                    lambda: changed.append(
                        users.update_user(
                            None,
                            target.username,
                            role=s_role,
                            display_name=s_display,
                            teams=teams,
                            worker_id=s_worker,
                            email=s_email,
                            digest=s_digest,
                        )
                    ),
                    role=s_role,
                    teams=sorted(set(teams)),
                    worker_id=s_worker.strip() or None,
                    display_name=s_display.strip(),
                    email=s_email.strip().lower() or None,
                    digest=s_digest,
                ):
                    done(f"Updated {target.username}.", account=changed[0])

        st.markdown("**Access**")
        row = st.container(horizontal=True)
        if target.disabled:
            if row.button("Enable", key=f"enable_{k}", icon=":material/lock_open:") and admin_action(
                "enable", target.username, lambda: users.enable_user(None, target.username)
            ):
                done(f"Enabled {target.username}.")
        elif row.button("Disable", key=f"disable_{k}", icon=":material/block:"):
            lock = users.lockout_problem(None, me.username, target.username, disable=True)
            if lock:
                st.error(ui.plain(lock))
            elif admin_action("disable", target.username, lambda: users.disable_user(None, target.username)):
                done(f"Disabled {target.username}; their open sessions end at their next click.")
        if row.button(
            "Clear failed sign-ins", key=f"unlock_{k}", icon=":material/restart_alt:"
        ) and admin_action("unlock", target.username, lambda: users.unlock_user(None, target.username)):
            done(f"Forgot the failed sign-ins against {target.username}: they may try again at once.")

        with st.form(f"users_passwd_{k}", clear_on_submit=True):
            st.markdown("**Reset the password**")
            r1 = st.text_input(
                "New password (leave both empty to generate one, shown once)",
                type="password",
                key=f"passwd_{k}",
                max_chars=users.MAX_PASSWORD_LENGTH,
                autocomplete="new-password",
            )
            r2 = st.text_input(
                "New password again",
                type="password",
                key=f"passwd_again_{k}",
                max_chars=users.MAX_PASSWORD_LENGTH,
                autocomplete="new-password",
            )
            pw_slot = st.empty()
            reset_clicked = st.form_submit_button("Reset password")
        if reset_clicked:
            problem = password_problem(r1, r2, target.username)
            if problem:
                pw_slot.error(ui.plain(problem))
            else:
                new_password = r1 or users.generate_password()
                if admin_action(
                    "passwd",
                    target.username,
                    lambda: users.set_password(None, target.username, new_password),
                    generated_password=not r1,
                ):
                    done(
                        f"Changed the password of {target.username}; their open sessions end at their next click.",
                        password=None if r1 else new_password,
                    )

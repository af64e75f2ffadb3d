"""Who may see and do what: the role policy as one table, and the :class:`Scope` each user gets.

The policy is data (:data:`ROLE_POLICY`), not ``if role == ...`` scattered through pages. A page,
a query or a form asks the user's :class:`Scope`:

* **rows**: which child-level rows are visible: ``all``, the user's ``teams``, the user's ``own``
  challenges (``iro_worker_id`` equals the user's worker id), or ``none`` (aggregates only);
* **identifiers**: whether the case-system ``child_id`` may be shown (only ever on the case timeline);
  everywhere else, and in every child-level export, a child is shown by a keyed pseudonym
  (``C-`` and 12 hex digits) that is stable across builds but cannot be turned back into the id
  without the key in ``$IROQA_HOME/auth/pseudonym.key``;
* **actions**: log a new challenge; act on (respond, escalate, resolve, refer) ``own`` challenges,
  ``all`` challenges in the user's rows, or ``none``;
* **admin**: manage users, read the audit;
* **exports** and **pages** (by kind, see :data:`PAGE_KINDS`).

Everything fails closed: an unknown role, a disabled user, an ASM with no teams or an IRO with no
worker id sees no child-level rows and may do nothing.

SQL: :meth:`Scope.where` returns a condition with ``?`` placeholders and its parameters, in the
style of ``dashboard.data.Filters.where``, to AND into every child-level query. Values are always
bound parameters; column names and aliases are checked to be plain identifiers.

Small-number suppression for aggregates: :func:`suppress_small_counts` and
:func:`suppress_threshold` (``IROQA_SUPPRESS_BELOW``, default 5: counts 1 to 4 become ``"<5"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from accounts.suppression import Totals, suppress_table, suppress_threshold
from warehouse.pseudonyms import pseudonym_key

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

__all__ = ["suppress_threshold"]  # suppression's setting, named here with the rest of the policy

# --- the vocabulary -----------------------------------------------------------------------------

ROWS_ALL, ROWS_TEAMS, ROWS_OWN, ROWS_NONE = "all", "teams", "own", "none"
ACT_ALL, ACT_OWN, ACT_NONE = "all", "own", "none"

# Page kinds. The dashboard maps each of its pages to one kind and shows it only if
# ``scope.may_view(kind)``.
PAGE_AGGREGATE = "aggregate"  # overview, trends, themes: counts only
PAGE_CHILD_LIST = "child_list"  # lists of challenges, one row per child/challenge (meeting, team, mine)
PAGE_CASE_TIMELINE = "case_timeline"  # one challenge's history; the only place child_id may appear
PAGE_LOG_FORM = "log_form"  # log a challenge / record a response, escalation, resolution, referral
PAGE_USERS = "users"  # user administration
PAGE_AUDIT = "audit"  # the audit log
PAGE_RESPOND = "respond"  # a manager's challenges to respond to (notify/, docs/notifications.md)
PAGE_OUTBOX = "outbox"  # the notification outbox: every email, its recipient's address and text
PAGE_KINDS = (
    PAGE_AGGREGATE,
    PAGE_CHILD_LIST,
    PAGE_CASE_TIMELINE,
    PAGE_LOG_FORM,
    PAGE_USERS,
    PAGE_AUDIT,
    PAGE_RESPOND,
    PAGE_OUTBOX,
)

EXPORT_AGGREGATE = "aggregate"  # counts, small numbers suppressed
EXPORT_CHILD_LEVEL = "child_level"  # one row per challenge, pseudonymised child reference only
EXPORT_AUDIT = "audit"  # the audit log
EXPORT_KINDS = (EXPORT_AGGREGATE, EXPORT_CHILD_LEVEL, EXPORT_AUDIT)


class Principal(Protocol):
    """What the policy reads of a signed-in person (an ``accounts.users.User``), so the policy needs
    nothing from the users file."""

    username: str
    role: str
    teams: tuple[str, ...]
    worker_id: str | None
    disabled: bool


@dataclass(frozen=True)
class RolePolicy:
    label: str
    rows: str  # ROWS_*
    show_child_id: bool  # the case-system child_id, on the case timeline only
    may_log: bool  # log a new challenge
    act_on: str  # ACT_*
    may_manage_users: bool
    may_read_audit: bool
    exports: frozenset[str]
    pages: frozenset[str]
    suppress_on_screen: bool  # small counts suppressed on screen too, not only in exports
    who: str = ""  # who holds the role, for the docs


def _fs(*items: str) -> frozenset[str]:
    return frozenset(items)


_CHILD_PAGES = (PAGE_AGGREGATE, PAGE_CHILD_LIST, PAGE_CASE_TIMELINE)

#: The policy. One row per role; changing what a role may do is a change to this table (and to the
#: table in docs/access.md, which a test keeps in step with it).
ROLE_POLICY: dict[str, RolePolicy] = {
    "iro": RolePolicy(
        label="IRO / Conference Chair",
        who="Independent Reviewing Officers and Conference Chairs",
        rows=ROWS_OWN,
        show_child_id=True,
        may_log=True,
        act_on=ACT_OWN,
        may_manage_users=False,
        may_read_audit=False,
        exports=_fs(EXPORT_AGGREGATE),
        pages=_fs(*_CHILD_PAGES, PAGE_LOG_FORM),
        suppress_on_screen=False,
    ),
    "asm": RolePolicy(
        label="Assistant Service Manager",
        who="IRO / Chair team managers",
        rows=ROWS_TEAMS,
        show_child_id=True,
        may_log=False,
        act_on=ACT_ALL,
        may_manage_users=False,
        may_read_audit=False,
        exports=_fs(EXPORT_AGGREGATE, EXPORT_CHILD_LEVEL),
        pages=_fs(*_CHILD_PAGES, PAGE_LOG_FORM),
        suppress_on_screen=False,
    ),
    "service_manager": RolePolicy(
        label="Service Manager / Head of Service",
        who="Service Managers and Heads of Service",
        rows=ROWS_ALL,
        show_child_id=True,
        may_log=False,
        act_on=ACT_NONE,
        may_manage_users=False,
        may_read_audit=False,
        exports=_fs(EXPORT_AGGREGATE, EXPORT_CHILD_LEVEL),
        pages=_fs(*_CHILD_PAGES),
        suppress_on_screen=False,
    ),
    "leadership": RolePolicy(
        label="Leadership / challenge meeting",
        who="Assistant Director, Agency Decision Maker, the monthly challenge meeting (projected screen)",
        rows=ROWS_ALL,
        show_child_id=False,
        may_log=False,
        act_on=ACT_NONE,
        may_manage_users=False,
        may_read_audit=False,
        exports=_fs(EXPORT_AGGREGATE, EXPORT_CHILD_LEVEL),
        pages=_fs(*_CHILD_PAGES),
        suppress_on_screen=False,
    ),
    "analyst": RolePolicy(
        label="Analyst",
        who="Performance and data analysts",
        rows=ROWS_NONE,
        show_child_id=False,
        may_log=False,
        act_on=ACT_NONE,
        may_manage_users=False,
        may_read_audit=False,
        exports=_fs(EXPORT_AGGREGATE),
        pages=_fs(PAGE_AGGREGATE),
        suppress_on_screen=True,
    ),
    "responder": RolePolicy(
        label="Manager who responds",
        who=(
            "Team Managers, Service Managers, Heads of Service, Assistant Directors: by worker id, "
            "only the challenges they must respond to or are told about (the Respond page)"
        ),
        rows=ROWS_NONE,
        show_child_id=False,
        may_log=False,
        act_on=ACT_NONE,
        may_manage_users=False,
        may_read_audit=False,
        exports=frozenset(),
        pages=_fs(PAGE_RESPOND),
        suppress_on_screen=True,
    ),
    "admin": RolePolicy(
        label="Administrator",
        who="The system administrator (user accounts, audit); no child-level data",
        rows=ROWS_NONE,
        show_child_id=False,
        may_log=False,
        act_on=ACT_NONE,
        may_manage_users=True,
        may_read_audit=True,
        exports=_fs(EXPORT_AGGREGATE, EXPORT_AUDIT),
        pages=_fs(PAGE_AGGREGATE, PAGE_USERS, PAGE_AUDIT, PAGE_OUTBOX),
        suppress_on_screen=True,
    ),
}

ROLES: tuple[str, ...] = tuple(ROLE_POLICY)

# A policy that allows nothing: for unknown roles and disabled users.
_NOTHING = RolePolicy(
    label="No access",
    rows=ROWS_NONE,
    show_child_id=False,
    may_log=False,
    act_on=ACT_NONE,
    may_manage_users=False,
    may_read_audit=False,
    exports=frozenset(),
    pages=frozenset(),
    suppress_on_screen=True,
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def _ident(name: str, what: str) -> str:
    if not _IDENT.match(name or ""):
        raise ValueError(f"{what} must be a plain SQL identifier, not {name!r}")
    return name


def _column(name: str, what: str) -> str:
    """A column reference, optionally qualified (``c.team_id``): constant text from the data layer,
    checked anyway so that nothing else can reach the SQL."""
    if not _COLUMN.match(name or ""):
        raise ValueError(f"{what} must be a column name like team_id or c.team_id, not {name!r}")
    return name


class _Positional:
    """Binder for ``?`` placeholders: collects values in order."""

    def __init__(self) -> None:
        self.values: list = []

    def bind(self, value: object) -> str:
        self.values.append(value)
        return "?"


def _prefix(alias: str) -> str:
    return f"{_ident(alias, 'alias')}." if alias else ""


#: What :meth:`Scope.restrict_filters` returns for a team-restricted scope with no teams: one team
#: id that no case system uses, so a filter on it matches nothing (``()`` would mean "all teams").
NO_TEAMS: tuple[str, ...] = ("\u2205 no team in scope",)


class AccessDenied(PermissionError):
    """The signed-in user may not do this. The message is safe to show."""


# --- the scope ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What one signed-in user may see and do. Immutable and hashable, so it can be passed to
    ``st.cache_data`` functions beside ``Filters`` (it is part of the cache key)."""

    username: str
    role: str
    rows: str = ROWS_NONE
    #: Teams whose rows the user may see and filter on. ``None`` means every team. For ``rows='own'``
    #: this is None (the restriction is the worker id); for ``rows='teams'`` it is the user's teams.
    team_ids: tuple[str, ...] | None = ()
    worker_id: str | None = None
    show_child_id: bool = False
    may_log: bool = False
    act_on: str = ACT_NONE
    may_manage_users: bool = False
    may_read_audit: bool = False
    exports: frozenset[str] = field(default_factory=frozenset)
    pages: frozenset[str] = field(default_factory=frozenset)
    suppress_on_screen: bool = True

    # -- rows --

    @property
    def child_rows(self) -> bool:
        """Whether the user may see any child-level rows at all (and whether they actually can:
        an ASM with no teams or an IRO with no worker id can not)."""
        if self.rows == ROWS_ALL:
            return True
        if self.rows == ROWS_TEAMS:
            return bool(self.team_ids)
        if self.rows == ROWS_OWN:
            return bool(self.worker_id)
        return False

    def sql(self, p, *, team: str = "team_id", worker: str = "iro_worker_id") -> str:
        """The condition limiting a child-level query to the rows this user may see, binding its
        values through ``p.bind(value)`` (``dashboard.data._Params`` style, ``$p1``...)::

            p = _Params()
            where = filters.sql(p, team="c.team_id") + " and " + scope.sql(p, team="c.team_id",
                                                                          worker="c.iro_worker_id")

        ``team`` / ``worker`` name the columns holding the row's team and the raising IRO's worker id
        (qualified names allowed). A row whose team or worker is NULL is never visible to a team- or
        own-restricted user.
        """
        team_col = _column(team, "team")
        worker_col = _column(worker, "worker")
        if not self.child_rows:
            return "false"
        if self.rows == ROWS_ALL:
            return "true"
        if self.rows == ROWS_TEAMS:
            return f"{team_col} in (select unnest({p.bind(list(self.team_ids or ()))}::varchar[]))"
        if self.rows == ROWS_OWN:
            return f"{worker_col} = {p.bind(self.worker_id)}"
        return "false"  # pragma: no cover - child_rows covers every other case

    def where(
        self, alias: str = "", *, team_column: str = "team_id", worker_column: str = "iro_worker_id"
    ) -> tuple[str, list]:
        """:meth:`sql` with ``?`` placeholders: ``(condition, params)``, in the style of the original
        ``Filters.where``. AND it into every query that returns child-level rows::

            swhere, sparams = scope.where("c")
            sql = f"select ... from fct_challenges c where {fwhere} and {swhere}"
            cur.execute(sql, fparams + sparams)
        """
        col = _prefix(alias)
        b = _Positional()
        cond = self.sql(
            b,
            team=col + _ident(team_column, "team_column"),
            worker=col + _ident(worker_column, "worker_column"),
        )
        return cond, b.values

    def row_visible(self, *, team_id: str | None, iro_worker_id: str | None) -> bool:
        """Python twin of :meth:`where`, for one row already in hand (e.g. before a write)."""
        if not self.child_rows:
            return False
        if self.rows == ROWS_ALL:
            return True
        if self.rows == ROWS_TEAMS:
            return team_id is not None and team_id in (self.team_ids or ())
        if self.rows == ROWS_OWN:
            return iro_worker_id is not None and iro_worker_id == self.worker_id
        return False  # pragma: no cover

    def restrict_filters(self, requested_team_ids: Iterable[str] | None) -> tuple[str, ...]:
        """The teams to filter on, given what the sidebar / URL asks for. Never wider than the scope:

        * unrestricted scope (``team_ids is None``): what was asked for, as asked (empty = all);
        * team-restricted scope: the asked-for teams that are in scope, in the order asked; if none
          was asked for, or none of those asked for is in scope, all of the user's teams (their
          default view; a link naming someone else's team shows your own, never theirs);
        * a restricted scope with no teams (an ASM not yet given any, or a scope that allows
          nothing): :data:`NO_TEAMS`, a team id that matches no row.

        The result is never empty for a restricted scope, because ``Filters`` reads ``()`` as "all".
        """
        requested = [t for t in dict.fromkeys(requested_team_ids or ()) if isinstance(t, str)]
        if self.team_ids is None:
            return tuple(requested)
        allowed = set(self.team_ids)
        chosen = tuple(t for t in requested if t in allowed)
        return chosen or tuple(self.team_ids) or NO_TEAMS

    def visible_teams(self, team_ids: Iterable[str]) -> list[str]:
        """The sidebar's team options: ``team_ids`` less those outside the scope."""
        if self.team_ids is None:
            return list(team_ids)
        allowed = set(self.team_ids)
        return [t for t in team_ids if t in allowed]

    # -- identifiers --

    def child_label(
        self,
        p,
        *,
        child_id: str = "child_id",
        case_ref: str | None = None,
        on_case_timeline: bool = False,
        key: str | None = None,
    ) -> str:
        """A SQL expression for how a child is labelled in a query's output (select it
        ``as child_ref``; never select ``child_id`` any other way): the case-system ``child_id`` only
        on the case timeline and only if the role allows it; otherwise the pseudonym, either the
        ``case_ref`` column if one is named, or the keyed pseudonym computed here
        (``C-`` + 12 hex digits of SHA-256(key || child_id), the same as ``warehouse.pseudonyms.pseudonym``)."""
        child_col = _column(child_id, "child_id")
        if on_case_timeline and self.show_child_id:
            return child_col
        if case_ref is not None:
            return _column(case_ref, "case_ref")
        bound = p.bind(key if key is not None else pseudonym_key())
        return f"('C-' || upper(substr(sha256({bound} || {child_col}), 1, 12)))"

    def child_label_sql(
        self,
        alias: str = "",
        *,
        on_case_timeline: bool = False,
        key: str | None = None,
        column: str = "child_id",
    ) -> tuple[str, list]:
        """:meth:`child_label` with ``?`` placeholders: ``(expression, params)``."""
        b = _Positional()
        expr = self.child_label(
            b, child_id=_prefix(alias) + _ident(column, "column"), on_case_timeline=on_case_timeline, key=key
        )
        return expr, b.values

    # -- actions --

    def may_view(self, page_kind: str) -> bool:
        if page_kind in (PAGE_CHILD_LIST, PAGE_CASE_TIMELINE) and not self.child_rows:
            return False
        if page_kind == PAGE_LOG_FORM and not (
            self.may_log_challenges or (self.act_on != ACT_NONE and self.child_rows)
        ):
            return False
        return page_kind in self.pages

    def may_export(self, kind: str) -> bool:
        if kind == EXPORT_CHILD_LEVEL and not self.child_rows:
            return False
        return kind in self.exports

    @property
    def may_log_challenges(self) -> bool:
        """May log a new challenge (raised in the user's own name: the form sets
        ``raised_by_worker_id`` to ``scope.worker_id``; it is not a choice)."""
        return self.may_log and bool(self.worker_id) and self.child_rows

    def may_act_on(self, *, iro_worker_id: str | None, team_id: str | None = None) -> bool:
        """May record a response, escalate, resolve or refer on this challenge."""
        if not self.row_visible(team_id=team_id, iro_worker_id=iro_worker_id):
            return False
        if self.act_on == ACT_ALL:
            return True
        if self.act_on == ACT_OWN:
            return bool(self.worker_id) and iro_worker_id == self.worker_id
        return False

    def act_sql(self, p, *, team: str = "team_id", worker: str = "iro_worker_id") -> str:
        """SQL twin of :meth:`may_act_on`: the challenges this user may act on (the form's list)."""
        if self.act_on == ACT_NONE:
            return "false"
        cond = self.sql(p, team=team, worker=worker)
        if self.act_on == ACT_OWN:
            if not self.worker_id:
                return "false"
            return f"({cond}) and {_column(worker, 'worker')} = {p.bind(self.worker_id)}"
        return cond

    def act_where(
        self, alias: str = "", *, team_column: str = "team_id", worker_column: str = "iro_worker_id"
    ) -> tuple[str, list]:
        """:meth:`act_sql` with ``?`` placeholders: ``(condition, params)``."""
        col = _prefix(alias)
        b = _Positional()
        cond = self.act_sql(
            b,
            team=col + _ident(team_column, "team_column"),
            worker=col + _ident(worker_column, "worker_column"),
        )
        return cond, b.values

    def require(self, allowed: bool, what: str) -> None:
        """Raise :class:`AccessDenied` unless ``allowed``: the server-side check before a write or
        an export, whatever the page showed."""
        if not allowed:
            raise AccessDenied(f"Your role ({ROLE_POLICY.get(self.role, _NOTHING).label}) may not {what}.")


def scope_for(user: Principal | None) -> Scope:
    """The scope for a signed-in user. ``None``, a disabled user or an unknown role get a scope
    that allows nothing."""
    if user is None:
        return Scope(username="", role="")
    policy = ROLE_POLICY.get(user.role)
    if policy is None or user.disabled:
        return Scope(username=user.username, role=user.role)
    team_ids = tuple(sorted(set(user.teams))) if policy.rows == ROWS_TEAMS else None
    return Scope(
        username=user.username,
        role=user.role,
        rows=policy.rows,
        team_ids=team_ids,
        worker_id=user.worker_id or None,
        show_child_id=policy.show_child_id,
        may_log=policy.may_log,
        act_on=policy.act_on,
        may_manage_users=policy.may_manage_users,
        may_read_audit=policy.may_read_audit,
        exports=policy.exports,
        pages=policy.pages,
        suppress_on_screen=policy.suppress_on_screen,
    )


# --- small-number suppression -----------------------------------------------------------------------


def suppression_marker(threshold: int) -> str:
    return f"<{threshold}"


def suppress_small_counts(
    df: pl.DataFrame,
    count_columns: Sequence[str],
    threshold: int | None = None,
    marker: str | None = None,
    totals: Totals | None = None,
) -> pl.DataFrame:
    """Replace counts from 1 to ``threshold - 1`` in ``count_columns`` with ``marker`` (default
    ``"<threshold"``, e.g. ``"<5"``), and, where ``totals`` says which figures are totals of others,
    as many more as it takes that no total gives a hidden count back (secondary suppression:
    ``accounts.suppression``, the one implementation). Zero and counts at or above the threshold are
    otherwise kept. The count columns become text columns (a number or the marker); nulls stay null."""
    return suppress_table(df, count_columns, totals, threshold, marker)


# --- the policy as a Markdown table (docs/access.md embeds it; a test keeps them equal) -----------


def policy_markdown() -> str:
    def yn(b: bool) -> str:
        return "yes" if b else "no"

    rows_text = {
        ROWS_ALL: "all teams",
        ROWS_TEAMS: "their teams",
        ROWS_OWN: "their own challenges",
        ROWS_NONE: "none (aggregates only)",
    }
    act_text = {ACT_ALL: "any in their rows", ACT_OWN: "their own", ACT_NONE: "none"}
    lines = [
        "| role | who | child-level rows | case-system child_id (case timeline only) | log a challenge "
        "| act on challenges | pages | exports | small counts suppressed on screen | manage users, read audit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for role, pol in ROLE_POLICY.items():
        pages = ", ".join(k for k in PAGE_KINDS if k in pol.pages)
        exports = ", ".join(k for k in EXPORT_KINDS if k in pol.exports)
        admin = ", ".join(x for x, b in (("users", pol.may_manage_users), ("audit", pol.may_read_audit)) if b)
        lines.append(
            f"| `{role}` | {pol.who} | {rows_text[pol.rows]} | {yn(pol.show_child_id)} | {yn(pol.may_log)} "
            f"| {act_text[pol.act_on]} | {pages} | {exports} | {yn(pol.suppress_on_screen)} | {admin or 'no'} |"
        )
    return "\n".join(lines)

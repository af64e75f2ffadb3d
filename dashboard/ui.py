"""Shared page furniture: the sidebar filters (bound to the URL), the page header with the as-at
date and build time, empty states, tables with their CSV and Excel downloads, charts, and the links
from a case to its timeline. No SQL here: everything comes from the dashboard.data package."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime

import altair as alt
import polars as pl
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

from accounts import audit, suppression
from accounts.access import EXPORT_AGGREGATE, EXPORT_CHILD_LEVEL, Scope, scope_for, suppress_small_counts
from accounts.suppression import Totals
from dashboard import data, pack
from dashboard.data import Filters
from dashboard.text import plain, working_days
from dashboard.text import plural as plural  # the pages' ui.plural
from reports import charts
from warehouse import csvsafe
from warehouse.store import LiveBuild

LEGAL_STATUS_LABELS = {
    "lac": "Looked after (LAC)",
    "cp": "Child protection (CP)",
    "cin": "Child in need (CIN)",
}
LEGAL_STATUS_SHORT = {"lac": "LAC", "cp": "CP", "cin": "CIN"}
TIMELINE_PAGE = "views/case_timeline.py"
# The measures' one wording (docs/marts.md, "Measures"), shown as the help of every figure that
# counts them; the numbers themselves come from dbt's columns of the same names.
MEASURE_HELP = {
    "awaiting_response_past_due": (
        "Responses overdue: stages still open with no response yet, whose response due date is before "
        "the as-at date. A response that came after its due date is counted as responded late, not here."
    ),
    "responded_late": "Responded late: the first response at a stage came after its due date.",
    "cap_breached": (
        "Past the cap: formal escalations still open after the 20th working day from the formal start "
        "(the IRO Handbook's timescale)."
    ),
}
FILTER_KEYS = ("from", "to", "service", "team", "status", "stage", "theme")


# --------------------------------------------------------------------------------------------
# Words and dates
# --------------------------------------------------------------------------------------------


def long_date(d: date | str | None) -> str:
    if d is None:
        return ""
    d = date.fromisoformat(d) if isinstance(d, str) else d
    return f"{d.day} {d:%B %Y}"


def short_date(d: date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else ""


def month_label(d: date) -> str:
    return f"{d:%b %Y}"


def and_list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def user_scope() -> Scope:
    """The signed-in user's scope, set by app.py on every run (a scope allowing nothing if absent)."""
    scope = st.session_state.get("scope")
    return scope if isinstance(scope, Scope) else scope_for(None)


def filters() -> Filters:
    """The filters the sidebar (rendered by app.py before the page) selected."""
    return st.session_state.get("filters") or Filters()


def team_labels(build: LiveBuild) -> dict[str, str]:
    """team_id -> the name managers know, made unique if two teams share a name."""
    rows = data.teams(build)
    names = rows["team_name"].to_list()
    return {
        tid: (name if names.count(name) == 1 else f"{name} ({tid})")
        for tid, name in zip(rows["team_id"], names, strict=True)
    }


def _filter_parts(build: LiveBuild, f: Filters) -> list[str]:
    parts = []
    if f.services:
        parts.append(and_list(list(f.services)))
    if f.teams:
        labels = team_labels(build)
        parts.append(and_list([labels.get(t, t) for t in f.teams]))
    if f.legal_statuses:
        parts.append(and_list([LEGAL_STATUS_SHORT.get(s, s) for s in f.legal_statuses]) + " children")
    if f.stages:
        names = stage_option_labels(build)
        parts.append(and_list([names.get(s, s) for s in f.stages]))
    if f.themes:
        labels = dict(zip(data.themes(build)["theme_code"], data.themes(build)["theme_label"], strict=True))
        parts.append(
            ("theme " if len(f.themes) == 1 else "themes ") + and_list([labels.get(t, t) for t in f.themes])
        )
    return parts


def scope(build: LiveBuild, f: Filters, *, period: bool = False) -> str:
    """The filters in words, for sentences: "for Looked After Team 1; LAC children; theme Placement
    suitability in Jan 2026 to Oct 2026". Empty when nothing is filtered."""
    parts = _filter_parts(build, f)
    text = ("for " + "; ".join(parts)) if parts else ""
    if period and (f.month_from or f.month_to):
        text = (text + " " if text else "") + "in " + period_words(f)
    return text


def filter_summary(build: LiveBuild, f: Filters, *, period: bool = False) -> str:
    """The filters as a heading line: "Looked After Team 1 · LAC children · Jan 2026 to Oct 2026"."""
    parts = _filter_parts(build, f)
    if period and (f.month_from or f.month_to):
        parts.append(period_words(f))
    return " · ".join(parts)


def period_words(f: Filters) -> str:
    if f.month_from and f.month_to:
        if f.month_from == f.month_to:
            return month_label(f.month_from)
        return f"{month_label(f.month_from)} to {month_label(f.month_to)}"
    return "all months"


# --------------------------------------------------------------------------------------------
# Page furniture
# --------------------------------------------------------------------------------------------


def no_data() -> None:
    st.info(
        "**There is no data in IRO QA yet.** Load case-system extracts with "
        "`iroqa ingest PATH` and build the warehouse with `iroqa build` "
        "(or run `make run`, which loads the demo data). This page fills in as soon as a build is live."
    )


AS_AT_LIVE = "live"


def as_at_label(choice: str, snapshots: dict[str, LiveBuild]) -> str:
    snap = snapshots.get(choice)
    return "Live (latest figures)" if snap is None else f"{long_date(snap.as_at)} (month end)"


def as_at_choice(live: LiveBuild | None) -> LiveBuild | None:
    """The sidebar's "As at" choice, bound to the URL (``?as_at=2026-09``): live, or a month end
    that has a snapshot (warehouse/snapshots.py). Returns the build the pages show: the live one,
    or the chosen snapshot's. A viewer on a snapshot stays on it when a new live build lands (the
    live-build watcher reruns the page; the choice is kept), and live viewers never see a snapshot."""
    snapshots = {s.as_at[:7]: s for s in data.month_end_snapshots()}
    if not snapshots:
        st.session_state.pop("as_at", None)
        return live
    options = [AS_AT_LIVE, *snapshots] if live is not None else list(snapshots)
    with st.sidebar:
        chosen = st.selectbox(
            "As at",
            options,
            index=0,
            format_func=lambda c: as_at_label(c, snapshots),
            key="as_at",
            bind="query-params",
            help="Live shows the latest build. A month end shows the figures exactly as they stood "
            "at that month's last day (a kept snapshot), to reproduce a past meeting's pack.",
        )
    return snapshots.get(chosen, live)


def shown_build() -> LiveBuild | None:
    """The build this run shows (the sidebar's "As at" choice, dashboard/app.py), else the live one."""
    chosen = st.session_state.get("_as_at_build")
    return chosen if chosen is not None else data.live()


def is_snapshot(build: LiveBuild) -> bool:
    return build.mode == "snapshot"


def require_build(title: str, *, live_only: bool = False) -> LiveBuild:
    """The build the page shows (the "As at" choice; ``live_only`` for pages that write, which
    always work on the live build), or the no-data message and a stop."""
    build = data.live() if live_only else shown_build()
    if build is None:
        st.title(title)
        no_data()
        st.stop()
    return build


def latest_update_failure(build: LiveBuild) -> str | None:
    """Why the latest update failed, if it did: the background rebuild's last error while it keeps
    failing, or a damaged live file (checked once per build by the sidebar, dashboard/app.py)."""
    from warehouse import live as live_builds

    damaged = st.session_state.get("_damage_checked")
    if damaged and damaged[0] == build.build_id and damaged[1]:
        return damaged[1]
    status = live_builds.rebuild_status()
    if status.last_error and status.consecutive_failures:
        return status.last_error
    return None


def update_failed_line(build: LiveBuild | None, error: str | None) -> str:
    """The sidebar's line when the latest update failed: the figures' time and the reason (its
    first line, short, as plain text)."""
    lines = [line.strip() for line in (error or "").splitlines() if line.strip()]
    reason = lines[0][:160] if lines else "unknown"
    reason = re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", reason)
    reason = re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", reason)  # shown as typed
    when = f"{build.built_at[:10]} {build.built_at[11:16]} UTC" if build else "no build yet"
    return f":material/warning: Figures as of {when}; the latest update failed: {reason}"


def header(title: str, build: LiveBuild, *, period: bool = False) -> None:
    st.title(title)
    info = data.build_info(build)
    built = datetime.fromisoformat(build.built_at)
    protocol = plain(info.get("protocol_name") or build.protocol)
    if is_snapshot(build):
        st.caption(
            f"As at **{long_date(build.as_at)} (month-end snapshot)** · {protocol} · "
            f"snapshot built {built:%d %b %Y %H:%M} UTC · choose Live under As at for the latest figures"
        )
        failure = None
    else:
        st.caption(
            f"As at **{long_date(build.as_at)}** · {protocol} · warehouse built {built:%d %b %Y %H:%M} UTC"
        )
        failure = latest_update_failure(build)
    if failure:
        st.caption(update_failed_line(build, failure))
    words = filter_summary(build, filters(), period=period)
    if words:
        st.markdown(f"**Showing:** {plain(words)}")


def empty(message: str) -> None:
    """A note that there is nothing to show; shown as plain text (it names teams and themes)."""
    st.info(plain(message), icon=":material/info:")


def stage_option_labels(build: LiveBuild) -> dict[str, str]:
    out = {}
    for r in data.stages(build).iter_rows(named=True):
        if r["stage_key"] == "informal":
            out["informal"] = f"Informal ({r['stage_name']})"
        elif r["stage_key"] == "cafcass":
            out["cafcass"] = "CAFCASS referral"
        else:
            out[r["stage_key"]] = f"{r['stage_label']}: {r['stage_name']}"
    return out


def month_choices(build: LiveBuild) -> list[date]:
    first, last = data.first_month(build), data.month_start(data.as_at(build))
    months, m = [], first
    while m <= last:
        months.append(m)
        m = data.add_months(m, 1)
    return months or [last]


def clear_filters() -> None:
    for k in FILTER_KEYS:
        st.session_state.pop(k, None)


def sidebar_filters(build: LiveBuild, scope: Scope | None = None) -> Filters:
    """The filters every page shares. Bound to the URL, so a filtered view is a link to paste."""
    with st.sidebar:
        st.header("Filters")
        months = month_choices(build)
        default_from = max(0, len(months) - 10)  # the last 10 months, as the monthly report
        c1, c2 = st.columns(2)
        m_from = c1.selectbox(
            "From", months, index=default_from, format_func=month_label, key="from", bind="query-params"
        )
        m_to = c2.selectbox(
            "To", months, index=len(months) - 1, format_func=month_label, key="to", bind="query-params"
        )
        if m_from and m_to and m_from > m_to:
            m_from, m_to = m_to, m_from
            st.caption("The period runs from the earlier month to the later one.")
        team_rows = data.teams(build)
        scope = scope if scope is not None else user_scope()
        in_scope = team_rows.filter(
            pl.col("team_id").is_in(scope.visible_teams(team_rows["team_id"].to_list()))
        )
        services = sorted(set(in_scope["service_name"].drop_nulls().to_list()))
        chosen_services = st.multiselect(
            "Service", services, key="service", bind="query-params", placeholder="All services"
        )
        labels = team_labels(build)
        team_ids = scope.visible_teams(team_rows["team_id"].to_list())
        chosen_teams = st.multiselect(
            "Team",
            options=team_ids,
            format_func=lambda t: labels.get(t, t),
            key="team",
            bind="query-params",
            placeholder="All teams",
        )
        chosen_status = st.multiselect(
            "Legal status",
            options=list(LEGAL_STATUS_LABELS),
            format_func=lambda s: LEGAL_STATUS_LABELS.get(s, s),
            key="status",
            bind="query-params",
            placeholder="All children",
        )
        stage_labels = stage_option_labels(build)
        chosen_stages = st.multiselect(
            "Stage",
            options=list(stage_labels),
            format_func=lambda s: stage_labels.get(s, s),
            key="stage",
            bind="query-params",
            placeholder="All stages",
        )
        theme_rows = data.themes(build)
        theme_labels = dict(zip(theme_rows["theme_code"], theme_rows["theme_label"], strict=True))
        chosen_themes = st.multiselect(
            "Theme",
            options=list(theme_labels),
            format_func=lambda t: theme_labels.get(t, t),
            key="theme",
            bind="query-params",
            placeholder="All themes",
        )
        st.button("Clear filters", on_click=clear_filters, icon=":material/filter_alt_off:")
        st.caption("The address bar keeps these filters: copy it to share exactly this view.")
    return Filters(
        month_from=m_from,
        month_to=m_to,
        # never wider than the scope, whatever the URL asked for
        teams=tuple(scope.restrict_filters(chosen_teams)),
        services=tuple(chosen_services),
        legal_statuses=tuple(chosen_status),
        stages=tuple(chosen_stages),
        themes=tuple(chosen_themes),
    )


# --------------------------------------------------------------------------------------------
# Tables and downloads
# --------------------------------------------------------------------------------------------


def _flat(df: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with '; ' so the table fits CSV and Excel cells."""
    return df.with_columns(
        pl.col(c).cast(pl.List(pl.String)).list.join("; ")
        for c, t in df.schema.items()
        if isinstance(t, pl.List)
    )


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    """The CSV download: formulas neutralised, UTF-8 with a byte-order mark (warehouse.csvsafe)."""
    return csvsafe.csv_bytes(_flat(df))


def to_xlsx_bytes(df: pl.DataFrame, sheet: str = "Data") -> bytes:
    buf = io.BytesIO()
    sheet = re.sub(r"[\[\]:*?/\\]", " ", sheet)[:31] or "Data"
    _flat(df).write_excel(
        buf, worksheet=sheet, autofit=True, freeze_panes=(1, 0), dtype_formats={pl.Date: "d mmm yyyy"}
    )
    return buf.getvalue()


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "table"


def _count_columns(df: pl.DataFrame) -> list[str]:
    return [c for c, t in df.schema.items() if t.is_integer()]


def suppressed(df: pl.DataFrame, totals: Totals | None = None) -> pl.DataFrame:
    """Small counts (every whole-number column) replaced by "<threshold" (IROQA_SUPPRESS_BELOW), with
    secondary suppression where ``totals`` says which figures are totals (accounts.suppression)."""
    return suppress_small_counts(df, _count_columns(df), totals=totals)


def suppressing() -> bool:
    """Whether figures on screen are suppressed for the signed-in user (roles that see aggregates
    only: analyst, admin)."""
    return user_scope().suppress_on_screen


def figure(value: int | None, hidden: bool) -> str:
    """A count as shown on a card: the marker if it is hidden, else the number."""
    if hidden:
        return suppression.marker()
    return "0" if value is None else f"{value:,}"


def figures_shown(values: dict[str, int], total: str | None = None) -> dict[str, bool]:
    """Which of a group of card figures to hide, for the signed-in user: nothing unless their role
    suppresses on screen; then small counts, and (if ``total`` names the figure that is the sum of
    the others) as many more as it takes that the total gives none back."""
    if not suppressing():
        return dict.fromkeys(values, False)
    names = list(values)
    df = pl.DataFrame({k: [int(v or 0)] for k, v in values.items()})
    mask = suppression.suppression_mask(df, names, suppression.Totals(row_total=total) if total else None)
    return {k: mask[k][0] for k in names}


def _audited(make, detail: dict):
    """Deferred download data: the export is recorded (who, what) before the bytes are made; if the
    audit cannot be written, nothing is served."""
    from dashboard.auth import current_session_tag

    user = st.session_state.get("user")
    tag = current_session_tag()

    def produce() -> bytes:
        audit.record(user, "export", detail, session=tag)
        return make()

    return produce


def downloads(
    df: pl.DataFrame,
    name: str,
    *,
    key: str,
    kind: str = EXPORT_CHILD_LEVEL,
    stem: str | None = None,
    detail: dict | None = None,
    totals: Totals | None = None,
) -> None:
    """The two downloads every table has: CSV and Excel, named after the table and the as-at date
    (or ``stem``). Only for roles that may export this ``kind``; aggregate exports have small counts
    suppressed; every export is audited before it is served, with the sidebar's filters unless
    ``detail`` says otherwise (the audit log page records its own filters)."""
    scope = user_scope()
    if not scope.may_export(kind):
        st.caption("Downloads of this table are not available to your role.")
        return
    if kind == EXPORT_AGGREGATE:
        df = suppressed(df, totals)
    if stem is None:
        build = shown_build()
        stem = slug(name) + (f"-as-at-{build.as_at}" if build else "")
    detail = {"table": name, "kind": kind, "rows": df.height, "filters": str(filters())} | (detail or {})
    row = st.container(horizontal=True)
    row.download_button(
        "Download CSV",
        _audited(lambda: to_csv_bytes(df), {**detail, "format": "csv"}),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}-csv",
        icon=":material/download:",
        on_click="ignore",
    )
    row.download_button(
        "Download Excel",
        _audited(lambda: to_xlsx_bytes(df, name), {**detail, "format": "xlsx"}),
        file_name=f"{stem}.xlsx",
        key=f"{key}-xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )


def present(df: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Pick and rename columns to the words on screen (the downloads use the same headings)."""
    out = df.select([c for c in columns if c in df.columns]).rename(
        {c: n for c, n in columns.items() if c in df.columns}
    )
    if "Legal status" in out.columns:
        out = out.with_columns(pl.col("Legal status").replace(LEGAL_STATUS_SHORT))
    return out


def date_columns(df: pl.DataFrame) -> dict:
    return {
        c: st.column_config.DateColumn(c, format="D MMM YYYY") for c, t in df.schema.items() if t == pl.Date
    }


def sized_columns(df: pl.DataFrame, widths: dict[str, int]) -> dict:
    """Column settings for ``table``: each column of ``widths`` that wide in pixels, dates in words."""
    return {
        c: (
            st.column_config.DateColumn(c, format="D MMM YYYY", width=w)
            if df.schema[c] == pl.Date
            else st.column_config.Column(c, width=w)
        )
        for c, w in widths.items()
    }


PRESENTATION_KEY = "_iroqa_presentation"

#: Every page: narrower side margins than Streamlit's wide layout (5rem), so the meeting list's
#: columns fit a 1366-pixel projector without sideways scrolling; and date inputs' day, month and
#: year boxes at least 24 px, WCAG 2.2's target size (docs/accessibility.md).
LAYOUT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-left: 1rem; padding-right: 1rem; }
[data-testid="stDateInput"] [role="spinbutton"] {
  min-width: 24px; min-height: 24px; display: inline-flex; align-items: center; justify-content: center;
}
</style>"""

#: Presentation mode: larger text for a projected screen (Streamlit sizes its text in rem).
PRESENTATION_CSS = """<style>
html { font-size: 125%; }
[data-testid="stMetricValue"] { font-size: 2.6rem; }
</style>"""


def presentation_mode() -> bool:
    """The projector layout on every page, and a sidebar switch for larger text that stays on
    across pages for the session."""
    # in the sidebar with an empty element: style-only st.html goes to Streamlit's event container,
    # which the live-build check's fragment clears every second
    st.sidebar.html(LAYOUT_CSS + '<span aria-hidden="true"></span>')
    on = st.sidebar.toggle(
        "Presentation mode (larger text)",
        key=PRESENTATION_KEY,
        help="Larger text for a projected screen. Turn it off again here.",
    )
    if on:
        st.sidebar.html(PRESENTATION_CSS + '<span aria-hidden="true"></span>')
    return on


#: Tables shorter than this show every row (no scroll bar inside the page); longer ones scroll.
NO_SCROLL_ROWS = 50
#: A 1366-pixel projector leaves a page about 1000 px beside the sidebar (PAGE_WIDTH): a table of
#: periods (months, quarters) shows its label column, the latest periods that fit and a total there,
#: without scrolling sideways; the downloads have every period.
PAGE_WIDTH = 1000
SELECT_WIDTH = 34  # a selectable table's checkbox column
LABEL_WIDTH = 340
PERIOD_WIDTH = 80


MAX_COLUMN_WIDTH = 240
#: The meeting list's columns at 1366 px (what the meeting discusses; the rest opens per row): the
#: Overdue column holds "Responded late (11 working days)" in full.
MEETING_COLUMN_WIDTHS = {
    "Case ref": 124,
    "Stage": 172,
    "Must respond": 128,
    "Response due": 100,
    "Overdue": 218,
    "Days open": 80,
    "Team": 176,
}


def _cell_chars(col: pl.Series) -> int:
    """The longest cell of a column as shown, in characters (lists joined; dates as '12 Oct 2026')."""
    if col.is_empty():
        return 0
    if col.dtype == pl.Boolean:
        return 2
    if col.dtype == pl.Date:
        return 11
    if isinstance(col.dtype, pl.List):
        col = col.list.join(", ")
    return int(col.cast(pl.String).str.len_chars().max() or 0)


def fitted_columns(df: pl.DataFrame, *, fixed: int = 0, skip: Sequence[str] = ()) -> tuple[list[str], dict]:
    """The columns of ``df`` (in order) that fit PAGE_WIDTH beside ``fixed`` pixels, each as wide as
    its heading or its longest cell (at most MAX_COLUMN_WIDTH), and every column's width; the first
    column always shows. The rest are for the row's details (:func:`row_details`) and downloads."""
    widths = {
        c: min(MAX_COLUMN_WIDTH, max(7 * len(c) + 22, 7 * _cell_chars(df[c]) + 22))
        for c in df.columns
        if c not in skip
    }
    room, visible = PAGE_WIDTH - fixed, []
    for c, w in widths.items():
        if visible and room - w < 0:
            break
        room -= w
        visible.append(c)
    return visible, widths


def column_width(label: str) -> int:
    """Pixels a number column needs for its heading (about 7 px a character at the table's size)."""
    return max(PERIOD_WIDTH, 7 * len(label) + 22)


def periods_that_fit(labels: Sequence[str], *, fixed: int) -> int:
    """How many of the latest ``labels`` (period headings, oldest first) fit beside ``fixed`` pixels of
    other columns in PAGE_WIDTH; at least one."""
    room, n = PAGE_WIDTH - fixed, 0
    for label in reversed(labels):
        room -= column_width(label)
        if room < 0:
            break
        n += 1
    return max(1, n)


def table(
    df: pl.DataFrame,
    name: str,
    *,
    key: str,
    select: str | None = None,
    column_config: dict | None = None,
    styler=None,
    height: int | str = "auto",
    hidden: Sequence[str] = (),
    kind: str = EXPORT_CHILD_LEVEL,
    stem: str | None = None,
    detail: dict | None = None,
    totals: Totals | None = None,
):
    """A table with its downloads. ``select`` ("single-row", "single-cell") makes it a drill-down;
    the selection event is returned. ``hidden`` columns are downloaded but not shown. ``kind``:
    child-level (the default) or aggregate (small counts suppressed in exports, and on screen for
    roles that see aggregates only), with secondary suppression where ``totals`` says which figures
    are totals of others. ``stem`` and ``detail``: see :func:`downloads`."""
    if kind == EXPORT_AGGREGATE and styler is not None:
        raise ValueError("an aggregate table is suppressed, so it cannot be given a styler")
    shown = suppressed(df, totals) if kind == EXPORT_AGGREGATE and user_scope().suppress_on_screen else df
    config = date_columns(shown) | {h: None for h in hidden} | (column_config or {})
    if height == "auto" and shown.height < NO_SCROLL_ROWS:
        height = "content"  # the whole table on the page: no scrolling inside it on a projector
    kwargs = {"on_select": "rerun", "selection_mode": select} if select else {}
    event = st.dataframe(
        styler if styler is not None else arrow_table(shown),
        hide_index=True,
        column_config=config,
        key=key,
        height=height,
        **kwargs,
    )
    downloads(df, name, key=key, kind=kind, stem=stem, detail=detail, totals=totals)
    return event


def arrow_table(df: pl.DataFrame) -> pa.Table:
    """A frame as st.dataframe takes it fastest: Arrow, which it sends as it is. Given a polars
    frame, Streamlit converts it to pandas and back to Arrow on every run: a third of the server's
    time for a warm page view with 30 viewers. Text goes as Arrow's ``string``, as Streamlit's own
    conversion sends it, rather than polars' ``large_string``."""
    table = df.to_arrow()
    return table.cast(
        pa.schema(
            [pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f for f in table.schema]
        )
    )


OVERDUE_STYLE = "background-color: #fde0dc; color: #7a1500; font-weight: 600"


def highlight(df: pl.DataFrame, mask: Sequence[bool], *, hidden: Sequence[str] = ()):
    """A pandas Styler that colours the rows where ``mask`` is true (overdue), for st.dataframe.
    The ``hidden`` columns (downloaded, not shown) are left out of it: Streamlit renders a Styler
    cell by cell on every run (the meeting list's 60 rows: ~45 ms with its 10 hidden columns,
    ~22 ms without), and a row's position, which a selection gives, is the same either way."""
    import numpy as np
    import pandas as pd

    pdf = df.drop([c for c in hidden if c in df.columns]).to_pandas()
    flags = np.asarray([bool(m) for m in mask], dtype=bool)
    # every cell's style at once (a function per row cost a third of the Styler's time)
    styles = np.where(flags[:, None], OVERDUE_STYLE, "")
    styles = np.broadcast_to(styles, (len(pdf), len(pdf.columns)))
    return pdf.style.apply(lambda _: pd.DataFrame(styles, index=pdf.index, columns=pdf.columns), axis=None)


ROLE_WORDS = {"analyst": "analyst", "admin": "administrator"}


def count_words(n: int, scope: Scope) -> str:
    """A count as the user's role may see it on screen: 1 to threshold-1 suppressed (docs/access.md)."""
    from accounts.access import suppress_threshold, suppression_marker

    threshold = suppress_threshold()
    if scope.suppress_on_screen and 0 < n < threshold:
        return suppression_marker(threshold)
    return f"{n:,}"


def role_shows_no_cases(scope: Scope, what: str) -> bool:
    """For a role that sees counts, not case rows (analyst, administrator): say so plainly, in place
    of a list that would otherwise read as "none". True when the user's role shows no cases."""
    if scope.child_rows:
        return False
    from accounts.access import suppress_threshold, suppression_marker

    role = ROLE_WORDS.get(scope.role, scope.role.replace("_", " "))
    threshold = suppress_threshold()
    small = (
        f"; counts from 1 to {threshold - 1} show as {suppression_marker(threshold)}"
        if scope.suppress_on_screen and threshold > 1
        else ""
    )
    st.info(
        plain(
            f"Your role ({role}) shows counts, not cases: {what} are not listed for it. The counts "
            f"are for every case in the filters{small}."
        ),
        icon=":material/visibility_off:",
    )
    return True


def row_details(row: dict, columns: Sequence[str]) -> None:
    """The rest of a selected table row, as label: value lines (for tables that show only what a
    projector can fit)."""

    def words(value: object) -> str:
        if value is None or value == "":
            return "not recorded"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, date):
            return long_date(value)
        return str(value)

    st.markdown("  \n".join(f"**{c}:** {_md_literal(words(row.get(c)))}" for c in columns if c in row))


def _md_literal(text: str) -> str:
    """``text`` shown as typed inside st.markdown: every markdown and HTML character escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|>~<$&:])", r"\\\1", text)


def selected_rows(event) -> list[int]:
    try:
        return list(event.selection.rows)
    except AttributeError:
        return []


def selected_cell(event) -> tuple[int, str] | None:
    try:
        cells = list(event.selection.cells)
    except AttributeError:
        return None
    return tuple(cells[0]) if cells else None


def chart(build: Callable[..., alt.TopLevelMixin], *args, key: str | None = None, **kwargs) -> None:
    """Every chart goes through here: ``build`` (a reports.charts function) and its arguments, drawn
    in the projector theme, full width, without Streamlit's restyling.

    The spec is made once per chart function and data (the frames' rows, hashed) and shared by every
    session: building the altair chart and its spec was a fifth of the server's time for a warm page
    view, for a chart that only changes with a new build or other filters."""
    if isinstance(build, alt.TopLevelMixin):
        raise TypeError("ui.chart takes a reports.charts function and its arguments, not a chart")
    spec, datasets = _chart_spec(_chart_key(build, args, kwargs), build, args, kwargs)
    # Streamlit copies the spec's top level and takes datasets already in Arrow as they are
    st.vega_lite_chart({**spec, "datasets": dict(datasets)}, theme=None, key=key, width="stretch")


def _arg_key(value: object) -> str:
    """A chart argument as part of the cache key: a frame by its schema and a hash of its rows in
    order (polars, in native code), anything else by its ``repr``."""
    if isinstance(value, pl.DataFrame):
        rows = value.hash_rows().to_numpy().tobytes() if value.width else b""
        return f"frame({value.schema!r}, {value.height}, {hashlib.blake2b(rows, digest_size=16).hexdigest()})"
    return repr(value)


def _chart_key(build: Callable, args: tuple, kwargs: dict) -> str:
    parts = [f"{build.__module__}.{build.__qualname__}", *map(_arg_key, args)]
    parts += [f"{k}={_arg_key(v)}" for k, v in sorted(kwargs.items())]
    return "|".join(parts)


@st.cache_resource(max_entries=256, show_spinner=False)
def _chart_spec(key: str, _build: Callable, _args: tuple, _kwargs: dict) -> tuple[dict, dict]:
    """(the spec without its datasets, the datasets as Arrow IPC bytes): shared, never changed."""
    spec = vega_lite_spec(charts.style(_build(*_args, **_kwargs)))
    datasets = {
        name: rows if isinstance(rows, bytes) else dataframe_util.convert_anything_to_arrow_bytes(rows)
        for name, rows in spec.pop("datasets", {}).items()
    }
    return spec, datasets


def vega_lite_spec(c: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec, as st.altair_chart would send it, without checking it against the
    Vega-Lite JSON schema on every run (altair's ``validate``: most of a chart's server time; the
    charts are fixed specs from reports/charts.py, validated by tests/dashboard/test_chart_spec.py
    and test_suppressed_pages.py) and without altair's default theme's 300x300 view."""
    spec = c.to_dict(validate=False)
    view = spec.get("config", {}).get("view", {})
    view.pop("continuousWidth", None)
    view.pop("continuousHeight", None)
    return spec


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


CASE_COLUMNS = {
    "case_ref": "Case ref",
    "stage_name": "Stage",
    "team_name": "Team",
    "legal_status": "Legal status",
    "raised_on": "Raised",
    "days_open": "Days open",
    "responsible_name": "Must respond",
    "response_due_on": "Response due",
    "is_overdue": "Overdue",
    "cap_due_on": "20-day cap",
    "is_cap_breached": "Past cap",
    "is_cafcass_referred": "CAFCASS",
    "themes_label": "Themes",
    "iro_name": "IRO / Chair",
    "challenge_id": "challenge_id",
}


def case_list(
    df: pl.DataFrame,
    name: str,
    *,
    key: str,
    columns: dict[str, str] | None = None,
    empty_message: str = "No cases.",
) -> str | None:
    """A list of cases with downloads; selecting a row shows that case's timeline beneath.
    Returns the selected challenge_id."""
    if df.is_empty():
        empty(empty_message)
        return None
    shown = present(df, columns or CASE_COLUMNS)
    visible, widths = fitted_columns(shown, fixed=SELECT_WIDTH, skip=("challenge_id",))
    rest = [c for c in shown.columns if c not in visible and c != "challenge_id"]
    event = table(
        shown,
        name,
        key=key,
        select="single-row",
        hidden=("challenge_id", *rest),
        column_config=sized_columns(shown, {c: widths[c] for c in visible}),
    )
    rows = selected_rows(event)
    if not rows:
        if rest:  # what a projector cannot fit opens per row (and is in the downloads)
            st.caption(
                f"Select a row for the rest of the case ({plain(and_list(rest))}) and its timeline; "
                "the downloads have every column."
            )
        else:
            st.caption("Select a row to see that case's timeline.")
        return None
    if rest:
        row_details(shown.row(rows[0], named=True), rest)
    challenge_id = shown["challenge_id"][rows[0]]
    return challenge_id


def timeline_link(challenge_id: str) -> None:
    build = shown_build()
    summary = data.case_summary(build, user_scope(), challenge_id) if build else None
    case_ref = summary["case_ref"] if summary else challenge_id
    st.page_link(
        TIMELINE_PAGE,
        label=f"Open case {case_ref} on its own page (a link to share)",
        icon=":material/open_in_new:",
        query_params={"case": challenge_id},
    )


def several_protocols(build: LiveBuild) -> bool:
    """The build holds more than one version of the protocol (docs/protocols.md, "Protocols that
    change over time"): pages then name the version each challenge followed."""
    return int(data.build_info(build).get("protocol_version_count") or 1) > 1


def case_timeline(build: LiveBuild, challenge_id: str, *, key: str, heading: bool = True) -> bool:
    """One challenge's journey: the facts, the stages as bars, and the events in order."""
    scope = user_scope()
    summary = data.case_summary(build, scope, challenge_id)
    if summary is None:
        empty(f"There is no challenge {challenge_id} in the build as at {long_date(build.as_at)}.")
        return False
    episodes = data.case_episodes(build, scope, challenge_id)
    as_at = data.as_at(build)
    if heading:
        where = (
            "informal"
            if not summary["current_stage"]
            else f"stage {summary['current_stage']} ({summary['current_stage_name']})"
        )
        state = f"open at {where}" if summary["status"] == "open" else f"{summary['status']} at {where}"
        st.subheader(plain(f"Case {summary['case_ref']}: {state}"))
    facts = []
    if summary.get("child_ref") and summary["child_ref"] != summary["case_ref"]:
        facts.append(f"case-system id **{plain(summary['child_ref'])}**")
    facts += [
        f"**{plain(LEGAL_STATUS_LABELS.get(summary['legal_status'], summary['legal_status']))}**",
        f"team **{plain(summary['team_name'])}** ({plain(summary['service_name'])})",
        f"IRO / Chair **{plain(summary['iro_name'])}**",
        f"raised **{long_date(summary['raised_on'])}**",
    ]
    if several_protocols(build):
        # the build holds several versions of the protocol: say which this challenge follows
        facts.append(f"under **{plain(summary['protocol_name'])}**")
    if summary["formal_started_on"]:
        facts.append(
            f"formal process from **{long_date(summary['formal_started_on'])}**, "
            f"20-working-day cap **{long_date(summary['cap_due_on'])}**"
            + (" (**passed**)" if summary["is_cap_breached"] else "")
        )
    if summary["is_cafcass_referred"]:
        facts.append(f"referred to CAFCASS **{long_date(summary['cafcass_referred_on'])}**")
    if summary["is_legal_advice_requested"]:
        facts.append("independent legal advice requested")
    if summary["closed_on"]:
        facts.append(f"{plain(summary['status'])} **{long_date(summary['closed_on'])}**")
    elif summary["response_due_on"]:
        facts.append(
            f"**{plain(summary['responsible_name'] or 'the responsible manager')}** to respond by "
            f"**{long_date(summary['response_due_on'])}**"
            + (" (**overdue**)" if summary["is_overdue"] else "")
        )
    st.markdown(" · ".join(facts))
    st.markdown(f"Themes: {plain(summary['themes_label'] or 'none recorded')}")
    if episodes.is_empty():
        empty("No stages are recorded for this challenge.")
        return True
    chart(charts.timeline, episodes, as_at, summary, key=f"{key}-chart")
    events = timeline_events(data.case_event_list(build, challenge_id), summary)
    table(
        events,
        f"case-{summary['case_ref']}-events",
        key=f"{key}-events",
        column_config=event_column_widths(events),
    )
    return True


def event_column_widths(events: pl.DataFrame) -> dict:
    """The case's events at 1366 px without scrolling sideways: every column as wide as it needs
    (:func:`fitted_columns`) and the Detail the rest of PAGE_WIDTH; a longer detail shows in full on
    hover and in the downloads."""
    _, widths = fitted_columns(events)
    widths["Detail"] = max(200, PAGE_WIDTH - sum(w for c, w in widths.items() if c != "Detail"))
    return sized_columns(events, widths)


EVENT_LABELS = {
    "raised": "Raised",
    "escalated": "Escalated",
    "response": "Response",
    "resolved": "Resolved",
    "withdrawn": "Withdrawn",
    "cafcass_referral": "CAFCASS referral",
    "legal_advice": "Legal advice requested",
    "note": "Note",
    "pre_cafcass_meeting": "Pre-CAFCASS meeting",
    "supervision": "Discussed in supervision",
}
SOURCE_LABELS = {"case_system": "Case system", "app": "IRO QA", "qa_grade": "QA checklist"}


def timeline_events(events: pl.DataFrame, summary: dict) -> pl.DataFrame:
    """The real events (fct_challenge_events) in order, in words. Free text is shown as typed, in a
    table cell (escaped), never as HTML."""
    rows = []
    for e in events.iter_rows(named=True):
        what = EVENT_LABELS.get(e["event_type"], e["event_type"])
        parts: list[str] = []
        if e["event_type"] == "raised":
            kind = "Formal escalation at stage " + str(e["stage"]) if e["stage"] else "Positive Challenge"
            parts.append(f"{kind} raised by {e['actor_name'] or e['actor_worker_id'] or summary['iro_name']}")
        elif e["stage"] is not None:
            parts.append(f"stage {e['stage']}" if e["stage"] else "Positive Challenge")
        if e["event_type"] == "response" and e["satisfied"] is not None:
            parts.append("satisfied" if e["satisfied"] else "not satisfied")
        if e["event_type"] != "raised" and (e["actor_name"] or e["actor_worker_id"]):
            parts.append(f"by {e['actor_name'] or e['actor_worker_id']}")
        if e["reason"]:
            parts.append(f"reason: {e['reason']}")
        if e.get("attendees"):
            parts.append(f"attended by {e['attendees']}")
        if e["note"]:
            parts.append(e["note"])
        if e.get("outcome_code"):
            outcome = e["outcome_code"].replace("_", " ")
            parts.append(
                f"outcome for the child: {outcome}"
                + (f" ({e['outcome_note']})" if e.get("outcome_note") else "")
            )
        if not e["is_valid"]:
            parts.append(f"(not counted: {e['issue_code']})")
        rows.append(
            (
                e["event_on"],
                what,
                _sentence("; ".join(parts)),
                e["recorded_by"] or "",
                e["recorded_at"].strftime("%d %b %Y %H:%M:%S") if e["recorded_at"] else "",
                SOURCE_LABELS.get(e["source"], e["source"]),
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "Date": pl.Date,
            "Event": pl.String,
            "Detail": pl.String,
            "Recorded by": pl.String,
            "Recorded at (UTC)": pl.String,
            "Source": pl.String,
        },
        orient="row",
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def case_events(summary: dict, episodes: pl.DataFrame, as_at: date) -> pl.DataFrame:
    """The challenge's events in order, in words, derived from its stages."""
    kind = "Formal escalation" if summary["route"] == "formal" else "Positive Challenge"
    rows: list[tuple[date, str, str]] = [
        (summary["raised_on"], "Raised", f"{kind} raised by {summary['iro_name']}")
    ]
    for e in episodes.iter_rows(named=True):
        stage = (
            e["stage_name"]
            if e["stage_number"] in (0, None)
            else f"Stage {e['stage_number']} ({e['stage_name']})"
        )
        if e["stage_key"] == "cafcass":
            rows.append((e["entered_on"], "CAFCASS referral", "Referred to CAFCASS"))
            continue
        what = "Entered" if e["stage_number"] else "Positive Challenge sent"
        detail = f"{stage}: sent to {e['responsible_name'] or 'the responsible manager'}"
        if e["response_due_on"]:
            detail += f", response due {short_date(e['response_due_on'])}"
        if e["is_bypassed_into"]:
            what = "Escalated (stages bypassed)"
        rows.append((e["entered_on"], what, detail))
        if e["is_bypassed_into"]:
            rows.append((e["entered_on"], "Bypass reason", _sentence(pack.bypass_reason(e["bypass_reason"]))))
        if e["responded_on"]:
            timing = "in time" if e["is_responded_in_time"] else "late"
            rows.append(
                (
                    e["responded_on"],
                    "Response",
                    f"{stage}: responded {timing} ({working_days(e['working_days_taken'])})",
                )
            )
        elif e["is_awaiting_response_past_due"]:
            rows.append(
                (
                    as_at,
                    "Overdue",
                    f"{stage}: no response, "
                    f"{working_days(e['working_days_overdue'])} overdue as at {short_date(as_at)}",
                )
            )
    if summary["closed_on"]:
        rows.append((summary["closed_on"], summary["status"].capitalize(), f"Challenge {summary['status']}"))
    df = pl.DataFrame(rows, schema={"Date": pl.Date, "Event": pl.String, "Detail": pl.String}, orient="row")
    return df.with_row_index("order").sort(["Date", "order"]).drop("order")

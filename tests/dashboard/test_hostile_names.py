"""Names are text, and downloads are safe to open (issue 10), on every page, for every role.

The warehouse (``hostile_warehouse``, tests/conftest.py) has every team, service, division and worker
name, every concern, note and reason, and one child's case-system id replaced by strings that try to
be more than text: a Markdown link and image, HTML, ``:red[...]``, ``$latex$``, a heading, and
spreadsheet formulas. Every page is opened as each role that may see it, with the sidebar filtered to
a hostile service and team (so the names reach the headings), and:

* no element that Streamlit reads as Markdown (titles, headings, captions, messages, metric,
  expander and tab labels, help) holds a hostile string as written: each went through
  ``dashboard.text.plain`` (so it shows as its characters, and never as a link or an image);
* every CSV download the page offers (captured from ``st.download_button`` and produced as Streamlit
  would) has no text cell a spreadsheet would run, while numbers stay numbers; the Excel download is a
  workbook whose cells are strings, never formulas.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from streamlit.delta_generator import DeltaGenerator

from accounts import users
from notify import responses
from tests.conftest import HOSTILE_CHILD_ID, HOSTILE_FORMULAS, HOSTILE_MARKDOWN
from tests.dashboard.conftest import ADMIN_PAGES, PAGES, assert_ok, ensure_user, open_page

ROLES = {  # role: the pages it is opened on
    "leadership": ["overview", "meeting", "monthly", "themes", "teams", "case"],
    "service_manager": ["case", "meeting", "teams"],
    "asm": ["log", "case", "meeting"],
    "analyst": ["overview", "monthly", "themes", "teams"],
    "admin": ["overview", "monthly", "themes", "teams", "users", "audit", "outbox"],
    "responder": ["respond"],
}

#: Markdown that renders as something other than its text, when not escaped.
RENDERED = re.compile(
    r"(?<!\\)\]\((?:https?:|//)"  # a link or an image
    r"|(?<!\\)<(?:a|img|script)\b"  # HTML
    r"|(?<!\\):red\[|(?<!\\):material/"  # Streamlit directives
    r"|(?<!\\)\$\\frac"  # LaTeX
    r"|https?\\?://|www\\?\.\w|\w\\?@\w"  # bare addresses GFM makes links of
)


def _markdown_texts(at) -> list[str]:
    """Every string on the page that Streamlit renders as Markdown."""
    out: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "subheader",
        "header",
        "title",
    ):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(m.label) for m in at.metric]
    out += [str(e.label) for e in at.expander]
    out += [str(t.label) for t in at.tabs]
    for kind in ("selectbox", "multiselect", "text_input", "text_area", "button", "radio", "checkbox"):
        for w in getattr(at, kind):
            out.append(str(getattr(w, "label", "")))
            out.append(str(getattr(w, "help", "") or ""))
    return out


@pytest.fixture(scope="module")
def hostile(hostile_warehouse):
    w = hostile_warehouse
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IROQA_HOME", str(w.home))
        teams = w.query("select team_id, team_name, service_name from dim_teams order by team_id")
        workers = w.query(
            "select iro_worker_id from fct_challenges where status = 'open' group by 1 order by count(*) desc"
        )
        case = w.query(
            "select challenge_id from fct_challenges where child_id = $c limit 1", {"c": HOSTILE_CHILD_ID}
        )
        responsible = w.query(
            "select responsible_worker_id from fct_challenges where status = 'open' "
            "and responsible_worker_id is not null group by 1 order by count(*) desc limit 1"
        )["responsible_worker_id"][0]
        for role in ROLES:
            ensure_user(
                f"t-{role}",
                role=role,
                teams=tuple(teams["team_id"]) if role == "asm" else (),
                worker_id=responsible if role == "responder" else None,
            )
        # the administrator's own display name is hostile too (shown in "Signed in as")
        users.update_user(w.paths, "t-admin", display_name=HOSTILE_MARKDOWN[0])
        yield {
            "w": w,
            "teams": teams,
            "team": teams["team_id"][0],
            "service": teams["service_name"][0],
            "case": case["challenge_id"][0],
            "iro": workers["iro_worker_id"][0],
            "responsible": responsible,
        }


def _open(hostile, role: str, page: str, monkeypatch):
    captured: list[tuple[str, object, str]] = []
    original = DeltaGenerator.download_button

    def spy(self, label, data, *a, **k):
        captured.append((label, data, k.get("file_name") or ""))
        return original(self, label, data, *a, **k)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)

    def filters(at):  # a hostile service and two hostile teams, chosen as a person would
        at.multiselect(key="service").set_value([hostile["service"]])
        at.multiselect(key="team").set_value(list(hostile["teams"]["team_id"][:2]))

    params = {"case": hostile["case"]} if page == "case" else {}
    widgets = filters if page not in ("case", "users", "audit", "log", "outbox", "respond") else None
    if page == "respond":  # the responder's page (issue 12) is in neither PAGES nor ADMIN_PAGES
        at = open_page("overview", user=f"t-{role}")
        at.switch_page("views/respond.py")
        at.run()
        # nothing is chosen before the manager picks: choose the first case awaiting them, so its
        # names (team, IRO, manager, concern) reach the page
        (first, *_) = responses.awaiting_response(hostile["w"].live, hostile["responsible"], limit=1)
        at.selectbox("respond_pick").set_value(first["challenge_id"]).run()
    else:
        at = open_page(page, query_params=params, widgets=widgets, user=f"t-{role}")
    assert_ok(at)
    return at, captured


def _check_markdown(at, where: str) -> None:
    for text in _markdown_texts(at):
        for h in (*HOSTILE_MARKDOWN, HOSTILE_CHILD_ID):
            assert h not in text, f"{where}: {h!r} is rendered as Markdown in {text[:200]!r}"
        assert not RENDERED.search(text), f"{where}: Markdown from data in {text[:200]!r}"


def _check_csv(raw: bytes, where: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    number = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                assert number.match(cell), f"{where}: a spreadsheet would run {cell[:80]!r}"
    return rows


def _check_xlsx(raw: bytes, where: str) -> None:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode(), f"{where}: a formula in {name}"


@pytest.mark.parametrize(
    ("role", "page"), [(r, p) for r, pages in ROLES.items() for p in pages], ids=lambda v: str(v)
)
def test_every_page_shows_hostile_names_as_text_and_downloads_them_safely(hostile, role, page, monkeypatch):
    at, captured = _open(hostile, role, page, monkeypatch)
    where = f"{role} on {page}"
    _check_markdown(at, where)
    for _label, make, name in captured:
        raw = make() if callable(make) else make
        if name.endswith(".csv"):
            _check_csv(raw, f"{where}, {name}")
        elif name.endswith(".xlsx"):
            _check_xlsx(raw, f"{where}, {name}")


def test_the_hostile_names_do_reach_the_pages_and_the_downloads(hostile, monkeypatch):
    """The checks above can fail: the names are on the pages (escaped) and in the downloads
    (neutralised), not filtered out somewhere before."""
    from dashboard.text import plain

    at, captured = _open(hostile, "service_manager", "case", monkeypatch)
    shown = "\n".join(_markdown_texts(at))
    assert plain(HOSTILE_CHILD_ID) in shown  # the case-system id, escaped
    assert any(plain(h.split(" ")[0])[:12] in shown for h in HOSTILE_MARKDOWN)
    cells = []
    for _, make, name in captured:
        if name.endswith(".csv"):
            cells += [c for row in _check_csv(make(), name) for c in row]
    assert any(c.startswith("'") and c[1:].startswith(tuple(f[:1] for f in HOSTILE_FORMULAS)) for c in cells)
    at, _ = _open(hostile, "leadership", "teams", monkeypatch)
    shown = "\n".join(_markdown_texts(at))
    assert (
        plain(hostile["service"]) in shown and plain(hostile["teams"]["team_name"][0]) in shown
    )  # "Showing:"


def test_every_page_is_covered():
    covered = {p for pages in ROLES.values() for p in pages}
    assert covered == set(PAGES) | set(ADMIN_PAGES) | {"respond"}


def test_pages_show_data_only_through_the_one_helper():
    """Every f-string given to a Markdown-rendering Streamlit call interpolates only code-made
    values or ``plain(...)``: a reviewer's list of the names allowed unescaped, kept short. A new call
    that puts a data value in Markdown without ``plain`` fails here."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "dashboard"
    sinks = {
        "markdown", "caption", "info", "warning", "error", "success", "subheader", "header", "title",
        "metric", "expander", "toast", "write",
    }  # fmt: skip
    #: names (or attribute chains) known to hold only text made by code: dates, counts, constants
    allowed = re.compile(
        r"^(ui\.)?(plain|_plain|long_date|short_date|month_label|plural|period_words|_wait_text)\(|"
        r"^(as_at|since|prev|built|bad_line|period|n_\w+|cases\.height|no_team\.height|data\.SEARCH_\w+|value|week_end|saved|worker|by|group|"
        r"recorded|changed|closed|inadequate|total|protocol)$|"
        r"^(data\.STAGE_GROUPS\[|head\[|info\.get\(|current\.built_at\[|whose\(|int\(|len\(|exc\.strerror)"
    )

    def ok(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.IfExp):
            return ok(node.body) and ok(node.orelse)
        if isinstance(node, ast.BinOp):
            return ok(node.left) and ok(node.right)
        if isinstance(node, ast.JoinedStr):
            return all(ok(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
        return bool(allowed.match(ast.unparse(node)))

    problems = []
    for f in sorted(root.rglob("*.py")):
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in sinks or not node.args or not isinstance(node.args[0], ast.JoinedStr):
                continue
            problems += [
                f"{f.relative_to(root.parent)}:{node.lineno}: {ast.unparse(v.value)}"
                for v in node.args[0].values
                if isinstance(v, ast.FormattedValue) and not ok(v.value)
            ]
    assert not problems, "\n".join(problems)

"""The printable challenge-meeting pack: one self-contained HTML file (no scripts, no external
files) that prints cleanly to A4 landscape. Every value is escaped with ``html.escape``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape

import polars as pl

from dashboard.text import working_days

PRINT_CSS = """
@page { size: A4 landscape; margin: 12mm 10mm 14mm 10mm; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 10.5pt; color: #111; margin: 0 auto;
       max-width: 277mm; line-height: 1.3; }
h1 { font-size: 18pt; margin: 0 0 2mm 0; }
h2 { font-size: 13pt; margin: 6mm 0 2mm 0; }
p.meta { margin: 0 0 3mm 0; color: #333; }
.summary { display: flex; gap: 4mm; margin: 3mm 0 4mm 0; }
.summary div { border: 1px solid #999; padding: 2mm 4mm; min-width: 40mm; }
.summary b { display: block; font-size: 16pt; }
table { border-collapse: collapse; width: 100%; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 1px solid #888; padding: 1.2mm 1.6mm; text-align: left; vertical-align: top; }
th { background: #e8e8e8; font-weight: bold; }
td.num { text-align: right; white-space: nowrap; }
td.date, td.ref { white-space: nowrap; }
tr.overdue td { background: #fde0dc; }
.flag { font-weight: bold; color: #7a1500; }
section.case { page-break-inside: avoid; break-inside: avoid; margin-top: 5mm; }
section.case h3 { font-size: 11.5pt; margin: 0 0 1.5mm 0; }
section.case p { margin: 0 0 1.5mm 0; }
.cases { page-break-before: always; break-before: page; }
footer { margin-top: 6mm; font-size: 9pt; color: #444; }
@media print { a { color: inherit; text-decoration: none; } }
"""


def bypass_reason(reason: str | None) -> str:
    """The reason recorded for a bypass, without a leading "Bypass:" the case system may add."""
    text = (reason or "").strip()
    if text.lower().startswith("bypass"):
        text = text[len("bypass") :].lstrip(" :-").strip()
    return text[:1].upper() + text[1:] if text else "reason not recorded"


def _d(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def _e(value) -> str:
    return escape("" if value is None else str(value))


def stages_words(numbers: Sequence[int], *, joiner: str = "and") -> str:
    """The meeting's stages under the protocol in force, as the page says them: 'stage 3 and 4',
    'stage 3, 4 and 5' ('or' in place of 'and' where one of them is meant)."""
    items = [str(n) for n in numbers] or ["3", "4"]
    if len(items) == 1:
        return f"stage {items[0]}"
    return f"stage {', '.join(items[:-1])} {joiner} {items[-1]}"


def responder_words(name: str | None, role: str | None, due: object) -> str:
    """Who must respond, with the person's own role (not the stage's): 'A Name (service manager)';
    a stage with no deadline (contact with CAFCASS) has nobody who must respond by a date."""
    if due is None and not name:
        return "No response due (no deadline at this stage)"
    words = name or "Not recorded"
    if role:
        words += f" ({role.replace('_', ' ')})"
    return words


def meeting_pack(
    *,
    cases: pl.DataFrame,
    episodes: dict[str, pl.DataFrame],
    as_at: date,
    built_at: str,
    protocol: str,
    scope: str = "",
    stages: Sequence[int] = (3, 4),
) -> str:
    """The HTML meeting pack for the open ``cases`` at the meeting's ``stages`` (rows of
    mart_open_stage_3_4; the stages are the protocol's, dim_protocol_stages.goes_to_challenge_meeting)."""
    built = datetime.fromisoformat(built_at)
    overdue = int(cases["is_awaiting_response_past_due"].sum()) if cases.height else 0
    cap = int(cases["is_cap_breached"].sum()) if cases.height else 0
    cafcass = int(cases["is_cafcass_referred"].sum()) if cases.height else 0
    title = f"Challenge meeting: open {stages_words(stages)} cases as at {_d(as_at)}"
    rows = []
    for r in cases.iter_rows(named=True):
        responder = responder_words(r["responsible_name"], r.get("responsible_role"), r["response_due_on"])
        if r["is_awaiting_response_past_due"]:
            overdue_txt = f'<span class="flag">OVERDUE {_e(working_days(r["working_days_overdue"]))}</span>'
        elif r["is_responded_late"]:
            overdue_txt = f"Responded late ({_e(working_days(r['working_days_overdue']))})"
        else:
            overdue_txt = ""
        rows.append(
            f'<tr class="{"overdue" if r["is_awaiting_response_past_due"] else ""}">'
            f'<td class="num">{_e(r["urgency_rank"])}</td>'
            f'<td class="ref">{_e(r["case_ref"])}</td>'
            f"<td>Stage {_e(r['current_stage'])}: {_e(r['current_stage_name'])}</td>"
            f"<td>{_e(r['team_name'])}</td>"
            f"<td>{_e((r['legal_status'] or '').upper())}</td>"
            f'<td class="num">{_e(r["days_open"])}</td>'
            f"<td>{_e(responder)}</td>"
            f'<td class="date">{_e(_d(r["response_due_on"]))}</td>'
            f"<td>{overdue_txt}</td>"
            f'<td class="date">{_e(_d(r["cap_due_on"]))}{" (passed)" if r["is_cap_breached"] else ""}</td>'
            f"<td>{'Yes' if r['is_cafcass_referred'] else ''}</td>"
            f"<td>{_e(r['themes_label'])}</td>"
            "</tr>"
        )
    sections = []
    for r in cases.iter_rows(named=True):
        eps = episodes.get(r["challenge_id"])
        stage_rows = []
        if eps is not None:
            for e in eps.iter_rows(named=True):
                name = (
                    e["stage_name"]
                    if not e["stage_number"]
                    else f"Stage {e['stage_number']}: {e['stage_name']}"
                )
                if e["is_bypassed_into"]:
                    name += f" (bypass: {bypass_reason(e['bypass_reason'])})"
                if e["responded_on"]:
                    status = "in time" if e["is_responded_in_time"] else "late"
                    response = f"{_d(e['responded_on'])} ({status})"
                elif e["is_awaiting_response_past_due"]:
                    response = f"OVERDUE {working_days(e['working_days_overdue'])}"
                elif e["is_overdue"]:  # ended unanswered after its due date
                    response = f"none ({working_days(e['working_days_overdue'])} past due when it ended)"
                elif e["stage_key"] == "cafcass":
                    response = ""
                else:
                    response = "awaiting" if e["is_open"] else ""
                stage_rows.append(
                    f"<tr><td>{_e(name)}</td><td>{_e(e['responsible_name'])}</td>"
                    f'<td class="date">{_e(_d(e["entered_on"]))}</td>'
                    f'<td class="date">{_e(_d(e["response_due_on"]))}</td>'
                    f"<td>{_e(response)}</td><td>{_e(e['outcome'])}</td></tr>"
                )
        sections.append(
            f'<section class="case"><h3>{_e(r["case_ref"])}: stage {_e(r["current_stage"])}, '
            f"{_e(r['team_name'])} ({_e(r['service_name'])})</h3>"
            f"<p>IRO / Chair: {_e(r['iro_name'])} · raised {_e(_d(r['raised_on']))} · "
            f"{_e(r['days_open'])} days open · themes: {_e(r['themes_label'])}</p>"
            "<table><thead><tr><th>Stage</th><th>Responds</th><th>Entered</th><th>Response due</th>"
            "<th>Response</th><th>Outcome</th></tr></thead><tbody>"
            + "".join(stage_rows)
            + "</tbody></table></section>"
        )
    scope_txt = f'<p class="meta">Showing {_e(scope)}.</p>' if scope else ""
    body = (
        f"<h1>{_e(title)}</h1>"
        f'<p class="meta">{_e(protocol)} · warehouse built {_e(built.strftime("%d %b %Y %H:%M"))} UTC</p>'
        + scope_txt
        + '<div class="summary">'
        f"<div><b>{cases.height}</b>open at {stages_words(stages, joiner='or')}</div>"
        f"<div><b>{overdue}</b>response overdue</div>"
        f"<div><b>{cap}</b>past the 20-working-day cap</div>"
        f"<div><b>{cafcass}</b>referred to CAFCASS</div></div>"
    )
    if cases.height:
        body += (
            "<h2>Cases, most urgent first</h2><table><thead><tr>"
            "<th>#</th><th>Case ref</th><th>Stage</th><th>Team</th><th>Status</th><th>Days open</th>"
            "<th>Must respond</th><th>Response due</th><th>Overdue</th><th>20-day cap</th><th>CAFCASS</th>"
            "<th>Themes</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            '<div class="cases"><h2>Each case: its stages</h2>' + "".join(sections) + "</div>"
        )
    else:
        body += f"<p>No {stages_words(stages, joiner='or')} cases are open.</p>"
    body += (
        f"<footer>IRO QA · {_e(title)} · case references are pseudonymous; "
        "handle this pack as OFFICIAL-SENSITIVE.</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{PRINT_CSS}</style></head><body>{body}</body></html>\n"
    )


def meeting_pack_pdf(html: str) -> bytes:
    """The meeting pack as a PDF (A4 landscape, from the same HTML and print CSS), for board papers.
    weasyprint renders it without a browser and fetches nothing (the HTML has no external files)."""
    from weasyprint import HTML

    def no_fetch(url: str, *args, **kwargs):
        raise ValueError(f"the meeting pack fetches nothing ({url[:40]})")

    return HTML(string=html, url_fetcher=no_fetch).write_pdf()

"""Downloads (CSV and Excel, one helper for every table) and the printable meeting pack."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import polars as pl

from dashboard import data, pack, ui
from tests.dashboard.conftest import ALL, query


def sample() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Case ref": ["C-1", "C-2"],
            "Response due": [date(2026, 10, 1), None],
            "Days open": [3, 40],
            "Overdue": [True, False],
            "Themes": [["Placement suitability", "Contact"], []],
            "Note": ['said "no", then left', "Zoë; é"],
        },
        schema_overrides={"Response due": pl.Date},
    )


def test_csv_round_trip():
    raw = ui.to_csv_bytes(sample())
    assert raw.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so Excel reads UTF-8"
    back = pl.read_csv(io.BytesIO(raw.decode("utf-8-sig").encode()), try_parse_dates=True)
    assert back["Case ref"].to_list() == ["C-1", "C-2"]
    assert back["Themes"].to_list() == ["Placement suitability; Contact", None] or back[
        "Themes"
    ].to_list() == ["Placement suitability; Contact", ""]
    assert back["Note"].to_list() == ['said "no", then left', "Zoë; é"]
    assert back["Response due"][0] == date(2026, 10, 1)


def test_excel_round_trip():
    raw = ui.to_xlsx_bytes(sample(), "challenge meeting: cases")
    assert raw[:2] == b"PK"
    back = pl.read_excel(io.BytesIO(raw))
    assert back.columns == sample().columns
    assert back["Days open"].to_list() == [3, 40]
    assert back["Note"].to_list() == ['said "no", then left', "Zoë; é"]


def test_meeting_pack_is_self_contained_escaped_and_prints_to_a4(demo):
    build = demo.live
    cases = data.meeting_cases(build, ALL, data.Filters())
    evil = cases.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("<script>alert(1)</script> & 'x'"))
        .otherwise(pl.col("themes_label"))
        .alias("themes_label")
    )
    html = pack.meeting_pack(
        cases=evil,
        episodes={c: data.case_episodes(build, ALL, c) for c in cases["challenge_id"]},
        as_at=data.as_at(build),
        built_at=build.built_at,
        protocol="Leicestershire <b>",
        scope="for <Team>",
    )
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x27;x&#x27;" in html
    assert "Leicestershire &lt;b&gt;" in html and "for &lt;Team&gt;" in html
    assert "@page { size: A4 landscape" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html), "nothing fetched from elsewhere"
    for ref in query(build, "select case_ref from mart_open_stage_3_4")["case_ref"]:
        assert ref in html
    assert "child_id" not in html
    for child in query(build, "select child_id from mart_open_stage_3_4")["child_id"]:
        assert child not in html


def test_meeting_pack_pdf_is_a4_landscape_and_shows_every_case(demo, tmp_path):
    """The PDF for board papers: rendered to PNG with pdftoppm (poppler-utils) and read back."""
    build = demo.live
    cases = data.meeting_cases(build, ALL, data.Filters())
    html = pack.meeting_pack(
        cases=cases,
        episodes={c: data.case_episodes(build, ALL, c) for c in cases["challenge_id"]},
        as_at=data.as_at(build),
        built_at=build.built_at,
        protocol="Leicestershire",
        scope="",
    )
    pdf = pack.meeting_pack_pdf(html)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts", info), info  # A4 landscape
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for ref in cases["case_ref"]:
        assert ref in text
    overdue = cases.filter(pl.col("is_awaiting_response_past_due"))
    if overdue.height:
        assert "OVERDUE" in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == pages
    from PIL import Image

    with Image.open(pngs[0]) as first:
        width, height = first.size
        assert width > height  # landscape
        assert first.convert("L").getextrema()[0] < 100  # there is dark text on the page, not a blank


def test_meeting_pack_with_no_cases():
    html = pack.meeting_pack(
        cases=pl.DataFrame(
            schema={
                "is_awaiting_response_past_due": pl.Boolean,
                "is_cap_breached": pl.Boolean,
                "is_cafcass_referred": pl.Boolean,
            }
        ),
        episodes={},
        as_at=date(2026, 10, 30),
        built_at="2026-10-30T08:00:00+00:00",
        protocol="Leicestershire",
    )
    assert "No stage 3 or 4 cases are open." in html


def test_meeting_pack_follows_the_protocol_and_the_persons_role():
    """Issue 15: under Rotherham the meeting takes stages 3, 4 and 5 (contact with CAFCASS, no
    deadline, nobody "Not recorded" must respond), and the label beside a name is that person's
    role, not the stage's (a Service Manager named at stage 4)."""
    row = {
        "urgency_rank": 1,
        "challenge_id": "X1",
        "case_ref": "C-1",
        "legal_status": "lac",
        "team_name": "Team 1",
        "service_name": "S1",
        "iro_name": "I",
        "current_stage": 4,
        "current_stage_name": "Deputy Director/Director",
        "stage_entered_on": date(2017, 7, 3),
        "raised_on": date(2017, 6, 1),
        "days_open": 60,
        "working_days_open": 42,
        "responsible_name": "Sam Manager",
        "responder_role": "assistant_director",
        "responsible_role": "service_manager",
        "response_due_on": date(2017, 7, 10),
        "responded_on": None,
        "is_awaiting_response_past_due": True,
        "is_responded_late": False,
        "working_days_overdue": 15,
        "cap_due_on": date(2017, 6, 29),
        "is_cap_breached": True,
        "is_cafcass_referred": False,
        "themes_label": "",
    }
    cafcass = row | {
        "urgency_rank": 2,
        "challenge_id": "X2",
        "case_ref": "C-2",
        "current_stage": 5,
        "current_stage_name": "Referral to CAFCASS",
        "responsible_name": None,
        "responder_role": None,
        "responsible_role": None,
        "response_due_on": None,
        "is_awaiting_response_past_due": False,
        "working_days_overdue": 0,
    }
    html = pack.meeting_pack(
        cases=pl.DataFrame([row, cafcass]),
        episodes={},
        as_at=date(2017, 7, 31),
        built_at="2017-07-31T09:00:00+00:00",
        protocol="Rotherham",
        stages=(3, 4, 5),
    )
    assert "open stage 3, 4 and 5 cases" in html and "open at stage 3, 4 or 5" in html
    assert "Sam Manager (service manager)" in html and "assistant director" not in html
    assert "No response due (no deadline at this stage)" in html
    assert "Not recorded" not in html
    assert pack.stages_words((3, 4)) == "stage 3 and 4"


def test_one_working_day_is_singular_in_the_pack_and_the_page_wording():
    """'1 working day', never '1 working days', wherever a count of working days is said (one helper,
    dashboard.text.working_days): the pack's list and its per-case stages."""
    from dashboard.text import working_days

    assert [working_days(n) for n in (0, 1, 2, None)] == [
        "0 working days",
        "1 working day",
        "2 working days",
        "0 working days",
    ]
    base = {
        "urgency_rank": 1,
        "challenge_id": "X1",
        "case_ref": "C-1",
        "legal_status": "lac",
        "team_name": "Team 1",
        "service_name": "S1",
        "iro_name": "I",
        "current_stage": 3,
        "current_stage_name": "Service Manager",
        "stage_entered_on": date(2017, 7, 3),
        "raised_on": date(2017, 6, 1),
        "days_open": 30,
        "working_days_open": 20,
        "responsible_name": "Sam Manager",
        "responder_role": "service_manager",
        "responsible_role": "service_manager",
        "response_due_on": date(2017, 7, 10),
        "responded_on": None,
        "is_awaiting_response_past_due": True,
        "is_responded_late": False,
        "working_days_overdue": 1,
        "cap_due_on": date(2017, 7, 29),
        "is_cap_breached": False,
        "is_cafcass_referred": False,
        "themes_label": "",
    }
    late = base | {
        "urgency_rank": 2,
        "challenge_id": "X2",
        "case_ref": "C-2",
        "responded_on": date(2017, 7, 11),
        "is_awaiting_response_past_due": False,
        "is_responded_late": True,
    }
    episode = {
        "stage_number": 3,
        "stage_name": "Service Manager",
        "stage_key": "stage_3",
        "is_bypassed_into": False,
        "bypass_reason": None,
        "responsible_name": "Sam Manager",
        "entered_on": date(2017, 7, 3),
        "response_due_on": date(2017, 7, 10),
        "responded_on": None,
        "is_responded_in_time": None,
        "is_awaiting_response_past_due": True,
        "is_overdue": True,
        "is_open": True,
        "working_days_overdue": 1,
        "outcome": None,
    }
    ended = episode | {"stage_number": 2, "is_awaiting_response_past_due": False, "is_open": False}
    html = pack.meeting_pack(
        cases=pl.DataFrame([base, late]),
        episodes={"X1": pl.DataFrame([episode]), "X2": pl.DataFrame([ended])},
        as_at=date(2017, 7, 11),
        built_at="2017-07-11T09:00:00+00:00",
        protocol="Leicestershire",
    )
    assert "1 working days" not in html
    assert '<span class="flag">OVERDUE 1 working day</span>' in html
    assert "Responded late (1 working day)" in html
    assert "<td>OVERDUE 1 working day</td>" in html
    assert "none (1 working day past due when it ended)" in html

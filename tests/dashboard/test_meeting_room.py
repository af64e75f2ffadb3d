"""The meeting room with AppTest: the meeting list shows what the meeting discusses and opens the rest
per row; the pack is made only when asked for; presentation mode. (That it all fits 1366 px without
scrolling is measured in Chromium: tests/browser/test_meeting_room_browser.py.)"""

from __future__ import annotations

import json
import re

from tests.dashboard.conftest import assert_ok, open_page, query, select_rows, texts

SHOWN = ["Case ref", "Stage", "Must respond", "Response due", "Overdue", "Days open", "Team"]


def _dataframe_proto(at, i: int = 0):
    return at.dataframe[i].proto


def test_meeting_list_shows_what_the_meeting_discusses(demo):
    at = open_page("meeting")
    assert_ok(at)
    columns = json.loads(_dataframe_proto(at).columns)
    hidden = {name for name, c in columns.items() if c.get("hidden")}
    visible = [c for c in at.dataframe[0].value.columns if c not in hidden]
    assert visible == SHOWN, visible
    assert {"Legal status", "Themes", "IRO / Chair", "CAFCASS", "20-day cap"} <= hidden
    words = [w for w in at.dataframe[0].value["Overdue"].tolist() if w]
    # awaiting a response past due says OVERDUE in full; a response that came late says so instead
    # (issue 15: one meaning of overdue), never cut short
    overdue = re.compile(r"OVERDUE \d+ working days?|Responded late \(\d+ working days?\)")
    assert words and all(overdue.fullmatch(w) for w in words), words
    assert not [w for w in words if re.search(r"\b1 working days", w)], "one working day, singular"
    assert any(w.startswith("OVERDUE ") for w in words)


def test_a_selected_row_opens_the_rest(demo):
    row = query(
        demo.live,
        "select case_ref, legal_status from mart_open_stage_3_4 order by urgency_rank limit 1",
    ).row(0, named=True)
    at = open_page("meeting", session=select_rows("meeting_cases", [0]))
    assert_ok(at)
    details = "\n".join(m.value for m in at.markdown)
    for label in ("Legal status", "20-day cap", "CAFCASS", "Themes", "IRO / Chair", "Working days open"):
        assert f"**{label}:**" in details
    assert any(s.value.startswith(f"Case {row['case_ref']}") for s in at.subheader)


def test_meeting_pack_is_made_only_when_asked(demo, monkeypatch):
    from dashboard import pack

    made = []
    real = pack.meeting_pack_pdf
    monkeypatch.setattr(pack, "meeting_pack_pdf", lambda html: made.append(html) or real(html))
    at = open_page("meeting")
    assert_ok(at)
    assert not made, "no pack on an ordinary run of the page"
    assert not [b for b in at.get("download_button") if "meeting pack" in b.proto.label]
    at.button("meeting_pack_prepare").click().run()
    assert_ok(at)
    assert len(made) == 1
    assert [b for b in at.get("download_button") if b.proto.label == "Download the meeting pack (PDF, A4)"]
    at.run()  # another run of the page: the pack is kept, not made again
    assert len(made) == 1


def test_presentation_mode_makes_the_text_larger(demo):
    at = open_page("meeting")
    assert "font-size: 125%" not in str([h.proto for h in at.get("html")])
    at.sidebar.toggle("_iroqa_presentation").set_value(True).run()
    assert_ok(at)
    assert "font-size: 125%" in str([h.proto for h in at.get("html")])
    assert "Challenge meeting" in texts(at) or at.title[0].value == "Challenge meeting"

"""The annual report page (issue 13, item 5) with AppTest: its stage x month table equals the Word
document's (reports.annual.stage_month_grid, from mart_monthly_stage_counts) and the mart itself,
the year can be changed, and the Word download is offered."""

from __future__ import annotations

import duckdb

from reports.periods import Year
from tests.conftest import DEMO_END
from tests.dashboard.conftest import assert_ok, open_page, query

PAGE = "views/annual_report.py"


def page():
    at = open_page("overview")
    at.switch_page(PAGE)
    at.run()
    return at


def test_the_page_shows_the_documents_table_and_offers_the_download(demo):
    at = page()
    assert_ok(at)
    assert at.selectbox("ar_year").value == Year.of(DEMO_END)
    y = Year.of(DEMO_END).previous()
    at.selectbox("ar_year").set_value(y).run()
    assert_ok(at)
    [table] = [df.value for df in at.dataframe if "All stages" in df.value.columns]
    assert list(table["Month"]) == [f"{m:%b %Y}" for m in y.months] + ["Total"]
    mart = query(
        demo.live,
        "select stage_label, sum(entries)::bigint as n from mart_monthly_stage_counts "
        "where stage_key <> 'informal' and month_start between $s and $e group by all",
        {"s": y.start, "e": y.end},
    )
    assert int(mart["n"].sum()) > 0
    total = table[table["Month"] == "Total"].iloc[0]
    for stage, count in mart.iter_rows():
        assert int(total[stage]) == count, stage
    assert int(total["All stages"]) == int(mart["n"].sum())
    con = duckdb.connect(str(demo.live.file), read_only=True)
    try:
        (cafcass,) = con.sql(
            "select count(*) from fct_challenges where cafcass_referred_on between $s and $e",
            params={"s": y.start, "e": y.end},
        ).fetchall()[0]
    finally:
        con.close()
    assert [m.value for m in at.metric if m.label == "Referrals to CAFCASS"] == [f"{cafcass:,}"]
    assert any(b.label == "Download the Word document" for b in at.get("download_button"))


def test_the_download_is_the_document_and_is_audited(scratch_warehouse, monkeypatch):
    """Press the download as a browser does (Streamlit generates a deferred file on request, through
    the media file manager AppTest's runtime registered it with): the bytes are the annual Word
    document, and the export is in the audit log."""
    import io

    from docx import Document
    from streamlit.runtime.media_file_manager import MediaFileManager

    from accounts import audit

    managers = []
    add = MediaFileManager.add_deferred

    def keep(self, *args, **kwargs):
        managers.append(self)
        return add(self, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    at = page()
    assert_ok(at)
    [button] = [b for b in at.get("download_button") if b.proto.label == "Download the Word document"]
    file_id = button.proto.deferred_file_id
    assert file_id and managers
    mgr = managers[-1]
    assert (
        not audit.read(scratch_warehouse.paths)
        .filter(audit.read(scratch_warehouse.paths)["action"] == "export")
        .height
    )
    url = mgr.execute_deferred(file_id)
    blob = mgr._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content
    doc = Document(io.BytesIO(blob))
    assert doc.paragraphs[0].text == "IRO service: challenge and escalation overview"
    assert any(t.rows[0].cells[0].text == "Month" for t in doc.tables)
    log = audit.read(scratch_warehouse.paths)
    exports = log.filter(log["action"] == "export")["detail"].to_list()
    assert any('"annual report"' in d and Year.of(DEMO_END).code in d for d in exports)

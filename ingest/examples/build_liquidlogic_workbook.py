"""Build ingest/examples/liquidlogic/lcs_iro_extract.xlsx, the Liquidlogic example extract.

It holds the same (invented) people and events as ingest/examples/canonical, the way an LCS
report workbook would: one sheet per report, Excel-native dates and date-times, some dates typed
as text (31-Jan-2024), LCS names for columns and values. Run it again after changing the rows:

    .venv/bin/python ingest/examples/build_liquidlogic_workbook.py
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import xlsxwriter

TARGET = Path(__file__).resolve().parent / "liquidlogic" / "lcs_iro_extract.xlsx"

D = date
T = datetime

SHEETS: dict[str, tuple[list[str], list[list]]] = {
    "lcs_teams": (
        ["Team Code", "Team Name", "Service Area", "Directorate", "Team Type"],
        [
            [
                "T-SW1",
                "Locality Team North",
                "Locality Services",
                "Children and Family Services",
                "Case Holding",
            ],
            [
                "T-SW2",
                "Children in Care Team South",
                "Children in Care Service",
                "Children and Family Services",
                "Case Holding",
            ],
            [
                "T-IRO",
                "IRO and Conference Chairs",
                "Safeguarding and Performance",
                "Children and Family Services",
                "Independent Reviewing Service",
            ],
        ],
    ),
    "lcs_workers": (
        ["Worker LCS ID", "Worker Name", "Job Role", "Team Code", "Role Start", "Role End"],
        [
            ["W001", "Alex Example", "Social Worker", "T-SW1", D(2019, 4, 1), None],
            ["W002", "Sam Sample", "Practice Manager", "T-SW1", D(2018, 1, 15), None],
            ["W003", "Jordan Placeholder", "Service Manager", "T-SW1", D(2016, 9, 1), None],
            ["W004", "Casey Test", "Head of Service", "T-SW1", D(2015, 6, 1), None],
            ["W005", "Morgan Demo", "Assistant Director", "T-SW1", "03-Mar-2014", None],
            ["W006", "Riley Fictional", "IRO", "T-IRO", D(2017, 1, 9), None],
            ["W007", "Taylor Invented", "CP Chair", "T-IRO", D(2018, 5, 21), None],
            ["W008", "Jamie Madeup", "IRO Manager", "T-IRO", D(2016, 2, 1), None],
            ["W009", "Drew Notreal", "Social Worker", "T-SW2", D(2020, 1, 6), D(2023, 3, 31)],
            ["W009", "Drew Notreal", "Social Worker", "T-SW1", D(2023, 4, 1), None],
        ],
    ),
    "lcs_child_details": (
        ["LCS ID", "Legal Status", "Date of Birth", "Gender", "Allocated Worker LCS ID"],
        [
            ["C1001", "CLA", D(2012, 5, 14), "Female", "W001"],
            ["C1002", "CP Plan", D(2016, 11, 2), "Male", "W009"],
            ["C1003", "CIN Plan", D(2010, 2, 28), None, "W001"],
            ["C1004", "CLA", "08-Aug-2008", "Male", "W009"],
        ],
    ),
    "lcs_iro_escalations": (
        [
            "Escalation Ref",
            "LCS ID",
            "Date Raised",
            "Raised By",
            "Allocated SW",
            "Team Code",
            "Legal Status",
            "Raised At",
            "Process",
            "Escalation Level",
            "Themes",
            "Issue Summary",
            "Raised With",
        ],
        [
            [
                "CH001",
                "C1001",
                D(2024, 1, 8),
                "W006",
                "W001",
                "T-SW1",
                "CLA",
                "CLA Review",
                "Informal Resolution",
                "Informal",
                "care_plan_quality; pep_outstanding",
                "Care plan not updated since the last review; PEP outstanding.",
                "W001",
            ],
            [
                "CH002",
                "C1001",
                D(2024, 1, 22),
                "W006",
                "W001",
                "T-SW1",
                "CLA",
                "CLA Review",
                "Formal Dispute Resolution",
                "Level 1",
                "care_plan_quality",
                "Positive Challenge CH001 not resolved: care plan still not updated.",
                "W002",
            ],
            [
                "CH003",
                "C1002",
                D(2024, 2, 5),
                "W007",
                "W009",
                "T-SW1",
                "CP Plan",
                "ICPC",
                "Formal Dispute Resolution",
                "Level 1",
                "decision_making_safeguarding;statutory_visits",
                "Statutory visits not completed since the initial conference.",
                "W002",
            ],
            [
                "CH004",
                "C1004",
                D(2024, 3, 11),
                "W006",
                "W009",
                "T-SW1",
                "CLA",
                "Midway Review",
                "Informal Resolution",
                "Informal",
                "HEALTH_ASSESSMENT",
                "Review health assessment is overdue.",
                "W009",
            ],
        ],
    ),
    "lcs_escalation_history": (
        [
            "Action Ref",
            "Escalation Ref",
            "Action",
            "Action Date",
            "Level",
            "Action By",
            "Escalated To",
            "Outcome Accepted",
            "Reason",
            "Comments",
            "Entered On",
            "Entered By",
        ],
        [
            [
                "E001",
                "CH001",
                "Manager Response",
                D(2024, 1, 12),
                "Informal",
                "W001",
                None,
                False,
                None,
                "Will update the plan after the placement meeting.",
                T(2024, 1, 12, 10, 15),
                "W006",
            ],
            [
                "E002",
                "CH002",
                "Manager Response",
                D(2024, 1, 26),
                "Level 1",
                "W002",
                None,
                False,
                None,
                "Plan to be updated within 4 weeks.",
                T(2024, 1, 26, 16, 40),
                "W006",
            ],
            [
                "E003",
                "CH002",
                "Escalate",
                D(2024, 1, 29),
                "Level 2",
                "W006",
                "W003",
                None,
                None,
                "Escalated to the Service Manager.",
                T(2024, 1, 29, 9, 30),
                "W006",
            ],
            [
                "E004",
                "CH002",
                "Manager Response",
                D(2024, 2, 2),
                "Level 2",
                "W003",
                None,
                True,
                None,
                "Care plan updated and shared with the IRO.",
                T(2024, 2, 2, 11, 0),
                "W006",
            ],
            [
                "E005",
                "CH002",
                "Resolved",
                D(2024, 2, 5),
                None,
                "W006",
                None,
                None,
                None,
                "IRO satisfied with the updated plan.",
                T(2024, 2, 5, 8, 45),
                "W006",
            ],
            [
                "E006",
                "CH003",
                "Escalate",
                D(2024, 2, 7),
                "Level 3",
                "W007",
                "W004",
                None,
                "Risk to the child: bypass to Head of Service.",
                "Stage 2 bypassed.",
                "07-Feb-2024 13:20",
                "W007",
            ],
            [
                "E007",
                "CH003",
                "Legal Advice",
                D(2024, 2, 8),
                None,
                "W007",
                None,
                None,
                None,
                "Independent legal advice requested.",
                T(2024, 2, 8, 9, 0),
                "W007",
            ],
            [
                "E008",
                "CH004",
                "Manager Response",
                D(2024, 3, 15),
                "Informal",
                "W009",
                None,
                True,
                None,
                "Health assessment booked for 20 March.",
                T(2024, 3, 15, 15, 5),
                "W006",
            ],
            [
                "E009",
                "CH004",
                "Resolved",
                D(2024, 3, 15),
                None,
                "W006",
                None,
                None,
                None,
                None,
                T(2024, 3, 15, 15, 10),
                "W006",
            ],
        ],
    ),
    "lcs_iro_qa_audits": (
        ["Audit ID", "LCS ID", "Audit Date", "Auditor", "Overall Judgement", "Escalation Ref"],
        [
            ["QA001", "C1001", D(2024, 1, 5), "W006", "Requires Improvement", None],
            ["QA002", "C1004", D(2024, 3, 8), "W006", "Good", None],
            ["QA003", "C1001", D(2023, 7, 10), "W006", "Inadequate", None],
        ],
    ),
}


def build(target: Path = TARGET) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(target))
    wb.set_properties({"created": datetime(2024, 4, 1)})  # a fixed date: the file is reproducible
    bold = wb.add_format({"bold": True})
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    stamp = wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    for name, (headers, rows) in SHEETS.items():
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, headers, bold)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    ws.write_datetime(r, c, value, stamp)
                elif isinstance(value, date):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
                elif isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                else:
                    ws.write_string(r, c, value)
    wb.close()
    return target


if __name__ == "__main__":
    print(build())

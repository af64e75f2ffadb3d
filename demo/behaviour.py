"""How challenges behave: the per-stage chances of entering, responding late or not at all,
being satisfied, escalating, bypassing, CAFCASS and legal advice; and the integer codes the
vectorised state machine uses for event types, actors and legal statuses.
"""

from __future__ import annotations

import numpy as np

from ingest import schema

ENTRY_P = np.array([0.82, 0.14, 0.022, 0.012, 0.006])  # where a (non-QA) challenge enters
P_WITHDRAW = np.array([0.012, 0.02, 0.025, 0.03, 0.03])
P_STALL = np.array([0.06, 0.08, 0.09, 0.10, 0.10])  # no response within 5 working days
P_LATE = np.array([0.10, 0.14, 0.16, 0.18, 0.20])  # responds, but after day 5
ON_TIME_DELAY_P = np.array([0.22, 0.26, 0.22, 0.16, 0.14])  # days 1..5 when on time
P_SAT = np.array([0.80, 0.80, 0.72, 0.76, 0.78])  # IRO/Chair satisfied with the response
P_RETRY = 0.12  # not satisfied, asks again at the same stage instead of escalating
# escalation target after an unsatisfactory response / no response at stage s (rows), to stage (cols)
ESCALATE_TO = np.array(
    [
        [0.0, 0.94, 0.03, 0.025, 0.005],
        [0.0, 0.0, 0.955, 0.04, 0.005],
        [0.0, 0.0, 0.0, 0.97, 0.03],
        [0.0, 0.0, 0.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
    ]
)
P_NOTE = 0.25
P_LEGAL = np.array([0.002, 0.01, 0.05, 0.12, 0.18])
P_CAFCASS_CONCURRENT = np.array([0.0, 0.0, 0.02, 0.04, 0.06])  # looked-after children only
P_CAFCASS_AFTER_AD = 0.5  # LAC, AD response not satisfactory -> meeting with AD, then CAFCASS

GRADE_P = np.array([0.07, 0.50, 0.38, 0.05])  # outstanding, good, requires_improvement, inadequate
P_GRADE_LINKED = 0.5  # inadequate grade recorded as a stage 1 escalation (linked challenge)

STATUS_OF_CHALLENGE_P = np.array([0.60, 0.34, 0.06])  # lac, cp, cin
CHILD_STATUS_P = np.array([0.45, 0.45, 0.10])
WINDOW_MEAN = np.array([780, 260, 230])  # how long a child stays known (working days) by status
# age (whole years 0..17) when first known, by status
_AGE_LAC = np.array([6, 4, 3, 3, 3, 3, 3, 3, 4, 4, 5, 5, 6, 7, 9, 11, 10, 7], float)
_AGE_CP = np.array([12, 8, 7, 7, 6, 6, 6, 5, 5, 5, 5, 5, 5, 5, 4, 4, 3, 2], float)
AGE_P = np.stack([_AGE_LAC / _AGE_LAC.sum(), _AGE_CP / _AGE_CP.sum(), _AGE_CP / _AGE_CP.sum()])
MONTH_WEIGHT = np.array([0.95, 1.0, 1.0, 0.95, 1.0, 1.0, 0.95, 0.72, 1.0, 1.0, 1.0, 0.78])

CONTEXTS = schema.CONTEXTS  # lac_review, cp_conference, midway_tracking, qa_checklist, other
CONTEXT_P = np.array(
    [  # by status; qa_checklist only comes from QA grades
        [0.62, 0.0, 0.33, 0.0, 0.05],
        [0.0, 0.68, 0.27, 0.0, 0.05],
        [0.0, 0.15, 0.35, 0.0, 0.50],
    ]
)


EV = {name: i for i, name in enumerate(schema.EVENT_TYPES)}
ESC, RESP, RES, WDN, CAF, LEG, NOTE = (
    EV[k]
    for k in ("escalated", "response", "resolved", "withdrawn", "cafcass_referral", "legal_advice", "note")
)
ACT_IRO, ACT_RESPONDER = 0, 1
LAC, CP, CIN = 0, 1, 2
STATUSES = schema.LEGAL_STATUSES

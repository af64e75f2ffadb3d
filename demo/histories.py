"""Challenge histories: the vectorised state machine that takes every open challenge one step per
round (respond / stall / withdraw, then resolve / escalate / bypass / CAFCASS), and the scripted
cases that guarantee open stage 3 and 4 cases near the end whatever the seed.
"""

from __future__ import annotations

import numpy as np

from demo.behaviour import (
    ACT_IRO,
    ACT_RESPONDER,
    CAF,
    CIN,
    CP,
    ESC,
    ESCALATE_TO,
    LAC,
    LEG,
    NOTE,
    ON_TIME_DELAY_P,
    P_CAFCASS_AFTER_AD,
    P_CAFCASS_CONCURRENT,
    P_LATE,
    P_LEGAL,
    P_NOTE,
    P_RETRY,
    P_SAT,
    P_STALL,
    P_WITHDRAW,
    RES,
    RESP,
    WDN,
)
from demo.vocabulary import TEXT_POOL

# Scripted cases near `end`, so every authority has open stage 3 and 4 cases (some overdue) whatever
# the seed: (status, context index, entry stage, raised (working days from end),
#   events: (type, working days from end, stage, satisfied (-1: none), text pool, who acts)).
# fmt: off
PLANTED: tuple[tuple[int, int, int, int, tuple[tuple[int, int, int, int, str, int], ...]], ...] = (
    # open at stage 3, escalated for lack of response, overdue
    (LAC, 0, 0, -34, ((RESP, -31, 0, 0, "resp_unsat", ACT_RESPONDER), (ESC, -30, 1, -1, "reason_unsat", ACT_IRO),
                      (RESP, -24, 1, 0, "resp_unsat", ACT_RESPONDER), (ESC, -23, 2, -1, "reason_unsat", ACT_IRO),
                      (ESC, -15, 3, -1, "reason_noresp", ACT_IRO), (LEG, -9, 3, -1, "legal", ACT_IRO))),
    # open at stage 4, entered at stage 1, over the 20-day cap
    (CP, 1, 1, -22, ((RESP, -18, 1, 0, "resp_unsat", ACT_RESPONDER), (ESC, -17, 2, -1, "reason_unsat", ACT_IRO),
                     (RESP, -12, 2, 0, "resp_unsat", ACT_RESPONDER), (ESC, -11, 3, -1, "reason_unsat", ACT_IRO),
                     (RESP, -6, 3, 0, "resp_unsat", ACT_RESPONDER), (ESC, -3, 4, -1, "reason_unsat", ACT_IRO))),
    # Positive Challenge bypassed straight to stage 3; response not satisfactory, decision pending
    (LAC, 2, 0, -12, ((ESC, -10, 3, -1, "reason_bypass", ACT_IRO), (RESP, -4, 3, 0, "resp_unsat", ACT_RESPONDER))),
    # entered at stage 4, concurrent CAFCASS referral, no response: overdue
    (LAC, 0, 4, -16, ((NOTE, -15, 4, -1, "note_high", ACT_IRO), (LEG, -11, 4, -1, "legal", ACT_IRO),
                      (CAF, -8, 4, -1, "cafcass_concurrent", ACT_IRO))),
    # Positive Challenge with no response: overdue
    (CP, 1, 0, -9, ()),
    # stage 1 raised this week
    (LAC, 0, 1, -3, ()),
    # stage 2, overdue
    (CIN, 2, 2, -8, ((NOTE, -2, 2, -1, "note_low", ACT_IRO),)),
    # fresh Positive Challenge
    (LAC, 2, 0, -1, ()),
    # open at stage 3, just escalated
    (CP, 1, 2, -11, ((RESP, -6, 2, 0, "resp_unsat", ACT_RESPONDER), (ESC, -4, 3, -1, "reason_unsat", ACT_IRO))),
    # QA checklist graded inadequate = stage 1 escalation, resolved
    (LAC, 3, 1, -12, ((RESP, -9, 1, 1, "resp_sat", ACT_RESPONDER), (RES, -9, 1, -1, "resolved", ACT_IRO))),
)
# fmt: on
PLANTED_QA = 9  # index of the planted QA-linked case


def pick_texts(rng: np.random.Generator, pool: str, n: int) -> np.ndarray:
    off, k = TEXT_POOL[pool]
    return off + rng.integers(0, k, n)


class Events:
    """Column buffers for events: challenge, type, day, order, stage, satisfied, reason, note, actor."""

    def __init__(self) -> None:
        self.cols: dict[str, list[np.ndarray]] = {
            k: [] for k in ("ch", "type", "day", "order", "stage", "sat", "reason", "note", "actor")
        }

    def add(self, ch, type_, day, order, stage, sat=-1, reason=-1, note=-1, actor=ACT_IRO) -> None:
        ch = np.asarray(ch, np.int64)
        n = ch.size
        if n == 0:
            return

        def full(v):
            v = np.asarray(v, np.int64)
            return np.broadcast_to(v, (n,)).copy() if v.ndim == 0 else v

        for k, v in (
            ("ch", ch),
            ("type", type_),
            ("day", day),
            ("order", order),
            ("stage", stage),
            ("sat", sat),
            ("reason", reason),
            ("note", note),
            ("actor", actor),
        ):
            self.cols[k].append(full(v))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: (np.concatenate(v) if v else np.zeros(0, np.int64)) for k, v in self.cols.items()}


def lifecycle(
    rng: np.random.Generator,
    ev: Events,
    ch: np.ndarray,
    raised: np.ndarray,
    entry: np.ndarray,
    is_lac: np.ndarray,
) -> None:
    """Vectorised state machine: every open challenge takes one step per round."""
    cur = entry.astype(np.int64).copy()
    t = raised.astype(np.int64).copy()
    active = np.ones(ch.size, bool)
    cafcass_done = np.zeros(ch.size, bool)
    for r in range(16):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        m = idx.size
        s, t0, lac = cur[idx], t[idx], is_lac[idx]
        base = 10 * r
        if r == 15:  # safety net: close anything still going
            ev.add(ch[idx], RES, t0 + 5, base + 2, s, note=pick_texts(rng, "resolved", m))
            break
        u = rng.random(m)
        withdraw = u < P_WITHDRAW[s]
        stall = ~withdraw & (u < P_WITHDRAW[s] + P_STALL[s])
        stall_esc = stall & (s < 4) & (rng.random(m) < 0.65)
        responded = ~withdraw & ~stall_esc
        late = rng.random(m) < P_LATE[s]
        delay = np.where(late, rng.integers(6, 16, m), 1 + rng.choice(5, m, p=ON_TIME_DELAY_P))
        delay = np.where(stall & ~stall_esc, rng.integers(8, 26, m), delay)
        resp_day = t0 + delay
        wd_day = t0 + rng.integers(1, 10, m)
        esc_noresp_day = t0 + rng.integers(6, 12, m)
        first_main = np.where(withdraw, wd_day, np.where(stall_esc, esc_noresp_day, resp_day))

        # side events during the stage, before its first main event
        side_day = t0 + (rng.random(m) * (first_main - t0 + 1)).astype(np.int64)
        k = rng.random(m) < P_NOTE
        ev.add(
            ch[idx[k]],
            NOTE,
            side_day[k],
            base,
            s[k],
            note=np.where(
                s[k] >= 3, pick_texts(rng, "note_high", k.sum()), pick_texts(rng, "note_low", k.sum())
            ),
        )
        k = rng.random(m) < P_LEGAL[s]
        ev.add(ch[idx[k]], LEG, side_day[k], base, s[k], note=pick_texts(rng, "legal", k.sum()))
        k = lac & ~cafcass_done[idx] & (rng.random(m) < P_CAFCASS_CONCURRENT[s])
        ev.add(ch[idx[k]], CAF, side_day[k], base, s[k], note=pick_texts(rng, "cafcass_concurrent", k.sum()))
        cafcass_done[idx[k]] = True

        # withdrawn
        k = withdraw
        ev.add(ch[idx[k]], WDN, wd_day[k], base + 2, s[k], note=pick_texts(rng, "withdrawn", k.sum()))
        active[idx[k]] = False

        # no response: escalate to the next stage (or further)
        target = _draw_targets(rng, s)
        k = stall_esc
        ev.add(
            ch[idx[k]],
            ESC,
            esc_noresp_day[k],
            base + 2,
            target[k],
            reason=pick_texts(rng, "reason_noresp", k.sum()),
        )
        cur[idx[k]] = target[k]
        t[idx[k]] = esc_noresp_day[k]

        # responses
        sat = rng.random(m) < P_SAT[s]
        k = responded
        ev.add(
            ch[idx[k]],
            RESP,
            resp_day[k],
            base + 1,
            s[k],
            sat=sat[k].astype(np.int64),
            note=np.where(
                sat[k], pick_texts(rng, "resp_sat", k.sum()), pick_texts(rng, "resp_unsat", k.sum())
            ),
            actor=ACT_RESPONDER,
        )
        # satisfied -> resolved
        k = responded & sat
        res_day = resp_day + np.where(rng.random(m) < 0.75, 0, rng.integers(1, 3, m))
        ev.add(ch[idx[k]], RES, res_day[k], base + 2, s[k], note=pick_texts(rng, "resolved", k.sum()))
        active[idx[k]] = False
        # not satisfied below stage 4: ask again, or escalate (bypass when the jump is > 1)
        unsat = responded & ~sat
        retry = unsat & (s < 4) & (rng.random(m) < P_RETRY)
        k = retry
        ev.add(ch[idx[k]], NOTE, resp_day[k], base + 2, s[k], note=pick_texts(rng, "retry", k.sum()))
        t[idx[k]] = resp_day[k] + rng.integers(0, 3, k.sum())
        k = unsat & (s < 4) & ~retry
        esc_day = resp_day + rng.integers(0, 4, m)
        bypass = target > s + 1
        reason = np.where(bypass, pick_texts(rng, "reason_bypass", m), pick_texts(rng, "reason_unsat", m))
        ev.add(ch[idx[k]], ESC, esc_day[k], base + 2, target[k], reason=reason[k])
        cur[idx[k]] = target[k]
        t[idx[k]] = esc_day[k]
        # not satisfied at stage 4: meeting with the AD, then CAFCASS (LAC) or agreed at the meeting
        k4 = unsat & (s == 4)
        caf = k4 & lac & (rng.random(m) < P_CAFCASS_AFTER_AD)
        caf_day = resp_day + rng.integers(3, 11, m)
        ev.add(
            ch[idx[caf]],
            CAF,
            caf_day[caf],
            base + 2,
            4,
            reason=pick_texts(rng, "reason_meeting", caf.sum()),
            note=pick_texts(rng, "cafcass_after_ad", caf.sum()),
        )
        end_day = caf_day + rng.integers(10, 50, m)
        ev.add(
            ch[idx[caf]], RES, end_day[caf], base + 3, 4, note=pick_texts(rng, "resolved_cafcass", caf.sum())
        )
        k = k4 & ~caf
        end_day = resp_day + rng.integers(5, 21, m)
        ev.add(ch[idx[k]], RES, end_day[k], base + 2, 4, note=pick_texts(rng, "resolved_ad", k.sum()))
        active[idx[k4]] = False


def _draw_targets(rng: np.random.Generator, s: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(ESCALATE_TO[s], axis=1)
    u = rng.random(s.size)[:, None]
    return np.minimum((u >= cdf).sum(axis=1), 4).astype(np.int64)

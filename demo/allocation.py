"""Who holds a child's case on a day: picking among the spells (staff in post) or windows (children
known) that cover each day, with allocations that stay put for a while.
"""

from __future__ import annotations

import numpy as np

from demo.organisation import Staff
from demo.workdays import Calendar


def pick(frm: np.ndarray, to: np.ndarray, days: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each (day, u) the floor(u * k)-th of the k spells covering day (-1 if none)."""
    out = np.full(days.size, -1, np.int64)
    if frm.size == 0 or days.size == 0:
        return out
    step = max(1, 4_000_000 // frm.size)
    for i in range(0, days.size, step):
        d = days[i : i + step]
        act = (frm[:, None] <= d) & (to[:, None] >= d)
        cs = np.cumsum(act, axis=0, dtype=np.int16 if frm.size < 32_000 else np.int32)
        cnt = cs[-1]
        k = np.minimum((u[i : i + step] * cnt).astype(cs.dtype), np.maximum(cnt - 1, 0))
        sel = np.argmax(cs > k[None, :], axis=0)
        out[i : i + step] = np.where(cnt > 0, sel, -1)
    return out


def pick_known(rng: np.random.Generator, w0: np.ndarray, w1: np.ndarray, days: np.ndarray) -> np.ndarray:
    """For each day a random one of the windows [w0, w1] covering it (-1 if none).

    Rejection sampling among the windows started by that day, then an exact pass for the few left.
    """
    out = np.full(days.size, -1, np.int64)
    if w0.size == 0 or days.size == 0:
        return out
    order = np.argsort(w0, kind="stable")
    s0, s1 = w0[order], w1[order]
    started = np.searchsorted(s0, days, side="right")
    todo = np.flatnonzero(started > 0)
    for _ in range(25):
        j = (rng.random(todo.size) * started[todo]).astype(np.int64)
        ok = s1[j] >= days[todo]
        out[todo[ok]] = order[j[ok]]
        todo = todo[~ok]
        if todo.size == 0:
            return out
    sel = pick(w0, w1, days[todo], rng.random(todo.size))
    out[todo] = sel
    return out


def sticky_u(base: np.ndarray, offset: np.ndarray, days: np.ndarray, period: int) -> np.ndarray:
    """A per-child number in [0, 1) that stays the same within a period (allocation stickiness)."""
    epoch = (days + offset) // period
    return np.mod(base + epoch * 0.6180339887, 1.0)


def allocated(pick_sw, staff: Staff, n_ch: int, w1: np.ndarray, dob: np.ndarray, cal: Calendar) -> np.ndarray:
    """Current social worker: none once the case closed (or the child turned 18)."""
    e0 = cal.e0
    child = np.arange(n_ch)
    spell = pick_sw(child, np.full(n_ch, e0))
    open_case = (w1 >= e0 - 130) & (cal.bdays[e0].astype(np.int64) - dob < 18 * 365)
    return np.where(open_case, staff.worker[spell], -1)

"""The working-day calendar (Mon-Fri) everything is generated on: a date is an index into it, so
"5 working days later" is ``+ 5``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np


@dataclass(frozen=True)
class Calendar:
    bdays: np.ndarray  # datetime64[D] working days (Mon-Fri)
    s0: int  # index of the first working day of the data window
    e0: int  # index of the last working day on or before `end`
    end: date

    @classmethod
    def build(cls, end: date, years: int) -> Calendar:
        start = _add_years(end, -years)
        lo = np.datetime64(_add_years(start, -16), "D")
        hi = np.datetime64(end + timedelta(days=5 * 366), "D")
        days = np.arange(lo, hi, dtype="datetime64[D]")
        bdays = days[np.is_busday(days)]
        s0 = int(np.searchsorted(bdays, np.datetime64(start, "D")))
        e0 = int(np.searchsorted(bdays, np.datetime64(end, "D"), side="right")) - 1
        return cls(bdays, s0, e0, end)

    def epoch_days(self, idx: np.ndarray) -> np.ndarray:
        """Working-day indices -> days since 1970-01-01 (for polars Date)."""
        return self.bdays[idx].astype(np.int64)


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)

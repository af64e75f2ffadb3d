"""Quarters of the April-March year: ``2026-27-Q2`` is July to September 2026."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_QUARTER = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int  # the April-March year's first calendar year (2026 for 2026-27)
    number: int  # 1 = April-June

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _QUARTER.match(text.strip())
        if not m:
            raise ValueError(
                f"{text!r} is not a quarter: write it as 2026-27-Q2 (April-March year, Q1 = April-June)"
            )
        year, short, number = int(m[1]), int(m[2]), int(m[3])
        if (year + 1) % 100 != short:
            raise ValueError(
                f"{text!r}: {year}-{short:02d} is not an April-March year (did you mean {year}-{(year + 1) % 100:02d}?)"
            )
        return cls(year, number)

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        nxt = self.next().start
        return date.fromordinal(nxt.toordinal() - 1)

    @property
    def label(self) -> str:  # as dim_calendar.fiscal_quarter_label
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.number}"

    @property
    def code(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}-Q{self.number}"

    @property
    def words(self) -> str:
        return f"{self.start:%B} to {self.end:%B %Y}"

    def previous(self) -> Quarter:
        return Quarter(self.year, self.number - 1) if self.number > 1 else Quarter(self.year - 1, 4)

    def next(self) -> Quarter:
        return Quarter(self.year, self.number + 1) if self.number < 4 else Quarter(self.year + 1, 1)

    @classmethod
    def of(cls, d: date) -> Quarter:
        year = d.year if d.month >= 4 else d.year - 1
        return cls(year, (d.month - 4) % 12 // 3 + 1)

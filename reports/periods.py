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


_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Year:
    """An April-March year: ``2025-26`` is April 2025 to March 2026."""

    year: int  # its first calendar year

    @classmethod
    def parse(cls, text: str) -> Year:
        m = _YEAR.match(text.strip())
        if not m:
            raise ValueError(f"{text!r} is not a year: write it as 2025-26 (April 2025 to March 2026)")
        year, short = int(m[1]), int(m[2])
        if (year + 1) % 100 != short:
            raise ValueError(
                f"{text!r}: {year}-{short:02d} is not an April-March year (did you mean {year}-{(year + 1) % 100:02d}?)"
            )
        return cls(year)

    @property
    def start(self) -> date:
        return date(self.year, 4, 1)

    @property
    def end(self) -> date:
        return date(self.year + 1, 3, 31)

    @property
    def code(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    label = code

    @property
    def words(self) -> str:
        return f"April {self.year} to March {self.year + 1}"

    @property
    def quarters(self) -> list[Quarter]:
        return [Quarter(self.year, n) for n in (1, 2, 3, 4)]

    @property
    def months(self) -> list[date]:
        return [date(self.year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]

    def previous(self) -> Year:
        return Year(self.year - 1)

    @classmethod
    def of(cls, d: date) -> Year:
        return cls(d.year if d.month >= 4 else d.year - 1)

"""Periods are explicit inclusive date ranges, always shown as such (docs/rules.md, "Periods").

This is the one place that knows calendar arithmetic: months ("YYYY-MM") of
a range, month ends, quarters, the elapsed share of a year, and how an
obligation is pro-rated — a volunteer registered (or a team founded) during
the year owes its share from that date, one who withdrew owes up to the
withdrawal.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import polars as pl

from tracker.problems import TrackerError


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive date range [start, end]."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise TrackerError(f"时间段有误：结束日期 {self.end} 早于开始日期 {self.start}。")

    @property
    def label(self) -> str:
        """"2026-01-01 至 2026-06-30"."""
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    def __str__(self) -> str:
        return self.label

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> list[str]:
        """Every month "YYYY-MM" the period touches, in order."""
        return months_between(self.start, self.end)

    @property
    def share_of_year(self) -> float:
        """The period's days over the days of its end's year (the pro-rata factor)."""
        return self.days / days_in_year(self.end.year)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if quarter not in (1, 2, 3, 4):
            raise TrackerError(f"季度应为 1 到 4，实际为 {quarter}。")
        first = 3 * quarter - 2
        return cls(dt.date(year, first, 1), month_end(year, first + 2))

    @classmethod
    def year_to_date(cls, as_of: dt.date) -> Period:
        """1 January of as_of's year to as_of."""
        return cls(dt.date(as_of.year, 1, 1), as_of)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def month_end_of(yyyy_mm: str) -> dt.date:
    """'2026-06' → 2026-06-30."""
    y, m = (int(x) for x in yyyy_mm.split("-"))
    return month_end(y, m)


def month_of(day: dt.date) -> str:
    """2026-03-05 → "2026-03"."""
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: dt.date | str, last: dt.date | str) -> list[str]:
    """Months "YYYY-MM" from `first` to `last` inclusive (dates or "YYYY-MM"); [] if reversed."""
    def index(m: dt.date | str) -> int:
        if isinstance(m, str):
            return int(m[:4]) * 12 + int(m[5:7]) - 1
        return m.year * 12 + m.month - 1

    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index(first), index(last) + 1)]


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def quarters_of(year: int) -> list[tuple[int, Period]]:
    return [(q, Period.quarter(year, q)) for q in (1, 2, 3, 4)]


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def owed_days(period: Period, start_col: str, left_col: str | None = None) -> pl.Expr:
    """Days of `period` during which the row owed service (vectorised).

    From max(period.start, start_col) — null start means the whole period —
    to min(period.end, left − 1 day): the day of withdrawal is no longer owed,
    matching `roster_as_of`, where a volunteer is active while `left` > date.
    """
    start = pl.max_horizontal(pl.lit(period.start), pl.col(start_col).fill_null(period.start))
    end = pl.lit(period.end)
    if left_col is not None:
        end = pl.min_horizontal(end, (pl.col(left_col) - pl.duration(days=1)).fill_null(period.end))
    return ((end - start).dt.total_days() + 1).clip(lower_bound=0)


def pro_rata(full_year: float, period: Period, start_col: str, left_col: str | None = None) -> pl.Expr:
    """The part of a yearly obligation owed in `period`: full × owed days / days in the year."""
    return pl.lit(float(full_year)) * owed_days(period, start_col, left_col) / days_in_year(period.end.year)

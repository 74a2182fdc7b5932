"""What a report declares of itself (`ReportSpec`) and what a user asks of it (`Request`).

See `tracker.reports.registry` for the list and docs/architecture.md for how
to add a report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tracker.assess.assessment import UnitAssessment
from tracker.problems import TrackerError
from tracker.render.charts import BarChart, Histogram


@dataclass(frozen=True)
class Request:
    """What a user asked for: the year and, as the report needs, a quarter or an as-of date."""

    year: int
    quarter: int | None = None
    as_of: dt.date | None = None
    today: dt.date = field(default_factory=dt.date.today)


@dataclass(frozen=True)
class OverviewColumn:
    """A column of the overview: a key of each unit report's `summary`."""

    key: str
    title: str
    format: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class ReportSpec:
    name: str  # quarterly
    title: str  # 季度例会通报
    help: str  # the CLI's one-line help
    options: tuple[str, ...]  # besides --year: "quarter" (required) or "quarter?" (optional), and/or "as_of"
    build: Callable[[UnitAssessment, Request], Any]  # → model.Report, laid out by templates/NAME.html
    stem: Callable[[Request], str]  # file name prefix: 季度例会通报_2026Q1
    overview: tuple[OverviewColumn, ...]
    overview_chart: Callable[[pl.DataFrame, list[str]], BarChart | Histogram]

    def check(self, req: Request) -> None:
        """The request's options make sense for this report (a user error otherwise)."""
        year, today = req.year, req.today
        if not 1900 < year < 3000:
            raise TrackerError(f"--year 应为四位年份（如 2026），而不是 {year}。", code=2)
        if dt.date(year, 1, 1) > today:
            raise TrackerError(f"{year} 年尚未开始（今天是 {today}），无法生成报告。")
        if "quarter?" in self.options and req.quarter is None:
            pass
        elif "quarter" in self.options or "quarter?" in self.options:
            if req.quarter not in (1, 2, 3, 4):
                raise TrackerError(f"{self.title}需要 --quarter 1 到 4。", code=2)
            start = dt.date(year, 3 * req.quarter - 2, 1)
            if start > today:
                raise TrackerError(f"{year}年第{req.quarter}季度尚未开始（从 {start} 起，今天是 {today}），"
                                   f"无法生成{self.title}。")
        if req.as_of is not None and req.as_of.year != year:
            raise TrackerError(f"--as-of {req.as_of} 不在 {year} 年内，请检查 --year 或 --as-of。")

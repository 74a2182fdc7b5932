"""The reports, listed once (cf. datasette's registries; docs/architecture.md, "Adding a report").

A report is one module declaring `SPEC` (`spec.ReportSpec`): its name and
title, which options it takes (a quarter, an as-of date), its builder (one
unit's `Report` from an assessment), its template, its file names and the
columns it contributes to the multi-unit overview. The CLI's
`tracker report NAME`, the API and the overview read this registry; adding a
report is its module, its template, one line below and the README.
"""

from __future__ import annotations

from tracker.problems import TrackerError
from tracker.reports import annual, midyear, points, quarterly
from tracker.reports.spec import ReportSpec

REPORTS: dict[str, ReportSpec] = {s.name: s for s in (quarterly.SPEC, midyear.SPEC, annual.SPEC, points.SPEC)}


def report_spec(name: str) -> ReportSpec:
    """The report called `name` (a usage error listing the reports otherwise)."""
    if name not in REPORTS:
        listed = "、".join(f"{k}（{s.title}）" for k, s in REPORTS.items())
        raise TrackerError(f"未知的报告类型“{name}”。可选：{listed}。", code=2)
    return REPORTS[name]

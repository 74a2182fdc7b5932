"""Making reports: every unit's report from one assessment, the overview, and their files.

The database is only read. A run over many units computes each figure once
for all of them (`tracker.assess.assessment`) and builds each unit's report
from its slice (docs/architecture.md, "Reports").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tracker.assess.assessment import Assessment
from tracker.atomic import ensure_folder
from tracker.problems import TrackerError
from tracker.reports import overview
from tracker.reports.model import Report, require_data
from tracker.reports.output import DEFAULT_FORMATS, WRITERS, write_report
from tracker.reports.spec import ReportSpec, Request


def check_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [f for f in formats if f not in WRITERS]
    if unknown or not formats:
        raise TrackerError(f"不支持的报告格式：{'、'.join(unknown) or '（空）'}。可选：{'、'.join(WRITERS)}。", code=2)
    return formats


def build_reports(a: Assessment, spec: ReportSpec, req: Request,
                  progress: Callable[[str], None] | None = None) -> list[Report]:
    """Each unit's report and, when the assessment covers several units, the overview last."""
    spec.check(req)
    units = a.units
    if not units:
        raise TrackerError("数据库中还没有任何单位的数据。请先用 tracker load 导入花名册和台账。")
    require_data(a.months_loaded, req.year, units)
    reports = []
    for u in units:
        if progress:
            progress(u)
        reports.append(spec.build(a.unit_view(u), req))
    if a.unit is None and len(reports) > 1:
        reports.append(overview.build(spec, reports, a.months_loaded, req))
    return reports


def write_reports(reports: list[Report], out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS,
                  progress: Callable[[str], None] | None = None) -> list[Path]:
    ensure_folder(out_dir, "报告文件夹 --out")
    paths: list[Path] = []
    for r in reports:
        if progress:
            progress(r.stem)
        paths += write_report(r, out_dir, formats)
    return paths

"""Making reports: every unit's report from one assessment, its files, and the overview.

The database is only read. A run over many units computes each figure once
for all of them (`tracker.assess.assessment`) and builds each unit's report
from its slice and lays out its page; writing the charts, embedding the
font and writing the files — most of the cost — is done by worker processes
on the other cores while this process builds the next units, a few units
ahead at most. Units are assessed a chunk at a time (`Assessment.chunks`), so memory
stays flat in the number of units (docs/performance.md, "Memory").
"""

from __future__ import annotations

import datetime as dt
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import polars as pl

from tracker.assess.assessment import Assessment
from tracker.atomic import ensure_folder
from tracker.problems import TrackerError
from tracker.reports import overview
from tracker.reports.model import Report, require_data
from tracker.reports.output import WRITERS, finish_report, prepare_report, write_report
from tracker.reports.spec import ReportSpec, Request

# done, total, what: "示例医院" (a unit written) or "各单位汇总"
Progress = Callable[[int, int, str], None]

POOL_FROM_UNITS = 6  # fewer units are drawn here: starting workers costs about a second


def check_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [f for f in formats if f not in WRITERS]
    if unknown or not formats:
        raise TrackerError(f"不支持的报告格式：{'、'.join(unknown) or '（空）'}。可选：{'、'.join(WRITERS)}。", code=2)
    return formats


@dataclass
class Made:
    """What a run made: the files, each unit's headline figures, and the overview (if any)."""

    paths: list[Path] = field(default_factory=list)
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    overview: Report | None = None


def workers_for(units: int) -> int:
    """Processes that draw the charts and write the files: one per core, none for a few units."""
    return 0 if units < POOL_FROM_UNITS else max(1, min(os.cpu_count() or 1, 8))


@contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    if workers <= 0:
        yield None
        return
    # spawn, not fork: polars' and DuckDB's threads do not survive a fork
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        yield pool


def make_reports(a: Assessment, spec: ReportSpec, req: Request, out_dir: Path,
                 formats: tuple[str, ...], progress: Progress | None = None,
                 workers: int | None = None, templates: Path | None = None,
                 only: list[str] | None = None) -> Made:
    """Build and write every unit's report (or `only` these units'), then the overview when the
    run covers several units."""
    spec.check(req)
    units = a.units if only is None else [u for u in a.units if u in set(only)]
    if not units:
        raise TrackerError("数据库中还没有任何单位的数据。请先用 tracker load 导入花名册和台账。")
    require_data(a.months_loaded, req.year, units)
    ensure_folder(out_dir, "报告文件夹 --out")
    made = Made()
    several = a.unit is None and len(units) > 1
    total = len(units) + (1 if several else 0)
    n_workers = workers_for(len(units)) if workers is None else workers
    pending: deque[tuple[str, dict, Future | list[Path]]] = deque()

    def finish(unit: str, summary: dict, written: Future | list[Path]) -> None:
        made.paths.extend(written.result() if isinstance(written, Future) else written)
        made.summaries[unit] = summary
        if progress:
            progress(len(made.summaries), total, unit)

    first_header = None
    with _pool(n_workers) as pool:
        upto = dt.date(req.year, 12, 31)  # the activities up to the year's end, copied by chunk (`workcopy`)
        views = (part.unit_view(u) for part, names in a.chunks(units, upto=upto) for u in names)
        for view in views:
            r = spec.build(view, req)
            first_header = first_header or r.header
            prepared = prepare_report(r, formats, templates)
            written = (pool.submit(finish_report, r.stem, prepared, out_dir) if pool is not None
                       else finish_report(r.stem, prepared, out_dir))
            pending.append((r.unit, r.summary, written))
            while len(pending) > 2 * max(n_workers, 1):  # a few units ahead, no more
                finish(*pending.popleft())
        while pending:
            finish(*pending.popleft())
    if several:
        assert first_header is not None
        loaded = a.months_loaded if only is None else a.months_loaded.filter(pl.col("unit").is_in(units))
        made.overview = overview.build(spec, made.summaries, first_header, loaded, req)
        made.paths.extend(write_report(made.overview, out_dir, formats, templates))
        if progress:
            progress(total, total, made.overview.unit)
    return made

"""`tracker demo`: a synthetic year written as ledger files, loaded and reported (docs/demo.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tracker.api.common import PathLike
from tracker.api.documents import export
from tracker.api.ledgers import init, load
from tracker.api.reports import report
from tracker.problems import TrackerError


@dataclass
class DemoResult:
    unit: str
    year: int
    ledgers: Path  # the folder of ledger files the demo wrote
    ledger_count: int
    db: Path
    files: list[Path]  # reports and forms written


def demo(out_dir: PathLike = "tracker-demo", db: PathLike | None = None, rules: PathLike | None = None,
         today: dt.date | None = None, progress: Callable[[str, int, int], None] | None = None) -> DemoResult:
    """Write a synthetic year as ledger files, load them as `tracker load` would, write every report
    and form (docs/demo.md). The demo's own database is rebuilt each run."""
    from tracker.atomic import ensure_folder
    from tracker.demo_data import write_demo_ledgers

    out = ensure_folder(Path(out_dir), "示例输出文件夹")
    db_file = Path(db) if db else out / "demo.duckdb"
    for stale in (db_file, db_file.with_name(db_file.name + ".wal")):
        if db is None and stale.exists():
            stale.unlink()
    files = write_demo_ledgers(out / "ledgers", today=today)
    year = files.year
    init(db_file)
    steps = len(files.files) + 6
    done = 0

    def step(what: str) -> None:
        nonlocal done
        if progress:
            progress(what, done, steps)
        done += 1

    for f in files.files:
        step(f"导入 {f.path.name}")
        (res,) = load(db_file, f.kind, [f.path], today=today, rules=rules, **f.options)
        if res.status == "rejected":
            raise TrackerError(f"示例台账 {f.path.name} 未能导入", res.problems)
    written: list[Path] = []
    mid = dt.date(year, 6, 30)  # the review the notice asks for at mid-year
    for name, opts in (("quarterly", {"quarter": 4}), ("midyear", {"as_of": mid}), ("annual", {})):
        step(f"生成报告 {name}")
        written += report(db_file, name, year=year, out_dir=out, rules=rules, today=today, **opts).paths
    for form, label in (("roster", "附件2_志愿者花名册"), ("teams", "附件3_服务队登记表"),
                        ("summary", "附件4_组队情况汇总表")):
        step(f"导出 {label}")
        written.append(export(db_file, form, out / f"{label}_{year}.xlsx", year=year).path)
    return DemoResult(files.unit, year, out / "ledgers", len(files.files), db_file, written)

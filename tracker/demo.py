"""`tracker demo`: write a synthetic year as ledger files, load them, report everything.

Everything goes through the same paths a user takes: the files are loaded with
`api.load` exactly as `tracker load` would, then the three reports and the
three forms are written. The ledgers stay in DIR/ledgers/ as examples.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from tracker import api
from tracker.demo_data import write_demo_ledgers
from tracker.problems import TrackerError


def run_demo(out_dir: Path, db: str | os.PathLike | None, rules: str | os.PathLike | None,
             console: Console, today: dt.date | None = None) -> list[Path]:
    """Build, load and report the demo year; returns every file written."""
    from tracker.forms import export_form
    from tracker.reports.commands import write_reports
    from tracker.store.db import connect

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    db_file = Path(db) if db else out_dir / "demo.duckdb"
    for stale in (db_file, db_file.with_name(db_file.name + ".wal")):
        if db is None and stale.exists():
            stale.unlink()  # the demo's own database is rebuilt each run
    files = write_demo_ledgers(out_dir / "ledgers", today=today)
    year = files.year
    api.init(db_file)
    written: list[Path] = []
    err = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=err, transient=True) as bar:
        task = bar.add_task("导入示例台账…", total=len(files.files) + 6)
        for f in files.files:
            bar.update(task, description=f"导入 {f.path.name}")
            (res,) = api.load(db_file, f.kind, [f.path], today=today, rules=rules, **f.options)
            if res.status == "rejected":
                raise TrackerError(f"示例台账 {f.path.name} 未能导入", res.problems)
            bar.advance(task)
        mid = dt.date(year, 6, 30)  # the review the notice asks for at mid-year
        for kind, opts in (("quarterly", {"quarter": 4}), ("midyear", {"as_of": mid}), ("annual", {})):
            bar.update(task, description=f"生成报告 {kind}")
            written += write_reports(kind, db_file, rules, year=year, out_dir=out_dir, today=today, **opts)
            bar.advance(task)
        with connect(db_file, read_only=True) as con:
            for form, name in (("roster", "附件2_志愿者花名册"), ("teams", "附件3_服务队登记表"),
                               ("summary", "附件4_组队情况汇总表")):
                bar.update(task, description=f"导出 {name}")
                res = export_form(con, form, out_dir / f"{name}_{year}.xlsx", year=year)
                written.append(res.path)
                bar.advance(task)
    t = Table(title=f"示例：{files.unit} {year} 年", header_style="bold")
    t.add_column("文件")
    t.add_column("内容")
    t.add_row(str(out_dir / "ledgers"), f"示例台账 {len(files.files)} 个（可作为填写样例）")
    t.add_row(str(db_file), "示例数据库")
    for p in written:
        t.add_row(str(p), _describe(p))
    console.print(t)
    console.print(f"用浏览器打开上面的 .html 报告即可查看和打印（A4）。数据库：{db_file}")
    return written


def _describe(p: Path) -> str:
    name = p.name
    for key, text in (("季度", "季度例会通报"), ("年中", "年中调整"), ("年度", "年度考评与星级认定"),
                      ("附件2", "附件2 志愿者花名册"), ("附件3", "附件3 服务队登记表"),
                      ("附件4", "附件4 组队情况汇总表"), ("汇总", "各单位对比")):
        if key in name:
            return text + ("（表格）" if p.suffix == ".xlsx" and not key.startswith("附件") else "")
    return ""

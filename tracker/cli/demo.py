"""`tracker demo`: a synthetic year, loaded and reported, with a table of what it wrote (docs/demo.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from tracker import api
from tracker.cli.app import Db, Debug, Rules, err, out

_DEMO_FILES = (("季度", "季度例会通报"), ("年中", "年中调整"), ("年度", "年度考评与星级认定"),
               ("附件2", "附件2 志愿者花名册"), ("附件3", "附件3 服务队登记表"),
               ("附件4", "附件4 组队情况汇总表"), ("汇总", "各单位对比"))


def _describe(p: Path) -> str:
    for key, text in _DEMO_FILES:
        if key in p.name:
            return text + ("（表格）" if p.suffix == ".xlsx" and not key.startswith("附件") else "")
    return ""


def demo(out_dir: Annotated[Path, typer.Option("--out", help="输出文件夹。")] = Path("tracker-demo"),
         db: Db = None, rules: Rules = None, debug: Debug = False) -> None:
    """生成一个示例单位（34名党员、4支服务队）的一整年台账，导入并生成全部报告和表格。"""
    from rich.progress import BarColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  console=err, transient=True) as bar:
        task = bar.add_task("导入示例台账…", total=None)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        result = api.demo(out_dir, db, rules, progress=progress)
    t = Table(title=f"示例：{esc(result.unit)} {result.year} 年", header_style="bold")
    t.add_column("文件")
    t.add_column("内容")
    t.add_row(esc(str(result.ledgers)), f"示例台账 {result.ledger_count} 个（可作为填写样例）")
    t.add_row(esc(str(result.db)), "示例数据库")
    for p in result.files:
        t.add_row(esc(str(p)), _describe(p))
    out.print(t)
    out.print(f"用浏览器打开上面的 .html 报告即可查看和打印（A4）。数据库：{result.db}", markup=False)

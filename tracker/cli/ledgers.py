"""Ledger commands: init, load, status, backup (docs/ledgers.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from tracker import api
from tracker.cli.app import (
    Db,
    Debug,
    Json,
    Rules,
    Unit,
    Year,
    err,
    kind_name,
    listing,
    out,
    print_problems,
)
from tracker.formats import month_ranges, months_text, unit_list
from tracker.privacy import mask_text


def init(db: Db = None, debug: Debug = False) -> None:
    """创建数据库（已存在则升级到当前结构）。"""
    path, version = api.init(db)
    out.print(f"数据库已就绪：{path}（结构版本 {version}）", markup=False)


def load(
    kind: Annotated[str, typer.Argument(help="台账类型：units 单位 | teams 服务队 | roster 花名册 | activities 活动 | demands 需求 | pairings 结对帮扶 | applications 申请登记表（附件1）。", show_default=False)],
    files: Annotated[list[Path], typer.Argument(help="一个或多个 .xlsx / .xls / .csv 文件；申请登记表为 .docx / .xlsx / .xls 文件或文件夹。", show_default=False)],
    unit: Unit = None,
    month: Annotated[str | None, typer.Option("--month", help="上报月份 YYYY-MM：日期须在该月内；补录按该月月底判断。", show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="文件日期（默认取标题行的填表日期，否则为今天）；花名册和服务队的变更从这天起生效。", show_default=False)] = None,
    replace: Annotated[bool, typer.Option("--replace", help="更正重传：用本文件替换该单位这几个月的同类记录。")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入。")] = False,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Excel 工作表名称；all 表示导入所有有台账数据的可见工作表（默认：打开文件时显示的工作表，它没有台账时取第一个有台账的可见工作表）。", show_default=False)] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="--replace 要删除已导入的记录时不再询问，直接替换（供脚本使用）。")] = False,
    as_json: Json = False,
    db: Db = None,
    rules: Rules = None,
    debug: Debug = False,
    team: Annotated[str | None, typer.Option("--team", help="服务队：文件没有服务队列时每行都记为这支队（文件里填了的以文件为准）。", show_default=False)] = None,
    title: Annotated[str | None, typer.Option("--title", help="活动名称：文件没有活动名称列时每行都用它（文件里填了的以文件为准）。", show_default=False)] = None,
    columns: Annotated[Path | None, typer.Option("--columns", envvar="TRACKER_COLUMNS", help="表头别名文件 .toml：本单位文件里表头的其他写法（环境变量 TRACKER_COLUMNS）。", show_default=False)] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="更正原因：改动已确认（tracker confirm）的月份时必填，记入修改记录（tracker history）。", show_default=False)] = None,
) -> None:
    """导入台账文件。一个文件有任何错误就整个不导入，并一次列出所有问题；申请登记表（applications）一次导入的全部表格一起导入或都不导入。"""
    options = {"unit": unit, "month": month, "as_of": as_of, "replace": replace, "dry_run": dry_run,
               "sheet": sheet, "rules": rules, "team": team, "title": title, "columns": columns, "reason": reason}
    results = _load_with_progress(db, kind, files, options, yes=yes, quiet=as_json)
    rejected = [r for r in results if r.status == "rejected"]
    pending = [r for r in results if r.status == "pending"]
    if as_json:
        _print_load_json(results)
    else:
        _print_load_table(results)
    if rejected or pending:
        raise typer.Exit(1)


def _load_with_progress(db, kind: str, files: list[Path], options: dict, *, yes: bool,
                        quiet: bool) -> list[api.FileResult]:
    """`api.load` under a progress bar on stderr: a bar over the files (a folder of forms counts
    its forms as it goes) and the step of the current one; a --replace asks at a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    key = api.check_kind(kind)
    shown = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
             TimeElapsedColumn()]
    with Progress(*shown, console=err, transient=True, disable=quiet) as bar:

        def ask(plan: api.ReplacePlan) -> bool:
            bar.stop()
            print_plan(plan)
            ok = typer.confirm("确定删除以上记录，并用本文件替换吗？", default=False, err=True)
            bar.start()
            return ok

        forms = isinstance(api.KINDS[key], api.FormKind)  # folders of forms: counted as they are read
        task = bar.add_task("正在导入…", total=None if forms else len(files))
        started: list[str] = []

        def file_started(f: str) -> None:
            started.append(Path(f).name)
            bar.update(task, completed=len(started) - 1, description=f"{esc(started[-1])}：开始")

        def step(what: str) -> None:
            bar.update(task, description=f"{esc(started[-1]) if started else ''}：{what}…")

        # --replace deletes records: --yes decides; a terminal is asked; a script without --yes is not
        confirm = True if yes else (ask if not quiet and sys.stdin.isatty() else False)
        return api.load(db, kind, files, confirm=confirm, progress=file_started, stage=step, scope=api.LOCAL,
                        **options)


def _print_load_json(results: list[api.FileResult]) -> None:
    problems = [p for r in results for p in r.problems]
    if any(r.status == "rejected" for r in results):
        print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=1))
        return
    print(json.dumps({"loaded": [
        {"file": r.file, "kind": r.kind, "status": r.status, "rows": r.rows,
         "units": [mask_text(u) for u in r.units], "months": r.months, "counts": r.counts,
         "message": mask_text(r.message), "sheet": r.sheet,
         "replace": plan_dict(r.plan)} for r in results],
        "warnings": [p.to_dict() for p in problems]}, ensure_ascii=False, indent=1, default=str))


def _print_load_table(results: list[api.FileResult]) -> None:
    t = Table(header_style="bold")
    for h in ("文件", "结果", "行数", "单位", "月份", "明细"):
        t.add_column(h, overflow="fold")
    names = {"loaded": "[green]已导入[/green]", "checked": "[green]检查通过（未写入）[/green]",
             "unchanged": "已导入过，未改动", "rejected": "[red]未导入[/red]",
             "pending": "[yellow]待确认替换，未写入[/yellow]"}
    for r in results:
        detail = "，".join(f"{k} {v}" for k, v in r.counts.items()) or mask_text(r.message)
        t.add_row(esc(r.file), names[r.status], str(r.rows or ""), esc(mask_text(unit_list(r.units))),
                  months_text(r.months), esc(detail))
    out.print(t)
    print_problems([p for r in results for p in r.problems])
    for r in results:
        if r.plan is not None and r.status in ("checked", "pending"):
            print_plan(r.plan)
    _print_load_summary(results)


def plan_dict(plan: api.ReplacePlan | None) -> dict | None:
    if plan is None:
        return None
    return {"months": plan.months, "rows": plan.rows, "total": plan.total,
            "last_backup": {"path": plan.last_backup[0], "time": plan.last_backup[1].isoformat(sep=" ")}
            if plan.last_backup else None}


def print_plan(plan: api.ReplacePlan) -> None:
    """What a --replace deletes, month by month, and where the last backup is."""
    err.print(f"{plan.file}：--replace 将先删除{mask_text(unit_list(plan.units))}以下月份已导入的{kind_name(plan.kind)}记录，"
              "再写入本文件：", markup=False)
    t = Table(header_style="bold")
    whats = list(plan.total)
    for h in ("月份", *whats):
        t.add_column(h)
    for m, counts in plan.rows.items():
        t.add_row(m, *(str(counts.get(w, 0)) for w in whats))
    t.add_row("合计", *(str(plan.total[w]) for w in whats))
    err.print(t)
    for note in plan.warnings:  # a year typed wrong shows here, before the question
        err.print(f"[yellow]提醒：{esc(note)}[/yellow]")
    if plan.last_backup:
        where, when = plan.last_backup
        err.print(f"最近一次备份：{where}（{when:%Y-%m-%d %H:%M}）。", markup=False)
    else:
        err.print("还没有用 tracker backup 做过备份；替换前建议先运行：tracker backup --out 备份.duckdb", markup=False)


def _print_load_summary(results: list) -> None:
    """File by file: what was written, what was not and why (never "nothing changed" after a write)."""
    written = [r.file for r in results if r.status == "loaded"]
    rejected = [r for r in results if r.status == "rejected"]
    pending = [r.file for r in results if r.status == "pending"]
    if not rejected and not pending:
        return
    done = (f"这些文件未写入任何内容；已导入：{'、'.join(written)}" if written else "数据库未做任何改动")
    if rejected:
        n = sum(1 for r in rejected for p in r.problems if p.level == "error")
        err.print(f"[red]有 {len(rejected)} 个文件未导入（{esc('、'.join(r.file for r in rejected))}）：共 {n} 个问题，"
                  f"请改正后重新导入（{esc(done)}）。[/red]")
    if pending:
        err.print(f"[yellow]{esc('、'.join(pending))} 需要确认替换，未写入（{esc(done)}）。确认无误后加 --yes 重新运行，"
                  "或在终端中运行以便逐一确认。[/yellow]")


def status(unit: Unit = None, year: Year = None, as_json: Json = False, db: Db = None, rules: Rules = None,
           debug: Debug = False) -> None:
    """查看已导入的内容：每个单位的人数、活动、时长，各台账已导入和缺少的月份，以及导入记录。"""
    units = api.status(db, unit, year, rules=rules, scope=api.LOCAL)
    if as_json:
        print(json.dumps([u.to_dict() for u in units], ensure_ascii=False, indent=1, default=str))
        return
    if not units:
        out.print("数据库中还没有单位。先导入单位表、服务队登记表或花名册：tracker load units 文件.xlsx")
        return
    rows = []
    for u in units:
        gaps = "；".join(f"{kind_name(k)} {'、'.join(m)}" for k, m in u.missing_months.items() if m)
        waiting = "；".join(f"{kind_name(k)} {month_ranges(m)}" for k, m in u.unconfirmed.items() if m)
        rows.append([u.unit, str(u.volunteers), str(u.applicants), str(u.teams), str(u.activities),
                     str(u.participations), f"{u.service_hours:g}", str(u.demands), str(u.pairing_visits),
                     gaps or "无", waiting or "无"])
    listing("各单位概况" + (f"（{year}年）" if year else ""),
            ["单位", "在册志愿者", "待审核申请", "服务队", "活动", "参加人次", "服务时长", "需求", "结对走访", "缺少月份",
             "未确认月份"], rows, numeric=8, note=9)
    _print_loads(units)


def _print_loads(units: list[api.UnitStatus]) -> None:
    """Every load once (a city's file covers many units), newest last, with the units it held."""
    loads: dict[int, tuple[dict, list[str]]] = {}
    for u in units:
        for ld in u.loads:
            loads.setdefault(ld["id"], (ld, []))[1].append(u.unit)
    if not loads:
        return
    rows = []
    for ld, names in sorted(loads.values(), key=lambda v: v[0]["id"]):
        who = names[0] if len(names) == 1 else f"{names[0]} 等 {len(names)} 个单位"
        rows.append([ld["time"], kind_name(ld["kind"]), ld["file"], who, str(ld["rows"]), months_text(ld["months"]),
                     ld["account"] or "—", ld["hash"][:12]])
    listing("导入记录", ["时间", "台账", "文件", "单位", "行数", "月份", "导入者", "校验码"], rows)


def backup(out_file: Annotated[Path, typer.Option("--out", help="备份文件（如 备份/tracker-2026-03.duckdb），或存放备份的文件夹。", show_default=False)],
           db: Db = None, debug: Debug = False) -> None:
    """备份数据库：在没有其他程序写入时复制出一份完整、经过校验的数据库文件。恢复时把它复制回原处即可。"""
    res = api.backup(db, out_file, scope=api.LOCAL)
    mb = res.bytes / 1024 / 1024
    out.print(f"已备份到 {res.path}（{mb:.1f} MB，{sum(res.rows.values())} 行，已校验）。", markup=False)
    out.print(f"恢复方法：关闭所有 tracker 程序，把这个文件复制为 {res.db}。", markup=False)

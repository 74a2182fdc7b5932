"""The `tracker` command: option parsing and printing only; the work is in `tracker.api`.

Exit codes: 0 done; 1 input rejected or a check failed; 2 usage error;
3 an internal error (a bug: run again with --debug and send the output).
A user mistake never shows a traceback; `--debug` shows one.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape as esc  # anything from a user's file or a path: never markup
from rich.table import Table

from tracker import api
from tracker.formats import months_text, unit_list
from tracker.privacy import mask_text
from tracker.problems import Problem, TrackerError
from tracker.words import LEVEL_WORDS

try:  # newer typer vendors click; older ones use the click package
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover
    from click import exceptions as click_exc

# Redirected to a file or another program, nothing is to fit: lines are not wrapped at 80 columns
# (a wrapped unit name cannot be searched for); a terminal keeps its own width.
_WIDE = 200
out = Console(highlight=False, width=None if sys.stdout.isatty() else _WIDE)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else _WIDE)

app = typer.Typer(
    help="tracker：党员志愿服务队台账与年度考评。导入“一册三簿”，检查规则，生成季度通报、年中调整和年度星级认定报告。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
report_app = typer.Typer(help="生成报告（HTML + 同名 .xlsx，可加 Word .docx）。", no_args_is_help=True)
app.add_typer(report_app, name="report")

Db = Annotated[Path | None, typer.Option("--db", envvar="TRACKER_DB", help="数据库文件（默认 ./tracker.duckdb；环境变量 TRACKER_DB）。", show_default=False)]
Rules = Annotated[Path | None, typer.Option("--rules", envvar="TRACKER_RULES", help="规则文件 .toml（默认用内置规则；环境变量 TRACKER_RULES）。", show_default=False)]
Unit = Annotated[str | None, typer.Option("--unit", help="单位名称。", show_default=False)]
Year = Annotated[int | None, typer.Option("--year", help="年度，如 2026。", show_default=False)]
AsOf = Annotated[str | None, typer.Option("--as-of", help="截至日期，如 2026-06-30。", show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]
Debug = Annotated[bool, typer.Option("--debug", help="出错时显示完整的 Python 错误信息（供开发者排查）。")]
OutDir = Annotated[Path | None, typer.Option("--out", help="输出文件夹（默认当前文件夹）。", show_default=False)]

_STYLE = {"fail": "bold red", "warn": "yellow", "pass": "green"}
LONG_LISTING = 100  # rows: longer listings print as plain aligned text


def _listing(title: str, headers: list[str], rows: list[list[str]], *, numeric: int = 0,
             note: int | None = None) -> None:
    """A table of plain-text cells: a rich table, or for a city's thousand units aligned text.

    rich lays out about two thousand rows a second — a city's status spent more
    time drawing its table than computing it — and wraps long names into
    columns a few characters wide when the window is narrow; aligned text is
    instant, never wraps a name, and pastes into Excel column by column.
    `numeric`: how many columns after the first are numbers (right-aligned);
    `note`: a column shown in yellow unless it says 无.
    """
    if len(rows) <= LONG_LISTING:
        t = Table(title=title, header_style="bold")
        for i, h in enumerate(headers):
            right = 0 < i <= numeric
            t.add_column(h, justify="right" if right else "left", overflow="fold",
                         min_width=None if right else 4)
        for r in rows:
            t.add_row(*(f"[yellow]{esc(c)}[/yellow]" if i == note and c != "无" else esc(c)
                        for i, c in enumerate(r)))
        out.print(t)
        return
    from rich.cells import cell_len

    widths = [max(cell_len(h), *(cell_len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = [" " * (w - cell_len(c)) + c if 0 < i <= numeric else c + " " * (w - cell_len(c))
                  for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded).rstrip()

    text = [f"{title}（{len(rows)} 行）", line(headers), "  ".join("-" * w for w in widths)]
    text.extend(line(r) for r in rows)
    out.file.write("\n".join(text) + "\n")
    out.file.flush()


def _print_problems(problems: list[Problem]) -> None:
    if not problems:
        return
    t = Table(show_lines=False, header_style="bold")
    for h in ("文件", "行", "列", "内容", "问题"):
        t.add_column(h, overflow="fold")
    for p in problems:
        style = "red" if p.level == "error" else "yellow"
        t.add_row(esc(p.file), str(p.row or ""), esc(p.column or ""), esc(p.value or ""),
                  f"[{style}]{'' if p.level == 'error' else '提醒：'}{esc(p.message)}[/{style}]")
    err.print(t)


def _kind_name(kind: str) -> str:
    from tracker.ingest.kinds import kind_name

    return kind_name(kind)


@app.command()
def init(db: Db = None, debug: Debug = False) -> None:
    """创建数据库（已存在则升级到当前结构）。"""
    path, version = api.init(db)
    out.print(f"数据库已就绪：{path}（结构版本 {version}）", markup=False)


@app.command()
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
) -> None:
    """导入台账文件。一个文件有任何错误就整个不导入，并一次列出所有问题；申请登记表（applications）一次导入的全部表格一起导入或都不导入。"""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    key = api.check_kind(kind)
    # a bar over the files (a folder of forms counts its forms as it goes), the step of the current one
    shown = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
             TimeElapsedColumn()]
    with Progress(*shown, console=err, transient=True, disable=as_json) as bar:

        def ask(plan: api.ReplacePlan) -> bool:
            bar.stop()
            _print_plan(plan)
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
        confirm = True if yes else (ask if not as_json and sys.stdin.isatty() else False)
        results = api.load(db, kind, files, unit=unit, month=month, as_of=as_of, replace=replace,
                           dry_run=dry_run, sheet=sheet, rules=rules, confirm=confirm, team=team, title=title,
                           columns=columns, progress=file_started, stage=step)
    rejected = [r for r in results if r.status == "rejected"]
    pending = [r for r in results if r.status == "pending"]
    problems = [p for r in results for p in r.problems]
    if as_json:
        if rejected:
            print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=1))
        else:
            print(json.dumps({"loaded": [
                {"file": r.file, "kind": r.kind, "status": r.status, "rows": r.rows,
                 "units": [mask_text(u) for u in r.units], "months": r.months, "counts": r.counts,
                 "message": mask_text(r.message), "sheet": r.sheet,
                 "replace": _plan_dict(r.plan)} for r in results],
                "warnings": [p.to_dict() for p in problems]}, ensure_ascii=False, indent=1, default=str))
        raise typer.Exit(1 if rejected or pending else 0)
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
    _print_problems(problems)
    for r in results:
        if r.plan is not None and r.status in ("checked", "pending"):
            _print_plan(r.plan)
    _print_load_summary(results)
    if rejected or pending:
        raise typer.Exit(1)


def _plan_dict(plan: api.ReplacePlan | None) -> dict | None:
    if plan is None:
        return None
    return {"months": plan.months, "rows": plan.rows, "total": plan.total,
            "last_backup": {"path": plan.last_backup[0], "time": plan.last_backup[1].isoformat(sep=" ")}
            if plan.last_backup else None}


def _print_plan(plan: api.ReplacePlan) -> None:
    """What a --replace deletes, month by month, and where the last backup is."""
    err.print(f"{plan.file}：--replace 将先删除{mask_text(unit_list(plan.units))}以下月份已导入的{_kind_name(plan.kind)}记录，"
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


@app.command()
def status(unit: Unit = None, year: Year = None, as_json: Json = False, db: Db = None, rules: Rules = None,
           debug: Debug = False) -> None:
    """查看已导入的内容：每个单位的人数、活动、时长，各台账已导入和缺少的月份，以及导入记录。"""
    units = api.status(db, unit, year, rules=rules)
    if as_json:
        print(json.dumps([u.to_dict() for u in units], ensure_ascii=False, indent=1, default=str))
        return
    if not units:
        out.print("数据库中还没有单位。先导入单位表、服务队登记表或花名册：tracker load units 文件.xlsx")
        return
    rows = []
    for u in units:
        gaps = "；".join(f"{_kind_name(k)} {'、'.join(m)}" for k, m in u.missing_months.items() if m)
        rows.append([u.unit, str(u.volunteers), str(u.applicants), str(u.teams), str(u.activities),
                     str(u.participations), f"{u.service_hours:g}", str(u.demands), str(u.pairing_visits),
                     gaps or "无"])
    _listing("各单位概况" + (f"（{year}年）" if year else ""),
             ["单位", "在册志愿者", "待审核申请", "服务队", "活动", "参加人次", "服务时长", "需求", "结对走访", "缺少月份"],
             rows, numeric=8, note=9)
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
        rows.append([ld["time"], _kind_name(ld["kind"]), ld["file"], who, str(ld["rows"]), months_text(ld["months"]),
                     ld["account"] or "—", ld["hash"][:12]])
    _listing("导入记录", ["时间", "台账", "文件", "单位", "行数", "月份", "导入者", "校验码"], rows)


@app.command()
def check(year: Year = None, as_of: AsOf = None, unit: Unit = None, as_json: Json = False, db: Db = None,
          rules: Rules = None, debug: Debug = False) -> None:
    """按规则检查（R1–R13、不活跃志愿者、逾期需求和结对）。有未通过项时退出码为 1。"""
    result = api.check(db, year=year, as_of=as_of, unit=unit, rules=rules)
    if as_json:
        _print_json_list([f.to_dict() for f in result.findings])
    else:
        _print_findings(result)
    raise typer.Exit(1 if result.failed else 0)


def _print_json_list(items: list[dict]) -> None:
    """A JSON array, one item per line: readable, and written by json's fast C encoder
    (an indented dump of a city's findings took longer than computing them)."""
    out_ = sys.stdout
    out_.write("[\n")
    last = len(items) - 1
    for i, item in enumerate(items):
        out_.write(json.dumps(item, ensure_ascii=False, default=str))
        out_.write(",\n" if i < last else "\n")
    out_.write("]\n")


def _print_findings(result: api.CheckResult) -> None:
    """One table per unit (failures, then warnings, then passes) and a summary line."""
    from tracker.assess.checks import RULE_TITLES

    if not result.judged:
        out.print("数据库中还没有任何单位的数据。请先用 tracker load 导入花名册、服务队和活动登记簿。")
        return
    by_unit: dict[str, list] = {}
    for f in result.findings:
        by_unit.setdefault(f.unit, []).append(f)
    for unit, (year, as_of) in result.judged.items():
        table = Table(title=f"{esc(unit)}　{year}年考评检查（{year}-01-01 至 {as_of}）", show_lines=False,
                      title_justify="left")
        table.add_column("结果", no_wrap=True)
        table.add_column("规则", no_wrap=True)
        table.add_column("服务队", overflow="fold", max_width=16)
        table.add_column("志愿者", no_wrap=True)
        table.add_column("说明", overflow="fold", ratio=1, min_width=24)
        for f in by_unit.get(unit, []):
            style = _STYLE[f.level]
            table.add_row(f"[{style}]{LEVEL_WORDS[f.level]}[/]", RULE_TITLES.get(f.rule, f.rule),
                          esc(f.team or ""), esc(f.volunteer or ""), esc(f.message))
        out.print(table)
    counts = result.counts()
    verdict = "有规则未通过" if counts["fail"] else ("全部通过（有提醒）" if counts["warn"] else "全部通过")
    out.print(
        f"共 {len(result.judged)} 个单位：{LEVEL_WORDS['fail']} {counts['fail']} 项，{LEVEL_WORDS['warn']} "
        f"{counts['warn']} 项，{LEVEL_WORDS['pass']} {counts['pass']} 项 —— {verdict}。"
    )


@app.command()
def backup(out_file: Annotated[Path, typer.Option("--out", help="备份文件（如 备份/tracker-2026-03.duckdb），或存放备份的文件夹。", show_default=False)],
           db: Db = None, debug: Debug = False) -> None:
    """备份数据库：在没有其他程序写入时复制出一份完整、经过校验的数据库文件。恢复时把它复制回原处即可。"""
    res = api.backup(db, out_file)
    mb = res.bytes / 1024 / 1024
    out.print(f"已备份到 {res.path}（{mb:.1f} MB，{sum(res.rows.values())} 行，已校验）。", markup=False)
    out.print(f"恢复方法：关闭所有 tracker 程序，把这个文件复制为 {res.db}。", markup=False)


@app.command("rules")
def rules_cmd(out_file: Annotated[Path | None, typer.Option("--out", help="写到 .toml 文件（默认打印）。", show_default=False)] = None,
              rules: Rules = None, debug: Debug = False) -> None:
    """打印全部规则（阈值、时间窗口、计算口径）及其默认值和出处；可另存为 .toml 修改后用 --rules 使用。"""
    result = api.rules(rules, out_file)
    if result.path is None:
        print(result.text)
    else:
        err.print(f"已写出规则文件 {result.path}，修改后用 --rules {result.path} 使用。", markup=False)


@app.command()
def review(
    names: Annotated[list[str] | None, typer.Argument(help="与 --approve 一起：审核通过的申请人姓名或 姓名(手机后四位)，可写多个。", show_default=False)] = None,
    approve: Annotated[bool, typer.Option("--approve", help="审核通过并登记后面列出的申请人。")] = False,
    date: Annotated[str | None, typer.Option("--date", help="审核日期（默认今天），也是登记日期。", show_default=False)] = None,
    unit: Unit = None, db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """党组织审核申请登记表（附件1）：不加 --approve 列出待审核的申请人；--approve 姓名… 记录审核日期并登记在册。"""
    if names and not approve:
        raise TrackerError("要审核通过这些申请人，请加 --approve：tracker review --unit 单位 --approve 姓名…", code=2)
    if approve and not names:
        raise TrackerError("--approve 后面请写审核通过的申请人姓名。", code=2)
    result = api.review(db, unit=unit, approve=names or [], date=date, rules=rules)
    if result.approved:
        t = Table(title=f"{result.unit}：{result.day} 审核通过并登记 {len(result.approved)} 人", header_style="bold")
        for h in ("姓名", "申请日期", "审核日期", "登记日期"):
            t.add_column(h)
        for p in result.approved:
            t.add_row(p["name"], str(p["applied"] or ""), str(result.day), str(result.day))
        out.print(t)
    for p in result.already:
        out.print(f"[yellow]{p['name']} 已于 {p['registered']} 登记在册，无需审核。[/yellow]")
    if not result.pending:
        out.print(f"{result.unit}：没有待审核的申请。")
        return
    t = Table(title=f"{result.unit}：待审核的申请 {len(result.pending)} 人", header_style="bold")
    for h in ("姓名", "电话", "申请日期", "已等待（天）"):
        t.add_column(h)
    for p in result.pending:
        late = p["days"] is not None and result.limit_days is not None and p["days"] > result.limit_days
        days = "" if p["days"] is None else str(p["days"])
        t.add_row(p["name"], p["phone"], str(p["applied"] or ""), f"[yellow]{days}（超过 {result.limit_days} 天）[/yellow]" if late else days)
    out.print(t)


# ---------------------------------------------------------------- reports, one command per registry entry


def _report_command(name: str):
    """`tracker report NAME`, with the options the report's spec declares."""
    from tracker.reports.registry import REPORTS

    spec = REPORTS[name]

    def command(year: int, unit: str | None = None, out_dir: Path | None = None, db: Path | None = None,
                rules: Path | None = None, debug: bool = False, quarter: int | None = None,
                as_of: str | None = None, formats: str = "html,xlsx", templates: Path | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        chosen = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task(f"正在计算{spec.title}…", total=None)

            def progress(done: int, total: int, unit: str) -> None:
                bar.update(task, completed=done, total=total, description=f"{spec.title}：{unit}")

            result = api.report(db, name, year=year, quarter=quarter, as_of=as_of, unit=unit, out_dir=out_dir,
                                formats=chosen, rules=rules, progress=progress, templates=templates)
        _print_paths(f"{spec.title}：已生成 {len(result.paths)} 个文件", result.paths)

    params = [
        inspect.Parameter("year", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[int, typer.Option("--year", help="年度。")]),
    ]
    if "quarter" in spec.options:
        params.append(inspect.Parameter("quarter", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[
            int, typer.Option("--quarter", min=1, max=4, help="季度 1-4。")]))
    if "as_of" in spec.options:
        params.append(inspect.Parameter("as_of", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=AsOf))
    params += [
        inspect.Parameter("unit", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Unit),
        inspect.Parameter("out_dir", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=OutDir),
        inspect.Parameter("formats", inspect.Parameter.KEYWORD_ONLY, default="html,xlsx", annotation=Annotated[
            str, typer.Option("--format", help="输出格式，逗号分隔：html（网页）、xlsx（Excel）、docx（Word，可编辑）；默认 html,xlsx。")]),
        inspect.Parameter("templates", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
            Path | None, typer.Option("--templates", help="自定义模板文件夹（红头、落款等），先于 ./reports/templates 和内置模板查找。",
                                      show_default=False)]),
        inspect.Parameter("db", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Db),
        inspect.Parameter("rules", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Rules),
        inspect.Parameter("debug", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Debug),
    ]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = spec.help
    command.__name__ = f"report_{name}"
    return command


def _register_reports() -> None:
    from tracker.reports.registry import REPORTS

    for name in REPORTS:
        report_app.command(name)(_report_command(name))


_register_reports()


def _print_paths(title: str, paths: list[Path]) -> None:
    t = Table(title=title, header_style="bold")
    t.add_column("文件", overflow="fold")
    t.add_column("类型")
    kinds = {".html": "网页（可打印）", ".xlsx": "Excel 表格", ".csv": "CSV 表格", ".docx": "Word 文档"}
    for p in paths:
        t.add_row(esc(str(p)), kinds.get(p.suffix, p.suffix))
    out.print(t)


# ---------------------------------------------------------------- certificates

certificate_app = typer.Typer(
    help="志愿服务记录证明：为志愿者出具服务记录证明（.html 或 .docx），每份带可核验的证明编号。",
    invoke_without_command=True, no_args_is_help=True)
app.add_typer(certificate_app, name="certificate")


@certificate_app.callback()
def certificate(
    ctx: typer.Context,
    volunteer: Annotated[str | None, typer.Option("--volunteer", help="志愿者姓名或志愿者编号。", show_default=False)] = None,
    unit: Unit = None,
    start: Annotated[str | None, typer.Option("--from", help="证明期间开始（默认登记日期）。", show_default=False)] = None,
    end: Annotated[str | None, typer.Option("--to", help="证明期间结束（默认今天或退出日期）。", show_default=False)] = None,
    all_volunteers: Annotated[bool, typer.Option("--all", help="为 --unit 单位在 --year 年有服务记录的每位志愿者各出具一份。")] = False,
    year: Year = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="输出文件 .html 或 .docx；用 --all 时为输出文件夹。", show_default=False)] = None,
    file_format: Annotated[str, typer.Option("--format", help="用 --all 时的文件格式：html 或 docx。")] = "html",
    unmask: Annotated[bool, typer.Option("--unmask", help="显示完整的身份证号码（默认脱敏）。")] = False,
    templates: Annotated[Path | None, typer.Option("--templates", help="自定义模板文件夹。", show_default=False)] = None,
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """出具志愿服务记录证明；tracker certificate verify 编号 核验证明。"""
    if ctx.invoked_subcommand is not None:
        return
    if out_path is None:
        raise TrackerError("缺少 --out：证明要写到哪个文件（.html 或 .docx），用 --all 时为文件夹。", code=2)
    res = api.certificate(db, out=out_path, volunteer=volunteer, unit=unit, start=start, end=end,
                          all_volunteers=all_volunteers, year=year, file_format=file_format, unmask=unmask,
                          rules=rules, templates=templates)
    t = Table(title=f"志愿服务记录证明：已出具 {len(res.paths)} 份", header_style="bold")
    for h in ("证明编号", "志愿者", "期间", "次数", "服务时长（小时）", "文件"):
        t.add_column(h, overflow="fold")
    for c, p in zip(res.certificates, res.paths, strict=True):
        r = c.record
        t.add_row(c.serial, r.volunteer.name, f"{r.period.start} 至 {r.period.end}", str(len(r.services)),
                  f"{r.total_hours:g}", str(p))
    out.print(t)
    if res.skipped:
        out.print(f"本年没有服务记录、未出具证明的志愿者 {len(res.skipped)} 人：{'、'.join(res.skipped)}")
    if res.unmasked:
        out.print("[yellow]注意：证明中显示了完整的身份证号码（--unmask），请妥善保管。[/yellow]")
    else:
        out.print("身份证号码已脱敏（如需完整号码，加 --unmask）。")
    out.print("核验：tracker certificate verify 证明编号")


@certificate_app.command("verify")
def certificate_verify(
    serial: Annotated[str, typer.Argument(help="证明编号，如 ZYJL-2026-7K3M-9QXD-H2PA。", show_default=False)],
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """核验证明编号：是否由本数据库出具、出具日期、为谁出具、当时和现在的服务时长。"""
    v = api.verify_certificate(db, serial, rules=rules)
    if not v.valid:
        err.print(f"[red]无效：数据库中没有编号为 {v.serial} 的证明。[/red]请核对编号，并确认使用的是出具证明的单位的数据库。")
        raise typer.Exit(1)
    i = v.issued
    out.print(f"[green]有效[/green]：证明编号 {i.serial}")
    out.print(f"出具日期：{i.issued_on}")
    out.print(f"志愿者：{i.name}（{i.unit}{f'，编号 {i.number}' if i.number else ''}）")
    out.print(f"证明期间：{i.start} 至 {i.end}")
    out.print(f"出具时：服务 {i.services} 次，共 {i.total_hours:g} 小时")
    if v.total_now is None:
        out.print("[yellow]现在：花名册中已找不到该志愿者，无法重新计算。[/yellow]")
    elif v.same_records:
        out.print(f"现在：服务 {v.services_now} 次，共 {v.total_now:g} 小时（与出具时一致）")
    else:
        out.print(f"[yellow]现在：服务 {v.services_now} 次，共 {v.total_now:g} 小时——台账在出具后有变动，"
                  "与证明所列不同。[/yellow]")


# ---------------------------------------------------------------- forms, templates, demo


@app.command()
def export(
    form: Annotated[str, typer.Argument(help="roster 附件2 花名册 | teams 附件3 服务队登记表 | summary 附件4 组队情况汇总表 | application 附件1 申请登记表（按花名册预填，供本人核对签字） | dataset 全部台账数据（Parquet，供数据平台使用）。", show_default=False)],
    out_file: Annotated[Path, typer.Option("--out", help="输出文件 .xlsx（表格原样式）或 .csv；application 为 .docx、.xlsx 或文件夹（每人一个 .docx）；dataset 为输出文件夹。", show_default=False)],
    year: Year = None, as_of: AsOf = None, unit: Unit = None,
    volunteer: Annotated[str | None, typer.Option("--volunteer", help="application：一个人的姓名、志愿者编号或 姓名(手机后四位)。", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="application：全部在册志愿者和待审核申请人。")] = False,
    unmask: Annotated[bool, typer.Option("--unmask", help="显示完整电话号码；application 和 dataset 还显示完整身份证号码（其他表格始终不导出身份证号码）。")] = False,
    db: Db = None, debug: Debug = False,
) -> None:
    """导出通知附件中的正式表格，或全部台账数据（dataset）。"""
    if form == "application":
        if year is not None or as_of is not None:
            raise TrackerError("application 按花名册当前信息预填，不使用 --year 或 --as-of。", code=2)
        made = api.export_application(db, out_file, volunteer=volunteer, every=every, unit=unit, unmask=unmask)
        _print_paths(f"附件1 申请登记表：{len(made.people)} 人，{len(made.paths)} 个文件", made.paths)
        out.print("身份证号码和电话为完整号码（--unmask），请妥善保管。" if made.unmasked else
                  "身份证号码和电话已遮盖；如需完整号码（例如打印后本人核对签字再导入），请加 --unmask。")
        return
    if volunteer is not None or every:
        raise TrackerError("--volunteer 和 --all 只用于 tracker export application。", code=2)
    if form == "dataset":
        ds = api.export_dataset(db, out_file, year=year, unit=unit, unmask=unmask)
        total = sum(ds.rows.values())
        out.print(f"已导出数据集：{ds.out}（{len(ds.rows)} 张表，共 {total} 行，按年份分区；"
                  f"{'身份证号码和电话未遮盖' if not ds.masked else '身份证号码和电话已遮盖，需要完整号码请加 --unmask'}）")
        return
    res = api.export(db, form, out_file, year=year, as_of=as_of, unit=unit, unmask=unmask)
    out.print(f"已导出：{res.path}（{res.rows} 行，{len(res.units)} 个单位）", markup=False)


@app.command()
def template(kind: Annotated[str, typer.Argument(help="台账类型：units | teams | roster | activities | demands | pairings；application 为空白的附件1 申请登记表。", show_default=False)],
             out_file: Annotated[Path, typer.Option("--out", help="输出文件 .xlsx 或 .csv；application 为 .docx 或 .xlsx。", show_default=False)],
             debug: Debug = False) -> None:
    """生成空白台账模板（表头、示例行和填写说明），或空白的附件1 申请登记表。"""
    path = api.template(kind, out_file)
    out.print(f"已生成模板：{path}", markup=False)


_DEMO_FILES = (("季度", "季度例会通报"), ("年中", "年中调整"), ("年度", "年度考评与星级认定"),
               ("附件2", "附件2 志愿者花名册"), ("附件3", "附件3 服务队登记表"),
               ("附件4", "附件4 组队情况汇总表"), ("汇总", "各单位对比"))


def _describe(p: Path) -> str:
    for key, text in _DEMO_FILES:
        if key in p.name:
            return text + ("（表格）" if p.suffix == ".xlsx" and not key.startswith("附件") else "")
    return ""


@app.command()
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


# ---------------------------------------------------------------- the web app and its accounts (docs/web.md)

user_app = typer.Typer(help="网页版的账户：添加、列出、改密码、删除。", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _read_password(what: str = "密码") -> str:
    """At a terminal: asked twice, never echoed. Otherwise: one line of standard input (for scripts)."""
    import getpass

    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(f"{what}（至少 8 个字符，输入时不显示）：")
        if getpass.getpass("再输入一次：") != first:
            raise TrackerError("两次输入的密码不一致，未做任何改动。")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise TrackerError("没有读到密码：不在终端中运行时，请从标准输入提供一行密码。")
    return line.rstrip("\r\n")


@user_app.command("add")
def user_add(
    login: Annotated[str, typer.Argument(help="登录名。", show_default=False)],
    role: Annotated[str, typer.Option("--role", help="角色：unit 单位（只看本单位）| supervisor 上级单位（看下属各单位）| admin 管理员（看全部）。", show_default=False)],
    unit: Annotated[str | None, typer.Option("--unit", help="所属单位（unit、supervisor 账户必填）。", show_default=False)] = None,
    db: Db = None, debug: Debug = False,
) -> None:
    """添加网页版账户。密码在终端中输入两次且不显示；非终端时从标准输入读一行。"""
    password = _read_password()
    acct = api.user_add(db, login, role, unit, password)
    where = f"，单位：{acct.unit}" if acct.unit else ""
    out.print(f"已添加账户 {acct.login}（{acct.role_name}{where}）。", markup=False)
    if acct.unit and acct.unit not in api.known_units(db):
        err.print(f"注意：数据库中还没有单位“{acct.unit}”的数据；导入后该账户即可看到。", markup=False)


@user_app.command("list")
def user_list(db: Db = None, debug: Debug = False) -> None:
    """列出网页版账户（不显示密码）。"""
    accts = api.user_list(db)
    if not accts:
        out.print("还没有账户：网页版只能在本机（127.0.0.1）单用户使用。添加管理员：tracker user add 登录名 --role admin",
                  markup=False)
        return
    t = Table(header_style="bold")
    for h in ("登录名", "角色", "单位", "创建时间", "密码修改时间"):
        t.add_column(h, overflow="fold")
    for a in accts:
        t.add_row(a.login, a.role_name, a.unit or "全部", f"{a.created_at:%Y-%m-%d %H:%M}", f"{a.changed_at:%Y-%m-%d %H:%M}")
    out.print(t)


@user_app.command("passwd")
def user_passwd(login: Annotated[str, typer.Argument(help="登录名。", show_default=False)], db: Db = None,
                debug: Debug = False) -> None:
    """修改账户密码（该账户已登录的网页随即失效）。"""
    api.user_passwd(db, login, _read_password("新密码"))
    out.print(f"已修改 {login} 的密码。", markup=False)


@user_app.command("remove")
def user_remove(login: Annotated[str, typer.Argument(help="登录名。", show_default=False)], db: Db = None,
                debug: Debug = False) -> None:
    """删除账户（其导入记录保留）。"""
    acct = api.user_remove(db, login)
    out.print(f"已删除账户 {acct.login}（{acct.role_name}）。", markup=False)


@app.command()
def serve(
    db: Db = None,
    host: Annotated[str, typer.Option("--host", help="监听地址。默认只在本机 127.0.0.1；其他地址须先有管理员账户。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 8000,
    out_dir: Annotated[Path | None, typer.Option("--out", help="网页生成的报告存放的文件夹（默认数据库旁的“数据库名-web”）。", show_default=False)] = None,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, help="一次上传的大小上限（MB）。")] = 50,
    rules: Rules = None,
    debug: Debug = False,
) -> None:
    """在浏览器中使用：启动网页版（首页、导入台账、考评检查、报告、志愿者查询）。按 Ctrl+C 停止。"""
    from tracker.web.server import Server

    server = Server.prepare(db, host, port, out_dir=out_dir, max_upload_mb=max_upload_mb, rules=rules)
    out.print(f"tracker 网页版已启动：{server.url}  （数据库 {server.db}；按 Ctrl+C 停止）", markup=False,
              soft_wrap=True)
    if server.single_user:
        out.print("还没有账户：本机单用户模式，无需登录。要让别的电脑访问，先添加管理员：tracker user add 登录名 --role admin",
                  markup=False, soft_wrap=True)
    server.run()


# ---------------------------------------------------------------- running


def usage_message(e: Exception) -> str:
    """click's usage errors, said in Chinese."""
    name = type(e).__name__
    param = getattr(e, "param", None)
    label = (param.opts[0] if getattr(param, "opts", None) and param.opts[0].startswith("-")
             else (param.name or "").upper()) if param is not None else ""
    if name == "MissingParameter":
        what = "选项" if label.startswith("-") else "参数"
        return f"缺少{what} {label}".strip()
    if name == "NoSuchOption":
        opt = getattr(e, "option_name", "")
        similar = getattr(e, "possibilities", None) or []
        hint = f"（是否想用：{'、'.join(similar)}？）" if similar else ""
        return f"没有这个选项：{opt}{hint}"
    if name == "BadParameter":
        text = str(getattr(e, "message", e))
        why = ("应为整数" if "integer" in text else "超出允许范围" if any(w in text for w in ("range", "between", "less than", "greater than"))
               else "应为数字" if "number" in text or "float" in text else text)
        return f"{label} 的值无效：{why}"
    if name == "NoArgsIsHelpError":
        return "请给出要运行的命令"
    return f"用法有误：{e.format_message() if hasattr(e, 'format_message') else e}"


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        rc = app(standalone_mode=False)  # click returns the code of typer.Exit here
    except TrackerError as e:
        if debug:
            raise
        _print_problems(e.problems)
        err.print(f"[red]{esc(e.message)}[/red]")
        sys.exit(e.code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err.print("已取消。")
        sys.exit(1)
    except click_exc.UsageError as e:
        cmd = e.ctx.command_path if getattr(e, "ctx", None) else "tracker"
        err.print(f"[red]{esc(usage_message(e))}。[/red]\n运行 {esc(cmd)} --help 查看用法。")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("已中断。")
        sys.exit(130)
    except Exception as e:  # an internal fault, not the user's
        if debug:
            raise
        err.print(f"[red]内部错误：{type(e).__name__}: {esc(str(e))}[/red]\n这不是您的操作问题。请加 --debug 重新运行，并把输出发给维护者。")
        sys.exit(3)
    sys.exit(rc if isinstance(rc, int) else 0)

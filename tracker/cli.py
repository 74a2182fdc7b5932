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
from rich.table import Table

from tracker import api
from tracker.formats import months_text
from tracker.problems import Problem, TrackerError
from tracker.words import LEVEL_WORDS

try:  # newer typer vendors click; older ones use the click package
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover
    from click import exceptions as click_exc

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

app = typer.Typer(
    help="tracker：党员志愿服务队台账与年度考评。导入“一册三簿”，检查规则，生成季度通报、年中调整和年度星级认定报告。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
report_app = typer.Typer(help="生成报告（HTML + 同名 .xlsx）。", no_args_is_help=True)
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


def _print_problems(problems: list[Problem]) -> None:
    if not problems:
        return
    t = Table(show_lines=False, header_style="bold")
    for h in ("文件", "行", "列", "内容", "问题"):
        t.add_column(h, overflow="fold")
    for p in problems:
        style = "red" if p.level == "error" else "yellow"
        t.add_row(p.file, str(p.row or ""), p.column or "", p.value or "",
                  f"[{style}]{'' if p.level == 'error' else '提醒：'}{p.message}[/{style}]")
    err.print(t)


def _kind_name(kind: str) -> str:
    from tracker.ingest.kinds import kind_name

    return kind_name(kind)


@app.command()
def init(db: Db = None, debug: Debug = False) -> None:
    """创建数据库（已存在则升级到当前结构）。"""
    path, version = api.init(db)
    out.print(f"数据库已就绪：{path}（结构版本 {version}）")


@app.command()
def load(
    kind: Annotated[str, typer.Argument(help="台账类型：units 单位 | teams 服务队 | roster 花名册 | activities 活动 | demands 需求 | pairings 结对帮扶。", show_default=False)],
    files: Annotated[list[Path], typer.Argument(help="一个或多个 .xlsx / .xls / .csv 文件。", show_default=False)],
    unit: Unit = None,
    month: Annotated[str | None, typer.Option("--month", help="上报月份 YYYY-MM：日期须在该月内；补录按该月月底判断。", show_default=False)] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="文件日期（默认取标题行的填表日期，否则为今天）；花名册和服务队的变更从这天起生效。", show_default=False)] = None,
    replace: Annotated[bool, typer.Option("--replace", help="更正重传：用本文件替换该单位这几个月的同类记录。")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查，不写入。")] = False,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Excel 工作表名称（默认找到表头的第一个工作表）。", show_default=False)] = None,
    as_json: Json = False,
    db: Db = None,
    rules: Rules = None,
    debug: Debug = False,
    team: Annotated[str | None, typer.Option("--team", help="服务队：文件没有服务队列时每行都记为这支队（文件里填了的以文件为准）。", show_default=False)] = None,
    title: Annotated[str | None, typer.Option("--title", help="活动名称：文件没有活动名称列时每行都用它（文件里填了的以文件为准）。", show_default=False)] = None,
    columns: Annotated[Path | None, typer.Option("--columns", envvar="TRACKER_COLUMNS", help="表头别名文件 .toml：本单位文件里表头的其他写法（环境变量 TRACKER_COLUMNS）。", show_default=False)] = None,
) -> None:
    """导入台账文件。一个文件有任何错误就整个不导入，并一次列出所有问题。"""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    api.check_kind(kind)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True,
                  disable=as_json) as bar:
        task = bar.add_task("正在导入…", total=None)
        results = api.load(db, kind, files, unit=unit, month=month, as_of=as_of, replace=replace,
                           dry_run=dry_run, sheet=sheet, rules=rules, team=team, title=title, columns=columns,
                           progress=lambda f: bar.update(task, description=f"正在检查并导入 {Path(f).name}…"))
    rejected = [r for r in results if r.status == "rejected"]
    problems = [p for r in results for p in r.problems]
    if as_json:
        if rejected:
            print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=1))
        else:
            print(json.dumps({"loaded": [
                {"file": r.file, "kind": r.kind, "status": r.status, "rows": r.rows, "units": r.units,
                 "months": r.months, "counts": r.counts, "message": r.message} for r in results],
                "warnings": [p.to_dict() for p in problems]}, ensure_ascii=False, indent=1))
        raise typer.Exit(1 if rejected else 0)
    t = Table(header_style="bold")
    for h in ("文件", "结果", "行数", "单位", "月份", "明细"):
        t.add_column(h, overflow="fold")
    names = {"loaded": "[green]已导入[/green]", "checked": "[green]检查通过（未写入）[/green]",
             "unchanged": "已导入过，未改动", "rejected": "[red]未导入[/red]"}
    for r in results:
        detail = "，".join(f"{k} {v}" for k, v in r.counts.items()) or r.message
        t.add_row(r.file, names[r.status], str(r.rows or ""), "、".join(r.units), months_text(r.months), detail)
    out.print(t)
    _print_problems(problems)
    if rejected:
        n = sum(1 for p in problems if p.level == "error")
        err.print(f"[red]有 {len(rejected)} 个文件未导入：共 {n} 个问题，请改正后重新导入（数据库未做任何改动）。[/red]")
        raise typer.Exit(1)


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
    t = Table(title="各单位概况" + (f"（{year}年）" if year else ""), header_style="bold")
    for h in ("单位", "在册志愿者", "服务队", "活动", "参加人次", "服务时长", "需求", "结对走访", "缺少月份"):
        t.add_column(h, overflow="fold")
    for u in units:
        gaps = "；".join(f"{_kind_name(k)} {'、'.join(m)}" for k, m in u.missing_months.items() if m)
        t.add_row(u.unit, str(u.volunteers), str(u.teams), str(u.activities),
                  str(u.participations), f"{u.service_hours:g}", str(u.demands),
                  str(u.pairing_visits), f"[yellow]{gaps}[/yellow]" if gaps else "无")
    out.print(t)
    for u in units:
        lt = Table(title=f"{u.unit} 导入记录", header_style="bold")
        for h in ("时间", "台账", "文件", "行数", "月份", "校验码"):
            lt.add_column(h, overflow="fold")
        for ld in u.loads:
            lt.add_row(ld["time"], _kind_name(ld["kind"]), ld["file"], str(ld["rows"]), months_text(ld["months"]),
                       ld["hash"][:12])
        out.print(lt)


@app.command()
def check(year: Year = None, as_of: AsOf = None, unit: Unit = None, as_json: Json = False, db: Db = None,
          rules: Rules = None, debug: Debug = False) -> None:
    """按规则检查（R1–R13、不活跃志愿者、逾期需求和结对）。有未通过项时退出码为 1。"""
    result = api.check(db, year=year, as_of=as_of, unit=unit, rules=rules)
    if as_json:
        print(json.dumps([f.to_dict() for f in result.findings], ensure_ascii=False, default=str, indent=2))
    else:
        _print_findings(result)
    raise typer.Exit(1 if result.failed else 0)


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
        table = Table(title=f"{unit}　{year}年考评检查（{year}-01-01 至 {as_of}）", show_lines=False,
                      title_justify="left")
        table.add_column("结果", no_wrap=True)
        table.add_column("规则", no_wrap=True)
        table.add_column("服务队", overflow="fold", max_width=16)
        table.add_column("志愿者", no_wrap=True)
        table.add_column("说明", overflow="fold", ratio=1, min_width=24)
        for f in by_unit.get(unit, []):
            style = _STYLE[f.level]
            table.add_row(f"[{style}]{LEVEL_WORDS[f.level]}[/]", RULE_TITLES.get(f.rule, f.rule),
                          f.team or "", f.volunteer or "", f.message)
        out.print(table)
    counts = result.counts()
    verdict = "有规则未通过" if counts["fail"] else ("全部通过（有提醒）" if counts["warn"] else "全部通过")
    out.print(
        f"共 {len(result.judged)} 个单位：{LEVEL_WORDS['fail']} {counts['fail']} 项，{LEVEL_WORDS['warn']} "
        f"{counts['warn']} 项，{LEVEL_WORDS['pass']} {counts['pass']} 项 —— {verdict}。"
    )


@app.command("rules")
def rules_cmd(out_file: Annotated[Path | None, typer.Option("--out", help="写到 .toml 文件（默认打印）。", show_default=False)] = None,
              rules: Rules = None, debug: Debug = False) -> None:
    """打印全部规则（阈值、时间窗口、计算口径）及其默认值和出处；可另存为 .toml 修改后用 --rules 使用。"""
    result = api.rules(rules, out_file)
    if result.path is None:
        print(result.text)
    else:
        err.print(f"已写出规则文件 {result.path}，修改后用 --rules {result.path} 使用。", markup=False)


# ---------------------------------------------------------------- reports, one command per registry entry


def _report_command(name: str):
    """`tracker report NAME`, with the options the report's spec declares."""
    from tracker.reports.registry import REPORTS

    spec = REPORTS[name]

    def command(year: int, unit: str | None = None, out_dir: Path | None = None, db: Path | None = None,
                rules: Path | None = None, debug: bool = False, quarter: int | None = None,
                as_of: str | None = None, formats: str = "html,xlsx") -> None:
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
            task = bar.add_task(f"生成{spec.title}…", total=None)

            def progress(msg: str) -> None:
                bar.update(task, description=f"生成{spec.title}：{msg}")

            result = api.report(db, name, year=year, quarter=quarter, as_of=as_of, unit=unit, out_dir=out_dir,
                                formats=chosen, rules=rules, progress=progress)
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
            str, typer.Option("--format", help="输出格式，逗号分隔：html、xlsx。")]),
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
    kinds = {".html": "网页（可打印）", ".xlsx": "Excel 表格", ".csv": "CSV 表格"}
    for p in paths:
        t.add_row(str(p), kinds.get(p.suffix, p.suffix))
    out.print(t)


# ---------------------------------------------------------------- forms, templates, demo


@app.command()
def export(
    form: Annotated[str, typer.Argument(help="roster 附件2 花名册 | teams 附件3 服务队登记表 | summary 附件4 组队情况汇总表。", show_default=False)],
    out_file: Annotated[Path, typer.Option("--out", help="输出文件 .xlsx（表格原样式）或 .csv。", show_default=False)],
    year: Year = None, as_of: AsOf = None, unit: Unit = None,
    unmask: Annotated[bool, typer.Option("--unmask", help="显示完整电话号码（身份证号码始终不导出）。")] = False,
    db: Db = None, debug: Debug = False,
) -> None:
    """导出通知附件中的正式表格。"""
    res = api.export(db, form, out_file, year=year, as_of=as_of, unit=unit, unmask=unmask)
    out.print(f"已导出：{res.path}（{res.rows} 行，{len(res.units)} 个单位）")


@app.command()
def template(kind: Annotated[str, typer.Argument(help="台账类型：units | teams | roster | activities | demands | pairings。", show_default=False)],
             out_file: Annotated[Path, typer.Option("--out", help="输出文件 .xlsx 或 .csv。", show_default=False)],
             debug: Debug = False) -> None:
    """生成空白台账模板（表头、示例行和填写说明）。"""
    path = api.template(kind, out_file)
    out.print(f"已生成模板：{path}")


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
    t = Table(title=f"示例：{result.unit} {result.year} 年", header_style="bold")
    t.add_column("文件")
    t.add_column("内容")
    t.add_row(str(result.ledgers), f"示例台账 {result.ledger_count} 个（可作为填写样例）")
    t.add_row(str(result.db), "示例数据库")
    for p in result.files:
        t.add_row(str(p), _describe(p))
    out.print(t)
    out.print(f"用浏览器打开上面的 .html 报告即可查看和打印（A4）。数据库：{result.db}")


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
        err.print(f"[red]{e.message}[/red]")
        sys.exit(e.code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err.print("已取消。")
        sys.exit(1)
    except click_exc.UsageError as e:
        cmd = e.ctx.command_path if getattr(e, "ctx", None) else "tracker"
        err.print(f"[red]{usage_message(e)}。[/red]\n运行 {cmd} --help 查看用法。")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("已中断。")
        sys.exit(130)
    except Exception as e:  # an internal fault, not the user's
        if debug:
            raise
        err.print(f"[red]内部错误：{type(e).__name__}: {e}[/red]\n这不是您的操作问题。请加 --debug 重新运行，并把输出发给维护者。")
        sys.exit(3)
    sys.exit(rc if isinstance(rc, int) else 0)

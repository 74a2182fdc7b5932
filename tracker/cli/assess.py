"""Assessment commands: check, rules, and the review of applications (docs/rules.md, docs/forms.md)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from tracker import api
from tracker.cli.app import (
    STYLE,
    AsOf,
    Db,
    Debug,
    Json,
    Rules,
    Unit,
    Year,
    err,
    out,
    print_json_list,
)
from tracker.problems import TrackerError
from tracker.words import LEVEL_WORDS


def check(year: Year = None, as_of: AsOf = None, unit: Unit = None, as_json: Json = False, db: Db = None,
          rules: Rules = None, debug: Debug = False) -> None:
    """按规则检查（R1–R13、不活跃志愿者、逾期需求和结对）。有未通过项时退出码为 1。"""
    chunks = api.check_chunks(db, year=year, as_of=as_of, unit=unit, rules=rules, scope=api.LOCAL)
    first = next(chunks, None)  # a wrong option or unit is told before anything is printed
    results = itertools.chain([first] if first is not None else [], chunks)
    counts = {"fail": 0, "warn": 0, "pass": 0}
    if as_json:
        print_json_list(f.to_dict() for r in results for f in _counted(r, counts))
    else:
        _print_findings(results, counts)
    raise typer.Exit(1 if counts["fail"] else 0)


def _counted(result: api.CheckResult, counts: dict[str, int]) -> tuple:
    """The chunk's findings, added to `counts` by level."""
    for level, n in result.counts().items():
        counts[level] += n
    return result.findings


def _print_findings(results: Iterable[api.CheckResult], counts: dict[str, int]) -> None:
    """One table per unit (failures, then warnings, then passes), a chunk of units at a time, and a
    summary line."""
    units = 0
    for result in results:
        units += len(result.judged)
        _print_units(result, _counted(result, counts))
    if not units:
        out.print("数据库中还没有任何单位的数据。请先用 tracker load 导入花名册、服务队和活动登记簿。")
        return
    verdict = "有规则未通过" if counts["fail"] else ("全部通过（有提醒）" if counts["warn"] else "全部通过")
    out.print(
        f"共 {units} 个单位：{LEVEL_WORDS['fail']} {counts['fail']} 项，{LEVEL_WORDS['warn']} "
        f"{counts['warn']} 项，{LEVEL_WORDS['pass']} {counts['pass']} 项 —— {verdict}。"
    )


def _print_units(result: api.CheckResult, findings: tuple) -> None:
    from tracker.assess.checks import RULE_TITLES

    by_unit: dict[str, list] = {}
    for f in findings:
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
            style = STYLE[f.level]
            table.add_row(f"[{style}]{LEVEL_WORDS[f.level]}[/]", RULE_TITLES.get(f.rule, f.rule),
                          esc(f.team or ""), esc(f.volunteer or ""), esc(f.message))
        out.print(table)


def rules_cmd(out_file: Annotated[Path | None, typer.Option("--out", help="写到 .toml 文件（默认打印）。", show_default=False)] = None,
              rules: Rules = None, debug: Debug = False) -> None:
    """打印全部规则（阈值、时间窗口、计算口径）及其默认值和出处；可另存为 .toml 修改后用 --rules 使用。"""
    result = api.rules(rules, out_file)
    if result.path is None:
        print(result.text)
    else:
        err.print(f"已写出规则文件 {result.path}，修改后用 --rules {result.path} 使用。", markup=False)


def review(
    names: Annotated[list[str] | None, typer.Argument(help="与 --approve 一起：审核通过的申请人姓名或 姓名(手机后四位)，可写多个。", show_default=False)] = None,
    approve: Annotated[bool, typer.Option("--approve", help="审核通过并登记后面列出的申请人。")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="审核不通过后面列出的申请人（须加 --reason 写明原因）。")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="与 --reject 一起：不通过的原因，记入修改记录。", show_default=False)] = None,
    date: Annotated[str | None, typer.Option("--date", help="审核日期（默认今天），也是登记日期。", show_default=False)] = None,
    unit: Unit = None, db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """党组织审核申请登记表（附件1）：不加 --approve 列出待审核的申请人；--approve 姓名… 记录审核日期并登记在册；--reject 姓名… --reason 原因 审核不通过。"""
    if approve and reject:
        raise TrackerError("--approve 和 --reject 不能同时使用。", code=2)
    if names and not (approve or reject):
        raise TrackerError("要审核通过这些申请人，请加 --approve（不通过请加 --reject 和 --reason）："
                           "tracker review --unit 单位 --approve 姓名…", code=2)
    if (approve or reject) and not names:
        raise TrackerError(f"{'--approve' if approve else '--reject'} 后面请写申请人姓名。", code=2)
    if reason is not None and not reject:
        raise TrackerError("--reason 只和 --reject 一起使用。", code=2)
    result = api.review(db, unit=unit, approve=names if approve else [], reject=names if reject else [],
                        reason=reason, date=date, rules=rules, scope=api.LOCAL)
    for p in result.rejected:
        out.print(f"{p['name']}：审核未通过（{result.day}，原因：{reason}）；其申请已不在待审核名单中，可重新提交申请登记表。",
                  markup=False)
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

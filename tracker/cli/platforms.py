"""Hours for the volunteer platforms: `tracker export hours` and `tracker reconcile` (docs/platforms.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from tracker import api
from tracker.cli.app import Db, Debug, Json, Rules, Unit, err, out
from tracker.formats import hours as fmt_hours
from tracker.problems import TrackerError


def export_hours(db, *, layout: str | None, year: int | None, quarter: int | None, month: str | None,
                 unit: str | None, out_file: Path | None, unmask: bool, confirmed_only: bool, rules) -> None:
    """`tracker export hours`: the rows written, who could not be exported and why, the warnings."""
    if layout is None or layout == "list":
        t = Table(title="志愿服务平台导入格式（--layout）", header_style="bold")
        for h in ("名称", "说明", "列", "匹配志愿者"):
            t.add_column(h, overflow="fold")
        for lay in api.layouts():
            t.add_row(lay.name, lay.title, " | ".join(lay.columns), lay.key)
        out.print(t)
        out.print("也可以写自己的格式文件 .toml（docs/platforms.md），用 --layout 文件.toml 指定。", markup=False)
        return
    if year is None or out_file is None:
        raise TrackerError("tracker export hours 需要 --year 年度 和 --out 文件（.xlsx 或 .csv）。", code=2)
    made = api.export_hours(db, layout=layout, year=year, quarter=quarter, month=month, unit=unit, out=out_file,
                            unmask=unmask, confirmed_only=confirmed_only, rules=rules, scope=api.LOCAL)
    out.print(f"已导出 {made.rows} 行、共 {fmt_hours(made.hours)} 小时（格式 {made.layout}）：{made.paths[0]}", markup=False)
    for w in made.warnings:
        err.print(f"[yellow]提醒：{esc(w)}[/yellow]")
    if made.excluded:
        where = "工作表“无法导出”" if made.paths[0].suffix == ".xlsx" else str(made.paths[-1])
        lost = sum(e["hours"] for e in made.excluded)
        err.print(f"[yellow]有 {len(made.excluded)} 位志愿者（共 {fmt_hours(lost)} 小时）无法导出，已列在{esc(where)}，"
                  f"原因：{esc(made.excluded[0]['reason'])}等。补全花名册后重新导出。[/yellow]")
    out.print("手机号码和身份证号码为完整号码，请妥善保管。" if made.unmasked else "文件中没有电话和身份证号码。", markup=False)


def reconcile(
    file: Annotated[Path, typer.Argument(help="平台导出的（或导入后退回的）文件 .xlsx / .xls / .csv。", show_default=False)],
    layout: Annotated[str, typer.Option("--layout", help="文件的格式：预设名称或格式文件 .toml（tracker export hours --layout list）。", show_default=False)],
    year: Annotated[int, typer.Option("--year", help="年度。", show_default=False)],
    unit: Unit = None,
    quarter: Annotated[int | None, typer.Option("--quarter", help="只对这个季度（1-4）。", show_default=False)] = None,
    month: Annotated[str | None, typer.Option("--month", help="只对这个月（YYYY-MM）。", show_default=False)] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="把差异写成 .xlsx。", show_default=False)] = None,
    as_json: Json = False,
    unmask: Annotated[bool, typer.Option("--unmask", help="显示完整的电话和身份证号码（默认脱敏）。")] = False,
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """对账：平台上的时长与 tracker 的时长逐人比对，并列出只在一边的服务记录。一致时退出码 0，有差异时 1。"""
    r = api.reconcile(db, file, layout=layout, year=year, unit=unit, quarter=quarter, month=month, out=out_file,
                      unmask=unmask, rules=rules, scope=api.LOCAL)
    if as_json:
        print(json.dumps({"agree": r.agree, "volunteers": r.volunteers, "only_tracker": r.only_tracker,
                          "only_platform": r.only_platform, "unmatched": r.unmatched}, ensure_ascii=False, indent=1,
                         default=str))
        raise typer.Exit(0 if r.agree else 1)
    if r.agree:
        out.print(f"一致：{len(r.volunteers)} 位志愿者的时长与平台相同。", markup=False)
        return
    t = Table(title=f"时长不一致的志愿者（{len(r.differing)} 人）", header_style="bold")
    for h in ("姓名", "单位", "编号", "tracker 时长", "平台时长", "差"):
        t.add_column(h, overflow="fold")
    for v in r.differing:
        t.add_row(esc(v["name"] or ""), esc(v["unit"] or ""), v["number"] or "", fmt_hours(v["tracker_hours"]),
                  fmt_hours(v["platform_hours"]), f"{v['difference']:+g}")
    out.print(t)
    for title, rows in (("只在 tracker 中的服务", r.only_tracker), ("只在平台上的服务", r.only_platform)):
        if rows:
            out.print(f"{title}：" + "；".join(f"{x['name']} {x['date']} {x['title']} {fmt_hours(x['hours'])} 小时"
                                              for x in rows[:20]) + ("……" if len(rows) > 20 else ""), markup=False)
    if r.unmatched:
        out.print(f"平台文件中有 {len(r.unmatched)} 行找不到对应的志愿者：" + "；".join(
            f"第{x['row']}行 {x['name'] or ''}（{x['reason']}）" for x in r.unmatched[:20]), markup=False)
    if r.path:
        out.print(f"差异已写到 {r.path}", markup=False)
    raise typer.Exit(1)

"""`tracker volunteer`: one person's archive (docs/people.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from tracker import api
from tracker.cli.app import Db, Debug, Json, Rules, Unit, Year, out
from tracker.formats import hours


def volunteer(
    who: Annotated[str, typer.Argument(help="姓名、志愿者编号或 姓名(手机后四位)。", show_default=False)],
    unit: Unit = None,
    year: Year = None,
    as_json: Json = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="写成 .html（可打印，A4）或 .docx。", show_default=False)] = None,
    unmask: Annotated[bool, typer.Option("--unmask", help="显示完整的电话和身份证号码（默认脱敏）。")] = False,
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """志愿者档案：身份（脱敏）、服务队经历、参加的每项活动、结对走访、所在队承接的需求、各年星级、出具的证明和记录的修改。"""
    a = api.volunteer_archive(db, who, unit=unit, year=year, unmask=unmask, rules=rules, scope=api.LOCAL)
    if out_file is not None:
        path = api.write_archive(a, out_file)
        out.print(f"已写出志愿者档案：{path}（{'电话和身份证号码未脱敏' if unmask else '电话和身份证号码已脱敏'}）",
                  markup=False)
        return
    if as_json:
        print(json.dumps(a.to_dict(), ensure_ascii=False, indent=1, default=str))
        return
    t = a.totals
    out.print(f"[bold]{esc(a.name)}[/bold]（{esc(a.unit)}，{esc(a.team or '—')}，编号 {esc(a.number or '—')}，{a.status}，"
              f"电话 {esc(a.phone or '—')}）")
    out.print(f"{a.period[0]} 至 {a.period[1]}：活动 {t['activities']} 次（志愿服务 {t['service_activities']} 次），"
              f"结对走访 {t['visits']} 次，服务时长 {hours(t['service_hours'])} 小时", markup=False)
    for y in a.years:
        out.print(f"  {y['year']} 年：服务 {hours(y['service_hours'])} 小时，累计 {hours(y['cumulative_hours'])} 小时，"
                  f"{y['star_name'] or '未评星'}", markup=False)
    table = Table(title="参加的活动", header_style="bold")
    for h in ("日期", "活动", "服务队", "类型", "时长"):
        table.add_column(h, overflow="fold")
    for x in a.activities:
        table.add_row(str(x["date"]), esc(x["title"]), esc(x["team"]), x["kind"], hours(x["hours"]))
    out.print(table)
    if a.certificates:
        out.print("证明：" + "、".join(c["serial"] for c in a.certificates), markup=False)
    out.print("完整档案：加 --out 档案.html 打印，或 --json。", markup=False)

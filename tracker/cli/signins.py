"""`tracker signin …`: open a sign-in, tick people off the paper sheet, close it into an activity
(docs/signin.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from tracker import api
from tracker.cli.app import Db, Debug, Json, Rules, Unit, err, out, print_problems

signin_app = typer.Typer(help="活动签到：开签到（打印带二维码的签到表、手机扫码签到）、补登纸面签到、结束签到生成活动记录。",
                         no_args_is_help=True)
STATES = {"early": "未开始", "open": "签到中", "ended": "已过签到时间（待结束）", "closed": "已结束，已生成活动"}
Code = Annotated[str, typer.Argument(help="签到码（tracker signin new 给出的）。", show_default=False)]


@signin_app.command("new")
def new(
    team: Annotated[str, typer.Option("--team", help="服务队（全称或简称）。", show_default=False)],
    title: Annotated[str, typer.Option("--title", help="活动名称。", show_default=False)],
    date: Annotated[str, typer.Option("--date", help="活动日期 YYYY-MM-DD。", show_default=False)],
    start: Annotated[str, typer.Option("--start", help="开始时间 HH:MM。", show_default=False)],
    end: Annotated[str, typer.Option("--end", help="结束时间 HH:MM（时长默认按开始到结束计）。", show_default=False)],
    unit: Unit = None,
    place: Annotated[str | None, typer.Option("--place", help="地点。", show_default=False)] = None,
    theme: Annotated[str | None, typer.Option("--theme", help="服务主题（如 关爱老幼弱残）。", show_default=False)] = None,
    kind: Annotated[str, typer.Option("--kind", help="活动类型：志愿服务 | 培训 | 例会。")] = "志愿服务",
    base_url: Annotated[str | None, typer.Option("--base-url", help="手机访问的网址（默认为 tracker serve 启动时的地址），如 http://192.168.1.20:8000。", show_default=False)] = None,
    open_until: Annotated[str | None, typer.Option("--open-until", help="手机签到截止时间 YYYY-MM-DD HH:MM（默认活动次日 23:59）。", show_default=False)] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="签到表文件 .html（可打印，A4）或 .docx。", show_default=False)] = None,
    as_json: Json = False,
    db: Db = None,
    debug: Debug = False,
) -> None:
    """开一个签到：给出签到码和手机签到网址，可写出带二维码的 A4 签到表。"""
    made = api.new_signin(db, unit=unit, team=team, title=title, date=date, start=start, end=end, place=place,
                          theme=theme, kind=kind, base_url=base_url, open_until=open_until, out=out_file,
                          scope=api.LOCAL)
    s = made.signin
    if as_json:
        print(json.dumps({"code": s.code, "url": s.url, "sheet": str(made.sheet) if made.sheet else None,
                          "open_until": s.open_until.isoformat(sep=" ")}, ensure_ascii=False, indent=1))
        return
    out.print(f"已开签到：{s.title}（{s.team}，{s.date} {s.starts:%H:%M}—{s.ends:%H:%M}）", markup=False)
    out.print(f"签到码：{s.code}", markup=False)
    out.print(f"手机签到网址：{s.url}（签到截止 {s.open_until:%Y-%m-%d %H:%M}）", markup=False)
    if made.sheet:
        out.print(f"签到表：{made.sheet}（本队 {made.members} 人，另有空行）", markup=False)
    if "127.0.0.1" in s.url or "localhost" in s.url:
        err.print("提醒：手机无法打开本机地址 127.0.0.1。请用 tracker serve --host 0.0.0.0 --base-url http://本机局域网地址:端口 "
                  "启动网页版，或在这里加 --base-url。", markup=False)
    out.print(f"结束后运行：tracker signin close {s.code}", markup=False)


@signin_app.command("list")
def listing(unit: Unit = None, as_json: Json = False, db: Db = None, debug: Debug = False) -> None:
    """列出签到（进行中和已结束的），以及各有多少人签到。"""
    found = api.signins(db, unit=unit, scope=api.LOCAL)
    now = api.now()
    if as_json:
        print(json.dumps([s.to_dict() | {"state": s.state(now)} for s in found], ensure_ascii=False, indent=1))
        return
    if not found:
        out.print("还没有签到。开一个：tracker signin new --team 服务队 --title 活动名称 --date 日期 --start 14:00 --end 16:30",
                  markup=False)
        return
    t = Table(header_style="bold")
    for h in ("签到码", "单位", "服务队", "活动", "日期", "时间", "签到人数", "状态"):
        t.add_column(h, overflow="fold")
    for s in found:
        t.add_row(s.code, esc(s.unit), esc(s.team), esc(s.title), str(s.date), f"{s.starts:%H:%M}—{s.ends:%H:%M}",
                  str(s.signed), STATES[s.state(now)])
    out.print(t)


@signin_app.command("add")
def add(code: Code,
        who: Annotated[list[str], typer.Argument(help="姓名、志愿者编号或 姓名(手机后四位)，可写多个。", show_default=False)],
        db: Db = None, debug: Debug = False) -> None:
    """补登纸面签到表上签了名的人员。"""
    names = api.signin_add(db, code, who, scope=api.LOCAL)
    out.print(f"已补登 {len(names)} 人：{'、'.join(names)}" if names else "这些人都已签到，无需补登。", markup=False)


@signin_app.command("remove")
def remove(code: Code,
           who: Annotated[list[str], typer.Argument(help="姓名或志愿者编号。", show_default=False)],
           db: Db = None, debug: Debug = False) -> None:
    """从签到中去掉误签的人员。"""
    n = api.signin_remove(db, code, who, scope=api.LOCAL)
    out.print(f"已去掉 {n} 人。", markup=False)


@signin_app.command("close")
def close(
    code: Code,
    hours: Annotated[float | None, typer.Option("--hours", help="每人服务时长（小时；默认按开始到结束计）。", show_default=False)] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="该月已确认时必填：更正原因。", show_default=False)] = None,
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """结束签到：按签到名单生成一条活动记录，照常检查后导入活动登记簿（再次结束不会重复导入）。"""
    done = api.close_signin(db, code, hours=hours, reason=reason, rules=rules, scope=api.LOCAL)
    s = done.signin
    if done.already:
        out.print(f"签到 {s.code} 已于 {s.closed_at:%Y-%m-%d %H:%M} 结束，活动已导入（每人 {s.hours:g} 小时），没有再导入。",
                  markup=False)
        return
    r = done.result
    print_problems(r.problems)
    if r.status != "loaded":
        err.print(f"[red]未能生成活动，签到仍未结束：{esc(r.message or '见上表')}[/red]")
        raise typer.Exit(1)
    out.print(f"已结束签到 {s.code}：生成活动“{s.title}”（{s.date}，{s.signed} 人，每人 {s.hours:g} 小时），"
              f"已导入活动登记簿（{r.file}）。", markup=False)

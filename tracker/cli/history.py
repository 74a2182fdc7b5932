"""Confirming a month and reading the history of changes: `tracker confirm`, `tracker history`
(docs/ledgers.md, "Confirmed months")."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape as esc
from rich.table import Table

from tracker import api
from tracker.cli.app import Db, Debug, Json, Unit, kind_name, out
from tracker.formats import months_text

Month = Annotated[str, typer.Option("--month", help="月份 YYYY-MM，如 2026-03。", show_default=False)]
ACTIONS = {"load": "导入", "replace": "更正导入（替换）", "confirm": "确认"}
SHOWN = 50  # changes listed per entry in the table; --json has them all


def confirm(
    month: Month,
    unit: Unit = None,
    kind: Annotated[str | None, typer.Option("--kind", help="只确认一种台账：activities 活动 | demands 需求 | pairings 结对帮扶（默认：该月有数据的每种台账）。", show_default=False)] = None,
    as_json: Json = False,
    db: Db = None,
    debug: Debug = False,
) -> None:
    """确认本单位某月的台账（谁记录谁证明）。确认后该月即锁定：再导入改动该月的文件须加 --reason 说明原因，改动前后的记录都会保留。"""
    res = api.confirm(db, unit=unit, month=month, kind=kind, scope=api.LOCAL)
    if as_json:
        print(json.dumps({"unit": res.unit, "month": res.month, "confirmed": res.confirmed,
                          "already": {k: {"time": t.isoformat(sep=" ", timespec="seconds"), "account": a}
                                      for k, (t, a) in res.already.items()},
                          "time": res.time.isoformat(sep=" ", timespec="seconds") if res.time else None,
                          "account": res.account}, ensure_ascii=False, indent=1))
        return
    if res.confirmed:
        what = "、".join(kind_name(k) for k in res.confirmed)
        out.print(f"已确认 {res.unit} {res.month} 的{what}（{res.account}，{res.time:%Y-%m-%d %H:%M}）。"
                  "此后改动该月须加 --reason 说明原因；修改记录：tracker history "
                  f"--unit {res.unit} --month {res.month}", markup=False)
    for k, (when, who) in res.already.items():
        out.print(f"{res.unit} {res.month} 的{kind_name(k)}已于 {when:%Y-%m-%d %H:%M} 确认（{who or '—'}），无需再确认。",
                  markup=False)


def history(
    unit: Unit = None,
    month: Annotated[str | None, typer.Option("--month", help="只看这个月（YYYY-MM）的记录。", show_default=False)] = None,
    volunteer: Annotated[str | None, typer.Option("--volunteer", help="只看这位志愿者（姓名或志愿者编号）的时长变动。", show_default=False)] = None,
    as_json: Json = False,
    db: Db = None,
    debug: Debug = False,
) -> None:
    """修改记录：每次导入、更正（替换）和确认，谁、何时、为什么，以及每条记录改动前后的日期、服务队、活动、参加人和时长（最新的在前）。"""
    entries = api.history(db, unit=unit, month=month, volunteer=volunteer, scope=api.LOCAL)
    if as_json:
        print(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=1, default=str))
        return
    if not entries:
        out.print("没有找到修改记录。", markup=False)
        return
    for e in entries:
        _print_entry(e)


def _print_entry(e: api.HistoryEntry) -> None:
    where = f"{'、'.join(e.units[:3])}{' 等' if len(e.units) > 3 else ''} {months_text(e.months)}"
    head = f"{e.time:%Y-%m-%d %H:%M}  {ACTIONS[e.action]}{kind_name(e.kind)}  {where}  {e.account or '—'}"
    if e.file:
        head += f"  文件：{e.file}"
    out.print(f"[bold]{esc(head)}[/bold]")
    if e.reason:
        out.print(f"  更正原因：{esc(e.reason)}")
    if e.action == "confirm":
        return
    n = e.counts
    out.print(f"  新增 {n['added']} 条，删除 {n['removed']} 条，修改 {n['changed']} 条", markup=False)
    if not e.changes:
        return
    t = Table(header_style="bold", show_edge=False, pad_edge=False)
    values = ("原状态", "新状态") if e.kind == "demands" else ("原时长", "新时长")
    for h in ("", "日期", "服务队", "活动 / 对象", "志愿者", *values):
        t.add_column(h, overflow="fold")
    for c in e.changes[:SHOWN]:
        old, new = c["old"], c["new"]
        r = new or old
        mark = "新增" if old is None else "删除" if new is None else "修改"
        t.add_row(mark, r["date"] or "", esc(r["team"] or ""), esc(r["title"] or ""), esc(r["participant"] or ""),
                  _hours(old), _hours(new))
    out.print(t)
    if len(e.changes) > SHOWN:
        out.print(f"  …另有 {len(e.changes) - SHOWN} 条（加 --json 可看全部）", markup=False)


def _hours(values: dict | None) -> str:
    if values is None:
        return "—"
    if values.get("status"):
        return values["status"]
    return f"{values['hours']:g}" if values.get("hours") is not None else ""

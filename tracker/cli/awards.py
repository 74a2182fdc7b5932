"""`tracker awards …`: the year-end commendation's candidates, the decision and its documents
(docs/awards.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker import api
from tracker.cli.app import Db, Debug, Json, Rules, Unit, listing, out, print_json_list, print_paths
from tracker.formats import hours
from tracker.problems import TrackerError

YearOpt = Annotated[int, typer.Option("--year", help="评比年度，如 2026。", show_default=False)]
Award = Annotated[str | None, typer.Option("--award", help="只看这一个奖项（规则文件 \\[awards] 中的名称）。", show_default=False)]

awards_app = typer.Typer(
    help="评比表彰：按规则文件 \\[awards] 列出各奖项的候选人（按服务时长排名、附依据和未入选原因），"
         "记录决定，生成推荐表和公示名单。",
    invoke_without_command=True, no_args_is_help=True)


@awards_app.callback()
def awards(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option("--year", help="评比年度，如 2026。", show_default=False)] = None,
    unit: Unit = None,
    district: Annotated[str | None, typer.Option("--district", help="上级单位：列出其下各单位的候选人。", show_default=False)] = None,
    award: Award = None,
    as_json: Json = False,
    out_file: Annotated[Path | None, typer.Option("--out", help="另存为 .xlsx（每个奖项一个工作表）。", show_default=False)] = None,
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """列出候选人；tracker awards record 记录决定，list 查看已记录的，documents 生成推荐表和公示名单。"""
    if ctx.invoked_subcommand is not None:
        return
    if year is None:
        raise TrackerError("缺少 --year：评比哪一年，如 --year 2026。", code=2)
    rows = api.awards(db, year=year, unit=unit, district=district, award=award, rules=rules, scope=api.LOCAL)
    if as_json:
        print_json_list(rows)
        return
    if out_file is not None:
        out.print(f"已写出候选名单：{api.awards_xlsx(rows, out_file)}", markup=False)
        return
    for name in dict.fromkeys(r["award"] for r in rows):
        mine = [r for r in rows if r["award"] == name]
        team = mine[0]["scope"] == "team"
        chosen = [r for r in mine if r["excluded"] is None]
        listing(f"{year}年度 {name}：推荐 {len(chosen)} 个，考察 {len(mine)} 个",
                ["名次", "服务队" if team else "姓名", "单位", "服务时长", "服务活动",
                 "达标队员/在册" if team else "所在服务队", "结果"],
                [[str(r["rank"] or ""), r["name"], r["unit"], hours(r["hours"] or 0), str(r["activities"] or 0),
                  f"{r['members_met']}/{r['members']}" if team else (r["team"] or "—"),
                  "推荐" if r["excluded"] is None else r["excluded"]] for r in mine], numeric=0)
    out.print("记录决定：tracker awards record --year 年度 --award 奖项 姓名…；推荐表和公示名单：tracker awards documents。",
              markup=False)


@awards_app.command("record")
def record(
    year: YearOpt,
    award: Annotated[str, typer.Option("--award", help="奖项名称（规则文件 \\[awards] 中的名称）。", show_default=False)],
    who: Annotated[list[str] | None, typer.Argument(help="获奖者：姓名、志愿者编号或 姓名(手机后四位)；服务队奖写服务队名称。", show_default=False)] = None,
    file: Annotated[Path | None, typer.Option("--file", help="决定名单 .xlsx/.csv（一列“姓名”“志愿者编号”或“服务队”）。", show_default=False)] = None,
    unit: Unit = None,
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """记录评比结果：写入数据库，并出现在志愿者档案中。"""
    res = api.record_awards(db, year=year, award=award, who=who or [], file=file, unit=unit, rules=rules,
                            scope=api.LOCAL)
    names = "、".join(r["name"] for r in res["recorded"])
    out.print(f"已记录 {year} 年度{award}：{names}（新增 {res['added']} 个，"
              f"{len(res['recorded']) - res['added']} 个此前已记录）", markup=False)
    if res["not_proposed"]:
        out.print(f"[yellow]注意：{'、'.join(res['not_proposed'])} 不在推荐名单中（未达条件或超出名额），已按决定记录。[/yellow]")


@awards_app.command("list")
def list_cmd(
    year: Annotated[int | None, typer.Option("--year", help="年度（默认全部年度）。", show_default=False)] = None,
    unit: Unit = None,
    as_json: Json = False,
    db: Db = None, debug: Debug = False,
) -> None:
    """已记录的评比结果。"""
    rows = api.list_awards(db, year=year, unit=unit, scope=api.LOCAL)
    if as_json:
        print_json_list(rows)
        return
    if not rows:
        out.print("还没有记录评比结果（tracker awards record）。", markup=False)
        return
    listing("已记录的评比结果", ["年度", "奖项", "姓名或服务队", "单位", "服务时长", "记录时间", "记录人"],
            [[str(r["year"]), r["award"], r["name"], r["unit"], hours(r["hours"]) if r["hours"] is not None else "—",
              str(r["recorded_at"])[:16], r["account"] or ""] for r in rows], numeric=0)


@awards_app.command("documents")
def documents(
    year: YearOpt,
    out_dir: Annotated[Path, typer.Option("--out", help="输出文件夹。", show_default=False)],
    award: Award = None,
    unit: Unit = None,
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """推荐表（每人一份 .docx）和公示名单（.docx 和 .html，不含电话、身份证号码）。"""
    res = api.award_documents(db, year=year, out=out_dir, award=award, unit=unit, rules=rules, scope=api.LOCAL)
    print_paths(f"{year} 年度评比表彰：{res.awards} 份推荐表和公示名单", res.paths)

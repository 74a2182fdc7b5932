"""Document commands: certificates and their verification, the notice's forms, the dataset,
blank templates (docs/certificates.md, docs/forms.md, docs/dataset.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tracker import api
from tracker.cli.app import AsOf, Db, Debug, Rules, Unit, Year, err, out, print_paths
from tracker.problems import TrackerError

certificate_app = typer.Typer(
    help="志愿服务记录证明：为志愿者出具服务记录证明（.html 或 .docx），每份带可核验的证明编号。",
    invoke_without_command=True, no_args_is_help=True)


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
                          rules=rules, templates=templates, scope=api.LOCAL)
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
    v = api.verify_certificate(db, serial, rules=rules, scope=api.LOCAL)
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




def export(
    form: Annotated[str, typer.Argument(help="roster 附件2 花名册 | teams 附件3 服务队登记表 | summary 附件4 组队情况汇总表 | application 附件1 申请登记表（按花名册预填，供本人核对签字） | dataset 全部台账数据（Parquet，供数据平台使用） | hours 志愿服务时长，按志愿服务平台的批量导入格式。", show_default=False)],
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件 .xlsx（表格原样式）或 .csv；application 为 .docx、.xlsx 或文件夹（每人一个 .docx）；dataset 为输出文件夹。", show_default=False)] = None,
    year: Year = None, as_of: AsOf = None, unit: Unit = None,
    volunteer: Annotated[str | None, typer.Option("--volunteer", help="application：一个人的姓名、志愿者编号或 姓名(手机后四位)。", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="application：全部在册志愿者和待审核申请人。")] = False,
    unmask: Annotated[bool, typer.Option("--unmask", help="显示完整电话号码；application、dataset 和 hours 还显示完整身份证号码（其他表格始终不导出身份证号码）。")] = False,
    layout: Annotated[str | None, typer.Option("--layout", help="hours：平台格式（预设名称或格式文件 .toml）；list 列出预设。", show_default=False)] = None,
    quarter: Annotated[int | None, typer.Option("--quarter", help="hours：只导出这个季度（1-4）。", show_default=False)] = None,
    month: Annotated[str | None, typer.Option("--month", help="hours：只导出这个月（YYYY-MM）。", show_default=False)] = None,
    confirmed_only: Annotated[bool, typer.Option("--confirmed-only", help="hours：只导出已确认（tracker confirm）的月份。")] = False,
    db: Db = None, rules: Rules = None, debug: Debug = False,
) -> None:
    """导出通知附件中的正式表格、全部台账数据（dataset），或按志愿服务平台导入格式的服务时长（hours）。"""
    if form == "hours":
        from tracker.cli.platforms import export_hours

        return export_hours(db, layout=layout, year=year, quarter=quarter, month=month, unit=unit, out_file=out_file,
                            unmask=unmask, confirmed_only=confirmed_only, rules=rules)
    if layout is not None or quarter is not None or month is not None or confirmed_only:
        raise TrackerError("--layout、--quarter、--month、--confirmed-only 只用于 tracker export hours。", code=2)
    if out_file is None:
        raise TrackerError("缺少 --out：要导出到哪个文件（或文件夹）。", code=2)
    if form == "application":
        if year is not None or as_of is not None:
            raise TrackerError("application 按花名册当前信息预填，不使用 --year 或 --as-of。", code=2)
        made = api.export_application(db, out_file, volunteer=volunteer, every=every, unit=unit, unmask=unmask,
                                      scope=api.LOCAL)
        print_paths(f"附件1 申请登记表：{len(made.people)} 人，{len(made.paths)} 个文件", made.paths)
        out.print("身份证号码和电话为完整号码（--unmask），请妥善保管。" if made.unmasked else
                  "身份证号码和电话已遮盖；如需完整号码（例如打印后本人核对签字再导入），请加 --unmask。")
        return
    if volunteer is not None or every:
        raise TrackerError("--volunteer 和 --all 只用于 tracker export application。", code=2)
    if form == "dataset":
        ds = api.export_dataset(db, out_file, year=year, unit=unit, unmask=unmask, scope=api.LOCAL)
        total = sum(ds.rows.values())
        out.print(f"已导出数据集：{ds.out}（{len(ds.rows)} 张表，共 {total} 行，按年份分区；"
                  f"{'身份证号码和电话未遮盖' if not ds.masked else '身份证号码和电话已遮盖，需要完整号码请加 --unmask'}）")
        return
    res = api.export(db, form, out_file, year=year, as_of=as_of, unit=unit, unmask=unmask, scope=api.LOCAL)
    out.print(f"已导出：{res.path}（{res.rows} 行，{len(res.units)} 个单位）", markup=False)


def template(kind: Annotated[str, typer.Argument(help="台账类型：units | teams | roster | activities | demands | pairings；application 为空白的附件1 申请登记表。", show_default=False)],
             out_file: Annotated[Path, typer.Option("--out", help="输出文件 .xlsx 或 .csv；application 为 .docx 或 .xlsx。", show_default=False)],
             debug: Debug = False) -> None:
    """生成空白台账模板（表头、示例行和填写说明），或空白的附件1 申请登记表。"""
    path = api.template(kind, out_file)
    out.print(f"已生成模板：{path}", markup=False)

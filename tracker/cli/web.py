"""The web app's commands: `tracker serve` and its accounts, `tracker user …` (docs/web.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tracker import api
from tracker.cli.app import Db, Debug, Rules, err, out
from tracker.problems import TrackerError

user_app = typer.Typer(help="网页版的账户：添加（也可一次为每个单位建账户）、列出、改密码、重置、删除。", no_args_is_help=True)


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
    if acct.unit and acct.unit not in api.known_units(db, scope=api.LOCAL):
        err.print(f"注意：数据库中还没有单位“{acct.unit}”的数据；导入后该账户即可看到。", markup=False)


@user_app.command("add-units")
def user_add_units(
    out_file: Annotated[Path, typer.Option("--out", help="写出账号和初始密码的 .xlsx（密码只在这个文件里）。", show_default=False)],
    district: Annotated[str | None, typer.Option("--district", help="只为这个上级单位（及其下属各级单位）中还没有账户的单位建账户。", show_default=False)] = None,
    db: Db = None, debug: Debug = False,
) -> None:
    """为每个还没有账户的单位建一个单位账户，初始密码随机生成、只写入 --out 文件；首次登录须修改密码。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
                  transient=True) as bar:
        task = bar.add_task("生成账户…", total=None)
        made = api.user_add_units(db, out_file, district=district,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
    if not made.made:
        out.print(f"所有单位都已有账户（{made.had} 个），没有新建。", markup=False)
        return
    out.print(f"已为 {len(made.made)} 个单位建立账户（另有 {made.had} 个单位已有账户）；账号和初始密码在 {made.path}。"
              "请把各单位的账号和密码分别交给各单位，首次登录须修改密码；交付后请妥善保管或删除该文件。", markup=False)


@user_app.command("reset")
def user_reset(login: Annotated[str, typer.Argument(help="登录名。", show_default=False)], db: Db = None,
               debug: Debug = False) -> None:
    """重置账户密码：生成一次性密码（只显示这一次），下次登录须修改；该账户已登录的网页随即失效。"""
    password = api.user_reset(db, login)
    out.print(f"{login} 的一次性密码：{password}", markup=False)
    out.print("请交给本人，首次登录须修改密码。此密码不会再显示。", markup=False)


@user_app.command("list")
def user_list(db: Db = None, debug: Debug = False) -> None:
    """列出网页版账户（不显示密码）。"""
    accts = api.user_list(db)
    if not accts:
        out.print("还没有账户：网页版只能在本机（127.0.0.1）单用户使用。添加管理员：tracker user add 登录名 --role admin",
                  markup=False)
        return
    t = Table(header_style="bold")
    for h in ("登录名", "角色", "单位", "创建时间", "密码修改时间", "首次登录须改密码"):
        t.add_column(h, overflow="fold")
    for a in accts:
        t.add_row(a.login, a.role_name, a.unit or "全部", f"{a.created_at:%Y-%m-%d %H:%M}",
                  f"{a.changed_at:%Y-%m-%d %H:%M}", "是" if a.must_change else "")
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


def serve(
    db: Db = None,
    host: Annotated[str, typer.Option("--host", help="监听地址。默认只在本机 127.0.0.1；其他地址须先有管理员账户。")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口。")] = 8000,
    out_dir: Annotated[Path | None, typer.Option("--out", help="网页生成的报告存放的文件夹（默认数据库旁的“数据库名-web”）。", show_default=False)] = None,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, help="一次上传的大小上限（MB）。")] = 50,
    no_public_query: Annotated[bool, typer.Option("--no-public-query", help="关闭 /q 志愿者本人查询时长的公开页面（默认开启）。")] = False,
    base_url: Annotated[str | None, typer.Option("--base-url", help="手机签到二维码指向的网址，如 http://192.168.1.20:8000（默认按 --host 推断并记住）。", show_default=False)] = None,
    rules: Rules = None,
    debug: Debug = False,
) -> None:
    """在浏览器中使用：启动网页版（首页、导入台账、考评检查、报告、志愿者查询）。按 Ctrl+C 停止。"""
    from tracker.web.server import Server

    server = Server.prepare(db, host, port, out_dir=out_dir, max_upload_mb=max_upload_mb, rules=rules,
                            base_url=base_url)
    server.public_query = not no_public_query
    out.print(f"tracker 网页版已启动：{server.url}  （数据库 {server.db}；按 Ctrl+C 停止）", markup=False,
              soft_wrap=True)
    if server.single_user:
        out.print("还没有账户：本机单用户模式，无需登录。要让别的电脑访问，先添加管理员：tracker user add 登录名 --role admin",
                  markup=False, soft_wrap=True)
    if server.phone_url:
        out.print(f"手机签到的二维码指向：{server.phone_url}/s/签到码", markup=False, soft_wrap=True)
    server.run()

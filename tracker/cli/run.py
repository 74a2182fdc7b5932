"""Running a command: exit codes, and every failure said in Chinese (README, "Commands").

Exit codes: 0 done; 1 input rejected or a check failed; 2 usage error;
3 an internal error (a bug: run again with --debug and send the output).
A user mistake never shows a traceback; `--debug` shows one.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape as esc

from tracker.cli.app import app, err, print_problems
from tracker.problems import TrackerError

try:  # newer typer vendors click; older ones use the click package
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover
    from click import exceptions as click_exc


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
        why = ("应为整数" if "integer" in text or "valid int" in text else "超出允许范围" if any(w in text for w in ("range", "between", "less than", "greater than"))
               else "应为数字" if "number" in text or "float" in text else text)
        return f"{label} 的值无效：{why}"
    if name == "NoArgsIsHelpError":
        return "请给出要运行的命令"
    text = e.format_message() if hasattr(e, "format_message") else str(e)
    said = _said(text, getattr(e, "ctx", None))
    return said or f"用法有误：{text}"


def _said(text: str, ctx: object) -> str | None:
    """click's other usage messages a user meets (a mistyped command, a stray word, an option
    without its value), in Chinese; None for the rest."""
    import difflib
    import re

    if m := re.match(r"No such command '(.+?)'\.", text):
        group = getattr(ctx, "command", None)
        names = group.list_commands(ctx) if hasattr(group, "list_commands") else []
        close = difflib.get_close_matches(m[1], names, n=3, cutoff=0.5)
        hint = f"（是否想用：{'、'.join(close)}？）" if close else f"（可用的命令：{'、'.join(names)}）" if names else ""
        return f"没有这个命令：{m[1]}{hint}"
    if m := re.fullmatch(r"Got unexpected extra arguments?(?:\(s\))? \((.+)\)", text):
        return f"多出了参数：{m[1]}（路径或名称中有空格时请加引号）"
    if m := re.fullmatch(r"Option '(.+)' requires an argument\.", text):
        return f"选项 {m[1]} 后面要写一个值"
    return None


def os_message(e: OSError) -> str:
    """An operating-system error on a file, in Chinese: the path, why, and what to do."""
    from tracker.atomic import DISK_FULL, os_reason

    path = e.filename or "（未知路径）"
    reason = os_reason(e)
    todo = ("请清理磁盘或换一个位置后重试" if reason == DISK_FULL
            else "请检查路径是否正确、文件夹是否存在且可写入，文件是否正被 Excel 或 WPS 打开，然后重试")
    return f"无法读写 {path}：{reason}。{todo}。"


def main() -> None:
    debug = "--debug" in sys.argv
    try:
        rc = app(standalone_mode=False)  # click returns the code of typer.Exit here
    except TrackerError as e:
        if debug:
            raise
        print_problems(e.problems)
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
    except OSError as e:  # a path that cannot be read or written: the user's to put right
        if debug:
            raise
        err.print(f"[red]{esc(os_message(e))}[/red]")
        sys.exit(1)
    except Exception as e:  # an internal fault, not the user's
        if debug:
            raise
        err.print(f"[red]内部错误：{type(e).__name__}: {esc(str(e))}[/red]\n这不是您的操作问题。请加 --debug 重新运行，并把输出发给维护者。")
        sys.exit(3)
    sys.exit(rc if isinstance(rc, int) else 0)

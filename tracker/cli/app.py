"""What every command shares: the `tracker` app and its groups, the consoles, the common options,
and how listings and problems are printed (docs/architecture.md, "Where does a new command go")."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape as esc  # anything from a user's file or a path: never markup
from rich.table import Table

from tracker.problems import Problem, shown

# Redirected to a file or another program, nothing is to fit: lines are not wrapped at 80 columns
# (a wrapped unit name cannot be searched for); a terminal keeps its own width.
_WIDE = 200
class _Console(Console):
    """A console that never passes a control character through: an ESC or a bidi override in a
    file's name or cells is printed as \x1b, not obeyed by the terminal (docs/privacy.md)."""

    def render_str(self, text: str, **kw):  # type: ignore[override]
        return super().render_str(shown(text, lines=True), **kw)


out = _Console(highlight=False, width=None if sys.stdout.isatty() else _WIDE)
err = _Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else _WIDE)

app = typer.Typer(
    help="tracker：党员志愿服务队台账与年度考评。导入“一册三簿”，检查规则，生成季度通报、年中调整和年度星级认定报告。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

Db = Annotated[Path | None, typer.Option("--db", envvar="TRACKER_DB", help="数据库文件（默认 ./tracker.duckdb；环境变量 TRACKER_DB）。", show_default=False)]
Rules = Annotated[Path | None, typer.Option("--rules", envvar="TRACKER_RULES", help="规则文件 .toml（默认用内置规则；环境变量 TRACKER_RULES）。", show_default=False)]
Unit = Annotated[str | None, typer.Option("--unit", help="单位名称。", show_default=False)]
Year = Annotated[int | None, typer.Option("--year", help="年度，如 2026。", show_default=False)]
AsOf = Annotated[str | None, typer.Option("--as-of", help="截至日期，如 2026-06-30。", show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="以 JSON 输出。")]
Debug = Annotated[bool, typer.Option("--debug", help="出错时显示完整的 Python 错误信息（供开发者排查）。")]
OutDir = Annotated[Path | None, typer.Option("--out", help="输出文件夹（默认当前文件夹）。", show_default=False)]

STYLE = {"fail": "bold red", "warn": "yellow", "pass": "green"}
LONG_LISTING = 100  # rows: longer listings print as plain aligned text


def listing(title: str, headers: list[str], rows: list[list[str]], *, numeric: int = 0,
            note: int | None = None) -> None:
    """A table of plain-text cells: a rich table, or for a city's thousand units aligned text.

    rich lays out about two thousand rows a second — a city's status spent more
    time drawing its table than computing it — and wraps long names into
    columns a few characters wide when the window is narrow; aligned text is
    instant, never wraps a name, and pastes into Excel column by column.
    `numeric`: how many columns after the first are numbers (right-aligned);
    `note`: a column shown in yellow unless it says 无.
    """
    if len(rows) <= LONG_LISTING:
        t = Table(title=title, header_style="bold")
        for i, h in enumerate(headers):
            right = 0 < i <= numeric
            t.add_column(h, justify="right" if right else "left", overflow="fold",
                         min_width=None if right else 4)
        for r in rows:
            t.add_row(*(f"[yellow]{esc(c)}[/yellow]" if i == note and c != "无" else esc(c)
                        for i, c in enumerate(r)))
        out.print(t)
        return
    from rich.cells import cell_len

    widths = [max(cell_len(h), *(cell_len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = [" " * (w - cell_len(c)) + c if 0 < i <= numeric else c + " " * (w - cell_len(c))
                  for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded).rstrip()

    text = [f"{title}（{len(rows)} 行）", line(headers), "  ".join("-" * w for w in widths)]
    text.extend(line(r) for r in rows)
    out.file.write(shown("\n".join(text), lines=True) + "\n")
    out.file.flush()


def print_problems(problems: list[Problem]) -> None:
    if not problems:
        return
    t = Table(show_lines=False, header_style="bold")
    for h in ("文件", "行", "列", "内容", "问题"):
        t.add_column(h, overflow="fold")
    for p in problems:
        style = "red" if p.level == "error" else "yellow"
        t.add_row(esc(p.file), str(p.row or ""), esc(p.column or ""), esc(p.value or ""),
                  f"[{style}]{'' if p.level == 'error' else '提醒：'}{esc(p.message)}[/{style}]")
    err.print(t)


def kind_name(kind: str) -> str:
    from tracker.api import kind_name as name

    return name(kind)


def print_json_list(items: Iterable[dict]) -> None:
    """A JSON array, one item per line, written as the items come: readable, and written by
    json's fast C encoder (an indented dump of a city's findings took longer than computing them)."""
    out_ = sys.stdout
    out_.write("[")
    sep = "\n"
    for item in items:
        out_.write(sep)
        out_.write(json.dumps(item, ensure_ascii=False, default=str))
        sep = ",\n"
    out_.write("\n]\n")


def print_paths(title: str, paths: list[Path]) -> None:
    t = Table(title=title, header_style="bold")
    t.add_column("文件", overflow="fold")
    t.add_column("类型")
    kinds = {".html": "网页（可打印）", ".xlsx": "Excel 表格", ".csv": "CSV 表格", ".docx": "Word 文档"}
    for p in paths:
        t.add_row(esc(str(p)), kinds.get(p.suffix, p.suffix))
    out.print(t)

"""`tracker report NAME`: one command per entry of the reports registry (docs/reports.md)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from tracker import api
from tracker.cli.app import AsOf, Db, Debug, OutDir, Rules, Unit, app, err, print_paths


class _ReportGroup(TyperGroup):
    """`tracker report`: its commands, one per report of the registry, made when the group is
    first asked for one. Importing the registry (every report's module) cost every other
    command, `tracker load` among them, a tenth of a second at start-up."""

    _made = False

    def _make(self) -> None:
        if self._made:
            return
        from tracker.reports.registry import REPORTS

        self._made = True
        reports = typer.Typer()
        for name in REPORTS:
            reports.command(name)(_report_command(name))
        self.commands.update(typer.main.get_group(reports).commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._make()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._make()
        return super().get_command(ctx, cmd_name)


report_app = typer.Typer(help="生成报告（HTML + 同名 .xlsx，可加 Word .docx）。", no_args_is_help=True,
                         cls=_ReportGroup)


def _report_command(name: str):
    """`tracker report NAME`, with the options the report's spec declares."""
    from tracker.reports.registry import REPORTS

    spec = REPORTS[name]

    def command(year: int, unit: str | None = None, out_dir: Path | None = None, db: Path | None = None,
                rules: Path | None = None, debug: bool = False, quarter: int | None = None,
                as_of: str | None = None, formats: str = "html,xlsx", templates: Path | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        chosen = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task(f"正在计算{spec.title}…", total=None)

            def progress(done: int, total: int, unit: str) -> None:
                bar.update(task, completed=done, total=total, description=f"{spec.title}：{unit}")

            result = api.report(db, name, year=year, quarter=quarter, as_of=as_of, unit=unit, out_dir=out_dir,
                                formats=chosen, rules=rules, progress=progress, templates=templates,
                                scope=api.LOCAL)
        print_paths(f"{spec.title}：已生成 {len(result.paths)} 个文件", result.paths)

    command.__signature__ = inspect.Signature(_parameters(spec))  # type: ignore[attr-defined]
    command.__doc__ = spec.help
    command.__name__ = f"report_{name}"
    return command


def _parameters(spec) -> list[inspect.Parameter]:
    """The options of `tracker report NAME`: the report's own (quarter, as-of), then the shared ones."""
    def option(name: str, annotation, default=inspect.Parameter.empty) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)

    params = [option("year", Annotated[int, typer.Option("--year", help="年度。")])]
    if "quarter" in spec.options:
        params.append(option("quarter", Annotated[int, typer.Option("--quarter", min=1, max=4, help="季度 1-4。")]))
    if "quarter?" in spec.options:
        params.append(option("quarter", Annotated[int | None, typer.Option(
            "--quarter", min=1, max=4, help="只算这个季度（1-4；默认全年）。", show_default=False)], None))
    if "as_of" in spec.options:
        params.append(option("as_of", AsOf, None))
    return params + [
        option("unit", Unit, None),
        option("out_dir", OutDir, None),
        option("formats", Annotated[str, typer.Option(
            "--format", help="输出格式，逗号分隔：html（网页）、xlsx（Excel）、docx（Word，可编辑）；默认 html,xlsx。")],
            "html,xlsx"),
        option("templates", Annotated[Path | None, typer.Option(
            "--templates", help="自定义模板文件夹（红头、落款等），先于 ./reports/templates 和内置模板查找。",
            show_default=False)], None),
        option("db", Db, None),
        option("rules", Rules, None),
        option("debug", Debug, False),
    ]


def register() -> None:
    """The group under `tracker report` (its commands come with it: `_ReportGroup`)."""
    app.add_typer(report_app, name="report")

"""`tracker report quarterly|midyear|annual`: build each unit's report, write HTML + .xlsx.

One self-contained HTML per unit (styles inline, charts as inline SVG) with
an .xlsx of its tables beside it (same file stem); without --unit, when the
database holds several units, also an overview setting them side by side.
The database is opened read-only: reports never change it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from tracker.problems import TrackerError
from tracker.render import charts as chart_draw
from tracker.render import env
from tracker.render.tables_xlsx import write_tables
from tracker.reports import annual, midyear, overview, quarterly
from tracker.reports import common as c
from tracker.rules import load_rules
from tracker.store.db import connect

KINDS = {"quarterly": "季度例会通报", "midyear": "年中调整", "annual": "年度考评与星级认定"}


def _check_request(kind: str, year: int, quarter: int | None, as_of: dt.date | None, today: dt.date) -> None:
    if kind not in KINDS:
        raise TrackerError(f"未知的报告类型“{kind}”。可选：{'、'.join(f'{k}（{v}）' for k, v in KINDS.items())}。", code=2)
    if not 1900 < year < 3000:
        raise TrackerError(f"--year 应为四位年份（如 2026），而不是 {year}。", code=2)
    if dt.date(year, 1, 1) > today:
        raise TrackerError(f"{year} 年尚未开始（今天是 {today}），无法生成报告。")
    if kind == "quarterly":
        if quarter not in (1, 2, 3, 4):
            raise TrackerError("季度例会通报需要 --quarter 1 到 4。", code=2)
        start = dt.date(year, 3 * quarter - 2, 1)
        if start > today:
            raise TrackerError(f"{year}年第{quarter}季度尚未开始（从 {start} 起，今天是 {today}），无法生成季度通报。")
    if as_of is not None and as_of.year != year:
        raise TrackerError(f"--as-of {as_of} 不在 {year} 年内，请检查 --year 或 --as-of。")


def write_reports(
    kind: str,
    db: str | os.PathLike | None,
    rules_path: str | os.PathLike | None,
    *,
    year: int,
    quarter: int | None = None,
    as_of: dt.date | None = None,
    unit: str | None = None,
    out_dir: str | os.PathLike | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the reports of `kind` for one unit or every unit; return the files written.

    kind: quarterly (needs `quarter`), midyear (`as_of`, default: the end of the
    unit's last month of activities loaded, kept inside the year) or annual.
    """
    today = today or dt.date.today()
    _check_request(kind, year, quarter, as_of, today)
    rules = load_rules(rules_path)
    out = Path(out_dir) if out_dir is not None else Path(".")
    say = progress or (lambda _msg: None)
    with connect(db, read_only=True) as con:
        units = c.resolve_units(con, unit)
        c.require_data(con, year, units)
        reports: list[c.Report] = []
        for u in units:
            say(f"计算 {u}")
            if kind == "quarterly":
                assert quarter is not None
                reports.append(quarterly.build(con, u, year, quarter, rules, today))
            elif kind == "midyear":
                reports.append(midyear.build(con, u, year, as_of, rules, today))
            else:
                reports.append(annual.build(con, u, year, rules, today))
        side = None
        if unit is None and len(reports) > 1:
            side = overview.build(con, kind, reports, year=year, quarter=quarter, today=today)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for r in [*reports, *([side] if side is not None else [])]:
        say(f"写出 {r.stem}")
        paths += write_report(r, out)
    return paths


def write_report(r: c.Report, out_dir: Path) -> list[Path]:
    """The report's HTML page and, beside it, its tables as .xlsx (same stem)."""
    drawn = {k: chart_draw.draw(v, "svg") for k, v in r.charts.items()}
    template = "overview.html" if r.kind.startswith("overview") else f"{r.kind}.html"
    html = env.write_page(out_dir / f"{r.stem}.html", template, header=r.header, r=r, charts=drawn)
    h = r.header
    title = f"{h.title}　{h.unit}　{h.start.isoformat()} 至 {h.end.isoformat()}"
    xlsx = write_tables(out_dir / f"{r.stem}.xlsx", {t.sheet: t.for_xlsx() for t in r.tables.values()}, title)
    return [html, xlsx]


def cmd_report(
    kind: str,
    db: str | os.PathLike | None,
    rules_path: str | os.PathLike | None,
    *,
    year: int,
    quarter: int | None = None,
    as_of: str | None = None,
    unit: str | None = None,
    out_dir: str | os.PathLike | None = None,
) -> int:
    """The CLI's `tracker report …`: write the files and list them."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from tracker.api import parse_date_option

    day = parse_date_option(as_of)
    err = Console(stderr=True, highlight=False)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(f"生成{KINDS.get(kind, kind)}…")
        paths = write_reports(
            kind, db, rules_path, year=year, quarter=quarter, as_of=day, unit=unit, out_dir=out_dir,
            progress=lambda msg: bar.update(task, description=f"生成{KINDS.get(kind, kind)}：{msg}"),
        )
    t = Table(title=f"{KINDS[kind]}：已生成 {len(paths)} 个文件", header_style="bold")
    t.add_column("文件", overflow="fold")
    t.add_column("类型")
    for p in paths:
        t.add_row(str(p), "网页（可打印）" if p.suffix == ".html" else "Excel 表格")
    Console(highlight=False).print(t)
    return 0

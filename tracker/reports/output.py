"""A report's files, one writer per output format (cf. datasette's output renderers).

`WRITERS` maps a format name to a function writing one `Report` into a
folder and returning the path: the HTML page (self-contained: styles inline,
charts as inline SVG) and the .xlsx of its tables. `tracker report --format`
chooses among them; adding a format is one function and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tracker.render import drawing, env
from tracker.render.xlsx import write_tables
from tracker.reports.model import Report


def write_html(r: Report, out_dir: Path) -> Path:
    drawn = r.drawn if r.drawn is not None else drawing.draw_all(r.charts)
    return env.write_page(out_dir / f"{r.stem}.html", r.template, header=r.header, r=r, charts=drawn)


def write_xlsx(r: Report, out_dir: Path) -> Path:
    h = r.header
    title = f"{h.title}　{h.unit}　{h.start.isoformat()} 至 {h.end.isoformat()}"
    return write_tables(out_dir / f"{r.stem}.xlsx", {t.sheet: t.for_xlsx() for t in r.tables.values()}, title)


WRITERS: dict[str, tuple[str, Callable[[Report, Path], Path]]] = {
    "html": ("网页（可打印）", write_html),
    "xlsx": ("Excel 表格", write_xlsx),
}
DEFAULT_FORMATS = ("html", "xlsx")


def write_report(r: Report, out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Path]:
    """The report's files in `formats` (same stem, one per format)."""
    return [WRITERS[f][1](r, out_dir) for f in formats]

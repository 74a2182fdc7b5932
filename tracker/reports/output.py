"""A report's files, one writer per output format (cf. datasette's output renderers).

`WRITERS` maps a format name to a function writing one `Report` into a
folder and returning the path: the HTML page (self-contained: styles inline,
charts as inline SVG, the font's characters embedded), the .xlsx of its
tables and the Word document. `tracker report --format` chooses among them;
adding a format is one function and one entry here. `templates` is the
office's override folder (`--templates`; docs/reports.md, "Your own templates").
Each writer ends in one call that writes the file (`env.write_page`,
`write_tables`, `word.write_docx`), so how files are written is decided there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tracker.render import drawing, env, fontface
from tracker.render.xlsx import write_tables
from tracker.reports import word
from tracker.reports.model import Report

Templates = str | Path | None

def write_html(r: Report, out_dir: Path, templates: Templates = None) -> Path:
    drawn = r.drawn if r.drawn is not None else drawing.draw_all(r.charts)
    context = {"header": r.header, "r": r, "charts": drawn}
    page = env.render(r.template, templates=templates, **context)
    return env.write_text(out_dir / f"{r.stem}.html", fontface.embed(page))


def write_xlsx(r: Report, out_dir: Path, templates: Templates = None) -> Path:
    h = r.header
    title = f"{h.title}　{h.unit}　{h.start.isoformat()} 至 {h.end.isoformat()}"
    return write_tables(out_dir / f"{r.stem}.xlsx", {t.sheet: t.for_xlsx() for t in r.tables.values()}, title)


def write_docx(r: Report, out_dir: Path, templates: Templates = None) -> Path:
    return word.write_docx(r, out_dir / f"{r.stem}.docx", templates)


WRITERS: dict[str, tuple[str, Callable[[Report, Path, Templates], Path]]] = {
    "html": ("网页（可打印）", write_html),
    "xlsx": ("Excel 表格", write_xlsx),
    "docx": ("Word 文档（可编辑）", write_docx),
}
DEFAULT_FORMATS = ("html", "xlsx")


def write_report(r: Report, out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS,
                 templates: Templates = None) -> list[Path]:
    """The report's files in `formats` (same stem, one per format)."""
    return [WRITERS[f][1](r, out_dir, templates) for f in formats]

"""A report's files, one writer per output format (cf. datasette's output renderers).

`WRITERS` maps a format name to a `Writer` in two steps: `prepare` turns one
`Report` into plain data (it runs where the report was built), `finish`
writes that data to the file (it may run in a worker process: the data
pickles). The HTML page is laid out here with a marker where each chart goes;
`finish` draws the charts, embeds the font of the page's characters and
writes it — the costly part, spread over the cores in a city's run. The
.xlsx holds the report's tables; the Word document is built here with a slot
per chart, which `finish` fills with the drawn charts. `tracker report --format` chooses among them; adding a format is one
`Writer` and one entry here. `templates` is the office's override folder
(`--templates`; docs/reports.md, "Your own templates"). Every file is written
whole or not at all (`tracker.atomic`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from tracker.atomic import write_bytes, write_text
from tracker.render import env, fontface
from tracker.render.xlsx import write_tables
from tracker.reports.model import Report

Templates = str | Path | None


@dataclass(frozen=True)
class Writer:
    suffix: str
    prepare: Callable[[Report, Templates], Any]  # → data that pickles
    finish: Callable[[Any, Path], Path]  # (data, the file) → the file written


def _marker(key: str) -> str:
    return f"<!--tracker-chart:{key}-->"


def prepare_html(r: Report, templates: Templates = None) -> tuple[str, dict]:
    """The page with a marker for each chart, and the charts' data (drawn by `finish_html`)."""
    markers = {k: Markup(_marker(k)) for k in r.charts}
    page = env.render(r.template, templates=templates, header=r.header, r=r, charts=markers)
    return page, dict(r.charts)


def finish_html(data: tuple[str, dict], path: Path) -> Path:
    from tracker.render import drawing  # matplotlib: only where charts are drawn

    page, charts = data
    for key, svg in drawing.draw_all(charts).items():
        page = page.replace(_marker(key), svg, 1)
    return write_text(path, fontface.embed(page))


def prepare_xlsx(r: Report, templates: Templates = None) -> tuple[dict, str]:
    h = r.header
    title = f"{h.title}　{h.unit}　{h.start.isoformat()} 至 {h.end.isoformat()}"
    return {t.sheet: t.for_xlsx() for t in r.tables.values()}, title


def finish_xlsx(data: tuple[dict, str], path: Path) -> Path:
    sheets, title = data
    return write_tables(path, sheets, title)


def prepare_docx(r: Report, templates: Templates = None) -> tuple[bytes, dict]:
    """The document with a slot for each chart, and the charts' data (drawn by `finish_docx`)."""
    from tracker.reports import word

    buf = io.BytesIO()
    word.build(r, templates).save(buf)
    return buf.getvalue(), dict(r.charts)


def finish_docx(data: tuple[bytes, dict], path: Path) -> Path:
    from tracker.reports import word

    docx, charts = data
    return write_bytes(path, word.pictures(docx, charts))


WRITERS: dict[str, Writer] = {
    "html": Writer(".html", prepare_html, finish_html),
    "xlsx": Writer(".xlsx", prepare_xlsx, finish_xlsx),
    "docx": Writer(".docx", prepare_docx, finish_docx),
}
DEFAULT_FORMATS = ("html", "xlsx")


def prepare_report(r: Report, formats: tuple[str, ...] = DEFAULT_FORMATS,
                   templates: Templates = None) -> list[tuple[str, Any]]:
    """What `finish_report` needs to write the report in `formats` (plain data: it pickles)."""
    return [(f, WRITERS[f].prepare(r, templates)) for f in formats]


def finish_report(stem: str, prepared: list[tuple[str, Any]], out_dir: Path) -> list[Path]:
    """Write prepared files into `out_dir` (same stem, one per format)."""
    return [WRITERS[f].finish(data, out_dir / f"{stem}{WRITERS[f].suffix}") for f, data in prepared]


def write_report(r: Report, out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS,
                 templates: Templates = None) -> list[Path]:
    """The report's files in `formats`, written here."""
    return finish_report(r.stem, prepare_report(r, formats, templates), out_dir)

"""Output files of forms and templates: one writer per format, keyed by the file's suffix.

A form or a blank ledger is built once as a `Document`: the plain table (what
a .csv holds) and the sheets laid out as the notice prints them (what an
.xlsx holds). `write_document` picks the writer from the output's suffix;
adding a format is one function and one entry in `WRITERS`
(docs/architecture.md, "Adding an output format").
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker.atomic import ensure_folder, write_bytes
from tracker.problems import TrackerError
from tracker.render.filters import FORMULA_START
from tracker.render.xlsx import FormSheet, GuideSheet, write_forms

_FORMULA_RE = "^([" + "".join("\\" + c if c in "-\\^]" else c for c in FORMULA_START) + "])"


@dataclass
class Document:
    """A form or template in both shapes: `table` for CSV, `sheets` (+ `guides`) for .xlsx."""

    table: pl.DataFrame
    sheets: list[FormSheet]
    guides: list[GuideSheet] = field(default_factory=list)


def write_csv(table: pl.DataFrame, out: Path) -> Path:
    """A plain table in UTF-8 with BOM (Excel on Windows opens it right); text that Excel
    would run as a formula (= + - @) gets a leading apostrophe."""
    safe = table.with_columns(pl.col(pl.String).str.replace(_FORMULA_RE, "'$1"))
    buf = io.BytesIO()
    safe.write_csv(buf, include_bom=True)
    return write_bytes(out, buf.getvalue())  # whole or not at all (tracker.atomic)


WRITERS: dict[str, tuple[str, Callable[[Document, Path], Path]]] = {
    ".xlsx": ("Excel 工作簿（按通知的表格样式）", lambda doc, out: write_forms(out, doc.sheets, doc.guides)),
    ".csv": ("CSV 纯表格（UTF-8）", lambda doc, out: write_csv(doc.table, out)),
}


def check_suffix(out: str | Path, what: str, writers: dict | None = None, code: int = 1) -> str:
    """The output's suffix, if `writers` (default `WRITERS`: suffix → (label, writer)) has one for it;
    a Chinese error naming the suffixes otherwise."""
    out = Path(out)
    writers = WRITERS if writers is None else writers
    if out.suffix.lower() not in writers:
        kinds = "、".join(f"{s}（{label}）" for s, (label, _) in writers.items())
        raise TrackerError(f"无法把{what}写成“{out.name}”：请用 {kinds} 作为文件扩展名。", code=code)
    return out.suffix.lower()


def output_path(out: str | Path, what: str, writers: dict | None = None) -> Path:
    """Check the output's suffix (`check_suffix`) and make its folder (Chinese errors)."""
    check_suffix(out, what, writers)
    ensure_folder(Path(out).parent)
    return Path(out)


def write_document(doc: Document, out: str | Path, what: str) -> Path:
    """Write `doc` in the format `out`'s suffix names."""
    path = output_path(out, what)
    return WRITERS[path.suffix.lower()][1](doc, path)

"""Output files of forms and templates: one writer per format, keyed by the file's suffix.

A form or a blank ledger is built once as a `Document`: the plain table (what
a .csv holds) and the sheets laid out as the notice prints them (what an
.xlsx holds). `write_document` picks the writer from the output's suffix;
adding a format is one function and one entry in `WRITERS`
(docs/architecture.md, "Adding an output format").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

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
    try:
        safe.write_csv(out, include_bom=True)
    except OSError as e:
        raise TrackerError(f"无法写入 {out}：{e}（文件是否正在 Excel 中打开？）") from e
    return out


WRITERS: dict[str, tuple[str, Callable[[Document, Path], Path]]] = {
    ".xlsx": ("Excel 工作簿（按通知的表格样式）", lambda doc, out: write_forms(out, doc.sheets, doc.guides)),
    ".csv": ("CSV 纯表格（UTF-8）", lambda doc, out: write_csv(doc.table, out)),
}


def output_path(out: str | Path, what: str, writers: dict | None = None) -> Path:
    """Check the output's suffix against `writers` (default `WRITERS`) and make its folder
    (Chinese errors)."""
    out = Path(out)
    writers = WRITERS if writers is None else writers
    if out.suffix.lower() not in writers:
        kinds = "、".join(f"{s}（{label}）" for s, (label, _) in writers.items())
        raise TrackerError(f"无法把{what}写成“{out.name}”：请用 {kinds} 作为文件扩展名。")
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    return out


def write_document(doc: Document, out: str | Path, what: str) -> Path:
    """Write `doc` in the format `out`'s suffix names."""
    path = output_path(out, what)
    return WRITERS[path.suffix.lower()][1](doc, path)

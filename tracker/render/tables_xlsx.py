"""A report's tables as one .xlsx beside the HTML (SPEC §6), a sheet per table.

Every text cell is written with `write_string`, so nothing a user typed can
become a formula or link; text that a spreadsheet would read as a formula
(= + - @ …) also gets Excel's quote-prefix style, which keeps it text when the
cell is edited while still showing exactly what was typed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import xlsxwriter

from tracker.render.filters import is_formula_like

Sheet = pl.DataFrame | tuple[pl.DataFrame, Mapping[str, str]]

MAX_SHEET_NAME = 31
MIN_WIDTH, MAX_WIDTH = 6, 50
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
# East Asian wide and full-width characters take two columns
_WIDE = (
    r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    r"\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)


def display_width(text: str) -> int:
    """Columns `text` takes in a spreadsheet: CJK characters count double."""
    return len(text) + len(re.findall(_WIDE, text))


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A name Excel accepts: no []:*?/\\, not empty, ≤ 31 characters, unique (any case)."""
    taken = taken if taken is not None else set()
    base = _BAD_SHEET_CHARS.sub("_", str(name)).strip().strip("'") or "Sheet"
    if base.lower() == "history":  # reserved by Excel
        base = "History_"
    base = base[:MAX_SHEET_NAME]
    candidate, n = base, 1
    while candidate.lower() in {t.lower() for t in taken}:
        n += 1
        suffix = f"({n})"
        candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


def _columns(sheet: Sheet) -> tuple[pl.DataFrame, list[str]]:
    """The frame to write and its header titles.

    With a titles mapping, only its columns are written, in its order.
    """
    if isinstance(sheet, tuple):
        df, titles = sheet
        missing = [c for c in titles if c not in df.columns]
        if missing:
            raise ValueError(f"表格没有这些列：{'、'.join(missing)}")
        return df.select(list(titles)), [titles[c] for c in titles]
    return sheet, list(sheet.columns)


def _as_written(s: pl.Series) -> pl.Series:
    """Values in the form written: bools as 是/否, lists joined by 、, rest as is."""
    dtype = s.dtype
    if dtype == pl.Boolean:
        return s.replace_strict({True: "是", False: "否"}, return_dtype=pl.String)
    if isinstance(dtype, pl.List | pl.Array):
        return s.cast(pl.List(pl.String)).list.join("、")
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return s.dt.replace_time_zone(None)
    if isinstance(dtype, pl.Decimal):
        return s.cast(pl.Float64)
    if isinstance(dtype, pl.Categorical | pl.Enum) or dtype == pl.Null:
        return s.cast(pl.String)
    if isinstance(dtype, pl.Struct | pl.Object | pl.Binary | pl.Duration | pl.Time):
        return pl.Series(s.name, [None if v is None else str(v) for v in s.to_list()], pl.String)
    return s


def _width(title: str, s: pl.Series) -> int:
    if s.dtype == pl.Date:
        body = 10
    elif isinstance(s.dtype, pl.Datetime):
        body = 16
    else:
        text = s.cast(pl.String)
        lengths = text.str.len_chars() + text.str.count_matches(_WIDE)
        body = int(lengths.max() or 0)
    head = max(display_width(line) for line in title.split("\n"))
    return max(MIN_WIDTH, min(MAX_WIDTH, max(body, head) + 2))


def write_tables(path: str | Path, sheets: Mapping[str, Sheet], title: str | None = None) -> Path:
    """Write each table to its own sheet of one workbook at `path`.

    `sheets` maps a sheet name to a frame, or to (frame, {column: 中文标题}).
    With `title`, each sheet starts with it as a merged title row. Header rows
    are frozen and repeat on printed pages; columns are sized to their content.
    """
    path = Path(path)
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "head": wb.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1,
                               "text_wrap": True, "valign": "vcenter", "align": "center"}),
        "text": wb.add_format({"border": 1, "valign": "top"}),
        "wrap": wb.add_format({"border": 1, "valign": "top", "text_wrap": True}),
        "quoted": wb.add_format({"border": 1, "valign": "top", "quote_prefix": True}),
        "quoted_wrap": wb.add_format({"border": 1, "valign": "top", "quote_prefix": True,
                                      "text_wrap": True}),
        "int": wb.add_format({"border": 1, "num_format": "0"}),
        "float": wb.add_format({"border": 1, "num_format": "0.0#"}),
        "date": wb.add_format({"border": 1, "num_format": "yyyy-mm-dd"}),
        "datetime": wb.add_format({"border": 1, "num_format": "yyyy-mm-dd hh:mm"}),
        "blank": wb.add_format({"border": 1}),
    }
    taken: set[str] = set()
    try:
        for name, sheet in sheets.items():
            df, titles = _columns(sheet)
            ws = wb.add_worksheet(sheet_name(name, taken))
            top = 0
            if title:
                ws.write_string(0, 0, title, fmt["title"])
                top = 1
            total_width = 0
            for c, (col_title, col) in enumerate(zip(titles, df.columns, strict=True)):
                s = _as_written(df[col])
                width = _width(col_title, s)
                total_width += width
                wrap = width >= MAX_WIDTH
                ws.set_column(c, c, width)
                ws.write_string(top, c, col_title, fmt["head"])
                _write_column(ws, top + 1, c, s, fmt, wrap)
            ws.freeze_panes(top + 1, 0)
            ws.repeat_rows(top)
            if df.width:
                ws.autofilter(top, 0, top + df.height, df.width - 1)
            ws.set_paper(9)  # A4
            ws.fit_to_pages(1, 0)
            if total_width > 100:
                ws.set_landscape()
    finally:
        wb.close()
    return path


def _write_column(ws, first_row: int, c: int, s: pl.Series, fmt: dict, wrap: bool) -> None:
    dtype = s.dtype
    values = s.to_list()
    if dtype.is_integer():
        for r, v in enumerate(values, first_row):
            ws.write_number(r, c, v, fmt["int"]) if v is not None else ws.write_blank(r, c, None, fmt["blank"])
    elif dtype.is_float():
        for r, v in enumerate(values, first_row):
            if v is None or math.isnan(v) or math.isinf(v):
                ws.write_blank(r, c, None, fmt["blank"])
            else:
                ws.write_number(r, c, v, fmt["float"])
    elif dtype == pl.Date or isinstance(dtype, pl.Datetime):
        f = fmt["date"] if dtype == pl.Date else fmt["datetime"]
        for r, v in enumerate(values, first_row):
            if v is None:
                ws.write_blank(r, c, None, fmt["blank"])
            else:
                ws.write_datetime(r, c, v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day), f)
    else:
        plain, quoted = (fmt["wrap"], fmt["quoted_wrap"]) if wrap else (fmt["text"], fmt["quoted"])
        for r, v in enumerate(values, first_row):
            text = "" if v is None else str(v)
            if not text:
                ws.write_blank(r, c, None, fmt["blank"])
                continue
            ws.write_string(r, c, text, quoted if is_formula_like(text) else plain)

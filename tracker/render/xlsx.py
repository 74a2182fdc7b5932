"""Every .xlsx tracker writes, through one workbook opener and one safe cell writer.

Two layouts: `write_tables` (a report's tables, a sheet per table, beside its
HTML) and `write_forms` (sheets laid out as the notice prints its forms and
as blank ledgers are filled in: title, a line under it, header, rows, totals,
注 line). Every text cell is written with `write_string`, so nothing a user
typed can become a formula or link; text that a spreadsheet would read as a
formula (= + - @ …) also gets Excel's quote-prefix style, which keeps it text
when the cell is edited while still showing exactly what was typed
(docs/privacy.md, "Formulas").
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter

from tracker.atomic import write_bytes
from tracker.formats import display_width
from tracker.render.filters import is_formula_like

Sheet = pl.DataFrame | tuple[pl.DataFrame, Mapping[str, str]]

MAX_SHEET_NAME = 31
MIN_WIDTH, MAX_WIDTH = 6, 50
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


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


@contextmanager
def workbook(path: str | Path) -> Iterator[xlsxwriter.Workbook]:
    """A workbook that never turns text into formulas, numbers or links; closed (written) on exit."""
    # built in memory, then written to a temporary file beside `path` and renamed into place
    # (tracker.atomic): a full disk or a failure while building never leaves a truncated .xlsx
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True})
    yield wb
    wb.close()
    write_bytes(path, buf.getvalue())


def put(ws, r: int, c: int, v: object, f, quoted) -> None:
    """One cell: blank, 是/否, a number, or text (quote-prefixed when it looks like a formula)."""
    if v is None or v == "":
        ws.write_blank(r, c, None, f)
    elif isinstance(v, bool):
        ws.write_string(r, c, "是" if v else "否", f)
    elif isinstance(v, int | float):
        ws.write_number(r, c, v, f)
    else:
        ws.write_string(r, c, str(v), quoted if is_formula_like(v) else f)


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


def _width(title: str, dtype: pl.DataType, values: list) -> int:
    """A column's width from its longest value (in Python: a report's columns are short, and a
    polars call per column cost more than the values)."""
    if dtype == pl.Date:
        body = 10
    elif isinstance(dtype, pl.Datetime):
        body = 16
    else:
        body = max((display_width(str(v)) for v in values if v is not None), default=0)
    head = max(display_width(line) for line in title.split("\n"))
    return max(MIN_WIDTH, min(MAX_WIDTH, max(body, head) + 2))


def write_tables(path: str | Path, sheets: Mapping[str, Sheet], title: str | None = None) -> Path:
    """Write each table to its own sheet of one workbook at `path`.

    `sheets` maps a sheet name to a frame, or to (frame, {column: 中文标题}).
    With `title`, each sheet starts with it as a merged title row. Header rows
    are frozen and repeat on printed pages; columns are sized to their content.
    """
    path = Path(path)
    with workbook(path) as wb:
        _tables(wb, sheets, title)
    return path


def _tables(wb: xlsxwriter.Workbook, sheets: Mapping[str, Sheet], title: str | None) -> None:
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
            values = s.to_list()
            width = _width(col_title, s.dtype, values)
            total_width += width
            wrap = width >= MAX_WIDTH
            ws.set_column(c, c, width)
            ws.write_string(top, c, col_title, fmt["head"])
            _write_column(ws, top + 1, c, s.dtype, values, fmt, wrap)
        ws.freeze_panes(top + 1, 0)
        ws.repeat_rows(top)
        if df.width:
            ws.autofilter(top, 0, top + df.height, df.width - 1)
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        if total_width > 100:
            ws.set_landscape()


def _write_column(ws, first_row: int, c: int, dtype: pl.DataType, values: list, fmt: dict, wrap: bool) -> None:
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


# ---------------------------------------------------------------- the notice's layout


@dataclass
class FormSheet:
    """One sheet as the notice prints a form (or as a blank ledger is filled in).

    Row 0 is the title (merged across), row 1 the line under it (the unit
    line, or instructions), row 2 the header, then the rows; `note` goes one
    row below the last. Indices in `merges`, `totals` and `examples` count data
    rows from 0; `required` marks header cells, `text_columns` columns typed as
    text (months, ID numbers, phones), `choices` dropdowns per column.
    """

    name: str
    title: str
    line: str
    header: list[str]
    rows: list[list[object]]
    note: str = ""
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    totals: set[int] = field(default_factory=set)
    examples: set[int] = field(default_factory=set)
    required: set[int] = field(default_factory=set)
    text_columns: set[int] = field(default_factory=set)
    choices: dict[int, list[str]] = field(default_factory=dict)
    widths: list[int] | None = None
    input_rows: int = 0  # blank rows below that get the dropdowns and text format (templates)
    footer: bool = True  # page numbers in the printed footer


@dataclass
class GuideSheet:
    """A plain sheet of notes: a header row and rows of text (a template's 填写说明)."""

    name: str
    header: list[str]
    rows: list[list[str]]
    widths: list[int]


FIRST_DATA = 3


def write_forms(path: str | Path, sheets: list[FormSheet], guides: list[GuideSheet] = ()) -> Path:
    """Write sheets in the notice's layout (and plain guide sheets after them) to `path`."""
    path = Path(path)
    with workbook(path) as wb:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        props = {
            "title": {**base, "bold": True, "font_size": 16, "align": "center"},
            "line": {**base, "align": "left", "text_wrap": True},
            "head": {**base, "bold": True, "text_wrap": True, "align": "center", "border": 1},
            "required": {**base, "bold": True, "text_wrap": True, "align": "center", "border": 1,
                         "font_color": "#C00000"},
            "cell": {**base, "text_wrap": True, "border": 1},
            "num": {**base, "align": "center", "border": 1},
            "total": {**base, "bold": True, "align": "center", "border": 1},
            "example": {**base, "italic": True, "font_color": "#808080", "border": 1, "num_format": "@"},
            "note": {**base, "align": "left"},
            "text_col": {**base, "num_format": "@"},
            "plain": base,
        }
        fmt = {k: wb.add_format(v) for k, v in props.items()}
        # text that looks like a formula keeps Excel's quote prefix, so it stays text when edited
        quoted = {k: wb.add_format({**v, "quote_prefix": True}) for k, v in props.items()}
        used: set[str] = set()
        for sh in sheets:
            _form_sheet(wb.add_worksheet(sheet_name(sh.name, used)), sh, fmt, quoted)
        for g in guides:
            ws = wb.add_worksheet(sheet_name(g.name, used))
            for c, h in enumerate(g.header):
                ws.write_string(0, c, h, fmt["head"])
            for r, row in enumerate(g.rows, start=1):
                for c, v in enumerate(row):
                    put(ws, r, c, v, fmt["plain"], quoted["plain"])
            for c, w in enumerate(g.widths):
                ws.set_column(c, c, w)
    return path


def _form_sheet(ws, sh: FormSheet, fmt: dict, quoted: dict) -> None:
    last = len(sh.header) - 1
    for r, text, f in ((0, sh.title, fmt["title"]), (1, sh.line, fmt["line"])):
        ws.merge_range(r, 0, r, last, "", f)
        ws.write_string(r, 0, text, f)
    ws.set_row(0, 30)
    if "\n" in sh.line or display_width(sh.line) > 120:
        ws.set_row(1, 30)
    for c, h in enumerate(sh.header):
        ws.write_string(2, c, h, fmt["required" if c in sh.required else "head"])
    ws.set_row(2, 36)
    for i, row in enumerate(sh.rows):
        r = FIRST_DATA + i
        for c, v in enumerate(row):
            style = ("total" if i in sh.totals else "example" if i in sh.examples
                     else "num" if isinstance(v, int | float) and not isinstance(v, bool) else "cell")
            put(ws, r, c, v, fmt[style], quoted[style])
    for r0, c0, r1, c1 in sh.merges:
        style = "total" if r0 in sh.totals else "cell"
        ws.merge_range(FIRST_DATA + r0, c0, FIRST_DATA + r1, c1, "", fmt[style])
        put(ws, FIRST_DATA + r0, c0, sh.rows[r0][c0], fmt[style], quoted[style])
    if sh.note:
        note_row = FIRST_DATA + len(sh.rows) + 1
        ws.merge_range(note_row, 0, note_row, last, "", fmt["note"])
        ws.write_string(note_row, 0, sh.note, fmt["note"])
    for c, h in enumerate(sh.header):
        if sh.widths is not None:
            width = sh.widths[c]
        else:
            longest = max((display_width("" if row[c] is None else str(row[c])) for row in sh.rows), default=0)
            width = max(6, min(40, max(longest, min(display_width(h), 12)) + 2))
        ws.set_column(c, c, width, fmt["text_col"] if c in sh.text_columns else None)
    end = FIRST_DATA + max(sh.input_rows, len(sh.rows)) - 1
    for c, options in sh.choices.items():
        ws.data_validation(FIRST_DATA, c, end, c, {
            "validate": "list", "source": options, "error_title": sh.header[c].rstrip("*"),
            "error_message": f"请从下拉列表选择：{'、'.join(options)}",
        })
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(2)
    ws.fit_to_pages(1, 0)
    ws.freeze_panes(FIRST_DATA, 0)
    if sh.footer:
        ws.set_footer("&C第 &P 页，共 &N 页")

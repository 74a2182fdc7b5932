"""The demo's files, laid out as people keep them: a sheet like the notice's forms (title, unit
line, header, rows, totals, 注 line, merged cells) and CSV in a given encoding (docs/demo.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

from tracker.atomic import write_bytes

Cell = str | int | float | dt.date | None


def write_xlsx(
    path: Path,
    sheet: str,
    year: int,
    title: str,
    lines: list[str],
    header: list[str],
    rows: list[list[Cell]],
    *,
    merges: Sequence[tuple[int, int, int]] = (),  # (first data row, last data row, column)
    totals: Sequence[list[Cell]] = (),
    blank_rows: int = 0,
    note: str | None = None,
    widths: dict[int, float] | None = None,
) -> None:
    """A sheet laid out like the notice's forms: title, unit line, header, rows, totals, 注."""
    buf = io.BytesIO()  # built in memory, written whole (tracker.atomic)
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(year, 1, 1), "author": "tracker demo"})
    ws = wb.add_worksheet(sheet)
    f_title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
    f_line = wb.add_format({"font_size": 11})
    f_head = wb.add_format({"bold": True, "border": 1, "align": "center", "valign": "vcenter",
                            "text_wrap": True})
    f_cell = wb.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
    f_date = wb.add_format({"border": 1, "valign": "vcenter", "num_format": "yyyy-mm-dd"})
    ncols = len(header)
    ws.merge_range(0, 0, 0, ncols - 1, title, f_title)
    r = 1
    for line in lines:
        ws.write_string(r, 0, line, f_line)
        r += 1
    for c, h in enumerate(header):
        ws.write_string(r, c, h, f_head)
    ws.set_row(r, 36)
    first = r + 1
    merged = {(first + a + i, col) for a, b, col in merges for i in range(b - a + 1)}
    for i, row in enumerate([*rows, *totals]):
        for c, v in enumerate(row):
            if (first + i, c) in merged:
                continue
            write_cell(ws, first + i, c, v, f_cell, f_date)
    for a, b, col in merges:
        ws.merge_range(first + a, col, first + b, col, rows[a][col], f_cell)
    r = first + len(rows) + len(totals)
    for _ in range(blank_rows):
        for c in range(ncols):
            ws.write_blank(r, c, None, f_cell)
        r += 1
    if note:
        ws.write_string(r + 1, 0, note, f_line)
    for c in range(ncols):
        ws.set_column(c, c, (widths or {}).get(c, 12))
    wb.close()
    write_bytes(path, buf.getvalue())


def write_cell(ws, r: int, c: int, v: Cell, f_cell, f_date) -> None:
    if v is None or v == "":
        ws.write_blank(r, c, None, f_cell)
    elif isinstance(v, dt.date):
        ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), f_date)
    elif isinstance(v, int | float):
        ws.write_number(r, c, v, f_cell)
    else:  # numbers-looking text (入党时间 "2010.10", IDs, phones) stays text
        ws.write_string(r, c, v, f_cell)


def write_csv(path: Path, rows: list[list[Cell]], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    write_bytes(path, buf.getvalue().encode(encoding))

"""Find the table inside a sheet: title lines, header row, data rows, 总计 and 注.

People's sheets start with a title ("党员志愿服务队志愿者花名册"), a unit line
("单位名称（盖章）：…　填表日期：2013.7"), then the header, the rows, maybe a
总计 row and "注：…" lines. This module turns that into a frame keyed by the
declared column keys, and the facts the title lines give.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import polars as pl

from tracker.ingest.columns import Kind, header_index, normalize_header
from tracker.ingest.read import ROW, Sheet
from tracker.problems import Problem
from tracker.values import clean_text

HEADER_SCAN_ROWS = 40
TOTAL_RE = r"^(总计|合计|小计|总　计|合　计)"
NOTE_RE = r"^(注|说明|备注)\s*[:：]"

_UNIT_RE = re.compile(r"单位名称(?:\s*[(（]\s*盖章\s*[)）])?\s*[:：]\s*(.*?)\s*(?=单位人数|党员人数|填表日期|$)")
_STAFF_RE = re.compile(r"单位人数\s*[:：]\s*(\d+)")
_DATE_RE = re.compile(r"填表(?:日期|时间)\s*[:：]\s*([0-9０-９.\-/年月日\s]+)")
_PARENT_RE = re.compile(
    r"(?:辖市\s*[(（]\s*区\s*[)）]\s*[、,，]?\s*市各主管部门|主管部门|上级单位|辖市区)"
    r"(?:\s*[(（]\s*盖章\s*[)）])?\s*[:：]\s*(.*?)\s*(?=填表日期|$)"
)


@dataclass
class Table:
    """The data rows of a sheet, keyed by column key, with what the title said."""

    sheet: str | None
    rows: pl.DataFrame  # declared keys present (text) + ROW (+ KEY__num for typed checks)
    present: list[str]
    header_row: int
    title_unit: str | None = None
    title_staff: int | None = None
    title_date: str | None = None
    title_parent: str | None = None
    totals: pl.DataFrame | None = None  # 总计/合计 rows, keyed like rows
    problems: list[Problem] = field(default_factory=list)


def _title_facts(lines: list[str]) -> dict[str, str | None]:
    facts: dict[str, str | None] = {"unit": None, "staff": None, "date": None, "parent": None}
    for line in lines:
        text = unicodedata.normalize("NFKC", line).replace("\u3000", " ")
        for key, rx in (("unit", _UNIT_RE), ("staff", _STAFF_RE), ("date", _DATE_RE), ("parent", _PARENT_RE)):
            m = rx.search(text)
            if m and m.group(1).strip() and facts[key] is None:
                facts[key] = m.group(1).strip()
    return facts


def _score(row: list[str | None], index: dict[str, str]) -> int:
    return len({index[normalize_header(c)] for c in row if c and normalize_header(c) in index})


def locate(sheet: Sheet, kind: Kind, label: str) -> Table | None:
    """The table of `kind` in the sheet, or None when no header row matches."""
    index = header_index(kind)
    cells = sheet.cells
    data_cols = [c for c in cells.columns if c != ROW]
    head = cells.head(HEADER_SCAN_ROWS).select(data_cols).rows()
    scores = [_score(list(r), index) for r in head]
    if not scores or max(scores) == 0:
        return None
    {c.key for c in kind.required}
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    header = head[best]
    mapping: dict[str, str] = {}  # grid column → key
    problems: list[Problem] = []
    for col, text in zip(data_cols, header, strict=True):
        if not text:
            continue
        key = index.get(normalize_header(text))
        if key is None:
            continue
        if key in mapping.values():
            problems.append(
                Problem(label, best + 1, text, None, "表头重复出现，只读取第一列", "warning")
            )
            continue
        mapping[col] = key
    title_lines = [" ".join(c for c in r if c) for r in head[:best]]
    facts = _title_facts(title_lines)

    grid_cols = list(mapping)
    # each cell is cleaned once; unmapped columns only help to tell empty, 注 and 总计 rows
    body = cells.slice(best + 1).select([clean_text(pl.col(c)).alias(c) for c in data_cols] + [pl.col(ROW)])
    if data_cols:
        body = body.filter(pl.coalesce(data_cols).is_not_null())
        note_rows = body.filter(pl.coalesce(data_cols).str.contains(NOTE_RE))[ROW]
        if note_rows.len():
            body = body.filter(pl.col(ROW) < note_rows.min())
        # a cheap first-character test finds the few candidate rows for the exact 总计 test
        maybe = pl.any_horizontal([pl.col(c).str.slice(0, 1).is_in(["总", "合", "小"]).fill_null(False)
                                   for c in data_cols])
        candidates = body.filter(maybe)
        exact = pl.any_horizontal([
            pl.col(c).str.replace_all(r"[\s\u3000]", "").str.contains(TOTAL_RE).fill_null(False)
            for c in data_cols])
        total_rows = candidates.filter(exact)[ROW]
    else:
        total_rows = pl.Series(ROW, [], dtype=pl.Int64)
    is_total = pl.col(ROW).is_in(total_rows.implode())
    keyed = [pl.col(c).alias(mapping[c]) for c in grid_cols] + [pl.col(ROW)]
    rows = body.filter(~is_total).select(keyed)
    totals = body.filter(is_total).select(keyed)
    if sheet.numeric is not None:
        typed = [c.key for c in kind.columns if c.type in ("month", "id_number")]
        num = sheet.numeric.with_columns(pl.Series(ROW, cells[ROW]))
        flags = [pl.col(c).alias(f"{mapping[c]}__num") for c in grid_cols if mapping[c] in typed]
        if flags:
            rows = rows.join(num.select([*flags, pl.col(ROW)]), on=ROW, how="left", maintain_order="left")
    return Table(
        sheet=sheet.name,
        rows=rows,
        present=[mapping[c] for c in grid_cols],
        header_row=int(cells[ROW][best]),
        title_unit=facts["unit"],
        title_staff=int(facts["staff"]) if facts["staff"] else None,
        title_date=facts["date"],
        title_parent=facts["parent"],
        totals=totals,
        problems=problems,
    )

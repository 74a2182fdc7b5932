"""Read forms laid out as label/value cells (附件1) into their fields (docs/ledgers.md, "Forms").

A form is not a header row with rows under it: each label ("姓　　名", "志愿服务\\n经历") sits in
a cell somewhere and its value in the cell to its right — or below it, when the cell to the
right is another label. A Word table (.docx) or an Excel sheet (.xlsx/.xls) becomes a `Grid`
of cells in which a merged cell is one `Cell` however many grid positions it covers, and
`find_fields` looks each label up once.

Word tables are read from the XML python-docx parses rather than through its table API, so
merges written the way Word writes them (gridSpan, vMerge) and the way WPS and older files
write them (hMerge, vMerge val="continue", rows inside content controls) all become one cell,
and text inside content controls, fields or smart tags is not lost. Excel goes through
`read.excel_sheets` (calamine; merged ranges filled), which also says which cells were numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tracker.ingest.columns import normalize_header
from tracker.ingest.limits import check_zip
from tracker.ingest.read import ROW, excel_sheets
from tracker.ingest.sniff import ZIP_MAGIC
from tracker.problems import TrackerError

WORD_SUFFIXES = {".docx"}
EXCEL_FORM_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
FORM_SUFFIXES = WORD_SUFFIXES | EXCEL_FORM_SUFFIXES
# formats people have that cannot be read as they are, with what to do
OLD_FORMATS = {".doc": "旧版 Word（.doc）", ".wps": "WPS 文字（.wps）", ".et": "WPS 表格（.et）",
               ".docm": "带宏的 Word（.docm）", ".pdf": "PDF", ".jpg": "图片", ".jpeg": "图片",
               ".png": "图片"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary Office formats (.doc, .xls, .wps)


@dataclass(frozen=True)
class Cell:
    text: str | None
    key: object  # equal for every grid position one merged cell covers
    numeric: bool = False  # Excel held a number (a month or an ID number typed as one)


@dataclass
class Grid:
    """One candidate form: an Excel sheet, or a Word table with the paragraphs above it."""

    name: str | None  # the sheet's name, or "表格2" for a document's second table
    rows: list[list[Cell]]
    row_numbers: list[int | None]  # Excel row numbers (None for Word)

    @property
    def text(self) -> str:
        return "\n".join(c.text for row in self.rows for c in row if c.text)


@dataclass(frozen=True)
class Found:
    """A label found in a grid and the value beside it."""

    key: str | None  # the field it names (None: a label of the form that holds no field, e.g. 照片)
    label: str  # the label as the form writes it
    value: str | None
    row: int | None  # the value's Excel row (None for Word)
    numeric: bool = False


@dataclass
class Reading:
    """What `find_fields` saw in a grid: the first occurrence of every label, and conflicts."""

    fields: dict[str, Found]
    labels: set[str]  # normalised labels present (fields and others)
    repeated: list[Found] = field(default_factory=list)  # a field's label again, with another value
    label_rows: list[int] = field(default_factory=list)  # the grid row of each field label found alone in a cell


def clean(text: str | None) -> str | None:
    """A value as stored: trimmed (full-width spaces too); empty is None."""
    if text is None:
        return None
    s = text.strip(" \t\r\n\u3000\u00a0\ufeff")
    return s or None


# ---------------------------------------------------------------- Word


def _w(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _paragraph_text(p) -> str:
    """A paragraph's text: every w:t inside it (runs, hyperlinks, fields, content controls),
    tabs and breaks as spaces and newlines; a text box's fallback copy is skipped."""
    out = []
    t, tab, br, cr = _w("t"), _w("tab"), _w("br"), _w("cr")
    skip = {_MC_FALLBACK, _w("pPr"), _w("rPr")}  # a text box's copy; properties (tab stops are w:tab too)
    stack = [iter(p)]
    while stack:
        for el in stack[-1]:
            if el.tag in skip:
                continue
            if el.tag == t:
                out.append(el.text or "")
            elif el.tag == tab:
                out.append(" ")
            elif el.tag in (br, cr):
                out.append("\n")
            if len(el):
                stack.append(iter(el))
                break
        else:
            stack.pop()
    return "".join(out)


def _children(el, tag: str) -> Iterator:
    """Direct children `tag` of `el`, also those wrapped in content controls or custom XML."""
    wrappers = (_w("sdt"), _w("sdtContent"), _w("customXml"), _w("smartTag"))
    for child in el:
        if child.tag == _w(tag):
            yield child
        elif child.tag in wrappers:
            yield from _children(child, tag)


def _cell_text(tc) -> str:
    """A table cell's paragraphs (not those of a table nested in it), one line each."""
    return "\n".join(_paragraph_text(p) for p in _children(tc, "p"))


def _int_attr(el, path: tuple[str, ...], default: int | None) -> int | None:
    for tag in path:
        el = el.find(_w(tag)) if el is not None else None
    if el is None:
        return default
    v = el.get(_w("val"))
    return int(v) if v and v.isdigit() else default


def _merge_state(tc, tag: str) -> str | None:
    """'restart', 'continue' or None for a cell's vMerge / hMerge (Word omits val for continue)."""
    tcpr = tc.find(_w("tcPr"))
    m = tcpr.find(_w(tag)) if tcpr is not None else None
    if m is None:
        return None
    return m.get(_w("val")) or "continue"


def table_grid(tbl, name: str | None, preamble: list[str]) -> Grid:
    """A Word table as a grid: a merged cell (gridSpan, hMerge, vMerge) is one Cell everywhere it
    covers; the paragraphs before the table come first, one single-cell row each."""
    rows: list[list[Cell]] = [[Cell(clean(text), ("p", i))] for i, text in enumerate(preamble)]
    above: dict[int, Cell] = {}
    for r, tr in enumerate(_children(tbl, "tr")):
        row: list[Cell] = []
        col = _int_attr(tr.find(_w("trPr")), ("gridBefore",), 0) or 0
        row.extend(Cell(None, ("before", r, c)) for c in range(col))
        for tc in _children(tr, "tc"):
            span = _int_attr(tc.find(_w("tcPr")), ("gridSpan",), 1) or 1
            if _merge_state(tc, "vMerge") == "continue" and col in above:
                cell = above[col]
            elif _merge_state(tc, "hMerge") == "continue" and row:
                cell = row[-1]
            else:
                text = _cell_text(tc)
                cell = Cell(clean(text), ("tc", r, col))
            for c in range(col, col + span):
                row.append(cell)
                above[c] = cell
            col += span
        rows.append(row)
    return Grid(name, rows, [None] * len(rows))


def word_grids(path: Path, label: str) -> list[Grid]:
    """Every table of a .docx (nested ones too), each with the paragraphs above it."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        body = docx.Document(str(path)).element.body
    except (PackageNotFoundError, KeyError, ValueError, OSError) as e:
        raise TrackerError(f"{label}：无法读取这个 Word 文件（文件可能已损坏、加密或不是 .docx）：{e}") from e
    except Exception as e:  # zipfile and lxml raise their own types for broken files
        raise TrackerError(f"{label}：无法读取这个 Word 文件（文件可能已损坏或不是 .docx）：{e}") from e
    grids: list[Grid] = []
    preamble: list[str] = []

    def visit(tbl, before: list[str]) -> None:
        grids.append(table_grid(tbl, f"表格{len(grids) + 1}", before))
        for tc in tbl.iter(_w("tc")):
            for nested in _children(tc, "tbl"):
                visit(nested, before)

    for el in _body_blocks(body):
        if el.tag == _w("p"):
            preamble.append(_paragraph_text(el))
        elif el.tag == _w("tbl"):
            visit(el, preamble)
            preamble = []
    return grids


def _body_blocks(body) -> Iterator:
    """Paragraphs and tables of the body in order (content controls opened)."""
    for el in body:
        if el.tag in (_w("p"), _w("tbl")):
            yield el
        elif el.tag in (_w("sdt"), _w("sdtContent"), _w("customXml")):
            yield from _body_blocks(el)


# ---------------------------------------------------------------- Excel


def excel_grids(path: Path, label: str, sheet: str | None) -> list[Grid]:
    """Every sheet as a grid of cells (merged ranges already filled by `read.excel_sheets`)."""
    grids = []
    for sh in excel_sheets(path, label, sheet):
        cols = [c for c in sh.cells.columns if c != ROW]
        numeric = sh.numeric
        rows = []
        for r, values in enumerate(sh.cells.select(cols).iter_rows()):
            flags = numeric.row(r) if numeric is not None and numeric.width else [False] * len(cols)
            rows.append([Cell(clean(v), ("x", r, c), bool(f)) for c, (v, f) in enumerate(zip(values, flags,
                                                                                           strict=False))])
        grids.append(Grid(sh.name, rows, [int(n) for n in sh.cells[ROW].to_list()]))
    return grids


def read_grids(path: Path, label: str, sheet: str | None = None) -> list[Grid]:
    """The candidate forms of a file: its Word tables or its Excel sheets."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TrackerError(f"找不到文件 {path}。")
    if path.stat().st_size == 0:
        raise TrackerError(f"{label}：文件是空的。")
    with path.open("rb") as f:
        head = f.read(4)
    if head == ZIP_MAGIC:
        check_zip(path, label)
    if suffix in WORD_SUFFIXES:
        if head == _OLE_MAGIC:
            raise TrackerError(f"{label}：这是旧版 Word（.doc）文件，只是扩展名写成了 .docx。"
                               "请在 Word 或 WPS 中打开，另存为“Word 文档（*.docx）”后再导入。")
        return word_grids(path, label)
    if suffix in EXCEL_FORM_SUFFIXES:
        return excel_grids(path, label, sheet)
    if suffix in OLD_FORMATS:
        raise TrackerError(f"{label}：{OLD_FORMATS[suffix]} 文件无法直接读取。请在 Word、WPS 或 Excel 中打开，"
                           "另存为 .docx 或 .xlsx 后再导入。")
    raise TrackerError(f"{label}：不支持的文件类型“{suffix or '无扩展名'}”，请使用 .docx、.xlsx 或 .xls。")


# ---------------------------------------------------------------- finding the labels


def _inline_pattern(names: dict[str, str | None]) -> re.Pattern[str]:
    """"label：value" inside one cell, the label spaced any way ("填表日期：2026.6.20")."""
    alts = sorted(names, key=len, reverse=True)
    spaced = ["[\\s\u3000]*".join(map(re.escape, n)) for n in alts]
    return re.compile("(" + "|".join(spaced) + ")[\\s\u3000]*[:：]", re.I)


def _neighbours(grid: Grid, r: int, c: int, dr: int, dc: int) -> Iterator[tuple[int, int, Cell]]:
    label = grid.rows[r][c]
    r, c = r + dr, c + dc
    while r < len(grid.rows) and c < len(grid.rows[r]):
        cell = grid.rows[r][c]
        if cell.key != label.key and not (cell.text is not None and cell.text == label.text):
            yield r, c, cell
            return
        r, c = r + dr, c + dc


def find_fields(grid: Grid, index: dict[str, str | None]) -> Reading:
    """Each label of `index` (normalised label → field key, None for labels that hold no field)
    looked up once in the grid, with its value: the cell to its right, or below when that one
    is another label (or there is none). A cell "label：value" holds both."""
    exact: dict[object, tuple[int, int, str | None]] = {}  # cell key → position and field
    labels: set[str] = set()
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row):
            if cell.text is None or cell.key in exact:
                continue
            norm = normalize_header(cell.text)
            if norm in index:
                exact[cell.key] = (r, c, index[norm])
                labels.add(norm)
    fields: dict[str, Found] = {}
    repeated: list[Found] = []
    used: set[object] = set()

    def value_at(r: int, c: int) -> tuple[Cell, int] | None:
        for dr, dc in ((0, 1), (1, 0)):
            for rr, _, cell in _neighbours(grid, r, c, dr, dc):
                if cell.key not in exact:
                    return cell, rr
        return None

    def record(key: str, label: str, cell: Cell | None, row: int | None) -> None:
        found = Found(key, label, cell.text if cell else None, grid.row_numbers[row] if row is not None else None,
                      cell.numeric if cell else False)
        if key not in fields:
            fields[key] = found
        elif found.value is not None and found.value != fields[key].value:
            repeated.append(found)

    for r, c, key in exact.values():
        hit = value_at(r, c)
        if hit is not None:
            used.add(hit[0].key)
        if key is not None:
            record(key, grid.rows[r][c].text or "", hit[0] if hit else None, hit[1] if hit else None)
    inline = _inline_pattern(index)
    seen: set[object] = set()
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row):
            if cell.text is None or cell.key in exact or cell.key in used or cell.key in seen:
                continue
            seen.add(cell.key)
            text = cell.text
            matches = list(inline.finditer(text))
            for i, m in enumerate(matches):
                norm = normalize_header(m.group(1))
                labels.add(norm)
                key = index.get(norm)
                if key is None:
                    continue
                end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
                value = clean(text[m.end():end])
                if value is not None:
                    record(key, m.group(1), Cell(value, cell.key, cell.numeric), r)
                else:
                    hit = value_at(r, c)
                    record(key, m.group(1), hit[0] if hit else None, hit[1] if hit else None)
    return Reading(fields, labels, repeated, [r for r, _, key in exact.values() if key is not None])

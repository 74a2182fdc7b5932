"""Forms laid out as label/value boxes (附件1), written as Word or Excel (docs/forms.md).

A `LabelForm` is the layout, once: a grid of columns (widths in cm) and rows (heights in cm)
with boxes placed on it — labels, values, the photo box, the signature box — plus the lines
above the grid (附件1, the title, 填表日期) and the 注 line below. `WRITERS` holds one writer per
output format, keyed by suffix: .docx through python-docx (A4, one page per form, the usual
way the form is printed and signed), .xlsx through `render.xlsx` (one sheet per form, value
cells typed as text, nothing a user typed ever a formula).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tracker.render.files import output_path
from tracker.render.xlsx import put, sheet_name, workbook

FONT = "宋体"
TITLE_FONT = "黑体"


@dataclass(frozen=True)
class Box:
    """One box of the form: a label, a value, the photo or the signature space."""

    row: int
    col: int
    text: str = ""
    rows: int = 1
    cols: int = 1
    role: str = "value"  # label | value | photo | sign
    choices: tuple[str, ...] = ()  # an Excel dropdown for the value (性别: 男/女)


@dataclass
class LabelForm:
    name: str  # the sheet's name (the person), or "申请登记表"
    corner: str  # 附件1
    title: str
    date_label: str  # 填表日期： (the date is written by hand on the printed form)
    widths_cm: list[float]
    heights_cm: list[float]
    boxes: list[Box]
    note: str = ""


# ---------------------------------------------------------------- Word


def _font(run, size: float, bold: bool = False, family: str = FONT) -> None:
    from docx.shared import Pt

    from tracker.render import word  # python-docx: loaded only for Word files

    word.set_font(run.font, family, Pt(size), bold=bold, latin=family)  # digits in the form's own font


def _paragraph(container, text: str, size: float, *, align, bold: bool = False, family: str = FONT,
               space_after: float = 0):
    from docx.shared import Pt

    p = container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.space_before = Pt(0)
    _font(p.add_run(text), size, bold, family)
    return p


def _cell_text(cell, box: Box) -> None:
    """Write a box's text into its (merged) cell, a paragraph per line."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    left = box.role in ("value", "sign")
    first = cell.paragraphs[0]
    for i, line in enumerate(box.text.split("\n") if box.text else [""]):
        p = first if i == 0 else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(line), 12 if box.role == "label" else 11, bold=box.role == "label")


def _layout(form: LabelForm) -> tuple:
    """What two forms printed alike share: the grid and every box but the values' text."""
    return (tuple(form.widths_cm), tuple(form.heights_cm),
            tuple((b.row, b.col, b.rows, b.cols, b.role, None if b.role == "value" else b.text) for b in form.boxes))


def _table(doc, form: LabelForm):
    """The form's table with its labels and merges but no values, detached from the document,
    and the position (among its cells) of each value box: built once, copied for each person
    (python-docx's merging is slow; a copy is not)."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table = doc.add_table(rows=len(form.heights_cm), cols=len(form.widths_cm))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for c, w in enumerate(form.widths_cm):
        table.columns[c].width = Cm(w)
        for cell in table.columns[c].cells:
            cell.width = Cm(w)
    for r, h in enumerate(form.heights_cm):
        table.rows[r].height = Cm(h)
        table.rows[r].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = []
    for box in form.boxes:
        cell = table.cell(box.row, box.col)
        if box.rows > 1 or box.cols > 1:
            cell = cell.merge(table.cell(box.row + box.rows - 1, box.col + box.cols - 1))
        tall = box.role == "value" and form.heights_cm[box.row] >= 2  # free text starts at the top
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP if tall else WD_CELL_VERTICAL_ALIGNMENT.CENTER
        if box.role != "value":
            _cell_text(cell, box)
        cells.append(cell._tc)
    tcs = list(table._tbl.iter(qn("w:tc")))
    places = [tcs.index(tc) for tc in cells]
    table._tbl.getparent().remove(table._tbl)
    return table._tbl, places


def write_docx(forms: list[LabelForm], out: Path) -> Path:
    """Each form on its own A4 page: 附件1, the title, 填表日期, the table, the 注 line."""
    import copy

    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm
    from docx.table import Table, _Cell

    from tracker.render import word

    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.2)
    sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(1.8)
    sec.start_type = WD_SECTION.NEW_PAGE
    tables: dict[tuple, tuple] = {}
    for n, form in enumerate(forms):
        corner = _paragraph(doc, form.corner, 14, align=WD_ALIGN_PARAGRAPH.LEFT, family=TITLE_FONT)
        if n:
            corner.paragraph_format.page_break_before = True
        _paragraph(doc, form.title, 20, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, family=TITLE_FONT,
                   space_after=10)
        date = _paragraph(doc, f"{form.date_label}{'　' * 10}", 12,
                          align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=4)
        key = _layout(form)
        if key not in tables:
            tables[key] = _table(doc, form)
        blank, places = tables[key]
        tbl = copy.deepcopy(blank)
        date._p.addnext(tbl)
        table = Table(tbl, doc._body)
        tcs = list(tbl.iter(qn("w:tc")))
        for box, place in zip(form.boxes, places, strict=True):
            if box.role == "value":
                _cell_text(_Cell(tcs[place], table), box)
        if form.note:
            _paragraph(doc, form.note, 12, align=WD_ALIGN_PARAGRAPH.LEFT).paragraph_format.space_before = Cm(0.2)
    return word.save(doc, out)


# ---------------------------------------------------------------- Excel

_CM_PER_CHAR = 0.2  # an Excel column-width unit (one digit of the default font) is about 0.2 cm
_PT_PER_CM = 28.35
TOP = 3  # the grid starts below 附件1, the title and the 填表日期 line


def write_xlsx(forms: list[LabelForm], out: Path) -> Path:
    """One sheet per form, laid out as the Word form, value cells formatted as text."""
    with workbook(out) as wb:
        base = {"font_name": FONT, "font_size": 11, "valign": "vcenter", "text_wrap": True}
        fmt = {
            "corner": wb.add_format({**base, "font_name": TITLE_FONT, "font_size": 14}),
            "title": wb.add_format({**base, "font_name": TITLE_FONT, "font_size": 18, "bold": True,
                                    "align": "center"}),
            "date_label": wb.add_format({**base, "align": "right"}),
            "date": wb.add_format({**base, "align": "left", "num_format": "@", "bottom": 1}),
            "label": wb.add_format({**base, "bold": True, "align": "center", "border": 1}),
            "value": wb.add_format({**base, "align": "left", "border": 1, "num_format": "@"}),
            "tall": wb.add_format({**base, "align": "left", "valign": "top", "border": 1, "num_format": "@"}),
            "photo": wb.add_format({**base, "align": "center", "border": 1}),
            "sign": wb.add_format({**base, "align": "left", "border": 1}),
            "note": wb.add_format({**base, "text_wrap": False}),
        }
        quoted = {k: wb.add_format({**base, "quote_prefix": True, "border": 1, "num_format": "@"})
                  for k in ("value", "sign")}
        taken: set[str] = set()
        for form in forms:
            ws = wb.add_worksheet(sheet_name(form.name, taken))
            last = len(form.widths_cm) - 1
            for c, w in enumerate(form.widths_cm):
                ws.set_column(c, c, round(w / _CM_PER_CHAR, 1))
            ws.write_string(0, 0, form.corner, fmt["corner"])
            ws.merge_range(1, 0, 1, last, "", fmt["title"])
            ws.write_string(1, 0, form.title, fmt["title"])
            ws.set_row(1, 36)
            ws.write_string(2, last - 1, form.date_label, fmt["date_label"])
            put(ws, 2, last, "", fmt["date"], quoted["value"])
            ws.set_row(2, 22)
            for r, h in enumerate(form.heights_cm):
                ws.set_row(TOP + r, round(h * _PT_PER_CM, 1))
            for box in form.boxes:
                f = fmt["tall" if box.role == "value" and form.heights_cm[box.row] >= 2 else box.role]
                r0, c0 = TOP + box.row, box.col
                r1, c1 = r0 + box.rows - 1, c0 + box.cols - 1
                if (r0, c0) != (r1, c1):
                    ws.merge_range(r0, c0, r1, c1, "", f)
                put(ws, r0, c0, box.text, f, quoted.get(box.role, f))
                if box.choices:
                    ws.data_validation(r0, c0, r0, c0, {
                        "validate": "list", "source": list(box.choices), "error_title": "请选择",
                        "error_message": f"请从下拉列表选择：{'、'.join(box.choices)}"})
            if form.note:
                ws.write_string(TOP + len(form.heights_cm) + 1, 0, form.note, fmt["note"])
            ws.set_paper(9)  # A4
            ws.set_portrait()
            ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
            ws.center_horizontally()
            ws.fit_to_pages(1, 1)
            ws.print_area(0, 0, TOP + len(form.heights_cm) + 1, last)
    return out


WRITERS: dict[str, tuple[str, Callable[[list[LabelForm], Path], Path]]] = {
    ".docx": ("Word 文档（打印、签字）", write_docx),
    ".xlsx": ("Excel 工作簿", write_xlsx),
}


def write_label_forms(forms: list[LabelForm], out: str | Path, what: str) -> Path:
    """Write `forms` in the format `out`'s suffix names (`WRITERS`)."""
    path = output_path(out, what, WRITERS)
    return WRITERS[path.suffix.lower()][1](forms, path)

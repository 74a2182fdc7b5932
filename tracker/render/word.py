"""Word documents laid out as Chinese official documents (docs/reports.md, "Word").

python-docx builds the document; this module holds what every Word output
shares: the page of GB/T 9704-2012 (A4; top margin 37 mm, inner 28 mm, a
156 × 225 mm type area; 22 lines a page at a fixed 28.95 pt; the title in
2号 方正小标宋简体, the body in 3号 仿宋_GB2312, first-level headings in
黑体; page numbers "— 1 —" in 4号 below the type area, odd pages right and
even pages left), the letterhead (发文机关标志, 发文字号, the red rule), the
closing (署名, 成文日期), tables whose header row repeats on every page and
charts as pictures.

Fonts are named as Chinese offices have them; the document's font table
gives each an alternate that every Chinese Windows has (仿宋_GB2312 → 仿宋,
方正小标宋简体 → 黑体, 楷体_GB2312 → 楷体), so a machine without them shows
the alternate instead of a default Western font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from tracker.atomic import replacing
from tracker.formats import display_width

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
KAI_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
# the alternate Word (and LibreOffice) uses when the named font is not installed
ALT_NAMES = {TITLE_FONT: "黑体", BODY_FONT: "仿宋", KAI_FONT: "楷体", HEADING_FONT: "SimHei"}

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_TABLE = Pt(9)  # 小五: tables of many columns in a 156 mm type area
SIZE_NOTE = Pt(10.5)  # 五号
LINE = Pt(28.95)  # 225 mm / 22 lines
RED = RGBColor(0xC0, 0x00, 0x00)
TYPE_WIDTH_MM = 156


@dataclass(frozen=True)
class Cell:
    """A table cell: its text and how it sits (numbers right-aligned, bold for totals)."""

    text: str
    num: bool = False
    bold: bool = False


def new_document() -> docx.document.Document:
    """An empty A4 document with the GB/T 9704 page, body style and page numbers."""
    doc = docx.Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(28)
    normal = doc.styles["Normal"]
    set_font(normal.font, BODY_FONT, SIZE_3)
    pf = normal.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    pf.space_before = pf.space_after = Pt(0)
    _declare_fonts(doc)
    _page_numbers(doc)
    return doc


def set_font(font, east_asian: str, size: Pt | None = None, *, bold: bool | None = None,
             color: RGBColor | None = None, latin: str = LATIN_FONT) -> None:
    """Set a run's or style's font, East Asian font included (python-docx sets only the Latin one).
    Latin text is in `latin`: Times New Roman in official documents, the form's own font in 附件1."""
    font.name = latin
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    fonts = font._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _declare_fonts(doc) -> None:
    """Each Chinese font in the font table, with its alternate and the GB2312 character set."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = parse_xml(part.blob)
    for name, alt in ALT_NAMES.items():
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
            '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _field(paragraph: Paragraph, instr: str) -> None:
    paragraph._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr="{instr}"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))


def _page_numbers(doc) -> None:
    """"— 1 —" in 四号 below the type area: odd pages right, even pages left, one character in."""
    doc.settings.odd_and_even_pages_header_footer = True
    sec = doc.sections[0]
    for footer, align in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT), (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        p.alignment = align
        pf = p.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            pf.right_indent = SIZE_4
        else:
            pf.left_indent = SIZE_4
        set_font(p.add_run("— ").font, "宋体", SIZE_4)
        _field(p, "PAGE")
        for r in p._p.iter(qn("w:r")):
            set_font(Run(r, p).font, "宋体", SIZE_4)
        set_font(p.add_run(" —").font, "宋体", SIZE_4)


def paragraph(doc, text: str = "", *, font: str = BODY_FONT, size: Pt = SIZE_3, bold: bool = False,
              align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False, color: RGBColor | None = None,
              exact: bool = True, keep_with_next: bool = False) -> Paragraph:
    """A paragraph of one run; `indent` puts the first line two characters in (正文)."""
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    pf = p.paragraph_format
    if indent:
        pf.first_line_indent = size * 2
    if not exact:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.keep_with_next = keep_with_next
    if text:
        set_font(p.add_run(text).font, font, size, bold=bold, color=color)
    return p


def title(doc, text: str, subtitle: str = "") -> None:
    """The document's title, centred in 二号小标宋, and its subtitle in 三号楷体."""
    paragraph(doc, text, font=TITLE_FONT, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, keep_with_next=True)
    if subtitle:
        paragraph(doc, subtitle, font=KAI_FONT, size=SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(doc)


def heading(doc, text: str, level: int = 1) -> Paragraph:
    """一级标题 in 黑体, 二级 in 楷体, both 三号, two characters in, kept with what follows."""
    return paragraph(doc, text, font=HEADING_FONT if level == 1 else KAI_FONT, size=SIZE_3,
                     indent=True, keep_with_next=True)


def letterhead(doc, organ: str, number: str = "") -> None:
    """发文机关标志 (red, centred, 小标宋), 发文字号 and the red rule under it."""
    if organ:
        # as large as one line of the type area allows (at most 36 pt): a long name stays on one line
        size = Pt(max(16, min(36, int(TYPE_WIDTH_MM / 25.4 * 72 / max(_wide(organ) / 2, 1)) - 1)))
        paragraph(doc, organ, font=TITLE_FONT, size=size, align=WD_ALIGN_PARAGRAPH.CENTER, color=RED, exact=False)
    p = paragraph(doc, number, align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.space_after = Pt(6)
    p._p.get_or_add_pPr().append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12" w:space="4" w:color="C00000"/></w:pBdr>'))
    paragraph(doc)


def closing(doc, signature: str, date_text: str) -> None:
    """发文机关署名 and 成文日期 at the right, the date four characters in from the right."""
    paragraph(doc)
    if signature:
        p = paragraph(doc, signature, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = SIZE_3 * 2
    if date_text:
        p = paragraph(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        p.paragraph_format.right_indent = SIZE_3 * 4


def _shade(cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def _cell_text(cell, c: Cell, *, head: bool = False, size: Pt = SIZE_TABLE) -> None:
    p = cell.paragraphs[0]
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.alignment = (WD_ALIGN_PARAGRAPH.CENTER if head else
                   WD_ALIGN_PARAGRAPH.RIGHT if c.num else WD_ALIGN_PARAGRAPH.LEFT)
    set_font(p.add_run(c.text).font, HEADING_FONT if head else BODY_FONT, size, bold=c.bold or None)


def _wide(text: str) -> int:
    return display_width(text, ambiguous_wide=True)  # ★ and — are wide in Chinese fonts


PAD_TWIPS = 45  # 0.8 mm each side of a cell's text (Word's default 1.9 mm eats a wide table)
SHORT = 14  # half characters: a column whose every value is this short never wraps (names, dates, counts)


def column_widths(header: Sequence[Cell], rows: Sequence[Sequence[Cell]], size: Pt) -> list[float]:
    """Millimetres per column, adding up to the type area: short columns get what they need on one
    line, the rest share what is left by how much text they hold (a header may wrap to two lines)."""
    half = size.pt * 25.4 / 72 / 2
    pad = 2 * PAD_TWIPS * 25.4 / 1440
    need = [max([min(_wide(h.text), 8)] + [_wide(r[k].text) for r in rows]) + 1
            for k, h in enumerate(header)]
    mm = [n * half + pad for n in need]
    short = [n <= SHORT for n in need]
    fixed = sum(m for m, s in zip(mm, short, strict=True) if s)
    rest = TYPE_WIDTH_MM - fixed
    wide = [min(m, 40 * half + pad) for m, s in zip(mm, short, strict=True) if not s]
    if not wide or rest <= 10 * len(wide) or sum(wide) <= rest:
        return [m * TYPE_WIDTH_MM / sum(mm) for m in mm]  # it all fits, or nothing can: in proportion
    it = iter(w * rest / sum(wide) for w in wide)
    return [m if s else next(it) for m, s in zip(mm, short, strict=True)]


def table(doc, header: Sequence[Cell], rows: Sequence[Sequence[Cell] | tuple[str, str]], *,
          caption: str = "", note: str = "", empty: str = "无", size: Pt = SIZE_TABLE) -> Table:
    """A Word table: caption above, a shaded header row repeated on each page, the rows.

    A row given as ("group", text) spans the table (a group's heading); ("empty", text)
    does too, for a table without rows. Column widths follow the content, in 156 mm.
    """
    if caption:
        paragraph(doc, caption, font=HEADING_FONT, size=SIZE_NOTE, align=WD_ALIGN_PARAGRAPH.CENTER,
                  exact=False, keep_with_next=True)
    n = len(header)
    body = list(rows) or [("empty", empty)]
    t = doc.add_table(rows=0, cols=n)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = column_widths(header, [r for r in body if not isinstance(r, tuple)], size)
    hrow = t.add_row()
    hrow._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    hrow._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
    for k, h in enumerate(header):
        _cell_text(hrow.cells[k], h, head=True, size=size)
        _shade(hrow.cells[k], "E3E3E3")
    for r in body:
        row = t.add_row()
        row._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
        if isinstance(r, tuple):
            kind, text = r
            merged = row.cells[0].merge(row.cells[n - 1]) if n > 1 else row.cells[0]
            _cell_text(merged, Cell(text, bold=kind == "group"), size=size)
            if kind == "group":
                _shade(merged, "F2F2F2")
            continue
        for k, c in enumerate(r):
            _cell_text(row.cells[k], c, size=size)
    t.autofit = False
    t._tbl.tblPr.append(parse_xml(
        f'<w:tblCellMar {nsdecls("w")}><w:left w:w="{PAD_TWIPS}" w:type="dxa"/>'
        f'<w:right w:w="{PAD_TWIPS}" w:type="dxa"/></w:tblCellMar>'))
    for k, width in enumerate(widths):
        t.columns[k].width = Mm(width)  # the grid, which LibreOffice and WPS follow
        for cell in t.columns[k].cells:
            cell.width = Mm(width)  # each cell, which Word follows
    if note:
        paragraph(doc, f"注：{note}", size=SIZE_NOTE, exact=False)
    paragraph(doc, exact=False)
    return t


PICTURE_MM = 150


def _slot_text(key: str) -> str:
    return f"[[tracker-picture:{key}]]"


def picture_slot(doc, key: str, caption: str = ""):
    """Where a picture goes, centred, its caption under it; drawn later (`fill_pictures`): a city's
    run draws its charts in worker processes, and a python-docx document does not cross to them;
    its saved bytes do."""
    p = paragraph(doc, _slot_text(key), align=WD_ALIGN_PARAGRAPH.CENTER, exact=False,
                  keep_with_next=bool(caption))
    if caption:
        paragraph(doc, caption, size=SIZE_NOTE, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
    return p


def fill_pictures(docx: bytes, pngs: dict[str, bytes], width_mm: float = PICTURE_MM) -> bytes:
    """The saved document with each `picture_slot` holding its picture."""
    from docx import Document

    doc = Document(io.BytesIO(docx))
    for p in doc.paragraphs:
        for key, png in pngs.items():
            if p.text == _slot_text(key):
                for run in p.runs:
                    run.text = ""
                p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def save(doc, path: Path) -> Path:
    """Write the .docx whole or not at all (`tracker.atomic`; a Chinese error when it cannot be
    written, e.g. open in Word)."""
    with replacing(path) as tmp:
        doc.save(str(tmp))
    return Path(path)

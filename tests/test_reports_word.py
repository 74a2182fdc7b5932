"""The Word output (docs/reports.md, "Word"): the same sections, tables and totals as the page, GB/T 9704 layout."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from report_demo import demo_db

from tracker import api
from tracker.render import word as w

TODAY = dt.date(2026, 1, 20)


@pytest.fixture(scope="session")
def made(tmp_path_factory):
    db = demo_db(tmp_path_factory).db
    out = tmp_path_factory.mktemp("word")
    kinds = (("quarterly", {"quarter": 4}), ("midyear", {"as_of": "2025-06-30"}), ("annual", {}))
    return {k: (api.report(db, k, year=2025, out_dir=out, today=TODAY, formats=("html", "xlsx", "docx"), **kw),
                api.build_report(db, k, year=2025, today=TODAY, **kw)) for k, kw in kinds}


def paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def cell_texts(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


@pytest.mark.parametrize("kind", ["quarterly", "midyear", "annual"])
def test_docx_has_the_sections_tables_and_charts_of_the_report(made, kind):
    res, r = made[kind]
    path = res.paths[2]
    assert path.suffix == ".docx" and path.stem == res.paths[0].stem
    doc = Document(str(path))
    text = paragraphs(doc)
    assert text[0] == r.header.title
    headings = [t for t in text if t in ["一、总体情况", *[s.title for s in r.sections]]]
    assert headings == ["一、总体情况", *[s.title for s in r.sections]]
    captions = [t.caption for t in r.tables.values() if t.cols]
    assert all(c in text for c in captions)
    charts = sum(b.kind == "chart" for s in r.sections for b in s.blocks)
    assert len(doc.inline_shapes) == charts > 0
    assert not any("tracker-picture" in t for t in text)  # every chart's slot holds its picture
    # 台账载入情况, the cards, then one Word table per report table laid out
    assert len(doc.tables) == 2 + sum(b.kind == "table" for s in r.sections for b in s.blocks)


def test_quarterly_docx_tables_carry_the_same_totals_and_groups(made):
    res, r = made["quarterly"]
    doc = Document(str(res.paths[2]))
    cards = cell_texts(doc.tables[1])
    assert cards[0] == ["项目", "数值", "说明"]
    assert [row[0] for row in cards[1:]] == [c["label"] for c in r.cards]
    hours = next(row for row in cards if row[0].startswith("本季度服务时长"))
    assert hours[1] == f"{r.cards[3]['value']} 小时"
    team_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "服务队" and len(t.columns) == 11)
    last = [c.text for c in team_table.rows[-1].cells]
    t1 = r.tables["teams"]
    assert last[0] == "合计" and last[2] == t1.totals["q_activities"] and last[4] == t1.totals["q_hours"]
    lst = r.tables["activities"]
    acts = next(t for t in doc.tables if t.rows[0].cells[0].text == "日期" and t.rows[0].cells[1].text == "活动名称")
    rows = cell_texts(acts)
    groups = [g["title"] for g in lst.groups]
    assert [row[0] for row in rows if len(set(row)) == 1] == groups  # a merged row per team
    subtotals = [row for row in rows if row[1].startswith("小计")]
    assert [s[1] for s in subtotals] == [g["subtotal"]["title"] for g in lst.groups]
    assert rows[-1][0] == "合计" and rows[-1][5] == lst.totals["total_hours"]


def test_header_rows_repeat_and_rows_do_not_split(made):
    doc = Document(str(made["annual"][0].paths[2]))
    for t in doc.tables:
        first = t.rows[0]._tr
        assert first.trPr is not None and first.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in t.rows)


def test_page_fonts_and_page_numbers_follow_gbt_9704(made):
    doc = Document(str(made["quarterly"][0].paths[2]))
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert (round(sec.top_margin.mm), round(sec.left_margin.mm)) == (37, 28)
    assert round(Length(sec.page_width - sec.left_margin - sec.right_margin).mm) == 156
    assert round(Length(sec.page_height - sec.top_margin - sec.bottom_margin).mm) == 225
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16) and normal.paragraph_format.line_spacing == Pt(28.95)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == w.BODY_FONT
    title = doc.paragraphs[0]
    assert title.alignment == 1 and title.runs[0].font.size == Pt(22)  # centred, 二号
    assert title.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == w.TITLE_FONT
    heading = next(p for p in doc.paragraphs if p.text == "一、总体情况")
    assert heading.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == w.HEADING_FONT
    # each Chinese font has an alternate every Chinese Windows has
    font_table = doc.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable").blob.decode()
    for name, alt in w.ALT_NAMES.items():
        assert f'w:name="{name}"><w:altName w:val="{alt}"/>' in font_table
    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (sec.footer, sec.even_page_footer):
        xml = footer.paragraphs[0]._p.xml
        assert 'w:instr="PAGE"' in xml and footer.paragraphs[0].text.startswith("— ")
    assert sec.footer.paragraphs[0].alignment == 2 and sec.even_page_footer.paragraphs[0].alignment == 0
    assert Mm(150) - Mm(1) <= doc.inline_shapes[0].width <= Mm(150) + Mm(1)


def test_docx_masks_personal_numbers_and_escapes_nothing_into_markup(made):
    import re

    doc = Document(str(made["annual"][0].paths[2]))
    text = "\n".join(paragraphs(doc) + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)
    assert not re.search(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])", text)
    assert "<span" not in text and "达标" in text  # badges become their words


def test_unknown_format_is_a_usage_error(made, tmp_path):
    from tracker.problems import TrackerError

    with pytest.raises(TrackerError) as e:
        api.report(made["annual"][0].paths[0].parent / "x.duckdb", "annual", year=2025, formats=("pdf",))
    assert e.value.code == 2 and "docx" in e.value.message


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_it_as_a4_pages(made, tmp_path):
    src = made["quarterly"][0].paths[2]
    done = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                          capture_output=True, timeout=180)
    pdf = tmp_path / (src.stem + ".pdf")
    assert done.returncode == 0 and pdf.exists(), done.stderr
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "595.3" in info and "841.89" in info  # A4 in points
        assert int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))) >= 3
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "党员志愿服务队季度例会通报" in text and "本季度志愿服务活动一览" in text

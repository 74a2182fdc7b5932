"""附件1 forms built the way people fill them in (every person made up).

- `word_form`: a Word table as Word writes it (python-docx): merged cells (gridSpan, vMerge),
  labels spaced with full-width spaces ("姓　　名") and broken over lines ("志愿服务" / "经历"),
  填表日期 in a paragraph above the table, the photo box empty or with its caption;
- `wps_form`: the same form with its XML written the way WPS and older converters write it:
  hMerge instead of gridSpan, vMerge val="continue", each label split into one run per
  character, a value inside a content control, no tblGrid;
- `excel_form`: an .xlsx laid out on seven columns with merged label cells, 填表日期 in a cell;
- `xls_form`: the same on the old .xls format (xlwt).
"""

from __future__ import annotations

import copy
from pathlib import Path

from tracker.values import id_check_digit


def fake_id(seed: int, birth: str = "19850315", male: bool = True) -> str:
    """A made-up ID number with a valid check digit; its 17th digit odd for a man."""
    seq = f"{seed % 100:02d}{1 if male else 2}"
    body = f"320102{birth}{seq}"
    return body + id_check_digit(body)


def person(name: str = "张晓明", seed: int = 1, **over: str) -> dict[str, str]:
    """A filled form's values by label (the notice's labels)."""
    values = {
        "填表日期": "2026年6月20日", "姓名": name, "性别": "男", "民族": "汉", "出生年月": "1985.03",
        "政治面貌": "中共党员", "健康状况": "良好", "所在单位": "示例市中心血站",
        "身份证号码": fake_id(seed), "学历": "本科", "办公电话": "0511-8441" + f"{seed:04d}",
        "手机": f"1390000{seed:04d}", "电子邮箱": f"v{seed}@example.com", "特长": "讲解、摄影",
        "志愿服务经历": "2015年起参加无偿献血宣传\n2020年社区义诊",
    }
    values.update(over)
    return {k: v for k, v in values.items() if v is not None}


SPACED = {"姓名": "姓　　名", "性别": "性　　别", "民族": "民　　族", "特长": "特　　长",
          "志愿服务经历": "志愿服务\n经历"}
# (row, col, label, value columns) of the notice's five-column table; the photo is rows 0-3 of col 4
ROWS = [
    (0, 0, "姓名", 1), (0, 2, "性别", 1), (1, 0, "民族", 1), (1, 2, "出生年月", 1),
    (2, 0, "政治面貌", 1), (2, 2, "健康状况", 1), (3, 0, "所在单位", 3),
    (4, 0, "身份证号码", 1), (4, 2, "学历", 2), (5, 0, "办公电话", 1), (5, 2, "手机", 2),
    (6, 0, "电子邮箱", 4), (7, 0, "特长", 4), (8, 0, "志愿服务经历", 4), (9, 0, "申请人签字", 4),
]


def _set(cell, text: str) -> None:
    lines = text.split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def word_form(path: Path, values: dict[str, str], *, photo: str | None = "照片\n（2寸彩照）",
              title: str = "党员志愿者申请登记表", spaced: bool = True) -> Path:
    import docx

    doc = docx.Document()
    doc.add_paragraph("附件1")
    doc.add_paragraph(title)
    doc.add_paragraph(f"填表日期：{values.get('填表日期', '　　　　　　　　　　')}")
    t = doc.add_table(rows=10, cols=5)
    t.style = "Table Grid"
    photo_cell = t.cell(0, 4).merge(t.cell(3, 4))
    if photo:
        _set(photo_cell, photo)
    for r, c, label, span in ROWS:
        _set(t.cell(r, c), SPACED.get(label, label) if spaced else label)
        value = t.cell(r, c + 1)
        if span > 1:
            value = value.merge(t.cell(r, c + span))
        if values.get(label):
            _set(value, values[label])
    doc.add_paragraph("注：此表由党员志愿者本人填写并签字。")
    doc.save(str(path))
    return path


def _w(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


def wps_form(path: Path, values: dict[str, str]) -> Path:
    """`word_form`, then its table rewritten as WPS writes merged cells and runs."""
    import docx
    from lxml import etree

    word_form(path, values)
    doc = docx.Document(str(path))
    tbl = doc.tables[0]._tbl
    grid = tbl.find(_w("tblGrid"))
    tbl.remove(grid)
    for tc in tbl.iter(_w("tc")):
        tcpr = tc.find(_w("tcPr"))
        span = tcpr.find(_w("gridSpan")) if tcpr is not None else None
        if span is not None:  # gridSpan=n → the cell plus n-1 hMerge continue cells
            n = int(span.get(_w("val")))
            tcpr.remove(span)
            etree.SubElement(tcpr, _w("hMerge")).set(_w("val"), "restart")
            for _ in range(n - 1):
                cont = copy.deepcopy(tc)
                for p in cont.findall(_w("p"))[1:]:
                    cont.remove(p)
                for r in cont.iter(_w("r")):
                    r.getparent().remove(r)
                cont.find(_w("tcPr")).find(_w("hMerge")).set(_w("val"), "continue")
                tc.addnext(cont)
        vm = tcpr.find(_w("vMerge")) if tcpr is not None else None
        if vm is not None and vm.get(_w("val")) is None:
            vm.set(_w("val"), "continue")
        for r in list(tc.iter(_w("r"))):  # one run per character, as WPS often splits text
            t = r.find(_w("t"))
            if t is None or not t.text or len(t.text) < 2:
                continue
            for ch in reversed(t.text[1:]):
                nr = copy.deepcopy(r)
                nr.find(_w("t")).text = ch
                r.addnext(nr)
            t.text = t.text[0]
    # the 所在单位 value wrapped in a content control
    for tc in tbl.iter(_w("tc")):
        text = "".join(t.text or "" for t in tc.iter(_w("t")))
        if values.get("所在单位") and text == values["所在单位"]:
            sdt = etree.SubElement(tc, _w("sdt"))
            content = etree.SubElement(sdt, _w("sdtContent"))
            for p in tc.findall(_w("p")):
                content.append(p)
            break
    doc.save(str(path))
    return path


# a different geometry: seven columns, each label merged over two, the photo in column G
XROWS = [
    (3, 0, "姓名", 2, 1), (3, 3, "性别", 4, 1), (4, 0, "民族", 2, 1), (4, 3, "出生年月", 4, 1),
    (5, 0, "政治面貌", 2, 1), (5, 3, "健康状况", 4, 1), (6, 0, "所在单位", 2, 3),
    (7, 0, "身份证号码", 2, 1), (7, 3, "学历", 4, 2), (8, 0, "办公电话", 2, 1), (8, 3, "手机", 4, 2),
    (9, 0, "电子邮箱", 2, 4), (10, 0, "特长", 2, 4), (11, 0, "志愿服务经历", 2, 4), (12, 0, "申请人签字", 2, 4),
]


def excel_form(path: Path, values: dict[str, str], *, numbers: dict[str, float] | None = None) -> Path:
    """An .xlsx form: labels merged over columns A:B (or D:E), values beside them; `numbers` are
    values typed as Excel numbers (an ID number or a month as people often type them)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("申请登记表")
    wrap = wb.add_format({"text_wrap": True, "border": 1})
    ws.write_string(0, 0, "附件1")
    ws.merge_range(1, 0, 1, 6, "党员志愿者申请登记表")
    ws.merge_range(2, 4, 2, 6, f"填表日期：{values.get('填表日期', '')}")
    ws.merge_range(3, 6, 6, 6, "照片（2寸彩照）", wrap)
    numbers = numbers or {}
    for r, c, label, vcol, span in XROWS:
        lcols = 2 if c == 0 else 1
        text = SPACED.get(label, label)
        if lcols > 1:
            ws.merge_range(r, c, r, c + lcols - 1, text, wrap)
        else:
            ws.write_string(r, c, text, wrap)
        v = values.get(label)
        if label in numbers:
            ws.write_number(r, vcol, numbers[label], wrap)
        elif span > 1:
            ws.merge_range(r, vcol, r, vcol + span - 1, v or "", wrap)
        elif v:
            ws.write_string(r, vcol, v, wrap)
    ws.write_string(14, 0, "注：此表由党员志愿者本人填写并签字。")
    wb.close()
    return path


def xls_form(path: Path, values: dict[str, str]) -> Path:
    """The same form saved in the old .xls format."""
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("Sheet1")
    ws.write(0, 0, "附件1")
    ws.write_merge(1, 1, 0, 6, "党员志愿者申请登记表")
    ws.write_merge(2, 2, 4, 6, f"填表日期：{values.get('填表日期', '')}")
    ws.write_merge(3, 6, 6, 6, "照片")
    for r, c, label, vcol, span in XROWS:
        lcols = 2 if c == 0 else 1
        ws.write_merge(r, r, c, c + lcols - 1, SPACED.get(label, label))
        if span > 1:
            ws.write_merge(r, r, vcol, vcol + span - 1, values.get(label, ""))
        else:
            ws.write(r, vcol, values.get(label, ""))
    wb.save(str(path))
    return path

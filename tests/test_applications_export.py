"""附件1 printed from the roster for each person to check and sign, and blank (docs/forms.md)."""

from __future__ import annotations

import re
import shutil
import subprocess

import docx
import openpyxl
import pytest
from appforms import fake_id, person, word_form
from conftest import UNIT, people

from tracker.ingest.forms import read_forms
from tracker.ingest.kinds.applications import KIND

P = people()


def _table_text(path, n: int = 0) -> list[list[str]]:
    t = docx.Document(str(path)).tables[n]
    return [[c.text for c in row.cells] for row in t.rows]


def _fields(path):
    forms, _ = read_forms(path, path.name, KIND, 0)
    return [{k: f.value for k, f in form.fields.items()} for form in forms]


def test_one_volunteer_printed_in_the_notice_layout_masked(cli, unit_db, tmp_path):
    v = P[0]
    out = tmp_path / "张.docx"
    r = cli("export", "application", "--volunteer", v["name"], "--out", out, db=unit_db)
    assert r.code == 0, r.out + r.err
    assert "身份证号码和电话已遮盖" in r.out and "--unmask" in r.out
    doc = docx.Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "附件1" in text and "党员志愿者申请登记表" in text and "注：此表由党员志愿者本人填写并签字。" in text
    rows = _table_text(out)
    assert rows[0][:5] == ["姓　　名", v["name"], "性　　别", "女", "照片\n\n（2寸彩照）"]
    assert [r[4] for r in rows[:4]] == ["照片\n\n（2寸彩照）"] * 4  # one photo box over four rows, empty
    assert rows[3][1:4] == [UNIT] * 3 and rows[8][0] == "志愿服务\n经历"
    assert rows[9] == ["申请人签字", "", "", "", ""]  # signature left empty
    assert rows[4][1] == "320***********" + v["id"][-4:] and rows[5][3] == "138****0000"
    assert v["id"] not in out.read_bytes().decode("latin-1")
    # the form's own fonts, digits and Latin letters included (宋体 and 黑体, as the notice prints it)
    runs = [r for p in doc.paragraphs for r in p.runs] + [r for t in doc.tables for row in t.rows
                                                           for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs and {r.font.name for r in runs} <= {"宋体", "黑体"}


def test_unmask_prints_the_full_numbers_and_says_so(cli, unit_db, tmp_path):
    v = P[1]
    out = tmp_path / "x.docx"
    r = cli("export", "application", "--volunteer", v["name"], "--unmask", "--out", out, db=unit_db)
    assert r.code == 0 and "完整号码（--unmask）" in r.out
    rows = _table_text(out)
    assert rows[4][1] == v["id"] and rows[5][3] == v["phone"]


def test_everyone_into_a_folder_one_document_each(cli, unit_db, tmp_path):
    word_form(tmp_path / "a.docx", person("张晓明", 7))
    assert cli("load", "applications", tmp_path / "a.docx", db=unit_db).code == 0
    r = cli("export", "application", "--all", "--unit", UNIT, "--out", tmp_path / "打印", db=unit_db)
    assert r.code == 0, r.out + r.err
    files = sorted(p.name for p in (tmp_path / "打印").iterdir())
    assert len(files) == 27 and "附件1_张晓明.docx" in files  # 26 registered and the applicant


def test_all_in_one_workbook_reads_back_unchanged(cli, unit_db, tmp_path):
    out = tmp_path / "全部.xlsx"
    r = cli("export", "application", "--all", "--unmask", "--out", out, db=unit_db)
    assert r.code == 0
    wb = openpyxl.load_workbook(out)
    assert len(wb.sheetnames) == 26 and wb.sheetnames[0] == P[0]["name"]
    ws = wb.worksheets[0]
    assert ws["A2"].value == "党员志愿者申请登记表" and ws.cell(8, 2).number_format == "@"  # typed as text
    r = cli("load", "applications", out, "--json", db=unit_db)
    assert r.code == 0, r.out
    import json

    assert json.loads(r.out)["loaded"][0]["counts"] == {"无变化": 26}


def test_a_printed_form_corrected_and_loaded_back_updates_the_person(cli, unit_db, tmp_path):
    v = P[2]
    out = tmp_path / "x.docx"
    assert cli("export", "application", "--volunteer", v["name"], "--unmask", "--out", out, db=unit_db).code == 0
    doc = docx.Document(str(out))
    doc.tables[0].cell(2, 1).paragraphs[0].text = "中共党员"
    doc.tables[0].cell(7, 1).paragraphs[0].text = "手语"
    doc.save(str(out))
    import json

    r = cli("load", "applications", out, "--json", db=unit_db)
    assert r.code == 0 and json.loads(r.out)["loaded"][0]["counts"] == {"信息更新": 1}


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_the_blank_form_filled_in_loads(cli, unit_db, tmp_path, suffix):
    out = tmp_path / f"申请登记表{suffix}"
    r = cli("template", "application", "--out", out)
    assert r.code == 0 and out.exists()
    (blank,) = _fields(out)
    assert set(blank) == {c.key for c in KIND.columns} and not any(blank.values())
    values = {"name": "张晓明", "gender": "男", "birth_month": "1985.03", "id_number": fake_id(7),
              "mobile": "13900000007", "experience": "社区义诊"}
    if suffix == ".docx":
        doc = docx.Document(str(out))
        cells = {(0, 1): "name", (0, 3): "gender", (1, 3): "birth_month", (4, 1): "id_number",
                 (5, 3): "mobile", (8, 1): "experience"}
        for (r_, c_), key in cells.items():
            doc.tables[0].cell(r_, c_).paragraphs[0].text = values[key]
        doc.paragraphs[2].add_run("2026年6月20日")
        doc.save(str(out))
    else:
        wb = openpyxl.load_workbook(out)
        ws = wb.worksheets[0]
        for (r_, c_), key in {(4, 2): "name", (4, 4): "gender", (5, 4): "birth_month", (8, 2): "id_number",
                              (9, 4): "mobile", (12, 2): "experience"}.items():
            ws.cell(r_, c_).value = values[key]
        ws["E3"] = "2026.6.20"
        wb.save(out)
    import json

    r = cli("load", "applications", out, "--unit", UNIT, "--json", db=unit_db)
    assert r.code == 0, r.out + r.err
    assert json.loads(r.out)["loaded"][0]["months"] == ["2026-06"]


def test_template_applications_is_the_same_blank_form(cli, tmp_path):
    assert cli("template", "applications", "--out", tmp_path / "a.docx").code == 0
    assert _table_text(tmp_path / "a.docx")[0][0] == "姓　　名"


def test_output_mistakes_are_explained(cli, unit_db, tmp_path):
    r = cli("export", "application", "--all", "--out", tmp_path / "x.pdf", db=unit_db)
    assert r.code == 1 and ".docx" in r.err and ".xlsx" in r.err and "文件夹" in r.err
    r = cli("export", "application", "--out", tmp_path / "x.docx", db=unit_db)
    assert r.code == 2 and "--volunteer" in r.err and "--all" in r.err
    r = cli("export", "application", "--volunteer", "无此人", "--out", tmp_path / "x.docx", db=unit_db)
    assert r.code == 1 and "没有这个人" in r.err
    r = cli("export", "roster", "--all", "--out", tmp_path / "x.xlsx", db=unit_db)
    assert r.code == 2 and "只用于 tracker export application" in r.err
    r = cli("template", "application", "--out", tmp_path / "x.csv")
    assert r.code == 1 and ".docx" in r.err


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler print the form")
def test_the_printed_form_is_one_a4_page_per_person(cli, db, tmp_path):
    for name, seed in (("张晓明", 7), ("李红", 8)):
        word_form(tmp_path / f"{name}.docx", person(name, seed))
    assert cli("load", "applications", tmp_path / "张晓明.docx", tmp_path / "李红.docx", "--unit", UNIT,
               db=db).code == 0
    out = tmp_path / "打印" / "两人.docx"
    assert cli("export", "application", "--all", "--out", out, db=db).code == 0
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out.parent), str(out)],
                   check=True, capture_output=True, timeout=300)
    pdf = out.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+2\n", info) and "(A4)" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    first, second = text.split("\f")[:2]
    for label in ("党员志愿者申请登记表", "填表日期", "照片", "身份证号码", "志愿服务", "申请人签字", "注：此表"):
        assert label in first and label in second
    assert "张晓明" in first and "李红" in second

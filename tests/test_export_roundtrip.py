"""Forms out through the CLI, and back in: what tracker exports, tracker loads (docs/forms.md)."""

from __future__ import annotations

import openpyxl
from conftest import db_fingerprint, people


def _cells(path):
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_export_teams_form_with_totals(unit_db, cli, tmp_path):
    out = tmp_path / "附件3.xlsx"
    r = cli("export", "teams", "--as-of", "2026-06-30", "--out", out, db=unit_db)
    assert r.code == 0, r.err
    cells = _cells(out)
    assert "总计 4 支" in cells and "总计 26人" in cells
    assert not any(p["phone"] in " ".join(cells) for p in people())  # masked without --unmask


def test_unmask_shows_phones_but_never_ids(unit_db, cli, tmp_path):
    out = tmp_path / "附件2.xlsx"
    assert cli("export", "roster", "--as-of", "2026-06-30", "--unmask", "--out", out, db=unit_db).code == 0
    text = " ".join(_cells(out))
    assert people()[0]["phone"] in text
    assert not any(p["id"] in text for p in people())


def test_exported_forms_load_back_unchanged(unit_db, cli, tmp_path):
    for form, kind in (("summary", "units"), ("teams", "teams"), ("roster", "roster")):
        out = tmp_path / f"{form}.xlsx"
        assert cli("export", form, "--as-of", "2026-06-30", "--unmask", "--out", out, db=unit_db).code == 0
        before = db_fingerprint(unit_db)
        r = cli("load", kind, out, "--as-of", "2026-06-30", "--dry-run", db=unit_db)
        assert r.code == 0, (form, r.out, r.err)
        assert db_fingerprint(unit_db) == before


def test_xls_files_load(db, cli, tmp_path):
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("花名册")
    ws.write(0, 0, "党员志愿服务队志愿者花名册")
    ws.write(1, 0, "单位名称（盖章）：乙单位　填表日期：2026.2")
    for i, h in enumerate(["姓名", "入党时间", "联系方式"]):
        ws.write(2, i, h)
    for r, p in enumerate(people()[:3], start=3):
        ws.write(r, 0, p["name"])
        ws.write(r, 1, p["joined"])
        ws.write(r, 2, p["phone"])
    path = tmp_path / "老版本.xls"
    wb.save(str(path))
    r = cli("load", "roster", path, "--json", db=db)
    assert r.code == 0, r.out + r.err
    assert '"志愿者": 3' in r.out


def test_summary_of_two_parents_loads_back_with_its_subtotals(db, cli, tmp_path):
    from conftest import write_csv

    units = write_csv(tmp_path / "units.csv", [
        ["单位名称", "上级单位", "党员人数"],
        ["甲医院", "示例区卫生局", 120], ["乙医院", "示例区卫生局", 45], ["丙中学", "示例区教育局", 18],
    ])
    assert cli("load", "units", units, db=db).code == 0
    out = tmp_path / "附件4.xlsx"
    assert cli("export", "summary", "--out", out, db=db).code == 0
    cells = _cells(out)
    assert cells.count("小计") == 2 and "总计" in cells
    r = cli("load", "units", out, "--dry-run", "--json", db=db)
    assert r.code == 0, r.out
    # a wrong subtotal is caught
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    for row in ws.iter_rows():
        if any(c.value == "小计" for c in row):
            for c in row:
                if c.value == 165:
                    c.value = 166
    bad = tmp_path / "附件4-错.xlsx"
    wb.save(bad)
    r = cli("load", "units", bad, "--json", db=db)
    assert r.code == 1 and "小计行与本组各行之和（165）不符" in r.out

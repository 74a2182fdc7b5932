"""Blank ledgers: what a user downloads, fills in Excel, and loads back."""

from __future__ import annotations

import openpyxl
import polars as pl
import pytest

from tracker.exports.templates import template_columns, write_template
from tracker.ingest.forms import FormKind
from tracker.ingest.kinds import KINDS
from tracker.ingest.layout import locate
from tracker.ingest.read import read_file
from tracker.problems import TrackerError
from tracker.values import PARSERS

LEDGERS = [k for k, v in KINDS.items() if not isinstance(v, FormKind)]  # forms: tests/test_applications_export.py


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("kind", LEDGERS)
def test_template_headers_are_found_and_example_parses(tmp_path, kind, suffix):
    out = write_template(kind, tmp_path / f"{kind}{suffix}")
    assert out == tmp_path / f"{kind}{suffix}" and out.exists()
    sheet = read_file(out)[0]
    table = locate(sheet, KINDS[kind], out.name)
    assert table is not None
    cols = template_columns(kind)
    assert table.present == [c.key for c in cols]
    assert {c.key for c in KINDS[kind].required} <= set(table.present)
    assert table.rows.height == 1  # the example row
    example = table.rows.row(0, named=True)
    for c in cols:
        value = example[c.key]
        assert value == (c.example or None), c.key
        if value is None:
            continue
        parsed = pl.select(PARSERS[c.type](pl.lit(value, dtype=pl.String))).item()
        assert parsed is not None, f"{kind}.{c.key}: {value!r} does not parse as {c.type}"
        if c.choices:
            assert value in c.choices


def test_required_headers_marked_and_computed_columns_left_out(tmp_path):
    out = write_template("units", tmp_path / "u.csv")
    header = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header[:4] == ["单位名称*", "上级单位", "单位人数", "党员人数*"]
    assert "党员志愿者人数" not in header and "序号" not in header


def test_csv_template_has_bom_header_and_example(tmp_path):
    out = write_template("activities", tmp_path / "a.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert "日期*" in lines[0] and "参加人员*" in lines[0]
    assert "2026-03-05" in lines[1]


def test_xlsx_roster_template_keeps_months_and_ids_as_text(tmp_path):
    out = write_template("roster", tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert ws["A1"].value == KINDS["roster"].title
    header = [c.value for c in ws[3]]
    letters = {h.rstrip("*"): ws.cell(3, i + 1).column_letter for i, h in enumerate(header)}
    for h in ("入党时间", "出生年月", "身份证号码", "联系方式"):
        assert ws.column_dimensions[letters[h]].number_format == "@", h
    joined = ws[f"{letters['入党时间']}4"]
    assert (joined.value, joined.data_type) == ("2005.07", "s")
    assert ws.column_dimensions[letters["姓名"]].number_format != "@"
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists[f"{letters['性别']}4"] == '"男,女"'
    assert lists[f"{letters['状态']}4"] == '"在册,退出"'
    assert lists[f"{letters['是否班子成员']}4"] == '"是,否"'
    assert ws.print_title_rows == "$3:$3"


def test_xlsx_instructions_sheet_lists_columns_but_is_never_read_as_data(tmp_path):
    out = write_template("teams", tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[1] == "填写说明"
    text = "\n".join(str(v) for r in wb["填写说明"].iter_rows(values_only=True) for v in r if v)
    for c in template_columns("teams"):
        assert c.header in text and c.key in text
    assert "必填" in text and "是、否" in text
    guide = [s for s in read_file(out) if s.name == "填写说明"][0]
    for kind in KINDS.values():
        assert locate(guide, kind, out.name) is None, kind.key


def test_teams_template_has_yes_no_dropdowns_for_ten_haves(tmp_path):
    ws = openpyxl.load_workbook(write_template("teams", tmp_path / "t.xlsx")).worksheets[0]
    header = [str(c.value) for c in ws[3]]
    yes_no = [dv for dv in ws.data_validations.dataValidation if dv.formula1 == '"是,否"']
    assert len(yes_no) == sum(1 for h in header if h in {"队旗", "章程", "统一标识", "年度计划", "队长及小组",
                                                         "星级评定办法", "网上登记表", "档案材料",
                                                         "活动记录册", "实名QQ群"}) == 10


@pytest.mark.parametrize(("kind", "name", "words"), [
    ("volunteers", "x.xlsx", "roster"),
    ("roster", "x.txt", ".xlsx"),
])
def test_template_mistakes_explained(tmp_path, kind, name, words):
    with pytest.raises(TrackerError) as e:
        write_template(kind, tmp_path / name)
    assert words in e.value.message
    assert not (tmp_path / name).exists()


def test_template_creates_missing_folder(tmp_path):
    out = write_template("pairings", tmp_path / "new" / "p.xlsx")
    assert out.exists()

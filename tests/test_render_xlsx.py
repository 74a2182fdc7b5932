"""Report tables as .xlsx: text stays text, sheets and columns are usable."""

import datetime as dt

import openpyxl
import polars as pl
import pytest

from tracker.formats import display_width
from tracker.render.xlsx import sheet_name, write_tables

HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1"]


@pytest.fixture
def teams():
    return pl.DataFrame(
        {
            "team": ["献血宣传服务队", *HOSTILE],
            "n": [9, 2, None, 0, 1, 3],
            "hours": [45.5, 6.25, None, 0.0, 1.0, float("nan")],
            "founded": [dt.date(2013, 7, 5)] * 6,
            "ten": [True, False, None, True, True, True],
        }
    )


def test_text_that_looks_like_a_formula_is_a_string_cell_showing_the_text(tmp_path, teams):
    path = write_tables(tmp_path / "r.xlsx", {"服务队": teams})
    ws = openpyxl.load_workbook(path).active
    cells = [ws.cell(row=r, column=1) for r in range(2, 2 + teams.height)]
    assert [c.value for c in cells] == teams["team"].to_list()
    assert all(c.data_type == "s" for c in cells)  # never 'f' (formula)
    assert all(c.quotePrefix for c in cells[1:])  # stays text if edited in Excel
    assert not cells[0].quotePrefix


def test_no_formula_anywhere_in_the_file(tmp_path, teams):
    import zipfile

    path = write_tables(tmp_path / "r.xlsx", {"服务队": teams})
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def test_titles_types_and_layout(tmp_path, teams):
    titles = {"team": "服务队", "n": "活动次数", "founded": "成立时间", "ten": "十有齐全"}
    path = write_tables(tmp_path / "r.xlsx", {"各服务队": (teams, titles)}, title="年度考评与星级认定")
    ws = openpyxl.load_workbook(path)["各服务队"]
    assert ws["A1"].value == "年度考评与星级认定"
    assert [c.value for c in ws[2]] == list(titles.values())  # only the titled columns, in order
    assert ws.freeze_panes == "A3"  # header stays in view
    assert ws["B3"].value == 9 and ws["B3"].data_type == "n"
    assert ws["B5"].value is None  # missing stays empty, not 0
    assert ws["C3"].is_date and ws["C3"].number_format == "yyyy-mm-dd"
    assert ws["C3"].value.date() == dt.date(2013, 7, 5)
    assert [ws.cell(row=r, column=4).value for r in (3, 4, 5)] == ["是", "否", None]
    # CJK text counts double: the team column is wider than the number column
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width
    assert ws.column_dimensions["A"].width >= display_width("献血宣传服务队")


def test_unknown_title_column_is_reported(tmp_path, teams):
    with pytest.raises(ValueError, match="没有这些列"):
        write_tables(tmp_path / "r.xlsx", {"x": (teams, {"nope": "无"})})


def test_sheet_names_are_made_safe_and_unique(tmp_path, teams):
    taken: set[str] = set()
    assert sheet_name("志愿者/时长:[1]?", taken) == "志愿者_时长__1__"
    long = "很长的表名" * 10
    first = sheet_name(long, taken)
    second = sheet_name(long, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert sheet_name("history", taken) != "history"
    assert sheet_name("", taken)
    path = write_tables(tmp_path / "r.xlsx", {"a/b": teams, "A/B": teams, long: teams})
    names = openpyxl.load_workbook(path).sheetnames
    assert len(names) == 3 and len({n.lower() for n in names}) == 3


def test_display_width_counts_cjk_double():
    assert display_width("ab") == 2
    assert display_width("服务队") == 6
    assert display_width("（小时）") == 8


def test_word_counts_ambiguous_characters_wide_as_chinese_fonts_draw_them():
    assert display_width("★★ 优秀") == 7 and display_width("★★ 优秀", ambiguous_wide=True) == 9
    assert display_width("2026—2027", ambiguous_wide=True) == 10

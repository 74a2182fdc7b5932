"""Values as people type them (docs/ledgers.md): dates, months, hours, yes/no, phones, IDs."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl
import pytest
import xlsxwriter
from conftest import fake_id, people

from tracker import values
from tracker.store import queries


def _parse(fn, texts):
    return pl.select(fn(pl.lit(pl.Series(texts, dtype=pl.String)))).to_series().to_list()


def test_dates_in_every_common_form():
    got = _parse(values.parse_date, ["2013-07-05", "2013/7/5", "2013.7.5", "2013年7月5日", "20130705",
                                     "2013-07-05 00:00:00", "２０１３年７月５日", "2013-02-30", "7/5/2013"])
    d = dt.date(2013, 7, 5)
    assert got == [d, d, d, d, d, d, d, None, None]


def test_months_read_as_text():
    got = _parse(values.parse_month, ["1997.12", "2012.1", "2010.10", "1997-12", "1997年12月", "2010.13"])
    assert got == [dt.date(1997, 12, 1), dt.date(2012, 1, 1), dt.date(2010, 10, 1), dt.date(1997, 12, 1),
                   dt.date(1997, 12, 1), None]


def test_hours_forms():
    assert _parse(values.parse_hours, ["2", "2.5", "2小时", "90分钟", "1.5h", "２小时", "两小时", "-1"]) == [
        2.0, 2.5, 2.0, 1.5, 1.5, 2.0, None, None]


def test_yes_no_words():
    assert _parse(values.parse_bool, ["是", "否", "有", "无", "Y", "n", "1", "0", "✓", "也许"]) == [
        True, False, True, False, True, False, True, False, True, None]


def test_one_or_two_phones():
    assert _parse(values.parse_phone, ["13800001234", "0511-84412345、13800001234", "84412345；13800001234",
                                       "无"]) == ["13800001234", "051184412345、13800001234",
                                                 "84412345、13800001234", None]


def test_id_check_digit():
    good = fake_id(7)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert _parse(values.parse_id_number, [good, bad, good[:-1], good.lower()]) == [good, None, None, good]


@pytest.fixture
def typed_roster(tmp_path):
    """A roster kept in Excel with real date cells, a numeric month and a numeric ID."""
    path = tmp_path / "typed.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    datefmt = wb.add_format({"num_format": "yyyy/m/d"})
    ws.write_row(0, 0, ["姓名", "入党时间", "登记日期", "身份证号码", "是否班子成员"])
    ws.write_string(1, 0, "甲一")
    ws.write_string(1, 1, "2010.10")
    ws.write_datetime(1, 2, dt.datetime(2026, 1, 5), datefmt)
    ws.write_string(1, 3, fake_id(1))
    ws.write_boolean(1, 4, True)
    ws.write_string(2, 0, "乙二")
    ws.write_number(2, 1, 2012.1)  # ambiguous: January or October?
    ws.write_datetime(2, 2, dt.datetime(2026, 1, 6), datefmt)
    ws.write_number(2, 3, 320102198001010016)  # an ID that Excel turned into a number
    ws.write_string(2, 4, "否")
    wb.close()
    return path


def test_excel_number_month_and_number_id_are_errors(unit_db, cli, typed_roster):
    r = cli("load", "roster", typed_roster, "--unit", "示例市中心血站", "--json", db=unit_db)
    assert r.code == 1
    problems = json.loads(r.out)
    msgs = {(p["row"], p["column"]): p["message"] for p in problems}
    assert "分不清是1月还是10月" in msgs[(3, "入党时间")]
    assert "文本" in msgs[(3, "身份证号码")]
    assert (2, "入党时间") not in msgs and (2, "登记日期") not in msgs


def test_excel_date_cells_and_text_months_load(unit_db, cli, tmp_path, typed_roster):
    from openpyxl import load_workbook

    wb = load_workbook(typed_roster)
    ws = wb.active
    ws.delete_rows(3)
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    r = cli("load", "roster", fixed, "--unit", "示例市中心血站", db=unit_db)
    assert r.code == 0, r.err
    con = duckdb.connect(str(unit_db), read_only=True)
    row = queries.roster_as_of(con, dt.date(2026, 12, 31)).filter(pl.col("name") == "甲一").row(0, named=True)
    con.close()
    assert row["joined_party"] == dt.date(2010, 10, 1)
    assert row["registered"] == dt.date(2026, 1, 5)
    assert row["leadership"] is True


def test_activity_hours_in_minutes_and_chinese_dates(unit_db, cli, tmp_path):
    ps = people()
    f = tmp_path / "a.csv"
    f.write_text("日期,服务队,活动名称,参加人员,服务时长\n"
                 f"2026年3月5日,检验队,献血宣传,{ps[0]['name']}，{ps[1]['name']},90分钟\n"
                 f"2026.3.6,检验队,义诊,{ps[2]['name']} {ps[3]['name']};{ps[4]['name']},2.5小时\n",
                 encoding="utf-8")
    r = cli("load", "activities", f, "--month", "2026-03", db=unit_db)
    assert r.code == 0, r.err
    con = duckdb.connect(str(unit_db), read_only=True)
    parts = queries.participations(con, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    con.close()
    assert parts.height == 5
    assert sorted(parts["hours"].to_list()) == [1.5, 1.5, 2.5, 2.5, 2.5]

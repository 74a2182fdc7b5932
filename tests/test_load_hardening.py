"""Loading under the inputs a demanding user tries (docs/ledgers.md): nothing lost, nothing leaked.

Each test is one finding of the hardening review: --replace that would delete months the
file has no rows for, sheets chosen wrongly, dates in 1900, a second 吴晓晖, phones
misread, a multi-file summary that hid a write, full personal numbers in problem tables.
Where a file is refused, the database is fingerprinted before and after.
"""

from __future__ import annotations

import io
import json
import re
import sys

import duckdb
import pytest
import xlsxwriter
from conftest import db_fingerprint, fake_id, people, write_csv

P = people()
HEAD = ["日期", "服务队", "活动名称", "参加人员", "服务时长"]
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LONG_DIGITS = re.compile(r"\d{11,}")


def _acts(path, rows):
    return write_csv(path, [HEAD, *rows])


def _count(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _activity_months(db):
    return dict(_count(db, "SELECT strftime(date, '%Y-%m') m, count(*) FROM activities GROUP BY 1 ORDER BY 1"))


# ---------------------------------------------------------------- 1. --replace


@pytest.fixture
def year_db(unit_db, cli, tmp_path):
    """A unit with two activities in each of 2025-02, 2025-03, 2025-06, 2025-10, 2026-01 and 2026-02."""
    rows = [[f"{m}-{d:02d}", "检验队", f"活动{m}-{d}", P[0]["name"], "2"]
            for m in ("2025-02", "2025-03", "2025-06", "2025-10", "2026-01", "2026-02") for d in (3, 10)]
    assert cli("load", "activities", _acts(tmp_path / "year.csv", rows), db=unit_db).code == 0
    return unit_db


def _feb_with_a_wrong_year(tmp_path):
    return _acts(tmp_path / "2026-02.csv", [["2026-02-03", "检验队", "二月更正", P[1]["name"], "3"],
                                            ["2025-02-10", "检验队", "年份写错", P[1]["name"], "3"]])


def test_replace_never_deletes_a_month_the_file_has_no_rows_for_and_asks_first(year_db, cli, tmp_path):
    f = _feb_with_a_wrong_year(tmp_path)
    before = db_fingerprint(year_db)
    r = cli("load", "activities", f, "--replace", db=year_db)  # not a terminal, no --yes: nothing deleted
    assert r.code == 1
    assert db_fingerprint(year_db) == before
    # it says what it would delete: the two months with rows, each with its counts, not 2025-03 … 2026-01
    assert "2025-02" in r.err and "2026-02" in r.err
    assert not any(m in r.err for m in ("2025-03", "2025-06", "2025-10", "2026-01"))
    assert "待确认替换" in r.out and "--yes" in r.err
    assert "从 2025-02 跳到 2026-02" in r.err  # the wrong year is pointed out
    assert "tracker backup" in r.err  # no backup yet: it says how to make one
    r = cli("load", "activities", f, "--replace", "--yes", "--json", db=year_db)
    assert r.code == 0, r.out + r.err
    plan = json.loads(r.out)["loaded"][0]["replace"]
    assert plan["months"] == ["2025-02", "2026-02"]
    assert plan["rows"] == {"2025-02": {"活动": 2, "参加记录": 2}, "2026-02": {"活动": 2, "参加记录": 2}}
    assert _activity_months(year_db) == {"2025-02": 1, "2025-03": 2, "2025-06": 2, "2025-10": 2, "2026-01": 2,
                                         "2026-02": 1}


def test_replace_with_month_named_swaps_that_month_only(year_db, cli, tmp_path):
    f = _acts(tmp_path / "feb.csv", [["2026-02-03", "检验队", "二月更正", P[1]["name"], "3"]])
    r = cli("load", "activities", f, "--replace", "--month", "2026-02", "--yes", db=year_db)
    assert r.code == 0, r.err
    assert _activity_months(year_db)["2026-02"] == 1 and _activity_months(year_db)["2026-01"] == 2


@pytest.mark.parametrize("answer, replaced", [("n\n", False), ("y\n", True)])
def test_replace_asks_at_a_terminal_and_names_the_last_backup(year_db, cli, tmp_path, monkeypatch, answer,
                                                              replaced):
    assert cli("backup", "--out", tmp_path / "备份.duckdb", db=year_db).code == 0
    before = db_fingerprint(year_db)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    r = cli("load", "activities", _feb_with_a_wrong_year(tmp_path), "--replace", db=year_db)
    assert "确定删除以上记录" in r.err
    assert "最近一次备份" in r.err and str((tmp_path / "备份.duckdb").resolve()) in r.err
    if replaced:
        assert r.code == 0 and _activity_months(year_db)["2025-02"] == 1
    else:
        assert r.code == 1 and db_fingerprint(year_db) == before


def test_api_returns_the_plan_and_writes_only_when_confirmed(year_db, tmp_path):
    from tracker import api

    f = _feb_with_a_wrong_year(tmp_path)
    (res,) = api.load(year_db, "activities", [f], replace=True)
    assert res.status == "pending" and res.plan.months == ["2025-02", "2026-02"]
    assert res.plan.total == {"活动": 4, "参加记录": 4} and res.plan.last_backup is None
    seen = []
    (res,) = api.load(year_db, "activities", [f], replace=True, confirm=lambda plan: seen.append(plan) or True)
    assert res.status == "loaded" and seen[0].months == ["2025-02", "2026-02"]


def test_the_original_file_after_a_replace_is_checked_anew_not_called_identical(unit_db, cli, tmp_path):
    a = _acts(tmp_path / "a.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"]])
    b = _acts(tmp_path / "b.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "3"]])
    assert cli("load", "activities", a, db=unit_db).code == 0
    assert cli("load", "activities", b, "--replace", "--yes", db=unit_db).code == 0
    r = cli("load", "activities", a, "--json", db=unit_db)
    assert "内容相同" not in r.out
    assert r.code == 1 and "已导入过（原记录：b.csv" in r.out  # its month now holds b.csv's rows
    r = cli("load", "activities", b, db=unit_db)  # b.csv is what is in effect: identical
    assert r.code == 0 and "内容相同" in r.out


# ---------------------------------------------------------------- 3. sheets


def _book(path, sheets, hidden=(), active=None):
    wb = xlsxwriter.Workbook(str(path))
    made = {}
    for name, rows in sheets:
        ws = made[name] = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                ws.write_string(r, c, v)
    for name in hidden:
        made[name].hide()
    if active:
        made[active].activate()
    wb.close()
    return path


JAN = [HEAD, ["2026-01-05", "检验队", "一月活动", P[0]["name"], "2"]]
FEB = [HEAD, ["2026-02-05", "检验队", "二月活动", P[0]["name"], "2"]]


def _titles(db):
    return sorted(t for (t,) in _count(db, "SELECT title FROM activities"))


def test_a_hidden_first_sheet_is_not_loaded_the_visible_active_one_is(unit_db, cli, tmp_path):
    f = _book(tmp_path / "台账.xlsx", [("1月", JAN), ("2月", FEB)], hidden=["1月"], active="2月")
    r = cli("load", "activities", f, db=unit_db)
    assert r.code == 0, r.err
    assert _titles(unit_db) == ["二月活动"]


def test_other_visible_sheets_with_the_ledger_are_warned_and_sheet_chooses(unit_db, cli, tmp_path):
    f = _book(tmp_path / "台账.xlsx", [("1月", JAN), ("2月", FEB)])
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["loaded"][0]["sheet"] == "1月"
    assert any("工作表“2月”也有活动登记簿的数据" in w["message"] for w in data["warnings"])
    r = cli("load", "activities", f, "--sheet", "2月", db=unit_db)  # same file, another sheet: not "the same"
    assert r.code == 0 and "内容相同" not in r.out, r.out
    assert _titles(unit_db) == ["一月活动", "二月活动"]
    r = cli("load", "activities", f, "--sheet", "2月", db=unit_db)
    assert r.code == 0 and "内容相同" in r.out


def test_sheet_all_loads_every_visible_sheet_with_the_ledger_each_as_a_load(unit_db, cli, tmp_path):
    notes = [["说明"], ["本工作簿按月分表"]]
    f = _book(tmp_path / "全年.xlsx", [("说明", notes), ("1月", JAN), ("2月", FEB), ("旧", JAN)], hidden=["旧"])
    r = cli("load", "activities", f, "--sheet", "all", "--json", db=unit_db)
    assert r.code == 0, r.err
    assert [x["sheet"] for x in json.loads(r.out)["loaded"]] == ["1月", "2月"]
    assert _count(unit_db, "SELECT sheet FROM loads WHERE kind = 'activities' ORDER BY load_id") == [("1月",), ("2月",)]


# ---------------------------------------------------------------- 4. dates


def test_dates_before_2000_and_a_file_date_far_away_are_refused(unit_db, cli, tmp_path):
    f = _acts(tmp_path / "a.csv", [["1900-03-06", "检验队", "献血宣传", P[0]["name"], "2"],
                                   ["2026-03-06", "检验队", "义诊", P[0]["name"], "2"]])
    before = db_fingerprint(unit_db)
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 1
    (p,) = [p for p in json.loads(r.out) if p["level"] == "error"]
    assert p["row"] == 2 and "早于 2000-01-01" in p["message"]
    for day in ("1900-01-01", "2099-01-01"):
        r = cli("load", "roster", write_csv(tmp_path / "r.csv", [["姓名"], ["新同志"]]), "--as-of", day, "--json",
                db=unit_db)
        assert r.code == 1 and "年份是否写错" in json.loads(r.out)[0]["message"], r.out
    r = cli("load", "teams", write_csv(tmp_path / "t.csv", [["服务队名称", "成立日期"], ["新队", "2099-07-01"]]),
            "--json", db=unit_db)
    assert r.code == 1 and "日期在将来" in r.out
    assert db_fingerprint(unit_db) == before


def test_the_earliest_date_is_a_rule(unit_db, cli, tmp_path):
    rules = tmp_path / "规则.toml"
    rules.write_text("earliest_date = 1899-01-01\n", encoding="utf-8")
    f = _acts(tmp_path / "a.csv", [["1900-03-06", "检验队", "献血宣传", P[0]["name"], "2"]])
    assert cli("load", "activities", f, "--rules", rules, "--dry-run", db=unit_db).code == 0


def test_an_activity_before_its_team_was_founded_is_warned(unit_db, cli, tmp_path):
    t = write_csv(tmp_path / "t.csv", [["服务队名称", "简称", "成立日期"], ["新建服务队", "新队", "2026-05-01"]])
    assert cli("load", "teams", t, db=unit_db).code == 0
    r = cli("load", "activities", _acts(tmp_path / "a.csv", [["2026-03-06", "新队", "献血宣传", P[0]["name"], "2"]]),
            "--json", db=unit_db)
    assert r.code == 0
    assert any("早于服务队“新建服务队”的成立日期 2026-05-01" in w["message"] for w in json.loads(r.out)["warnings"])


# ---------------------------------------------------------------- 5. who is who on the roster


def _roster(tmp_path, name, rows, head=("姓名", "联系方式", "身份证号码")):
    return write_csv(tmp_path / name, [list(head), *rows])


def test_a_known_name_with_a_new_identifier_updates_that_volunteer(unit_db, cli, tmp_path):
    assert cli("load", "roster", _roster(tmp_path, "a.csv", [["吴晓晖", "", ""]]), db=unit_db).code == 0
    r = cli("load", "roster", _roster(tmp_path, "b.csv", [["吴晓晖", "", fake_id(77)]]), "--as-of", "2026-06-01",
            db=unit_db)
    assert r.code == 0 and "新登记志愿者 0" in r.out and "信息变更 1" in r.out, r.out
    assert _count(unit_db, "SELECT count(*) FROM volunteers WHERE name = '吴晓晖'") == [(1,)]
    a = _acts(tmp_path / "act.csv", [["2026-06-05", "检验队", "献血宣传", "吴晓晖", "2"]])
    assert cli("load", "activities", a, db=unit_db).code == 0


def test_a_namesake_with_a_conflicting_identifier_is_refused_naming_both(unit_db, cli, tmp_path):
    """Not a silent second person that later activity rows could not tell apart."""
    p = P[3]
    before = db_fingerprint(unit_db)
    for row in ([p["name"], "13911112222", ""], [p["name"], "", fake_id(91)]):
        r = cli("load", "roster", _roster(tmp_path, "a.csv", [row]), "--json", db=unit_db)
        assert r.code == 1, r.out
        (msg,) = [x["message"] for x in json.loads(r.out)]
        assert f"本单位已有名叫“{p['name']}”的志愿者" in msg and "新的志愿者编号" in msg
        assert ("139****2222" in msg) or ("身份证号码" in msg and "*" in msg)  # both named, masked
    assert db_fingerprint(unit_db) == before
    a = _acts(tmp_path / "act.csv", [["2026-06-05", "检验队", "献血宣传", p["name"], "2"]])
    assert cli("load", "activities", a, db=unit_db).code == 0  # still one person of that name


def test_a_homonym_needs_a_number_of_its_own_and_is_announced(unit_db, cli, tmp_path):
    p = P[3]
    r = cli("load", "roster", _roster(tmp_path, "a.csv", [[p["name"], "13911112222", "", "XZ999"]],
                                      head=("姓名", "联系方式", "身份证号码", "志愿者编号")), "--json", db=unit_db)
    assert r.code == 0, r.out
    warned = [w for w in json.loads(r.out)["warnings"] if "另一位同名志愿者" in w["message"]]
    assert warned and "联系方式" in warned[0]["message"]
    assert _count(unit_db, f"SELECT count(*) FROM volunteers WHERE name = '{p['name']}'") == [(2,)]
    # with two of that name, a row giving neither's identifiers cannot be placed
    before = db_fingerprint(unit_db)
    r = cli("load", "roster", _roster(tmp_path, "b.csv", [[p["name"], "", ""]]), "--json", db=unit_db)
    assert r.code == 1 and "无法确定是哪一位" in json.loads(r.out)[0]["message"]
    assert db_fingerprint(unit_db) == before


# ---------------------------------------------------------------- 6. phones


def test_phones_are_normalised_or_refused_never_half_read(unit_db, cli, tmp_path):
    f = _roster(tmp_path, "p.csv", [["新甲", "139 1234 5678", ""], ["新乙", "139-8765-4321", ""]])
    assert cli("load", "roster", f, db=unit_db).code == 0
    stored = dict(_count(unit_db, "SELECT name, phone FROM volunteer_versions WHERE name LIKE '新%'"))
    assert stored == {"新甲": "13912345678", "新乙": "13987654321"}
    before = db_fingerprint(unit_db)
    bad = _roster(tmp_path, "bad.csv", [["新丙", "139l2345678", ""], ["新丁", fake_id(5), ""]])
    r = cli("load", "roster", bad, "--json", db=unit_db)
    assert r.code == 1
    assert {(p["row"], p["column"]) for p in json.loads(r.out)} == {(2, "联系方式"), (3, "联系方式")}
    assert db_fingerprint(unit_db) == before


# ---------------------------------------------------------------- 7. several files


def test_the_summary_says_file_by_file_what_was_written(unit_db, cli, tmp_path):
    ok = _acts(tmp_path / "ok.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"]])
    r = cli("load", "activities", ok, tmp_path / "missing.csv", db=unit_db)
    assert r.code == 1
    assert "数据库未做任何改动" not in r.err
    assert "missing.csv" in r.err and "已导入：ok.csv" in r.err
    assert _titles(unit_db) == ["献血宣传"]


# ---------------------------------------------------------------- 8. personal numbers in messages


def test_problem_tables_and_json_never_show_a_full_id_or_mobile(unit_db, cli, tmp_path):
    good = fake_id(9)
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    f = _roster(tmp_path, "r.csv", [["新甲", "13912345678", wrong_check], ["新乙", "", good[:17]],
                                     ["新丙", "1391234567", ""]])
    a = _acts(tmp_path / "a.csv", [["2026-03-05", "检验队", "献血宣传", "13912345678", "2"]])
    for args in (("roster", f), ("roster", f, "--json"), ("activities", a), ("activities", a, "--json")):
        r = cli("load", *args, db=unit_db)
        assert r.code == 1
        shown = r.out + r.err
        for number in (wrong_check, good[:17], "13912345678", "1391234567"):
            assert number not in shown, (args, number)
        assert not LONG_DIGITS.search(shown) and not MOBILE.search(shown)
    assert "139****5678" in shown  # masked the way reports mask


def test_a_huge_cell_is_cut_in_the_problem_table(unit_db, cli, tmp_path):
    huge = "很长的内容" * 200_000  # a 1 MB cell
    f = _acts(tmp_path / "a.csv", [["2026-03-05", "检验队", "献血宣传", huge, "2"]])
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 1
    problems = json.loads(r.out)
    assert any("超过 40 个字" in p["message"] for p in problems)  # not a name
    assert all(len(p["value"]) < 100 and "共 1000000 字" in p["value"] for p in problems)
    assert len(r.out) < 3000


# ---------------------------------------------------------------- hours and unreadable files


def test_hours_typos_are_refused_and_float_noise_is_not_over_24(unit_db, cli, tmp_path):
    f = _acts(tmp_path / "a.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "1e1"],
                                   ["2026-03-06", "检验队", "义诊", P[0]["name"], "12345678901234567890"],
                                   ["2026-03-07", "检验队", "值守", P[1]["name"], "24.0000001"]])
    before = db_fingerprint(unit_db)
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 1, r.err  # refused, not an internal error
    assert sorted(p["row"] for p in json.loads(r.out)) == [2, 3]
    assert db_fingerprint(unit_db) == before
    ok = _acts(tmp_path / "b.csv", [["2026-03-07", "检验队", "值守", P[1]["name"], "24.0000001"]])
    assert cli("load", "activities", ok, db=unit_db).code == 0
    assert _count(unit_db, "SELECT hours FROM participations") == [(24.0,)]


@pytest.mark.parametrize("name, data", [("坏.xlsx", b"PK\x03\x04 this is not a workbook" * 50),
                                        ("坏.xls", b"\xd0\xcf\x11\xe0 garbage" * 100),
                                        ("坏.csv", b'"unclosed,quote\n' + b"\xff\xfe" * 40)])
def test_an_unreadable_file_gets_a_chinese_message(unit_db, cli, tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    r = cli("load", "activities", tmp_path / name, "--json", db=unit_db)
    assert r.code == 1
    (p,) = json.loads(r.out)
    text = p["message"].replace(name, "")
    assert not re.search(r"[A-Za-z]{5,}", text.replace("Excel", "")), text
    assert "另存" in text


def test_text_that_looks_like_terminal_markup_is_printed_as_typed(unit_db, cli, tmp_path):
    f = write_csv(tmp_path / "r.csv", [["单位名称", "姓名"], ["[/red]", "甲"], ["[bold]乙单位", "乙"]])
    r = cli("load", "roster", f, db=unit_db)
    assert r.code == 0, r.err
    assert "[/red]" in r.err  # the new units are named in the warnings, as typed
    for args in (("status",), ("check", "--year", "2026")):
        r = cli(*args, db=unit_db)
        assert r.code in (0, 1) and "内部错误" not in r.err, r.err
        assert "[bold]乙单位" in r.out


def test_a_day_over_24_hours_is_found_however_it_is_spread(unit_db, cli, tmp_path):
    """A busy day's rows may add up past 24 hours without anyone's day doing so; a person's day is
    over whether the hours are in one file, across a row listing them twice, or added to a load
    made earlier (the check looks closely only where a day's rows could pass 24 hours)."""
    busy = _acts(tmp_path / "busy.csv", [["2026-03-05", "检验队", f"活动{i}", P[i % 2]["name"], "6"] for i in range(6)])
    assert cli("load", "activities", busy, db=unit_db).code == 0  # 36 hours of rows, 18 a person
    assert cli("load", "activities", _acts(tmp_path / "ok.csv", [
        ["2026-03-06", "检验队", f"活动{i}", P[i % 3]["name"], "8"] for i in range(9)]), db=unit_db).code == 0
    later = _acts(tmp_path / "later.csv", [["2026-03-06", "业务队", "夜间值守", P[0]["name"], "1"]])
    before = db_fingerprint(unit_db)
    r = cli("load", "activities", later, "--json", db=unit_db)
    assert r.code == 1
    assert "此人当天累计服务 25 小时" in r.out
    twice = _acts(tmp_path / "twice.csv", [["2026-03-07", "检验队", "值守", f"{P[0]['name']}、{P[0]['name']}", "13"]])
    r = cli("load", "activities", twice, "--json", db=unit_db)
    assert "此人当天累计服务 26 小时" in r.out and "同一活动的同一参加人员在这一行中重复出现" in r.out
    assert db_fingerprint(unit_db) == before


def test_rows_of_one_activity_make_one_activity_as_its_first_row_says(unit_db, cli, tmp_path):
    """Rows agreeing on date, team and title are one activity, wherever they are in the file: it
    takes its other columns and its row from the first of them, each person keeps their row's
    hours, and activities are numbered as they first appear."""
    f = write_csv(tmp_path / "a.csv", [
        [*HEAD, "服务主题"],
        ["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2", "关爱老幼弱残"],
        ["2026-03-06", "检验队", "义诊", P[2]["name"], "3", "卫生健康"],
        ["2026-03-05", "检验队", "献血宣传", P[1]["name"], "1.5", "其他主题"],
    ])
    assert cli("load", "activities", f, db=unit_db).code == 0
    got = _count(unit_db, """
        SELECT a.title, a.theme, a.src_row, list(p.hours ORDER BY p.src_row), list(p.src_row ORDER BY p.src_row)
        FROM activities a JOIN participations p USING (aid) GROUP BY ALL ORDER BY min(a.aid)""")
    assert got == [("献血宣传", "关爱老幼弱残", 2, [2.0, 1.5], [2, 4]), ("义诊", "卫生健康", 3, [3.0], [3])]


def test_a_repeat_names_the_earlier_row_whatever_order_the_rows_come_in():
    """Kinds hand `duplicate_rows` frames built by joins: the later row is the repeat, in any order."""
    import polars as pl

    from tracker.ingest.common import duplicate_rows

    for rows in ([5, 10, 10], [10, 10, 5]):
        d = pl.DataFrame({"__row": rows, "k": [1, 1, 2] if rows[0] == 5 else [1, 2, 1]})
        found = duplicate_rows(d, ["k"], "姓名", None, "同一人")
        assert found.select("row", "message").rows() == [(10, "同一人与本文件第5行重复")]

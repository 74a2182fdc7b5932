"""Files as people write them (docs/ledgers.md): each class of layout a reader understands loads with
the hours that reader would count, in several spellings; what is truly ambiguous is refused naming
what is missing, and changes nothing."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from conftest import UNIT, db_fingerprint, people, write_csv, write_xlsx

from tracker import api

P = people()
A, B, C = P[0]["name"], P[1]["name"], P[2]["name"]  # of 检验队
SPACED = next(p["name"] for p in P if len(p["name"]) == 2)  # a two-character name, written "钱　红"


def _q(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _load(db, kind, path, **kw):
    (r,) = api.load(db, kind, [path], today=dt.date(2026, 12, 1), **kw)
    return r


def _hours(db) -> dict[tuple[str, str], float]:
    """(date, name) → hours, as a reader of the sheet would count them."""
    rows = _q(db, "SELECT strftime(a.date, '%Y-%m-%d'), v.name, p.hours FROM participations p "
                  "JOIN activities a USING (aid) JOIN volunteers v USING (vid)")
    return {(d, n): h for d, n, h in rows}


def _loaded(db, kind, path, **kw):
    r = _load(db, kind, path, **kw)
    assert r.status == "loaded", [p.message for p in r.problems if p.level == "error"]
    return r


def _refused(db, kind, path, says: str, **kw):
    before = db_fingerprint(db)
    r = _load(db, kind, path, **kw)
    assert r.status == "rejected"
    assert any(says in p.message for p in r.problems), [p.message for p in r.problems]
    assert db_fingerprint(db) == before
    return r


HEAD = ["日期", "服务队", "活动名称", "参加人员", "服务时长"]

# ---------------------------------------------------------------- 1. dates without a year


@pytest.mark.parametrize("day", ["3月5日", "3.5", "3-5", "3月5日下午", "3月5号", "３月５日"])
def test_a_date_without_a_year_takes_the_titles(unit_db, tmp_path, day):
    f = write_xlsx(tmp_path / "a.xlsx", [["2026年3月党员志愿者队伍活动情况登记簿"], [f"单位名称：{UNIT}"], HEAD,
                                         [day, "检验队", "义诊", f"{A}、{B}", "2.5"]])
    _loaded(unit_db, "activities", f)
    assert _hours(unit_db) == {("2026-03-05", A): 2.5, ("2026-03-05", B): 2.5}


def test_a_date_without_a_year_takes_the_file_date_line_or_month(unit_db, tmp_path):
    f = write_csv(tmp_path / "a.csv", [[f"填报单位：{UNIT}　　填报时间：2026年4月30日"], HEAD,
                                       ["4月8日", "检验队", "宣传", A, "3"]])
    _loaded(unit_db, "activities", f)
    g = write_csv(tmp_path / "b.csv", [[f"单位名称：{UNIT}"], HEAD, ["5.9", "检验队", "宣传", A, "1.5"]])
    _loaded(unit_db, "activities", g, month="2026-05")
    assert _hours(unit_db) == {("2026-04-08", A): 3.0, ("2026-05-09", A): 1.5}


def test_a_date_with_no_year_anywhere_is_refused_naming_month(unit_db, tmp_path):
    f = write_csv(tmp_path / "a.csv", [[f"单位名称：{UNIT}"], HEAD, ["3月5日", "检验队", "义诊", A, "2"]])
    _refused(unit_db, "activities", f, "--month")


def test_a_date_excel_stored_as_a_number_that_loses_its_day_is_refused(unit_db, tmp_path):
    f = write_xlsx(tmp_path / "a.xlsx", [["2026年7月活动登记簿"], [f"单位名称：{UNIT}"], HEAD,
                                         [7.1, "检验队", "义诊", A, 2]])
    _refused(unit_db, "activities", f, "分不清是哪一天")


# ---------------------------------------------------------------- 2. what the lines above the table say


@pytest.mark.parametrize("lines", [
    ["活动签到表", "活动日期：2026年10月10日　活动地点：东城社区", "服务队：检验队　　活动名称：社区义诊"],
    ["活动日期:2026-10-10 活动地点:东城社区 服务队:检验队 活动名称:社区义诊"],
    ["社区义诊签到表", "服务队：检验队", "活动名称：社区义诊", "日期：2026年10月10日", "地点：东城社区"],
])
def test_a_date_place_team_and_title_written_once_above_apply_to_every_row(unit_db, tmp_path, lines):
    f = write_xlsx(tmp_path / "a.xlsx", [*[[x] for x in lines], ["序号", "姓名", "服务时长"], [1, A, 2], [2, B, 1.5]])
    _loaded(unit_db, "activities", f, unit=UNIT)
    assert _hours(unit_db) == {("2026-10-10", A): 2.0, ("2026-10-10", B): 1.5}
    assert _q(unit_db, "SELECT title, place FROM activities") == [("社区义诊", "东城社区")]


@pytest.mark.parametrize("line", [f"填报单位：{UNIT}　　填报时间：2026-05-31", f"填报单位：{UNIT}  填报时间：2026-05-31",
                                  f"单位名称：{UNIT}填报时间：2026-05-31", f"单位名称（盖章）：{UNIT}　填表日期：2026.5"])
def test_several_label_value_pairs_on_one_line_are_read_apart(unit_db, tmp_path, line):
    f = write_csv(tmp_path / "a.csv", [[line], HEAD, ["2026-05-15", "检验队", "义诊", A, "2"]])
    _loaded(unit_db, "activities", f)
    assert _q(unit_db, "SELECT DISTINCT unit FROM activities") == [(UNIT,)]


def test_the_files_own_cells_win_over_the_line_above(unit_db, tmp_path):
    f = write_csv(tmp_path / "a.csv", [[f"单位名称：{UNIT}　服务队：检验队　活动日期：2026-06-01"],
                                       ["日期", "活动名称", "参加人员", "服务时长", "服务队"],
                                       ["", "义诊", A, "2", ""], ["2026-06-02", "宣传", P[7]["name"], "1", "业务队"]])
    _loaded(unit_db, "activities", f)
    assert sorted(_q(unit_db, "SELECT strftime(date, '%Y-%m-%d'), title FROM activities")) == [
        ("2026-06-01", "义诊"), ("2026-06-02", "宣传")]


# ---------------------------------------------------------------- 3. a header over two rows


def _two_row(merged: bool, hours: bool):
    top = ["活动时间", "活动时间" if not merged else None, "服务队", "活动名称", "参加人员"] + (["服务时长"] if hours else [])
    sub = ["日期", "起止时间", None, None, None] + ([None] if hours else [])
    row = ["2026-03-05", "14:00-16:30", "检验队", "义诊", f"{A}，{B}"] + (["2.5"] if hours else [])
    return [[f"单位名称：{UNIT}"], top, sub, row], ([(1, 0, 1, 1, "活动时间")] if merged else [])


@pytest.mark.parametrize(("merged", "hours"), [(True, True), (True, False), (False, False)])
def test_a_group_header_over_sub_columns(unit_db, tmp_path, merged, hours):
    rows, merges = _two_row(merged, hours)
    _loaded(unit_db, "activities", write_xlsx(tmp_path / "a.xlsx", rows, merges))
    assert _hours(unit_db) == {("2026-03-05", A): 2.5, ("2026-03-05", B): 2.5}


def test_sub_columns_with_the_other_headers_merged_down(unit_db, tmp_path):
    rows = [[f"单位名称：{UNIT}"], ["活动时间", None, "服务队", "活动名称", "参加人员"],
            ["日期", "时间", None, None, None], ["2026-03-05", "8:30至10:30", "检验队", "义诊", A]]
    merges = [(1, 0, 1, 1, "活动时间"), (1, 2, 2, 2, "服务队"), (1, 3, 2, 3, "活动名称"), (1, 4, 2, 4, "参加人员")]
    _loaded(unit_db, "activities", write_xlsx(tmp_path / "a.xlsx", rows, merges))
    assert _hours(unit_db) == {("2026-03-05", A): 2.0}


# ---------------------------------------------------------------- 4. hours from times


@pytest.mark.parametrize(("times", "hours"), [("14:00-16:30", 2.5), ("8:30至10:30", 2.0), ("8:30—10:30", 2.0),
                                              ("14：00－16：30", 2.5), ("9:00~11:45", 2.75), ("8:30 - 11:00", 2.5)])
def test_a_start_end_column_gives_the_hours(unit_db, tmp_path, times, hours):
    f = write_csv(tmp_path / "a.csv", [[f"单位名称：{UNIT}"], ["日期", "起止时间", "服务队", "活动名称", "参加人员"],
                                       ["2026-03-05", times, "检验队", "义诊", A]])
    _loaded(unit_db, "activities", f)
    assert _hours(unit_db) == {("2026-03-05", A): hours}


@pytest.mark.parametrize("cell", ["2026-04-11 10:00-12:00", "2026年4月11日 10:00至12:00", "2026/4/11 10:00 - 12:00"])
def test_a_day_with_its_times_in_one_cell(unit_db, tmp_path, cell):
    f = write_csv(tmp_path / "a.csv", [[f"单位名称：{UNIT}"], ["活动时间", "服务队", "活动名称", "参加人员"],
                                       [cell, "检验队", "义诊", A]])
    _loaded(unit_db, "activities", f)
    assert _hours(unit_db) == {("2026-04-11", A): 2.0}


def test_a_typed_sign_in_sheet_gives_each_persons_own_hours(unit_db, tmp_path):
    """签到/签退 as text and as Excel time cells; the day and team from the line above."""
    import xlsxwriter

    path = tmp_path / "签到表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    clock = wb.add_format({"num_format": "hh:mm"})
    ws.write_row(0, 0, ["社区义诊签到表"])
    ws.write_row(1, 0, [f"单位名称：{UNIT}　服务队：检验队　活动名称：社区义诊　活动日期：2026年5月15日"])
    ws.write_row(2, 0, ["序号", "姓名", "签到时间", "签退时间"])
    ws.write_row(3, 0, [1, A])
    ws.write_datetime(3, 2, dt.datetime(1899, 12, 31, 8, 30), clock)
    ws.write_datetime(3, 3, dt.datetime(1899, 12, 31, 11, 0), clock)
    ws.write_row(4, 0, [2, B, "9:00", "11:00"])
    ws.write_row(5, 0, [3, C, "09:15", "10:45"])
    wb.close()
    _loaded(unit_db, "activities", path)
    assert _hours(unit_db) == {("2026-05-15", A): 2.5, ("2026-05-15", B): 2.0, ("2026-05-15", C): 1.5}
    assert _q(unit_db, "SELECT count(*) FROM activities") == [(1,)]


def test_start_and_end_columns_beside_the_date(unit_db, tmp_path):
    f = write_csv(tmp_path / "a.csv", [[f"单位名称：{UNIT}"], ["日期", "开始时间", "结束时间", "服务队", "活动名称", "姓名"],
                                       ["2026-03-05", "14:00", "16:30", "检验队", "义诊", A],
                                       ["2026-03-05", "14:30", "16:30", "检验队", "义诊", B]])
    _loaded(unit_db, "activities", f)
    assert _hours(unit_db) == {("2026-03-05", A): 2.5, ("2026-03-05", B): 2.0}


def test_times_that_do_not_make_a_span_are_refused(unit_db, tmp_path):
    f = write_csv(tmp_path / "a.csv", [[f"单位名称：{UNIT}"], ["日期", "起止时间", "服务队", "活动名称", "参加人员"],
                                       ["2026-03-05", "下午", "检验队", "义诊", A]])
    _refused(unit_db, "activities", f, "缺少必填列：服务时长")  # no times to count: the hours are missing


# ---------------------------------------------------------------- 5. the platforms' status words


@pytest.mark.parametrize(("word", "status"), [("已完成", "已办结"), ("服务中", "办理中"), ("审核中", "待办理"),
                                              ("已拒绝", "无法办理"), ("已认领", "办理中"), ("未办结", "办理中"),
                                              ("待接单", "待办理"), ("已撤销", "无法办理")])
def test_a_platforms_status_words_are_the_four_statuses(unit_db, tmp_path, word, status):
    closed = "2026-03-09" if status == "已办结" else ""
    f = write_csv(tmp_path / "d.csv", [[f"单位名称：{UNIT}"], ["需求编号", "登记日期", "需求内容", "执行团队", "状态", "办结日期"],
                                       ["XQ-1", "2026-03-02", "上门测血压", "检验队", word, closed]])
    _loaded(unit_db, "demands", f)
    assert _q(unit_db, "SELECT status, team FROM demands") == [(status, "血站党员志愿服务队1队（检验队）")]


def test_a_units_own_status_word_in_the_headers_file(unit_db, tmp_path):
    f = write_csv(tmp_path / "d.csv", [[f"单位名称：{UNIT}"], ["需求编号", "登记日期", "需求内容", "状态"],
                                       ["XQ-1", "2026-03-02", "上门测血压", "待回访"]])
    _refused(unit_db, "demands", f, "[demands.values]")
    words = tmp_path / "表头.toml"
    words.write_text('[demands.values]\n"状态" = { "待回访" = "办理中" }\n', encoding="utf-8")
    _loaded(unit_db, "demands", f, columns=words)
    assert _q(unit_db, "SELECT status FROM demands") == [("办理中",)]
    words.write_text('[demands.values]\n"状态" = { "待回访" = "回访中" }\n', encoding="utf-8")
    with pytest.raises(api.TrackerError, match="不是可选值"):
        api.headers_file(words)


# ---------------------------------------------------------------- 6. a pairing visit by several volunteers


@pytest.mark.parametrize("who", [f"{A} {B}", f"{A}、{B}", f"{A}，{B}", f"{A}/{B}"])
def test_a_pairing_row_naming_several_volunteers_is_a_visit_by_each(unit_db, tmp_path, who):
    f = write_csv(tmp_path / "p.csv", [[f"单位名称：{UNIT}"], ["日期", "志愿者", "帮扶对象", "服务时长"],
                                       ["2026-03-08", who, "赵奶奶", "1.5"]])
    _loaded(unit_db, "pairings", f)
    got = _q(unit_db, "SELECT v.name, p.hours FROM pairing_visits p JOIN volunteers v USING (vid) ORDER BY 1")
    assert sorted(got) == sorted([(A, 1.5), (B, 1.5)])


def test_a_name_spaced_out_is_one_volunteer(unit_db, tmp_path):
    spaced = SPACED[0] + "　" + SPACED[1]
    f = write_csv(tmp_path / "p.csv", [[f"单位名称：{UNIT}"], ["日期", "志愿者", "帮扶对象", "服务时长"],
                                       ["2026-03-08", spaced, "赵奶奶", "1"]])
    _loaded(unit_db, "pairings", f)
    assert _q(unit_db, "SELECT v.name FROM pairing_visits p JOIN volunteers v USING (vid)") == [(SPACED,)]

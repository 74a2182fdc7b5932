"""How the ledgers were kept (docs/rules.md, 补录登记 and 单日时长): records entered long after the
activity, a person's day of more hours than a day holds, two activities at the same time — each a
finding naming the files and rows, found after real loads."""

from __future__ import annotations

import json

from conftest import UNIT, people, write_csv, write_xlsx

from tracker import api

P = people()
HEAD = ["日期", "服务队", "活动名称", "参加人员", "服务时长"]


def _findings(db, rule: str, year: int = 2026) -> list:
    return [f for f in api.check(db, year=year, as_of="2026-09-30").findings if f.rule == rule]


def test_a_register_typed_months_later_lists_its_late_rows(unit_db, tmp_path):
    name = P[0]["name"]
    f = write_csv(tmp_path / "上半年补登.csv", [HEAD, ["2026-02-03", "检验队", "春节慰问", name, "2"],
                                               ["2026-06-20", "检验队", "端午宣传", name, "2"],
                                               ["2026-09-10", "检验队", "九月宣传", name, "2"]])
    (r,) = api.load(unit_db, "activities", [f], as_of="2026-09-30")
    assert r.status == "loaded", r.problems
    (late,) = [x for x in _findings(unit_db, "late_entry") if x.level == "warn"]
    assert "上半年补登.csv" in late.message and "第2行" in late.message and "第3行" in late.message
    assert "第4行" not in late.message  # 20 days: in time
    assert late.figures["rows"] == 2


def test_a_monthly_register_loaded_with_its_month_is_in_time(unit_db, tmp_path):
    f = write_csv(tmp_path / "2026-03.csv", [HEAD, ["2026-03-02", "检验队", "三月宣传", P[0]["name"], "2"]])
    assert api.load(unit_db, "activities", [f], month="2026-03")[0].status == "loaded"
    assert [x.level for x in _findings(unit_db, "late_entry")] == ["pass"]


def test_more_hours_in_a_day_than_the_rule_allows_names_both_files(unit_db, tmp_path, cli):
    name = P[1]["name"]
    a = write_csv(tmp_path / "检验队.csv", [HEAD, ["2026-05-09", "检验队", "上午献血宣传", name, "6"]])
    b = write_xlsx(tmp_path / "业务队.xlsx", [HEAD, ["2026-05-09", "业务队", "下午义诊", name, "5.5小时"]])
    for f in (a, b):
        assert api.load(unit_db, "activities", [f])[0].status == "loaded"
    (day,) = [x for x in _findings(unit_db, "daily_hours") if x.level == "warn"]
    assert day.volunteer == name and "11.5" in day.message and "2026-05-09" in day.message
    assert "检验队.csv 第2行" in day.message and "业务队.xlsx 第2行" in day.message
    out = json.loads(cli("check", "--year", "2026", "--as-of", "2026-09-30", "--json", db=unit_db).out)
    assert any(x["rule"] == "daily_hours" and x["level"] == "warn" for x in out)


def test_two_activities_at_the_same_time_are_found_where_the_files_give_times(unit_db, tmp_path):
    name = P[2]["name"]
    f = write_csv(tmp_path / "签到.csv", [
        ["活动时间", "服务队", "活动名称", "参加人员"],
        ["2026-04-11 09:00 至 2026-04-11 11:30", "检验队", "社区献血宣传", name],
        ["2026-04-11 10:00 至 12:00", "宣传队", "校园宣讲", name],  # overlaps the first by 1.5 h
        ["2026-04-11 14:00 至 2026-04-11 16:00", "宣传队", "下午宣讲", name],  # after both
    ])
    (r,) = api.load(unit_db, "activities", [f])
    assert r.status == "loaded", r.problems
    (x,) = [f for f in _findings(unit_db, "daily_hours") if f.level == "warn"]
    assert "时间重叠" in x.message and "09:00—11:30" in x.message and "10:00—12:00" in x.message
    assert "签到.csv 第2行" in x.message and "签到.csv 第3行" in x.message and "下午宣讲" not in x.message
    assert UNIT == x.unit

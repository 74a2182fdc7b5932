"""People are matched safely (docs/ledgers.md): number, name, or name(last four of phone)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
from conftest import people, write_csv

from tracker.store import queries

P = people()


def _roster_twins(tmp_path, db, cli):
    f = write_csv(tmp_path / "twins.csv", [
        ["单位名称", "志愿者编号", "姓名", "联系方式", "所属服务队"],
        ["示例市中心血站", "V9001", "王丽", "13900004321", "检验队"],
        ["示例市中心血站", "V9002", "王丽", "0511-84410000、13900008765", "业务队"],
    ])
    r = cli("load", "roster", f, db=db)
    assert r.code == 0, r.err


def test_shared_name_is_an_error_naming_both(unit_db, cli, tmp_path):
    _roster_twins(tmp_path, unit_db, cli)
    f = write_csv(tmp_path / "a.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                       ["2026-03-05", "检验队", "献血宣传", "王丽", "2"]])
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 1
    (p,) = json.loads(r.out)
    assert "2 位同名志愿者" in p["message"]
    assert "编号 V9001" in p["message"] and "编号 V9002" in p["message"]


def test_name_with_last_four_digits_and_number_load(unit_db, cli, tmp_path):
    _roster_twins(tmp_path, unit_db, cli)
    f = write_csv(tmp_path / "a.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                       ["2026-03-05", "检验队", "献血宣传", "王丽(4321)、王丽（8765）", "2"],
                                       ["2026-03-06", "检验队", "义诊", "V9002", "1"]])
    r = cli("load", "activities", f, db=unit_db)
    assert r.code == 0, r.err
    con = duckdb.connect(str(unit_db), read_only=True)
    parts = queries.participations(con, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    roster = queries.roster_as_of(con, dt.date(2026, 12, 31))
    con.close()
    by_vid = dict(zip(roster["vid"], roster["number"], strict=True))
    got = sorted((by_vid[v], h) for v, h in zip(parts["vid"], parts["hours"], strict=True))
    assert got == [("V9001", 2.0), ("V9002", 1.0), ("V9002", 2.0)]


def test_wrong_last_four_is_explained(unit_db, cli, tmp_path):
    _roster_twins(tmp_path, unit_db, cli)
    f = write_csv(tmp_path / "a.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                       ["2026-03-05", "检验队", "献血宣传", "王丽(1111)", "2"]])
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 1 and "手机号后四位没有 1111" in json.loads(r.out)[0]["message"]


def test_unknown_name_suggests_close_names(unit_db, cli, tmp_path):
    wrong = P[0]["name"][0] + "小" + P[0]["name"][2:]  # one character off
    f = write_csv(tmp_path / "a.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                       ["2026-03-05", "检验队", "献血宣传", wrong, "2"]])
    r = cli("load", "activities", f, "--json", db=unit_db)
    (p,) = json.loads(r.out)
    assert p["value"] == wrong and P[0]["name"] in p["message"]


def test_volunteer_serving_another_team_keeps_one_record(unit_db, cli, tmp_path):
    outsider = P[14]  # 宣传队
    f = write_csv(tmp_path / "a.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                       ["2026-03-05", "检验队", "献血宣传", outsider["name"], "2"]])
    assert cli("load", "activities", f, db=unit_db).code == 0
    con = duckdb.connect(str(unit_db), read_only=True)
    a = queries.activities(con, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    con.close()
    assert a["team"].to_list() == ["血站党员志愿服务队1队（检验队）"] and a["participants"].to_list() == [1]

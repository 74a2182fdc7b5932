"""Roster history: changes take effect from the file's date; nobody is deleted (docs/data-model.md)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
from conftest import people, write_csv

from tracker.store import queries

P = people()


def _roster(db, day):
    con = duckdb.connect(str(db), read_only=True)
    r = queries.roster_as_of(con, dt.date.fromisoformat(day))
    con.close()
    return r


def test_team_move_and_withdrawal_take_effect_from_the_file_date(unit_db, cli, tmp_path):
    mover, leaver = P[1], P[2]
    f = write_csv(tmp_path / "mid.csv", [
        ["姓名", "联系方式", "所属服务队", "状态", "退出日期"],
        [mover["name"], mover["phone"], "宣传队", "", ""],
        [leaver["name"], leaver["phone"], "", "退出", "2026-06-20"],
    ])
    r = cli("load", "roster", f, "--as-of", "2026-07-01", db=unit_db)
    assert r.code == 0, r.err
    assert "信息变更 2" in r.out

    before, after = _roster(unit_db, "2026-03-31"), _roster(unit_db, "2026-09-30")
    row = lambda df, p: df.filter(pl.col("name") == p["name"]).row(0, named=True)  # noqa: E731
    assert row(before, mover)["team"].endswith("（检验队）")
    assert row(after, mover)["team"].endswith("（宣传队）")
    assert row(before, leaver)["active"] is True
    assert row(after, leaver)["active"] is False and row(after, leaver)["left"] == dt.date(2026, 6, 20)
    assert after.height == 26  # nobody is deleted: the leaver is still on file
    assert after["active"].sum() == 25


def test_hours_of_a_withdrawn_volunteer_stay_in_totals(unit_db, cli, tmp_path):
    leaver = P[2]
    a = write_csv(tmp_path / "a.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                       ["2026-03-05", "检验队", "献血宣传", leaver["name"], "4"]])
    assert cli("load", "activities", a, db=unit_db).code == 0
    f = write_csv(tmp_path / "leave.csv", [["姓名", "联系方式", "状态", "退出日期"],
                                           [leaver["name"], leaver["phone"], "退出", "2026-06-20"]])
    assert cli("load", "roster", f, "--as-of", "2026-07-01", db=unit_db).code == 0
    import json

    s = json.loads(cli("status", "--json", db=unit_db).out)[0]
    assert s["service_hours"] == 4 and s["volunteers"] == 25


def test_new_volunteer_registration_date_is_row_date_else_file_date(unit_db, cli, tmp_path):
    f = write_csv(tmp_path / "new.csv", [["姓名", "联系方式", "所属服务队", "登记日期"],
                                         ["新人甲", "13911112222", "检验队", "2026-05-12"],
                                         ["新人乙", "13911113333", "检验队", ""]])
    assert cli("load", "roster", f, "--as-of", "2026-06-01", db=unit_db).code == 0
    r = _roster(unit_db, "2026-12-31").filter(pl.col("name").str.starts_with("新人"))
    got = dict(zip(r["name"], r["registered"], strict=True))
    assert got == {"新人甲": dt.date(2026, 5, 12), "新人乙": dt.date(2026, 6, 1)}
    assert _roster(unit_db, "2026-05-31").filter(pl.col("name") == "新人甲")["active"].to_list() == [True]
    assert _roster(unit_db, "2026-05-31").filter(pl.col("name") == "新人乙").height == 0


def test_status_service_hours_count_pairing_visits_not_training(unit_db, cli, tmp_path):
    import json

    p = P[0]
    a = write_csv(tmp_path / "a.csv", [["日期", "服务队", "活动名称", "活动类型", "参加人员", "服务时长"],
                                       ["2026-03-05", "检验队", "献血宣传", "志愿服务", p["name"], "2"],
                                       ["2026-03-06", "检验队", "业务培训", "培训", p["name"], "3"]])
    v = write_csv(tmp_path / "v.csv", [["日期", "志愿者", "帮扶对象", "服务时长"],
                                       ["2026-03-08", p["name"], "赵奶奶", "1.5"]])
    assert cli("load", "activities", a, db=unit_db).code == 0
    assert cli("load", "pairings", v, db=unit_db).code == 0
    s = json.loads(cli("status", "--json", "--year", "2026", db=unit_db).out)[0]
    assert s["service_hours"] == 3.5 and s["pairing_visits"] == 1 and s["activities"] == 2

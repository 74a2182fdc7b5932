"""Loading twice changes nothing; overlaps are duplicates; --replace swaps months (docs/ledgers.md)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl
from conftest import db_fingerprint, people, write_csv

from tracker.store import queries

P = people()


def _acts(tmp_path, name, rows):
    return write_csv(tmp_path / name, [["日期", "服务队", "活动名称", "参加人员", "服务时长"], *rows])


def _hours(db, start="2026-01-01", end="2026-12-31"):
    con = duckdb.connect(str(db), read_only=True)
    p = queries.participations(con, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    con.close()
    return p


def test_same_file_twice_changes_nothing_and_says_so(unit_db, cli, tmp_path):
    f = _acts(tmp_path, "m3.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"]])
    assert cli("load", "activities", f, db=unit_db).code == 0
    before = db_fingerprint(unit_db)
    r = cli("load", "activities", f, db=unit_db)
    assert r.code == 0 and "已导入过" in r.out
    assert db_fingerprint(unit_db) == before


def test_registers_reloaded_with_a_new_date_change_nothing(unit_db, cli, forms):
    before = _roster_versions(unit_db)
    r = cli("load", "roster", forms["roster"], "--as-of", "2026-05-01", "--replace", db=unit_db)
    assert r.code == 0 and "信息变更 0" in r.out
    assert _roster_versions(unit_db) == before


def _roster_versions(db):
    con = duckdb.connect(str(db), read_only=True)
    n = con.execute("SELECT count(*) FROM volunteer_versions").fetchall()[0][0]
    con.close()
    return n


def test_overlap_is_a_duplicate_naming_the_original(unit_db, cli, tmp_path):
    a = _acts(tmp_path, "三月.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"],
                                    ["2026-03-09", "检验队", "义诊", P[1]["name"], "2"]])
    assert cli("load", "activities", a, db=unit_db).code == 0
    b = _acts(tmp_path, "三月-更正.csv", [["2026-03-09", "检验队", "义诊", P[1]["name"], "3"]])
    before = db_fingerprint(unit_db)
    r = cli("load", "activities", b, "--json", db=unit_db)
    assert r.code == 1
    (p,) = json.loads(r.out)
    assert p["row"] == 2 and "三月.csv 第3行" in p["message"] and "--replace" in p["message"]
    assert db_fingerprint(unit_db) == before


def test_replace_swaps_the_months_the_file_covers(unit_db, cli, tmp_path):
    a = _acts(tmp_path, "a.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"],
                                  ["2026-03-09", "检验队", "义诊", P[1]["name"], "2"],
                                  ["2026-04-02", "业务队", "河道清理", P[7]["name"], "2"]])
    assert cli("load", "activities", a, db=unit_db).code == 0
    b = _acts(tmp_path, "b.csv", [["2026-03-09", "检验队", "义诊", P[1]["name"], "3"]])
    r = cli("load", "activities", b, "--replace", "--yes", db=unit_db)
    assert r.code == 0, r.err
    p = _hours(unit_db)
    march = p.filter(p["date"] < dt.date(2026, 4, 1))
    assert march.height == 1 and march["hours"].to_list() == [3.0]  # March is the file's
    assert p.filter(p["date"] >= dt.date(2026, 4, 1)).height == 1  # April untouched


def test_dry_run_writes_nothing(unit_db, cli, tmp_path):
    f = _acts(tmp_path, "m.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"]])
    before = db_fingerprint(unit_db)
    r = cli("load", "activities", f, "--dry-run", db=unit_db)
    assert r.code == 0 and "检查通过" in r.out
    assert db_fingerprint(unit_db) == before
    assert cli("load", "activities", f, db=unit_db).code == 0  # and it was not marked as loaded


def test_rows_of_one_activity_merge_and_count_once(unit_db, cli, tmp_path):
    f = _acts(tmp_path, "m.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"],
                                  ["2026-03-05", "检验队", "献血宣传", P[1]["name"], "3"]])
    assert cli("load", "activities", f, db=unit_db).code == 0
    p = _hours(unit_db)
    assert p["aid"].n_unique() == 1 and sorted(p["hours"].to_list()) == [2.0, 3.0]


def test_participants_of_a_stored_activity_join_it_from_a_later_file(unit_db, cli, tmp_path):
    """A platform export sent in two parts: the second file's people join the activity already stored."""
    first = _acts(tmp_path, "上半.csv", [["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"],
                                        ["2026-03-09", "检验队", "义诊", P[1]["name"], "2"]])
    assert cli("load", "activities", first, db=unit_db).code == 0
    # the new activity first: the stored one's id is not simply the next in the file's order
    second = _acts(tmp_path, "下半.csv", [["2026-03-20", "检验队", "走访", P[3]["name"], "1"],
                                         ["2026-03-05", "检验队", "献血宣传", P[2]["name"], "3"]])
    assert cli("load", "activities", second, db=unit_db).code == 0
    p = _hours(unit_db)
    assert p.height == 4 and p["aid"].n_unique() == 3
    shared = p.filter(p["hours"].is_in([2.0, 3.0])).group_by("aid").len().filter(pl.col("len") == 2)
    assert shared.height == 1  # 献血宣传: one activity, two participants from two files


def test_demands_update_by_id_and_keep_status_history(unit_db, cli, tmp_path):
    head = ["需求编号", "登记日期", "需求内容", "状态", "办结日期"]
    a = write_csv(tmp_path / "d1.csv", [head, ["XQ-1", "2026-03-01", "上门测血压", "待办理", ""]])
    b = write_csv(tmp_path / "d2.csv", [head, ["XQ-1", "2026-03-01", "上门测血压", "已办结", "2026-03-09"]])
    assert cli("load", "demands", a, "--as-of", "2026-03-02", db=unit_db).code == 0
    assert cli("load", "demands", b, "--as-of", "2026-03-10", db=unit_db).code == 0
    con = duckdb.connect(str(unit_db), read_only=True)
    cur = con.execute("SELECT status, closed FROM demands").fetchall()
    hist = con.execute("SELECT status, changed_on FROM demand_history ORDER BY changed_on").fetchall()
    con.close()
    assert cur == [("已办结", dt.date(2026, 3, 9))]
    assert hist == [("待办理", dt.date(2026, 3, 1)), ("已办结", dt.date(2026, 3, 9))]


def test_a_file_covers_every_month_from_its_first_to_its_last_date(unit_db, cli, tmp_path):
    f = write_csv(tmp_path / "d.csv", [["需求编号", "登记日期", "需求内容", "状态"],
                                       ["XQ-1", "2026-01-10", "上门测血压", "待办理"],
                                       ["XQ-2", "2026-04-02", "陪同就医", "待办理"]])
    assert cli("load", "demands", f, db=unit_db).code == 0
    s = json.loads(cli("status", "--json", "--year", "2026", db=unit_db).out)[0]
    assert s["months"]["demands"] == ["2026-01", "2026-02", "2026-03", "2026-04"]

"""The notice's own forms load as they are (docs/ledgers.md), and status shows what came in."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
from conftest import UNIT, people, write_csv, write_xlsx

from tracker.store import queries


def test_init_creates_versioned_schema_and_is_repeatable(db, cli):
    con = duckdb.connect(str(db), read_only=True)
    versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    con.close()
    from tracker.store.migrations import MIGRATIONS, SCHEMA_VERSION

    assert versions == [v for v, *_ in MIGRATIONS]
    again = cli("init", db=db)
    assert again.code == 0 and f"结构版本 {SCHEMA_VERSION}" in again.out


def test_old_database_migrates_forward(tmp_path, cli):
    from tracker.store.migrations import MIGRATIONS

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    con.execute(MIGRATIONS[0][2])
    con.execute("INSERT INTO schema_migrations VALUES (1, 'v1', now())")
    con.close()
    assert cli("status", db=path).code == 0
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0] == MIGRATIONS[-1][0]
    con.close()


def test_missing_database_says_run_init(tmp_path, cli):
    r = cli("status", db=tmp_path / "none.duckdb")
    assert r.code == 1 and "tracker init" in r.err and "Traceback" not in r.err


def test_notice_forms_load_as_they_are(unit_db):
    con = duckdb.connect(str(unit_db), read_only=True)
    unit = queries.units(con)
    assert unit.select("unit", "parent", "party_members", "staff").row(0) == (UNIT, "示例市卫生局", 34, 90)
    teams = queries.teams_as_of(con, dt.date(2026, 6, 30))
    assert teams["unit"].to_list() == [UNIT] * 4  # the merged unit cell applies to all four rows
    assert sorted(teams["declared_members"].to_list()) == [4, 7, 7, 8]
    roster = queries.roster_as_of(con, dt.date(2026, 6, 30))
    con.close()
    assert roster.height == 26 and roster["active"].all()
    by_team = roster.group_by("team").len().sort("len")["len"].to_list()
    assert by_team == [4, 7, 7, 8]
    # " 孙...": a leading space is not part of the name; 入党时间 text "1999.10" is October
    names = set(roster["name"].to_list())
    assert all(not n.startswith(" ") for n in names)
    p = people()[9]
    row = roster.filter(roster["name"] == p["name"]).row(0, named=True)
    assert row["joined_party"] == dt.date(1999, 10, 1)
    assert row["registered"] == dt.date(2026, 1, 1)  # the title line's 填表日期 2026.1


def test_total_row_is_checked_not_loaded(db, forms, cli, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(forms["teams"])
    ws = wb.active
    for row in ws.iter_rows():
        for c in row:
            if c.value == "总计 26人":
                c.value = "总计 27人"
    bad = tmp_path / "附件3-错.xlsx"
    wb.save(bad)
    r = cli("load", "teams", bad, db=db)
    assert r.code == 1
    assert "总计写 27 人" in r.err and "26" in r.err


def test_roster_as_gbk_csv_with_english_headers(db, cli, tmp_path):
    ps = people()[:3]
    rows = [["单位名称：示例市中心血站"], ["name", "gender", "joined_party", "phone", "id_number"]]
    rows += [[p["name"], "女", p["joined"], p["phone"], p["id"]] for p in ps]
    f = write_csv(tmp_path / "roster-gbk.csv", rows, encoding="gbk")
    r = cli("load", "roster", f, db=db)
    assert r.code == 0, r.err
    con = duckdb.connect(str(db), read_only=True)
    names = sorted(queries.roster_as_of(con, dt.date.today())["name"].to_list())
    con.close()
    assert names == sorted(p["name"] for p in ps)


def test_utf8_bom_csv_and_headers_padded_and_broken(db, cli, tmp_path):
    rows = [["党员志愿服务队志愿者花名册"], ["单位名称（盖章）：甲单位　填表日期：2026年1月5日"],
            ["姓　　名", "入党\n时间", "联系方式（办公、手机）"],
            ["王　丽", "2010年10月", "0511-84412345、13900001111"], ["注：示例"]]
    f = tmp_path / "bom.csv"
    write_csv(f, rows, encoding="utf-8-sig")
    assert cli("load", "roster", f, db=db).code == 0
    con = duckdb.connect(str(db), read_only=True)
    r = queries.roster_as_of(con, dt.date.today()).row(0, named=True)
    con.close()
    assert r["name"] == "王丽" and r["unit"] == "甲单位"
    assert r["joined_party"] == dt.date(2010, 10, 1)
    assert r["phone"] == "051184412345、13900001111"
    assert r["registered"] == dt.date(2026, 1, 5)


def test_status_json_lists_units_months_and_loads(unit_db, cli, tmp_path):
    ps = people()
    head = ["日期", "服务队", "活动名称", "参加人员", "服务时长"]
    march = write_csv(tmp_path / "act-3.csv", [
        head, ["2026-03-05", "检验队", "献血宣传", f"{ps[0]['name']}、{ps[1]['name']}", "2"]])
    may = write_csv(tmp_path / "act-5.csv", [head, ["2026-05-05", "业务队", "河道清理", ps[7]["name"], "3小时"]])
    assert cli("load", "activities", march, may, db=unit_db).code == 0
    r = cli("status", "--json", "--year", "2026", db=unit_db)
    assert r.code == 0
    data = json.loads(r.out)
    (u,) = data
    assert u["unit"] == UNIT and u["volunteers"] == 26 and u["teams"] == 4
    assert u["activities"] == 2 and u["participations"] == 3 and u["service_hours"] == 7
    assert u["months"]["activities"] == ["2026-03", "2026-05"]
    assert "2026-04" in u["missing_months"]["activities"]
    kinds = [ld["kind"] for ld in u["loads"]]
    assert kinds == ["units", "teams", "roster", "activities", "activities"]
    assert all(len(ld["hash"]) == 64 and ld["rows"] > 0 and ld["time"] for ld in u["loads"])
    for key in ("demands", "pairing_visits", "service_hours", "participations"):
        assert key in u


def test_units_are_checked_against_teams_and_roster(unit_db, cli, tmp_path):
    f = write_xlsx(tmp_path / "u.xlsx", [["单位名称", "党员人数", "党员志愿服务队数", "党员志愿者人数"],
                                         [UNIT, 34, 5, 20]])
    r = cli("load", "units", f, db=unit_db)
    assert r.code == 0  # a mismatch with the registers is a warning, not a rejection
    assert "已登记的服务队为 4 支" in r.err and "在册 26 人" in r.err

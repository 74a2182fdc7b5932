"""Hours to and from the volunteer platforms (docs/platforms.md): tracker's confirmed hours written in a
platform's import layout, and a platform's file reconciled against them."""

from __future__ import annotations

import json
import shutil

import duckdb
import openpyxl
import pytest
import webtown as town
from report_demo import demo_db
from starlette.testclient import TestClient

from tracker import api
from tracker.web import create_app

UNIT = "示例市中心血站"


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    d = demo_db(tmp_path_factory)
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(d.db, db)
    return db


def _export(cli, db, out, *extra) -> object:
    return cli("export", "hours", "--layout", "generic", "--year", "2025", "--unit", UNIT, "--out", str(out), *extra,
               db=db)


def _rows(path) -> tuple[list[str], list[tuple]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_the_generic_export_adds_up_to_the_units_service_hours_with_phones_as_text(demo, tmp_path, cli):
    out = tmp_path / "p.xlsx"
    r = _export(cli, demo, out, "--unmask")
    assert r.code == 0, r.err
    head, rows = _rows(out)
    assert head == ["姓名", "手机号码", "证件号码", "活动名称", "服务日期", "服务时长（小时）"]
    (unit,) = [s for s in api.status(demo, year=2025) if s.unit == UNIT]
    assert sum(row[5] for row in rows) == pytest.approx(unit.service_hours)
    cells = openpyxl.load_workbook(out).worksheets[0]
    phones = [cells.cell(row=i, column=2) for i in range(2, len(rows) + 2)]
    assert all(c.data_type == "s" and len(c.value) == 11 and c.value.startswith("1") for c in phones)
    ids = [cells.cell(row=i, column=3) for i in range(2, len(rows) + 2) if cells.cell(row=i, column=3).value]
    assert ids and all(c.data_type == "s" and len(c.value) == 18 for c in ids)
    assert "培训" not in {row[3] for row in rows} and not any("例会" in row[3] for row in rows)  # service only


def test_a_layout_with_phones_or_ids_needs_unmask(demo, tmp_path, cli):
    out = tmp_path / "p.xlsx"
    r = _export(cli, demo, out)
    assert r.code == 1 and "--unmask" in r.err and "脱敏" in r.err and not out.exists()


def test_reconcile_names_exactly_the_volunteers_that_differ_with_both_figures(demo, tmp_path, cli):
    out = tmp_path / "p.xlsx"
    assert _export(cli, demo, out, "--unmask").code == 0
    same = cli("reconcile", str(out), "--layout", "generic", "--year", "2025", "--unit", UNIT, db=demo)
    assert same.code == 0 and "一致" in same.out
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    deleted = ws.cell(row=3, column=1).value
    ws.delete_rows(3)
    raised = ws.cell(row=10, column=1).value
    assert raised != deleted
    ws.cell(row=10, column=6).value = ws.cell(row=10, column=6).value + 1
    changed = tmp_path / "平台导出.xlsx"
    wb.save(changed)
    r = cli("reconcile", str(changed), "--layout", "generic", "--year", "2025", "--unit", UNIT, "--json", db=demo)
    assert r.code == 1
    got = json.loads(r.out)
    differ = {v["name"]: v for v in got["volunteers"] if abs(v["difference"]) > 0.005}
    assert set(differ) == {deleted, raised}
    assert differ[raised]["difference"] == pytest.approx(1.0)
    assert differ[deleted]["difference"] < 0
    for v in differ.values():
        assert v["tracker_hours"] > 0 and v["platform_hours"] == pytest.approx(v["tracker_hours"] + v["difference"])
        assert "****" in (v["phone"] or "****")
    assert [x["name"] for x in got["only_tracker"]] == [deleted] and got["only_platform"] == []
    diff = tmp_path / "差异.xlsx"
    table = cli("reconcile", str(changed), "--layout", "generic", "--year", "2025", "--out", str(diff), db=demo)
    assert table.code == 1 and deleted in table.out and raised in table.out
    assert [ws.title for ws in openpyxl.load_workbook(diff).worksheets][:2] == ["按志愿者", "仅在tracker"]


def test_a_file_in_another_layout_or_an_unknown_layout_is_said_plainly(demo, tmp_path, cli):
    out = tmp_path / "p.xlsx"
    assert _export(cli, demo, out, "--unmask").code == 0
    r = cli("reconcile", str(out), "--layout", "beijing", "--year", "2025", db=demo)
    assert r.code == 1 and "找不到这些列" in r.err and "岗位" in r.err and "Traceback" not in r.err
    unknown = cli("export", "hours", "--layout", "zhiyuanhui", "--year", "2025", "--out", str(out), db=demo)
    assert unknown.code == 2 and "generic" in unknown.err and "beijing" in unknown.err
    listed = cli("export", "hours", "--layout", "list", db=demo)
    assert listed.code == 0 and "generic" in listed.out and "shanghai-visits" in listed.out


def test_who_lacks_the_identifier_is_listed_never_dropped(demo, tmp_path, cli):
    con = duckdb.connect(str(demo))
    con.execute("UPDATE volunteer_versions SET phone = '051-84412345' WHERE name = '冯磊'")  # an office number only
    con.close()
    out = tmp_path / "p.xlsx"
    r = _export(cli, demo, out, "--unmask")
    assert r.code == 0 and "无法导出" in r.err
    wb = openpyxl.load_workbook(out)
    lacking = list(wb["无法导出"].iter_rows(values_only=True))
    assert lacking[0] == ("姓名", "单位", "原因", "记录数", "服务时长（小时）")
    assert lacking[1][0] == "冯磊" and "手机号码" in lacking[1][2] and lacking[1][4] > 0
    _, rows = _rows(out)
    (unit,) = [s for s in api.status(demo, year=2025) if s.unit == UNIT]
    assert sum(row[5] for row in rows) + lacking[1][4] == pytest.approx(unit.service_hours)
    csv_out = tmp_path / "p.csv"
    assert _export(cli, demo, csv_out, "--unmask").code == 0
    assert (tmp_path / "p-无法导出.csv").read_text(encoding="utf-8-sig").count("冯磊") == 1
    assert "\n" in csv_out.read_text(encoding="utf-8-sig") and ",1" in csv_out.read_text(encoding="utf-8-sig")


def test_a_layout_of_ones_own_minutes_per_volunteer_with_caps(demo, tmp_path, cli):
    mine = tmp_path / "我们的平台.toml"
    mine.write_text('''title = "某平台：按人汇总，分钟"
key = "number"
rows = "volunteer"
hours_unit = "minutes"
cap_per_row = 40
[columns]
"志愿者编号" = "number"
"姓名" = "name"
"服务分钟" = "hours"
"次数" = "activities"
''', encoding="utf-8")
    out = tmp_path / "m.xlsx"
    r = cli("export", "hours", "--layout", str(mine), "--year", "2025", "--out", str(out), db=demo)
    assert r.code == 0, r.err  # no phone or ID column: no --unmask needed
    head, rows = _rows(out)
    assert head == ["志愿者编号", "姓名", "服务分钟", "次数"]
    minutes = {row[1]: row[2] for row in rows}
    arch = json.loads(cli("volunteer", "陈建华", "--year", "2025", "--json", db=demo).out)
    assert minutes["陈建华"] == round(arch["totals"]["service_hours"] * 60)
    assert "超过平台单行上限 40 小时" in r.err
    bad = tmp_path / "坏.toml"
    bad.write_text('[columns]\n"姓名" = "name"\n"时长" = "hour"\n', encoding="utf-8")
    r = cli("export", "hours", "--layout", str(bad), "--year", "2025", "--out", str(out), db=demo)
    assert r.code == 1 and "“hour”不认识" in r.err


def test_selections_quarter_month_confirmed_and_the_visits_layout(demo, tmp_path, cli):
    year = [s for s in api.status(demo, year=2025) if s.unit == UNIT][0].service_hours
    quarters = []
    for q in (1, 2, 3, 4):
        made = api.export_hours(demo, layout="generic", year=2025, quarter=q, unit=UNIT, out=tmp_path / f"q{q}.xlsx",
                                unmask=True)
        quarters.append(made.hours)
    assert sum(quarters) == pytest.approx(year)
    march = api.export_hours(demo, layout="generic", year=2025, month="2025-03", out=tmp_path / "m.xlsx", unmask=True)
    assert 0 < march.hours < quarters[0]
    api.confirm(demo, unit=UNIT, month="2025-03")
    only = api.export_hours(demo, layout="generic", year=2025, out=tmp_path / "c.xlsx", unmask=True,
                            confirmed_only=True)
    assert only.hours == pytest.approx(march.hours)
    visits = api.export_hours(demo, layout="shanghai-visits", year=2025, out=tmp_path / "v.xlsx", unmask=True)
    head, rows = _rows(tmp_path / "v.xlsx")
    assert head[:2] == ["服务日期", "服务对象名字"] and {row[5] for row in rows} == {"已完成"}
    assert visits.rows == 40 and len(rows) == 40  # the demo's 40 pairing visits
    with pytest.raises(api.TrackerError):
        api.export_hours(demo, layout="generic", year=2025, quarter=1, month="2025-03", out=tmp_path / "x.xlsx",
                         unmask=True)


def test_the_web_exports_and_reconciles_the_accounts_units_only(tmp_path_factory, tmp_path):
    db = town.build(tmp_path_factory.mktemp("town"))
    app = create_app(db, tmp_path / "out", today=lambda: town.TODAY)
    c = TestClient(app)
    page = c.get("/login")
    c.post("/login", data={"login": "yiyuan", "password": town.PASSWORD, "csrf": town.csrf_of(page.text), "next": "/"})
    form = c.get("/platforms")
    assert form.status_code == 200 and town.BLOOD not in form.text
    token = town.csrf_of(form.text)
    r = c.post("/platforms/export", data={"csrf": token, "layout": "generic", "year": "2025", "unmask": "1"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    path = tmp_path / "h.xlsx"
    path.write_bytes(r.content)
    _, rows = _rows(path)
    assert {row[0] for row in rows} == set(town.HOSPITAL_PEOPLE)
    back = c.post("/platforms/reconcile", data={"csrf": token, "layout": "generic", "year": "2025"},
                  files={"file": ("平台.xlsx", path.read_bytes())})
    assert back.status_code == 200 and "一致" in back.text
    other = c.post("/platforms/export", data={"csrf": token, "layout": "generic", "year": "2025", "unmask": "1",
                                              "unit": town.BLOOD})
    assert other.status_code == 404

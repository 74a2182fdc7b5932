"""People's own record (docs/people.md): a volunteer's archive, the public self-query and certificate
check, turning an application down, and accounts for every unit with one-time passwords."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import duckdb
import openpyxl
import pytest
import webtown as town
from appforms import fake_id, person, word_form
from conftest import UNIT, db_fingerprint
from report_demo import demo_db
from starlette.testclient import TestClient

from tracker import api
from tracker.web import create_app
from tracker.web.guard import GuessThrottle


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    d = demo_db(tmp_path_factory)
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(d.db, db)
    return db


def _phone(db, name: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    phone = con.execute("SELECT phone FROM volunteer_versions WHERE name = ? ORDER BY valid_from DESC LIMIT 1",
                        [name]).fetchall()[0][0]
    con.close()
    return re.findall(r"1\d{10}", phone)[-1]


# ---------------------------------------------------------------- the archive


def test_the_archive_lists_exactly_the_participations_of_the_dataset(demo, tmp_path, cli):
    r = cli("volunteer", "陈建华", "--year", "2025", "--json", db=demo)
    assert r.code == 0, r.err
    got = json.loads(r.out)
    assert _phone(demo, "陈建华") not in r.out  # no full phone
    assert cli("export", "dataset", "--out", str(tmp_path / "ds"), "--year", "2025", db=demo).code == 0
    con = duckdb.connect()
    vid = con.execute(f"SELECT vid FROM read_parquet('{tmp_path}/ds/volunteers/*.parquet') WHERE name = '陈建华'"
                      ).fetchall()[0][0]
    n, hours = con.execute(f"""SELECT count(*), sum(hours) FROM read_parquet('{tmp_path}/ds/participations/**/*.parquet',
                              hive_partitioning = true) WHERE vid = ?""", [vid]).fetchall()[0]
    assert len(got["activities"]) == n and sum(a["hours"] for a in got["activities"]) == pytest.approx(hours)
    assert {a["kind"] for a in got["activities"]} >= {"志愿服务", "培训", "例会"}  # every kind
    assert all({"date", "title", "kind", "hours"} <= set(a) for a in got["activities"])
    assert isinstance(got["pairing_visits"], list) and isinstance(got["demands"], list)
    (y,) = got["years"]
    assert y["year"] == 2025 and y["service_hours"] == got["totals"]["service_hours"] and y["star_name"]


def test_a_name_two_people_share_lists_them_and_the_digits_tell_them_apart(demo, cli, tmp_path):
    r = cli("volunteer", "王丽", db=demo)
    assert r.code == 2 and "有 2 位志愿者叫“王丽”" in r.err and "XZ003" in r.err and "电话尾号" in r.err
    last4 = _phone(demo, "王丽")[-4:]
    one = json.loads(cli("volunteer", f"王丽({last4})", "--json", db=demo).out)
    assert one["name"] == "王丽" and one["phone"].endswith(last4) and "****" in one["phone"]
    assert cli("volunteer", "XZ016", "--out", str(tmp_path / "档案.html"), db=demo).code == 0
    page = (tmp_path / "档案.html").read_text(encoding="utf-8")
    assert "志愿者档案：王丽" in page and "参加的活动" in page and "@page" in page
    assert cli("volunteer", "XZ016", "--out", str(tmp_path / "档案.docx"), "--unmask", db=demo).code == 0
    full = json.loads(cli("volunteer", "XZ016", "--json", "--unmask", db=demo).out)
    assert re.search(r"1\d{10}", full["phone"]) and re.fullmatch(r"\d{17}[\dX]", full["id_number"])


def test_the_archive_keeps_the_history_of_the_persons_records(demo, tmp_path, tmp_path_factory, cli):
    ledgers = demo_db(tmp_path_factory).db.parent / "ledgers"
    text = (ledgers / "活动登记簿-2025-03-gbk.csv").read_bytes().decode("gbk")
    fixed = tmp_path / "更正.csv"
    fixed.write_bytes(text.replace("马骏,3.5,杨秀兰", "马骏,5,杨秀兰").encode("gbk"))
    assert cli("load", "activities", fixed, "--month", "2025-03", "--replace", "--yes", db=demo).code == 0
    got = json.loads(cli("volunteer", "马骏", "--json", db=demo).out)
    fix = [c for c in got["changes"] if c["action"] == "replace"]
    assert [(c["old"]["hours"], c["new"]["hours"]) for c in fix] == [(3.5, 5.0)]


# ---------------------------------------------------------------- the web: the archive page, /q, /verify


@pytest.fixture(scope="module")
def built_town(tmp_path_factory):
    return town.build(tmp_path_factory.mktemp("town"))


def _signed_in(app, login: str) -> TestClient:
    c = TestClient(app)
    page = c.get("/login")
    r = c.post("/login", data={"login": login, "password": town.PASSWORD, "csrf": town.csrf_of(page.text), "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303
    return c


def test_the_archive_page_is_the_accounts_units_only(built_town, tmp_path):
    db = town.copy_db(built_town, tmp_path / "db")
    app = create_app(db, tmp_path / "out", today=lambda: town.TODAY)
    blood = _signed_in(app, "xuezhan")
    found = blood.get("/volunteers?q=陈建华").text
    assert 'href="/volunteers/XZ001"' in found
    page = blood.get("/volunteers/XZ001?year=2025")
    assert page.status_code == 200 and "志愿者档案：陈建华" in page.text and "参加的活动" in page.text
    assert _phone(db, "陈建华") not in page.text
    (h,) = [x for x in api.search_volunteers(db, "欧阳", api.LOCAL) if x.name == "欧阳明月"]
    assert blood.get(f"/volunteers/{h.key}").status_code == 404
    assert blood.get("/volunteers/陈建华").status_code == 404  # by its address only
    hospital = _signed_in(app, "yiyuan")
    assert hospital.get("/volunteers/XZ001").status_code == 404
    assert hospital.get(f"/volunteers/{h.key}").status_code == 200


def _q(c: TestClient, name: str, phone: str):
    page = c.get("/q")
    return c.post("/q", data={"csrf": town.csrf_of(page.text), "name": name, "phone": phone})


def test_the_public_query_shows_only_ones_own_hours(built_town, tmp_path):
    db = town.copy_db(built_town, tmp_path / "db")
    api.certificate(db, out=tmp_path / "c.html", volunteer="XZ001", today=town.TODAY)
    c = TestClient(create_app(db, tmp_path / "out", today=lambda: dt.date(2025, 12, 31)))
    assert "/login" not in str(c.get("/q").url)  # no login, though accounts exist
    phone = _phone(db, "陈建华")
    ok = _q(c, "陈建华", phone)
    assert ok.status_code == 200 and "陈建华 的志愿服务" in ok.text and "42.5" in ok.text and "/verify/ZYJL-" in ok.text
    assert phone not in ok.text and "XZ002" not in ok.text
    for wrong in (phone[:-1] + str((int(phone[-1]) + 1) % 10), "13800000000", "not-a-phone"):
        r = _q(c, "陈建华", wrong)
        assert r.status_code == 400 and "未查到" in r.text and "42.5" not in r.text and "陈建华 的" not in r.text
    assert "未查到" in _q(c, "周敏", phone).text  # another's name with this phone


def test_a_guesser_is_refused_and_the_query_can_be_turned_off(built_town, tmp_path, cli):
    db = town.copy_db(built_town, tmp_path / "db")
    c = TestClient(create_app(db, tmp_path / "out", guesses=GuessThrottle(per_client=10)))
    for i in range(10):
        assert _q(c, "陈建华", f"1390000{i:04d}").status_code == 400
    assert c.get("/q").status_code == 429
    off = TestClient(create_app(db, tmp_path / "out", public_query=False))
    assert off.get("/q").status_code == 404
    assert "--no-public-query" in cli("serve", "--help").out


def test_a_certificate_is_checked_at_its_printed_link(built_town, tmp_path):
    db = town.copy_db(built_town, tmp_path / "db")
    api.set_base_url(db, "http://192.168.1.20:8000")
    made = api.certificate(db, out=tmp_path / "证明.html", volunteer="XZ001", today=town.TODAY)
    serial = made.certificates[0].serial
    assert f"http://192.168.1.20:8000/verify/{serial}" in (tmp_path / "证明.html").read_text(encoding="utf-8")
    c = TestClient(create_app(db, tmp_path / "out"))
    r = c.get(f"/verify/{serial}")
    assert r.status_code == 200 and "真实有效" in r.text and "陈*华" in r.text and "陈建华" not in r.text
    assert town.BLOOD in r.text and "小时" in r.text
    bad = c.get("/verify/ZYJL-2025-AAAA-BBBB-CCCC")
    assert bad.status_code == 404 and "没有编号为" in bad.text


# ---------------------------------------------------------------- turning an application down


def test_an_application_turned_down_leaves_the_list_keeps_its_reason_and_may_come_again(unit_db, cli, tmp_path):
    d = tmp_path / "申请表"
    d.mkdir()
    word_form(d / "张晓明.docx", person("张晓明", 7, 身份证号码=fake_id(7)))
    assert cli("load", "applications", d, db=unit_db).code == 0
    before = db_fingerprint(unit_db)
    assert cli("review", "--unit", UNIT, "--reject", "张晓明", db=unit_db).code == 2  # a reason is needed
    assert db_fingerprint(unit_db) == before
    r = cli("review", "--unit", UNIT, "--reject", "张晓明", "--reason", "暂不符合条件", db=unit_db)
    assert r.code == 0 and "审核未通过" in r.out and "没有待审核的申请" in r.out
    h = json.loads(cli("history", "--json", db=unit_db).out)
    (e,) = [x for x in h if x["action"] == "review"]
    assert e["reason"] == "暂不符合条件" and e["changes"][0]["new"]["status"] == "未通过"
    again = tmp_path / "再申请"
    again.mkdir()
    word_form(again / "张晓明.docx", person("张晓明", 7, 身份证号码=fake_id(7), 填表日期="2026年7月1日"))
    r = cli("load", "applications", again, db=unit_db)
    assert r.code == 0 and "审核未通过" in r.err
    assert "待审核的申请 1 人" in cli("review", "--unit", UNIT, db=unit_db).out


# ---------------------------------------------------------------- accounts for every unit


def test_every_unit_gets_an_account_whose_first_login_asks_for_a_new_password(built_town, tmp_path, cli):
    db = town.copy_db(built_town, tmp_path / "db")
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM accounts WHERE role = 'unit'")
    con.close()
    out = tmp_path / "accounts.xlsx"
    r = cli("user", "add-units", "--out", str(out), db=db)
    assert r.code == 0, r.err
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    head = rows.index(("单位", "账号", "初始密码"))
    made = {u: (login, pw) for u, login, pw in rows[head + 1:]}
    assert set(made) == {town.BLOOD, town.HOSPITAL}
    assert all(pw not in r.out + r.err for _, pw in made.values())  # the passwords are only in the file
    again = cli("user", "add-units", "--out", str(tmp_path / "again.xlsx"), db=db)
    assert again.code == 0 and "没有新建" in again.out
    login, pw = made[town.HOSPITAL]
    c = TestClient(create_app(db, tmp_path / "out", today=lambda: town.TODAY))
    page = c.get("/login")
    r = c.post("/login", data={"login": login, "password": pw, "csrf": town.csrf_of(page.text), "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/password"
    assert c.get("/", follow_redirects=False).headers["location"] == "/password"  # every page until changed
    form = c.get("/password")
    assert "一次性密码" in form.text
    done = c.post("/password", data={"csrf": town.csrf_of(form.text), "current": pw, "new": "my-own-pass-1",
                                     "again": "my-own-pass-1"})
    assert "密码已修改" in done.text
    home = c.get("/")
    assert home.status_code == 200 and town.HOSPITAL in home.text and town.BLOOD not in town.text_of(home.text)
    reset = cli("user", "reset", login, db=db)
    fresh = re.search(r"一次性密码：(\S+)", reset.out).group(1)
    c2 = TestClient(create_app(db, tmp_path / "out"))
    page = c2.get("/login")
    r = c2.post("/login", data={"login": login, "password": fresh, "csrf": town.csrf_of(page.text), "next": "/"},
                follow_redirects=False)
    assert r.headers["location"] == "/password"


def test_administrators_manage_accounts_and_supervisors_see_their_units_uploads(built_town, tmp_path):
    db = town.copy_db(built_town, tmp_path / "db")
    app = create_app(db, tmp_path / "out", today=lambda: town.TODAY)
    assert _signed_in(app, "xuezhan").get("/admin/accounts").status_code == 404
    admin = _signed_in(app, "admin")
    page = admin.get("/admin/accounts")
    assert page.status_code == 200 and "weiju" in page.text
    r = admin.post("/admin/accounts", data={"csrf": town.csrf_of(page.text), "action": "add", "login": "new-unit",
                                            "role": "unit", "unit": town.HOSPITAL})
    shown = re.search(r"一次性密码：<strong[^>]*>([^<]+)</strong>", r.text).group(1)
    assert api.authenticate(db, "new-unit", shown).must_change
    r = admin.post("/admin/accounts", data={"csrf": town.csrf_of(page.text), "action": "remove", "login": "new-unit"})
    assert "new-unit" not in r.text and api.account(db, "new-unit") is None
    sup = _signed_in(app, "weiju").get("/loads").text
    assert town.BLOOD in sup and "医院活动2025-03.xlsx" not in sup and "活动登记簿-2025-03-gbk.csv" in sup

"""Record once, at the activity (docs/signin.md): a sign-in with a QR code, members signing in on
their phones, the leader ticking the paper sheet, and closing it into one activity loaded as a file
is — the public page's guard rails included."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest
import webtown as town
from conftest import db_fingerprint
from report_demo import demo_db
from starlette.testclient import TestClient

from tracker import api
from tracker.web import create_app
from tracker.web.guard import GuessThrottle

UNIT = "示例市中心血站"
TODAY = dt.date.today()


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    d = demo_db(tmp_path_factory)
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(d.db, db)
    return db


def _phone(db, name: str) -> str:
    """A member's mobile as they know it (no page shows it: read from the database)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    phone = con.execute("SELECT phone FROM volunteer_versions WHERE name = ? ORDER BY valid_from DESC LIMIT 1",
                        [name]).fetchall()[0][0]
    con.close()
    return re.findall(r"1\d{10}", phone.replace("-", ""))[-1]


def _open(cli, db, *extra: str) -> dict:
    r = cli("signin", "new", "--unit", UNIT, "--team", "检验队", "--title", "社区献血宣传", "--date", TODAY.isoformat(),
            "--start", "14:00", "--end", "16:30", "--place", "东城社区", "--json", *extra, db=db)
    assert r.code == 0, r.err
    return json.loads(r.out)


def _site(db, tmp_path, now: dt.datetime | None = None, guesses: GuessThrottle | None = None) -> TestClient:
    app = create_app(db, tmp_path / "web-out", now=lambda: now or dt.datetime.combine(TODAY, dt.time(14, 20)),
                     guesses=guesses)
    return TestClient(app)


def _post(c: TestClient, code: str, name: str, digits: str):
    page = c.get(f"/s/{code}")
    return c.post(f"/s/{code}", data={"csrf": town.csrf_of(page.text), "name": name, "phone_last4": digits})


def test_the_demo_story_open_sign_in_on_the_phone_tick_the_sheet_close(demo, tmp_path, cli):
    db = demo
    opened = _open(cli, db, "--base-url", "http://192.168.1.20:8000", "--out", str(tmp_path / "签到表.html"))
    code = opened["code"]
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", code) and opened["url"] == f"http://192.168.1.20:8000/s/{code}"
    sheet = (tmp_path / "签到表.html").read_text(encoding="utf-8")
    assert "社区献血宣传" in sheet and "陈建华" in sheet and "<svg" in sheet and "签名" in sheet
    api.user_add(db, "admin", "admin", None, "correct-horse-9")  # accounts exist: the phone page still needs none
    c = _site(db, tmp_path)
    page = c.get(f"/s/{code}")
    assert page.status_code == 200 and "社区献血宣传" in page.text and "东城社区" in page.text
    assert 'name="name"' in page.text and 'name="phone_last4"' in page.text and "<script" not in page.text
    for name in ("陈建华", "周敏", "刘志强", "王丽"):
        assert name not in page.text  # the page never lists names
    ok = _post(c, code, "陈建华", _phone(db, "陈建华")[-4:])
    assert ok.status_code == 200 and "签到成功" in ok.text
    wrong = _post(c, code, "周敏", "0000" if not _phone(db, "周敏").endswith("0000") else "1111")
    assert wrong.status_code == 400 and "未能签到，请核对姓名和手机后四位" in wrong.text
    assert cli("signin", "add", code, "刘志强", db=db).code == 0
    detail = api.signin_detail(db, code)
    assert sorted(p["name"] for p in detail.people) == ["刘志强", "陈建华"]

    before = {s.unit: s for s in api.status(db)}[UNIT]
    closed = cli("signin", "close", code, db=db)
    assert closed.code == 0, closed.err + closed.out
    after = {s.unit: s for s in api.status(db)}[UNIT]
    assert after.activities == before.activities + 1 and after.participations == before.participations + 2
    assert after.service_hours == pytest.approx(before.service_hours + 5.0)
    fig = api.unit_detail(db, UNIT, TODAY.year)
    assert any(t["activities"] >= 1 for t in fig.teams if "检验队" in t["team"])
    hours = {v["name"]: v["service_hours"] for v in fig.volunteers}
    assert hours["陈建华"] == pytest.approx(2.5) and hours["刘志强"] == pytest.approx(2.5) and hours["周敏"] == 0
    loads = [ld for ld in after.loads if ld["file"] == f"签到表-{code}.csv"]
    assert len(loads) == 1 and loads[0]["rows"] == 1
    again = cli("signin", "close", code, db=db)  # closing twice adds nothing
    assert again.code == 0 and "没有再导入" in again.out
    assert {s.unit: s for s in api.status(db)}[UNIT].activities == after.activities
    made = api.report(db, "quarterly", year=TODAY.year, quarter=(TODAY.month - 1) // 3 + 1, unit=UNIT,
                      out_dir=tmp_path / "r", formats=("xlsx",))
    assert made.paths
    listed = json.loads(cli("signin", "list", "--json", db=db).out)
    assert listed[0]["code"] == code and listed[0]["state"] == "closed" and listed[0]["signed"] == 2


def test_wrong_guesses_record_nothing_and_a_guesser_is_refused(demo, tmp_path, cli):
    db = demo
    code = _open(cli, db)["code"]
    c = _site(db, tmp_path, guesses=GuessThrottle(per_client=10, window=600))
    before = db_fingerprint(db)
    for i in range(10):
        r = _post(c, code, "周敏", f"{i:04d}" if not _phone(db, "周敏").endswith(f"{i:04d}") else "9999")
        assert r.status_code == 400 and "未能签到" in r.text
    assert db_fingerprint(db) == before
    assert c.get(f"/s/{code}").status_code == 429
    token = c.cookies  # the session still holds its token: a right answer waits too
    blocked = c.post(f"/s/{code}", data={"csrf": "any", "name": "陈建华", "phone_last4": _phone(db, "陈建华")[-4:]})
    assert token and blocked.status_code == 429 and "请稍后再试" in blocked.text
    assert api.signin_detail(db, code).people == []


def test_unknown_codes_are_404_and_count_as_guesses(demo, tmp_path, cli):
    db = demo
    code = _open(cli, db)["code"]
    c = _site(db, tmp_path, guesses=GuessThrottle(per_client=3, window=600))
    for guess in ("AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC"):
        assert c.get(f"/s/{guess}").status_code == 404
    assert c.get(f"/s/{code}").status_code == 429


def test_the_phone_form_needs_its_token_and_a_closed_or_expired_sign_in_is_over(demo, tmp_path, cli):
    db = demo
    code = _open(cli, db, "--open-until", f"{TODAY} 18:00")["code"]
    c = _site(db, tmp_path)
    forged = c.post(f"/s/{code}", data={"csrf": "x", "name": "陈建华", "phone_last4": _phone(db, "陈建华")[-4:]})
    assert forged.status_code == 403 and api.signin_detail(db, code).people == []
    clock = [dt.datetime.combine(TODAY, dt.time(17, 55))]
    phone = TestClient(create_app(db, tmp_path / "web-out", now=lambda: clock[0]))
    token = town.csrf_of(phone.get(f"/s/{code}").text)  # the form opened at 17:55 …
    clock[0] = dt.datetime.combine(TODAY, dt.time(18, 1))  # … and sent at 18:01
    r = phone.post(f"/s/{code}", data={"csrf": token, "name": "陈建华", "phone_last4": _phone(db, "陈建华")[-4:]})
    assert "签到已结束" in r.text and api.signin_detail(db, code).people == []
    assert "签到已结束" in phone.get(f"/s/{code}").text
    early = _site(db, tmp_path, now=dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(20, 0)))
    text = early.get(f"/s/{code}").text
    assert "签到尚未开始" in text and 'name="name"' not in text


def test_same_name_members_are_told_apart_by_their_digits(demo, tmp_path, cli):
    db = demo
    r = cli("signin", "new", "--unit", UNIT, "--team", "宣传队", "--title", "宣讲", "--date", TODAY.isoformat(),
            "--start", "09:00", "--end", "10:00", "--json", db=db)
    code = json.loads(r.out)["code"]
    c = _site(db, tmp_path, now=dt.datetime.combine(TODAY, dt.time(9, 30)))
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    phones = [p for (p,) in con.execute("""SELECT phone FROM volunteer_versions WHERE name = '王丽'
        QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1""").fetchall()]
    con.close()
    assert len(phones) == 2
    last4 = re.findall(r"1\d{10}", phones[1])[-1][-4:]
    assert "签到成功" in _post(c, code, "王丽", last4).text
    (p,) = api.signin_detail(db, code).people
    assert p["name"] == "王丽" and p["how"] == "phone"


def test_closing_into_a_confirmed_month_needs_a_reason(demo, tmp_path, cli):
    db = demo
    code = _open(cli, db)["code"]
    assert cli("signin", "add", code, "陈建华", db=db).code == 0
    assert cli("confirm", "--unit", UNIT, "--month", TODAY.strftime("%Y-%m"), "--kind", "activities", db=db).code == 1
    # nothing of this month is loaded yet: load one activity, confirm, then close
    first = _open(cli, db)["code"]
    cli("signin", "add", first, "周敏", db=db)
    assert cli("signin", "close", first, db=db).code == 0
    assert cli("confirm", "--unit", UNIT, "--month", TODAY.strftime("%Y-%m"), "--kind", "activities", db=db).code == 0
    refused = cli("signin", "close", code, db=db)
    assert refused.code == 1 and "--reason" in refused.err
    assert api.signin_detail(db, code).signin.closed_at is None  # still open
    done = cli("signin", "close", code, "--reason", "补登社区献血宣传", db=db)
    assert done.code == 0, done.err


def test_the_leaders_pages_are_the_accounts_units_only(built_town, tmp_path):
    db = town.copy_db(built_town, tmp_path / "db")
    made = api.new_signin(db, unit=town.BLOOD, team="检验队", title="献血宣传", date=TODAY, start="14:00", end="16:00")
    code = made.signin.code
    site = TestClient(create_app(db, tmp_path / "out", today=lambda: TODAY))
    page = site.get("/login")
    site.post("/login", data={"login": "yiyuan", "password": town.PASSWORD, "csrf": town.csrf_of(page.text), "next": "/"})
    assert site.get(f"/signins/{code}").status_code == 404
    assert code not in site.get("/signins").text
    assert site.get(f"/signins/{code}/sheet.html").status_code == 404
    blood = TestClient(create_app(db, tmp_path / "out", today=lambda: TODAY))
    page = blood.get("/login")
    blood.post("/login", data={"login": "xuezhan", "password": town.PASSWORD, "csrf": town.csrf_of(page.text),
                               "next": "/"})
    detail = blood.get(f"/signins/{code}")
    assert detail.status_code == 200 and "陈建华" in detail.text and "<svg" in detail.text
    token = town.csrf_of(detail.text)
    r = blood.post(f"/signins/{code}/people", data={"csrf": token, "member": ["XZ001", "XZ004"],
                                                     "listed": ["XZ001", "XZ002", "XZ004"]}, follow_redirects=False)
    assert r.status_code == 303
    assert sorted(p["name"] for p in api.signin_detail(db, code).people) == ["刘志强", "陈建华"]
    r = blood.post(f"/signins/{code}/close", data={"csrf": token, "hours": ""}, follow_redirects=False)
    assert r.status_code == 303 and api.signin_detail(db, code).signin.closed_at is not None
    sheet = blood.get(f"/signins/{code}/sheet.docx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"


@pytest.fixture(scope="module")
def built_town(tmp_path_factory):
    return town.build(tmp_path_factory.mktemp("town"))

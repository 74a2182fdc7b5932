"""The web app over HTTP (Starlette's TestClient): every page and action, and who may see what.

A unit account gets nothing of another unit, a supervisor nothing outside its
上级单位 tree; forms without the CSRF token are refused; wrong passwords are
slowed down; uploads are checked first and stored all or nothing (docs/web.md).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
import webtown as town
from conftest import db_fingerprint, paused_at_write, tracker_cmd, write_xlsx
from starlette.testclient import TestClient

from tracker import api
from tracker.web import create_app
from tracker.web.guard import LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Site:
    db: Path
    out: Path
    client: TestClient
    clock: Clock

    def login(self, login: str, password: str = town.PASSWORD, client: TestClient | None = None):
        c = client or self.client
        page = c.get("/login")
        return c.post("/login", data={"login": login, "password": password, "csrf": town.csrf_of(page.text),
                                      "next": "/"}, follow_redirects=False)

    def as_(self, login: str) -> TestClient:
        c = TestClient(self.client.app)
        r = self.login(login, client=c)
        assert r.status_code == 303, r.text
        return c

    def csrf(self, c: TestClient, path: str = "/upload") -> str:
        return town.csrf_of(c.get(path).text)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return town.build(tmp_path_factory.mktemp("town"))


def make_site(db: Path, tmp: Path, **kw) -> Site:
    clock = Clock()
    app = create_app(db, tmp / "web-out", today=lambda: town.TODAY, throttle=LoginThrottle(clock=clock), **kw)
    return Site(db, tmp / "web-out", TestClient(app), clock)


@pytest.fixture
def site(built, tmp_path) -> Site:
    return make_site(town.copy_db(built, tmp_path / "db"), tmp_path)


def upload(c: TestClient, files: list[Path], **fields) -> object:
    csrf = town.csrf_of(c.get("/upload").text)
    sent = [("files", (f.name, f.read_bytes(), "application/octet-stream")) for f in files]
    return c.post("/upload", data={"csrf": csrf, **fields}, files=sent)


def action_url(html: str) -> str:
    import re

    return re.search(r'action="(/upload/[^"]+)"', html).group(1)


# ---------------------------------------------------------------- signing in


def test_without_accounts_the_local_user_needs_no_login(tmp_path):
    db = tmp_path / "solo.duckdb"
    api.init(db)
    s = make_site(db, tmp_path)
    r = s.client.get("/")
    assert r.status_code == 200
    assert "本机单用户" in r.text and "还没有可以查看的单位数据" in town.text_of(r.text)


def test_without_accounts_a_network_server_serves_nothing(tmp_path):
    db = tmp_path / "solo.duckdb"
    api.init(db)
    s = make_site(db, tmp_path, local_only=False)
    r = s.client.get("/")
    assert r.status_code == 503
    assert "tracker user add" in r.text and "--role admin" in r.text


def test_every_page_asks_for_a_login_when_accounts_exist(site):
    for path in ("/", f"/units/{town.BLOOD}", "/upload", "/check", "/check.xlsx", "/reports", "/volunteers",
                 "/forms/roster", "/templates/roster"):
        r = site.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path


def test_login_sets_a_signed_httponly_samesite_cookie_and_returns_to_the_page(site):
    c = site.client
    first = c.get("/check?level=fail")
    assert "/login" in str(first.url)
    r = c.post("/login", data={"login": "xuezhan", "password": town.PASSWORD, "csrf": town.csrf_of(first.text),
                               "next": "/check?level=fail"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/check?level=fail"
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert town.PASSWORD not in cookie
    page = c.get("/check?level=fail")
    assert "xuezhan（单位：示例市中心血站）" in page.text


def test_a_wrong_password_is_refused_in_chinese(site):
    r = site.login("xuezhan", "wrong-password")
    assert r.status_code == 401 and "登录名或密码不对" in r.text
    assert site.client.get("/", follow_redirects=False).status_code == 303


def test_repeated_wrong_passwords_are_slowed_down_per_login(site):
    for _ in range(5):
        assert site.login("xuezhan", "wrong-password").status_code == 401
    r = site.login("xuezhan")  # even the right password waits now
    assert r.status_code == 429 and "登录失败次数过多" in r.text
    site.clock.now += 3  # the first wait is 2 s
    assert site.login("xuezhan").status_code == 303


def test_repeated_wrong_passwords_are_slowed_down_per_client(site):
    for login in ("admin", "weiju", "quwei", "yiyuan", "nobody"):
        assert site.login(login, "wrong-password").status_code == 401
    r = site.login("xuezhan")  # another login from the same client
    assert r.status_code == 429
    for _ in range(2):
        site.clock.now += 1000  # the failures are forgotten after the window
    assert site.login("xuezhan").status_code == 303


def test_a_login_the_busy_database_could_not_check_is_not_a_failed_try(site, monkeypatch):
    """While the database is busy (a load writing), a person may press 登录 again and again: those
    tries checked no password, so they do not slow the next ones down."""
    def busy(*args, **kwargs):
        raise api.DatabaseBusy("busy")

    with monkeypatch.context() as m:
        m.setattr(api, "authenticate", busy)
        for _ in range(8):
            assert site.login("xuezhan").status_code == 503
    assert site.login("xuezhan").status_code == 303


def test_the_wait_doubles_with_each_further_failure():
    clock = Clock()
    t = LoginThrottle(clock=clock)
    waits = []
    for _ in range(8):
        assert t.begin("x", "1.2.3.4") == 0  # a try, counted as failed (no `succeeded` follows)
        waits.append(round(t.wait("x", "1.2.3.4")))
        clock.now += waits[-1]  # the next try comes when it may
    assert waits == [0, 0, 0, 0, 2, 4, 8, 16]


def test_logout_ends_the_session(site):
    c = site.as_("xuezhan")
    r = c.post("/logout", data={"csrf": site.csrf(c, "/")}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303


def test_a_changed_password_or_removed_account_ends_its_sessions(site):
    c = site.as_("xuezhan")
    assert c.get("/").status_code == 200
    api.user_passwd(site.db, "xuezhan", "another-password-1")
    assert c.get("/", follow_redirects=False).status_code == 303
    c2 = TestClient(site.client.app)
    assert site.login("xuezhan", "another-password-1", client=c2).status_code == 303
    api.user_remove(site.db, "xuezhan")
    assert c2.get("/", follow_redirects=False).status_code == 303


# ---------------------------------------------------------------- CSRF


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(site):
    c = site.as_("admin")
    before = db_fingerprint(site.db)
    f = town.hospital_files(site.db.parent / "again")["activities"]
    refused = [
        c.post("/upload", files=[("files", (f.name, f.read_bytes(), "application/octet-stream"))]),
        c.post("/upload", data={"csrf": "forged"}, files=[("files", (f.name, f.read_bytes(), "x"))]),
        c.post("/reports", data={"report": "annual", "year": "2025"}),
        c.post("/logout"),
        c.post("/login", data={"login": "admin", "password": town.PASSWORD}),
    ]
    for r in refused:
        assert r.status_code == 403 and "安全校验码" in r.text
    assert db_fingerprint(site.db) == before
    assert api.report_runs(site.out, api.Scope("admin")) == []
    assert c.get("/").status_code == 200  # still signed in: the forged logout did nothing


# ---------------------------------------------------------------- who may see what


OTHER_UNIT_URLS = [
    f"/units/{town.HOSPITAL}",
    f"/check?unit={town.HOSPITAL}",
    f"/check.xlsx?unit={town.HOSPITAL}",
    f"/forms/roster?unit={town.HOSPITAL}",
    f"/forms/summary?unit={town.HOSPITAL}",
    f"/review?unit={town.HOSPITAL}",
    f"/history?unit={town.HOSPITAL}",
]


@pytest.mark.parametrize("login", ["xuezhan", "weiju"])
def test_the_blood_station_side_gets_nothing_of_the_hospital(site, login):
    c = site.as_(login)
    for url in OTHER_UNIT_URLS:
        r = c.get(url)
        assert r.status_code == 404, url
        assert "司马青云" not in r.text and "欧阳明月" not in r.text
    # the forms without a unit are those of every unit the account reaches: its own, not the hospital's
    for form in ("roster", "summary"):
        r = c.get(f"/forms/{form}?year=2025")
        assert r.status_code == 200, form
        cells = [str(v) for row in openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)
                 for v in row if v is not None]
        assert any(town.BLOOD in v for v in cells) and not any(town.HOSPITAL in v for v in cells), form
        assert not any(name in v for name in town.HOSPITAL_PEOPLE for v in cells), form
    home = town.text_of(c.get("/").text)
    assert town.BLOOD in home and town.HOSPITAL not in home
    check = c.get("/check").text
    assert town.HOSPITAL not in check and "医院党员志愿服务队" not in check
    for name in town.HOSPITAL_PEOPLE:
        assert name not in c.get(f"/volunteers?q={name}").text.split("找到")[1]
    assert "找到 0 人" in c.get("/volunteers?q=司马").text
    rows = openpyxl.load_workbook(io.BytesIO(c.get("/check.xlsx").content)).active.iter_rows(values_only=True)
    assert not any(town.HOSPITAL in str(v) for row in rows for v in row)
    reminders = c.get("/check?remind=2025-06-30").text
    assert town.HOSPITAL not in reminders
    for page in ("/loads", "/history", "/signins", "/review", f"/units/{town.BLOOD}"):
        text = c.get(page).text
        assert "欧阳明月" not in text and "医院活动2025-03.xlsx" not in text and "司马青云" not in text, page
    hospital = next(h for h in api.search_volunteers(site.db, "", api.LOCAL) if h.unit == town.HOSPITAL)
    assert c.get(f"/volunteers/{hospital.key}").status_code == 404


@pytest.mark.parametrize("login", ["yiyuan", "quwei"])
def test_the_hospital_side_gets_nothing_of_the_blood_station(site, login):
    c = site.as_(login)
    for url in (f"/units/{town.BLOOD}", f"/check?unit={town.BLOOD}", f"/forms/teams?unit={town.BLOOD}"):
        assert c.get(url).status_code == 404, url
    home = town.text_of(c.get("/").text)
    assert town.HOSPITAL in home and town.BLOOD not in home
    assert "找到 0 人" in c.get("/volunteers?q=赵").text
    assert "找到 2 人" in c.get("/volunteers?q=").text


def test_a_supervisor_sees_every_unit_under_it(built, tmp_path):
    db = town.copy_db(built, tmp_path / "db")
    # a unit two levels under the bureau
    f = write_xlsx(tmp_path / "u.xlsx", [["单位名称", "上级单位", "党员人数"], ["示例市血站东城分站", town.BLOOD, 5]])
    assert api.load(db, "units", [f], today=town.TODAY)[0].status == "loaded"
    s = make_site(db, tmp_path)
    c = s.as_("weiju")
    home = town.text_of(c.get("/").text)
    assert town.BLOOD in home and "示例市血站东城分站" in home and town.HOSPITAL not in home
    assert c.get("/units/示例市血站东城分站").status_code == 200
    c = s.as_("xuezhan")  # a unit account sees only its own unit, not the one under it
    assert c.get("/units/示例市血站东城分站").status_code == 404


def test_an_admin_sees_every_unit(site):
    c = site.as_("admin")
    home = town.text_of(c.get("/").text)
    assert town.BLOOD in home and town.HOSPITAL in home
    assert c.get(f"/units/{town.HOSPITAL}").status_code == 200
    assert c.get("/forms/roster?year=2025").status_code == 200
    assert "找到 1 人" in c.get("/volunteers?q=司马").text and "找到 1 人" in c.get("/volunteers?q=孙晓燕").text


def test_reports_of_other_units_are_404_however_their_url_is_guessed(site):
    admin = site.as_("admin")
    r = admin.post("/reports", data={"csrf": site.csrf(admin, "/reports"), "report": "quarterly", "year": "2025",
                                     "quarter": "1", "unit": ""}, follow_redirects=False)
    assert r.status_code == 303
    run_url = r.headers["location"]
    files = [a for a in admin.get(run_url).text.split('href="') if a.startswith(run_url)]
    assert any("各单位汇总" in unquote(f) for f in files)  # both units, and their overview
    unit = site.as_("xuezhan")
    assert unit.get(run_url).status_code == 404
    for f in files:
        assert unit.get(f.split('"')[0]).status_code == 404
    assert run_url not in unit.get("/reports").text
    # a report of the unit's own is its to open; the unit cannot make one for another unit
    r = unit.post("/reports", data={"csrf": site.csrf(unit, "/reports"), "report": "annual", "year": "2025",
                                    "unit": town.HOSPITAL})
    assert r.status_code == 404


def test_a_supervisor_may_open_a_report_its_unit_made(site):
    unit = site.as_("xuezhan")
    r = unit.post("/reports", data={"csrf": site.csrf(unit, "/reports"), "report": "annual", "year": "2025",
                                    "unit": ""}, follow_redirects=False)
    run_url = r.headers["location"]
    assert site.as_("weiju").get(run_url).status_code == 200
    assert site.as_("quwei").get(run_url).status_code == 404


# ---------------------------------------------------------------- pages


def test_overview_shows_months_last_load_with_its_account_and_check_counts(site):
    c = site.as_("admin")
    page = town.text_of(c.get("/").text)
    assert "活动登记簿： 2025-01 至 2025-12" in page
    assert "命令行（" in page  # the demo was loaded from the command line
    blood = [f for f in api.check(site.db, year=2025, unit=town.BLOOD, today=town.TODAY).findings]
    fails = sum(f.level == "fail" for f in blood)
    assert f"未通过 {fails}" in page
    assert "缺 4月" in page  # the hospital loaded March only


def test_unit_page_drills_into_teams_and_volunteers_with_phones_masked(site):
    c = site.as_("yiyuan")
    html = c.get(f"/units/{town.HOSPITAL}?year=2025").text
    page = town.text_of(html)
    assert "医院党员志愿服务队" in page and "欧阳明月" in page and "司马青云" in page
    assert "/check?unit=" in html and "team=" in html  # each team links to its findings
    assert "139****2222" in page and "13911112222" not in html
    assert town.HOSPITAL_ID not in html and town.HOSPITAL_ID[-4:] not in html


def test_volunteer_search_by_name_and_number_masks_phones_and_never_shows_ids(site):
    c = site.as_("admin")
    html = c.get("/volunteers?q=欧阳").text
    assert "找到 1 人" in html and "139****2222" in html
    assert "13911112222" not in html and town.HOSPITAL_ID not in html
    number = api.search_volunteers(site.db, "", api.Scope("unit", unit=town.BLOOD, units=frozenset([town.BLOOD])),
                                   2025, town.TODAY)[0].number
    assert number and "找到 1 人" in c.get(f"/volunteers?q={number}").text


def test_check_page_filters_and_downloads_what_it_shows(site):
    c = site.as_("xuezhan")
    everything = api.check(site.db, year=2025, unit=town.BLOOD, today=town.TODAY)
    fails = [f for f in everything.findings if f.level == "fail"]
    page = c.get("/check?level=fail&year=2025").text
    assert page.count('class="row-fail"') == len(fails) and 'class="row-pass"' not in page
    meeting = c.get("/check?rule=quarterly_meeting&year=2025").text
    assert "R6 季度例会" in meeting and "R8 服务队活动次数</td>" not in meeting
    book = openpyxl.load_workbook(io.BytesIO(c.get("/check.xlsx?level=fail&year=2025").content))
    rows = [r for r in book.active.iter_rows(values_only=True) if r and r[0] == "未通过"]
    assert len(rows) == len(fails)


def test_a_long_check_shows_its_first_rows_failures_first_and_says_how_many(site, monkeypatch):
    """A city's check has hundreds of thousands of findings: the page stays small, the .xlsx has them all."""
    from tracker.web import views

    c = site.as_("admin")  # two units: each unit's findings come worst first, the page's must too
    everything = api.check(site.db, year=2025, today=town.TODAY)
    monkeypatch.setattr(views, "SHOWN_ROWS", 5)
    page = c.get("/check?year=2025").text
    rows = re.findall(r'<tr class="row-(\w+)">', page.split('id="findings"')[1].split("</table>")[0])
    assert len(rows) == 5 and rows == sorted(rows, key=["fail", "warn", "pass"].index)
    assert f"共 {len(everything.findings)} 条检查结果，这里显示前 5 条" in town.text_of(page)
    book = openpyxl.load_workbook(io.BytesIO(c.get("/check.xlsx?year=2025").content))
    assert sum(1 for r in book.active.iter_rows(values_only=True) if r and r[0] in ("未通过", "提醒", "通过")) == len(
        everything.findings)


def test_the_reminder_list_as_of_a_chosen_date(site):
    c = site.as_("xuezhan")
    from tracker.demo_data import write_demo_ledgers

    design = write_demo_ledgers(site.db.parent / "design", today=town.TODAY).design
    mid = town.text_of(c.get("/check?remind=2025-06-30").text).split("提醒教育名单（")[1]
    assert "截至 2025-06-30" in mid
    for name in design.never_served:
        assert name in mid
    early = town.text_of(c.get("/check?remind=2025-01-10").text).split("提醒教育名单（")[1]
    assert early != mid


def test_reports_are_made_opened_and_downloaded(site):
    c = site.as_("xuezhan")
    r = c.post("/reports", data={"csrf": site.csrf(c, "/reports"), "report": "quarterly", "year": "2025",
                                 "quarter": "4"}, follow_redirects=True)
    assert r.status_code == 200 and "季度例会通报" in r.text
    import re

    links = re.findall(r'href="(/reports/[0-9a-f]+/[^"]+)"', r.text)
    html = next(u for u in links if u.endswith(".html"))
    xlsx = next(u for u in links if u.endswith(".xlsx"))
    page = c.get(html)
    assert page.status_code == 200 and "季度例会通报" in page.text and town.BLOOD in page.text
    book = c.get(xlsx)
    assert book.status_code == 200 and openpyxl.load_workbook(io.BytesIO(book.content)).sheetnames
    assert "季度例会通报" in town.text_of(c.get("/reports").text)


def test_forms_and_blank_templates_download(site):
    c = site.as_("xuezhan")
    r = c.get(f"/forms/roster?unit={town.BLOOD}&year=2025")
    assert r.status_code == 200
    cells = [v for row in openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)
             for v in row if v]
    assert any("花名册" in str(v) for v in cells)
    t = c.get("/templates/activities")
    assert t.status_code == 200 and openpyxl.load_workbook(io.BytesIO(t.content)).sheetnames
    assert c.get("/templates/nothing").status_code == 404


# ---------------------------------------------------------------- upload


def test_a_bad_file_shows_every_problem_and_stores_nothing(site, tmp_path):
    c = site.as_("yiyuan")
    bad = write_xlsx(tmp_path / "坏的活动登记簿.xlsx", [
        ["单位名称", "日期", "服务队", "活动名称", "参加人员", "服务时长"],
        [town.HOSPITAL, "2025-04-03", "医院党员志愿服务队", "义诊", "欧阳明月", 25],
        [town.HOSPITAL, "2025-04-09", "医院党员志愿服务队", "宣传", "欧阳名月", 2],
    ])
    before = db_fingerprint(site.db)
    r = upload(c, [bad])
    page = town.text_of(r.text)
    assert "不能导入" in page and "数据库没有任何改动" in page
    assert "坏的活动登记簿.xlsx 2 服务时长 25" in page
    assert "坏的活动登记簿.xlsx 3 参加人员 欧阳名月" in page and "是否是：欧阳明月" in page
    assert "tracker load" not in page  # the CLI's words are said as the page says them
    assert 'value="store" disabled' in r.text
    # posting "store" anyway stores nothing
    r2 = c.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "store", "kind_0": "activities"})
    assert "不能导入" in r2.text
    assert db_fingerprint(site.db) == before


def test_a_good_file_is_checked_then_stored_with_its_account_then_known(site, tmp_path):
    c = site.as_("yiyuan")
    f = write_xlsx(tmp_path / "医院活动2025-04.xlsx", [
        ["日期", "服务队", "活动名称", "参加人员", "服务时长"],
        ["2025-04-03", "医院党员志愿服务队", "义诊", "欧阳明月、司马青云", 2.5]])
    before = db_fingerprint(site.db)
    r = upload(c, [f])
    page = town.text_of(r.text)
    assert "检查结果（尚未导入）" in page and "可以导入" in page
    assert "活动登记簿" in page and "2025-04" in page and "按文件日期推断" in page
    assert db_fingerprint(site.db) == before  # checked, not stored
    stored = c.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "store",
                                              "kind_0": "activities", "month_0": "2025-04"})
    assert "已全部写入数据库" in stored.text
    st = api.status(site.db, town.HOSPITAL)[0]
    assert st.loads[-1]["account"] == "网页（yiyuan）" and "2025-04" in st.months["activities"]
    assert "网页（yiyuan）" in c.get("/").text
    again = upload(c, [f])
    assert "已导入过" in town.text_of(again.text)


def test_the_kind_is_guessed_and_can_be_changed(site, tmp_path):
    c = site.as_("yiyuan")
    roster = write_xlsx(tmp_path / "新花名册.xlsx", [
        ["单位名称", "姓名", "所属服务队", "联系方式"], [town.HOSPITAL, "上官晓云", "医院党员志愿服务队", "13955556666"]])
    r = upload(c, [roster])
    assert '<option value="roster" selected>' in r.text and "按表头识别" in r.text
    wrong = c.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "check", "kind_0": "demands"})
    assert "不能导入" in wrong.text and "缺少必填列：需求编号" in wrong.text
    right = c.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "store", "kind_0": "roster"})
    assert "已全部写入数据库" in right.text
    # registered as of the upload day (no 填表日期, no date chosen), so on this year's roster
    assert [h.name for h in api.search_volunteers(site.db, "上官", api.Scope("admin"), 2026, town.TODAY)] == ["上官晓云"]


def test_a_batch_in_any_order_loads_like_the_cli(built, tmp_path):
    """The hospital's four files dropped at once, activities first: the batch orders them."""
    db = tmp_path / "fresh.duckdb"
    api.init(db)
    s = make_site(db, tmp_path)
    files = town.hospital_files(tmp_path / "h")
    r = upload(s.client, [files["activities"], files["roster"], files["teams"], files["units"]])
    assert "检查通过" in r.text
    order = [n for n in ("医院单位表", "医院服务队", "医院花名册", "医院活动2025-03") if n in r.text]
    assert [r.text.index(n) for n in order] == sorted(r.text.index(n) for n in order)
    done = s.client.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "store"})
    assert "已全部写入数据库" in done.text
    st = api.status(db, town.HOSPITAL)[0]
    assert st.volunteers == 2 and st.activities == 1 and st.loads[0]["account"] == "网页（本机）"


def test_upload_for_another_unit_is_refused_and_stores_nothing(site, tmp_path):
    c = site.as_("xuezhan")
    other = write_xlsx(tmp_path / "医院的花名册.xlsx", [
        ["单位名称", "姓名", "所属服务队"], [town.HOSPITAL, "冒名顶替", "医院党员志愿服务队"]])
    titled = write_xlsx(tmp_path / "标题写医院.xlsx", [
        ["党员志愿服务队志愿者花名册"], [f"单位名称（盖章）：{town.HOSPITAL}　填表日期：2025.3"],
        ["姓名", "所属服务队"], ["冒名顶替", "医院党员志愿服务队"]])
    before = db_fingerprint(site.db)
    for f in (other, titled):
        r = upload(c, [f])
        page = town.text_of(r.text)
        assert "不能导入" in page and f"单位“{town.HOSPITAL}”不在您的账户范围内" in page, page
        assert "司马青云" not in page and "欧阳明月" not in page
        c.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "store", "kind_0": "roster"})
    assert db_fingerprint(site.db) == before
    # a supervisor cannot load for a unit outside its tree either, nor adopt one with a units file
    w = site.as_("weiju")
    adopt = write_xlsx(tmp_path / "改上级.xlsx", [["单位名称", "上级单位", "党员人数"], [town.HOSPITAL, town.BUREAU, 9]])
    for f in (other, adopt):
        assert "不在您的账户范围内" in upload(w, [f]).text
    assert db_fingerprint(site.db) == before


def test_a_supervisor_may_register_a_new_unit_under_itself(site, tmp_path):
    w = site.as_("weiju")
    new = write_xlsx(tmp_path / "新单位.xlsx", [["单位名称", "上级单位", "党员人数"], ["示例市急救中心", town.BUREAU, 12]])
    r = upload(w, [new])
    assert "检查通过" in r.text
    done = w.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "store", "kind_0": "units"})
    assert "已全部写入数据库" in done.text
    assert "示例市急救中心" in town.text_of(w.get("/").text)
    stray = write_xlsx(tmp_path / "别处.xlsx", [["单位名称", "上级单位", "党员人数"], ["外区某单位", "外区委", 3]])
    assert "不在您的账户范围内" in upload(w, [stray]).text


def test_replace_swaps_the_months_records_only_when_ticked(site, tmp_path):
    c = site.as_("yiyuan")
    fixed = write_xlsx(tmp_path / "医院活动2025-03-更正.xlsx", [
        ["日期", "服务队", "活动名称", "参加人员", "服务时长"],
        ["2025-03-05", "医院党员志愿服务队", "社区义诊", "欧阳明月、司马青云", 4]])
    r = upload(c, [fixed])
    assert "不能导入" in r.text and "重复" in r.text
    r = upload(c, [fixed], replace="1")
    assert "检查通过" in r.text
    done = c.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "store", "replace": "1",
                                            "kind_0": "activities", "month_0": "2025-03"})
    assert "已全部写入数据库" in done.text
    assert api.status(site.db, town.HOSPITAL, 2025)[0].service_hours == 8


def test_uploads_over_the_limit_are_refused(built, tmp_path):
    s = make_site(town.copy_db(built, tmp_path / "db"), tmp_path, max_upload=20_000)
    c = s.as_("admin")
    big = tmp_path / "大文件.csv"
    big.write_bytes(b"x" * 50_000)
    r = upload(c, [big])
    assert r.status_code == 413 and "上传的文件太大" in r.text


def test_files_that_are_not_ledgers_are_refused_in_chinese(site, tmp_path):
    c = site.as_("admin")
    pdf = tmp_path / "通知.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert "不能导入这种文件：通知.pdf" in upload(c, [pdf]).text
    junk = write_xlsx(tmp_path / "随便.xlsx", [["甲", "乙"], [1, 2]])
    r = upload(c, [junk])
    assert "认不出是哪一种台账" in r.text and "请选择" in r.text


def test_someone_elses_checked_upload_is_404(site, tmp_path):
    a = site.as_("yiyuan")
    r = upload(a, [town.hospital_files(tmp_path / "h")["activities"]])
    url = action_url(r.text)
    b = site.as_("admin")
    assert b.post(url, data={"csrf": site.csrf(b), "action": "store"}).status_code == 404


# ---------------------------------------------------------------- a busy database


def test_a_page_says_so_when_another_program_holds_the_database(site, tmp_path):
    c = site.as_("admin")
    f = write_xlsx(tmp_path / "医院活动2025-05.xlsx", [
        ["单位名称", "日期", "服务队", "活动名称", "参加人员", "服务时长"],
        [town.HOSPITAL, "2025-05-05", "医院党员志愿服务队", "义诊", "欧阳明月", 2]])
    with paused_at_write(tracker_cmd("load", "activities", f, "--db", site.db), tmp_path / "writing", wait=60):
        site.client.app.state.cfg.gate.patience = 0.5
        r = c.get("/")
        assert r.status_code == 503 and "数据库正在使用中" in r.text and "请稍等片刻后刷新" in r.text
    assert c.get("/").status_code == 200


def test_a_cli_load_while_the_web_app_writes_is_told_the_database_is_in_use(site, tmp_path):
    """The web app holds the writer lock while it stores a batch; a CLI load meanwhile is refused."""
    import subprocess

    from tracker.store.db import connect

    f = town.hospital_files(tmp_path / "h")["activities"]
    before = db_fingerprint(site.db)
    with connect(site.db) as con:  # what `api.upload(store=True)` holds from its check to its last file
        con.execute("SELECT 1").fetchall()
        run = subprocess.run(tracker_cmd("load", "activities", f, "--replace", "--db", site.db),
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "正在被另一个 tracker 程序使用" in run.stderr and "Traceback" not in run.stderr
    assert db_fingerprint(site.db) == before


def test_only_an_admin_may_move_a_unit_to_another_parent(site, tmp_path):
    move = write_xlsx(tmp_path / "换上级.xlsx", [["单位名称", "上级单位", "党员人数"], [town.BLOOD, town.DISTRICT, 34]])
    before = db_fingerprint(site.db)
    for login in ("xuezhan", "weiju"):
        r = upload(site.as_(login), [move])
        assert "只有管理员可以修改上级单位" in r.text, login
    assert db_fingerprint(site.db) == before
    admin = site.as_("admin")
    r = upload(admin, [move])
    assert "检查通过" in r.text
    admin.post(action_url(r.text), data={"csrf": town.csrf_of(r.text), "action": "store", "kind_0": "units"})
    assert town.BLOOD in town.text_of(site.as_("quwei").get("/").text)
    assert site.as_("weiju").get(f"/units/{town.BLOOD}").status_code == 404


def test_an_internal_fault_is_said_in_chinese_without_a_traceback(site, monkeypatch):
    c = site.as_("admin")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "overview", broken)
    r = TestClient(site.client.app, raise_server_exceptions=False, cookies=c.cookies).get("/")
    assert r.status_code == 500 and "内部错误" in r.text and "这不是您的操作问题" in r.text
    assert "Traceback" not in r.text


def test_a_cli_load_runs_while_the_server_is_up_and_idle(site, tmp_path):
    """Each request closes its connection: between requests the command line may write."""
    import subprocess

    c = site.as_("admin")
    assert c.get("/").status_code == 200
    f = write_xlsx(tmp_path / "医院活动2025-06.xlsx", [
        ["单位名称", "日期", "服务队", "活动名称", "参加人员", "服务时长"],
        [town.HOSPITAL, "2025-06-05", "医院党员志愿服务队", "义诊", "司马青云", 2]])
    run = subprocess.run(tracker_cmd("load", "activities", f, "--month", "2025-06", "--db", site.db),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    page = town.text_of(c.get("/").text)
    assert "医院活动2025-06.xlsx" in page and "命令行（" in page


def test_a_supervisors_run_has_each_of_its_units_reports_and_no_other(site):
    both = api.Scope("supervisor", "x", town.BUREAU, frozenset({town.BLOOD, town.HOSPITAL}))
    run = api.make_report_run(site.db, site.out, "annual", both, year=2025, today=town.TODAY)
    assert sorted(run.units) == sorted([town.BLOOD, town.HOSPITAL])
    assert any(town.BLOOD in f for f in run.pages) and any(town.HOSPITAL in f for f in run.pages)
    (overview,) = [f for f in run.files if "各单位汇总" in f and f.endswith(".html")]
    text = town.text_of((site.out / run.id / overview).read_text(encoding="utf-8"))
    assert town.BLOOD in text and town.HOSPITAL in text
    one = api.Scope("supervisor", "y", town.DISTRICT, frozenset({town.DISTRICT, town.HOSPITAL}))
    run = api.make_report_run(site.db, site.out, "annual", one, year=2025, today=town.TODAY)
    assert run.units == [town.HOSPITAL] and not any(town.BLOOD in f for f in run.files)
    assert api.report_run(site.out, run.id, one) is not None
    assert api.report_run(site.out, run.id, api.Scope("unit", "z", town.BLOOD, frozenset({town.BLOOD}))) is None

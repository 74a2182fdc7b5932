"""A real browser (Debian's chromium, driven by Selenium through /usr/bin/chromedriver) uses the web app.

It logs in, uploads a bad file and sees the problem table, uploads the demo
ledgers and stores them, opens the overview, makes and opens the quarterly
report, and saves a screenshot of each step in the test's folder. Nothing is
downloaded: the browser and its driver are the system's. Without chromium the
test is skipped locally, never in CI (CI set), where .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import write_xlsx

from tracker import api
from tracker.demo_data import write_demo_ledgers
from tracker.web import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = Path(CHROMIUM).exists() and Path(DRIVER).exists()

if not HAVE_BROWSER and not os.environ.get("CI"):
    pytest.skip("chromium 和 chromedriver 未安装（CI 中会安装并运行此测试）", allow_module_level=True)

PASSWORD = "browser-test-pw"


@pytest.fixture
def server(tmp_path):
    import uvicorn

    db = tmp_path / "web.duckdb"
    api.init(db)
    api.user_add(db, "admin", "admin", None, PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(db, tmp_path / "out"), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", db
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1366,768",
                "--lang=zh-CN"):
        opts.add_argument(arg)
    from selenium.common.exceptions import WebDriverException

    for attempt in range(3):  # a loaded machine sometimes loses chromium's first start
        try:
            driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
            break
        except WebDriverException:
            if attempt == 2:
                raise
            time.sleep(2)
    driver.set_page_load_timeout(300)
    driver.implicitly_wait(30)  # elements of a page still loading after a click
    yield driver
    driver.quit()


def _wait_text(driver, text: str, timeout: float = 300) -> None:
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def body_text(d) -> str:
        try:
            return d.find_element(By.TAG_NAME, "body").text
        except WebDriverException as e:  # the page changed under the read: chromium names it this way too
            if "does not belong to the document" in str(e):
                return ""
            raise

    WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(
        lambda d: text in body_text(d))


def test_a_person_uploads_checks_and_reports_in_the_browser(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url, db = server
    shots = tmp_path / "screenshots"
    shots.mkdir()

    def shot(name: str) -> None:
        assert browser.save_screenshot(str(shots / f"{name}.png"))

    # log in
    browser.get(url + "/")
    assert "/login" in browser.current_url
    browser.find_element(By.NAME, "login").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    shot("01-login")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_text(browser, "首页：各单位概况")

    # a bad file: its problems, in a table, and nothing stored
    ledgers = write_demo_ledgers(tmp_path / "ledgers").files
    bad = write_xlsx(tmp_path / "有错的花名册.xlsx", [
        ["单位名称", "姓名", "所属服务队", "身份证号码", "登记日期"],
        ["示例市中心血站", "赵晓明", "检验队", "320102198001010011", "2025-13-01"]])
    browser.find_element(By.LINK_TEXT, "导入台账").click()
    _wait_text(browser, "把台账文件拖到这里")
    browser.find_element(By.ID, "files").send_keys(str(bad))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button.primary").click()
    _wait_text(browser, "不能导入")
    problems = browser.find_element(By.ID, "problems").text
    assert "有错的花名册.xlsx" in problems and "身份证号码" in problems and "登记日期" in problems
    assert not browser.find_element(By.CSS_SELECTOR, "button[value=store]").is_enabled()
    shot("02-bad-file")
    assert api.status(db) == []

    # the demo ledgers, all at once: checked, then stored
    browser.find_element(By.CSS_SELECTOR, "button[value=discard]").click()
    _wait_text(browser, "把台账文件拖到这里")
    browser.find_element(By.ID, "files").send_keys("\n".join(str(f.path) for f in ledgers))
    browser.find_element(By.CSS_SELECTOR, "#upload-form button.primary").click()
    _wait_text(browser, "检查通过")
    shot("03-checked")
    browser.find_element(By.CSS_SELECTOR, "button[value=store]").click()
    _wait_text(browser, "已全部写入数据库")
    shot("04-stored")
    (st,) = api.status(db)
    assert st.unit == "示例市中心血站" and len(st.loads) == len(ledgers)
    assert {ld["account"] for ld in st.loads} == {"网页（admin）"}

    # the overview
    browser.find_element(By.LINK_TEXT, "首页").click()
    _wait_text(browser, "首页：各单位概况")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "网页（admin）" in body and "未通过" in body
    shot("05-overview")

    # the quarterly briefing: made, then opened
    browser.find_element(By.LINK_TEXT, "报告").click()
    _wait_text(browser, "空白台账模板")
    Select(browser.find_element(By.NAME, "report")).select_by_value("quarterly")
    Select(browser.find_element(By.NAME, "quarter")).select_by_value("4")
    browser.find_element(By.CSS_SELECTOR, "#make-report button.primary").click()
    _wait_text(browser, "返回报告")
    shot("06-report-made")
    browser.find_element(By.LINK_TEXT, "在浏览器中打开").click()
    browser.switch_to.window(browser.window_handles[-1])
    _wait_text(browser, "季度例会通报")
    assert "示例市中心血站" in browser.find_element(By.TAG_NAME, "body").text
    shot("07-report")
    assert len(list(shots.glob("*.png"))) == 7


def test_a_member_signs_in_on_a_phone_sized_screen(server, browser, tmp_path):
    """The public sign-in page (docs/signin.md) at a phone's viewport: no login, no script needed;
    a wrong guess gets the neutral message, the right name and digits sign in."""
    import datetime as dt
    import re

    import duckdb
    from selenium.webdriver.common.by import By

    url, db = server
    for f in write_demo_ledgers(tmp_path / "ledgers").files:
        assert api.load(db, f.kind, [f.path], **f.options)[0].status != "rejected"
    made = api.new_signin(db, unit="示例市中心血站", team="检验队", title="社区献血宣传", date=dt.date.today(),
                          start="00:00", end="23:59", place="东城社区", base_url=url)
    con = duckdb.connect(str(db), read_only=True)
    phone = con.execute("SELECT phone FROM volunteer_versions WHERE name = '陈建华' ORDER BY valid_from DESC LIMIT 1"
                        ).fetchall()[0][0]
    con.close()
    last4 = re.findall(r"1\d{10}", phone)[-1][-4:]
    browser.set_window_size(390, 844)  # a phone's screen
    browser.get(made.signin.url)
    _wait_text(browser, "社区献血宣传")
    form = browser.find_element(By.TAG_NAME, "form")
    assert form.size["width"] <= 390 and browser.execute_script("return document.documentElement.scrollWidth") <= 390
    browser.find_element(By.NAME, "name").send_keys("陈建华")
    browser.find_element(By.NAME, "phone_last4").send_keys("0000" if last4 != "0000" else "1111")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_text(browser, "未能签到，请核对姓名和手机后四位")
    assert browser.save_screenshot(str(tmp_path / "phone-refused.png"))
    browser.find_element(By.NAME, "phone_last4").send_keys(last4)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_text(browser, "签到成功")
    assert browser.save_screenshot(str(tmp_path / "phone-signed.png"))
    assert [p["name"] for p in api.signin_detail(db, made.signin.code).people] == ["陈建华"]

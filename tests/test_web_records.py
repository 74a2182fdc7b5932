"""Confirmed months and the history in the browser (docs/web.md, "Confirmed months"): a unit confirms
its own month with a CSRF-protected button, the overview shows what is unconfirmed, an upload
touching a confirmed month asks for a reason, and 修改记录 shows only the account's units."""

from __future__ import annotations

import io
import re

import pytest
import webtown as town
from conftest import db_fingerprint, write_xlsx
from test_web import Site, action_url, make_site, upload

from tracker import api


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return town.build(tmp_path_factory.mktemp("town"))


@pytest.fixture
def site(built, tmp_path) -> Site:
    return make_site(town.copy_db(built, tmp_path / "db"), tmp_path)


def _confirm(c, unit: str, month: str, csrf: str | None = None):
    page = c.get(f"/units/{unit}?year=2025")
    token = csrf if csrf is not None else town.csrf_of(page.text)
    return c.post(f"/units/{unit}/confirm", data={"csrf": token, "month": month}, follow_redirects=False)


def test_a_unit_confirms_its_month_on_its_page(site):
    c = site.as_("xuezhan")
    page = c.get(f"/units/{town.BLOOD}?year=2025")
    assert "确认该月台账" in page.text and "待确认" in page.text
    r = _confirm(c, town.BLOOD, "2025-03")
    assert r.status_code == 303
    after = c.get(r.headers["location"]).text
    assert "已确认 2025-03" in after
    (s,) = api.status(site.db, town.BLOOD, 2025, scope=api.unit_scope(town.BLOOD))
    assert s.confirmed["activities"] == ["2025-03"]
    who = [e.account for e in api.history(site.db, unit=town.BLOOD, month="2025-03") if e.action == "confirm"]
    assert who and all(a == "网页（xuezhan）" for a in who)


def test_confirming_without_the_token_or_for_another_unit_changes_nothing(site):
    before = db_fingerprint(site.db)
    c = site.as_("xuezhan")
    assert _confirm(c, town.BLOOD, "2025-03", csrf="forged").status_code == 403
    token = town.csrf_of(c.get(f"/units/{town.BLOOD}").text)
    r = c.post(f"/units/{town.HOSPITAL}/confirm", data={"csrf": token, "month": "2025-03"})
    assert r.status_code == 404 and town.HOSPITAL not in town.text_of(r.text)
    assert db_fingerprint(site.db) == before


def _unconfirmed(html: str) -> dict[str, str]:
    """unit → the text of its 未确认月份 cell on the overview."""
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cell = re.search(r'<td class="unconfirmed">(.*?)</td>', row, re.S)
        unit = re.search(r"<strong>(.*?)</strong>", row)
        if cell and unit:
            out[unit.group(1)] = town.text_of(cell.group(1)).strip()
    return out


def test_the_overview_lists_unconfirmed_months_per_unit(site):
    c = site.as_("admin")
    before = _unconfirmed(c.get("/?year=2025").text)
    assert "2025-03" in before[town.HOSPITAL] and "2025-01 至 2025-12" in before[town.BLOOD]
    _confirm(c, town.HOSPITAL, "2025-03")
    after = _unconfirmed(c.get("/?year=2025").text)
    assert after[town.HOSPITAL] == "无" and after[town.BLOOD] == before[town.BLOOD]


def test_an_upload_touching_a_confirmed_month_asks_for_a_reason(site, tmp_path):
    c = site.as_("yiyuan")
    _confirm(c, town.HOSPITAL, "2025-03")
    f = write_xlsx(tmp_path / "医院活动2025-03-补.xlsx", [
        ["单位名称", "日期", "服务队", "活动名称", "参加人员", "服务时长"],
        [town.HOSPITAL, "2025-03-20", "医院党员志愿服务队", "补登义诊", "欧阳明月", 2]])
    before = db_fingerprint(site.db)
    r = upload(c, [f])
    assert "更正原因" in r.text and 'name="reason"' in r.text and "已经确认" in r.text
    assert "--reason" not in r.text  # said as the page says it
    url = action_url(r.text)
    token = town.csrf_of(r.text)
    stored = c.post(url, data={"csrf": token, "action": "store", "kind_0": "activities", "reason": ""})
    assert db_fingerprint(site.db) == before and "不能导入" in stored.text
    checked = c.post(url, data={"csrf": token, "action": "check", "kind_0": "activities", "reason": "补登3月20日义诊"})
    assert "可以导入" in checked.text
    done = c.post(url, data={"csrf": token, "action": "store", "kind_0": "activities", "reason": "补登3月20日义诊"})
    assert "已全部写入数据库" in done.text
    (e, *_) = api.history(site.db, unit=town.HOSPITAL, month="2025-03")
    assert e.reason == "补登3月20日义诊" and e.account == "网页（yiyuan）"


def test_the_history_page_shows_the_accounts_units_only(site, tmp_path):
    admin = site.as_("admin")
    _confirm(admin, town.BLOOD, "2025-03")
    _confirm(admin, town.HOSPITAL, "2025-03")
    mine = site.as_("yiyuan").get("/history").text
    assert town.HOSPITAL in mine and "欧阳明月" in mine
    assert town.BLOOD not in town.text_of(mine) and "陈建华" not in mine
    every = admin.get("/history?month=2025-03").text
    assert town.BLOOD in every and town.HOSPITAL in every
    assert re.search(r"确认\s*活动登记簿", town.text_of(every))
    assert site.as_("yiyuan").get(f"/history?unit={io.StringIO(town.BLOOD).read()}").status_code == 404

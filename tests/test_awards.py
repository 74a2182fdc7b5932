"""Year-end commendation and points (docs/awards.md): candidates by the rules file's criteria and
quota, the decision recorded into each volunteer's archive, its documents, and the points ranking."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil

import openpyxl
import pytest
from docx import Document
from report_demo import demo_db
from starlette.testclient import TestClient

from tracker import api
from tracker.web import create_app

UNIT = "示例市中心血站"
YEAR = "2025"
TODAY = dt.date(2026, 1, 15)

# the section, as a new user would write it
SECTION = """
[awards."优秀党员志愿者"]
min_hours = 40          # service hours in the year
min_activities = 5
min_years = 0           # years since registration
quota = 0.2             # share of the unit's registered volunteers, rounded down, at least 1
exclude_reminded = true # nobody on the year's 提醒教育名单
[awards."优秀党员志愿服务队"]
scope = "team"
min_members = 10
min_activities = 20
min_active_share = 0.6  # share of members meeting the hours rule
quota = 0.25
[points]
per_hour = 2
"""


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    d = demo_db(tmp_path_factory)
    return shutil.copyfile(d.db, tmp_path / "demo.duckdb")


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "规则.toml"
    path.write_text(SECTION, encoding="utf-8")
    return path


def _candidates(cli, demo, rules, *extra) -> list[dict]:
    r = cli("awards", "--year", YEAR, "--unit", UNIT, "--json", "--rules", rules, *extra, db=demo)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_no_more_than_a_fifth_is_proposed_each_meets_the_criteria_ranked_by_hours(cli, demo, rules):
    rows = [r for r in _candidates(cli, demo, rules) if r["award"] == "优秀党员志愿者"]
    registered = next(s for s in api.status(demo, year=2025) if s.unit == UNIT).volunteers
    assert len(rows) == registered  # everyone considered, the excluded with a reason
    proposed = [r for r in rows if r["excluded"] is None]
    assert 1 <= len(proposed) <= math.floor(registered * 0.2)
    assert all(r["hours"] >= 40 and r["activities"] >= 5 for r in proposed)
    hours = [r["hours"] for r in proposed]
    assert hours == sorted(hours, reverse=True) and [r["rank"] for r in proposed] == list(range(1, len(proposed) + 1))
    # those who qualify past the quota are said to be, the rest say which rule they miss
    over = [r for r in rows if r["excluded"] and "超出名额" in r["excluded"]]
    assert over and min(hours) >= max(r["hours"] for r in over)
    assert all(("不足" in r["excluded"]) or ("超出名额" in r["excluded"]) or ("提醒" in r["excluded"])
               for r in rows if r["excluded"])
    assert all({"name", "award", "hours", "activities", "excluded"} <= set(r) for r in rows)


def test_nobody_on_the_mid_year_reminder_list_is_proposed_even_with_no_threshold(cli, demo, tmp_path):
    rules = tmp_path / "宽松.toml"
    rules.write_text('[awards."优秀党员志愿者"]\nmin_hours = 0\nmin_activities = 0\nquota = 1.0\n', encoding="utf-8")
    _, reminded = api.reminder_list(demo, api.LOCAL, f"{YEAR}-06-30", unit=UNIT, today=TODAY)
    assert reminded
    rows = _candidates(cli, demo, rules)
    by_person = {(r["name"], r["team"]): r for r in rows}
    for p in reminded:
        assert by_person[(p["name"], p["team"])]["excluded"] == f"列入 {YEAR} 年年中提醒教育名单"
    assert sum(r["excluded"] is None for r in rows) == len(rows) - len(reminded)


def test_the_team_award_counts_members_and_activities_and_its_quota(cli, demo, tmp_path):
    rules = tmp_path / "队.toml"
    rules.write_text('[awards."优秀党员志愿服务队"]\nscope = "team"\nmin_members = 4\nmin_activities = 8\n'
                     'min_active_share = 0.5\nquota = 0.25\n', encoding="utf-8")
    rows = _candidates(cli, demo, rules)
    assert {r["award"] for r in rows} == {"优秀党员志愿服务队"}  # naming an award replaces the defaults
    proposed = [r for r in rows if r["excluded"] is None]
    assert len(proposed) == 1 and proposed[0]["hours"] == max(r["hours"] for r in rows if r["members"] >= 4)
    assert all(r["members"] >= 4 and r["activities"] >= 8 and r["share"] >= 0.5 for r in proposed)


def test_recording_the_first_candidate_shows_in_the_volunteers_record(cli, demo, rules):
    first = next(r for r in _candidates(cli, demo, rules, "--award", "优秀党员志愿者") if r["excluded"] is None)
    r = cli("awards", "record", "--year", YEAR, "--award", "优秀党员志愿者", first["name"], "--rules", rules, db=demo)
    assert r.code == 0 and "新增 1 个" in r.out, r.err
    r = cli("volunteer", first["name"], "--json", db=demo)
    record = json.loads(r.out)
    assert [(a["year"], a["award"]) for a in record["awards"]] == [(2025, "优秀党员志愿者")]
    again = cli("awards", "record", "--year", YEAR, "--award", "优秀党员志愿者", first["number"], "--rules", rules, db=demo)
    assert again.code == 0 and "新增 0 个" in again.out
    listed = json.loads(cli("awards", "list", "--year", YEAR, "--json", db=demo).out)
    assert [x["name"] for x in listed] == [first["name"]] and listed[0]["account"]


def test_recording_someone_unknown_is_refused_and_changes_nothing(cli, demo):
    from conftest import db_fingerprint

    before = db_fingerprint(demo)
    r = cli("awards", "record", "--year", YEAR, "--award", "优秀党员志愿者", "周敏", "没这人", db=demo)
    assert r.code == 1 and "没这人" in r.err and "Traceback" not in r.err
    assert db_fingerprint(demo) == before
    r = cli("awards", "record", "--year", YEAR, "--award", "优秀", "周敏", db=demo)
    assert r.code == 2 and "优秀党员志愿者" in r.err


def test_a_decided_list_from_a_file_and_someone_not_proposed_is_recorded_with_a_warning(cli, demo, tmp_path):
    import polars as pl

    decided = tmp_path / "决定.xlsx"
    pl.DataFrame({"序号": [1, 2], "姓名": ["林志远", "冯磊"]}).write_excel(decided)
    r = cli("awards", "record", "--year", YEAR, "--award", "优秀党员志愿者", "--file", decided, db=demo)
    assert r.code == 0, r.err
    assert "冯磊 不在推荐名单中" in r.out
    assert {x["name"] for x in api.list_awards(demo, year=2025)} == {"林志远", "冯磊"}


def test_the_documents_a_recommendation_each_and_the_public_list_without_identifiers(cli, demo, tmp_path):
    api.record_awards(demo, year=2025, award="优秀党员志愿者", who=["周敏", "XZ021"], today=TODAY)
    out = tmp_path / "表彰"
    r = cli("awards", "documents", "--year", YEAR, "--out", out, db=demo)
    assert r.code == 0, r.err
    rec = Document(str(out / "推荐表_优秀党员志愿者_周敏.docx"))
    text = "\n".join(p.text for p in rec.paragraphs) + "\n".join(c.text for t in rec.tables for row in t.rows
                                                                 for c in row.cells)
    titles = {a["title"] for a in api.volunteer_archive(demo, "周敏", year=2025, today=TODAY).activities}
    assert "周敏" in text and UNIT in text and "党组织意见" in text and "51 小时" in text
    assert any(t in text for t in titles)  # deeds from the year's activities
    page = (out / f"公示名单_{YEAR}.html").read_text(encoding="utf-8")
    archive = api.volunteer_archive(demo, "周敏", unmask=True, today=TODAY)
    assert "周敏" in page and "林志远" in page
    digits = [d for d in (archive.phone, archive.id_number) if d]
    assert digits and not any(d[-4:] in page or d in page for d in digits)
    assert (out / f"公示名单_{YEAR}.docx").is_file()


def test_the_points_ranking_gives_two_points_an_hour(cli, demo, rules, tmp_path):
    out = tmp_path / "报告"
    r = cli("report", "points", "--year", YEAR, "--unit", UNIT, "--rules", rules, "--out", out, db=demo)
    assert r.code == 0, r.err
    (xlsx,) = out.glob("*.xlsx")
    ws = openpyxl.load_workbook(xlsx).worksheets[0]
    rows = [row for row in ws.iter_rows(values_only=True)]
    head = next(i for i, row in enumerate(rows) if row and "积分" in row)
    cols = {h: j for j, h in enumerate(rows[head])}
    body = [row for row in rows[head + 1:] if row[cols["姓名"]]]
    assert body and all(float(row[cols["积分"]]) == pytest.approx(2 * float(row[cols["服务时长"]])) for row in body)
    points = [float(row[cols["积分"]]) for row in body]
    assert points == sorted(points, reverse=True)
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "每服务 1 小时 2 分" in html


def test_bonuses_and_deductions_count_only_when_the_rules_set_them(demo, tmp_path):
    plain = api.points_ranking(demo, year=2025, unit=UNIT, today=TODAY)
    assert all(p["points"] == pytest.approx(2 * p["hours"]) for p in plain)
    rules = tmp_path / "积分.toml"
    rules.write_text("[points]\nper_hour = 1\nper_missed_meeting = 3\nper_activity = { \"培训\" = 2 }\n", encoding="utf-8")
    scored = {p["vid"]: p for p in api.points_ranking(demo, year=2025, unit=UNIT, rules=rules, today=TODAY)}
    some = [p for p in scored.values() if p["deducted"] or p["by_activities"]]
    assert some
    for p in scored.values():
        assert p["points"] == pytest.approx(p["hours"] + p["by_activities"] - 3 * p["missed_meetings"])
    assert any("缺席例会" in p["how"] for p in some) or any("活动加分" in p["how"] for p in some)


@pytest.mark.parametrize(("text", "says"), [
    ('[awards."优秀党员志愿者"]\nmin_hour = 40\n', "min_hour"),
    ('[awards."优秀党员志愿者"]\nquota = 20\n', "0 到 1"),
    ('[awards."优秀党员志愿者"]\nscope = "unit"\n', "scope"),
    ("[points]\nper_hour = -1\n", "per_hour"),
])
def test_a_wrong_award_or_points_rule_is_named(cli, demo, tmp_path, text, says):
    rules = tmp_path / "错.toml"
    rules.write_text(text, encoding="utf-8")
    r = cli("awards", "--year", YEAR, "--rules", rules, db=demo)
    assert r.code in (1, 2) and says in r.err and "Traceback" not in r.err


def test_the_rules_command_writes_the_award_sections_and_they_read_back(cli, tmp_path, demo):
    out = tmp_path / "规则.toml"
    assert cli("rules", "--out", out).code == 0
    text = out.read_text(encoding="utf-8")
    assert '[awards."优秀党员志愿者"]' in text and "[points]" in text and "per_hour = 2" in text
    assert cli("awards", "--year", YEAR, "--rules", out, db=demo).code == 0


def test_the_district_view_and_the_xlsx(cli, demo, tmp_path):
    r = cli("awards", "--year", YEAR, "--district", "示例市卫生局", db=demo)
    assert r.code == 0 and "推荐 5 个" in r.out, r.err
    r = cli("awards", "--year", YEAR, "--district", "没有这个局", db=demo)
    assert r.code == 1 and "没有上级单位" in r.err
    out = tmp_path / "候选.xlsx"
    assert cli("awards", "--year", YEAR, "--out", out, db=demo).code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["优秀党员志愿者", "优秀党员志愿服务队"]
    assert "推荐" in [c.value for row in wb["优秀党员志愿者"].iter_rows() for c in row]


def test_the_web_shows_candidates_and_points_on_the_unit_and_district_pages(demo):
    api.record_awards(demo, year=2025, award="优秀党员志愿者", who=["周敏"], today=TODAY)
    c = TestClient(create_app(demo, demo.parent / "web", today=lambda: TODAY))
    unit = c.get(f"/units/{UNIT}?year=2025")
    assert unit.status_code == 200 and "优秀党员志愿者：推荐 周敏" in unit.text and "周敏 102 分" in unit.text
    page = c.get("/awards?district=示例市卫生局&year=2025")
    assert page.status_code == 200
    assert "超出名额" in page.text and "积分排行" in page.text and "102" in page.text
    assert "已记录的评比结果（1）" in page.text
    assert c.get("/awards?unit=没这单位&year=2025").status_code == 404

"""Report contents against the demo year's designed variety (tracker.demo_data.DemoDesign)."""

import datetime as dt

import polars as pl
import pytest
from report_demo import demo_db

from tracker.assess.assessment import Assessment
from tracker.reports import annual, midyear, quarterly
from tracker.reports.spec import Request
from tracker.rules import DEFAULTS
from tracker.store.db import connect

D = dt.date
TODAY = D(2026, 1, 20)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    return demo_db(tmp_path_factory)


@pytest.fixture(scope="module")
def con(demo):
    with connect(demo.db, read_only=True) as c:
        yield c


def _build(report, con, demo, year, **kw):
    a = Assessment(con, DEFAULTS, demo.design.unit, TODAY)
    return report.build(a.unit_view(demo.design.unit), Request(year, today=TODAY, **kw))


def _row(table, **match):
    rows = table.frame.filter(*[pl.col(k) == v for k, v in match.items()]).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_quarterly_q3_shows_missing_meeting_and_team_progress(con, demo):
    r = _build(quarterly, con, demo, 2025, quarter=3)
    assert r.header.start == D(2025, 7, 1) and r.header.end == D(2025, 9, 30)
    fails = " ".join(i["text"] for i in r.lists["fails"])
    assert "第3季度" in fails and "工作例会 0 次" in fails
    short = _row(r.tables["teams"], team_label=demo.design.short_team)
    assert short["level"] == "warn" and not short["met"]
    assert short["themes_missing"] == ["关爱山川河流"]
    # the months chart adds up to the year-to-date activities of the team table
    chart = r.charts["team_month"]
    assert sum(chart.totals()) == r.tables["teams"].frame["ytd_activities"].sum()
    assert len(chart.categories) == 9  # January to September
    assert any("2025-07-01 至 2025-09-30" in s and "未召开工作例会" in s for s in r.lists["due"])
    # the cards say the quarter had no meeting
    meeting = next(cd for cd in r.cards if cd["label"] == "本季度工作例会")
    assert meeting["value"] == "0" and meeting["level"] == "fail"


def test_quarterly_idle_volunteers_are_those_who_stopped_or_never_served(con, demo):
    r = _build(quarterly, con, demo, 2025, quarter=3)
    idle = set(r.tables["idle"].frame["name"])
    designed = set(demo.design.never_served) | set(demo.design.stopped_after_march)
    assert designed <= idle
    assert demo.design.withdrawn not in idle  # left in June: owes nothing in Q3
    # the volunteers table is sorted by team and flags the never-served as failing
    vols = r.tables["volunteers"].frame
    assert vols["team"].to_list() == sorted(vols["team"].to_list())
    for name in demo.design.never_served:
        assert _row(r.tables["volunteers"], name=name)["level"] == "fail"


def test_quarterly_themes_list_main_actions_first(con, demo):
    r = _build(quarterly, con, demo, 2025, quarter=1)
    themes = r.tables["themes"].frame["theme"].to_list()
    assert themes[:2] == list(DEFAULTS.themes)
    assert r.charts["themes"].categories == themes


def test_midyear_inactive_list_has_the_designed_people_and_reasons(con, demo):
    r = _build(midyear, con, demo, 2025, as_of=D(2025, 6, 30))
    table = r.tables["inactive"].frame
    by_reason = {
        name: set(reasons) for name, reasons in zip(table["name"], table["reasons"], strict=True)
    }
    designed = set(demo.design.never_served) | set(demo.design.stopped_after_march)
    absent = {n for n, rs in by_reason.items() if rs & {"never_served", "no_recent_service"}}
    assert absent == designed
    for name in demo.design.never_served:
        assert "never_served" in by_reason[name]
        assert "从未参加" in _row(r.tables["inactive"], name=name)["reason_text"]
    for name in demo.design.stopped_after_march:
        assert "no_recent_service" in by_reason[name]
    # new volunteers are listed apart and never reminded
    assert set(r.tables["new"].frame["name"]) == set(demo.design.new_volunteers)
    assert not set(demo.design.new_volunteers) & set(by_reason)
    gone = _row(r.tables["left"], name=demo.design.withdrawn)
    assert gone["left"] == demo.design.withdrawn_on


def test_midyear_advice_names_people_and_the_lagging_team(con, demo):
    r = _build(midyear, con, demo, 2025, as_of=D(2025, 6, 30))
    advice = "\n".join(r.lists["advice"])
    for name in (*demo.design.never_served, *demo.design.stopped_after_march):
        assert name in advice
    assert f"{demo.design.short_team}：截至 2025-06-30" in advice
    assert "关爱山川河流" in advice
    assert "2025-07-15" in advice and "2025-07-20" in advice
    behind = r.tables["teams"].frame.filter(~pl.col("activities_met"))["team_label"].to_list()
    assert behind == [demo.design.short_team]


def test_midyear_default_as_of_is_the_last_month_loaded(con, demo):
    r = _build(midyear, con, demo, 2025, as_of=None)
    assert r.header.as_of == D(2025, 12, 31)


def test_annual_teams_volunteers_and_compliance(con, demo):
    r = _build(annual, con, demo, 2025)
    short = _row(r.tables["teams"], team_label=demo.design.short_team)
    assert short["activities"] == 8 and short["level"] == "fail"
    assert short["themes_missing"] == ["关爱山川河流"]
    ten = _row(r.tables["teams"], team_label=demo.design.ten_haves_short)
    assert ten["ten"] == "8/10" and set(ten["ten_missing"]) == set(demo.design.ten_haves_missing)
    comp = {row["title"]: row["level"] for row in r.tables["compliance"].frame.to_dicts()}
    assert comp["R6 季度例会"] == "fail" and comp["R1 志愿者比例"] == "pass"
    groups = {g["rule"]: g for g in r.lists["rule_groups"]}
    overdue = " ".join(i["text"] for i in groups["demand_overdue"]["items"])
    for demand in demo.design.overdue_demands:
        assert demand in overdue
    assert demo.design.overdue_pairing in groups["pairing_overdue"]["items"][0]["text"]
    # the withdrawn volunteer is assessed up to the withdrawal
    gone = _row(r.tables["volunteers"], name=demo.design.withdrawn)
    assert "退出" in gone["note"] and gone["target_hours"] < 24
    for name in demo.design.never_served:
        assert _row(r.tables["volunteers"], name=name)["result"] == "未达标"


def test_annual_stars_follow_cumulative_hours(con, demo):
    r = _build(annual, con, demo, 2025)
    vols = r.tables["volunteers"].frame
    for row in vols.to_dicts():
        assert row["stars"] == sum(row["cumulative_hours"] >= t for t in DEFAULTS.stars)
    stars = {row["star"]: row["names"] for row in r.tables["stars"].frame.to_dicts()}
    assert "陈建华" in stars["四星"]  # 1020 prior hours
    chart = r.charts["stars"]
    assert sum(chart.series["人数"]) == vols.filter(pl.col("active")).height
    progress = dict(zip(r.charts["progress"].categories, r.charts["progress"].series["活动次数"], strict=True))
    assert progress[demo.design.short_team] == 8

"""Figures per volunteer, team and unit (docs/rules.md), as reports and check read them."""

from __future__ import annotations

import pytest
from factory import D, one_named

from tracker.assess.figures import (
    demand_figures,
    pairing_figures,
    quarterly_meetings,
    team_figures,
    unit_figures,
    volunteer_figures,
)
from tracker.periods import Period
from tracker.rules import Rules

U = "示例市中心血站"
YEAR = Period.year(2026)
H1 = Period(D(2026, 1, 1), D(2026, 6, 30))


def by_team(df, team):
    return df.filter(df["team"] == team).to_dicts()[0]


def test_period_label_is_an_explicit_inclusive_range():
    assert H1.label == "2026-01-01 至 2026-06-30"
    assert H1.days == 181
    assert Period.quarter(2026, 4).label == "2026-10-01 至 2026-12-31"


def test_mid_year_pro_rata_target(led):
    v = led.volunteer(U, "张晓明", "检验队")
    led.activity(U, "检验队", D(2026, 3, 1), "宣传", [v], hours=11.9)
    row = one_named(volunteer_figures(led.con, H1, U), "张晓明")
    assert row["target_hours"] == pytest.approx(24 * 181 / 365)
    assert row["met"] is False  # 11.9 < 11.9014
    led.activity(U, "检验队", D(2026, 4, 1), "宣传", [v], hours=0.1)
    assert one_named(volunteer_figures(led.con, H1, U), "张晓明")["met"] is True


def test_registered_mid_year_owes_from_registration(led):
    led.volunteer(U, "李红", "检验队", registered=D(2026, 7, 1))
    row = one_named(volunteer_figures(led.con, YEAR, U), "李红")
    assert row["owed_days"] == 184
    assert row["target_hours"] == pytest.approx(24 * 184 / 365)


def test_withdrawn_volunteer_is_assessed_up_to_withdrawal(led):
    v = led.volunteer(U, "王芳", "检验队", status="退出", left=D(2026, 7, 1))
    led.activity(U, "检验队", D(2026, 5, 1), "宣传", [v], hours=12)
    row = one_named(volunteer_figures(led.con, YEAR, U), "王芳")
    assert row["owed_days"] == 181  # 1 January to 30 June: the day of withdrawal is not owed
    assert row["target_hours"] == pytest.approx(24 * 181 / 365)
    assert row["met"] is True and row["active"] is False
    # who left before the period is not assessed in it
    assert "王芳" not in volunteer_figures(led.con, Period.year(2027), U)["name"].to_list()


def test_training_and_meeting_hours_are_listed_not_counted(led):
    v = led.volunteer(U, "张晓明", "检验队")
    led.activity(U, "检验队", D(2026, 2, 1), "岗前培训", [v], hours=10, kind="培训")
    led.activity(U, "检验队", D(2026, 3, 1), "一季度例会", [v], hours=2, kind="例会")
    led.activity(U, "检验队", D(2026, 4, 1), "宣传", [v], hours=2)
    row = one_named(volunteer_figures(led.con, YEAR, U), "张晓明")
    assert row["service_hours"] == 2
    assert (row["training_hours"], row["meeting_hours"]) == (10, 2)
    assert (row["activities"], row["trainings"], row["meetings"]) == (1, 1, 1)
    assert row["last_service"] == D(2026, 4, 1)
    assert unit_figures(led.con, YEAR, U).to_dicts()[0]["service_activities"] == 1


def test_pairing_visits_count_as_service_unless_the_rules_say_not(led):
    v = led.volunteer(U, "张晓明", "检验队")
    led.activity(U, "检验队", D(2026, 4, 1), "宣传", [v], hours=2)
    led.pairing(U, v, D(2026, 5, 1), "赵奶奶", hours=1.5)
    assert one_named(volunteer_figures(led.con, YEAR, U), "张晓明")["service_hours"] == 3.5
    no_pairing = Rules(pairing_hours_count=False)
    row = one_named(volunteer_figures(led.con, YEAR, U, no_pairing), "张晓明")
    assert row["service_hours"] == 2 and row["pairing_hours"] == 1.5


def test_serving_in_another_teams_activity(led):
    led.team(U, "检验队")
    led.team(U, "宣传队")
    a = led.volunteer(U, "张晓明", "检验队")
    b = led.volunteer(U, "李红", "宣传队")
    led.activity(U, "检验队", D(2026, 3, 1), "献血进社区", [a, b], hours=3)
    vols = volunteer_figures(led.con, YEAR, U)
    assert one_named(vols, "李红")["service_hours"] == 3  # hours go to the volunteer
    teams = team_figures(led.con, YEAR, U)
    assert by_team(teams, "检验队")["activities"] == 1  # the count to the organizing team
    assert by_team(teams, "检验队")["participants"] == 2
    assert by_team(teams, "宣传队")["activities"] == 0
    assert by_team(teams, "宣传队")["members"] == 1


def test_stars_at_the_threshold(led):
    a = led.volunteer(U, "张晓明", "检验队", prior_hours=97.5)
    b = led.volunteer(U, "李红", "检验队", prior_hours=98)
    c = led.volunteer(U, "王芳", "检验队", prior_hours=1498)
    led.activity(U, "检验队", D(2025, 11, 1), "宣传", [a, b, c], hours=1)  # an earlier year counts too
    led.activity(U, "检验队", D(2026, 3, 1), "宣传", [a, b, c], hours=1)
    vols = volunteer_figures(led.con, YEAR, U)
    assert one_named(vols, "张晓明")["cumulative_hours"] == 99.5
    assert one_named(vols, "张晓明")["stars"] == 0
    assert one_named(vols, "李红")["stars"] == 1
    assert one_named(vols, "王芳")["stars"] == 5
    # the period's end bounds the cumulative hours
    assert one_named(volunteer_figures(led.con, Period.year(2025), U), "李红")["stars"] == 0


def test_roster_at_the_period_end_decides_the_team(led):
    led.team(U, "检验队")
    led.team(U, "宣传队")
    v = led.volunteer(U, "张晓明", "检验队", registered=D(2025, 1, 1))
    led.volunteer(U, "张晓明", "宣传队", registered=D(2025, 1, 1), valid_from=D(2026, 7, 1), vid=v)
    assert one_named(volunteer_figures(led.con, H1, U), "张晓明")["team"] == "检验队"
    assert one_named(volunteer_figures(led.con, YEAR, U), "张晓明")["team"] == "宣传队"
    h1 = team_figures(led.con, H1, U)
    assert (by_team(h1, "检验队")["members"], by_team(h1, "宣传队")["members"]) == (1, 0)
    year = team_figures(led.con, YEAR, U)
    assert (by_team(year, "检验队")["members"], by_team(year, "宣传队")["members"]) == (0, 1)


def test_team_figures_themes_ten_haves_and_founding_pro_rata(led):
    led.team(U, "检验队", ten=8)
    led.team(U, "新队", founded=D(2026, 7, 1))
    v = led.volunteer(U, "张晓明", "检验队")
    led.activity(U, "检验队", D(2026, 3, 1), "敬老院义诊", [v], theme="关爱老幼弱残·助老")
    led.activity(U, "检验队", D(2026, 4, 1), "学雷锋", [v], theme="学雷锋献爱心")
    t = by_team(team_figures(led.con, YEAR, U), "检验队")
    assert t["themes"] == ["关爱老幼弱残·助老", "学雷锋献爱心"]
    assert t["themes_missing"] == ["关爱山川河流"]
    assert t["ten_score"] == 8 and t["ten_missing"] == ["活动记录册", "实名QQ群"]
    new = by_team(team_figures(led.con, YEAR, U), "新队")
    assert new["target_activities"] == pytest.approx(10 * 184 / 365)


def test_members_meeting_the_target(led):
    led.team(U, "检验队")
    a = led.volunteer(U, "张晓明", "检验队")
    led.volunteer(U, "李红", "检验队")
    led.activity(U, "检验队", D(2026, 3, 1), "宣传", [a], hours=24)
    t = by_team(team_figures(led.con, YEAR, U), "检验队")
    assert (t["members"], t["members_met"], t["hours"]) == (2, 1, 24)


def test_unit_ratio_band_trainings_and_meetings(led):
    led.unit(U, party_members=34, formal_members=30)
    for t in ("一队", "二队"):
        led.team(U, t)
    people = [led.volunteer(U, f"志愿者{i}", "一队") for i in range(9)]
    led.volunteer(U, "退出者", "一队", status="退出", left=D(2026, 3, 1))
    led.activity(U, "一队", D(2026, 2, 1), "培训", people[:2], kind="培训")
    led.activity(U, "一队", D(2026, 2, 2), "例会", people[:2], kind="例会")
    led.activity(U, "一队", D(2026, 5, 2), "二季度例会", people[:2], kind="例会")
    u = unit_figures(led.con, YEAR, U).to_dicts()[0]
    assert u["volunteers"] == 9 and u["ratio"] == pytest.approx(9 / 30)
    assert (u["band_min"], u["band_max"], u["band_ok"]) == (2, 3, True)
    assert (u["trainings"], u["meetings"]) == (1, 2)
    q = quarterly_meetings(led.con, 2026, U)["meetings"].to_list()
    assert q == [1, 1, 0, 0]


def test_demands_state_at_the_period_end(led):
    led.demand(U, "XQ-1", D(2026, 1, 5), status="已办结", closed=D(2026, 1, 15))
    led.demand(U, "XQ-2", D(2026, 5, 1), status="已办结", closed=D(2026, 7, 10))
    led.demand(U, "XQ-3", D(2026, 5, 31))  # open exactly 30 days at 06-30: not overdue
    d = {r["demand_id"]: r for r in demand_figures(led.con, H1, U).to_dicts()}
    assert d["XQ-1"]["is_closed"] and d["XQ-1"]["days_to_close"] == 10
    assert not d["XQ-2"]["is_closed"] and d["XQ-2"]["overdue"]  # still open at 06-30
    assert d["XQ-3"]["days_open"] == 30 and not d["XQ-3"]["overdue"]
    u = unit_figures(led.con, H1, U).to_dicts()[0]
    assert (u["demands_received"], u["demands_closed"], u["demands_overdue"]) == (3, 1, 1)
    assert u["median_days_to_close"] == 10


def test_pairings_overdue_after_31_days_without_a_visit(led):
    v = led.volunteer(U, "张晓明", "检验队")
    led.pairing(U, v, D(2026, 5, 30), "赵奶奶", pair_id="JD-1")  # 31 days before 06-30
    led.pairing(U, v, D(2026, 5, 29), "钱爷爷", pair_id="JD-2")  # 32 days
    led.pairing(U, v, D(2026, 1, 29), "孙阿姨", pair_id="JD-3", status="已结束")
    p = {r["pair_id"]: r for r in pairing_figures(led.con, H1, U).to_dicts()}
    assert not p["JD-1"]["overdue"] and p["JD-2"]["overdue"]
    assert not p["JD-3"]["overdue"]
    assert p["JD-1"]["volunteer"] == "张晓明"
    assert unit_figures(led.con, H1, U).to_dicts()[0]["pairings_overdue"] == 1

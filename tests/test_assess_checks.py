"""`tracker check`'s rules: pass, warn and fail for each, as a unit's Party organization sees them."""

from __future__ import annotations

import datetime as dt

import pytest
from factory import D, Ledger

from tracker.assess.assessment import run_checks
from tracker.assess.checks import CHECKS
from tracker.problems import TrackerError
from tracker.rules import DEFAULTS, Rules, load_rules

U = "示例市中心血站"
END = D(2026, 12, 31)
MID = D(2026, 6, 30)
THEMES = ("关爱老幼弱残", "关爱山川河流")


def add_load(led: Ledger, kind: str, unit: str, day: dt.date) -> None:
    """A file of `kind` for `unit` loaded on `day` (what R13 reads)."""
    lid = led.con.execute("SELECT nextval('load_seq')").fetchall()[0][0]
    led.con.execute(
        "INSERT INTO loads (load_id, kind, file_name, file_path, file_hash, sheet, units, months, as_of, upload_month,"
        " rows, replaced, loaded_at) VALUES (?, ?, 'f.xlsx', NULL, 'h', NULL, [?], [], ?, NULL, 1, FALSE, ?)",
        [lid, kind, unit, day, dt.datetime.combine(day, dt.time(16, 30))],
    )


def good_unit(led: Ledger, unit: str = U, *, party: int = 10, formal: int | None = None,
              unit_row: bool = True, months=range(3, 13), trainings=(2, 8),
              meetings=(1, 2, 3, 4), themes=THEMES, loads: bool = True) -> list[int]:
    """A unit that meets every rule for 2026 at year end: 10 members, one team of three
    volunteers, ten themed activities of 2.5 h (25 h each), two trainings, a meeting a
    quarter, the forms loaded on time."""
    if unit_row:
        led.unit(unit, party, formal)
    led.team(unit, "红心队", leader="张晓明")
    people = [
        led.volunteer(unit, "张晓明", "红心队", leadership=True, number="V001"),
        led.volunteer(unit, "李红", "红心队", leadership=False),
        led.volunteer(unit, "王芳", "红心队"),
    ]
    for i, m in enumerate(months):
        led.activity(unit, "红心队", D(2026, m, 10), f"{m}月志愿服务", people, hours=2.5,
                     theme=themes[i % len(themes)])
    for m in trainings:
        led.activity(unit, "红心队", D(2026, m, 3), f"{m}月培训", people, hours=3, kind="培训")
    for q in meetings:
        led.activity(unit, "红心队", D(2026, 3 * q - 1, 5), f"第{q}季度例会", people[:2],
                     hours=1, kind="例会")
    if loads:
        add_load(led, "roster", unit, D(2026, 7, 1))
        add_load(led, "teams", unit, D(2026, 7, 1))
        add_load(led, "units", unit, D(2026, 7, 10))
    return people


def found(led, rule, as_of=END, rules=DEFAULTS, unit=U):
    return run_checks(led.con, 2026, as_of, unit, rules, only=[rule])


def levels(led, rule, **kw) -> list[str]:
    return [f.level for f in found(led, rule, **kw)]


def test_a_complete_unit_passes_every_rule_at_year_end(led):
    good_unit(led)
    findings = run_checks(led.con, 2026, END, U)
    bad = [(f.rule, f.level, f.message) for f in findings if f.level != "pass"]
    assert bad == []
    assert {f.rule for f in findings} == set(CHECKS)
    assert all(f.unit == U for f in findings)


# ---- R1, R2 ----------------------------------------------------------------------------------


def test_volunteer_ratio(led):
    good_unit(led, formal=10)
    f = found(led, "volunteer_ratio")[0]
    assert f.level == "pass" and "30%" in f.message and "2026-12-31" in f.message


def test_volunteer_ratio_below_30_percent_fails(led):
    good_unit(led, formal=11)
    f = found(led, "volunteer_ratio")[0]
    assert f.level == "fail" and "27.3%" in f.message
    assert f.figures["formal_members"] == 11 and f.figures["volunteers"] == 3


def test_volunteer_ratio_unknown_members_warns(led):
    good_unit(led, unit_row=False)
    f = found(led, "volunteer_ratio")[0]
    assert f.level == "warn" and "正式党员人数" in f.message


def test_team_count_outside_band_warns_and_no_team_fails(led):
    good_unit(led)
    assert levels(led, "team_count") == ["pass"]
    led.team(U, "蓝天队")
    f = found(led, "team_count")[0]
    assert f.level == "warn" and "应组建 1 支" in f.message
    led.unit("示例医院", 10)
    led.volunteer("示例医院", "周强")
    assert levels(led, "team_count", unit="示例医院") == ["fail"]


@pytest.mark.parametrize(
    "members, teams, level",
    [(20, 1, "pass"), (20, 2, "warn"), (21, 1, "warn"), (21, 2, "pass"), (50, 3, "pass"),
     (50, 4, "warn"), (51, 3, "warn"), (51, 4, "pass"), (100, 6, "pass"), (100, 7, "warn"),
     (101, 5, "warn"), (101, 6, "pass"), (101, 8, "pass"), (101, 9, "warn")],
)
def test_team_count_band_edges(led, members, teams, level):
    led.unit(U, members)
    for i in range(teams):
        led.team(U, f"第{i + 1}队")
    assert levels(led, "team_count") == [level]


# ---- R5, R6 ----------------------------------------------------------------------------------


def test_training_two_a_year(led):
    good_unit(led, trainings=(2,))
    f = found(led, "training")[0]
    assert f.level == "fail" and "组织培训 1 次" in f.message
    assert levels(led, "training", as_of=MID) == ["pass"]  # 1 by mid-year is on pace


def test_training_behind_pace_mid_year_warns(led):
    good_unit(led, trainings=(8,))
    assert levels(led, "training", as_of=MID) == ["warn"]
    assert levels(led, "training") == ["fail"]  # one training over the year


def test_training_met(led):
    good_unit(led)
    assert levels(led, "training") == ["pass"]


def test_quarterly_meeting_each_ended_quarter(led):
    good_unit(led, meetings=(1, 3, 4))
    f = {x.figures["quarter"]: x for x in found(led, "quarterly_meeting")}
    assert [f[q].level for q in (1, 2, 3, 4)] == ["pass", "fail", "pass", "pass"]
    assert "2026-04-01 至 2026-06-30" in f[2].message


def test_quarterly_meeting_running_quarter_warns_not_fails(led):
    good_unit(led)  # the Q2 meeting is on 2026-05-05
    f = {x.figures["quarter"]: x.level for x in found(led, "quarterly_meeting", as_of=D(2026, 5, 4))}
    assert f == {1: "pass", 2: "warn"}  # Q3 and Q4 have not begun
    f = {x.figures["quarter"]: x.level for x in found(led, "quarterly_meeting", as_of=D(2026, 5, 5))}
    assert f == {1: "pass", 2: "pass"}


# ---- R8 --------------------------------------------------------------------------------------


def test_team_activities_at_year_end(led):
    good_unit(led, months=range(4, 13))
    f = found(led, "team_activities")[0]
    assert f.level == "fail" and f.team == "红心队" and "9 次" in f.message


def test_team_activities_pro_rata_mid_year(led):
    good_unit(led)  # March to June: 4 activities; pace at 06-30 is 10 × 181/365 = 4.96
    f = found(led, "team_activities", as_of=MID)[0]
    assert f.level == "warn" and "5 次" in f.message
    led.activity(U, "红心队", D(2026, 6, 20), "加一次", [], hours=1)
    assert levels(led, "team_activities", as_of=MID) == ["pass"]


def test_team_founded_during_the_year_owes_activities_pro_rata(led):
    led.unit(U, 10)
    led.team(U, "新队", founded=D(2026, 7, 1))  # 10 × 184/365 = 5.04
    for m in range(7, 12):
        led.activity(U, "新队", D(2026, m, 1), "活动", [])
    f = found(led, "team_activities")[0]
    assert f.level == "fail" and "2026-07-01 成立" in f.message
    led.activity(U, "新队", D(2026, 12, 1), "活动", [])
    assert levels(led, "team_activities") == ["pass"]


def test_rules_file_override_changes_the_verdict(led, tmp_path):
    good_unit(led)
    assert levels(led, "team_activities") == ["pass"]
    p = tmp_path / "rules.toml"
    p.write_text("team_activities = 12\n", encoding="utf-8")
    f = found(led, "team_activities", rules=load_rules(p))[0]
    assert f.level == "fail" and "不少于 12 次" in f.message


def test_volunteer_hours_at_year_end(led):
    people = good_unit(led)
    assert levels(led, "volunteer_hours") == ["pass"]
    short = led.volunteer(U, "赵磊", "红心队")
    for m in range(4, 13):  # 9 × 2.5 = 22.5 h
        led.activity(U, "红心队", D(2026, m, 20), "加班服务", [short, *people], hours=2.5)
    f = found(led, "volunteer_hours")
    assert [(x.level, x.volunteer) for x in f] == [("fail", "赵磊")]
    assert "22.5 小时" in f[0].message and "24 小时" in f[0].message
    assert f[0].team == "红心队"


def test_volunteer_hours_pro_rata_mid_year(led):
    good_unit(led)  # 4 × 2.5 = 10 h by 06-30, pace 24 × 181/365 = 11.9 h
    f = found(led, "volunteer_hours", as_of=MID)
    assert {x.volunteer for x in f} == {"张晓明", "李红", "王芳"}
    assert all(x.level == "warn" for x in f)
    assert "2026-01-01 至 2026-06-30" in f[0].message and "11.9 小时" in f[0].message
    assert f[0].figures["target_hours"] == pytest.approx(24 * 181 / 365, abs=0.01)


def test_training_hours_do_not_make_up_service_hours(led):
    people = good_unit(led, months=range(4, 13))  # 22.5 h of service
    led.activity(U, "红心队", D(2026, 10, 1), "专题培训", people, hours=8, kind="培训")
    f = found(led, "volunteer_hours")
    assert len(f) == 3 and all(x.level == "fail" for x in f)
    assert f[0].figures["training_hours"] == 14


def test_withdrawn_volunteer_is_assessed_up_to_withdrawal(led):
    good_unit(led)
    gone = led.volunteer(U, "孙退", "红心队", status="退出", left=D(2026, 7, 1))
    led.activity(U, "红心队", D(2026, 5, 20), "服务", [gone], hours=11)
    f = found(led, "volunteer_hours")
    assert [(x.level, x.volunteer) for x in f] == [("fail", "孙退")]
    assert "计至退出" in f[0].message and "11.9 小时" in f[0].message
    led.activity(U, "红心队", D(2026, 6, 20), "服务", [gone], hours=1)  # 12 h ≥ 24 × 181/365
    assert levels(led, "volunteer_hours") == ["pass"]
    # and is no longer counted for the ratio
    assert found(led, "volunteer_ratio")[0].figures["volunteers"] == 3


# ---- R9, R11, R12 ----------------------------------------------------------------------------


def test_ten_haves(led):
    good_unit(led)
    assert levels(led, "ten_haves") == ["pass"]
    led.con.execute("UPDATE teams SET has_qq_group = NULL")
    f = found(led, "ten_haves")[0]
    assert f.level == "warn" and "实名QQ群" in f.message
    led.con.execute("UPDATE teams SET has_flag = FALSE")
    f = found(led, "ten_haves")[0]
    assert f.level == "fail" and "8/10" in f.message and "缺：队旗" in f.message


@pytest.mark.parametrize(
    "leader, leadership, level",
    [("张晓明", True, "pass"), ("V001", True, "pass"), ("张晓明 13800001234", True, "pass"),
     ("张晓明", None, "warn"), ("张晓明", False, "fail"), ("查无此人", True, "fail"), ("", True, "fail")],
)
def test_leader_must_be_in_leadership(led, leader, leadership, level):
    good_unit(led)
    led.con.execute("UPDATE teams SET leader = ?", [leader or None])
    led.con.execute("UPDATE volunteer_versions SET leadership = ? WHERE name = '张晓明'", [leadership])
    f = found(led, "leader")[0]
    assert f.level == level and f.team == "红心队"
    assert "13800001234" not in f.message + str(f.figures)


def test_leader_name_shared_by_two_volunteers_warns(led):
    good_unit(led)
    led.volunteer(U, "张晓明", "红心队", leadership=True, number="V009")
    f = found(led, "leader")[0]
    assert f.level == "warn" and "V001" in f.message and "V009" in f.message


def test_themes(led):
    good_unit(led, themes=("关爱老幼弱残",))
    f = found(led, "themes")[0]
    assert f.level == "fail" and "关爱山川河流" in f.message
    assert levels(led, "themes", as_of=MID) == ["warn"]
    led.activity(U, "红心队", D(2026, 12, 20), "清理河道", [], theme="关爱山川河流（护河）")
    assert levels(led, "themes") == ["pass"]


# ---- R13 -------------------------------------------------------------------------------------


def test_deadlines_on_time(led):
    good_unit(led)
    f = found(led, "deadlines")
    assert [x.level for x in f] == ["pass", "pass"]


def test_deadlines_late_warns_missing_fails(led):
    good_unit(led, loads=False)
    add_load(led, "roster", U, D(2026, 7, 16))  # a day late
    add_load(led, "units", U, D(2026, 7, 20))  # on the day
    f = {x.figures["which"]: x for x in found(led, "deadlines")}
    assert f["forms"].level == "fail"  # teams never loaded
    assert "服务队登记表未报送" in f["forms"].message and "逾期" in f["forms"].message
    assert f["summary"].level == "pass"
    add_load(led, "teams", U, D(2026, 7, 2))
    assert levels(led, "deadlines") == ["warn", "pass"]


def test_deadlines_judged_only_once_passed(led):
    good_unit(led, loads=False)
    assert found(led, "deadlines", as_of=D(2026, 7, 15)) == []
    assert levels(led, "deadlines", as_of=D(2026, 7, 16)) == ["fail"]  # forms only; summary not yet due
    add_load(led, "roster", U, D(2025, 7, 1))  # last year's forms do not count for 2026
    assert levels(led, "deadlines", as_of=D(2026, 7, 16)) == ["fail"]


# ---- R7, registers ---------------------------------------------------------------------------


def test_inactive_findings(led):
    people = good_unit(led)
    assert levels(led, "inactive") == ["pass"]
    faded = led.volunteer(U, "赵磊", "红心队")
    for m in range(3, 10):
        led.activity(U, "红心队", D(2026, m, 25), "服务", [faded, *people], hours=2.5)
    led.volunteer(U, "钱多", "红心队", registered=D(2026, 2, 1))
    led.volunteer(U, "新人", "红心队", registered=D(2026, 11, 1))
    f = {x.volunteer: x for x in found(led, "inactive")}
    assert set(f) == {"赵磊", "钱多"}
    assert f["钱多"].level == "fail" and f["钱多"].figures["reasons"][0] == "never_served"
    assert f["赵磊"].level == "warn"
    assert f["赵磊"].figures["reasons"] == ["no_recent_service", "behind_pace"]
    assert "2026-09-25" in f["赵磊"].message


def test_pairing_overdue(led):
    people = good_unit(led)
    led.pairing(U, people[0], D(2026, 12, 1), "赵奶奶", pair_id="JD-1")
    led.pairing(U, people[1], D(2025, 6, 1), "孙阿姨", pair_id="JD-3", status="已结束")
    assert levels(led, "pairing_overdue") == ["pass"]
    led.pairing(U, people[1], D(2026, 11, 1), "钱爷爷", pair_id="JD-2")
    f = found(led, "pairing_overdue")
    assert [(x.level, x.volunteer) for x in f] == [("fail", "李红")]
    assert "60 天" in f[0].message and "2026-11-01" in f[0].message
    led.pairing(U, people[2], D(2026, 10, 1), "周叔叔", pair_id="JD-4", status=None)
    assert sorted(levels(led, "pairing_overdue")) == ["fail", "warn"]


def test_demand_overdue(led):
    good_unit(led)
    led.demand(U, "XQ-1", D(2026, 3, 1), status="已办结", closed=D(2026, 3, 9))
    led.demand(U, "XQ-2", D(2026, 12, 1))  # 30 days open: not overdue
    assert levels(led, "demand_overdue") == ["pass"]
    led.demand(U, "XQ-3", D(2026, 11, 1), status="办理中")
    assert levels(led, "demand_overdue") == ["warn"]
    led.demand(U, "XQ-4", D(2026, 10, 1))
    f = found(led, "demand_overdue")
    assert [(x.level, x.figures["demand_id"]) for x in f] == [("fail", "XQ-4"), ("warn", "XQ-3")]
    assert "91 天" in f[0].message


# ---- units and periods -----------------------------------------------------------------------


def test_several_units_each_at_its_own_as_of(led):
    good_unit(led)
    led.months(U, "activities", [f"2026-{m:02d}" for m in range(1, 13)])
    other = "示例市人民医院"
    good_unit(led, other, formal=20)
    led.months(other, "activities", ["2026-05", "2026-06"])
    findings = run_checks(led.con)
    assert {f.unit for f in findings} == {U, other}
    ratio = {f.unit: f for f in findings if f.rule == "volunteer_ratio"}
    assert ratio[U].level == "pass" and "2026-12-31" in ratio[U].message
    assert ratio[other].level == "fail" and "2026-06-30" in ratio[other].message
    # the same names in two units are two people: the other unit's shortfalls stay there
    hours = [f for f in findings if f.rule == "volunteer_hours" and f.level != "pass"]
    assert hours and {f.unit for f in hours} == {other}
    # failures come first within each unit
    mine = [f.level for f in findings if f.unit == other]
    assert mine == sorted(mine, key=["fail", "warn", "pass"].index)


def test_volunteer_moved_team_mid_year_is_judged_in_the_new_team(led):
    people = good_unit(led)
    led.team(U, "蓝天队")
    led.volunteer(U, "王芳", "蓝天队", valid_from=D(2026, 7, 1), vid=people[2], registered=D(2025, 1, 1))
    led.activity(U, "红心队", D(2026, 12, 20), "额外", people[:2], hours=0.5)
    short = Rules(volunteer_hours=25.2)  # only 王芳 (25 h) falls short
    f = found(led, "volunteer_hours", rules=short)
    assert [(x.volunteer, x.team) for x in f] == [("王芳", "蓝天队")]
    f = found(led, "volunteer_hours", rules=short, as_of=MID)
    assert {x.volunteer: x.team for x in f}["王芳"] == "红心队"


def test_unknown_unit_is_an_error_with_a_suggestion(led):
    good_unit(led)
    with pytest.raises(TrackerError, match="示例市中心血站"):
        run_checks(led.con, 2026, END, "示例中心血站")


def test_as_of_before_the_year_is_an_error(led):
    good_unit(led)
    with pytest.raises(TrackerError, match="早于"):
        run_checks(led.con, 2027, END, U)

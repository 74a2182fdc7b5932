"""The inactive rule of docs/rules.md: each reason, the new-volunteer exemption, the as-of default."""

from __future__ import annotations

import pytest
from factory import D, one_named

from tracker.assess.assessment import Assessment, run_checks
from tracker.assess.inactive import inactive
from tracker.rules import Rules

U = "示例市中心血站"
AS_OF = D(2026, 6, 30)


def test_never_served_since_registration(led):
    led.volunteer(U, "张晓明", "检验队", registered=D(2025, 9, 1))
    r = one_named(inactive(led.con, AS_OF, U), "张晓明")
    assert r["state"] == "inactive" and r["reason"] == "never_served"
    assert "no_recent_service" not in r["reasons"]  # implied by never, not repeated
    assert "2025-09-01" in r["reason_text"] and "从未参加" in r["reason_text"]


def test_no_service_for_more_than_90_days(led):
    v = led.volunteer(U, "李红", "检验队")
    led.activity(U, "检验队", D(2026, 2, 28), "宣传", [v], hours=20)  # ahead of pace
    r = one_named(inactive(led.con, AS_OF, U), "李红")
    assert r["reasons"] == ["no_recent_service"]
    assert r["days_since"] == 122 and r["last_service"] == D(2026, 2, 28)
    assert "122 天" in r["reason_text"] and "2026-02-28" in r["reason_text"]


def test_exactly_90_days_is_not_yet_inactive(led):
    v = led.volunteer(U, "李红", "检验队")
    led.activity(U, "检验队", D(2026, 4, 1), "宣传", [v], hours=20)  # 90 days before 06-30
    assert one_named(inactive(led.con, AS_OF, U), "李红")["state"] == "active"


def test_behind_pace_year_to_date(led):
    v = led.volunteer(U, "王芳", "检验队")
    led.activity(U, "检验队", D(2026, 6, 20), "宣传", [v], hours=2)
    r = one_named(inactive(led.con, AS_OF, U), "王芳")
    assert r["reasons"] == ["behind_pace"]
    assert r["ytd_target"] == pytest.approx(24 * 181 / 365)
    assert "11.9 小时" in r["reason_text"] and "2026-01-01 至 2026-06-30" in r["reason_text"]


def test_on_pace_and_recent_is_active(led):
    v = led.volunteer(U, "王芳", "检验队")
    led.activity(U, "检验队", D(2026, 6, 20), "宣传", [v], hours=12)
    r = one_named(inactive(led.con, AS_OF, U), "王芳")
    assert r["state"] == "active" and r["reasons"] == [] and r["reason_text"] is None


def test_new_volunteers_are_not_inactive(led):
    led.volunteer(U, "新人", "检验队", registered=D(2026, 4, 2))  # after D − 90 days
    led.volunteer(U, "老人", "检验队", registered=D(2026, 4, 1))  # exactly D − 90 days
    df = inactive(led.con, AS_OF, U)
    assert one_named(df, "新人")["state"] == "new" and one_named(df, "新人")["reasons"] == []
    assert one_named(df, "老人")["state"] == "inactive"


def test_withdrawn_volunteers_are_not_listed(led):
    led.volunteer(U, "退出者", "检验队", status="退出", left=D(2026, 3, 1))
    assert inactive(led.con, AS_OF, U).height == 0


def test_windows_come_from_the_rules(led):
    v = led.volunteer(U, "李红", "检验队")
    led.activity(U, "检验队", D(2026, 2, 28), "宣传", [v], hours=20)
    assert one_named(inactive(led.con, AS_OF, U, Rules(inactive_days=150)), "李红")["state"] == "active"


def test_default_as_of_is_the_end_of_the_last_month_loaded(led):
    v = led.volunteer(U, "李红", "检验队")
    led.activity(U, "检验队", D(2026, 1, 5), "宣传", [v], hours=24)
    led.months(U, "activities", ["2026-01", "2026-02", "2026-03"])
    a = Assessment(led.con, unit=U)
    assert a.default_as_of(U) == D(2026, 3, 31)
    assert a.plan(None, None) == {U: (2026, D(2026, 3, 31))}
    # 85 days before the last month loaded: not flagged, however late "today" is
    found = [f for f in run_checks(led.con, unit=U, only=["inactive"]) if f.volunteer]
    assert found == []
    # a year asked for is judged inside that year
    assert a.default_as_of(U, 2025) == D(2025, 12, 31)


def test_default_as_of_without_activities_is_today(led):
    led.volunteer(U, "李红", "检验队")
    assert Assessment(led.con, unit=U, today=D(2026, 8, 9)).default_as_of(U) == D(2026, 8, 9)

"""The rules of year-end commendation (评比表彰) and of points (积分), read from the rules file's
`[awards."NAME"]` and `[points]` sections (docs/awards.md).

Published practice sets thresholds of service hours and activities a year, years of service, a
quota of the unit's volunteers or teams, and points per service hour; each unit writes its own.
Bonuses and deductions are 0 unless the file sets them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from tracker.problems import TrackerError


@dataclass(frozen=True)
class AwardRule:
    """One award: who qualifies, and how many may be proposed."""

    name: str
    scope: str = "person"  # person | team
    min_hours: float = 0.0  # service hours in the year (a team's: its service hours)
    min_activities: int = 0  # service activities in the year (a person's joined, a team's organized)
    min_years: float = 0.0  # years since registration, at the year's end (person)
    quota: float = 0.2  # share of the unit's registered volunteers (or teams), rounded down, at least 1
    quota_over: str = "unit"  # unit | district: the quota counted over the unit, or over its 上级单位's units
    exclude_reminded: bool = True  # nobody on the year's mid-year 提醒教育名单 (person)
    min_members: int = 0  # team: registered members
    min_active_share: float = 0.0  # team: share of members meeting the hours rule (R8)


@dataclass(frozen=True)
class PointsRule:
    """Points of a volunteer over a period (docs/awards.md, "Points")."""

    per_hour: float = 2.0  # per service hour, as the star rating counts them
    per_activity: tuple[tuple[str, float], ...] = ()  # (activity kind, points per activity joined)
    per_pairing_visit: float = 0.0
    per_demand_closed: float = 0.0  # to each member of the team that closed it
    per_missed_meeting: float = 0.0  # deducted per quarterly meeting (例会) of the unit the member missed


DEFAULT_AWARDS = (
    AwardRule("优秀党员志愿者", min_hours=40.0, min_activities=5, min_years=0.0, quota=0.2, exclude_reminded=True),
    AwardRule("优秀党员志愿服务队", scope="team", min_members=10, min_activities=20, min_active_share=0.6, quota=0.25,
              exclude_reminded=False),
)
DEFAULT_POINTS = PointsRule()

_NUM = ("min_hours", "min_years", "quota", "min_active_share")
_INT = ("min_activities", "min_members")


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0


def parse_awards(value: Any, where: str) -> tuple[AwardRule, ...]:
    """The `[awards."NAME"]` tables; an unknown key or a bad value names it."""
    if not isinstance(value, dict) or not value:
        raise TrackerError(f"{where}：[awards] 应为若干个 [awards.\"奖项名称\"] 表。")
    known = {f.name for f in fields(AwardRule)} - {"name"}
    out = []
    for name, table in value.items():
        if not isinstance(table, dict):
            raise TrackerError(f"{where}：[awards.\"{name}\"] 应为一个表（min_hours = 40 这样的设置）。")
        bad = [k for k in table if k not in known]
        if bad:
            raise TrackerError(f"{where}：[awards.\"{name}\"] 中不认识的设置 {'、'.join(bad)}（可用：{'、'.join(sorted(known))}）。")
        # an award of the defaults' name starts from them; another from no threshold
        rule = next((d for d in DEFAULT_AWARDS if d.name == name), AwardRule(str(name)))
        for k, v in table.items():
            if k in _NUM and not _num(v) or k in _INT and not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
                raise TrackerError(f"{where}：[awards.\"{name}\"] 的 {k} 应为不小于 0 的数。")
            if k in ("quota", "min_active_share") and v > 1:
                raise TrackerError(f"{where}：[awards.\"{name}\"] 的 {k} 应为 0 到 1 之间的比例，如 0.2。")
            if k == "scope" and v not in ("person", "team"):
                raise TrackerError(f"{where}：[awards.\"{name}\"] 的 scope 只能是 person 或 team。")
            if k == "quota_over" and v not in ("unit", "district"):
                raise TrackerError(f"{where}：[awards.\"{name}\"] 的 quota_over 只能是 unit 或 district。")
            if k == "exclude_reminded" and not isinstance(v, bool):
                raise TrackerError(f"{where}：[awards.\"{name}\"] 的 exclude_reminded 应为 true 或 false。")
            rule = replace(rule, **{k: float(v) if k in _NUM else v})
        out.append(rule)
    return tuple(out)


def parse_points(value: Any, where: str) -> PointsRule:
    """The `[points]` table: anything it does not set is 0, but per_hour, which defaults to 2."""
    if not isinstance(value, dict):
        raise TrackerError(f"{where}：[points] 应为一个表（per_hour = 2 这样的设置）。")
    known = {f.name for f in fields(PointsRule)}
    bad = [k for k in value if k not in known]
    if bad:
        raise TrackerError(f"{where}：[points] 中不认识的设置 {'、'.join(bad)}（可用：{'、'.join(sorted(known))}）。")
    got: dict[str, Any] = {}
    for k, v in value.items():
        if k == "per_activity":
            if not isinstance(v, dict) or not all(_num(x) for x in v.values()):
                raise TrackerError(f'{where}：[points] 的 per_activity 应为“活动类型 = 分值”，如 per_activity = {{ "培训" = 1 }}。')
            got[k] = tuple((str(kind), float(x)) for kind, x in v.items())
        elif not _num(v):
            raise TrackerError(f"{where}：[points] 的 {k} 应为不小于 0 的数。")
        else:
            got[k] = float(v)
    return PointsRule(**got)


def awards_toml(rules: tuple[AwardRule, ...]) -> list[str]:
    """The `[awards."NAME"]` sections, every key written."""
    out = []
    for r in rules:
        out.append(f'[awards."{r.name}"]')
        for f in fields(AwardRule):
            if f.name == "name" or (r.scope == "team" and f.name in ("min_years", "exclude_reminded")) or (
                    r.scope == "person" and f.name in ("min_members", "min_active_share")):
                continue
            out.append(f"{f.name} = {_value(getattr(r, f.name))}")
        out.append("")
    return out


def points_toml(p: PointsRule) -> list[str]:
    out = ["[points]"]
    for f in fields(PointsRule):
        v = getattr(p, f.name)
        if f.name == "per_activity":
            out.append("per_activity = { " + ", ".join(f'"{k}" = {_value(x)}' for k, x in v) + " }")
        else:
            out.append(f"{f.name} = {_value(v)}")
    return out


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)

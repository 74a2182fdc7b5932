"""The rules file: every threshold, window and counting choice in one TOML file (docs/rules.md).

The defaults are the notice's (镇组通〔2013〕37号) and national practice (民政部令
第67号《志愿服务记录与证明出具办法》2020; 《社区志愿者注册管理办法》2012 征求意见稿
第十八条). Each rule is declared once, in `Rules`, with its default, kind, meaning
and source; `tracker rules` prints them as a commented TOML file, and a user file
(`--rules`, env TRACKER_RULES) overrides any subset. An unknown key or a value of
the wrong type is refused with a Chinese message naming the key, so a typo never
silently keeps a default.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import polars as pl

from tracker.award_rules import (
    DEFAULT_AWARDS,
    DEFAULT_POINTS,
    AwardRule,
    PointsRule,
    awards_toml,
    parse_awards,
    parse_points,
    points_toml,
)
from tracker.problems import TrackerError
from tracker.userfiles import read_toml

Band = tuple[int, int, int]  # (party members from, min teams, max teams)

_NOTICE = "镇组通〔2013〕37号"
_MCA = "民政部令第67号 2020《志愿服务记录与证明出具办法》"


def rule(default: Any, kind: str, help: str, source: str) -> Any:
    """One rule: its default, its value kind (see `_coerce`), what it means, where it comes from."""
    return field(default=default, metadata={"kind": kind, "help": help, "source": source})


@dataclass(frozen=True)
class Rules:
    """The assessment rules in force, each declared once with its kind, meaning and source."""

    volunteer_ratio: float = rule(
        0.30, "ratio", "R1 志愿者人数不低于正式党员总数的比例", f"{_NOTICE} 二、组建原则：不低于30%")
    team_count: tuple[Band, ...] = rule(
        ((0, 1, 1), (21, 2, 3), (51, 4, 6), (101, 6, 8)), "bands",
        "R2 按党员人数组队：[党员人数下限, 最少队数, 最多队数]，20人以内1支、20—50人2—3支、"
        "50—100人4—6支、100人以上6—8支，不在区间内为提醒", f"{_NOTICE} 二")
    training: int = rule(2, "int", "R5 每个单位每年至少组织培训次数", f"{_NOTICE} 三.3“定期培训”，按常规做法每年2次")
    quarterly_meeting: int = rule(1, "int", "R6 每季度至少召开工作例会次数", f"{_NOTICE} 三.4 每季度一次")
    team_activities: int = rule(
        10, "int", "R8 每支服务队每年至少组织志愿服务活动次数", f"{_NOTICE} 四.2 不少于10次")
    volunteer_hours: float = rule(
        24.0, "number", "R8 每名志愿者每年至少志愿服务小时数，达标线", f"{_NOTICE} 四.2 不少于24小时")
    ten_haves: int = rule(10, "int", "R9 每支服务队须具备的“十有”项数", f"{_NOTICE} 四.3 十有")
    themes: tuple[str, ...] = rule(
        ("关爱老幼弱残", "关爱山川河流"), "strings",
        "R12 每支服务队每年须覆盖的两大志愿服务行动，按活动的服务主题包含该词计", f"{_NOTICE} 四.2")
    forms_deadline: str = rule(
        "07-15", "monthday", "R13 三张表（申请登记表、花名册、服务队登记表）报送截止日 MM-DD",
        f"{_NOTICE} 三.1 7月15日前")
    summary_deadline: str = rule(
        "07-20", "monthday", "R13 组队情况汇总表报送截止日 MM-DD", f"{_NOTICE} 三.1 7月20日前")
    inactive_days: int = rule(
        90, "int", "R7 超过这么多天没有服务即列入提醒教育名单", f"{_NOTICE} 三.5 动态管理，按常规做法90天")
    new_volunteer_days: int = rule(
        90, "int", "R7 登记不满这么多天的为新志愿者，不列入提醒名单", f"{_NOTICE} 三.5 及时吸收新志愿者")
    stars: tuple[float, ...] = rule(
        (100.0, 300.0, 600.0, 1000.0, 1500.0), "numbers", "星级认定：累计服务小时数达到各值依次为一至五星",
        "《社区志愿者注册管理办法》2012 征求意见稿 第十八条")
    demand_overdue_days: int = rule(
        30, "int", "群众需求登记后超过这么多天仍未办结即为逾期", f"{_NOTICE} 三.2 群众需求登记簿，按常规做法30天")
    pairing_overdue_days: int = rule(
        31, "int", "进行中的结对超过这么多天没有走访即为逾期",
        f"{_NOTICE} 三.2 结对帮扶登记簿，按常规做法每月至少一次")
    application_review_days: int = rule(
        30, "int", "R3 申请登记表导入后超过这么多天仍未审核即提醒",
        f"{_NOTICE} 三.1 个人自愿申请、党组织审核确认后登记，按常规做法30天")
    record_due_working_days: int = rule(
        10, "int", "活动结束后应在这么多个工作日内登记，晚于此标为补录", _MCA)
    late_entry_days: int = rule(
        30, "int", "活动后超过这么多天才登记（按登记簿的上报月份月底，或文件的填表日期）的记录在考评检查中逐条列出（补录登记）",
        f"{_MCA} 第六条 及时、完整、准确记录")
    max_daily_hours: float = rule(
        10.0, "number", "一名志愿者一天内记录的活动和走访时长合计超过这么多小时，或同一天两项活动的时间重叠，即列出核对",
        f"{_MCA} 第七条 服务时间为实际提供服务的时间")
    service_kinds: tuple[str, ...] = rule(
        ("志愿服务",), "strings", "计入服务时长和活动次数的活动类型；培训、例会时长单列不计入",
        f"{_MCA}，服务时长为实际服务时间")
    pairing_hours_count: bool = rule(
        True, "bool", "结对帮扶走访是否计为志愿服务（计入服务时长和最近服务日期）",
        f"{_NOTICE} 三.2 结对帮扶属志愿服务")
    earliest_date: dt.date = rule(
        dt.date(2000, 1, 1), "date",
        "台账中的日期（活动、走访、需求、登记、退出、服务队成立）和文件的填表日期早于此日即拒绝导入，多为年份写错",
        f"{_NOTICE}（2013年）下发前的台账日期多为笔误，按常规做法取2000年1月1日")
    file_date_future_days: int = rule(
        31, "int", "文件的填表日期（或 --as-of）晚于今天超过这么多天即拒绝导入；台账中的日期晚于今天一律拒绝",
        f"{_NOTICE} 三.1 各表的填表日期；按常规做法可提前填写，但不会提前一个月以上")
    training_kind: str = rule("培训", "string", "R5 计为培训的活动类型", f"{_NOTICE} 三.3")
    meeting_kind: str = rule("例会", "string", "R6 计为工作例会的活动类型", f"{_NOTICE} 三.4")
    awards: tuple[AwardRule, ...] = rule(
        DEFAULT_AWARDS, "awards", "年度评比表彰的奖项：条件（服务时长、活动次数、年限、不在提醒名单；服务队的人数、活动、达标比例）和名额",
        f"{_NOTICE} 一、评比表彰；四.3 ⑥ 志愿者评比的规定；条件和名额按常规做法，各单位自定")
    points: PointsRule = rule(
        DEFAULT_POINTS, "points", "志愿者积分：每服务小时的分值，各类活动、结对走访、办结需求的加分和缺席例会的扣分（未写的为 0）",
        f"{_NOTICE} 四.3 ⑥ 开展志愿者评比的规定和措施；分值按常规做法，如志愿汇每服务1小时计1分")

    def team_band(self, party_members: pl.Expr, which: int) -> pl.Expr:
        """R2: the min (which=1) or max (which=2) teams for a count of Party members (null stays null)."""
        out: pl.Expr = pl.lit(self.team_count[0][which], dtype=pl.Int64)
        for band in self.team_count[1:]:
            out = pl.when(party_members >= band[0]).then(pl.lit(band[which], dtype=pl.Int64)).otherwise(out)
        return pl.when(party_members.is_not_null()).then(out)

    def star_level(self, cumulative_hours: pl.Expr) -> pl.Expr:
        """Stars (0–5) for cumulative hours: how many thresholds of `stars` they reach."""
        return pl.sum_horizontal(
            [pl.lit(0, dtype=pl.Int64), *[(cumulative_hours >= t).cast(pl.Int64) for t in self.stars]])

    def deadline(self, which: str, year: int) -> dt.date:
        """The R13 deadline in `year`: which = "forms" (三张表) or "summary" (汇总表)."""
        md = self.forms_deadline if which == "forms" else self.summary_deadline
        m, d = (int(x) for x in md.split("-"))
        return dt.date(year, m, d)


@dataclass(frozen=True)
class RuleSpec:
    """What `tracker rules` and docs/rules.md say of one key (read off `Rules`)."""

    name: str
    kind: str
    default: Any
    help: str
    source: str

    @property
    def comment(self) -> str:
        return f"{self.help}（{self.source}）"


SPECS: dict[str, RuleSpec] = {
    f.name: RuleSpec(f.name, f.metadata["kind"], f.default, f.metadata["help"], f.metadata["source"])
    for f in fields(Rules)
}

DEFAULTS = Rules()


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):  # a TOML local date
        return value.isoformat()
    if isinstance(value, PointsRule) or (isinstance(value, tuple) and value and isinstance(value[0], AwardRule)):
        return "见文件末尾的 [awards] 和 [points] 节"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    raise TypeError(value)


def to_toml(rules: Rules = DEFAULTS) -> str:
    """The rules as a TOML text, one commented key per rule."""
    lines = [
        "# tracker 考评规则文件（TOML）。",
        "# 复制本文件，只保留要改的项即可；用 --rules 文件 或环境变量 TRACKER_RULES 指定。",
        "# 未写的项取下列默认值；写错的项名或类型会报错。",
        "",
    ]
    for f in fields(Rules):
        if f.name in TABLES:
            continue
        lines.append(f"# {SPECS[f.name].comment}")
        lines.append(f"{f.name} = {_render(getattr(rules, f.name))}")
        lines.append("")
    lines += [f"# {SPECS['awards'].comment}", "# 每个奖项一节；scope = \"team\" 为服务队奖项。", *awards_toml(rules.awards)]
    lines += [f"# {SPECS['points'].comment}", *points_toml(rules.points), ""]
    return "\n".join(lines)


TABLES = ("awards", "points")  # rules written as TOML tables, at the end of the file


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _coerce(key: str, kind: str, v: Any) -> tuple[Any, str | None]:
    """(value, None) when `v` fits `kind`, else (None, what was expected)."""
    if kind == "ratio":
        return (float(v), None) if _is_num(v) and 0 <= v <= 1 else (None, "0 到 1 之间的小数，如 0.3")
    if kind == "number":
        return (float(v), None) if _is_num(v) and v >= 0 else (None, "不小于 0 的数")
    if kind == "int":
        return (v, None) if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else (None, "不小于 0 的整数")
    if kind == "bool":
        return (v, None) if isinstance(v, bool) else (None, "true 或 false")
    if kind == "string":
        return (v, None) if isinstance(v, str) and v.strip() else (None, "非空的文字，如 \"培训\"")
    if kind == "strings":
        ok = isinstance(v, list) and v and all(isinstance(s, str) and s.strip() for s in v)
        return (tuple(v), None) if ok else (None, "非空的文字列表，如 [\"志愿服务\"]")
    if kind == "numbers":
        ok = isinstance(v, list) and v and all(_is_num(x) and x > 0 for x in v)
        ok = ok and all(a < b for a, b in zip(v, v[1:], strict=False))
        return (tuple(float(x) for x in v), None) if ok else (None, "由小到大的正数列表，如 [100, 300, 600, 1000, 1500]")
    if kind == "date":  # a TOML date (2000-01-01) or the same as text
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v, None
        try:
            return dt.date.fromisoformat(str(v)), None
        except ValueError:
            return None, "YYYY-MM-DD 格式的日期，如 2000-01-01"
    if kind == "monthday":
        try:
            m, d = (int(x) for x in str(v).split("-"))
            dt.date(2024, m, d)
            ok = isinstance(v, str) and len(v) == 5
        except ValueError:
            ok = False
        return (v, None) if ok else (None, "MM-DD 格式的月日，如 \"07-15\"")
    if kind == "awards":
        return parse_awards(v, f"规则项 {key}"), None
    if kind == "points":
        return parse_points(v, f"规则项 {key}"), None
    if kind == "bands":
        expect = "[党员人数下限, 最少队数, 最多队数] 的列表，下限由小到大且从 0 开始，如 [[0, 1, 1], [21, 2, 3]]"
        if not isinstance(v, list) or not v:
            return None, expect
        bands = []
        for b in v:
            if not (isinstance(b, list) and len(b) == 3 and all(
                    isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in b)) or b[1] > b[2]:
                return None, expect
            bands.append((b[0], b[1], b[2]))
        if bands[0][0] != 0 or any(a[0] >= b[0] for a, b in zip(bands, bands[1:], strict=False)):
            return None, expect
        return tuple(bands), None
    raise ValueError(key)


def load_rules(path: str | Path | None = None) -> Rules:
    """The built-in rules, overridden by the keys of the TOML file at `path`."""
    if path is None:
        return DEFAULTS
    where = f"规则文件 {path}"
    data = read_toml(path, where, missing="可用 tracker rules --out 规则.toml 生成一份默认规则再修改。")
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SPECS:
            close = difflib.get_close_matches(key, list(SPECS), n=1, cutoff=0.6)
            hint = f"（是否想写 {close[0]}？）" if close else f"（可用的规则项：{'、'.join(SPECS)}）"
            raise TrackerError(f"{where}：未知的规则项 {key}{hint}")
        coerced, expected = _coerce(key, SPECS[key].kind, value)
        if expected is not None:
            shown = json.dumps(value, ensure_ascii=False, default=str)
            raise TrackerError(f"{where}：规则项 {key} 的值 {shown} 不对，应为{expected}")
        changes[key] = coerced
    return Rules(**{**{f.name: getattr(DEFAULTS, f.name) for f in fields(Rules)}, **changes})

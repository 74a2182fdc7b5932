"""The rules file: every threshold, window and counting choice in one TOML file.

The defaults are the notice's (镇组通〔2013〕37号) and national practice (民政部令
第67号《志愿服务记录与证明出具办法》2020; 《社区志愿者注册管理办法》2012 征求意见稿
第十八条). `tracker rules` prints them with a comment per key saying where each
comes from; a user file (`--rules`, env TRACKER_RULES, read by the caller)
overrides any subset. An unknown key or a value of the wrong type is refused
with a Chinese message naming the key, so a typo never silently keeps a default.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tracker.problems import TrackerError

Band = tuple[int, int, int]  # (party members from, min teams, max teams)


@dataclass(frozen=True)
class Rules:
    """The assessment rules in force (see `SPECS` for what each key means)."""

    volunteer_ratio: float = 0.30
    team_count: tuple[Band, ...] = ((0, 1, 1), (21, 2, 3), (51, 4, 6), (101, 6, 8))
    training: int = 2
    quarterly_meeting: int = 1
    team_activities: int = 10
    volunteer_hours: float = 24.0
    ten_haves: int = 10
    themes: tuple[str, ...] = ("关爱老幼弱残", "关爱山川河流")
    forms_deadline: str = "07-15"
    summary_deadline: str = "07-20"
    inactive_days: int = 90
    new_volunteer_days: int = 90
    stars: tuple[float, ...] = (100.0, 300.0, 600.0, 1000.0, 1500.0)
    demand_overdue_days: int = 30
    pairing_overdue_days: int = 31
    record_due_working_days: int = 10
    service_kinds: tuple[str, ...] = ("志愿服务",)
    pairing_hours_count: bool = True
    training_kind: str = "培训"
    meeting_kind: str = "例会"

    def team_band(self, party_members: int) -> tuple[int, int]:
        """(min, max) teams the notice asks of a unit with this many Party members."""
        lo, hi = self.team_count[0][1], self.team_count[0][2]
        for start, mn, mx in self.team_count:
            if party_members >= start:
                lo, hi = mn, mx
        return lo, hi

    def deadline(self, which: str, year: int) -> dt.date:
        """The R13 deadline in `year`: which = "forms" (三张表) or "summary" (汇总表)."""
        md = self.forms_deadline if which == "forms" else self.summary_deadline
        m, d = (int(x) for x in md.split("-"))
        return dt.date(year, m, d)

    def star_level(self, cumulative_hours: float) -> int:
        return sum(1 for t in self.stars if cumulative_hours >= t)


_NOTICE = "镇组通〔2013〕37号"

# key → (value kind, one-line comment saying what it is and where it comes from)
SPECS: dict[str, tuple[str, str]] = {
    "volunteer_ratio": ("ratio", f"R1 志愿者人数不低于正式党员总数的比例（{_NOTICE} 二、组建原则：不低于30%）"),
    "team_count": ("bands", f"R2 按党员人数组队：[党员人数下限, 最少队数, 最多队数]，20人以内1支、20—50人2—3支、50—100人4—6支、100人以上6—8支（{_NOTICE} 二），不在区间内为提醒"),
    "training": ("int", f"R5 每个单位每年至少组织培训次数（{_NOTICE} 三.3“定期培训”，按常规做法每年2次）"),
    "quarterly_meeting": ("int", f"R6 每季度至少召开工作例会次数（{_NOTICE} 三.4 每季度一次）"),
    "team_activities": ("int", f"R8 每支服务队每年至少组织志愿服务活动次数（{_NOTICE} 四.2 不少于10次）"),
    "volunteer_hours": ("number", f"R8 每名志愿者每年至少志愿服务小时数，达标线（{_NOTICE} 四.2 不少于24小时）"),
    "ten_haves": ("int", f"R9 每支服务队须具备的“十有”项数（{_NOTICE} 四.3 十有）"),
    "themes": ("strings", f"R12 每支服务队每年须覆盖的两大志愿服务行动（{_NOTICE} 四.2），按活动的服务主题包含该词计"),
    "forms_deadline": ("monthday", f"R13 三张表（申请登记表、花名册、服务队登记表）报送截止日 MM-DD（{_NOTICE} 三.1 7月15日前）"),
    "summary_deadline": ("monthday", f"R13 组队情况汇总表报送截止日 MM-DD（{_NOTICE} 三.1 7月20日前）"),
    "inactive_days": ("int", f"R7 超过这么多天没有服务即列入提醒教育名单（{_NOTICE} 三.5 动态管理，按常规做法90天）"),
    "new_volunteer_days": ("int", f"R7 登记不满这么多天的为新志愿者，不列入提醒名单（{_NOTICE} 三.5 及时吸收新志愿者）"),
    "stars": ("numbers", "星级认定：累计服务小时数达到各值依次为一至五星（《社区志愿者注册管理办法》2012 征求意见稿 第十八条）"),
    "demand_overdue_days": ("int", f"群众需求登记后超过这么多天仍未办结即为逾期（{_NOTICE} 三.2 群众需求登记簿，按常规做法30天）"),
    "pairing_overdue_days": ("int", f"进行中的结对超过这么多天没有走访即为逾期（{_NOTICE} 三.2 结对帮扶登记簿，按常规做法每月至少一次）"),
    "record_due_working_days": ("int", "活动结束后应在这么多个工作日内登记，晚于此标为补录（民政部令第67号 2020《志愿服务记录与证明出具办法》）"),
    "service_kinds": ("strings", "计入服务时长和活动次数的活动类型；培训、例会时长单列不计入（民政部令第67号 2020，服务时长为实际服务时间）"),
    "pairing_hours_count": ("bool", f"结对帮扶走访是否计为志愿服务（计入服务时长和最近服务日期）（{_NOTICE} 三.2 结对帮扶属志愿服务）"),
    "training_kind": ("string", f"R5 计为培训的活动类型（{_NOTICE} 三.3）"),
    "meeting_kind": ("string", f"R6 计为工作例会的活动类型（{_NOTICE} 三.4）"),
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
        lines.append(f"# {SPECS[f.name][1]}")
        lines.append(f"{f.name} = {_render(getattr(rules, f.name))}")
        lines.append("")
    return "\n".join(lines)


def default_toml() -> str:
    """What `tracker rules` prints: the built-in defaults with their sources."""
    return to_toml(DEFAULTS)


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
    if kind == "monthday":
        try:
            m, d = (int(x) for x in str(v).split("-"))
            dt.date(2024, m, d)
            ok = isinstance(v, str) and len(v) == 5
        except ValueError:
            ok = False
        return (v, None) if ok else (None, "MM-DD 格式的月日，如 \"07-15\"")
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
    p = Path(path)
    where = f"规则文件 {path}"
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as e:
        raise TrackerError(f"找不到{where}。可用 tracker rules --out 规则.toml 生成一份默认规则再修改。") from e
    except UnicodeDecodeError as e:
        raise TrackerError(f"{where} 不是 UTF-8 编码的文本文件，请另存为 UTF-8。") from e
    except tomllib.TOMLDecodeError as e:
        raise TrackerError(f"{where} 格式有误（TOML）：{e}") from e
    except OSError as e:
        raise TrackerError(f"无法读取{where}：{e}") from e
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SPECS:
            close = difflib.get_close_matches(key, list(SPECS), n=1, cutoff=0.6)
            hint = f"（是否想写 {close[0]}？）" if close else f"（可用的规则项：{'、'.join(SPECS)}）"
            raise TrackerError(f"{where}：未知的规则项 {key}{hint}")
        coerced, expected = _coerce(key, SPECS[key][0], value)
        if expected is not None:
            shown = json.dumps(value, ensure_ascii=False, default=str)
            raise TrackerError(f"{where}：规则项 {key} 的值 {shown} 不对，应为{expected}")
        changes[key] = coerced
    return Rules(**{**{f.name: getattr(DEFAULTS, f.name) for f in fields(Rules)}, **changes})

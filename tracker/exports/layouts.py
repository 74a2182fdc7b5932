"""A volunteer platform's import layout, as data (docs/platforms.md): which columns, in which order,
holding which of tracker's fields, how dates and hours are written, one row per participation or
per volunteer, and what identifies a volunteer to the platform.

A layout is a small TOML file; the built-in presets below are written the same way, so an office can
copy one (`tracker export hours --layout list` shows them) and change what its platform differs in.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tracker.problems import TrackerError, suggest
from tracker.userfiles import read_toml

# what a column may hold: tracker's fields of a service record and of the volunteer
FIELDS = {
    "name": "志愿者姓名", "phone": "手机号码（11位）", "id_number": "身份证号码", "number": "志愿者编号",
    "unit": "单位", "team": "服务队", "title": "活动名称", "date": "服务日期", "start": "开始时间", "end": "结束时间",
    "hours": "服务时长", "place": "地点", "content": "服务内容", "beneficiary": "服务对象", "note": "备注",
    "kind": "活动类型", "theme": "服务主题", "recipient": "结对帮扶对象", "activities": "服务次数",
}
IDENTIFIERS = ("id_number", "phone", "number", "name")  # what a platform may match a volunteer by
SOURCES = ("service", "activities", "pairings")  # activities and pairing visits as service hours count them; or one

PRESETS: dict[str, str] = {
    "generic": '''
title = "通用批量导入：每人每次服务一行，按手机号码匹配"
sheet = "志愿服务时长"
key = "phone"        # the platform matches a volunteer by the 11-digit mobile on the roster
rows = "participation"
hours_unit = "hours"
date_format = "%Y-%m-%d"
source = "service"   # service activities and pairing visits, as tracker's service hours count them
[columns]
"姓名" = "name"
"手机号码" = "phone"
"证件号码" = "id_number"
"活动名称" = "title"
"服务日期" = "date"
"服务时长（小时）" = "hours"
''',
    "beijing": '''
title = "志愿北京 补录时长导入助手：姓名、身份证号（选填）、岗位、时长、备注"
sheet = "Sheet1"
key = "name"
rows = "participation"
hours_unit = "hours"
date_format = "%Y-%m-%d"
source = "service"
cap_per_row = 24
[columns]
"姓名" = "name"
"身份证号（选填）" = "id_number"
"岗位" = "title"
"时长" = "hours"
"备注" = "note"
''',
    "shanghai-visits": '''
title = "上海 社区走访服务记录导入：服务日期、服务对象、服务项目、内容、结果、志愿者及其身份证号"
sheet = "Sheet1"
key = "id_number"
rows = "participation"
hours_unit = "hours"
date_format = "%Y-%m-%d"
source = "pairings"  # a row per pairing visit
[columns]
"服务日期" = "date"
"服务对象名字" = "recipient"
"身份证号" = "none"
"服务项目" = "kind"
"服务内容" = "content"
"服务结果" = "result"
"志愿者姓名" = "name"
"志愿者身份证号" = "id_number"
[constants]
"服务结果" = "已完成"
''',
    "volunteer-totals": '''
title = "按人汇总：每位志愿者一行，期间内服务次数和时长合计（按手机号码匹配）"
sheet = "志愿者时长汇总"
key = "phone"
rows = "volunteer"
hours_unit = "hours"
source = "service"
[columns]
"姓名" = "name"
"手机号码" = "phone"
"所属服务队" = "team"
"服务次数" = "activities"
"服务时长（小时）" = "hours"
''',
}


@dataclass(frozen=True)
class Layout:
    """A platform's sheet: `columns` maps each header to a field (or "none" for a column left empty, or
    a `constants` value)."""

    name: str
    title: str
    columns: dict[str, str]
    key: str = "phone"
    sheet: str = "Sheet1"
    rows: str = "participation"  # participation | volunteer
    hours_unit: str = "hours"  # hours | minutes
    date_format: str = "%Y-%m-%d"
    source: str = "service"
    kinds: tuple[str, ...] = ()  # activity kinds counted (default: the rules' service kinds)
    cap_per_row: float | None = None  # a row's hours the platform refuses above (warned, never cut)
    cap_per_day: float | None = None  # a person's hours in a day the platform refuses above
    constants: dict[str, str] = field(default_factory=dict)

    @property
    def fields(self) -> set[str]:
        return set(self.columns.values())

    @property
    def identifying(self) -> list[str]:
        """The personal numbers the sheet carries (phone, ID number): only with --unmask."""
        return [f for f in ("phone", "id_number") if f in self.fields]


def layout_names() -> list[str]:
    return list(PRESETS)


def load_layout(name_or_file: str) -> Layout:
    """A preset by name, or a layout file (.toml); an unknown name lists the presets."""
    text = name_or_file.strip()
    if text in PRESETS:
        return _parse(text, tomllib.loads(PRESETS[text]), f"预设格式 {text}")
    if text.lower().endswith(".toml"):
        return _parse(Path(text).stem, read_toml(text, f"格式文件 {text}"), f"格式文件 {Path(text).name}")
    listed = "、".join(f"{k}（{_title(k)}）" for k in PRESETS)
    raise TrackerError(f"没有名为“{text}”的格式{suggest(text, list(PRESETS))}。可用的预设：{listed}；"
                       "或给出自己写的格式文件 .toml（docs/platforms.md）。", code=2)


def _title(name: str) -> str:
    return tomllib.loads(PRESETS[name])["title"]


KEYS = {"title", "sheet", "key", "rows", "hours_unit", "date_format", "source", "kinds", "cap_per_row",
        "cap_per_day", "columns", "constants"}


def _parse(name: str, data: dict, where: str) -> Layout:
    """A layout from its TOML, every value checked; a mistake names the key and what it may be."""
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise TrackerError(f"{where}：不认识的设置 {'、'.join(unknown)}（可用：{'、'.join(sorted(KEYS))}）。")
    columns = data.get("columns") or {}
    if not isinstance(columns, dict) or not columns:
        raise TrackerError(f"{where}：缺少 [columns]（表头 = 字段，如 \"姓名\" = \"name\"）。")
    constants = {str(k): str(v) for k, v in (data.get("constants") or {}).items()}
    allowed = set(FIELDS) | {"none", "result"}
    for head, f in columns.items():
        if f not in allowed and head not in constants:
            raise TrackerError(f"{where}：列“{head}”的字段“{f}”不认识{suggest(str(f), list(FIELDS))}。"
                               f"可用的字段：{'、'.join(f'{k}（{v}）' for k, v in FIELDS.items())}、none（留空）。")
    choice = {"key": IDENTIFIERS, "rows": ("participation", "volunteer"), "hours_unit": ("hours", "minutes"),
              "source": SOURCES}
    for k, options in choice.items():
        if k in data and data[k] not in options:
            raise TrackerError(f"{where}：{k} 只能是 {'、'.join(options)}，而不是“{data[k]}”。")
    key = data.get("key", "phone")
    if key not in columns.values():
        raise TrackerError(f"{where}：key = \"{key}\"，但 [columns] 中没有这一字段的列。")
    caps = {}
    for k in ("cap_per_row", "cap_per_day"):
        if k in data:
            if not isinstance(data[k], int | float) or data[k] <= 0:
                raise TrackerError(f"{where}：{k} 应为大于0的数字（小时）。")
            caps[k] = float(data[k])
    return Layout(name, str(data.get("title", name)), {str(k): str(v) for k, v in columns.items()}, key,
                  str(data.get("sheet", "Sheet1")), data.get("rows", "participation"), data.get("hours_unit", "hours"),
                  str(data.get("date_format", "%Y-%m-%d")), data.get("source", "service"),
                  tuple(str(k) for k in data.get("kinds", ())), constants=constants, **caps)

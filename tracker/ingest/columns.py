"""Each ledger's columns, declared once (cf. beangulp's declared CSV columns).

Reading (header matching), validation (types, required, choices), templates
and the README's column tables are all derived from these declarations.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    key: str  # English alias, also the stored field name
    header: str  # the Chinese header users see in templates
    type: str = "text"  # a key of tracker.values.PARSERS
    required: bool = False
    also: tuple[str, ...] = ()  # other Chinese headers seen in real files and the notice's forms
    choices: tuple[str, ...] = ()
    example: str = ""
    note: str = ""
    stored: bool = True  # False: read and checked, not stored (e.g. 附件3's 志愿者人数)

    def names(self) -> list[str]:
        return [self.header, self.key, *self.also]


TEN_HAVES: tuple[tuple[str, str], ...] = (
    ("has_flag", "队旗"),
    ("has_charter", "章程"),
    ("has_logo", "统一标识"),
    ("has_plan", "年度计划"),
    ("has_groups", "队长及小组"),
    ("has_star_rules", "星级评定办法"),
    ("has_online_register", "网上登记表"),
    ("has_archive", "档案材料"),
    ("has_record_book", "活动记录册"),
    ("has_qq_group", "实名QQ群"),
)


@dataclass(frozen=True)
class Kind:
    key: str
    title: str  # the ledger's Chinese name
    columns: tuple[Column, ...]
    month_field: str | None = None  # the date that places a row in a month
    fill_down: tuple[str, ...] = field(default=())  # merged cells: blank means "as above"

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


UNIT = Column("unit", "单位名称", also=("党组织名称", "单位", "所在单位"), example="示例市中心血站")

KINDS: dict[str, Kind] = {
    "units": Kind(
        "units",
        "单位（组队情况汇总表）",
        (
            Column("unit", "单位名称", required=True, also=("党组织名称", "单位"), example="示例市中心血站"),
            Column("parent", "上级单位", also=("辖市区", "主管部门", "辖市(区)、市各主管部门"), example="示例区委组织部"),
            Column("staff", "单位人数", "int", example="90"),
            Column("party_members", "党员人数", "int", required=True, example="34"),
            Column("formal_members", "正式党员人数", "int", example="32", note="默认等于党员人数"),
            Column("code", "单位代码", example="XX001"),
            Column("team_count", "党员志愿服务队数", "int", also=("服务队数",), stored=False,
                   note="附件4：与已登记服务队核对"),
            Column("volunteer_count", "党员志愿者人数", "int", also=("志愿者人数",), stored=False,
                   note="附件4：与花名册核对"),
            Column("seq", "序号", stored=False),
        ),
        fill_down=("parent",),
    ),
    "teams": Kind(
        "teams",
        "党员志愿服务队登记表",
        (
            UNIT,
            Column("team", "服务队名称", required=True,
                   also=("党员志愿服务队名称", "服务队", "队名"), example="示例党员志愿服务队1队（检验队）"),
            Column("short_name", "简称", example="检验队"),
            Column("leader", "队长",
                   also=("党员志愿服务队负责人姓名及联系方式", "负责人", "负责人姓名及联系方式", "队长姓名"),
                   example="张晓明", note="姓名或志愿者编号"),
            Column("service_items", "主要志愿服务项目", example="无偿献血宣传、帮扶"),
            Column("founded", "成立日期", "date", example="2013-07-01"),
            Column("member_count", "志愿者人数", "int", stored=False, example="7",
                   note="附件3：与花名册核对"),
            *(Column(k, h, "bool", also=(f"有{h}",), example="是") for k, h in TEN_HAVES),
        ),
        fill_down=("unit",),
    ),
    "roster": Kind(
        "roster",
        "党员志愿服务队志愿者花名册",
        (
            UNIT,
            Column("number", "志愿者编号", also=("编号",), example="V0001"),
            Column("name", "姓名", "name", required=True, also=("志愿者姓名",), example="张晓明"),
            Column("gender", "性别", choices=("男", "女"), example="男"),
            Column("age", "年龄", "int", example="41"),
            Column("birth_month", "出生年月", "month", example="1985.03"),
            Column("education", "学历", example="本科"),
            Column("joined_party", "入党时间", "month", example="2005.07"),
            Column("ethnicity", "民族", example="汉"),
            Column("team", "所属服务队", also=("服务队", "所在服务队"), example="示例党员志愿服务队1队（检验队）"),
            Column("service_items", "主要志愿服务项目", example="无偿献血宣传、帮扶"),
            Column("phone", "联系方式", "phone", also=("电话", "手机", "联系电话", "手机号码"),
                   example="13800001234", note="可填两个号码（办公、手机）"),
            Column("id_number", "身份证号码", "id_number", also=("身份证号", "身份证"),
                   note="18位，校验位须正确；请以文本格式填写"),
            Column("health", "健康状况", example="良好"),
            Column("skills", "特长", example="讲解"),
            Column("email", "电子邮箱", also=("邮箱",)),
            Column("leadership", "是否班子成员", "bool", also=("班子成员", "领导班子成员"), example="否"),
            Column("applied", "申请日期", "date", example="2013-06-20"),
            Column("approved", "审核日期", "date", example="2013-06-28"),
            Column("registered", "登记日期", "date", example="2013-07-01"),
            Column("status", "状态", choices=("在册", "退出"), example="在册"),
            Column("left", "退出日期", "date"),
            Column("prior_hours", "历史服务时长", "hours", example="0",
                   note="开始使用本系统前累计的服务小时数"),
        ),
    ),
    "activities": Kind(
        "activities",
        "党员志愿者队伍活动情况登记簿",
        (
            UNIT,
            Column("date", "日期", "date", required=True, also=("活动日期", "服务日期"), example="2026-03-05"),
            Column("team", "服务队", required=True, also=("服务队名称", "组织服务队"), example="检验队"),
            Column("title", "活动名称", required=True, also=("活动主题",), example="无偿献血宣传进社区"),
            Column("kind", "活动类型", choices=("志愿服务", "培训", "例会"), example="志愿服务",
                   note="默认为志愿服务"),
            Column("theme", "服务主题", example="关爱老幼弱残"),
            Column("place", "地点", also=("活动地点", "服务地点"), example="某社区"),
            Column("beneficiary", "服务对象", example="社区居民"),
            Column("content", "服务内容", also=("活动内容",), example="献血知识宣传"),
            Column("participants", "参加人员", required=True, also=("参加志愿者", "参与人员"),
                   example="张晓明、李红", note="一人或多人，用 、，,;；/ 或空格分隔"),
            Column("hours", "服务时长", "hours", required=True, also=("时长", "服务时间", "小时数"),
                   example="2", note="每人时长"),
            Column("lead", "负责人", example="张晓明"),
            Column("recorder", "记录人", example="李红"),
            Column("note", "备注"),
        ),
        month_field="date",
    ),
    "demands": Kind(
        "demands",
        "群众需求登记簿",
        (
            UNIT,
            Column("demand_id", "需求编号", required=True, also=("编号",), example="XQ-2026-001"),
            Column("received", "登记日期", "date", required=True, also=("受理日期",), example="2026-03-02"),
            Column("requester", "需求人", also=("需求群众",), example="王大爷"),
            Column("phone", "联系方式", "phone", also=("联系电话",), example="13900005678"),
            Column("content", "需求内容", required=True, example="上门测血压"),
            Column("category", "需求类别", example="健康"),
            Column("team", "承接服务队", also=("服务队",), example="检验队"),
            Column("status", "状态", required=True, choices=("待办理", "办理中", "已办结", "无法办理"),
                   also=("办理状态",), example="已办结"),
            Column("closed", "办结日期", "date", example="2026-03-09"),
            Column("activity", "关联活动", example="无偿献血宣传进社区"),
            Column("rating", "群众评价", choices=("满意", "基本满意", "不满意"), example="满意"),
        ),
        month_field="received",
    ),
    "pairings": Kind(
        "pairings",
        "结对帮扶活动情况登记簿",
        (
            UNIT,
            Column("pair_id", "结对编号", example="JD-01", note="默认：志愿者+帮扶对象"),
            Column("date", "日期", "date", required=True, also=("帮扶日期", "走访日期"), example="2026-03-08"),
            Column("volunteer", "志愿者", required=True, also=("帮扶志愿者", "志愿者姓名"), example="张晓明"),
            Column("recipient", "帮扶对象", required=True, example="赵奶奶"),
            Column("recipient_kind", "对象类别", choices=("老人", "儿童", "残疾人", "困难家庭", "其他"),
                   example="老人"),
            Column("content", "帮扶内容", example="陪同就医"),
            Column("hours", "服务时长", "hours", also=("时长",), example="1.5"),
            Column("pair_status", "结对状态", choices=("进行中", "已结束"), example="进行中"),
        ),
        month_field="date",
    ),
}

KIND_NAMES = {
    "units": "单位",
    "teams": "服务队",
    "roster": "花名册",
    "activities": "活动登记簿",
    "demands": "群众需求登记簿",
    "pairings": "结对帮扶登记簿",
}


def normalize_header(text: str) -> str:
    """A header cell as it is compared: NFKC, no spaces, quotes, '*' or (…) notes.

    "姓　　名" → "姓名"; "主要志愿\\n服务项目" → "主要志愿服务项目";
    "“党员志愿服务队”负责人姓名及联系方式（办公、手机）" → "党员志愿服务队负责人姓名及联系方式".
    """
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"[\s\u3000]+", "", s)
    s = re.sub(r"[\"'“”‘’*＊]", "", s)
    s = re.sub(r"\([^()]*\)$", "", s)
    return s.lower()


def header_index(kind: Kind) -> dict[str, str]:
    """normalized header text → column key."""
    out: dict[str, str] = {}
    for c in kind.columns:
        for n in c.names():
            out.setdefault(normalize_header(n), c.key)
    return out

"""A synthetic year of ledgers for `tracker demo`, written as the files a unit keeps.

The unit is shaped like the notice's example (a blood station with 34 Party
members and four teams of 7, 7, 8 and 4 volunteers) with made-up names, phones
and ID numbers. The files look like real ones: the notice's forms (附件2/3/4)
with title lines, merged cells, 总计 and 注 lines; monthly activity logs that
alternate .xlsx, UTF-8-with-BOM CSV and GBK CSV; mixed date and hour spellings.
The year is built so that every report has something to show: a team that
falls short, inactive volunteers, a missed quarterly meeting, overdue demands
and an overdue pairing (see `DemoDesign`). The same seed gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from tracker.demo_data.sheets import Cell, write_csv, write_xlsx
from tracker.values import id_check_digit

D = dt.date
UNIT = "示例市中心血站"
PARENT = "示例市卫生局"
PARTY_MEMBERS = 34
STAFF = 90
FIRST_YEAR = 2025  # ages, party dates and past registrations are written for 2025 onwards
NOTE_UNIT = "注：此表由各基层党组织填写，辖市区委组织部汇总。"
NOTE_SUMMARY = "注：此表由各辖市（区）组织部党管科和市各主管部门负责汇总填写。"

THEMES = ("关爱老幼弱残", "关爱山川河流", "学雷锋献爱心", "五进社区")
OLD_YOUNG, RIVERS, LEIFENG, COMMUNITY = THEMES


@dataclass(frozen=True)
class DemoFile:
    """One ledger file and what `tracker load` needs for it (CLI option → value)."""

    kind: str
    path: Path
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoDesign:
    """What the synthetic year was built to show; reports and tests look for these."""

    unit: str
    parent: str
    teams: dict[str, str]  # short name → full name
    short_team: str  # fewer than 10 service activities, never 关爱山川河流
    ten_haves_short: str  # 8 of 10 十有
    ten_haves_missing: tuple[str, ...]
    never_served: tuple[str, ...]
    stopped_after_march: tuple[str, ...]
    withdrawn: str  # 状态=退出 in the mid-year roster
    withdrawn_on: dt.date
    moved: tuple[str, str, str]  # name, from team, to team (mid-year roster)
    new_volunteers: tuple[str, ...]  # registered in May
    guest: tuple[str, str]  # a volunteer serving in another team's activity: name, host team
    duplicate_name: str  # two volunteers share it; written 姓名(手机后四位) in activities
    star_prior_hours: dict[str, float]  # 历史服务时长 of those who carry prior hours
    missing_meeting_quarter: int
    training_months: tuple[int, ...]
    overdue_demands: tuple[str, ...]  # open more than 30 days at year end
    overdue_pairing: str  # no visit in the last two months of the year
    ended_pairing: str


@dataclass(frozen=True)
class DemoFiles:
    """The files in load order, and the design they carry."""

    year: int
    unit: str
    files: tuple[DemoFile, ...]
    design: DemoDesign

    def of_kind(self, kind: str) -> list[DemoFile]:
        return [f for f in self.files if f.kind == kind]


# ---------------------------------------------------------------- the unit's people

@dataclass(frozen=True)
class _TeamSpec:
    short: str
    full: str
    items: str
    founded: str


TEAMS = (
    _TeamSpec("检验队", "血站党员志愿服务队1队（检验队）", "无偿献血宣传、为市民测血型量血压、帮扶、社会服务", "2013-07-01"),
    _TeamSpec("业务队", "血站党员志愿服务队2队（业务队）", "无偿献血宣传、公益讲师团、帮扶、社会服务", "2013-07-01"),
    _TeamSpec("宣传队", "血站党员志愿服务队3队（宣传队）", "无偿献血宣传、公益讲师团、帮扶、社会服务", "2013-07-01"),
    _TeamSpec("句容队", "血站党员志愿服务队4队（句容队）", "无偿献血宣传、为市民测血型量血压、帮扶、社会服务", "2015-03-01"),
)
SHORT_TEAM = "句容队"
TEN_SHORT_TEAM = "业务队"
TEN_MISSING = ("星级评定办法", "实名QQ群")
TEN_HEADERS = ("队旗", "章程", "统一标识", "年度计划", "队长及小组", "星级评定办法",
               "网上登记表", "档案材料", "活动记录册", "实名QQ群")

# name as written in the roster (some padded with a full-width space), gender, age in
# FIRST_YEAR, education, 入党时间 (text), ethnicity, team, role, 历史服务时长, 登记日期
# (MM-DD of FIRST_YEAR for the new ones). Roles: leader, never (never serves), stop (stops
# after March), withdraw (leaves in June), move (changes team at mid-year), guest (serves in
# another team's activity), new (registered in May).
PEOPLE: tuple[tuple, ...] = (
    ("陈建华", "男", 47, "研究生", "1997.12", "汉", "检验队", "leader", 1020, "2013-07-05"),
    ("周　敏", "女", 41, "本科", "2006.7", "汉", "检验队", "", 36, "2013-07-05"),
    ("王　丽", "女", 36, "本科", "2010.10", "汉", "检验队", "", 0, "2016-03-10"),
    ("刘志强", "男", 39, "本科", "2008.6", "汉", "检验队", "", 0, "2018-05-20"),
    ("孙晓燕", "女", 33, "大专", "2015.7", "汉", "检验队", "never", 0, "2024-09-18"),
    ("赵　军", "男", 45, "本科", "2002.2", "回", "检验队", "withdraw", 64, "2013-07-05"),
    ("吴海涛", "男", 30, "本科", "2017.6", "汉", "检验队", "", 80, "2021-04-12"),
    ("钱国平", "男", 50, "本科", "1996.11", "汉", "业务队", "leader", 580, "2013-07-05"),
    ("郑雅琴", "女", 44, "本科", "2003.12", "汉", "业务队", "", 120, "2013-07-05"),
    ("冯　磊", "男", 38, "本科", "2011.8", "汉", "业务队", "stop", 0, "2019-06-03"),
    ("何丽萍", "女", 42, "大专", "2005.7", "汉", "业务队", "", 0, "2015-03-02"),
    ("许文博", "男", 35, "研究生", "2014.5", "汉", "业务队", "", 0, "2020-07-01"),
    ("蒋　婷", "女", 29, "本科", "2018.10", "满", "业务队", "", 0, "2022-03-05"),
    ("沈伟东", "男", 48, "中专", "1999.7", "汉", "业务队", "", 290, "2013-07-05"),
    ("杨秀兰", "女", 46, "本科", "1998.6", "汉", "宣传队", "leader", 150, "2013-07-05"),
    ("王丽", "女", 31, "本科", "2016.12", "汉", "宣传队", "", 0, "2020-11-09"),
    ("朱明亮", "男", 40, "本科", "2009.4", "汉", "宣传队", "move", 0, "2017-05-16"),
    ("韩雪梅", "女", 37, "大专", "2012.7", "汉", "宣传队", "stop", 0, "2018-09-25"),
    ("马　骏", "男", 34, "本科", "2016.6", "汉", "宣传队", "guest", 0, "2019-04-08"),
    ("高玉洁", "女", 28, "本科", "2020.6", "汉", "宣传队", "never", 0, "2023-10-16"),
    ("林志远", "男", 43, "本科", "2007.12", "汉", "宣传队", "", 0, "2014-06-11"),
    ("罗春燕", "女", 39, "大专", "2010.1", "汉", "宣传队", "", 0, "2016-08-22"),
    ("唐国庆", "男", 52, "大专", "1994.10", "汉", "句容队", "leader", 0, "2015-03-02"),
    ("曹　静", "女", 36, "本科", "2013.6", "汉", "句容队", "", 0, "2015-05-18"),
    ("邓宏伟", "男", 41, "中专", "2006.7", "汉", "句容队", "", 0, "2015-04-21"),
    ("彭丽娟", "女", 33, "大专", "2016.7", "汉", "句容队", "", 0, "2021-12-06"),
    ("田佳怡", "女", 27, "本科", "2021.6", "汉", "业务队", "new", 0, "05-12"),
    ("袁浩然", "男", 29, "研究生", "2019.11", "汉", "宣传队", "new", 0, "05-20"),
)
MOVE_TO = "检验队"
WITHDRAW_MONTH_DAY = (6, 20)
MIDYEAR_MONTH_DAY = (6, 30)  # the mid-year roster's date (填表日期)


@dataclass
class _Person:
    number: str
    written: str  # as in the roster, maybe padded "王　丽"
    name: str  # without padding
    gender: str
    age: int
    education: str
    joined: str
    ethnicity: str
    team: str
    role: str
    prior_hours: float
    registered: dt.date
    phone: str = ""
    mobile: str = ""
    id_number: str = ""
    label: str = ""  # how activity logs write them: name, or name(last4) for shared names

    @property
    def leader(self) -> bool:
        return self.role == "leader"

    def team_on(self, day: dt.date, midyear: dt.date) -> str:
        return MOVE_TO if self.role == "move" and day >= midyear else self.team

    def serves_on(self, day: dt.date, year: int) -> bool:
        if self.role == "never":
            return False
        if self.role == "stop":
            return day < D(year, 4, 1)
        if self.role == "withdraw":
            return day < D(year, *WITHDRAW_MONTH_DAY)
        if self.role == "new":
            return day >= D(year, 7, 1)
        return True


def _mobile(rng: random.Random) -> str:
    return rng.choice(("138", "139", "137", "135", "158", "189")) + f"{rng.randrange(10**8):08d}"


def _people(year: int, rng: random.Random) -> list[_Person]:
    out: list[_Person] = []
    for i, (written, gender, age0, edu, joined, eth, team, role, prior, reg) in enumerate(PEOPLE, 1):
        registered = D(year, *map(int, reg.split("-"))) if role == "new" else D.fromisoformat(reg)
        age = age0 + (year - FIRST_YEAR)
        p = _Person(f"XZ{i:03d}", written, written.replace("\u3000", ""), gender, age, edu, joined,
                    eth, team, role, float(prior), registered)
        p.mobile = _mobile(rng)
        # leaders write an office number too (办公、手机), as the notice's column asks
        p.phone = f"0511-8{rng.randrange(10**7):07d}、{p.mobile}" if p.leader else p.mobile
        birth = D(year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
        seq = rng.randrange(10, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if gender == "男" else (0, 2, 4, 6, 8))
        first17 = f"329901{birth:%Y%m%d}{seq:03d}"
        p.id_number = first17 + id_check_digit(first17)
        out.append(p)
    by_name: dict[str, list[_Person]] = {}
    for p in out:
        by_name.setdefault(p.name, []).append(p)
    for same in by_name.values():
        if len(same) > 1:  # shared names need different phone endings to be told apart
            seen: set[str] = set()
            for p in same:
                while p.mobile[-4:] in seen:
                    p.mobile = _mobile(rng)
                    p.phone = p.mobile
                seen.add(p.mobile[-4:])
        for p in same:
            p.label = f"{p.name}({p.mobile[-4:]})" if len(same) > 1 else p.name
    return out


# ---------------------------------------------------------------- the year's activities

@dataclass
class _Activity:
    date: dt.date
    team: str
    title: str
    kind: str
    theme: str
    place: str
    beneficiary: str
    content: str
    people: list[_Person]
    hours: float
    lead: str
    recorder: str
    note: str = ""


# per theme: (title, place, beneficiary, content)
IDEAS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    OLD_YOUNG: (
        ("走进敬老院义务测血压", "城东敬老院", "敬老院老人", "测量血压、血型，讲解健康知识"),
        ("关爱留守儿童健康课堂", "示例市东城小学", "留守儿童", "讲解献血与健康常识，赠送学习用品"),
        ("助残日上门健康服务", "西园社区", "残疾人家庭", "上门测血压、整理药品、打扫卫生"),
        ("重阳节慰问空巢老人", "北湖社区", "空巢老人", "走访慰问，测量血压，陪老人聊天"),
    ),
    RIVERS: (
        ("江滨公园环境清洁", "示例市江滨公园", "市民游客", "捡拾垃圾，劝导文明游园"),
        ("护河巡河宣传", "城南运河沿岸", "沿河居民", "巡查河岸，发放护河倡议书"),
        ("植树护绿", "南郊林场", "公众", "补植树苗，清理林间垃圾"),
    ),
    LEIFENG: (
        ("学雷锋无偿献血宣传", "中心广场献血屋", "市民", "发放无偿献血宣传资料，解答献血疑问"),
        ("街头献血屋志愿服务", "步行街献血屋", "献血者", "引导献血者填表、测血型"),
        ("国际志愿者日献爱心", "中心广场", "市民", "献血咨询与义诊"),
    ),
    COMMUNITY: (
        ("无偿献血知识进社区", "东城社区", "社区居民", "献血知识讲座，现场测血型"),
        ("献血知识进校园", "示例市职业学院", "师生", "无偿献血知识宣讲"),
        ("献血知识进企业", "经济开发区企业", "企业职工", "宣讲无偿献血知识，组织团体献血报名"),
    ),
}
MONTH_THEME = {1: OLD_YOUNG, 2: COMMUNITY, 3: LEIFENG, 4: RIVERS, 5: OLD_YOUNG, 6: RIVERS,
               7: COMMUNITY, 8: OLD_YOUNG, 9: RIVERS, 10: OLD_YOUNG, 11: COMMUNITY, 12: LEIFENG}
# service activities per team: the months they fall in (a month listed twice has two)
SCHEDULE = {
    "检验队": (1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11, 12),
    "业务队": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
    "宣传队": (1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12),
    SHORT_TEAM: (2, 3, 5, 6, 8, 9, 11, 12),  # 8 < 10, and never 关爱山川河流
}
MEETINGS = {1: (1, 10), 2: (4, 8), 4: (10, 9)}  # quarter → (month, day); Q3 has none
MISSING_QUARTER = 3
MEETING_TEAM = "检验队"
TRAININGS = (((3, 15), "志愿者应急救护技能培训"), ((9, 20), "无偿献血知识宣讲员培训"))
TRAINING_TEAM = "宣传队"
GUESTS = {("检验队", 4): "guest", ("宣传队", 12): "new:业务队"}  # (host, month) → who joins


def _theme(team: str, month: int, nth: int) -> str:
    theme = MONTH_THEME[month]
    if nth:  # a second activity in the month takes another theme
        theme = COMMUNITY if theme != COMMUNITY else OLD_YOUNG
    if team == SHORT_TEAM and theme == RIVERS:
        theme = OLD_YOUNG if month < 7 else COMMUNITY
    return theme


def _activities(year: int, people: list[_Person], rng: random.Random) -> list[_Activity]:
    midyear = D(year, *MIDYEAR_MONTH_DAY)
    leaders = {p.team: p for p in people if p.leader}
    out: list[_Activity] = []
    for spec in TEAMS:
        team = spec.short
        used: dict[str, int] = {}
        months = SCHEDULE[team]
        for month in sorted(set(months)):
            n = months.count(month)
            days = sorted(rng.sample(range(3, 28), n))
            for nth, day in enumerate(days):
                date = D(year, month, day)
                theme = _theme(team, month, nth)
                k = used.get(theme, 0)
                used[theme] = k + 1
                title, place, who, content = IDEAS[theme][k % len(IDEAS[theme])]
                pool = [p for p in people if p.team_on(date, midyear) == team and p.serves_on(date, year)]
                # only ordinary members miss an activity now and then; the designed
                # patterns (stops after March, new, leaving) stay exact
                others = [p for p in pool if not p.leader and p.role in ("", "move", "guest")]
                absent = 0 if team == SHORT_TEAM else rng.choice((0, 1, 1, 2))
                away = set(id(p) for p in rng.sample(others, min(absent, max(len(others) - 2, 0))))
                crew = [p for p in pool if id(p) not in away]
                guest = GUESTS.get((team, month))
                if guest and nth == 0:
                    role, _, home = guest.partition(":")
                    crew += [p for p in people if p.role == role and (not home or p.team == home)]
                hours = rng.choice((3.0, 3.5, 4.0) if team == SHORT_TEAM else (2.5, 3.0, 3.5, 4.0))
                recorder = next(p for p in crew if not p.leader)
                out.append(_Activity(date, team, title, "志愿服务", theme, place, who, content,
                                     crew, hours, leaders[team].name, recorder.name))
    meeting_leaders = [p for p in people if p.leader]
    quarter_names = "一二三四"
    for q, (m, d) in MEETINGS.items():
        out.append(_Activity(D(year, m, d), MEETING_TEAM, f"{year}年第{quarter_names[q - 1]}季度志愿服务工作例会",
                             "例会", "", "站部会议室", "", "通报上季度活动情况，部署本季度工作",
                             meeting_leaders, 1.5, leaders[MEETING_TEAM].name,
                             leaders[TRAINING_TEAM].name))
    for (m, d), title in TRAININGS:
        date = D(year, m, d)
        # the first training is also attended by one who never serves (training hours do not count)
        crew = [p for p in people if p.serves_on(date, year)
                or (p.role == "never" and p.team == "检验队" and m < 6)]
        out.append(_Activity(date, TRAINING_TEAM, title, "培训", "", "站部培训室", "本站志愿者",
                             "集中授课与实操演练", crew, 3.0, leaders[TRAINING_TEAM].name,
                             leaders["业务队"].name))
    out.sort(key=lambda a: (a.date, a.team, a.title))
    return out


# ---------------------------------------------------------------- writing files



def _hours_text(h: float, style: int) -> str:
    if style == 1:
        return f"{h:g}小时"
    if style == 2 and h * 60 == int(h * 60):
        return f"{int(h * 60)}分钟"
    return f"{h:g}"


def _units_file(path: Path, year: int, people: list[_Person]) -> None:
    first = [p for p in people if p.role != "new"]
    write_xlsx(
        path, "附件4", year, "党员志愿服务队组队情况汇总表",
        [f"辖市（区）、市各主管部门（盖章）：{PARENT}　　填表日期：{year}.1"],
        ["序号", "单　位　名　称", "党员\n人数", "党员志愿服务队数\n（支）", "党员志愿者\n人数"],
        [[1, UNIT, PARTY_MEMBERS, len(TEAMS), len(first)]],
        blank_rows=4, note=NOTE_SUMMARY, widths={1: 24, 3: 18},
    )


def _teams_file(path: Path, year: int, people: list[_Person]) -> None:
    first = [p for p in people if p.role != "new"]
    leaders = {p.team: p for p in people if p.leader}
    rows: list[list[Cell]] = []
    for t in TEAMS:
        size = sum(p.team == t.short for p in first)
        ten = ["否" if (t.short == TEN_SHORT_TEAM and h in TEN_MISSING) else "是" for h in TEN_HEADERS]
        rows.append([UNIT, t.full, size, t.items, leaders[t.short].name, t.short, t.founded, *ten])
    blank = [None] * (len(rows[0]) - 3)
    total = [None, f"总计　{len(TEAMS)}　支", f"总计 {len(first)}人", *blank]
    write_xlsx(
        path, "附件3", year, "党员志愿服务队登记表",
        [f"单位名称（盖章）：{UNIT}单位人数：{STAFF}人 填表日期：{year}.1"],
        ["党组织名称", "“党员志愿\n服务队”名称", "志愿者\n人  数", "主要志愿\n服务项目",
         "“党员志愿服务队”负责人姓名及联系方式（办公、手机）", "简称", "成立日期", *TEN_HEADERS],
        rows, merges=[(0, len(rows) - 1, 0)], totals=[total], note=NOTE_UNIT,
        widths={0: 16, 1: 30, 3: 36, 4: 24},
    )


ROSTER_HEADER = ["志愿者编号", "姓名", "性别", "年龄", "学历", "入党时间", "民族", "所属服务队",
                 "主要志愿\n服务项目", "联系方式\n（办公、手机）", "身份证号码", "是否班子成员",
                 "申请日期", "审核日期", "登记日期", "状态", "退出日期", "历史服务时长"]


def _roster_file(path: Path, year: int, people: list[_Person], as_of: dt.date) -> None:
    full = {t.short: t for t in TEAMS}
    midyear = D(year, *MIDYEAR_MONTH_DAY)
    rows: list[list[Cell]] = []
    for p in people:
        if p.registered > as_of:
            continue
        left = D(year, *WITHDRAW_MONTH_DAY) if p.role == "withdraw" and as_of >= midyear else None
        team = full[p.team_on(as_of, midyear)]
        rows.append([
            p.number, p.written, p.gender, p.age, p.education, p.joined, p.ethnicity, team.full,
            team.items, p.phone, p.id_number, "是" if p.leader else "否",
            p.registered - dt.timedelta(days=10), p.registered - dt.timedelta(days=3), p.registered,
            "退出" if left else "在册", left, p.prior_hours if p.prior_hours else 0,
        ])
    stamp = f"{as_of.year}.{as_of.month}" if as_of.day == 1 else f"{as_of.year}.{as_of.month}.{as_of.day}"
    write_xlsx(
        path, "附件2", year, "党员志愿服务队志愿者花名册",
        [f"单位名称（盖章）：{UNIT}　　　　填表日期：{stamp}"],
        ROSTER_HEADER, rows, note=NOTE_UNIT,
        widths={7: 30, 8: 30, 9: 28, 10: 22, 12: 12, 13: 12, 14: 12},
    )


ACTIVITY_HEADER = ["日期", "服务队", "活动名称", "活动类型", "服务主题", "地点", "服务对象", "服务内容",
                   "参加人员", "服务时长", "负责人", "记录人", "备注"]


def _activity_rows(acts: list[_Activity], style: str, rng: random.Random) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for a in acts:
        sep = rng.choice(("、", "、", "、", "、", "，", " "))
        if style == "xlsx":
            date: Cell = a.date
        elif style == "bom":
            date = f"{a.date.year}/{a.date.month}/{a.date.day}"
        else:
            date = f"{a.date.year}年{a.date.month}月{a.date.day}日"
        hours: Cell = _hours_text(a.hours, rng.choice((0, 0, 1, 2)))
        if style == "xlsx" and hours == f"{a.hours:g}":
            hours = a.hours
        note = "路途时间已扣除" if a.kind == "志愿服务" and rng.random() < 0.15 else ""
        rows.append([date, a.team, a.title, a.kind, a.theme, a.place, a.beneficiary, a.content,
                     sep.join(p.label for p in a.people), hours, a.lead, a.recorder, note])
    return rows


def _activity_file(out: Path, year: int, month: int, acts: list[_Activity],
                   rng: random.Random) -> DemoFile:
    title = f"{year}年{month}月党员志愿者队伍活动情况登记簿"
    unit_line = f"单位名称：{UNIT}"
    options = {"month": f"{year}-{month:02d}"}
    if month % 3 == 1:
        path = out / f"活动登记簿-{year}-{month:02d}.xlsx"
        write_xlsx(path, f"{month}月", year, title, [unit_line], ACTIVITY_HEADER,
                    _activity_rows(acts, "xlsx", rng), widths={2: 24, 7: 30, 8: 40})
    elif month % 3 == 2:  # what Excel writes as "CSV UTF-8": BOM, title lines kept
        path = out / f"活动登记簿-{year}-{month:02d}.csv"
        width = len(ACTIVITY_HEADER)
        lines: list[list[Cell]] = [[title] + [None] * (width - 1), [unit_line] + [None] * (width - 1)]
        write_csv(path, [*lines, ACTIVITY_HEADER, *_activity_rows(acts, "bom", rng)], "utf-8-sig")
    else:  # plain "CSV（逗号分隔）" from Excel on Chinese Windows: GBK, no title, so --unit
        path = out / f"活动登记簿-{year}-{month:02d}-gbk.csv"
        write_csv(path, [ACTIVITY_HEADER, *_activity_rows(acts, "gbk", rng)], "gbk")
        options["unit"] = UNIT
    return DemoFile("activities", path, options)


# ---------------------------------------------------------------- demands and pairings

# (承接服务队, month of the activity that settles it, days before it received, requester,
#  content, category, rating)
CLOSED_DEMANDS = (
    ("检验队", 2, 30, "城东敬老院", "希望定期为老人测量血压", "健康", "满意"),
    ("宣传队", 3, 9, "东城社区居委会", "请求开展无偿献血知识讲座", "宣传", "满意"),
    ("业务队", 4, 12, "李阿姨", "咨询献血后体检结果解读", "健康", "基本满意"),
    (SHORT_TEAM, 5, 5, "句容某村委会", "希望到村里为村民测血型", "健康", "满意"),
    ("检验队", 6, 20, "北湖社区", "夏季义诊进社区", "健康", "满意"),
    ("宣传队", 8, 4, "示例市职业学院", "新生入学献血知识宣讲", "宣传", "满意"),
    ("业务队", 9, 35, "王大爷", "帮助整理家中常用药品", "生活", "满意"),
    (SHORT_TEAM, 11, 7, "句容某社区", "冬季为空巢老人上门服务", "生活", "满意"),
    ("检验队", 12, 10, "西园社区", "助残日后续回访", "生活", "基本满意"),
)
# (承接服务队, status, received month-day, requester, content, category); the first two stay
# open more than 30 days at year end
OPEN_DEMANDS = (
    ("宣传队", "办理中", (10, 15), "示例市第二中学", "希望开展应急救护知识讲座", "宣传"),
    (SHORT_TEAM, "待办理", (11, 10), "句容某敬老院", "请求每月上门测血压", "健康"),
    ("业务队", "办理中", (12, 12), "赵阿姨", "咨询子女献血条件", "咨询"),
    ("检验队", "待办理", (12, 22), "东城社区居委会", "春节前走访困难家庭", "生活"),
)
DEMAND_HEADER = ["需求编号", "登记日期", "需求人", "联系方式", "需求内容", "需求类别", "承接服务队", "状态",
                 "办结日期", "关联活动", "群众评价"]


def _demands(year: int, acts: list[_Activity], rng: random.Random) -> tuple[list[list[Cell]], list[str]]:
    rows: list[list[Cell]] = []
    for team, month, before, who, content, cat, rating in CLOSED_DEMANDS:
        act = next(a for a in acts if a.team == team and a.date.month == month and a.kind == "志愿服务")
        received = max(act.date - dt.timedelta(days=before), D(year, 1, 2))
        rows.append([None, received, who, _mobile(rng), content, cat, team, "已办结", act.date, act.title,
                     rating])
    overdue: list[str] = []
    for team, status, (m, d), who, content, cat in OPEN_DEMANDS:
        rows.append([None, D(year, m, d), who, _mobile(rng), content, cat, team, status, None, None, None])
    rows.sort(key=lambda r: r[1])
    year_end = D(year, 12, 31)
    for i, r in enumerate(rows, 1):
        r[0] = f"XQ-{year}-{i:03d}"
        if r[7] != "已办结" and (year_end - r[1]).days > 30:
            overdue.append(r[0])
    return rows, overdue


# (结对编号, volunteer role/name, recipient, kind, content, months visited)
PAIRS = (
    ("JD-01", "周敏", "赵奶奶", "老人", "陪同就医、打扫卫生、测血压", tuple(range(1, 13))),
    ("JD-02", "林志远", "刘小宇", "儿童", "课业辅导、心理疏导", tuple(range(1, 13))),
    ("JD-03", "何丽萍", "孙大伯", "残疾人", "上门测血压、代购生活用品", tuple(range(1, 11))),
    ("JD-04", "罗春燕", "钱阿姨家", "困难家庭", "送米送油、帮助申请救助", tuple(range(1, 7))),
)
OVERDUE_PAIR, ENDED_PAIR = "JD-03", "JD-04"
PAIRING_HEADER = ["结对编号", "日期", "志愿者", "帮扶对象", "对象类别", "帮扶内容", "服务时长", "结对状态"]


def _pairings(year: int, rng: random.Random) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for pid, who, recipient, kind, content, months in PAIRS:
        for m in months:
            ended = pid == ENDED_PAIR and m == months[-1]
            hours = rng.choice((1.0, 1.5, 2.0))
            rows.append([pid, D(year, m, rng.randrange(5, 26)), who, recipient, kind,
                         content.split("、")[m % 2], hours, "已结束" if ended else "进行中"])
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows


# ---------------------------------------------------------------- the entry point

def write_demo_ledgers(out_dir: Path, year: int = 2025, seed: int = 2013, *,
                       today: dt.date | None = None) -> DemoFiles:
    """Write a full synthetic year of ledgers into out_dir; return them in load order.

    The year must be over (no ledger may hold a date after today: the loader
    rejects future dates), and from 2025 on (the people's ages and dates are
    written for it). The same year and seed give byte-identical files.
    """
    today = today or D.today()
    if year < FIRST_YEAR:
        raise ValueError(f"示例数据的年份不能早于 {FIRST_YEAR} 年（收到 {year}）。")
    if D(year, 12, 31) >= today:
        raise ValueError(f"{year} 年尚未结束（今天是 {today.isoformat()}），示例数据需要完整的一年，"
                         f"请选择 {today.year - 1} 年或更早。")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    people = _people(year, rng)
    acts = _activities(year, people, rng)
    start, midyear, year_end = D(year, 1, 1), D(year, *MIDYEAR_MONTH_DAY), D(year, 12, 31)

    files: list[DemoFile] = []
    path = out / "组队情况汇总表.xlsx"
    _units_file(path, year, people)
    files.append(DemoFile("units", path, {"as_of": start.isoformat()}))
    path = out / "服务队登记表.xlsx"
    _teams_file(path, year, people)
    files.append(DemoFile("teams", path, {"as_of": start.isoformat()}))
    path = out / f"花名册-{year}年初.xlsx"
    _roster_file(path, year, people, start)
    files.append(DemoFile("roster", path, {"as_of": start.isoformat()}))
    for month in range(1, 13):
        if month == 7:  # the mid-year update comes before July's log
            path = out / f"花名册-{year}年中.xlsx"
            _roster_file(path, year, people, midyear)
            files.append(DemoFile("roster", path, {"as_of": midyear.isoformat()}))
        month_acts = [a for a in acts if a.date.month == month]
        files.append(_activity_file(out, year, month, month_acts, rng))
    demand_rows, overdue = _demands(year, acts, rng)
    path = out / f"群众需求登记簿-{year}.xlsx"
    write_xlsx(path, "群众需求", year, "群众需求登记簿", [f"单位名称：{UNIT}　　填表日期：{year}.12.31"],
                DEMAND_HEADER, demand_rows, widths={2: 16, 3: 14, 4: 30, 9: 24})
    files.append(DemoFile("demands", path, {"as_of": year_end.isoformat()}))
    path = out / f"结对帮扶登记簿-{year}.xlsx"
    write_xlsx(path, "结对帮扶", year, "结对帮扶活动情况登记簿", [f"单位名称：{UNIT}　　填表日期：{year}.12.31"],
                PAIRING_HEADER, _pairings(year, rng), widths={1: 12, 5: 24})
    files.append(DemoFile("pairings", path, {"as_of": year_end.isoformat()}))

    role = {r: tuple(p.name for p in people if p.role == r) for r in ("never", "stop", "withdraw", "move",
                                                                      "new", "guest")}
    design = DemoDesign(
        unit=UNIT,
        parent=PARENT,
        teams={t.short: t.full for t in TEAMS},
        short_team=SHORT_TEAM,
        ten_haves_short=TEN_SHORT_TEAM,
        ten_haves_missing=TEN_MISSING,
        never_served=role["never"],
        stopped_after_march=role["stop"],
        withdrawn=role["withdraw"][0],
        withdrawn_on=D(year, *WITHDRAW_MONTH_DAY),
        moved=(role["move"][0], next(p.team for p in people if p.role == "move"), MOVE_TO),
        new_volunteers=role["new"],
        guest=(role["guest"][0], next(h for (h, _), r in GUESTS.items() if r == "guest")),
        duplicate_name=next(p.name for p in people if p.label != p.name),
        star_prior_hours={p.name: p.prior_hours for p in people if p.prior_hours},
        missing_meeting_quarter=MISSING_QUARTER,
        training_months=tuple(m for (m, _), _ in TRAININGS),
        overdue_demands=tuple(overdue),
        overdue_pairing=OVERDUE_PAIR,
        ended_pairing=ENDED_PAIR,
    )
    return DemoFiles(year, UNIT, tuple(files), design)

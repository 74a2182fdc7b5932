"""Write the made-up ledgers of tests/data/real/ (the corpus) and data/ (samples a new user can load).

    python tests/make_ledgers.py

The corpus rebuilds, with made-up people, the layouts offices and volunteer
platforms produce (docs/ledgers.md, "Files tracker reads"): platform exports,
registers typed from a printed 登记簿 with totals and sign-off lines, merged
title lines, one-record forms. Its people are the notice-shaped unit of
tests/conftest.py (`people()`), so each file loads into `unit_db`; what each
must do is written by hand in tests/data/real/cases.toml. The samples in
data/ are a small unit of their own, in tracker's template and in other
accepted layouts, loaded in the order data/README.md gives.

Every name, phone and ID number here is made up; IDs get valid check digits
from `tracker.values.id_check_digit`. The files are written deterministically
(fixed workbook dates), so running this again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from conftest import UNIT, fake_id, people  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "real"
SAMPLES = ROOT / "data"
CREATED = dt.datetime(2026, 4, 1)

Cell = str | int | float | None
Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based, inclusive)


def write_xlsx(path: Path, rows: list[list[Cell]], merges: list[Merge] = (), sheet: str = "Sheet1") -> Path:
    """Rows as a worksheet: strings stay text, numbers stay numbers; a merge keeps its first cell's value."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": CREATED, "author": "tracker tests"})
    ws = wb.add_worksheet(sheet)
    covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None or (r, c) in covered:
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write_number(r, c, v)
    for r0, c0, r1, c1 in merges:
        v = rows[r0][c0] if c0 < len(rows[r0]) else None
        ws.merge_range(r0, c0, r1, c1, "" if v is None else v)
    wb.close()
    return path


def write_csv(path: Path, rows: list[list[Cell]], encoding: str = "gbk") -> Path:
    """What Excel on Chinese Windows saves as "CSV（逗号分隔）": GBK, CRLF."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([["" if v is None else v for v in r] for r in rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def both(folder: Path, name: str, rows: list[list[Cell]], merges: list[Merge] = ()) -> None:
    write_xlsx(folder / f"{name}.xlsx", rows, merges)
    write_csv(folder / f"{name}.csv", rows)


def across(row: int, width: int) -> Merge:
    return (row, 0, row, width - 1)


# ---------------------------------------------------------------- the corpus (tests/data/real)

P = [p["name"] for p in people()]  # 0-6 检验队, 7-13 业务队, 14-21 宣传队, 22-25 句容队
PHONE = [p["phone"] for p in people()]
TEAM = {p["short"]: p["team"] for p in people()}


def corpus() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    out = CORPUS

    # 1. headers with other names: a platform export, one row per person, start and end times
    header = ["序号", "活动标题", "所属组织", "志愿者姓名", "手机号", "服务开始时间", "服务结束时间",
              "服务时长(小时)", "活动地点", "审核状态"]
    rows: list[list[Cell]] = [header]
    for i, k in enumerate((14, 15, 16)):
        rows.append([i + 1, "学雷锋志愿服务进社区", TEAM["宣传队"], P[k], PHONE[k], "2026-03-05 09:00:00",
                     "2026-03-05 11:30:00", "2.5", "东城社区", "已审核"])
    for i, k in enumerate((0, 1)):
        rows.append([i + 4, "无偿献血知识宣讲", TEAM["检验队"], P[k], PHONE[k], "2026-03-12 14:00:00",
                     "2026-03-12 16:00:00", "2", "市民广场", "已审核"])
    both(out, "activities-platform-export", rows)

    # hours in minutes: the header says so
    rows = [["活动日期", "归属分队", "服务项目", "参与人员", "服务分钟数"],
            ["2026-03-06", "业务队", "义诊进社区", f"{P[7]}、{P[8]}", "90"],
            ["2026-03-07", "业务队", "健康讲座", P[9], "120"]]
    write_csv(out / "activities-minutes.csv", rows)
    rows[0][4] = "服务时长（分钟）"
    write_xlsx(out / "activities-minutes.xlsx", rows)

    # 2. values with other spellings: hours
    spellings = ["2小时30分钟", "3时40分", "45分钟", "2.5h", "8:50-11:00"]
    rows = [["服务日期", "所属团体", "活动主题", "志愿者", "服务时数"]]
    for i, h in enumerate(spellings):
        rows.append([f"2026-03-{10 + i:02d}", "句容队", "乡村义诊", P[22 + (i % 4)], h])
    both(out, "activities-hours-spellings", rows)

    # start and end columns, no hours column
    rows = [["开始时间", "结束时间", "服务队", "活动名称", "参加人员"],
            ["2026-03-14 09:00", "11:30", "检验队", "社区血压测量", f"{P[2]} {P[3]}"],
            ["2026-03-15 14:00", "2026-03-15 15:15", "检验队", "敬老院送健康", P[4]]]
    both(out, "activities-start-end", rows)

    # a date range whose length gives the hours; and a range of days beside an hours column
    rows = [["活动时间", "服务队", "活动名称", "参加人员"],
            ["2026-01-10 08:00:00 至 2026-01-10 11:00:00", "宣传队", "寒假社区服务", f"{P[17]}、{P[18]}"]]
    both(out, "activities-date-range", rows)
    rows = [["活动时间", "服务队", "活动名称", "参加人员", "服务时长"],
            ["2026.01.06 至 2026.01.06", "宣传队", "迎新春送春联", P[19], "3"]]
    both(out, "activities-day-range", rows)

    # ISO timestamps from a platform (UTC): 17:30Z is the next morning in China
    rows = [["活动日期", "服务队", "活动名称", "参加人员", "服务时长"],
            ["2026-03-05T01:12:33.000Z", "业务队", "献血点引导", P[10], "2"],
            ["2026-03-05T17:30:00Z", "业务队", "早班献血点引导", P[11], "1.5"]]
    write_csv(out / "activities-iso-timestamps.csv", rows)

    # participant lists split by "." or spaces, closed by "共N人"
    rows = [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
            ["2026-03-20", "检验队", "献血车服务", f"{P[0]}.{P[1]}.{P[2]} 共3人", "2"],
            ["2026-03-21", "检验队", "献血车服务", f"{P[3]} {P[4]} 共2人", "2"],
            ["2026-03-22", "检验队", "献血车服务", f"{P[5]}.{P[6]} 共3人", "2"]]
    both(out, "activities-participant-lists", rows)

    # 3. lines that are not data: tracker's own template, its unit line merged across the table
    header = ["单位名称", "日期*", "服务队*", "活动名称*", "活动类型", "服务主题", "地点", "服务对象", "服务内容",
              "参加人员*", "服务时长*", "负责人", "记录人", "备注"]
    w = len(header)
    rows = [["党员志愿者队伍活动情况登记簿"] + [None] * (w - 1),
            [f"单位名称：{UNIT}"] + [None] * (w - 1),
            header,
            [None, "2026-03-08", "检验队", "无偿献血宣传进社区", "志愿服务", "关爱老幼弱残", "东城社区", "社区居民",
             "献血知识宣传", f"{P[0]}、{P[1]}", "2", P[0], P[1], None],
            [None, "2026-03-09", "业务队", "义诊", "志愿服务", "关爱老幼弱残", "西园社区", "老人", "测血压",
             P[7], "1.5", P[7], P[8], None]]
    write_xlsx(out / "activities-template-merged-unit.xlsx", rows, [across(0, w), across(1, w)])

    # a register typed from a printed 登记簿: 小计 per team, 合计 and 总合计, sign-off lines under it
    header = ["序号", "日期", "服务队", "活动名称", "服务内容", "参加人员", "服务时长", "备注"]
    w = len(header)
    rows = [["2026年3月党员志愿者队伍活动情况登记簿"] + [None] * (w - 1),
            [f"填报单位：{UNIT}　　　　填报日期：2026年3月31日"] + [None] * (w - 1),
            header,
            [1, "2026-03-02", "宣传队", "文明交通劝导", "路口劝导", f"{P[14]}、{P[15]}", "2", None],
            [2, "2026-03-03", "宣传队", "防诈骗宣传", "合计发放宣传册200份", P[16], "1.5", None],
            [None, "宣传队", "小计", None, None, "3人次", "5.5", None],
            [3, "2026-03-04", "检验队", "献血屋服务", "引导献血", P[0], "3", "合计发放宣传册200份"],
            [None, "小计", None, None, None, "1人次", "3", None],
            ["合计", None, None, None, None, "4人次", "8.5", None],
            ["总 合 计", None, None, None, None, "4", "8.5", None],
            [None] * w,
            ["填表人：尤秀英", None, None, "审核人：赵晓明", None, "填报日期：2026年3月31日", None, None],
            ["出具单位（盖章）：示例市中心血站"] + [None] * (w - 1),
            ["负责人：赵晓明"] + [None] * (w - 1)]
    both(out, "activities-register-totals", rows, [across(0, w), across(1, w), (8, 0, 8, 4), (12, 0, 12, w - 1)])

    # a one-activity form of label/value pairs: refused, saying what it is
    rows = [["志愿服务活动记录表", None, None, None],
            ["活动名称", "关爱空巢老人", "活动时间", "2026-03-18"],
            ["服务队", "宣传队", "活动地点", "幸福里社区"],
            ["参加人员", f"{P[14]}、{P[15]}", "服务时长", "2"],
            ["活动内容", "陪老人聊天、打扫卫生", None, None]]
    both(out, "activities-one-record-form", rows, [across(0, 4), (4, 1, 4, 3)])

    # 4. a platform export of one activity: no team or title column (--team, --title)
    rows = [["序号", "姓名", "手机号", "签到时间", "签退时间", "服务时长"]]
    for i, k in enumerate((17, 18, 19, 20, 21)):
        rows.append([i + 1, P[k], PHONE[k], "2026-03-28 08:30:00", "2026-03-28 11:30:00", "3"])
    both(out, "activities-one-activity-export", rows)

    # the file's own title wins where it has one
    rows = [["日期", "活动名称", "参加人员", "服务时长"],
            ["2026-03-29", "清明前文明祭扫劝导", P[17], "2"],
            ["2026-03-29", None, P[18], "2"]]
    write_csv(out / "activities-some-titles.csv", rows)

    # a unit's own header names, from a headers file (--columns own-headers.toml)
    rows = [["日期", "所属支部", "活动名称", "参加人员", "义工时长"],
            ["2026-03-30", "业务队", "献血点引导", P[9], "2"]]
    write_csv(out / "activities-own-headers.csv", rows)

    # 5. messages a user can act on: headers tracker does not know
    rows = [["日期", "服务队", "活动名称", "参与人", "服务时常", "联系电话"],
            ["2026-03-05", "检验队", "献血宣传", P[0], "2", PHONE[0]]]
    write_csv(out / "activities-unknown-headers.csv", rows)

    # minutes under an hours header that does not say so
    rows = [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
            ["2026-03-05", "业务队", "献血点引导", P[12], "90"],
            ["2026-03-06", "业务队", "献血点引导", P[13], "2"]]
    both(out, "activities-minutes-unmarked", rows)

    # columns tracker does not read are named, an hours column above all
    rows = [["日期", "服务队", "活动名称", "参加人员", "服务时长", "累计服务时长", "政治面貌", None],
            ["2026-03-25", "句容队", "田间党课", f"{P[22]}、{P[23]}", "2", "46", "中共党员", "已拍照"]]
    both(out, "activities-ignored-columns", rows)

    # one row per person, the activity's cells merged down its rows
    rows = [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
            ["2026-03-26", "宣传队", "社区垃圾分类宣传", P[14], "2"],
            [None, None, None, P[15], "2"],
            [None, None, None, P[16], "1.5"]]
    write_xlsx(out / "activities-merged-down.xlsx", rows, [(1, 0, 3, 0), (1, 1, 3, 1), (1, 2, 3, 2)])

    # demands from a community platform
    rows = [["工单号", "需求人姓名", "电话", "需求事项", "需求类型", "提出时间", "认领方", "需求状态", "完成时间",
             "满意度"],
            ["GD202603001", "王大爷", "13900001111", "上门测血压", "健康", "2026-03-02 10:15:00", "检验队", "已完成",
             "2026-03-09 16:00:00", "非常满意"],
            ["GD202603002", "东城社区居委会", "13900002222", "献血知识讲座", "宣传", "2026-03-10 09:00:00",
             "宣传队", "已认领", None, None],
            ["GD202603003", "李阿姨", "13900003333", "帮助整理药品", "生活", "2026-03-20 15:30:00", None, "待认领",
             None, None]]
    both(out, "demands-community-platform", rows)

    # pairing visits: 走访对象, 参与人员, 走访时间 as a range (its length gives the hours)
    rows = [["序号", "走访对象", "对象类别", "参与人员", "走访时间", "走访内容"],
            [1, "赵奶奶", "老年人", P[4], "2026-03-08 14:00 至 2026-03-08 15:30", "陪同聊天"],
            [2, "小明", "留守儿童", P[5], "2026-03-15 09:00 至 2026-03-15 11:00", "辅导作业"]]
    both(out, "pairings-visits", rows)

    # rosters from platforms: 真实姓名, 手机号, 证件号码, 累计服务时长 read as 历史服务时长
    rows = [["序号", "真实姓名", "性别", "手机号", "证件类型", "证件号码", "所属团体", "注册时间",
             "累计服务时长（小时）", "政治面貌"],
            [1, "石磊", "男", "13700000001", "居民身份证", fake_id(101, "19850304"), TEAM["检验队"],
             "2026-02-01 10:00:00", "36.5", "中共党员"],
            [2, "田甜", "女", "13700000002", "居民身份证", fake_id(102, "19900512"), TEAM["宣传队"],
             "2026-02-03 15:20:00", "12", "中共党员"]]
    both(out, "roster-platform-export", rows)
    rows = [["真实姓名", "手机号", "所属组织", "累计服务分钟数"],
            ["柏松", "13700000003", "业务队", "1500"]]
    write_csv(out / "roster-minutes.csv", rows)
    rows = [["姓名", "手机号", "证件号", "服务时长"],
            ["柏松", "13700000003", fake_id(103, "19880808"), "25"]]
    write_xlsx(out / "roster-minutes.xlsx", rows)


# ---------------------------------------------------------------- samples for a new user (data/)

S_UNIT = "示例市第一人民医院"
S_PARENT = "示例区委组织部"
S_TEAMS = [("医院党员志愿服务队1队（医疗队）", "医疗队", "义诊、健康讲座"),
           ("医院党员志愿服务队2队（护理队）", "护理队", "上门护理、陪护"),
           ("医院党员志愿服务队3队（宣传队）", "宣传队", "健康宣传、文明劝导")]
S_PEOPLE = [("林海", "医疗队"), ("高峰", "医疗队"), ("袁静", "医疗队"), ("邓华", "医疗队"),
            ("方琴", "护理队"), ("唐雪", "护理队"), ("宋佳", "护理队"),
            ("谢雨", "宣传队"), ("韦东", "宣传队"), ("潘悦", "宣传队")]


def _template(kind: str, rows: list[list[Cell]], line: str) -> tuple[list[list[Cell]], list[Merge]]:
    """A filled ledger in the layout `tracker template KIND` writes: title, a unit line, header, rows."""
    from tracker.exports.templates import header_text, template_columns
    from tracker.ingest.kinds import KINDS

    header = [header_text(c) for c in template_columns(kind)]
    w = len(header)
    grid = [[KINDS[kind].title] + [None] * (w - 1), [line] + [None] * (w - 1), header, *rows]
    return grid, [across(0, w), across(1, w)]


def _row(kind: str, values: dict[str, Cell]) -> list[Cell]:
    from tracker.exports.templates import template_columns

    return [values.get(c.key) for c in template_columns(kind)]


def samples() -> None:
    SAMPLES.mkdir(exist_ok=True)
    line = f"单位名称：{S_UNIT}　　填表日期：2026.1"
    units = [_row("units", {"unit": S_UNIT, "parent": S_PARENT, "staff": "260", "party_members": "38",
                            "formal_members": "36"})]
    write_xlsx(SAMPLES / "1-单位-模板格式.xlsx", *_template("units", units, f"主管部门：{S_PARENT}　　填表日期：2026.1"))
    leaders = {"医疗队": "林海", "护理队": "方琴", "宣传队": "谢雨"}
    teams = [_row("teams", {"team": full, "short_name": short, "leader": leaders[short], "service_items": items,
                            "founded": "2013-07-01", **{k: "是" for k in (
                                "has_flag", "has_charter", "has_logo", "has_plan", "has_groups", "has_star_rules",
                                "has_online_register", "has_archive", "has_record_book", "has_qq_group")}})
             for full, short, items in S_TEAMS]
    write_xlsx(SAMPLES / "2-服务队-模板格式.xlsx", *_template("teams", teams, line))
    full = {short: f for f, short, _ in S_TEAMS}
    roster = [_row("roster", {"number": f"YY{i + 1:03d}", "name": name, "gender": "男" if i % 2 else "女",
                              "team": full[team], "phone": f"1350000{i:04d}",
                              "id_number": fake_id(300 + i, f"19{70 + i}0{1 + i % 9}15"),
                              "leadership": "是" if name in leaders.values() else "否",
                              "registered": "2025-12-20", "status": "在册", "prior_hours": "0"})
              for i, (name, team) in enumerate(S_PEOPLE)]
    write_xlsx(SAMPLES / "3-花名册-模板格式.xlsx", *_template("roster", roster, line))
    acts = [_row("activities", {"date": d, "team": t, "title": title, "kind": "志愿服务", "theme": theme,
                                "place": place, "participants": who, "hours": h})
            for d, t, title, theme, place, who, h in (
                ("2026-01-09", "医疗队", "社区义诊", "关爱老幼弱残", "东城社区", "林海、高峰、袁静", "3"),
                ("2026-01-16", "护理队", "空巢老人上门护理", "关爱老幼弱残", "西园社区", "方琴、唐雪", "2.5"),
                ("2026-01-23", "宣传队", "护河清洁行动", "关爱山川河流", "南河沿岸", "谢雨、韦东、潘悦", "2"))]
    write_xlsx(SAMPLES / "4-活动登记簿-模板格式.xlsx",
               *_template("activities", acts, f"单位名称：{S_UNIT}　　填表日期：2026.1.31"))
    demands = [_row("demands", {"demand_id": "XQ-2026-001", "received": "2026-01-05", "requester": "王大爷",
                                "content": "希望定期上门测血压", "category": "健康", "team": "医疗队",
                                "status": "已办结", "closed": "2026-01-09", "activity": "社区义诊",
                                "rating": "满意"})]
    write_xlsx(SAMPLES / "5-群众需求登记簿-模板格式.xlsx", *_template("demands", demands, line))
    pairs = [_row("pairings", {"pair_id": "JD-01", "date": "2026-01-12", "volunteer": "唐雪", "recipient": "赵奶奶",
                               "recipient_kind": "老人", "content": "上门量血压、聊天", "hours": "1.5",
                               "pair_status": "进行中"})]
    write_xlsx(SAMPLES / "6-结对帮扶登记簿-模板格式.xlsx", *_template("pairings", pairs, line))

    # other layouts tracker reads
    w = 8
    register = [["2026年2月党员志愿者队伍活动情况登记簿"] + [None] * (w - 1),
                [f"填报单位：{S_UNIT}　　　　填报日期：2026年2月28日"] + [None] * (w - 1),
                ["序号", "活动日期", "服务队", "活动名称", "服务内容", "参与人员", "服务时长（小时）", "备注"],
                [1, "2026-02-06", "医疗队", "元宵节义诊", "测血压、血糖", "林海.高峰.邓华 共3人", "2.5", None],
                [2, "2026-02-13", "宣传队", "文明交通劝导", "合计发放宣传册150份", "谢雨 韦东", "2", None],
                [None, "小计", None, None, None, "5人次", "11.5", None],
                ["合计", None, None, None, None, "5人次", "11.5", None],
                ["填表人：潘悦", None, None, "审核人：林海", None, "填报日期：2026年2月28日", None, None]]
    write_xlsx(SAMPLES / "7-活动登记簿-手工登记簿.xlsx", register, [across(0, w), across(1, w), (6, 0, 6, 4)])
    export = [["序号", "姓名", "手机号", "签到时间", "签退时间", "服务时长"]]
    for i, name in enumerate(("方琴", "唐雪", "宋佳")):
        export.append([i + 1, name, f"1350000{4 + i:04d}", "2026-03-07 08:30:00", "2026-03-07 11:00:00", "2.5"])
    write_csv(SAMPLES / "8-活动-平台导出-一次活动.csv", export)
    roster2 = [["序号", "真实姓名", "性别", "手机号", "证件号码", "所属团体", "注册时间", "累计服务时长（小时）"],
               [1, "钟晴", "女", "13500000020", fake_id(320, "19920606"), "护理队", "2026-01-20 09:00:00", "18"]]
    write_xlsx(SAMPLES / "9-花名册-平台导出.xlsx", roster2)
    visits = [["序号", "走访对象", "对象类别", "参与人员", "走访时间", "走访内容"],
              [1, "赵奶奶", "老人", "唐雪", "2026-02-09 14:00 至 2026-02-09 15:30", "上门量血压"]]
    write_csv(SAMPLES / "10-结对帮扶-走访记录.csv", visits)


if __name__ == "__main__":
    corpus()
    samples()

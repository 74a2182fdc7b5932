"""志愿者积分排行 (docs/awards.md, "Points"): each registered volunteer's points of the year or a
quarter, ranked, with how they were earned — to post as a quarterly 公示.

Points follow the rules file's `[points]`: per service hour (as the star rating counts them), per
activity of a kind, per pairing visit, per demand their team closed, less per quarterly meeting
missed; what the file does not set counts 0, but per_hour (2).
"""

from __future__ import annotations

import polars as pl

from tracker import formats as fmt
from tracker.assess.assessment import UnitAssessment
from tracker.assess.awards import points
from tracker.periods import Period
from tracker.render import charts
from tracker.reports import model as c
from tracker.reports.spec import OverviewColumn, ReportSpec, Request

QUARTER_CN = {1: "一", 2: "二", 3: "三", 4: "四"}


def _period(req: Request) -> Period:
    period = Period.quarter(req.year, req.quarter) if req.quarter else Period.year(req.year)
    return period if period.end <= req.today else Period(period.start, req.today)


def how(r: dict) -> str:
    """How a volunteer's points were earned, as a sentence."""
    parts = [f"服务 {fmt.hours(r['hours'])} 小时 {fmt.num(r['by_hours'], 1)} 分"]
    for key, word in (("by_activities", "活动加分"), ("by_visits", "结对走访"), ("by_demands", "办结需求")):
        if r[key]:
            parts.append(f"{word} {fmt.num(r[key], 1)} 分")
    if r["deducted"]:
        parts.append(f"缺席例会 {r['missed_meetings']} 次 扣 {fmt.num(r['deducted'], 1)} 分")
    return "；".join(parts)


def build(a: UnitAssessment, req: Request) -> c.Report:
    period = _period(req)
    ranked = points(a, period)
    ranked = ranked.with_columns(pl.Series("how", [how(r) for r in ranked.to_dicts()], pl.String))
    p = a.rules.points
    subtitle = f"{req.year}年第{QUARTER_CN[req.quarter]}季度" if req.quarter else f"{req.year}年度"
    head = c.header(a.months_loaded, title="志愿者积分排行", unit_label=a.unit, units=[a.unit], period=period,
                    today=req.today, subtitle=subtitle, notes=c.unconfirmed_note(a.months_loaded, a.confirmed, period))
    rule_text = "；".join(t for t in (
        f"每服务 1 小时 {fmt.num(p.per_hour, 1)} 分（按星级认定的口径）",
        *(f"每参加一次{k} {fmt.num(v, 1)} 分" for k, v in p.per_activity if v),
        f"每次结对走访 {fmt.num(p.per_pairing_visit, 1)} 分" if p.per_pairing_visit else "",
        f"所在服务队每办结一件群众需求 {fmt.num(p.per_demand_closed, 1)} 分" if p.per_demand_closed else "",
        f"每缺席一次季度工作例会扣 {fmt.num(p.per_missed_meeting, 1)} 分" if p.per_missed_meeting else "") if t)
    table = c.Table(
        sheet="积分排行", caption=f"表1 志愿者积分排行（{period.label}）", frame=ranked,
        cols=c.cols(("rank", "名次", True), ("name", "姓名", False, True), ("number", "编号", False, True),
                    ("team", "服务队"), ("hours", "服务时长", True), ("points", "积分", True), ("how", "积分构成")),
        formats={"hours": c.hours_fmt, "points": lambda v: fmt.num(v, 1)},
        empty="没有在册志愿者。", note=f"积分规则：{rule_text}。本表可作季度公示。")
    top = ranked.head(1).to_dicts()
    cards = [c.card("在册志愿者", ranked.height, "人"), c.card("积分合计", fmt.num(float(ranked["points"].sum()), 1), "分"),
             c.card("第一名", top[0]["name"] if top else "—", "", f"{fmt.num(top[0]['points'], 1)} 分" if top else "")]
    chart = charts.progress(ranked.head(15), label="name", value="points", target=None, target_label="",
                            title=f"积分前 15 名（{period.label}）", series_name="积分") if ranked.height else None
    return c.Report(
        kind="points", unit=a.unit, stem=f"{stem(req)}_{c.file_part(a.unit)}", header=head, cards=cards,
        tables={"points": table}, charts={"top": chart} if chart else {},
        sections=[c.section("二、积分排行", *([c.chart_block("top", "图1 积分前 15 名")] if chart else []),
                            c.table_block("points"))],
        summary={"volunteers": ranked.height, "points": round(float(ranked["points"].sum()), 1),
                 "top": top[0]["name"] if top else "—"},
    )


def stem(req: Request) -> str:
    return f"志愿者积分排行_{req.year}" + (f"Q{req.quarter}" if req.quarter else "")


SPEC = ReportSpec(
    name="points",
    title="志愿者积分排行",
    help="志愿者积分排行：按规则文件积分（points）一节计算的积分、名次和积分构成（可选 --quarter），可作季度公示。",
    options=("quarter?",),
    build=build,
    stem=stem,
    overview=(OverviewColumn("volunteers", "在册志愿者"), OverviewColumn("points", "积分合计"),
              OverviewColumn("top", "第一名")),
    overview_chart=lambda frame, units: charts.category_counts(
        frame, category="unit", value="points", order=units, title="各单位积分合计", series_name="积分"),
)

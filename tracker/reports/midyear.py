"""年中调整 (docs/reports.md; the notice's 三.5, rule R7): who to remind, which teams lag, what to adjust.

As of D (default: the end of the unit's last month of activities loaded, kept
inside the year), over 1 January to D: the inactive list (the one definition
in `tracker.assess.inactive`), teams behind pace, the R1 ratio, new and
withdrawn volunteers, and suggested adjustments written out as sentences.
Each section is a small function over one `Midyear`, computed once.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cached_property

import polars as pl

from tracker import formats as fmt
from tracker.assess.assessment import UnitAssessment
from tracker.assess.inactive import REASONS
from tracker.periods import Period
from tracker.render import charts
from tracker.reports import model as c
from tracker.reports.spec import OverviewColumn, ReportSpec, Request

REASON_SHORT = {"never_served": "从未参加", "no_recent_service": "近期未参加", "behind_pace": "时长落后"}


class Midyear(c.UnitPeriod):
    """What every section of one unit's mid-year review reads, computed once."""

    def __init__(self, a: UnitAssessment, req: Request):
        self.given_as_of = req.as_of is not None
        self.d = req.as_of if req.as_of is not None else a.default_as_of(req.year)
        super().__init__(a, req, Period.year_to_date(self.d))
        self.year_end = dt.date(self.year, 12, 31)
        self.months_left = 12 - self.d.month  # whole months after the as-of month

    @cached_property
    def flagged(self) -> pl.DataFrame:
        """The inactive list, by team."""
        return c.with_team_label(self.f.inactive.filter(pl.col("state") == "inactive"), self.labels).with_columns(
            reason_short=pl.col("reasons").list.eval(pl.element().replace_strict(REASON_SHORT)).list.join("、"),
            level=pl.when(pl.col("reason") == "never_served").then(pl.lit("fail")).otherwise(pl.lit("warn")),
        ).sort("team", "vid", nulls_last=True)

    @cached_property
    def teams(self) -> pl.DataFrame:
        need = self.rules.team_activities
        return c.with_team_label(self.f.teams, self.labels).with_columns(
            remaining=(need - pl.col("activities")).clip(lower_bound=0),
            shortfall=(pl.col("target_activities") - pl.col("activities")).clip(lower_bound=0),
            level=pl.when("activities_met").then(pl.lit("pass")).otherwise(pl.lit("warn")),
        ).sort("team")

    @cached_property
    def need(self) -> int | None:
        """Volunteers the unit should have under R1 (null when formal members are unknown)."""
        formal = self.u["formal_members"]
        return math.ceil(self.rules.volunteer_ratio * formal - 1e-9) if formal else None

    @cached_property
    def unit_row(self) -> pl.DataFrame:
        u, need, rules = self.u, self.need, self.rules
        return pl.DataFrame([{
            "unit": self.unit, "formal_members": u["formal_members"], "volunteers": u["volunteers"],
            "ratio": u["ratio"], "required": need,
            "recruit": max((need or 0) - u["volunteers"], 0) if need is not None else None,
            "teams": u["teams"], "band": _band_text(u),
            "level": "warn" if u["ratio"] is None
            else ("pass" if u["ratio"] + 1e-9 >= rules.volunteer_ratio else "fail"),
        }], schema_overrides={"formal_members": pl.Int64, "ratio": pl.Float64, "required": pl.Int64,
                              "recruit": pl.Int64})

    @cached_property
    def new(self) -> pl.DataFrame:
        """Volunteers registered this year, with their state at D."""
        return c.with_team_label(
            self.f.volunteers.filter(pl.col("registered") >= self.period.start).join(
                self.f.inactive.select("vid", "state"), on="vid", how="left"), self.labels
        ).with_columns(
            state=pl.when(pl.col("left").is_not_null() & (pl.col("left") <= self.d)).then(pl.lit("已退出"))
            .otherwise(pl.col("state").replace_strict({"new": "新志愿者", "active": "正常", "inactive": "需提醒"},
                                                       default=None)),
        ).sort("registered", "vid")

    @cached_property
    def left(self) -> pl.DataFrame:
        vy = self.f.volunteers
        return c.with_team_label(vy.filter(pl.col("left").is_not_null() & (pl.col("left") <= self.d)),
                                 self.labels).sort("left")


# ---------------------------------------------------------------- tables


def inactive_table(x: Midyear) -> c.Table:
    rules = x.rules
    return c.Table(
        sheet="提醒教育名单", caption=f"表1 提醒教育名单（截至 {x.d}）",
        frame=x.flagged,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("registered", "登记日期", False, True), ("last_service", "最近一次服务", False, True),
                    ("ytd_hours", "年内时长", True), ("ytd_target", "按进度应达", True),
                    ("reason_short", "原因", False, True), ("reason_text", "具体情况")),
        formats={"registered": fmt.date_iso, "last_service": fmt.date_iso, "ytd_hours": c.hours_fmt,
                 "ytd_target": c.hours_fmt},
        level_key="level", empty="没有需要提醒的志愿者。",
        note=(f"列入条件（任一）：{REASONS['never_served']}；超过 {rules.inactive_days} 天没有参加志愿服务；"
              f"{x.period.label} 服务时长低于全年 {fmt.hours(rules.volunteer_hours)} 小时按进度折算的时长。"
              f"登记不满 {rules.new_volunteer_days} 天的新志愿者不列入。"),
    )


def teams_table(x: Midyear) -> c.Table:
    return c.Table(
        sheet="服务队进度", caption=f"表2 各服务队活动进度（{x.period.label}）",
        frame=x.teams,
        cols=c.cols(("team_label", "服务队"), ("members", "队员", True),
                    ("members_met", "时长达到进度", True), ("activities", "已组织活动", True),
                    ("target_activities", "按进度应达", True), ("remaining", "全年还需", True),
                    ("themes_missing", "尚未开展的主要行动"), ("badge", "进度", False, True)),
        formats={"target_activities": lambda x: fmt.num(x, 1), "themes_missing": fmt.joined,
                 "badge": c.status_badges({"pass": "达到进度", "warn": "落后", "fail": "未达标"})},
        sheet_cols={"team_label": "服务队", "members": "队员", "members_met": "时长达到进度",
                    "activities": "已组织活动", "target_activities": "按进度应达", "remaining": "全年还需",
                    "themes_missing": "尚未开展的主要行动", "activities_met": "达到进度"},
        level_key="level",
    )


def unit_table(x: Midyear) -> c.Table:
    return c.Table(
        sheet="志愿者比例", caption=f"表3 志愿者比例与组队情况（截至 {x.d}）",
        frame=x.unit_row,
        cols=c.cols(("unit", "单位"), ("formal_members", "正式党员", True), ("volunteers", "在册志愿者", True),
                    ("ratio", "比例", True), ("required", f"{fmt.pct(x.rules.volunteer_ratio)}应有", True),
                    ("recruit", "还需吸收", True), ("teams", "服务队", True), ("band", "规定队数"),
                    ("badge", "比例", False, True)),
        formats={"ratio": fmt.pct, "badge": c.status_badges({"pass": "达标", "warn": "待核", "fail": "低于要求"})},
        sheet_cols={"unit": "单位", "formal_members": "正式党员", "volunteers": "在册志愿者", "ratio": "比例",
                    "required": "按比例应有", "recruit": "还需吸收", "teams": "服务队", "band": "规定队数"},
        level_key="level",
    )


def new_table(x: Midyear) -> c.Table:
    return c.Table(
        sheet="新志愿者", caption=f"表4 本年新登记的志愿者（{x.period.label}）",
        frame=x.new,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("registered", "登记日期", False, True), ("service_hours", "已服务时长", True),
                    ("activities", "参加活动", True), ("state", "状态")),
        formats={"registered": fmt.date_iso, "service_hours": c.hours_fmt},
        empty="本年尚无新登记的志愿者。",
        note=f"登记不满 {x.rules.new_volunteer_days} 天的为新志愿者，不列入提醒教育名单。",
    )


def left_table(x: Midyear) -> c.Table:
    return c.Table(
        sheet="本年退出", caption=f"表5 本年退出的志愿者（{x.period.label}）",
        frame=x.left,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("left", "退出日期", False, True), ("service_hours", "退出前服务时长", True),
                    ("target_hours", "计至退出应达", True)),
        formats={"left": fmt.date_iso, "service_hours": c.hours_fmt, "target_hours": c.hours_fmt},
        empty="本年没有志愿者退出。",
    )


# ---------------------------------------------------------------- sentences, cards, charts


def _band_text(u: dict) -> str:
    if u["band_min"] is None:
        return "—"
    return f"{u['band_min']} 支" if u["band_min"] == u["band_max"] else f"{u['band_min']}—{u['band_max']} 支"


def advice(x: Midyear) -> list[str]:
    """Suggested adjustments as sentences, most pressing first."""
    rules, d, u, flagged, teams, need = x.rules, x.d, x.u, x.flagged, x.teams, x.need
    out: list[str] = []
    for reason, what in (("never_served", "登记以来从未参加志愿服务"),
                         ("no_recent_service", f"超过 {rules.inactive_days} 天未参加服务")):
        people = flagged.filter(pl.col("reasons").list.contains(reason))
        if people.height:
            names = "、".join(f"{r['name']}（{r['team_label']}）" for r in people.to_dicts())
            out.append(f"提醒教育：{names}{what}，请所在服务队队长谈心提醒，了解原因，安排参加下半年活动；"
                       "确实不能参加的，按程序办理退出。")
    behind_only = flagged.filter(pl.col("reasons") == ["behind_pace"])
    if behind_only.height:
        names = "、".join(behind_only["name"].to_list())
        out.append(f"督促：{names}年内服务时长落后于进度，请队长优先安排其参加活动。")
    for r in teams.filter(~pl.col("activities_met")).to_dicts():
        per = f"，平均每月约 {fmt.num(r['remaining'] / x.months_left, 1)} 次" if x.months_left else ""
        out.append(f"{r['team_label']}：截至 {d} 组织活动 {r['activities']} 次，按进度应达 "
                   f"{fmt.num(r['target_activities'], 1)} 次；{x.year_end} 前还需至少 {r['remaining']} 次{per}。")
    for r in teams.filter(pl.col("themes_missing").list.len() > 0).to_dicts():
        out.append(f"{r['team_label']}：年内尚未开展“{'、'.join(r['themes_missing'])}”主题活动，下半年应安排。")
    if need is not None and u["volunteers"] < need:
        out.append(f"吸收新志愿者：正式党员 {u['formal_members']} 人，按不低于 {fmt.pct(rules.volunteer_ratio)} "
                   f"应有志愿者 {need} 人，现有 {u['volunteers']} 人，还需吸收至少 {need - u['volunteers']} 人。")
    sizes = teams.filter(pl.col("members") > 0)
    if sizes.height >= 2:
        big = sizes.sort("members", descending=True).row(0, named=True)
        small = sizes.sort("members").row(0, named=True)
        if big["members"] >= 2 * small["members"]:
            out.append(f"调整队伍：各队人数从 {small['members']} 人（{small['team_label']}）到 {big['members']} 人"
                       f"（{big['team_label']}）不等，可适当调整各队人数，使每队都能独立组织活动。")
    if u["band_min"] is not None and not u["band_ok"] and u["teams"]:
        verb = "合并" if u["teams"] > u["band_max"] else "增设"
        out.append(f"组队数：党员 {u['party_members']} 人，按规定组建 {_band_text(u)}服务队，现有 {u['teams']} 支，"
                   f"可考虑{verb}。")
    missed = x.f.meetings.filter((pl.col("end") <= d) & (pl.col("meetings") < rules.quarterly_meeting))
    for r in missed.to_dicts():
        out.append(f"第{r['quarter']}季度（{r['label']}）未召开工作例会，请补开并载入记录。")
    if u["trainings"] < rules.training:
        out.append(f"培训：年内已组织 {u['trainings']} 次，全年不少于 {rules.training} 次，下半年还需 "
                   f"{rules.training - u['trainings']} 次。")
    if x.new.height:
        out.append(f"新志愿者：本年已吸收 {x.new.height} 人（{'、'.join(x.new['name'].to_list())}），请安排其参加服务队活动。")
    for which, what in (("forms", "申请登记表、花名册、服务队登记表"), ("summary", "组队情况汇总表")):
        deadline = rules.deadline(which, x.period.end.year)
        if deadline >= d:
            out.append(f"更新后的{what}应于 {deadline} 前报送。")
    return out


def chart_data(x: Midyear) -> dict[str, c.Chart]:
    rules, share = x.rules, x.period.share_of_year
    reason_rows = x.flagged.select("team_label", "reasons").explode("reasons").with_columns(
        reason=pl.col("reasons").replace_strict(REASON_SHORT), n=pl.lit(1)
    )
    return {
        "progress": charts.progress(
            x.teams, label="team_label", value="activities",
            target=round(rules.team_activities * share, 1),
            target_label=f"按进度应达 {fmt.num(rules.team_activities * share, 1)} 次",
            title=f"各服务队活动进度（截至 {x.d}，全年目标 {rules.team_activities} 次）",
        ),
        "reasons": charts.crosstab(
            reason_rows, category="team_label", series="reason", value="n",
            categories=c.team_order(x.labels), series_order=list(REASON_SHORT.values()),
            title="提醒教育名单：各服务队人数及原因", value_label="人数", stacked=False,
        ),
        "hours": charts.hours_histogram(
            x.f.volunteers.filter(pl.col("owed_days") > 0)["service_hours"],
            target=max(round(rules.volunteer_hours * share), 1),
            title=f"志愿者年内服务时长分布（按进度应达约 {round(rules.volunteer_hours * share)} 小时）",
        ),
    }


def cards(x: Midyear) -> list[dict[str, str]]:
    ina, t = x.f.inactive, x.teams
    n_active = ina.height
    n_new = ina.filter(pl.col("state") == "new").height
    n = x.flagged.height
    return [
        c.card("在册志愿者", n_active, "人", f"其中新志愿者 {n_new} 人"),
        c.card("提醒教育名单", n, "人", f"占 {fmt.share(n, n_active - n_new)}", "fail" if n else ""),
        c.card("进度落后的服务队", int((~t["activities_met"]).sum()), "支", f"共 {t.height} 支",
               "warn" if (~t["activities_met"]).any() else ""),
        c.card("志愿者比例", fmt.pct(x.u["ratio"]), "", f"要求不低于 {fmt.pct(x.rules.volunteer_ratio)}",
               "fail" if x.unit_row["level"][0] == "fail" else ""),
        c.card("本年新登记", x.new.height, "人", f"本年退出 {x.left.height} 人"),
    ]


LAYOUT = [
    c.section("二、调整建议", c.sentences_block("advice", empty="各项工作均达到进度，暂无需要调整的事项。")),
    c.section("三、提醒教育名单", c.table_block("inactive"),
              c.chart_block("reasons", "图1 提醒教育名单：各服务队人数及原因")),
    c.section("四、进度落后的服务队", c.table_block("teams"), c.chart_block("progress", "图2 各服务队活动进度")),
    c.section("五、志愿者比例", c.table_block("unit"), c.chart_block("hours", "图3 志愿者年内服务时长分布")),
    c.section("六、新志愿者与退出", c.table_block("new"), c.table_block("left")),
]


def stem(req: Request) -> str:
    return f"年中调整_{req.year}"


def build(a: UnitAssessment, req: Request) -> c.Report:
    x = Midyear(a, req)
    ina = x.f.inactive
    head = c.header(
        a.months_loaded, title="党员志愿服务队年中调整", unit_label=x.unit, units=[x.unit], period=x.period,
        today=x.today, subtitle=f"{x.year}年（截至 {fmt.date_cn(x.d)}）", as_of=x.d,
        notes=[] if x.given_as_of else ["截至日期默认取本单位已载入活动登记簿的最后一个月末，避免台账滞后造成误判。"],
    )
    return c.Report(
        kind="midyear", unit=x.unit, stem=f"{stem(req)}_{c.file_part(x.unit)}", header=head, cards=cards(x),
        tables={"inactive": inactive_table(x), "teams": teams_table(x), "unit": unit_table(x),
                "new": new_table(x), "left": left_table(x)},
        charts=chart_data(x),
        lists={"advice": advice(x)}, sections=LAYOUT,
        summary={"volunteers": ina.height, "new": ina.filter(pl.col("state") == "new").height,
                 "inactive": x.flagged.height, "ratio": x.u["ratio"], "recruit": x.unit_row["recruit"][0],
                 "teams": x.teams.height, "teams_behind": int((~x.teams["activities_met"]).sum()), "as_of": x.d},
    )


SPEC = ReportSpec(
    name="midyear",
    title="年中调整",
    help="年中调整：提醒教育名单、进度落后的服务队、志愿者比例、新志愿者和调整建议。",
    options=("as_of",),
    build=build,
    stem=stem,
    overview=(
        OverviewColumn("as_of", "数据截至", fmt.date_iso), OverviewColumn("volunteers", "在册志愿者"),
        OverviewColumn("new", "新志愿者"), OverviewColumn("inactive", "提醒教育"),
        OverviewColumn("ratio", "志愿者比例", fmt.pct), OverviewColumn("recruit", "还需吸收"),
        OverviewColumn("teams", "服务队"), OverviewColumn("teams_behind", "进度落后的队"),
    ),
    overview_chart=lambda frame, units: charts.category_counts(
        frame, category="unit", value="inactive", order=units, title="各单位提醒教育名单人数", series_name="人数"),
)

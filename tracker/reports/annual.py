"""年度考评与星级认定 (docs/reports.md; the notice's 四 year-end assessment): the year per volunteer, team, unit.

Every volunteer's service hours against the rules' yearly hours (pro rata
from registration, up to withdrawal), 达标, star level from cumulative hours
and the change from last year; teams against the yearly activities, the two
main actions and 十有; the unit's compliance with R1–R13 from the checks at
31 December; a recognition list. Each section is a small function over one
`Year`, computed once.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cached_property

import polars as pl

from tracker import formats as fmt
from tracker.assess.assessment import UnitAssessment
from tracker.assess.checks import RULE_TITLES
from tracker.periods import Period
from tracker.render import charts
from tracker.reports import model as c
from tracker.reports.spec import OverviewColumn, ReportSpec, Request
from tracker.words import LEVEL_WORDS, LEVELS, MET_WORDS, STAR_NAMES, worst

TOP_N = 10
MET_BADGES = {"pass": MET_WORDS[True], "fail": MET_WORDS[False], "warn": "提醒"}


def _stars(n: object) -> str:
    return fmt.stars(n) if n else "—"  # type: ignore[arg-type]


def _rule_number(title: str) -> int:
    m = re.match(r"R(\d+)", title)
    return int(m[1]) if m else 99


class Year(c.UnitPeriod):
    """What every section of one unit's annual report reads, computed once."""

    def __init__(self, a: UnitAssessment, req: Request):
        super().__init__(a, req, Period.year(req.year))
        self.prev = Period.year(self.year - 1)
        self.closed = self.today > self.period.end
        self.as_of = self.period.end if self.closed else a.default_as_of(self.year)

    @cached_property
    def findings(self) -> list:
        # a closed year is judged at 31 December; a running one at each unit's last month loaded
        return self.a.findings(self.year, self.period.end if self.closed else None)

    @cached_property
    def prev_loaded(self) -> bool:
        """Were last year's activities loaded? (else there is no comparison of hours)"""
        return self.a.months_loaded.filter(
            (pl.col("kind") == "activities") & pl.col("month").str.starts_with(f"{self.year - 1:04d}-")
        ).height > 0

    @cached_property
    def volunteers(self) -> pl.DataFrame:
        """Everyone who owed service this year, with last year's hours and stars beside."""
        prev_cols = self.a.over(self.prev).volunteers.select("vid", prev_hours="service_hours", prev_stars="stars")
        if not self.prev_loaded:
            prev_cols = prev_cols.with_columns(prev_hours=pl.lit(None, dtype=pl.Float64))
        owing = self.f.volunteers.filter(pl.col("owed_days") > 0)
        start = self.period.start
        vols = c.with_team_label(owing.join(prev_cols, on="vid", how="left"), self.labels).with_columns(
            delta=pl.col("service_hours") - pl.col("prev_hours"),
            level=pl.when("met").then(pl.lit("pass")).otherwise(pl.lit("fail")),
            result=pl.when("met").then(pl.lit(MET_WORDS[True])).otherwise(pl.lit(MET_WORDS[False])),
            star_text=pl.col("stars").replace_strict(STAR_NAMES, default=None, return_dtype=pl.String),
            note=pl.when(pl.col("left").is_not_null()).then(pl.format("{} 退出，计至退出", pl.col("left")))
            .when(pl.col("registered") > start).then(pl.format("{} 登记，按比例计", pl.col("registered"))),
        )
        return vols.with_columns(
            star_change=pl.when(pl.col("prev_stars").is_null())
            .then(pl.when(pl.col("stars") == 0).then(pl.lit("本年登记")).otherwise(pl.format("评为{}", "star_text")))
            .when(pl.col("stars") > pl.col("prev_stars")).then(pl.format("升为{}", "star_text"))
            .otherwise(pl.lit("—"))
        ).sort("team", "vid", nulls_last=True)

    @cached_property
    def teams(self) -> pl.DataFrame:
        return c.with_team_label(self.f.teams, self.labels).with_columns(
            ten=pl.format("{}/10", pl.col("ten_score")),
            level=pl.when(pl.col("activities_met") & (pl.col("themes_missing").list.len() == 0)
                          & (pl.col("ten_score") >= self.rules.ten_haves)).then(pl.lit("pass"))
            .otherwise(pl.lit("fail")),
        ).with_columns(result=pl.col("level").replace_strict({"pass": MET_WORDS[True], "fail": MET_WORDS[False]})
                       ).sort("team")

    @cached_property
    def by_star(self) -> pl.DataFrame:
        return (
            self.volunteers.filter(pl.col("active") & (pl.col("stars") > 0))
            .sort(["stars", "cumulative_hours"], descending=True)
            .group_by("stars", maintain_order=True)
            .agg(names=pl.col("name"), n=pl.len())
            .with_columns(star=pl.col("stars").replace_strict(STAR_NAMES, return_dtype=pl.String))
        )

    @cached_property
    def promoted(self) -> pl.DataFrame:
        return self.volunteers.filter(pl.col("star_change").str.starts_with("升为"))

    @cached_property
    def rule_groups(self) -> list[dict]:
        """The findings grouped by rule: the worst level, counts, and what to show."""
        groups = []
        for rule, title in sorted(RULE_TITLES.items(), key=lambda kv: _rule_number(kv[1])):
            fs = [f for f in self.findings if f.rule == rule]
            if not fs:
                continue
            level = worst([f.level for f in fs])
            counts = {lv: sum(f.level == lv for f in fs) for lv in LEVELS}
            shown = [f for f in fs if f.level != "pass"] or fs[:1]
            groups.append({
                "rule": rule, "title": title, "level": level,
                "counts": "，".join(f"{LEVEL_WORDS[lv]} {n} 项" for lv, n in counts.items() if n),
                "items": c.finding_items(shown, self.labels, with_rule=False),
                "passed_hidden": counts["pass"] if level != "pass" else max(counts["pass"] - 1, 0),
            })
        return groups

    @property
    def n_fail(self) -> int:
        return sum(f.level == "fail" for f in self.findings)


# ---------------------------------------------------------------- tables


def volunteers_table(x: Year) -> c.Table:
    rules = x.rules
    table = c.Table(
        sheet="志愿者考评", caption=f"表1 志愿者年度服务时长与星级（{x.period.label}）",
        frame=x.volunteers,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("service_hours", "全年时长", True), ("target_hours", "应达", True),
                    ("badge", "考评", False, True), ("prev_hours", "上年时长", True), ("delta", "增减", True),
                    ("cumulative_hours", "累计时长", True), ("stars", "星级", False, True),
                    ("star_change", "星级变化", False, True), ("note", "备注")),
        formats={"service_hours": c.hours_fmt, "target_hours": c.hours_fmt, "prev_hours": c.hours_fmt,
                 "delta": c.signed_hours, "cumulative_hours": c.hours_fmt, "stars": _stars,
                 "badge": c.status_badges(MET_BADGES)},
        sheet_cols={"team_label": "服务队", "number": "志愿者编号", "name": "姓名", "registered": "登记日期",
                    "service_hours": "全年服务时长", "target_hours": "应达时长", "result": "考评结果",
                    "prev_hours": "上年服务时长", "delta": "增减", "cumulative_hours": "累计服务时长",
                    "star_text": "星级", "star_change": "星级变化", "note": "备注"},
        level_key="level",
        note=(f"全年服务时长不少于 {fmt.hours(rules.volunteer_hours)} 小时为达标（年内登记的自登记日起、退出的计至退出，按天折算）；"
              f"星级按累计服务时长（含历史服务时长）{'/'.join(fmt.hours(t) for t in rules.stars)} 小时依次认定一至五星。"
              + ("" if x.prev_loaded else f"未载入 {x.year - 1} 年活动登记簿，上年时长不作比较。")),
    )
    if not x.prev_loaded:
        table = dataclasses.replace(table, cols=[col for col in table.cols if col.key not in ("prev_hours", "delta")])
    return table


def teams_table(x: Year) -> c.Table:
    rules = x.rules
    return c.Table(
        sheet="服务队考评", caption=f"表2 服务队年度考评（{x.period.label}）",
        frame=x.teams,
        cols=c.cols(("team_label", "服务队"), ("members", "队员", True),
                    ("members_met", "达标人数", True), ("activities", "活动次数", True),
                    ("target_activities", "应达", True), ("themes", "开展的主题"),
                    ("themes_missing", "缺少的主要行动"), ("ten", "十有", True), ("ten_missing", "十有缺项"),
                    ("badge", "考评", False, True)),
        formats={"target_activities": lambda v: fmt.num(v, 1), "themes": fmt.joined,
                 "themes_missing": fmt.joined, "ten_missing": fmt.joined,
                 "badge": c.status_badges(MET_BADGES)},
        sheet_cols={"team_label": "服务队", "team": "服务队全称", "leader": "队长", "members": "队员",
                    "members_met": "达标人数", "activities": "活动次数", "target_activities": "应达",
                    "themes": "开展的主题", "themes_missing": "缺少的主要行动", "ten": "十有",
                    "ten_missing": "十有缺项", "result": "考评结果"},
        level_key="level",
        note=f"达标：全年志愿服务活动不少于 {rules.team_activities} 次（年内成立的按比例）、覆盖{'、'.join(rules.themes)}、"
             f"“十有”齐全。",
    )


def compliance_table(x: Year) -> c.Table:
    compliance = pl.DataFrame(
        [{"title": g["title"], "level": g["level"], "verdict": LEVEL_WORDS[g["level"]], "counts": g["counts"]}
         for g in x.rule_groups],
        schema={"title": pl.String, "level": pl.String, "verdict": pl.String, "counts": pl.String},
    )
    return c.Table(
        sheet="规则检查", caption=f"表3 单位考评规则检查（截至 {x.as_of}）",
        frame=compliance,
        cols=c.cols(("title", "规则", False, True), ("badge", "结论", False, True), ("counts", "检查项")),
        formats={"badge": c.status_badges(LEVEL_WORDS)},
        sheet_cols={"title": "规则", "verdict": "结论", "counts": "检查项"},
        level_key="level",
    )


def detail_table(x: Year) -> c.Table:
    detail = pl.DataFrame(
        [{"rule": RULE_TITLES.get(f.rule, f.rule), "level": LEVEL_WORDS[f.level],
          "team": f.team, "volunteer": f.volunteer, "message": f.message} for f in x.findings],
        schema={k: pl.String for k in ("rule", "level", "team", "volunteer", "message")},
    ).join(x.labels.select(team="team", team_label="team_label"), on="team", how="left")
    return c.Table(
        sheet="检查明细", caption="检查明细", frame=detail, cols=[],
        sheet_cols={"rule": "规则", "level": "结论", "team_label": "服务队", "volunteer": "志愿者", "message": "说明"},
    )


def stars_table(x: Year) -> c.Table:
    return c.Table(
        sheet="星级认定", caption=f"表4 星级认定名单（截至 {x.period.end}，按累计服务时长）",
        frame=x.by_star.select("star", "stars", "n", "names"),
        cols=c.cols(("star", "星级", False, True), ("stars", "", False, True), ("n", "人数", True), ("names", "名单")),
        formats={"stars": fmt.stars, "names": lambda v: "、".join(v)},
        sheet_cols={"star": "星级", "n": "人数", "names": "名单"},
        empty="本年没有达到星级的志愿者。",
    )


def top_table(x: Year) -> c.Table:
    top = x.volunteers.filter(pl.col("active") & (pl.col("service_hours") > 0)).sort(
        ["service_hours", "vid"], descending=[True, False]).head(TOP_N).with_row_index("rank", offset=1)
    return c.Table(
        sheet="服务时长前列", caption=f"表5 全年服务时长前 {TOP_N} 名",
        frame=top,
        cols=c.cols(("rank", "名次", True), ("team_label", "服务队"), ("name", "姓名", False, True),
                    ("service_hours", "全年时长", True), ("activities", "参加活动", True),
                    ("pairing_visits", "结对走访", True), ("stars", "星级", False, True)),
        formats={"service_hours": c.hours_fmt, "stars": _stars},
        sheet_cols={"rank": "名次", "team_label": "服务队", "name": "姓名", "service_hours": "全年服务时长",
                    "activities": "参加活动", "pairing_visits": "结对走访", "star_text": "星级"},
    )


# ---------------------------------------------------------------- lists, cards, charts


def recognition(x: Year) -> list[str]:
    met = x.volunteers.filter(pl.col("met") & pl.col("active"))
    by_team = met.group_by("team", "team_label", maintain_order=True).agg(names=pl.col("name"), n=pl.len())
    return [f"{r['team_label']}（{r['n']} 人）：{'、'.join(r['names'])}" for r in by_team.to_dicts()]


def cards(x: Year) -> list[dict[str, str]]:
    vols, t, u = x.volunteers, x.teams, x.u
    n_owing, n_met = vols.height, int(vols["met"].sum())
    return [
        c.card("参加考评的志愿者", n_owing, "人", f"在册 {u['volunteers']} 人"),
        c.card(MET_WORDS[True], f"{n_met}/{n_owing}", "人", f"达标率 {fmt.share(n_met, n_owing)}",
               "warn" if n_met < n_owing else ""),
        c.card("全年志愿服务活动", u["service_activities"], "次", f"{u['teams']} 支服务队"),
        c.card("全年服务时长" + ("（含结对走访）" if x.rules.pairing_hours_count else ""),
               fmt.hours(float(vols["service_hours"].sum())), "小时",
               "参加考评的志愿者合计，即表1之和"
               + (f"，其中结对走访 {fmt.hours(float(vols['pairing_hours'].sum()))}" if x.rules.pairing_hours_count else "")
               + f"；人均 {fmt.hours(float(vols['service_hours'].mean() or 0))} 小时"),
        c.card("达标服务队", f"{int((t['level'] == 'pass').sum())}/{t.height}", "支", "活动、主题、十有",
               "warn" if (t["level"] != "pass").any() else ""),
        c.card("星级志愿者", int(x.by_star["n"].sum()) if x.by_star.height else 0, "人",
               f"本年晋升 {x.promoted.height} 人"),
        c.card("未通过的检查项", x.n_fail, "项", f"截至 {x.as_of}", "fail" if x.n_fail else ""),
    ]


def chart_data(x: Year) -> dict[str, c.Chart]:
    rules, vols = x.rules, x.volunteers
    star_counts = vols.filter(pl.col("active")).group_by("stars").agg(n=pl.len()).with_columns(
        star=pl.col("stars").replace_strict(STAR_NAMES, return_dtype=pl.String))
    theme_rows = c.with_team_label(c.service_activities(x.f.activities, rules), x.labels).with_columns(
        theme=pl.col("theme").fill_null(c.NO_THEME), n=pl.lit(1))
    theme_order = c.theme_counts(theme_rows, rules)["theme"].to_list()
    return {
        "hours": charts.hours_histogram(vols["service_hours"], target=rules.volunteer_hours,
                                        title=f"志愿者全年服务时长分布（{x.period.label}）"),
        "progress": charts.progress(x.teams, label="team_label", value="activities", target=rules.team_activities,
                                    title=f"各服务队全年志愿服务活动次数（目标 {rules.team_activities} 次）"),
        "themes": charts.crosstab(theme_rows, category="team_label", series="theme", value="n",
                                  categories=c.team_order(x.labels), series_order=theme_order, stacked=True,
                                  title="各服务队活动主题（次）", value_label="活动次数"),
        "stars": charts.category_counts(star_counts, category="star", value="n",
                                        order=list(STAR_NAMES.values()), title="志愿者星级分布（按累计服务时长）",
                                        series_name="人数"),
    }


def summary(x: Year) -> dict:
    vols, t = x.volunteers, x.teams
    n_owing, n_met = vols.height, int(vols["met"].sum())
    teams_met = int((t["level"] == "pass").sum())
    return {"volunteers": x.u["volunteers"], "ratio": x.u["ratio"], "owing": n_owing, "met": n_met,
            "met_rate": n_met / n_owing if n_owing else None,
            "activities": x.u["service_activities"], "teams": t.height, "teams_met": teams_met,
            "teams_met_text": f"{teams_met}/{t.height}",
            "starred": int(x.by_star["n"].sum()) if x.by_star.height else 0,
            "fails": x.n_fail, "hours": float(vols["service_hours"].sum())}


def activities_table(x: Year) -> c.Table:
    return c.activities_table(
        c.with_team_label(c.service_activities(x.f.activities, x.rules), x.labels), sheet="全年活动一览",
        caption=f"附表 各服务队全年志愿服务活动一览（{x.period.label}）", empty="本年没有志愿服务活动。",
        note="各队小计的活动次数即表2的活动次数；服务时长为活动参加人员的合计，不含结对帮扶走访。",
    )


def layout(x: Year) -> list[c.Section]:
    """The sections after 一、总体情况, in order (the page and the Word document alike)."""
    rules = [c.table_block("compliance")]
    for g in x.rule_groups:
        if g["level"] == "pass":
            continue
        rules += [c.heading_block(g["title"], g["level"]), c.findings_block(items=g["items"])]
        if g["passed_hidden"]:
            rules.append(c.text_block(f"另有 {g['passed_hidden']} 项通过。", note=True))
    promoted = x.promoted
    return [
        c.section("二、表彰与星级认定", c.heading_block("达标志愿者"),
                  c.sentences_block("recognition", empty="本年没有达标的志愿者。"),
                  *([c.heading_block("本年星级晋升"),
                     c.text_block("；".join(f"{r['name']}（{r['team_label']}）{r['star_change']}"
                                           for r in promoted.to_dicts()) + "。")] if promoted.height else []),
                  c.table_block("stars"), c.table_block("top"), c.chart_block("stars", "图1 志愿者星级分布")),
        c.section("三、志愿者年度考评", c.table_block("volunteers"), c.chart_block("hours", "图2 志愿者全年服务时长分布")),
        c.section("四、服务队年度考评", c.table_block("teams"), c.chart_block("progress", "图3 各服务队全年活动次数"),
                  c.chart_block("themes", "图4 各服务队活动主题")),
        c.section("五、单位考评规则检查（R1—R13）", *rules),
        c.section("附录　各服务队全年活动一览", c.table_block("activities")),
    ]


def stem(req: Request) -> str:
    return f"年度考评_{req.year}"


def build(a: UnitAssessment, req: Request) -> c.Report:
    x = Year(a, req)
    head = c.header(
        a.months_loaded, title="党员志愿服务队年度考评与星级认定", unit_label=x.unit, units=[x.unit],
        period=x.period, today=x.today, subtitle=f"{x.year}年度", as_of=None if x.closed else x.as_of,
        notes=([] if x.closed else [f"{x.year} 年尚未结束，本报告为截至 {x.as_of} 的预评结果。"])
        + c.unconfirmed_note(a.months_loaded, a.confirmed, x.period),
    )
    return c.Report(
        kind="annual", unit=x.unit, stem=f"{stem(req)}_{c.file_part(x.unit)}", header=head, cards=cards(x),
        tables={"volunteers": volunteers_table(x), "teams": teams_table(x), "compliance": compliance_table(x),
                "stars": stars_table(x), "top": top_table(x), "detail": detail_table(x),
                "activities": activities_table(x)},
        charts=chart_data(x),
        lists={"rule_groups": x.rule_groups, "recognition": recognition(x)},
        summary=summary(x), sections=layout(x),
    )


SPEC = ReportSpec(
    name="annual",
    title="年度考评与星级认定",
    help="年度考评与星级认定：志愿者和服务队的年度考评、星级认定名单和单位规则检查。",
    options=(),
    build=build,
    stem=stem,
    overview=(
        OverviewColumn("volunteers", "在册志愿者"), OverviewColumn("ratio", "志愿者比例", fmt.pct),
        OverviewColumn("owing", "参加考评"), OverviewColumn("met", MET_WORDS[True]),
        OverviewColumn("met_rate", "达标率", fmt.pct), OverviewColumn("hours", "全年时长", fmt.hours),
        OverviewColumn("activities", "全年活动"), OverviewColumn("teams_met_text", "达标服务队"),
        OverviewColumn("starred", "星级志愿者"), OverviewColumn("fails", "未通过项"),
    ),
    overview_chart=lambda frame, units: charts.category_counts(
        frame.with_columns(v=pl.col("met_rate").fill_null(0) * 100), category="unit", value="v", order=units,
        title="各单位志愿者达标率（%）", series_name="达标率（%）", target=100.0, target_label="全部达标"),
)

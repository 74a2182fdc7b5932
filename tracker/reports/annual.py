"""年度考评与星级认定 (SPEC §6): the year's result per volunteer, team and unit.

Every volunteer's service hours against 24 (pro rata from registration, up to
withdrawal), 达标, star level from cumulative hours and the change from last
year; teams against 10 activities, the two main actions and 十有; the unit's
compliance with R1–R13 from `run_checks` at 31 December; a recognition list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import duckdb
import polars as pl

from tracker import formats as fmt
from tracker.assess.checks import LEVEL_NAMES, LEVELS, RULE_TITLES, run_checks
from tracker.assess.figures import team_figures, unit_figures, volunteer_figures
from tracker.assess.inactive import default_as_of
from tracker.periods import Period
from tracker.render import charts
from tracker.reports import common as c
from tracker.rules import Rules
from tracker.store import queries

STAR_NAMES = {0: "未评星", 1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}
TOP_N = 10


def _stars(n: object) -> str:
    return fmt.stars(n) if n else "—"  # type: ignore[arg-type]


def _rule_number(title: str) -> int:
    m = re.match(r"R(\d+)", title)
    return int(m[1]) if m else 99


def stem(year: int, unit_part: str) -> str:
    return f"年度考评_{year}_{unit_part}"


def build(con: duckdb.DuckDBPyConnection, unit: str, year: int, rules: Rules, today: dt.date) -> c.Report:
    period, prev = Period.year(year), Period.year(year - 1)
    closed = today > period.end
    as_of = period.end if closed else default_as_of(con, unit, year, today)
    acts = queries.activities(con, period.start, period.end, unit)
    vy = volunteer_figures(con, period, unit, rules)
    vp = volunteer_figures(con, prev, unit, rules)
    teams = team_figures(con, period, unit, rules, volunteers=vy, activities=acts)
    u = unit_figures(con, period, unit, rules, activities=acts).row(0, named=True)
    labels = c.team_labels(teams)
    findings = run_checks(con, year, as_of, unit, rules)
    prev_loaded = queries.months_loaded(con, unit).filter(
        (pl.col("kind") == "activities") & pl.col("month").str.starts_with(f"{year - 1:04d}-")
    ).height > 0

    # ---- every volunteer
    prev_cols = vp.select("vid", prev_hours="service_hours", prev_stars="stars")
    if not prev_loaded:  # no activities of last year loaded: no comparison of hours
        prev_cols = prev_cols.with_columns(prev_hours=pl.lit(None, dtype=pl.Float64))
    owing = vy.filter(pl.col("owed_days") > 0)
    vols = c.with_team_label(owing.join(prev_cols, on="vid", how="left"), labels).with_columns(
        delta=pl.col("service_hours") - pl.col("prev_hours"),
        level=pl.when("met").then(pl.lit("pass")).otherwise(pl.lit("fail")),
        result=pl.when("met").then(pl.lit("达标")).otherwise(pl.lit("未达标")),
        star_text=pl.col("stars").replace_strict(STAR_NAMES, default=None, return_dtype=pl.String),
        note=pl.when(pl.col("left").is_not_null()).then(pl.format("{} 退出，计至退出", pl.col("left")))
        .when(pl.col("registered") > period.start).then(pl.format("{} 登记，按比例计", pl.col("registered"))),
    )
    vols = vols.with_columns(
        star_change=pl.when(pl.col("prev_stars").is_null())
        .then(pl.when(pl.col("stars") == 0).then(pl.lit("本年登记")).otherwise(pl.format("评为{}", "star_text")))
        .when(pl.col("stars") > pl.col("prev_stars")).then(pl.format("升为{}", "star_text"))
        .otherwise(pl.lit("—"))
    ).sort("team", "vid", nulls_last=True)
    vol_table = c.Table(
        sheet="志愿者考评", caption=f"表1 志愿者年度服务时长与星级（{period.label}）",
        frame=vols,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("service_hours", "全年时长", True), ("target_hours", "应达", True),
                    ("badge", "考评", False, True), ("prev_hours", "上年时长", True), ("delta", "增减", True),
                    ("cumulative_hours", "累计时长", True), ("stars", "星级", False, True),
                    ("star_change", "星级变化", False, True), ("note", "备注")),
        formats={"service_hours": c.hours_fmt, "target_hours": c.hours_fmt, "prev_hours": c.hours_fmt,
                 "delta": c.signed_hours, "cumulative_hours": c.hours_fmt, "stars": _stars,
                 "badge": c.status_badges({"pass": "达标", "fail": "未达标", "warn": "提醒"})},
        sheet_cols={"team_label": "服务队", "number": "志愿者编号", "name": "姓名", "registered": "登记日期",
                    "service_hours": "全年服务时长", "target_hours": "应达时长", "result": "考评结果",
                    "prev_hours": "上年服务时长", "delta": "增减", "cumulative_hours": "累计服务时长",
                    "star_text": "星级", "star_change": "星级变化", "note": "备注"},
        level_key="level",
        note=(f"全年服务时长不少于 {fmt.hours(rules.volunteer_hours)} 小时为达标（年内登记的自登记日起、退出的计至退出，按天折算）；"
              f"星级按累计服务时长（含历史服务时长）{'/'.join(fmt.hours(x) for x in rules.stars)} 小时依次认定一至五星。"
              + ("" if prev_loaded else f"未载入 {year - 1} 年活动登记簿，上年时长不作比较。")),
    )

    if not prev_loaded:
        vol_table = dataclasses.replace(
            vol_table, cols=[col for col in vol_table.cols if col.key not in ("prev_hours", "delta")])

    # ---- teams
    t = c.with_team_label(teams, labels).with_columns(
        ten=pl.format("{}/10", pl.col("ten_score")),
        level=pl.when(pl.col("activities_met") & (pl.col("themes_missing").list.len() == 0)
                      & (pl.col("ten_score") >= rules.ten_haves)).then(pl.lit("pass")).otherwise(pl.lit("fail")),
    ).with_columns(result=pl.col("level").replace_strict({"pass": "达标", "fail": "未达标"})).sort("team")
    team_table = c.Table(
        sheet="服务队考评", caption=f"表2 服务队年度考评（{period.label}）",
        frame=t,
        cols=c.cols(("team_label", "服务队"), ("members", "队员", True),
                    ("members_met", "达标人数", True), ("activities", "活动次数", True),
                    ("target_activities", "应达", True), ("themes", "开展的主题"),
                    ("themes_missing", "缺少的主要行动"), ("ten", "十有", True), ("ten_missing", "十有缺项"),
                    ("badge", "考评", False, True)),
        formats={"target_activities": lambda x: fmt.num(x, 1), "themes": lambda x: "、".join(x) or "—",
                 "themes_missing": lambda x: "、".join(x) or "—", "ten_missing": lambda x: "、".join(x) or "—",
                 "badge": c.status_badges({"pass": "达标", "fail": "未达标", "warn": "提醒"})},
        sheet_cols={"team_label": "服务队", "team": "服务队全称", "leader": "队长", "members": "队员",
                    "members_met": "达标人数", "activities": "活动次数", "target_activities": "应达",
                    "themes": "开展的主题", "themes_missing": "缺少的主要行动", "ten": "十有",
                    "ten_missing": "十有缺项", "result": "考评结果"},
        level_key="level",
        note=f"达标：全年志愿服务活动不少于 {rules.team_activities} 次（年内成立的按比例）、覆盖{'、'.join(rules.themes)}、“十有”齐全。",
    )

    # ---- unit compliance, grouped by rule
    groups = []
    for rule, title in sorted(RULE_TITLES.items(), key=lambda kv: _rule_number(kv[1])):
        fs = [f for f in findings if f.rule == rule]
        if not fs:
            continue
        worst = min((f.level for f in fs), key=LEVELS.index)
        counts = {lv: sum(f.level == lv for f in fs) for lv in LEVELS}
        shown = [f for f in fs if f.level != "pass"] or fs[:1]
        groups.append({
            "rule": rule, "title": title, "level": worst,
            "counts": "，".join(f"{LEVEL_NAMES[lv]} {n} 项" for lv, n in counts.items() if n),
            "items": c.finding_items(shown, labels, with_rule=False),
            "passed_hidden": counts["pass"] if worst != "pass" else max(counts["pass"] - 1, 0),
        })
    compliance = pl.DataFrame(
        [{"title": g["title"], "level": g["level"], "verdict": LEVEL_NAMES[g["level"]], "counts": g["counts"]}
         for g in groups],
        schema={"title": pl.String, "level": pl.String, "verdict": pl.String, "counts": pl.String},
    )
    comp_table = c.Table(
        sheet="规则检查", caption=f"表3 单位考评规则检查（截至 {as_of}）",
        frame=compliance,
        cols=c.cols(("title", "规则", False, True), ("badge", "结论", False, True), ("counts", "检查项")),
        formats={"badge": c.status_badges({"pass": "通过", "warn": "提醒", "fail": "未通过"})},
        sheet_cols={"title": "规则", "verdict": "结论", "counts": "检查项"},
        level_key="level",
    )
    detail = pl.DataFrame(
        [{"rule": RULE_TITLES.get(f.rule, f.rule), "level": LEVEL_NAMES[f.level],
          "team": f.team, "volunteer": f.volunteer, "message": f.message} for f in findings],
        schema={k: pl.String for k in ("rule", "level", "team", "volunteer", "message")},
    ).join(labels.select(team="team", team_label="team_label"), on="team", how="left")
    detail_table = c.Table(
        sheet="检查明细", caption="检查明细", frame=detail, cols=[],
        sheet_cols={"rule": "规则", "level": "结论", "team_label": "服务队", "volunteer": "志愿者", "message": "说明"},
    )

    # ---- recognition
    met = vols.filter(pl.col("met") & pl.col("active"))
    by_star = (
        vols.filter(pl.col("active") & (pl.col("stars") > 0))
        .sort(["stars", "cumulative_hours"], descending=True)
        .group_by("stars", maintain_order=True)
        .agg(names=pl.col("name"), n=pl.len())
        .with_columns(star=pl.col("stars").replace_strict(STAR_NAMES, return_dtype=pl.String))
    )
    star_table = c.Table(
        sheet="星级认定", caption=f"表4 星级认定名单（截至 {period.end}，按累计服务时长）",
        frame=by_star.select("star", "stars", "n", "names"),
        cols=c.cols(("star", "星级", False, True), ("stars", "", False, True), ("n", "人数", True), ("names", "名单")),
        formats={"stars": fmt.stars, "names": lambda x: "、".join(x)},
        sheet_cols={"star": "星级", "n": "人数", "names": "名单"},
        empty="本年没有达到星级的志愿者。",
    )
    top = vols.filter(pl.col("active") & (pl.col("service_hours") > 0)).sort(
        ["service_hours", "vid"], descending=[True, False]).head(TOP_N).with_row_index("rank", offset=1)
    top_table = c.Table(
        sheet="服务时长前列", caption=f"表5 全年服务时长前 {TOP_N} 名",
        frame=top,
        cols=c.cols(("rank", "名次", True), ("team_label", "服务队"), ("name", "姓名", False, True),
                    ("service_hours", "全年时长", True), ("activities", "参加活动", True),
                    ("pairing_visits", "结对走访", True), ("stars", "星级", False, True)),
        formats={"service_hours": c.hours_fmt, "stars": _stars},
        sheet_cols={"rank": "名次", "team_label": "服务队", "name": "姓名", "service_hours": "全年服务时长",
                    "activities": "参加活动", "pairing_visits": "结对走访", "star_text": "星级"},
    )
    met_names = met.group_by("team", "team_label", maintain_order=True).agg(names=pl.col("name"), n=pl.len())
    promoted = vols.filter(pl.col("star_change").str.starts_with("升为"))
    recognition = [
        f"{r['team_label']}（{r['n']} 人）：{'、'.join(r['names'])}" for r in met_names.to_dicts()
    ]
    promoted_text = [f"{r['name']}（{r['team_label']}）{r['star_change']}" for r in promoted.to_dicts()]

    n_owing = vols.height
    n_met = int(vols["met"].sum())
    n_fail = sum(f.level == "fail" for f in findings)
    cards = [
        c.card("参加考评的志愿者", n_owing, "人", f"在册 {u['volunteers']} 人"),
        c.card("达标", f"{n_met}/{n_owing}", "人", f"达标率 {c.share(n_met, n_owing)}",
               "warn" if n_met < n_owing else ""),
        c.card("全年志愿服务活动", u["service_activities"], "次", f"{u['teams']} 支服务队"),
        c.card("全年服务时长", fmt.hours(float(vols["service_hours"].sum())), "小时",
               f"人均 {fmt.hours(float(vols['service_hours'].mean() or 0))} 小时"),
        c.card("达标服务队", f"{int((t['level'] == 'pass').sum())}/{t.height}", "支", "活动、主题、十有",
               "warn" if (t["level"] != "pass").any() else ""),
        c.card("星级志愿者", int(by_star["n"].sum()) if by_star.height else 0, "人",
               f"本年晋升 {promoted.height} 人"),
        c.card("未通过的检查项", n_fail, "项", f"截至 {as_of}", "fail" if n_fail else ""),
    ]
    star_counts = vols.filter(pl.col("active")).group_by("stars").agg(n=pl.len()).with_columns(
        star=pl.col("stars").replace_strict(STAR_NAMES, return_dtype=pl.String))
    theme_rows = c.with_team_label(c.service_activities(acts, rules), labels).with_columns(
        theme=pl.col("theme").fill_null(c.NO_THEME), n=pl.lit(1))
    theme_order = c.theme_counts(theme_rows, rules)["theme"].to_list()
    chart_data: dict[str, c.Chart] = {
        "hours": charts.hours_histogram(vols["service_hours"], target=rules.volunteer_hours,
                                        title=f"志愿者全年服务时长分布（{period.label}）"),
        "progress": charts.progress(t, label="team_label", value="activities", target=rules.team_activities,
                                    title=f"各服务队全年志愿服务活动次数（目标 {rules.team_activities} 次）"),
        "themes": charts.crosstab(theme_rows, category="team_label", series="theme", value="n",
                                  categories=c.team_order(labels), series_order=theme_order, stacked=True,
                                  title="各服务队活动主题（次）", value_label="活动次数"),
        "stars": charts.category_counts(star_counts, category="star", value="n",
                                        order=list(STAR_NAMES.values()), title="志愿者星级分布（按累计服务时长）",
                                        series_name="人数"),
    }
    head = c.header(
        con, title="党员志愿服务队年度考评与星级认定", unit_label=unit, units=[unit], period=period,
        today=today, subtitle=f"{year}年度", as_of=None if closed else as_of,
        notes=[] if closed else [f"{year} 年尚未结束，本报告为截至 {as_of} 的预评结果。"],
    )
    return c.Report(
        kind="annual", unit=unit, stem=stem(year, c.file_part(unit)), header=head, cards=cards,
        tables={"volunteers": vol_table, "teams": team_table, "compliance": comp_table, "stars": star_table,
                "top": top_table, "detail": detail_table},
        charts=chart_data,
        lists={"rule_groups": groups, "recognition": recognition, "promoted": promoted_text},
        summary={"volunteers": u["volunteers"], "ratio": u["ratio"], "owing": n_owing, "met": n_met,
                 "activities": u["service_activities"], "teams": t.height,
                 "teams_met": int((t["level"] == "pass").sum()), "starred": int(by_star["n"].sum()) if by_star.height else 0,
                 "fails": n_fail, "hours": float(vols["service_hours"].sum())},
    )

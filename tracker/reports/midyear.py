"""年中调整 (SPEC §6, R7): who to remind, which teams lag, what to adjust at mid-year.

As of D (default: the end of the unit's last month of activities loaded, kept
inside the year), over 1 January to D: the inactive list (the one definition
in `tracker.assess.inactive`), teams behind pace, the R1 ratio, new and
withdrawn volunteers, and suggested adjustments written out as sentences.
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import polars as pl

from tracker import formats as fmt
from tracker.assess.figures import quarterly_meetings, team_figures, unit_figures, volunteer_figures
from tracker.assess.inactive import REASONS, default_as_of, inactive
from tracker.periods import Period
from tracker.render import charts
from tracker.reports import common as c
from tracker.rules import Rules
from tracker.store import queries

REASON_SHORT = {"never_served": "从未参加", "no_recent_service": "近期未参加", "behind_pace": "时长落后"}


def stem(year: int, unit_part: str) -> str:
    return f"年中调整_{year}_{unit_part}"


def build(
    con: duckdb.DuckDBPyConnection, unit: str, year: int, as_of: dt.date | None, rules: Rules, today: dt.date
) -> c.Report:
    d = as_of if as_of is not None else default_as_of(con, unit, year, today)
    period = Period.year_to_date(d)
    acts = queries.activities(con, period.start, period.end, unit)
    vy = volunteer_figures(con, period, unit, rules)
    teams = team_figures(con, period, unit, rules, volunteers=vy, activities=acts)
    u = unit_figures(con, period, unit, rules, activities=acts).row(0, named=True)
    ina = inactive(con, d, unit, rules, volunteers=vy)
    labels = c.team_labels(teams)
    meetings = quarterly_meetings(con, year, unit, rules, upto=d)
    year_end = dt.date(year, 12, 31)
    months_left = 12 - d.month  # whole months after the as-of month

    # ---- the inactive list, by team
    flagged = c.with_team_label(ina.filter(pl.col("state") == "inactive"), labels).with_columns(
        reason_short=pl.col("reasons").list.eval(pl.element().replace_strict(REASON_SHORT)).list.join("、"),
        level=pl.when(pl.col("reason") == "never_served").then(pl.lit("fail")).otherwise(pl.lit("warn")),
    ).sort("team", "vid", nulls_last=True)
    inactive_table = c.Table(
        sheet="提醒教育名单", caption=f"表1 提醒教育名单（截至 {d}）",
        frame=flagged,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("registered", "登记日期", False, True), ("last_service", "最近一次服务", False, True),
                    ("ytd_hours", "年内时长", True), ("ytd_target", "按进度应达", True),
                    ("reason_short", "原因", False, True), ("reason_text", "具体情况")),
        formats={"registered": fmt.date_iso, "last_service": fmt.date_iso, "ytd_hours": c.hours_fmt,
                 "ytd_target": c.hours_fmt},
        level_key="level", empty="没有需要提醒的志愿者。",
        note=(f"列入条件（任一）：{REASONS['never_served']}；超过 {rules.inactive_days} 天没有参加志愿服务；"
              f"{period.label} 服务时长低于全年 {fmt.hours(rules.volunteer_hours)} 小时按进度折算的时长。"
              f"登记不满 {rules.new_volunteer_days} 天的新志愿者不列入。"),
    )

    # ---- teams behind pace
    t = c.with_team_label(teams, labels).with_columns(
        remaining=(rules.team_activities - pl.col("activities")).clip(lower_bound=0),
        shortfall=(pl.col("target_activities") - pl.col("activities")).clip(lower_bound=0),
        level=pl.when("activities_met").then(pl.lit("pass")).otherwise(pl.lit("warn")),
    ).sort("team")
    team_table = c.Table(
        sheet="服务队进度", caption=f"表2 各服务队活动进度（{period.label}）",
        frame=t,
        cols=c.cols(("team_label", "服务队"), ("members", "队员", True),
                    ("members_met", "时长达到进度", True), ("activities", "已组织活动", True),
                    ("target_activities", "按进度应达", True), ("remaining", "全年还需", True),
                    ("themes_missing", "尚未开展的主要行动"), ("badge", "进度", False, True)),
        formats={"target_activities": lambda x: fmt.num(x, 1), "themes_missing": lambda x: "、".join(x) or "—",
                 "badge": c.status_badges({"pass": "达到进度", "warn": "落后", "fail": "未达标"})},
        sheet_cols={"team_label": "服务队", "members": "队员", "members_met": "时长达到进度",
                    "activities": "已组织活动", "target_activities": "按进度应达", "remaining": "全年还需",
                    "themes_missing": "尚未开展的主要行动", "activities_met": "达到进度"},
        level_key="level",
    )

    # ---- the unit against R1 (and R2)
    need = math.ceil(rules.volunteer_ratio * u["formal_members"] - 1e-9) if u["formal_members"] else None
    unit_row = pl.DataFrame([{
        "unit": unit, "formal_members": u["formal_members"], "volunteers": u["volunteers"], "ratio": u["ratio"],
        "required": need, "recruit": max((need or 0) - u["volunteers"], 0) if need is not None else None,
        "teams": u["teams"], "band": _band_text(u),
        "level": "warn" if u["ratio"] is None else ("pass" if u["ratio"] + 1e-9 >= rules.volunteer_ratio else "fail"),
    }], schema_overrides={"formal_members": pl.Int64, "ratio": pl.Float64, "required": pl.Int64, "recruit": pl.Int64})
    unit_table = c.Table(
        sheet="志愿者比例", caption=f"表3 志愿者比例与组队情况（截至 {d}）",
        frame=unit_row,
        cols=c.cols(("unit", "单位"), ("formal_members", "正式党员", True), ("volunteers", "在册志愿者", True),
                    ("ratio", "比例", True), ("required", f"{fmt.pct(rules.volunteer_ratio)}应有", True),
                    ("recruit", "还需吸收", True), ("teams", "服务队", True), ("band", "规定队数"),
                    ("badge", "比例", False, True)),
        formats={"ratio": fmt.pct, "badge": c.status_badges({"pass": "达标", "warn": "待核", "fail": "低于要求"})},
        sheet_cols={"unit": "单位", "formal_members": "正式党员", "volunteers": "在册志愿者", "ratio": "比例",
                    "required": "按比例应有", "recruit": "还需吸收", "teams": "服务队", "band": "规定队数"},
        level_key="level",
    )

    # ---- new and withdrawn volunteers
    new = c.with_team_label(
        vy.filter(pl.col("registered") >= period.start).join(
            ina.select("vid", "state"), on="vid", how="left"), labels
    ).with_columns(
        state=pl.when(pl.col("left").is_not_null() & (pl.col("left") <= d)).then(pl.lit("已退出"))
        .otherwise(pl.col("state").replace_strict({"new": "新志愿者", "active": "正常", "inactive": "需提醒"},
                                                   default=None)),
    ).sort("registered", "vid")
    new_table = c.Table(
        sheet="新志愿者", caption=f"表4 本年新登记的志愿者（{period.label}）",
        frame=new,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("registered", "登记日期", False, True), ("service_hours", "已服务时长", True),
                    ("activities", "参加活动", True), ("state", "状态")),
        formats={"registered": fmt.date_iso, "service_hours": c.hours_fmt},
        empty="本年尚无新登记的志愿者。",
        note=f"登记不满 {rules.new_volunteer_days} 天的为新志愿者，不列入提醒教育名单。",
    )
    left = c.with_team_label(vy.filter(pl.col("left").is_not_null() & (pl.col("left") <= d)), labels).sort("left")
    left_table = c.Table(
        sheet="本年退出", caption=f"表5 本年退出的志愿者（{period.label}）",
        frame=left,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("left", "退出日期", False, True), ("service_hours", "退出前服务时长", True),
                    ("target_hours", "计至退出应达", True)),
        formats={"left": fmt.date_iso, "service_hours": c.hours_fmt, "target_hours": c.hours_fmt},
        empty="本年没有志愿者退出。",
    )

    advice = _advice(d, period, year_end, flagged, t, u, need, new, meetings, rules, months_left)

    reason_rows = flagged.select("team_label", "reasons").explode("reasons").with_columns(
        reason=pl.col("reasons").replace_strict(REASON_SHORT), n=pl.lit(1)
    )
    chart_data: dict[str, c.Chart] = {
        "progress": charts.progress(
            t, label="team_label", value="activities",
            target=round(rules.team_activities * _share(period), 1),
            target_label=f"按进度应达 {fmt.num(rules.team_activities * _share(period), 1)} 次",
            title=f"各服务队活动进度（截至 {d}，全年目标 {rules.team_activities} 次）",
        ),
        "reasons": charts.crosstab(
            reason_rows, category="team_label", series="reason", value="n",
            categories=c.team_order(labels), series_order=list(REASON_SHORT.values()),
            title="提醒教育名单：各服务队人数及原因", value_label="人数", stacked=False,
        ),
        "hours": charts.hours_histogram(
            vy.filter(pl.col("owed_days") > 0)["service_hours"],
            target=max(round(rules.volunteer_hours * _share(period)), 1),
            title=f"志愿者年内服务时长分布（按进度应达约 {round(rules.volunteer_hours * _share(period))} 小时）",
        ),
    }
    n_active = ina.height
    n_new = ina.filter(pl.col("state") == "new").height
    cards = [
        c.card("在册志愿者", n_active, "人", f"其中新志愿者 {n_new} 人"),
        c.card("提醒教育名单", flagged.height, "人", f"占 {c.share(flagged.height, n_active - n_new)}",
               "fail" if flagged.height else ""),
        c.card("进度落后的服务队", int((~t["activities_met"]).sum()), "支", f"共 {t.height} 支",
               "warn" if (~t["activities_met"]).any() else ""),
        c.card("志愿者比例", fmt.pct(u["ratio"]), "", f"要求不低于 {fmt.pct(rules.volunteer_ratio)}",
               "fail" if unit_row["level"][0] == "fail" else ""),
        c.card("本年新登记", new.height, "人", f"本年退出 {left.height} 人"),
    ]
    head = c.header(
        con, title="党员志愿服务队年中调整", unit_label=unit, units=[unit], period=period, today=today,
        subtitle=f"{year}年（截至 {fmt.date_cn(d)}）", as_of=d,
        notes=["截至日期默认取本单位已载入活动登记簿的最后一个月末，避免台账滞后造成误判。"] if as_of is None else [],
    )
    return c.Report(
        kind="midyear", unit=unit, stem=stem(year, c.file_part(unit)), header=head, cards=cards,
        tables={"inactive": inactive_table, "teams": team_table, "unit": unit_table, "new": new_table,
                "left": left_table},
        charts=chart_data,
        lists={"advice": advice, "as_of": [d]},
        summary={"volunteers": n_active, "new": n_new, "inactive": flagged.height, "ratio": u["ratio"],
                 "recruit": unit_row["recruit"][0], "teams": t.height,
                 "teams_behind": int((~t["activities_met"]).sum()), "as_of": d},
    )


def _share(period: Period) -> float:
    return period.days / Period.year(period.end.year).days


def _band_text(u: dict) -> str:
    if u["band_min"] is None:
        return "—"
    return f"{u['band_min']} 支" if u["band_min"] == u["band_max"] else f"{u['band_min']}—{u['band_max']} 支"


def _advice(d, period, year_end, flagged, teams, u, need, new, meetings, rules: Rules, months_left: int) -> list[str]:
    """Suggested adjustments as sentences, most pressing first."""
    out: list[str] = []
    for reason, what in (("never_served", "登记以来从未参加志愿服务"), ("no_recent_service", f"超过 {rules.inactive_days} 天未参加服务")):
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
        per = f"，平均每月约 {fmt.num(r['remaining'] / months_left, 1)} 次" if months_left else ""
        out.append(f"{r['team_label']}：截至 {d} 组织活动 {r['activities']} 次，按进度应达 "
                   f"{fmt.num(r['target_activities'], 1)} 次；{year_end} 前还需至少 {r['remaining']} 次{per}。")
    for r in teams.filter(pl.col("themes_missing").list.len() > 0).to_dicts():
        out.append(f"{r['team_label']}：年内尚未开展“{'、'.join(r['themes_missing'])}”主题活动，下半年应安排。")
    if need is not None and u["volunteers"] < need:
        out.append(f"吸收新志愿者：正式党员 {u['formal_members']} 人，按不低于 {fmt.pct(rules.volunteer_ratio)} "
                   f"应有志愿者 {need} 人，现有 {u['volunteers']} 人，还需吸收至少 {need - u['volunteers']} 人。")
    sizes = teams.filter(pl.col("members") > 0)
    if sizes.height >= 2:
        big, small = sizes.sort("members", descending=True).row(0, named=True), sizes.sort("members").row(0, named=True)
        if big["members"] >= 2 * small["members"]:
            out.append(f"调整队伍：各队人数从 {small['members']} 人（{small['team_label']}）到 {big['members']} 人"
                       f"（{big['team_label']}）不等，可适当调整各队人数，使每队都能独立组织活动。")
    if u["band_min"] is not None and not u["band_ok"] and u["teams"]:
        band = _band_text(u)
        verb = "合并" if u["teams"] > u["band_max"] else "增设"
        out.append(f"组队数：党员 {u['party_members']} 人，按规定组建 {band}服务队，现有 {u['teams']} 支，可考虑{verb}。")
    missed = meetings.filter((pl.col("end") <= d) & (pl.col("meetings") < rules.quarterly_meeting))
    for r in missed.to_dicts():
        out.append(f"第{r['quarter']}季度（{r['label']}）未召开工作例会，请补开并载入记录。")
    if u["trainings"] < rules.training:
        out.append(f"培训：年内已组织 {u['trainings']} 次，全年不少于 {rules.training} 次，下半年还需 "
                   f"{rules.training - u['trainings']} 次。")
    if new.height:
        out.append(f"新志愿者：本年已吸收 {new.height} 人（{'、'.join(new['name'].to_list())}），请安排其参加服务队活动。")
    for which, what in (("forms", "申请登记表、花名册、服务队登记表"), ("summary", "组队情况汇总表")):
        due = rules.deadline(which, period.end.year)
        if due >= d:
            out.append(f"更新后的{what}应于 {due} 前报送。")
    return out

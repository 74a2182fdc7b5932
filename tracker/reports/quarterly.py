"""季度例会通报 (docs/reports.md; the notice's 三.4 quarterly work meeting): the quarter and the year to date.

The period is the quarter; the year to date runs from 1 January to the
quarter's end. Targets are pro rata (the rules' activities and hours a year,
from registration or founding). The failing findings are the checks as of
the quarter's end (or today while the quarter runs). Each section is a small
function over one `Quarter`, whose figures are computed once.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import polars as pl

from tracker import formats as fmt
from tracker.assess.assessment import PeriodFigures, UnitAssessment
from tracker.periods import Period
from tracker.render import charts
from tracker.reports import model as c
from tracker.reports.spec import OverviewColumn, ReportSpec, Request
from tracker.words import QUARTER_CN

DEMAND_STATUSES = ("待办理", "办理中", "已办结", "无法办理")


class Quarter(c.UnitPeriod):
    """What every section of one unit's quarterly briefing reads, computed once.

    The main period (`f`, here also `fy`) is the year to date; `fq` is the quarter.
    """

    def __init__(self, a: UnitAssessment, req: Request):
        assert req.quarter is not None
        self.quarter = req.quarter
        self.q = Period.quarter(req.year, self.quarter)
        self.ytd = Period(dt.date(req.year, 1, 1), self.q.end)
        super().__init__(a, req, self.ytd)
        self.check_as_of = min(self.q.end, self.today)
        self.running = self.q.end > self.today

    @cached_property
    def fq(self) -> PeriodFigures:
        return self.a.over(self.q)

    @property
    def fy(self) -> PeriodFigures:
        return self.f

    @cached_property
    def findings(self) -> list:
        return self.a.findings(self.year, self.check_as_of)

    @cached_property
    def meetings_q(self) -> int:
        return self.fy.meetings.filter(pl.col("quarter") == self.quarter)["meetings"].sum()

    @cached_property
    def teams(self) -> pl.DataFrame:
        """Per team: the quarter and the year to date against the year's target."""
        need = self.rules.team_activities
        return c.with_team_label(
            self.fy.teams.select("unit", "team", "members", ytd_activities="activities",
                                 ytd_target="target_activities", met="activities_met",
                                 themes_missing="themes_missing")
            .join(self.fq.teams.select("unit", "team", q_activities="activities", q_participants="participants",
                                       q_hours="hours"), on=["unit", "team"], how="left"),
            self.labels,
        ).with_columns(
            progress=pl.col("ytd_activities") / need,
            remaining=(need - pl.col("ytd_activities")).clip(lower_bound=0),
            level=pl.when("met").then(pl.lit("pass")).when(self.quarter == 4).then(pl.lit("fail"))
            .otherwise(pl.lit("warn")),
        ).with_columns(
            status=pl.col("level").replace_strict({"pass": "达到进度", "warn": "落后于进度", "fail": "未达标"}),
        ).sort("team")

    @cached_property
    def owing(self) -> pl.DataFrame:
        """Volunteers who owed service in the year to date."""
        return self.fy.volunteers.filter(pl.col("owed_days") > 0)

    @cached_property
    def volunteers(self) -> pl.DataFrame:
        """Per volunteer: year-to-date hours against the pro-rata target, and the quarter's."""
        return c.with_team_label(
            self.owing.select("unit", "team", "vid", "name", "registered", "left", ytd_hours="service_hours",
                              ytd_target="target_hours", met="met")
            .join(self.fq.volunteers.select("vid", q_hours="service_hours", q_activities="activities"),
                  on="vid", how="left"),
            self.labels,
        ).with_columns(
            pl.col("q_hours").fill_null(0.0), pl.col("q_activities").fill_null(0),
            gap=(pl.col("ytd_target") - pl.col("ytd_hours")).clip(lower_bound=0),
        ).with_columns(
            level=pl.when("met").then(pl.lit("pass")).when(pl.col("ytd_hours") <= 0).then(pl.lit("fail"))
            .otherwise(pl.lit("warn")),
        ).with_columns(
            status=pl.when(pl.col("level") == "pass").then(pl.lit("达到进度"))
            .when(pl.col("level") == "fail").then(pl.lit("未参加服务"))
            .otherwise(pl.format("差 {} 小时", pl.col("gap").round(1))),
            note=pl.when(pl.col("left").is_not_null()).then(pl.format("{} 退出", pl.col("left")))
            .when(pl.col("registered") > self.ytd.start).then(pl.format("{} 登记", pl.col("registered"))),
        ).sort("team", "vid", nulls_last=True)

    @cached_property
    def served(self) -> pl.DataFrame:
        """Active volunteers who owed service in the quarter."""
        return self.fq.volunteers.filter(pl.col("active") & (pl.col("owed_days") > 0))

    @property
    def target_to_date(self) -> float:
        """Hours a volunteer owes from 1 January to the quarter's end."""
        return self.rules.volunteer_hours * self.ytd.share_of_year

    @property
    def activities_to_date(self) -> float:
        """Activities a team owes from 1 January to the quarter's end."""
        return self.rules.team_activities * self.ytd.share_of_year

    @cached_property
    def service_q(self) -> pl.DataFrame:
        return c.service_activities(self.fq.activities, self.rules)

    @cached_property
    def service_y(self) -> pl.DataFrame:
        return c.with_team_label(c.service_activities(self.fy.activities, self.rules), self.labels)

    @cached_property
    def themes(self) -> pl.DataFrame:
        rules = self.rules
        themes = c.theme_counts(self.service_y, rules).rename({"n": "ytd_n"}).join(
            c.theme_counts(self.service_q, rules).rename({"n": "q_n"}), on="theme", how="left"
        ).with_columns(pl.col("q_n").fill_null(0))
        gaps = c.with_team_label(self.fy.teams.select("unit", "team", "themes_missing").explode("themes_missing"),
                                 self.labels)
        missing_by_theme = gaps.drop_nulls("themes_missing").group_by("themes_missing").agg(
            pl.col("team_label").sort()
        ).rename({"themes_missing": "theme", "team_label": "teams_missing"})
        return themes.join(missing_by_theme, on="theme", how="left").with_columns(
            pl.col("teams_missing").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            main=pl.col("theme").is_in(list(rules.themes)),
        )


# ---------------------------------------------------------------- tables


def teams_table(x: Quarter) -> c.Table:
    teams, need = x.teams, x.rules.team_activities
    return c.Table(
        sheet="服务队活动", caption=f"表1 各服务队活动情况（本季度 {x.q.label}；年度累计 {x.ytd.label}）",
        frame=teams,
        cols=c.cols(("team_label", "服务队"), ("members", "队员", True), ("q_activities", "本季度活动", True),
                    ("q_participants", "参与人数", True), ("q_hours", "活动时长", True),
                    ("ytd_activities", "年度累计活动", True), ("ytd_target", "按进度应达", True),
                    ("progress", f"完成全年{need}次", True), ("remaining", "全年还需", True),
                    ("themes_missing", "尚未覆盖的主题"), ("badge", "状态", False, True)),
        formats={"q_hours": c.hours_fmt, "ytd_target": lambda x: fmt.num(x, 1), "progress": fmt.pct,
                 "themes_missing": fmt.joined,
                 "badge": c.status_badges({"pass": "达到进度", "warn": "落后", "fail": "未达标"})},
        sheet_cols={"team_label": "服务队", "members": "队员", "q_activities": "本季度活动",
                    "q_participants": "本季度参与人数", "q_hours": "本季度活动服务时长", "ytd_activities": "年度累计活动",
                    "ytd_target": "按进度应达", "progress": "完成全年比例", "remaining": "全年还需",
                    "themes_missing": "尚未覆盖的主题", "status": "状态"},
        level_key="level",
        note="“活动时长”是本队组织的志愿服务活动中全部参加人员的服务时长（本季度活动一览的小计）；"
             "结对帮扶走访的时长不在其中，见表6。",
        totals={"team_label": "合计", "members": str(teams["members"].sum()),
                "q_activities": str(teams["q_activities"].sum()),
                "q_hours": fmt.hours(teams["q_hours"].sum()),
                "ytd_activities": str(teams["ytd_activities"].sum())},
    )


def volunteers_table(x: Quarter) -> c.Table:
    return c.Table(
        sheet="志愿者时长",
        caption=f"表2 志愿者服务时长进度（年度累计 {x.ytd.label}，全年 {fmt.hours(x.rules.volunteer_hours)} 小时按进度计）",
        frame=x.volunteers,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("q_activities", "本季度活动", True), ("q_hours", "本季度时长", True),
                    ("ytd_hours", "年度累计时长", True), ("ytd_target", "按进度应达", True),
                    ("status", "进度"), ("note", "备注")),
        formats={"q_hours": c.hours_fmt, "ytd_hours": c.hours_fmt, "ytd_target": c.hours_fmt},
        level_key="level",
        note="服务时长含志愿服务活动和结对帮扶走访，培训、例会时长不计入；年内登记或退出的按实际在册天数折算。",
    )


def idle_table(x: Quarter) -> c.Table:
    idle = c.with_team_label(
        x.fq.volunteers.filter(pl.col("active") & (pl.col("owed_days") > 0) & (pl.col("service_hours") <= 0))
        .select("unit", "team", "vid", "name", "registered", "last_service"),
        x.labels,
    ).with_columns(
        note=pl.when(pl.col("registered") >= x.q.start).then(pl.lit("本季度新登记"))
        .when(pl.col("last_service").is_null()).then(pl.lit("登记以来从未参加服务")),
    ).sort("team", "vid", nulls_last=True)
    return c.Table(
        sheet="本季度未参加服务", caption=f"表3 本季度（{x.q.label}）未参加志愿服务的志愿者",
        frame=idle,
        cols=c.cols(("team_label", "服务队"), ("name", "姓名", False, True),
                    ("registered", "登记日期", False, True), ("last_service", "最近一次服务", False, True),
                    ("note", "备注")),
        formats={"registered": fmt.date_iso, "last_service": fmt.date_iso},
        empty="本季度在册志愿者均参加了志愿服务。",
    )


def themes_table(x: Quarter) -> c.Table:
    return c.Table(
        sheet="活动主题", caption="表4 志愿服务活动按主题统计（次）",
        frame=x.themes.select("theme", "q_n", "ytd_n", "teams_missing", "main"),
        cols=c.cols(("theme", "服务主题"), ("q_n", "本季度", True), ("ytd_n", "年度累计", True),
                    ("teams_missing", "年度尚未开展的服务队")),
        formats={"teams_missing": fmt.joined},
        sheet_cols={"theme": "服务主题", "q_n": "本季度", "ytd_n": "年度累计", "teams_missing": "年度尚未开展的服务队"},
        note=f"“{'”“'.join(x.rules.themes)}”为两大主要行动，每支服务队每年都应开展。",
    )


def activities_table(x: Quarter) -> c.Table:
    return c.activities_table(
        c.with_team_label(x.service_q, x.labels), sheet="本季度活动一览",
        caption=f"表7 本季度志愿服务活动一览（{x.q.label}，按服务队）", empty="本季度没有志愿服务活动。",
        note="参加人次和服务时长为该次活动全部参加人员的合计；各队小计与表1的本季度活动次数和活动时长一致。",
    )


def other_activities_table(x: Quarter) -> c.Table:
    kinds = [x.rules.training_kind, x.rules.meeting_kind]
    other = c.with_team_label(x.fq.activities.filter(pl.col("kind").is_in(kinds)), x.labels).sort("date", "aid")
    return c.Table(
        sheet="本季度培训和例会", caption=f"表8 本季度培训和工作例会（{x.q.label}）",
        frame=other.select("date", "kind", "team_label", "title", "place", "participants", "total_hours"),
        cols=c.cols(("date", "日期", False, True), ("kind", "类型", False, True), ("team_label", "组织"),
                    ("title", "名称"), ("place", "地点"), ("participants", "参加人数", True),
                    ("total_hours", "时长合计", True)),
        formats={"date": fmt.date_iso, "total_hours": c.hours_fmt},
        sheet_cols={"date": "日期", "kind": "类型", "team_label": "组织", "title": "名称", "place": "地点",
                    "participants": "参加人数", "total_hours": "时长合计（小时）"},
        empty="本季度没有培训或工作例会的记录。", note="培训和例会不计入志愿服务时长。",
    )


def demands_table(x: Quarter) -> c.Table:
    dem = c.with_team_label(
        x.fq.demands.filter(pl.col("received_in_period") | ~pl.col("is_closed") | pl.col("closed_in_period")),
        x.labels,
    ).with_columns(
        days=pl.coalesce("days_to_close", "days_open"),
        level=pl.when("overdue").then(pl.lit("fail")).when(~pl.col("is_closed")).then(pl.lit("warn")),
    )
    return c.Table(
        sheet="群众需求", caption=f"表5 群众需求办理情况（本季度登记、办结或截至 {x.q.end} 未办结的）",
        frame=dem,
        cols=c.cols(("demand_id", "需求编号", False, True), ("received", "登记日期", False, True),
                    ("team_label", "承接服务队"), ("content", "需求内容"),
                    ("status", "状态", False, True), ("closed_on", "办结日期", False, True),
                    ("days", "已用天数", True)),
        formats={"received": fmt.date_iso, "closed_on": fmt.date_iso},
        sheet_cols={"demand_id": "需求编号", "received": "登记日期", "team_label": "承接服务队", "content": "需求内容",
                    "status": "状态", "closed_on": "办结日期", "days": "已用天数", "overdue": "逾期"},
        level_key="level", empty="本季度没有需要办理的群众需求。",
        note=f"登记后超过 {x.rules.demand_overdue_days} 天仍未办结的为逾期（粗体标出）。",
    )


def pairings_table(x: Quarter) -> c.Table:
    pairs = x.fq.pairings.with_columns(
        level=pl.when("overdue").then(pl.lit("fail")),
        state=pl.when("overdue").then(pl.format("逾期（{} 天未走访）", pl.col("days_since")))
        .when(pl.col("ongoing")).then(pl.lit("正常")).otherwise(pl.coalesce("status", pl.lit("已结束"))),
    )
    return c.Table(
        sheet="结对帮扶", caption=f"表6 结对帮扶走访情况（{x.q.label}）",
        frame=pairs,
        cols=c.cols(("pair_id", "结对编号", False, True), ("volunteer", "志愿者", False, True),
                    ("recipient", "帮扶对象", False, True), ("recipient_kind", "对象类别", False, True),
                    ("visits", "本季度走访", True), ("hours", "时长", True),
                    ("last_visit", "最近走访", False, True), ("state", "状态")),
        formats={"hours": c.hours_fmt, "last_visit": fmt.date_iso},
        level_key="level", empty="没有进行中的结对帮扶。",
        note=f"进行中的结对超过 {x.rules.pairing_overdue_days} 天未走访为逾期。",
    )


# ---------------------------------------------------------------- cards, sentences, charts


def cards(x: Quarter) -> list[dict[str, str]]:
    uq, uy, rules = x.fq.unit_row, x.fy.unit_row, x.rules
    served = x.served
    n_served = served.filter(pl.col("service_hours") > 0).height
    n_owing = x.owing.filter(pl.col("active")).height
    n_met = x.owing.filter(pl.col("active") & pl.col("met")).height
    q_hours, act_hours, pair_hours = uq["service_hours"], x.teams["q_hours"].sum(), uq["pairing_hours"]
    served_hours = float(served["service_hours"].sum())
    ratio_ok = uq["ratio"] is None or uq["ratio"] + 1e-9 >= rules.volunteer_ratio
    overdue_d, overdue_p = uq["demands_overdue"], uq["pairings_overdue"]
    m_q = x.meetings_q
    return [
        c.card("在册志愿者", uq["volunteers"], "人",
               f"占正式党员 {fmt.pct(uq['ratio'])}" if uq["ratio"] is not None else "缺少党员人数",
               "" if ratio_ok else "fail"),
        c.card("服务队", uq["teams"], "支", f"{sum(x.teams['met'])} 支达到活动进度"),
        c.card("本季度志愿服务活动", uq["service_activities"], "次", f"年度累计 {uy['service_activities']} 次"),
        c.card("本季度服务时长" + ("（含结对走访）" if rules.pairing_hours_count else ""), fmt.hours(q_hours), "小时",
               (f"活动 {fmt.hours(act_hours)} + 结对走访 {fmt.hours(pair_hours)}；" if rules.pairing_hours_count
                else f"活动 {fmt.hours(act_hours)}（结对走访不计）；")
               + f"在册志愿者人均 {fmt.hours(served_hours / served.height) if served.height else '—'} 小时"),
        c.card("本季度参加服务", f"{n_served}/{served.height}", "人",
               f"{served.height - n_served} 人未参加", "warn" if n_served < served.height else ""),
        c.card("时长达到进度", f"{n_met}/{n_owing}", "人", f"按进度应达 {fmt.hours(x.target_to_date)} 小时",
               "warn" if n_met < n_owing else ""),
        c.card("本季度工作例会", m_q, "次", f"要求至少 {rules.quarterly_meeting} 次",
               "fail" if m_q < rules.quarterly_meeting and not x.running else ""),
        c.card("群众需求", uq["demands_received"], "件",
               f"办结 {uq['demands_closed']} 件，逾期 {overdue_d} 件", "fail" if overdue_d else ""),
        c.card("结对帮扶", uq["pairings"], "对", f"逾期未走访 {overdue_p} 对", "fail" if overdue_p else ""),
    ]


def due(x: Quarter) -> list[str]:
    """Sentences: the next meeting, deadlines ahead, what remains for the year."""
    rules, q, quarter, year, uy = x.rules, x.q, x.quarter, x.year, x.fy.unit_row
    out = []
    if x.meetings_q < rules.quarterly_meeting and not x.running:
        out.append(f"本季度（{q.label}）未召开工作例会，请尽快补开并载入会议记录。")
    nq, ny = (quarter + 1, year) if quarter < 4 else (1, year + 1)
    nxt = Period.quarter(ny, nq)
    out.append(f"下次工作例会：{ny}年第{QUARTER_CN[nq]}季度（{nxt.label}）内召开，通报本季度情况。")
    forms = {"forms": "申请登记表、花名册、服务队登记表三张表", "summary": "组队情况汇总表"}
    for which, what in forms.items():
        d = rules.deadline(which, year)
        if d > q.end:
            out.append(f"{what}应于 {d} 前报送。")
    if uy["trainings"] < rules.training:
        out.append(f"全年应组织培训不少于 {rules.training} 次，截至 {q.end} 已组织 {uy['trainings']} 次，"
                   f"还需 {rules.training - uy['trainings']} 次。")
    if quarter < 4:
        for t in x.teams.filter(pl.col("remaining") > 0).to_dicts():
            out.append(f"{t['team_label']}：全年还需组织志愿服务活动至少 {t['remaining']} 次"
                       f"（已 {t['ytd_activities']} 次，目标 {rules.team_activities} 次）。")
    behind = x.volunteers.filter(pl.col("level") != "pass")
    if behind.height:
        out.append(f"{behind.height} 名志愿者服务时长落后于进度（见表2），请各队长督促安排服务。")
    if quarter == 2:
        out.append("年中调整：请对照年中调整报告的提醒教育名单开展提醒，及时吸收新志愿者。")
    return out


def chart_data(x: Quarter) -> dict[str, c.Chart]:
    """The charts' data (drawn when the page is written)."""
    rules, target = x.rules, x.target_to_date
    return {
        "team_month": c.team_month_chart(x.service_y, x.ytd, x.labels,
                                         f"各服务队每月志愿服务活动次数（{x.ytd.label}）"),
        "hours": charts.hours_histogram(
            x.volunteers["ytd_hours"], target=max(round(target), 1),
            title=f"志愿者年度累计服务时长分布（按进度应达约 {round(target)} 小时）",
        ),
        "progress": charts.progress(
            x.teams, label="team_label", value="ytd_activities",
            target=round(x.activities_to_date, 1),
            target_label=f"按进度应达 {fmt.num(x.activities_to_date, 1)} 次",
            title=f"各服务队活动进度（截至 {x.q.end}，全年目标 {rules.team_activities} 次）",
        ),
        "themes": charts.category_counts(
            x.themes, category="theme", value="ytd_n", order=x.themes["theme"].to_list(),
            title=f"志愿服务活动主题（{x.ytd.label}）", series_name="活动次数",
        ),
        "demands": charts.category_counts(
            x.fq.demands.group_by("status").agg(n=pl.len()), category="status", value="n",
            order=list(DEMAND_STATUSES), title=f"群众需求状态（截至 {x.q.end}）", series_name="件数",
        ),
    }


def layout(x: Quarter, n_warns: int) -> list[c.Section]:
    """The sections after 一、总体情况, in order (the page and the Word document alike)."""
    return [
        c.section("二、各服务队活动情况", c.table_block("teams"),
                  c.chart_block("progress", "图1 各服务队年度活动进度"),
                  c.chart_block("team_month", "图2 各服务队每月志愿服务活动次数"),
                  note=f"全年每支服务队至少组织 {x.rules.team_activities} 次志愿服务活动；“按进度应达”按年内已过天数折算。"),
        c.section("三、志愿者服务时长", c.chart_block("hours", "图3 志愿者年度累计服务时长分布"),
                  c.table_block("volunteers")),
        c.section("四、本季度未参加服务的志愿者", c.table_block("idle")),
        c.section("五、活动主题", c.table_block("themes"), c.chart_block("themes", "图4 志愿服务活动主题")),
        c.section("六、群众需求与结对帮扶", c.table_block("demands"), c.chart_block("demands", "图5 群众需求状态"),
                  c.table_block("pairings")),
        c.section("七、本季度活动一览", c.table_block("activities"), c.table_block("other_activities")),
        c.section("八、近期工作安排", c.sentences_block("due")),
        c.section("九、未通过的检查项", c.findings_block("fails", empty="没有未通过的检查项。"),
                  note=f"按考评规则检查，截至 {x.check_as_of}；另有提醒 {n_warns} 项，可用 tracker check 查看。"),
    ]


def summary(x: Quarter, n_fails: int) -> dict:
    """The headline figures the overview sets side by side."""
    uq, uy = x.fq.unit_row, x.fy.unit_row
    served = x.served
    n_served = served.filter(pl.col("service_hours") > 0).height
    n_owing = x.owing.filter(pl.col("active")).height
    n_met = x.owing.filter(pl.col("active") & pl.col("met")).height
    return {
        "volunteers": uq["volunteers"], "ratio": uq["ratio"], "teams": uq["teams"],
        "activities": uq["service_activities"], "ytd_activities": uy["service_activities"],
        "hours": float(uq["service_hours"]),
        "served": n_served, "owing": served.height, "met": n_met, "met_of": n_owing,
        "served_text": f"{n_served}/{served.height}", "met_text": f"{n_met}/{n_owing}",
        "meetings": x.meetings_q, "teams_behind": int((~x.teams["met"]).sum()),
        "demands_overdue": uq["demands_overdue"], "pairings_overdue": uq["pairings_overdue"], "fails": n_fails,
    }


def stem(req: Request) -> str:
    return f"季度例会通报_{req.year}Q{req.quarter}"


def build(a: UnitAssessment, req: Request) -> c.Report:
    x = Quarter(a, req)
    fails = [f for f in x.findings if f.level == "fail"]
    warns = [f for f in x.findings if f.level == "warn"]
    head = c.header(
        a.months_loaded, title="党员志愿服务队季度例会通报", unit_label=x.unit, units=[x.unit], period=x.q,
        coverage_period=x.ytd, today=x.today, subtitle=f"{x.year}年第{QUARTER_CN[x.quarter]}季度",
        notes=[f"年度累计：{x.ytd.label}"] + ([f"本季度尚未结束，数据截至 {x.today}。"] if x.running else [])
        + c.unconfirmed_note(a.months_loaded, a.confirmed, x.ytd),
    )
    return c.Report(
        kind="quarterly", unit=x.unit, stem=f"{stem(req)}_{c.file_part(x.unit)}", header=head, cards=cards(x),
        tables={"teams": teams_table(x), "volunteers": volunteers_table(x), "idle": idle_table(x),
                "themes": themes_table(x), "demands": demands_table(x), "pairings": pairings_table(x),
                "activities": activities_table(x), "other_activities": other_activities_table(x)},
        charts=chart_data(x),
        lists={"due": due(x), "fails": c.finding_items(fails, x.labels)},
        summary=summary(x, len(fails)),
        sections=layout(x, len(warns)),
    )


SPEC = ReportSpec(
    name="quarterly",
    title="季度例会通报",
    help="季度例会通报：本季度和年度累计的活动、时长、主题、需求与结对，近期工作安排和未通过的检查项。",
    options=("quarter",),
    build=build,
    stem=stem,
    overview=(
        OverviewColumn("volunteers", "在册志愿者"), OverviewColumn("ratio", "志愿者比例", fmt.pct),
        OverviewColumn("teams", "服务队"), OverviewColumn("activities", "本季度活动"),
        OverviewColumn("ytd_activities", "年度累计活动"), OverviewColumn("hours", "本季度服务时长", fmt.hours),
        OverviewColumn("served_text", "本季度参加"), OverviewColumn("met_text", "时长达到进度"),
        OverviewColumn("teams_behind", "活动落后的队"), OverviewColumn("meetings", "本季度例会"),
        OverviewColumn("demands_overdue", "逾期需求"), OverviewColumn("pairings_overdue", "逾期结对"),
        OverviewColumn("fails", "未通过项"),
    ),
    overview_chart=lambda frame, units: charts.category_counts(
        frame, category="unit", value="activities", order=units, title="各单位本季度志愿服务活动次数",
        series_name="活动次数"),
)

"""`tracker check`: the checks of docs/rules.md as small pure functions (cf. beancount's validations).

Each check takes a `Context` — the figures of one or more units for the year
up to an as-of date, computed once — and returns `Finding`s. Passes are
findings too, so a report can show what was checked. Levels:
- fail: a rule is broken — a shortfall once the year is over, an ended
  quarter without a meeting, a form not submitted by its deadline, a leader
  not in the leadership, a volunteer who never served, an overdue pairing
  (进行中) or demand (待办理);
- warn: behind pace inside a running year, outside the R2 band, a form
  submitted late, unknown data (members, leadership, 十有 not filled), an
  inactive volunteer to remind, an overdue demand already 办理中;
- pass: met. Per-volunteer and per-record rules give one unit-level pass when
  nobody is flagged, so a city's output stays readable.
A volunteer is named by name only, never by phone or ID number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from tracker import formats as fmt
from tracker.notice import APPLICANT
from tracker.periods import Period
from tracker.privacy import mask_numbers
from tracker.rules import Rules
from tracker.words import LEVELS

RULE_TITLES: dict[str, str] = {
    "volunteer_ratio": "R1 志愿者比例",
    "team_count": "R2 组队数",
    "application_review": "R3 申请审核",
    "training": "R5 定期培训",
    "quarterly_meeting": "R6 季度例会",
    "team_activities": "R8 服务队活动次数",
    "volunteer_hours": "R8 志愿者服务时长",
    "ten_haves": "R9 十有",
    "leader": "R11 队长",
    "themes": "R12 两大行动",
    "deadlines": "R13 报送时限",
    "inactive": "R7 提醒教育",
    "pairing_overdue": "结对帮扶走访",
    "demand_overdue": "群众需求办理",
    "late_entry": "补录登记",
    "daily_hours": "单日时长",
}


@dataclass(frozen=True)
class Finding:
    """One verdict: a rule, its level, where (unit/team/volunteer) and why."""

    rule: str
    level: str  # "pass" | "warn" | "fail"
    unit: str
    message: str  # Chinese, with the explicit date range
    team: str | None = None
    volunteer: str | None = None  # a name, never a phone or ID number
    figures: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `tracker check --json` (figures hold plain values: no deep copy needed)."""
        return {"rule": self.rule, "level": self.level, "unit": self.unit, "team": self.team,
                "volunteer": self.volunteer, "message": self.message, "figures": dict(self.figures)}


@dataclass(frozen=True)
class Context:
    """Everything the checks read, for the units judged at one (year, as-of)."""

    year: int
    as_of: dt.date
    units: tuple[str, ...]
    rules: Rules
    period: Period  # 1 January to as_of
    volunteers: pl.DataFrame  # figures.volunteer_figures(period)
    teams: pl.DataFrame  # figures.team_figures(period)
    unit_figs: pl.DataFrame  # figures.unit_figures(period)
    meetings: pl.DataFrame  # figures.quarterly_meetings(year)
    inactive: pl.DataFrame  # inactive.inactive(as_of)
    demands: pl.DataFrame  # figures.demand_figures(period)
    pairings: pl.DataFrame  # figures.pairing_figures(period)
    roster: pl.DataFrame  # queries.roster_as_of(as_of)
    loads: pl.DataFrame  # unit, kind, day: the form's date (填表日期/--as-of), else its load day
    late_entries: pl.DataFrame  # entries.late_entries(period)
    long_days: pl.DataFrame  # entries.long_days(period)
    overlaps: pl.DataFrame  # entries.overlaps(period)

    @property
    def year_closed(self) -> bool:
        """True once the whole year is in: shortfalls are failures, not lag."""
        return self.as_of >= dt.date(self.year, 12, 31)

    @property
    def share(self) -> float:
        """Elapsed share of the year at as_of."""
        return self.period.days / Period.year(self.year).days


Check = Callable[[Context], list[Finding]]
CHECKS: dict[str, Check] = {}


def check(rule: str) -> Callable[[Check], Check]:
    """Register a check under its rule id (the order of registration is the report order)."""

    def register(fn: Check) -> Check:
        CHECKS[rule] = fn
        return fn

    return register


def _split(
    df: pl.DataFrame, flagged: pl.Expr, **counts: pl.Expr
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """The rows to report, by unit, and per-unit counts (`n` and `counts`), in polars.

    Only flagged rows become Python dicts: a city's passing volunteers never do.
    """
    bad: dict[str, list[dict[str, Any]]] = {}
    for r in df.filter(flagged).to_dicts():
        bad.setdefault(r["unit"], []).append(r)
    summary = {r["unit"]: r for r in df.group_by("unit").agg(n=pl.len(), **counts).to_dicts()}
    return bad, summary


# ---- unit rules -----------------------------------------------------------------------------


@check("volunteer_ratio")
def check_volunteer_ratio(ctx: Context) -> list[Finding]:
    out = []
    need = ctx.rules.volunteer_ratio
    for u in ctx.unit_figs.to_dicts():
        figs = {"volunteers": u["volunteers"], "formal_members": u["formal_members"],
                "ratio": u["ratio"], "required": need}
        head = f"截至 {ctx.as_of}，在册志愿者 {u['volunteers']} 人"
        if u["ratio"] is None:
            out.append(Finding("volunteer_ratio", "warn", u["unit"],
                               f"{head}；缺少正式党员人数（请导入单位表），无法核对不低于 {fmt.pct(need)} 的要求。", figures=figs))
            continue
        text = f"{head}，正式党员 {u['formal_members']} 人，占 {fmt.pct(u['ratio'])}，要求不低于 {fmt.pct(need)}。"
        out.append(Finding("volunteer_ratio", "pass" if u["ratio"] + 1e-9 >= need else "fail",
                           u["unit"], text, figures=figs))
    return out


@check("team_count")
def check_team_count(ctx: Context) -> list[Finding]:
    out = []
    for u in ctx.unit_figs.to_dicts():
        figs = {"teams": u["teams"], "party_members": u["party_members"],
                "band_min": u["band_min"], "band_max": u["band_max"]}
        head = f"截至 {ctx.as_of}，已登记服务队 {u['teams']} 支"
        if u["teams"] == 0:
            level, text = "fail", f"{head}：尚未组建党员志愿服务队。"
        elif u["party_members"] is None:
            level, text = "warn", f"{head}；缺少党员人数（请导入单位表），无法核对组队数。"
        else:
            band = (f"{u['band_min']} 支" if u["band_min"] == u["band_max"]
                    else f"{u['band_min']}—{u['band_max']} 支")
            level = "pass" if u["band_ok"] else "warn"
            text = f"{head}，党员 {u['party_members']} 人，按规定应组建 {band}。"
        out.append(Finding("team_count", level, u["unit"], text, figures=figs))
    return out


@check("training")
def check_training(ctx: Context) -> list[Finding]:
    out = []
    need = ctx.rules.training
    pace = need * ctx.share
    for u in ctx.unit_figs.to_dicts():
        n = u["trainings"]
        figs = {"trainings": n, "required": need, "pace": round(pace, 2)}
        text = f"{ctx.period.label} 组织培训 {n} 次，全年要求不少于 {need} 次"
        if n >= need or (not ctx.year_closed and n + 1e-9 >= pace):
            level = "pass"
        else:
            level = "fail" if ctx.year_closed else "warn"
        if not ctx.year_closed and n < need:
            text += f"（按进度应达 {fmt.hours(pace)} 次）"
        out.append(Finding("training", level, u["unit"], text + "。", figures=figs))
    return out


@check("quarterly_meeting")
def check_quarterly_meeting(ctx: Context) -> list[Finding]:
    out = []
    need = ctx.rules.quarterly_meeting
    for q in ctx.meetings.filter(pl.col("start") <= ctx.as_of).to_dicts():
        ended = q["end"] <= ctx.as_of
        n = q["meetings"]
        figs = {"quarter": q["quarter"], "meetings": n, "required": need, "quarter_ended": ended}
        name = f"{ctx.year}年第{q['quarter']}季度（{q['label']}）"
        if n >= need:
            level, text = "pass", f"{name}召开工作例会 {n} 次。"
        elif ended:
            level, text = "fail", f"{name}召开工作例会 {n} 次，要求每季度至少 {need} 次。"
        else:
            level = "warn"
            text = f"{name}截至 {ctx.as_of} 尚未召开工作例会（要求每季度至少 {need} 次）。"
        out.append(Finding("quarterly_meeting", level, q["unit"], text, figures=figs))
    return out


# ---- team rules -----------------------------------------------------------------------------


@check("team_activities")
def check_team_activities(ctx: Context) -> list[Finding]:
    out = []
    need = ctx.rules.team_activities
    for t in ctx.teams.to_dicts():
        n, target = t["activities"], t["target_activities"]
        figs = {"activities": n, "target": round(target, 2), "required_per_year": need,
                "founded": t["founded"]}
        text = f"{ctx.period.label} 组织志愿服务活动 {n} 次，全年要求不少于 {need} 次"
        if t["founded"] is not None and t["founded"] > ctx.period.start:
            text += f"（{t['founded']} 成立，按比例应达 {fmt.hours(target)} 次）"
        elif not ctx.year_closed:
            text += f"（按进度应达 {fmt.hours(target)} 次）"
        level = "pass" if t["activities_met"] else ("fail" if ctx.year_closed else "warn")
        out.append(Finding("team_activities", level, t["unit"], text + "。", team=t["team"], figures=figs))
    return out


@check("volunteer_hours")
def check_volunteer_hours(ctx: Context) -> list[Finding]:
    out = []
    full = ctx.rules.volunteer_hours
    owing = ctx.volunteers.filter(pl.col("owed_days") > 0)
    level = "fail" if ctx.year_closed else "warn"
    bad, summary = _split(owing, ~pl.col("met"))
    for unit in ctx.units:
        short = bad.get(unit, [])
        for v in short:
            notes = []
            if v["registered"] > ctx.period.start:
                notes.append(f"{v['registered']} 登记，自登记日起计")
            if v["left"] is not None and v["left"] <= ctx.as_of:
                notes.append(f"{v['left']} 退出，计至退出")
            note = f"，{'；'.join(notes)}" if notes else ""
            text = f"{ctx.period.label} 服务 {fmt.hours(v['service_hours'])} 小时，" + (
                f"全年要求不少于 {fmt.hours(full)} 小时。" if ctx.year_closed and not notes
                else f"按进度应达 {fmt.hours(v['target_hours'])} 小时（全年 {fmt.hours(full)} 小时{note}）。"
            )
            figs = {"service_hours": v["service_hours"], "target_hours": round(v["target_hours"], 2),
                    "owed_days": v["owed_days"], "registered": v["registered"], "left": v["left"],
                    "training_hours": v["training_hours"], "meeting_hours": v["meeting_hours"]}
            out.append(Finding("volunteer_hours", level, unit, text, team=v["team"],
                               volunteer=v["name"], figures=figs))
        n = summary.get(unit, {}).get("n", 0)
        if n and not short:
            out.append(Finding("volunteer_hours", "pass", unit,
                               f"{ctx.period.label} {n} 名志愿者服务时长均达到要求（全年 {fmt.hours(full)} 小时，按进度计）。",
                               figures={"volunteers": n}))
    return out


@check("ten_haves")
def check_ten_haves(ctx: Context) -> list[Finding]:
    out = []
    need = ctx.rules.ten_haves
    for t in ctx.teams.to_dicts():
        score = t["ten_score"]
        figs = {"score": score, "required": need, "missing": t["ten_missing"], "unknown": t["ten_unknown"]}
        text = f"截至 {ctx.as_of}，“十有”{score}/10"
        if score >= need:
            level = "pass"
        elif t["ten_missing"] or score + len(t["ten_unknown"]) < need:
            level = "fail"
            text += f"，缺：{'、'.join(t['ten_missing'])}" if t["ten_missing"] else ""
        else:
            level = "warn"
        if t["ten_unknown"] and level != "pass":
            text += f"，未填写：{'、'.join(t['ten_unknown'])}"
        out.append(Finding("ten_haves", level, t["unit"], text + f"（要求 {need} 项）。",
                           team=t["team"], figures=figs))
    return out


def _leader_candidates(ctx: Context) -> pl.DataFrame:
    """Roster rows that may be each team's leader: exact name or number first, else name prefix.

    A prefix match covers 附件3's "负责人姓名及联系方式" cell, e.g. "张晓明 138…".
    """
    teams = ctx.teams.select("unit", "team", pl.col("leader").str.strip_chars())
    pairs = teams.join(
        ctx.roster.select("unit", "vid", "name", "number", "team", "leadership", "active", "status"),
        on="unit", how="inner", suffix="_member",
    )
    exact = (pl.col("name") == pl.col("leader")) | (pl.col("number") == pl.col("leader")).fill_null(False)
    prefix = pl.col("leader").str.starts_with(pl.col("name"))
    return (
        pairs.with_columns(exact=exact, prefix=prefix)
        .filter(pl.col("exact") | pl.col("prefix"))
        .with_columns(best=pl.col("exact").any().over("unit", "team"))
        .filter(pl.col("exact") | ~pl.col("best"))
    )


def _leader_verdict(team: str, leader: str, cands: list[dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
    """(level, text, figures) for one team, given the roster rows that may be its leader."""
    if not leader:
        return "fail", "服务队登记表未填写队长（队长须为领导班子成员）。", {}
    for prefer in (lambda r: r["active"], lambda r: r["team_member"] == team):
        if len(cands) > 1 and any(prefer(r) for r in cands):
            cands = [r for r in cands if prefer(r)]  # a shared name: prefer active, then a member
    if len(cands) > 1:
        names = "、".join(f"{r['name']}（{r['number'] or '无编号'}）" for r in cands)
        return "warn", f"队长“{leader}”在花名册中对应多人：{names}，请在服务队登记表中填写志愿者编号。", {}
    if not cands:
        return "fail", f"队长“{leader}”不在本单位花名册中，无法确认其为领导班子成员。", {}
    r = cands[0]
    figs = {"matched": r["name"], "leadership": r["leadership"]}
    if not r["active"] and r["status"] == APPLICANT:
        return "fail", f"队长 {r['name']} 的申请尚未审核登记，还不是在册志愿者。", figs
    if not r["active"]:
        return "fail", f"队长 {r['name']} 已不在册（已退出），请更新服务队登记表。", figs
    if r["leadership"] is None:
        return "warn", f"队长 {r['name']} 在花名册中未填写“是否班子成员”，无法确认其为领导班子成员。", figs
    if r["leadership"]:
        return "pass", f"队长 {r['name']} 为领导班子成员。", figs
    return "fail", f"队长 {r['name']} 不是领导班子成员（要求队长由领导班子成员担任）。", figs


@check("leader")
def check_leader(ctx: Context) -> list[Finding]:
    out = []
    cands: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in _leader_candidates(ctx).to_dicts():
        cands.setdefault((r["unit"], r["team"]), []).append(r)
    for t in ctx.teams.select("unit", "team", "leader").iter_rows(named=True):
        leader = mask_numbers((t["leader"] or "").strip())  # 附件3's cell may carry a phone
        level, text, figs = _leader_verdict(t["team"], leader, cands.get((t["unit"], t["team"]), []))
        out.append(Finding("leader", level, t["unit"], f"截至 {ctx.as_of}，{text}", team=t["team"],
                           figures={"leader": leader or None, **figs}))
    return out


@check("themes")
def check_themes(ctx: Context) -> list[Finding]:
    out = []
    main = "、".join(ctx.rules.themes)
    for t in ctx.teams.to_dicts():
        missing = t["themes_missing"]
        figs = {"themes": t["themes"], "missing": missing, "required": list(ctx.rules.themes)}
        if not missing:
            level, text = "pass", f"{ctx.period.label} 活动已覆盖{main}。"
        else:
            level = "fail" if ctx.year_closed else "warn"
            text = f"{ctx.period.label} 尚无“{'、'.join(missing)}”主题的志愿服务活动（每年须覆盖{main}）。"
        out.append(Finding("themes", level, t["unit"], text, team=t["team"], figures=figs))
    return out


# ---- deadlines, people and registers ---------------------------------------------------------

_FORMS = {"forms": (("roster", "花名册"), ("teams", "服务队登记表")), "summary": (("units", "组队情况汇总表"),)}


@check("deadlines")
def check_deadlines(ctx: Context) -> list[Finding]:
    out = []
    start = dt.date(ctx.year, 1, 1)
    firsts = {
        (u, kind): day
        for u, kind, day in ctx.loads.filter(pl.col("day").is_between(start, ctx.as_of))
        .group_by("unit", "kind").agg(pl.col("day").min()).iter_rows()
    }
    for unit in ctx.units:
        for which, forms in _FORMS.items():
            due = ctx.rules.deadline(which, ctx.year)
            days = {label: firsts.get((unit, kind)) for kind, label in forms}
            on_time = all(d is not None and d <= due for d in days.values())
            if not on_time and ctx.as_of <= due:
                continue  # not yet due: judged once the date has passed
            parts = [f"{label}{'未报送' if d is None else f' {d} 报送' + ('（逾期）' if d > due else '')}"
                     for label, d in days.items()]
            text = f"{'、'.join(label for label in days)}应于 {due} 前报送：{'，'.join(parts)}。"
            level = "pass" if on_time else ("fail" if None in days.values() else "warn")
            out.append(Finding("deadlines", level, unit, text,
                               figures={"which": which, "deadline": due, "loaded": days}))
    return out


@check("inactive")
def check_inactive(ctx: Context) -> list[Finding]:
    out = []
    bad, summary = _split(ctx.inactive, pl.col("state") == "inactive",
                          new=(pl.col("state") == "new").sum())
    for unit in ctx.units:
        flagged = bad.get(unit, [])
        for r in flagged:
            level = "fail" if r["reason"] == "never_served" else "warn"
            out.append(Finding(
                "inactive", level, unit, f"截至 {ctx.as_of}：{r['reason_text']}，列入提醒教育名单。",
                team=r["team"], volunteer=r["name"],
                figures={"reasons": r["reasons"], "last_service": r["last_service"],
                         "days_since": r["days_since"], "ytd_hours": r["ytd_hours"],
                         "ytd_target": round(r["ytd_target"], 2), "registered": r["registered"]},
            ))
        if not flagged:
            n, new = summary.get(unit, {}).get("n", 0), summary.get(unit, {}).get("new", 0)
            out.append(Finding("inactive", "pass", unit,
                               f"截至 {ctx.as_of}，{n} 名在册志愿者无需提醒教育"
                               f"（其中新志愿者 {new} 名）。", figures={"volunteers": n, "new": new}))
    return out


@check("application_review")
def check_application_review(ctx: Context) -> list[Finding]:
    """R3 (三.1): an application (附件1) is reviewed, then registered; one waiting longer than
    `application_review_days` is a reminder. Applicants never count as volunteers before that."""
    out = []
    days = ctx.rules.application_review_days
    waiting = ctx.roster.filter((pl.col("status") == APPLICANT) & pl.col("applied").is_not_null()).with_columns(
        waited=(pl.lit(ctx.as_of) - pl.col("applied")).dt.total_days())
    bad, summary = _split(waiting, pl.col("waited") > days)
    for unit in ctx.units:
        late = bad.get(unit, [])
        for r in late:
            out.append(Finding(
                "application_review", "warn", unit,
                f"{r['applied']} 提交申请登记表，截至 {ctx.as_of} 已等待 {r['waited']} 天未审核（应在 {days} 天内"
                "审核；审核通过后用 tracker review --approve 登记）。",
                volunteer=r["name"], figures={"applied": r["applied"], "days_waiting": r["waited"],
                                              "limit_days": days}))
        if not late:
            n = summary.get(unit, {}).get("n", 0)
            out.append(Finding("application_review", "pass", unit,
                               f"截至 {ctx.as_of}，没有等待审核超过 {days} 天的申请（待审核 {n} 人）。",
                               figures={"waiting": n, "limit_days": days}))
    return out


@check("pairing_overdue")
def check_pairing_overdue(ctx: Context) -> list[Finding]:
    out = []
    days = ctx.rules.pairing_overdue_days
    bad, summary = _split(ctx.pairings, pl.col("overdue"), ongoing=pl.col("ongoing").sum())
    for unit in ctx.units:
        late = bad.get(unit, [])
        for r in late:
            level = "warn" if r["status"] is None else "fail"
            note = "（结对状态未填写，如已结束请登记“已结束”）" if r["status"] is None else ""
            out.append(Finding(
                "pairing_overdue", level, unit,
                f"结对 {r['pair_id']}（帮扶对象 {r['recipient']}）截至 {ctx.as_of} 已 {r['days_since']} 天未走访"
                f"（最近一次 {r['last_visit']}，要求不超过 {days} 天）{note}。",
                volunteer=r["volunteer"],
                figures={"pair_id": r["pair_id"], "last_visit": r["last_visit"],
                         "days_since": r["days_since"], "status": r["status"]},
            ))
        if not late:
            ongoing = summary.get(unit, {}).get("ongoing", 0)
            out.append(Finding("pairing_overdue", "pass", unit,
                               f"截至 {ctx.as_of}，{ongoing} 个进行中的结对均在 {days} 天内走访。",
                               figures={"pairings": ongoing}))
    return out


@check("demand_overdue")
def check_demand_overdue(ctx: Context) -> list[Finding]:
    out = []
    days = ctx.rules.demand_overdue_days
    bad, summary = _split(ctx.demands, pl.col("overdue"), open=(~pl.col("is_closed")).sum())
    for unit in ctx.units:
        late = bad.get(unit, [])
        for r in late:
            level = "warn" if r["status"] == "办理中" else "fail"
            out.append(Finding(
                "demand_overdue", level, unit,
                f"群众需求 {r['demand_id']}（{r['received']} 登记）截至 {ctx.as_of} 状态为“{r['status']}”，"
                f"已 {r['days_open']} 天未办结（要求 {days} 天内）。",
                team=r["team"],
                figures={"demand_id": r["demand_id"], "received": r["received"],
                         "days_open": r["days_open"], "status": r["status"]},
            ))
        if not late:
            n, open_ = summary.get(unit, {}).get("n", 0), summary.get(unit, {}).get("open", 0)
            out.append(Finding("demand_overdue", "pass", unit,
                               f"截至 {ctx.as_of}，无逾期未办结的群众需求（未办结 {open_} 件，均在 {days} 天内）。",
                               figures={"demands": n, "open": open_}))
    return out


# ---- how the ledgers were kept ---------------------------------------------------------------

LISTED = 5  # rows named in one finding


@check("late_entry")
def check_late_entry(ctx: Context) -> list[Finding]:
    """Records entered more than `late_entry_days` after their date (补录), one finding per file."""
    days, out = ctx.rules.late_entry_days, []
    for (unit, file_name), rows in ctx.late_entries.group_by("unit", "file_name", maintain_order=True):
        named = "、".join(f"第{r['src_row']}行 {r['date']} {r['title']}（{r['late']}天后）"
                         for r in rows.head(LISTED).with_columns(
                             pl.col("entered").sub(pl.col("date")).dt.total_days().alias("late")).to_dicts())
        more = f"等 {rows.height} 条" if rows.height > LISTED else ""
        out.append(Finding("late_entry", "warn", unit,
                           f"{file_name}：{named}{more}在活动后超过 {days} 天才登记（补录），请核实记录是否真实完整。",
                           figures={"file": file_name, "rows": rows.height}))
    entered = set(ctx.late_entries["unit"].to_list())
    out += [Finding("late_entry", "pass", u, f"{ctx.period.start} 至 {ctx.as_of} 的记录都在活动后 {days} 天内登记。")
            for u in ctx.units if u not in entered]
    return out


def _timed(r: dict, i: int) -> str:
    """One of two overlapping activities: “title” 09:00—11:30（file 第N行）."""
    return (f"“{r[f'title_{i}']}” {r[f'starts_{i}']:%H:%M}—{r[f'ends_{i}']:%H:%M}"
            f"（{r[f'file_{i}']} 第{r[f'row_{i}']}行）")


@check("daily_hours")
def check_daily_hours(ctx: Context) -> list[Finding]:
    """A volunteer's day of more than `max_daily_hours`, or two activities whose times overlap."""
    most, out = ctx.rules.max_daily_hours, []
    for r in ctx.long_days.to_dicts():
        out.append(Finding("daily_hours", "warn", r["unit"],
                           f"{r['name']} {r['date']} 一天记录了 {fmt.hours(r['hours'])} 小时，超过 {fmt.hours(most)} 小时"
                           f"（{'、'.join(r['sources'][:LISTED])}），请核对时长。", volunteer=r["name"],
                           figures={"date": r["date"], "hours": r["hours"]}))
    for r in ctx.overlaps.to_dicts():
        out.append(Finding("daily_hours", "warn", r["unit"],
                           f"{r['name']} {r['date']} 的两项活动时间重叠：{_timed(r, 1)}与{_timed(r, 2)}，"
                           "同一时间只能在一处服务。",
                           volunteer=r["name"], figures={"date": r["date"]}))
    flagged = set(ctx.long_days["unit"].to_list()) | set(ctx.overlaps["unit"].to_list())
    out += [Finding("daily_hours", "pass", u, f"没有人一天超过 {fmt.hours(most)} 小时，也没有时间重叠的活动。")
            for u in ctx.units if u not in flagged]
    return out


# ---- running ---------------------------------------------------------------------------------


def sort_findings(findings: list[Finding]) -> list[Finding]:
    order = {r: i for i, r in enumerate(RULE_TITLES)}
    return sorted(findings, key=lambda f: (f.unit, LEVELS.index(f.level), order.get(f.rule, 99),
                                           f.team or "", f.volunteer or ""))

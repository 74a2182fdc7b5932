"""Year-end commendation candidates and points, from the year's figures and the rules file's
`[awards]` and `[points]` (docs/awards.md).

Candidates are ranked by service hours (as the star rating counts them), then activities; those
who qualify are proposed up to the quota — a share of the unit's registered volunteers (or teams),
rounded down, at least one — counted per unit or, with `quota_over = "district"`, over all units of
the same 上级单位. Everyone considered is listed, the excluded with their reason.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from tracker import formats as fmt
from tracker.assess.assessment import Assessment
from tracker.award_rules import AwardRule
from tracker.periods import Period
from tracker.store import queries


def _year(a: Assessment, year: int) -> Period:
    return Period(dt.date(year, 1, 1), min(dt.date(year, 12, 31), a.today))


def candidates(a: Assessment, year: int, rule: AwardRule) -> pl.DataFrame:
    """Everyone the award considers: unit, vid/team, name, team, hours, activities, years, stars, rank,
    excluded (a reason, or null when proposed), and for teams members, members_met, share."""
    out = _teams(a, year, rule) if rule.scope == "team" else _people(a, year, rule)
    return _quota(a, out, rule)


def _people(a: Assessment, year: int, rule: AwardRule) -> pl.DataFrame:
    period = _year(a, year)
    v = a.over(period).volunteers.filter(pl.col("active"))
    mid = Period(period.start, min(dt.date(year, 6, 30), period.end))
    reminded = a.over(mid).inactive.filter(pl.col("state") == "inactive")["vid"]
    years = ((pl.lit(period.end) - pl.col("registered")).dt.total_days() / 365.25).round(1)
    v = v.with_columns(years.alias("years"), pl.col("vid").is_in(reminded.implode()).alias("reminded"),
                       pl.col("service_hours").round(2).alias("hours"))
    why = (pl.when(pl.col("hours") < rule.min_hours)
           .then(pl.format("服务时长 {} 小时，不足 {} 小时", fmt.hours_expr(pl.col("hours")), pl.lit(fmt.hours(rule.min_hours))))
           .when(pl.col("activities") < rule.min_activities)
           .then(pl.format("服务活动 {} 次，不足 {} 次", pl.col("activities"), pl.lit(rule.min_activities)))
           .when(pl.col("years") < rule.min_years)
           .then(pl.format("登记 {} 年，不足 {} 年", pl.col("years"), pl.lit(fmt.num(rule.min_years, 1))))
           .when(pl.lit(rule.exclude_reminded) & pl.col("reminded"))
           .then(pl.lit(f"列入 {year} 年年中提醒教育名单")))
    return v.select("unit", "vid", "number", "name", "team", "hours", "activities", "years", "stars",
                    why.alias("excluded"))


def _teams(a: Assessment, year: int, rule: AwardRule) -> pl.DataFrame:
    t = a.over(_year(a, year)).teams
    share = pl.when(pl.col("members") > 0).then((pl.col("members_met") / pl.col("members")).round(2)).otherwise(0.0)
    t = t.with_columns(share.alias("share"), pl.col("hours").round(2))
    why = (pl.when(pl.col("members") < rule.min_members)
           .then(pl.format("在册队员 {} 人，不足 {} 人", pl.col("members"), pl.lit(rule.min_members)))
           .when(pl.col("activities") < rule.min_activities)
           .then(pl.format("志愿服务活动 {} 次，不足 {} 次", pl.col("activities"), pl.lit(rule.min_activities)))
           .when(pl.col("share") < rule.min_active_share)
           .then(pl.format("达标队员占 {}，不足 {}", (pl.col("share") * 100).round(0).cast(pl.Int64).cast(pl.String) + "%",
                           pl.lit(f"{rule.min_active_share:.0%}")))
           .when(pl.col("hours") < rule.min_hours)
           .then(pl.format("服务时长 {} 小时，不足 {} 小时", fmt.hours_expr(pl.col("hours")),
                           pl.lit(fmt.hours(rule.min_hours)))))
    return t.select("unit", pl.lit(None, pl.Int32).alias("vid"), pl.lit(None, pl.String).alias("number"),
                    pl.col("team").alias("name"), "team", "hours", "activities", pl.lit(None, pl.Float64).alias("years"),
                    pl.lit(None, pl.Int64).alias("stars"), "members", "members_met", "share", why.alias("excluded"))


def _quota(a: Assessment, df: pl.DataFrame, rule: AwardRule) -> pl.DataFrame:
    """Rank the qualified per quota group and exclude those past the quota (said with their rank)."""
    parents = queries.unit_parents(a.con)
    group = (pl.col("unit").replace_strict(parents, default=None).fill_null(pl.col("unit"))
             if rule.quota_over == "district" else pl.col("unit"))
    df = df.with_columns(group.alias("__group"), pl.col("excluded").is_null().alias("__ok")).sort(
        ["__group", "__ok", "hours", "activities", "name"], descending=[False, True, True, True, False])
    # the quota: a share of the group's registered volunteers (or teams), rounded down, at least one
    df = df.with_columns(pl.max_horizontal(pl.lit(1), (pl.len().over("__group") * rule.quota).floor()
                                           .cast(pl.Int64)).alias("quota"),
                         pl.when(pl.col("__ok")).then(pl.col("__ok").cast(pl.Int64).cum_sum().over("__group"))
                         .alias("rank"))
    over = pl.col("__ok") & (pl.col("rank") > pl.col("quota"))
    df = df.with_columns(pl.when(over).then(pl.format("符合条件，排名第 {}，超出名额（{} 名）", pl.col("rank"), pl.col("quota")))
                         .otherwise(pl.col("excluded")).alias("excluded"))
    return df.drop("__group", "__ok").with_columns(pl.lit(rule.name).alias("award"))


def points(a: Assessment, period: Period) -> pl.DataFrame:
    """Each registered volunteer's points of the period (rules `[points]`), ranked per unit: unit, vid,
    number, name, team, hours, points, rank, and how they were earned (by_hours, by_activities,
    by_visits, by_demands, missed_meetings (deducted), deducted)."""
    p = a.rules.points
    figs = a.over(period)
    v = figs.volunteers.filter(pl.col("active"))
    per_kind = dict(p.per_activity)
    if per_kind:
        kinds = figs.parts.group_by("vid", "kind").agg(pl.len().alias("n")).with_columns(
            pl.col("kind").replace_strict(per_kind, default=0.0, return_dtype=pl.Float64).alias("__each"))
        by_kind = kinds.group_by("vid").agg((pl.col("n") * pl.col("__each")).sum().alias("by_activities"))
    else:
        by_kind = pl.DataFrame(schema={"vid": pl.Int32, "by_activities": pl.Float64})
    closed = (figs.demands.filter(pl.col("closed_in_period") & pl.col("team").is_not_null())
              .group_by("unit", "team").agg(pl.len().alias("__closed")))
    meetings = figs.units.select("unit", pl.col("meetings").alias("__held"))
    v = (v.join(by_kind, on="vid", how="left").join(closed, on=["unit", "team"], how="left")
         .join(meetings, on="unit", how="left"))
    missed = (pl.col("__held").fill_null(0) - pl.col("meetings").fill_null(0)).clip(lower_bound=0)
    v = v.with_columns(
        (pl.col("service_hours") * p.per_hour).round(2).alias("by_hours"),
        pl.col("by_activities").fill_null(0.0).round(2),
        (pl.col("pairing_visits").fill_null(0) * p.per_pairing_visit).round(2).alias("by_visits"),
        (pl.col("__closed").fill_null(0) * p.per_demand_closed).round(2).alias("by_demands"),
        missed.alias("missed_meetings"),
        (missed * p.per_missed_meeting).round(2).alias("deducted"),
    )
    total = (pl.col("by_hours") + pl.col("by_activities") + pl.col("by_visits") + pl.col("by_demands")
             - pl.col("deducted")).round(2)
    v = v.with_columns(total.alias("points"), pl.col("service_hours").round(2).alias("hours"))
    v = v.sort(["unit", "points", "hours", "name"], descending=[False, True, True, False])
    v = v.with_columns(pl.col("points").rank("min", descending=True).over("unit").cast(pl.Int64).alias("rank"))
    return v.select("unit", "rank", "vid", "number", "name", "team", "hours", "points", "by_hours", "by_activities",
                    "by_visits", "by_demands", "missed_meetings", "deducted")

"""The inactive rule (R7, docs/rules.md "Inactive volunteers"): one definition, used by check and every report.

As of date D (default: the end of the last month of activities loaded for the
unit, so ledger lag does not flag people falsely), a volunteer registered and
not withdrawn at D is inactive when
  (a) `never_served`: no service recorded since registration (and no 历史服务时长),
  (b) `no_recent_service`: no service for more than `inactive_days` days,
  (c) `behind_pace`: hours from 1 January (or registration) to D below
      `volunteer_hours` × the elapsed share of the year.
(b) is implied by (a) and not repeated. Volunteers registered after
D − `new_volunteer_days` are "new", never inactive.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker import formats as fmt
from tracker.assess.figures import volunteer_figures
from tracker.periods import Period
from tracker.rules import DEFAULTS, Rules
from tracker.store.queries import Units

REASONS: dict[str, str] = {
    "never_served": "登记以来从未参加志愿服务",
    "no_recent_service": "近期没有参加志愿服务",
    "behind_pace": "年度服务时长落后于进度",
}

STATES = {"active": "正常", "inactive": "需提醒", "new": "新志愿者"}


def inactive(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    unit: Units = None,
    rules: Rules = DEFAULTS,
    *,
    volunteers: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every volunteer registered and not withdrawn at `as_of`, with their state.

    Columns: unit, team, vid, number, name, registered, state ("active",
    "inactive", "new"), reasons (list of codes, see `REASONS`), reason (the
    first code or null), reason_text (Chinese, with the figures and dates),
    last_service, days_since (null if never), ytd_hours, ytd_target, as_of.
    Pass `volunteers` = `volunteer_figures` for 1 January to `as_of` if at hand.
    """
    period = Period.year_to_date(as_of)
    if volunteers is None:
        volunteers = volunteer_figures(con, period, unit, rules)
    new_after = as_of - dt.timedelta(days=rules.new_volunteer_days)
    days = (pl.lit(as_of) - pl.col("last_service")).dt.total_days()
    df = volunteers.filter("active").with_columns(
        days_since=days,
        ytd_hours=pl.col("service_hours"),
        ytd_target=pl.col("target_hours"),
        is_new=pl.col("registered") > new_after,
    )
    never = pl.col("last_service").is_null() & (pl.col("prior_hours") <= 0)
    no_recent = ~never & (
        pl.col("last_service").is_null() | (pl.col("days_since") > rules.inactive_days)
    )
    behind = pl.col("ytd_hours") + 1e-9 < pl.col("ytd_target")
    reg = pl.col("registered").cast(pl.String)
    texts = {
        "never_served": pl.format("自登记（{}）至 {} 从未参加志愿服务", reg, pl.lit(as_of.isoformat())),
        "no_recent_service": pl.when(pl.col("last_service").is_null())
        .then(pl.format("截至 {} 没有服务记录（超过 {} 天）", pl.lit(as_of.isoformat()), pl.lit(rules.inactive_days)))
        .otherwise(
            pl.format(
                "已 {} 天没有参加志愿服务（最近一次 {}，超过 {} 天）",
                pl.col("days_since"), pl.col("last_service").cast(pl.String), pl.lit(rules.inactive_days),
            )
        ),
        "behind_pace": pl.format(
            "{} 至 {} 服务 {} 小时，低于按进度应达的 {} 小时（全年 {} 小时）",
            pl.max_horizontal(pl.lit(period.start), pl.col("registered")).cast(pl.String),
            pl.lit(as_of.isoformat()), fmt.hours_expr(pl.col("ytd_hours")), fmt.hours_expr(pl.col("ytd_target")),
            pl.lit(fmt.hours(rules.volunteer_hours)),
        ),
    }
    flags = {"never_served": never, "no_recent_service": no_recent, "behind_pace": behind}
    exempt = pl.col("is_new")
    reasons = pl.concat_list(
        [pl.when(f & ~exempt).then(pl.lit(code)) for code, f in flags.items()]
    ).list.drop_nulls()
    text = pl.concat_str(
        [pl.when(f & ~exempt).then(texts[code]) for code, f in flags.items()],
        separator="；", ignore_nulls=True,
    )
    return (
        df.with_columns(reasons=reasons, reason_text=text)
        .with_columns(
            reason=pl.col("reasons").list.first(),
            state=pl.when(exempt).then(pl.lit("new"))
            .when(pl.col("reasons").list.len() > 0).then(pl.lit("inactive"))
            .otherwise(pl.lit("active")),
            reason_text=pl.when(pl.col("reasons").list.len() > 0).then("reason_text"),
            as_of=pl.lit(as_of),
        )
        .select(
            "unit", "team", "vid", "number", "name", "registered", "state", "reasons", "reason",
            "reason_text", "last_service", "days_since", "ytd_hours", "ytd_target", "as_of",
        )
        .sort("unit", "team", "vid", nulls_last=True)
    )

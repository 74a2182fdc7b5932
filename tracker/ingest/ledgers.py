"""The three registers of work done: activities, demands, pairing visits.

Each row is dated, so a file covers months. Without --replace, a record that
is already stored is a duplicate (reported with the original's file:row);
with --replace, the unit's records of that kind in the months the file covers
are swapped for the file's, in the same transaction.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.assess.periods import month_end, month_end_of
from tracker.ingest.pipeline import (
    FileContext,
    Prepared,
    check_dates,
    check_hours,
    duplicate_rows,
    preparer,
)
from tracker.ingest.read import ROW
from tracker.ingest.registers import insert_frame
from tracker.ingest.resolve import (
    explode_participants,
    match_people,
    resolve_teams,
    team_lookup,
    unit_people,
)
from tracker.ingest.validate import problems_where
from tracker.store.queries import frame
from tracker.values import fmt_number

ACTIVITY_FIELDS = ["kind", "theme", "place", "beneficiary", "content", "lead", "recorder", "note"]


def _months(ctx: FileContext, typed: pl.DataFrame, column: str) -> list[str]:
    """The months a file covers: --month, else every month from its first date to its last
    (a month without a row inside that span is a month with nothing to record, not a gap)."""
    if ctx.opts.month:
        return [ctx.opts.month]
    dates = typed[column].drop_nulls()
    if dates.is_empty():
        return []
    first, last = dates.min().replace(day=1), dates.max().replace(day=1)
    return pl.date_range(first, last, "1mo", eager=True).dt.strftime("%Y-%m").to_list()


def _units(typed: pl.DataFrame) -> list[str]:
    return sorted(typed["unit"].drop_nulls().unique().to_list())


def backfill_reference(ctx: FileContext) -> dt.date:
    """Entries dated more than N working days (rules) before the upload month's end are back-filled."""
    if ctx.opts.month:
        return month_end_of(ctx.opts.month)
    return month_end(ctx.file_date.year, ctx.file_date.month)


def _backfilled(ctx: FileContext, column: str) -> pl.Expr:
    ref = backfill_reference(ctx)
    return pl.business_day_count(pl.col(column), pl.lit(ref)) > ctx.opts.due_working_days


def _replace_filter(ctx: FileContext, units: list[str], months: list[str], column: str) -> tuple[str, list]:
    return (
        f"unit IN (SELECT unnest(?::VARCHAR[])) AND strftime({column}, '%Y-%m') IN (SELECT unnest(?::VARCHAR[]))",
        [units, months],
    )


def _report_stored_duplicates(ctx: FileContext, dups: pl.DataFrame, header: str, value: str, what: str) -> None:
    ctx.add_frame(problems_where(
        dups, pl.lit(True), header, value,
        pl.format(what + "已导入过（原记录：{} 第{}行）；如需更正整月数据请加 --replace",
                  pl.col("__orig_file"), pl.col("__orig_row"))))


# ---------------------------------------------------------------- activities

@preparer("activities")
def prepare_activities(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    typed = typed.with_columns(pl.col("kind").fill_null("志愿服务"))
    check_dates(ctx, typed, "date", "日期", in_month=True)
    check_hours(ctx, typed, "hours", "服务时长")
    typed, problems = resolve_teams(typed, team_lookup(con), "team", "服务队")
    ctx.add_frame(problems)
    units, months = _units(typed), _months(ctx, typed, "date")
    key = ["unit", "team", "date", "title"]
    tokens = explode_participants(typed.filter(pl.col("participants").is_not_null()), [*key, "hours"])
    tokens, problems = match_people(tokens, unit_people(con, units), "参加人员")
    ctx.add_frame(problems)
    parts = tokens.filter(pl.col("vid").is_not_null())
    ok = parts.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in [*key, "hours"]]))
    # a repeated participant rejects the file, so what reaches the write is unique
    ctx.add_frame(duplicate_rows(ok, [*key, "vid"], "参加人员", "token", "同一活动的同一参加人员"))

    replacing = ctx.opts.replace
    stored = frame(con, f"""
        SELECT a.aid, a.unit, a.team, a.date, a.title, p.vid, p.hours, l.file_name AS __orig_file,
               p.src_row AS __orig_row
        FROM activities a JOIN participations p USING (aid) LEFT JOIN loads l ON l.load_id = p.load_id
        WHERE a.unit IN (SELECT unnest(?::VARCHAR[])) AND a.date IN (SELECT unnest(?::DATE[]))
        {"AND strftime(a.date, '%Y-%m') NOT IN (SELECT unnest(?::VARCHAR[]))" if replacing else ""}
        """, [units, ok["date"].unique().to_list(), *([months] if replacing else [])])
    dups = ok.join(stored.select(*key, "vid", "__orig_file", "__orig_row"), on=[*key, "vid"], how="inner")
    _report_stored_duplicates(ctx, dups, "参加人员", "token", "这条参加记录")

    # one person's day over 24 hours (this file plus what is stored for those days)
    day = pl.concat([
        ok.select("unit", "vid", "date", "hours", pl.col(ROW), pl.col("token")),
        stored.select("unit", "vid", "date", "hours", pl.lit(None, pl.Int64).alias(ROW),
                      pl.lit(None, pl.String).alias("token")),
    ], how="vertical_relaxed").with_columns(pl.col("hours").sum().over("unit", "vid", "date").alias("__day"))
    over = day.filter(pl.col(ROW).is_not_null() & (pl.col("__day") > 24)).unique(["unit", "vid", "date"])
    ctx.add_frame(problems_where(over, pl.lit(True), "参加人员", "token",
                                 pl.format("此人当天累计服务 {} 小时，超过24小时", fmt_number(pl.col("__day")))))

    rows = typed
    activities = (
        typed.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in key])).sort(ROW)
        .group_by(key, maintain_order=True)
        .agg([pl.col(f).first() for f in ACTIVITY_FIELDS] + [pl.col(ROW).first().alias("src_row")])
        .with_columns(_backfilled(ctx, "date").alias("backfilled"))
    )

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        removed = 0
        if replacing:
            where, params = _replace_filter(ctx, units, months, "date")
            removed = con.execute(f"SELECT count(*) FROM activities WHERE {where}", params).fetchall()[0][0]
            con.execute(f"DELETE FROM participations WHERE aid IN (SELECT aid FROM activities WHERE {where})", params)
            con.execute(f"DELETE FROM activities WHERE {where}", params)
        existing = frame(con, """
            SELECT aid, unit, team, date, title FROM activities
            WHERE unit IN (SELECT unnest(?::VARCHAR[])) AND date IN (SELECT unnest(?::DATE[]))""",
                         [units, activities["date"].unique().to_list()])
        acts = activities.join(existing, on=key, how="left")
        fresh = acts.filter(pl.col("aid").is_null())
        ids = frame(con, "SELECT nextval('activity_seq') AS aid FROM range(?)", [fresh.height])["aid"]
        fresh = fresh.with_columns(ids.cast(pl.Int64).alias("aid"))
        insert_frame(con, "activities", fresh.select(
            "aid", *key, *ACTIVITY_FIELDS, "backfilled", pl.lit(load_id).alias("load_id"), "src_row"))
        all_aids = pl.concat([acts.filter(pl.col("aid").is_not_null()).select(*key, "aid"),
                              fresh.select(*key, "aid")], how="vertical_relaxed")
        p = ok.join(all_aids, on=key, how="inner").select(
            "aid", "vid", "hours", pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row"))
        insert_frame(con, "participations", p)
        out = {"活动": fresh.height, "参加记录": p.height, "补录": int(fresh["backfilled"].sum())}
        if replacing:
            out["替换掉的原活动"] = removed
        return out

    counts = {"活动": activities.height, "参加记录": ok.height, "服务时长": round(float(ok["hours"].sum()), 1)}
    return Prepared(rows, units, months, write, counts)


# ---------------------------------------------------------------- demands

DEMAND_FIELDS = ["received", "requester", "phone", "content", "category", "team", "status", "closed",
                 "activity", "rating"]


@preparer("demands")
def prepare_demands(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    check_dates(ctx, typed, "received", "登记日期", in_month=False)
    check_dates(ctx, typed, "closed", "办结日期", in_month=False)
    ctx.add_frame(problems_where(typed, (pl.col("status") == "已办结") & pl.col("closed").is_null(), "办结日期",
                                 None, "状态为已办结时请填写办结日期"))
    ctx.add_frame(problems_where(typed, pl.col("closed") < pl.col("received"), "办结日期",
                                 pl.col("closed").cast(pl.String), "办结日期早于登记日期"))
    ctx.add_frame(duplicate_rows(typed, ["unit", "demand_id"], "需求编号", "demand_id", "需求编号"))
    if typed["team"].null_count() < typed.height:
        typed, problems = resolve_teams(typed, team_lookup(con), "team", "承接服务队")
        ctx.add_frame(problems)
    units, months = _units(typed), _months(ctx, typed, "received")
    rows = typed.select("unit", "demand_id", *DEMAND_FIELDS, ROW)

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        if ctx.opts.replace:
            where, params = _replace_filter(ctx, units, months, "received")
            con.execute(f"""DELETE FROM demand_history WHERE (unit, demand_id) IN
                            (SELECT (unit, demand_id) FROM demands WHERE {where})""", params)
            con.execute(f"DELETE FROM demands WHERE {where}", params)
        fp = pl.concat_str([pl.col(c).cast(pl.String).fill_null("∅") for c in DEMAND_FIELDS], separator="\x1f")
        cur = frame(con, f"SELECT unit, demand_id, status AS __old_status, {', '.join(DEMAND_FIELDS)} FROM demands")
        cur = cur.with_columns(fp.alias("__cur_fp")).select("unit", "demand_id", "__old_status", "__cur_fp")
        m = rows.with_columns(fp.alias("__fp")).join(cur, on=["unit", "demand_id"], how="left")
        new = m.filter(pl.col("__cur_fp").is_null())
        changed = m.filter(pl.col("__cur_fp").is_not_null() & (pl.col("__fp") != pl.col("__cur_fp")))
        if changed.height:
            con.register("__chg", changed.select("unit", "demand_id").to_arrow())
            con.execute("DELETE FROM demands WHERE (unit, demand_id) IN (SELECT (unit, demand_id) FROM __chg)")
            con.unregister("__chg")
        upd = pl.concat([new, changed]).with_columns(pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row"))
        insert_frame(con, "demands", upd.select("unit", "demand_id", *DEMAND_FIELDS, "load_id", "src_row"))
        moved = upd.filter(pl.col("__old_status").is_null() | (pl.col("__old_status") != pl.col("status")))
        changed_on = pl.when((pl.col("status") == "已办结") & pl.col("closed").is_not_null()).then(pl.col("closed"))
        changed_on = changed_on.when(pl.col("__old_status").is_null()).then(pl.col("received"))
        insert_frame(con, "demand_history", moved.select(
            "unit", "demand_id", "status", changed_on.otherwise(pl.lit(ctx.file_date)).alias("changed_on"),
            "load_id"))
        return {"新需求": new.height, "状态或内容更新": changed.height,
                "无变化": rows.height - new.height - changed.height}

    return Prepared(rows, units, months, write, {"需求": rows.height})


# ---------------------------------------------------------------- pairings

@preparer("pairings")
def prepare_pairings(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    check_dates(ctx, typed, "date", "日期", in_month=True)
    check_hours(ctx, typed, "hours", "服务时长")
    units, months = _units(typed), _months(ctx, typed, "date")
    tokens = typed.select(ROW, "unit", pl.col("volunteer").str.replace_all(r"[\s\u3000]", "").alias("token"))
    tokens = tokens.filter(pl.col("token").is_not_null())
    people, problems = match_people(tokens, unit_people(con, units), "志愿者")
    ctx.add_frame(problems)
    typed = typed.join(people.select(ROW, "vid"), on=ROW, how="left")
    typed = typed.with_columns(
        pl.col("pair_id").fill_null(pl.concat_str([pl.col("volunteer"), pl.col("recipient")], separator="-"))
    )
    ctx.add_frame(duplicate_rows(typed, ["unit", "pair_id", "date"], "日期", "pair_id", "同一结对同一天的走访"))
    replacing = ctx.opts.replace
    stored = frame(con, f"""
        SELECT v.unit, v.pair_id, v.date, l.file_name AS __orig_file, v.src_row AS __orig_row
        FROM pairing_visits v LEFT JOIN loads l USING (load_id)
        WHERE v.unit IN (SELECT unnest(?::VARCHAR[]))
        {"AND strftime(v.date, '%Y-%m') NOT IN (SELECT unnest(?::VARCHAR[]))" if replacing else ""}
        """, [units, *([months] if replacing else [])])
    dups = typed.join(stored, on=["unit", "pair_id", "date"], how="inner")
    _report_stored_duplicates(ctx, dups, "日期", "pair_id", "这次结对走访")
    rows = typed.filter(pl.col("vid").is_not_null()).with_columns(_backfilled(ctx, "date").alias("backfilled"))

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        if replacing:
            where, params = _replace_filter(ctx, units, months, "date")
            con.execute(f"DELETE FROM pairing_visits WHERE {where}", params)
        insert_frame(con, "pairing_visits", rows.select(
            "unit", "pair_id", "date", "vid", "recipient", "recipient_kind", "content", "hours", "pair_status",
            "backfilled", pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row")))
        return {"结对走访": rows.height, "补录": int(rows["backfilled"].sum())}

    return Prepared(rows, units, months, write, {"结对走访": rows.height})

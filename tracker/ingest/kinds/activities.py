"""活动情况登记簿 as the `activities` ledger: activities and who took part, for how long.

A monthly register: a row is one activity with its participants (or one
participant: rows agreeing on date, team and title are one activity). A
participation already stored is a duplicate naming the original file and
row; with --replace the unit's activities of the months the file covers are
swapped for the file's, in the same transaction (docs/ledgers.md).
"""

from __future__ import annotations

import functools

import duckdb
import polars as pl

from tracker.formats import hours_expr
from tracker.ingest.columns import SEQ, UNIT, Column, Kind
from tracker.ingest.common import (
    backfilled,
    check_dates,
    check_hours,
    duplicate_rows,
    in_months,
    insert_frame,
    months_covered,
    months_touched,
    replace_months,
    report_stored_duplicates,
    rounded_hours,
    stored_rows_per_month,
    units_of,
    warn_date_gaps,
)
from tracker.ingest.context import FileContext, Prepared
from tracker.ingest.read import ROW
from tracker.ingest.resolve import (
    explode_participants,
    match_people,
    resolve_teams,
    team_lookup,
    unit_people,
)
from tracker.ingest.validate import problems_where
from tracker.store.history import keep_removed_participations
from tracker.store.queries import frame

ACTIVITY_FIELDS = ["kind", "theme", "place", "beneficiary", "content", "lead", "recorder", "note"]

COLUMNS = (
    UNIT,
    SEQ,
    Column("date", "日期", "date", required=True,
           also=("活动日期", "服务日期", "活动时间", "时间", "举办时间"),
           example="2026-03-05", note="可带时刻；写成“… 至 …”时取开始日期；没有年份时（3月5日）按标题或 --month 的年份"),
    Column("start", "开始时间", also=("服务开始时间", "活动开始时间", "签到时间", "报到时间"), stored=False,
           note="时刻（14:00）或日期和时刻；与日期、结束时间一起算出时长"),
    Column("times", "起止时间", also=("活动起止时间", "服务起止时间", "起止时刻", "活动时段", "时间段"), stored=False,
           note="如 14:00-16:30、8:30至10:30，与日期一起算出时长"),
    Column("end", "结束时间", "end", also=("服务结束时间", "活动结束时间", "截止时间", "签退时间"), stored=False,
           note="与带时刻的日期一起算出服务时长（没有服务时长列或某行时长为空时）"),
    Column("team", "服务队", required=True,
           also=("服务队名称", "组织服务队", "所属服务队", "所属团体", "所属组织", "归属分队", "所属队伍",
                 "服务队伍", "队伍名称", "志愿队伍", "志愿团体", "团体名称", "发起组织"),
           example="检验队"),
    Column("title", "活动名称", required=True,
           also=("活动主题", "活动标题", "活动名", "服务项目", "项目名称", "活动项目", "服务项目名称",
                 "志愿服务项目"),
           example="无偿献血宣传进社区"),
    Column("kind", "活动类型", choices=("志愿服务", "培训", "例会"), also=("活动类别", "活动性质"),
           spellings=(("志愿活动", "志愿服务"), ("服务活动", "志愿服务"), ("学习培训", "培训"), ("业务培训", "培训"),
                      ("工作例会", "例会"), ("例会会议", "例会")),
           example="志愿服务", note="默认为志愿服务"),
    Column("theme", "服务主题", also=("服务领域", "服务类别"), example="关爱老幼弱残"),
    Column("place", "地点", also=("活动地点", "服务地点", "活动地址", "服务地址", "地址"), example="某社区"),
    Column("beneficiary", "服务对象", also=("受益对象", "受益人群", "服务人群"), example="社区居民"),
    Column("content", "服务内容", also=("活动内容", "活动简介", "活动描述", "内容", "服务情况", "活动情况"),
           example="献血知识宣传"),
    Column("participants", "参加人员", "people", required=True,
           also=("参加志愿者", "参与人员", "志愿者姓名", "志愿者", "参与志愿者", "参加人", "参与者",
                 "参加人员名单", "志愿者名单", "服务人员", "姓名"),
           example="张晓明、李红", note="一人或多人，用 、，,;；/ . 或空格分隔，可以“共5人”结尾"),
    Column("hours", "服务时长", "hours", required=True,
           also=("时长", "服务时间", "小时数", "服务时数", "时数", "志愿服务时长", "志愿时长", "服务小时数",
                 "服务分钟数", "活动时长", "本次服务时长", "工时", "服务时段"),
           example="2", most=24, note="每人时长，单位小时；表头写“（分钟）”或“分钟数”时按分钟读"),
    Column("lead", "负责人", also=("活动负责人", "带队人", "组织者"), example="张晓明"),
    Column("recorder", "记录人", also=("登记人", "录入人"), example="李红"),
    Column("note", "备注"),
)


def prepare_activities(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    units, months = units_of(typed), months_covered(ctx, typed, "date")
    # the unit as an Enum of the file's units: a city's rows are grouped, joined and matched on a
    # 4-byte code rather than a unit's name (frames from the database are cast to it: `_as_units`)
    unit_code = pl.Enum(units)
    typed = rounded_hours(typed.with_columns(pl.col("kind").fill_null("志愿服务"), pl.col("unit").cast(unit_code)),
                          "hours")
    check_dates(ctx, typed, "date", "日期", in_month=True)
    warn_date_gaps(ctx, typed, "date", "日期")
    check_hours(ctx, typed, "hours", "服务时长")
    typed, problems = resolve_teams(typed, _as_units(team_lookup(con, units), unit_code), "team", "服务队")
    ctx.add_frame(problems)
    _warn_before_founding(ctx, typed, con, unit_code)
    swapped = replace_months(ctx, typed, "date")
    typed, activities = _numbered(ctx, typed)
    with_act = typed.filter(pl.col("participants").is_not_null())
    tokens = explode_participants(with_act, ["__act", "unit", "hours"])
    del with_act
    tokens, problems = match_people(tokens, _as_units(unit_people(con, units), unit_code), "参加人员")
    ctx.add_frame(problems)
    ok = tokens.filter(pl.col("vid").is_not_null() & pl.col("__act").is_not_null() & pl.col("hours").is_not_null())
    del tokens
    # a repeated participant rejects the file, so what reaches the write is unique
    repeated = duplicate_rows(ok, ["__act", "vid"], "参加人员", "token", "同一活动的同一参加人员")
    ctx.add_frame(repeated)
    stored = _stored(ctx, con, units, activities, swapped, unit_code)
    if stored.height:
        stored_acts = stored.join(activities.select(*KEY, "__act"), on=KEY, how="inner")
        dups = ok.join(stored_acts.select("__act", "vid", "__orig_file", "__orig_row"), on=["__act", "vid"],
                       how="inner")
        report_stored_duplicates(ctx, dups, "参加人员", "token", "这条参加记录")
    # one person's day over 24 hours (this file plus what is stored for those days)
    if stored.height or repeated.height:
        _check_days(ctx, ok, stored, activities)
    else:  # only the days whose rows pass 24 hours can hold such a person (`_busy_days`)
        busy = activities.join(_busy_days(typed), on=["unit", "date"], how="semi")["__act"]
        if busy.len():
            _check_days(ctx, ok.filter(pl.col("__act").is_in(busy.implode())), stored, activities)
    ok = ok.select("__act", "vid", "hours", ROW)
    rows = typed.select(ROW)  # only its height is read: the typed table need not stay alive
    replacing = ctx.opts.replace
    replaces = stored_rows_per_month(con, {
        "活动": f"SELECT strftime(date, '%Y-%m'), count(*) FROM activities WHERE {in_months('date')} GROUP BY 1",
        "参加记录": "SELECT strftime(date, '%Y-%m'), count(*) FROM participations JOIN activities "
                    f"USING (aid) WHERE {in_months('date')} GROUP BY 1",
    }, units, swapped) if replacing else None
    removed = sum(n.get("活动", 0) for n in (replaces or {}).values())  # counted for the plan
    write = functools.partial(_write, activities=activities, ok=ok, units=units, unit_code=unit_code,
                              swapped=swapped if replacing else None, removed=removed)
    counts = {"活动": activities.height, "参加记录": ok.height, "服务时长": round(float(ok["hours"].sum()), 1)}
    return Prepared(rows, units, months, write, counts, replaces,
                    touched=months_touched(activities, "date", swapped if replacing else None))


KEY = ["unit", "team", "date", "title"]  # what tells an activity


def _numbered(ctx: FileContext, typed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows with their activity's index `__act`, and the activities (one row each).

    An activity is told by its first row; its index counts first rows in file order (the
    activities numbered as they first appear) and stands for the four text keys from here on, so
    each row knows its activity without a join and the 1.3M participations of a city's year are
    matched, deduplicated and joined on integers."""
    keyed = pl.all_horizontal([pl.col(k).is_not_null() for k in KEY])
    typed = typed if typed[ROW].is_sorted() else typed.sort(ROW)
    # an activity's rows usually follow one another (a platform lists its participants together):
    # each run of rows with the same keys starts an activity, and when no two runs share their
    # keys the runs are the activities, told without grouping a city's 1.3M rows
    starts = keyed & (~keyed.shift(1, fill_value=False)
                      | pl.any_horizontal([pl.col(k).ne_missing(pl.col(k).shift(1)) for k in KEY]))
    typed = typed.with_columns(starts.alias("__first"))
    if not typed.filter(pl.col("__first")).select(pl.struct(KEY).is_duplicated().any()).item():
        typed = typed.with_columns(pl.when(keyed).then(pl.col("__first").cum_sum() - 1).cast(pl.UInt32).alias("__act"))
    else:  # rows of one activity apart: it is told by its first row
        typed = typed.with_columns(pl.when(keyed).then(pl.col(ROW).min().over(KEY)).alias("__first"))
        typed = typed.with_columns((pl.col("__first").rank("dense") - 1).cast(pl.UInt32).alias("__act"),
                                   (pl.col(ROW) == pl.col("__first")).fill_null(False).alias("__first"))
    activities = (
        typed.filter(pl.col("__first"))  # in ROW order: the index is the position
        .select("__act", *KEY, *ACTIVITY_FIELDS, "starts", "ends", pl.col(ROW).alias("src_row"))
        .with_columns(backfilled(ctx, "date").alias("backfilled"))
    )
    return typed, activities


def _stored(ctx: FileContext, con: duckdb.DuckDBPyConnection, units: list[str], activities: pl.DataFrame,
            swapped: list[str], unit_code: pl.Enum) -> pl.DataFrame:
    """The participations stored on the file's dates (those a --replace swaps out excepted), with the
    file and row they came from: to find repeats and count a person's day."""
    replacing = ctx.opts.replace
    stored = frame(con, f"""
        SELECT a.aid, a.unit, a.team, a.date, a.title, p.vid, p.hours, l.file_name AS __orig_file,
               p.src_row AS __orig_row
        FROM activities a JOIN participations p USING (aid) LEFT JOIN loads l ON l.load_id = p.load_id
        WHERE a.unit IN (SELECT unnest(?::VARCHAR[])) AND a.date IN (SELECT unnest(?::DATE[]))
        {"AND strftime(a.date, '%Y-%m') NOT IN (SELECT unnest(?::VARCHAR[]))" if replacing else ""}
        """, [units, activities["date"].unique().to_list(), *([swapped] if replacing else [])])
    return _as_units(stored, unit_code)


def _write(con: duckdb.DuckDBPyConnection, load_id: int, *, activities: pl.DataFrame, ok: pl.DataFrame,
           units: list[str], unit_code: pl.Enum, swapped: list[str] | None, removed: int) -> dict[str, int]:
    """Store the file's activities and participations (after deleting the months a --replace swaps,
    `swapped`), inside the pipeline's transaction."""
    if swapped is not None:
        where, params = in_months("date"), [units, swapped]
        keep_removed_participations(con, load_id, where, params)  # nothing is lost: kept with this load
        con.execute(f"DELETE FROM participations WHERE aid IN (SELECT aid FROM activities WHERE {where})", params)
        con.execute(f"DELETE FROM activities WHERE {where}", params)
    existing = frame(con, """
        SELECT aid, unit, team, date, title FROM activities
        WHERE unit IN (SELECT unnest(?::VARCHAR[])) AND date IN (SELECT unnest(?::DATE[]))""",
                     [units, activities["date"].unique().to_list()])
    existing = _as_units(existing, unit_code)
    # an activity already stored (other participants of it, loaded earlier) keeps its id
    fresh, known = activities, pl.DataFrame(schema={"__act": pl.UInt32, "aid": pl.Int64})
    if existing.height:  # usually none: a new month's file has only new activities
        acts = activities.join(existing.sort("aid").unique(KEY, keep="first"), on=KEY, how="left")
        fresh = acts.filter(pl.col("aid").is_null()).drop("aid")
        known = acts.filter(pl.col("aid").is_not_null()).select("__act", pl.col("aid").cast(pl.Int64))
    ids = frame(con, "SELECT nextval('activity_seq') AS aid FROM range(?)", [fresh.height])["aid"]
    fresh = fresh.with_columns(ids.cast(pl.Int64).alias("aid"))
    insert_frame(con, "activities", fresh.select(
        "aid", *KEY, *ACTIVITY_FIELDS, "starts", "ends", "backfilled", pl.lit(load_id).alias("load_id"), "src_row"))
    # every activity is known or fresh, once: its id is at its index (a gather, not a join of 1.3M rows)
    aid_of = pl.concat([known, fresh.select("__act", "aid")]).sort("__act")["aid"]
    p = ok.select(aid_of.gather(ok["__act"]).alias("aid"), "vid", "hours", pl.lit(load_id).alias("load_id"),
                  pl.col(ROW).alias("src_row"))
    insert_frame(con, "participations", p)
    out = {"活动": fresh.height, "参加记录": p.height, "补录": int(fresh["backfilled"].sum())}
    if swapped is not None:
        out["替换掉的原活动"] = removed
    return out


def _busy_days(typed: pl.DataFrame) -> pl.DataFrame:
    """unit, date of the days whose rows add up to over 24 hours. Only there can a person's day in
    this file pass 24 hours: no one is listed twice in an activity (refused as a repeat), so a
    person's day is at most the sum of the day's rows. A city's year has one such day in 220,000,
    told from its 437k rows rather than counted over its 1.3M participations."""
    return (typed.lazy()  # lazily: only the four columns it reads are filtered
            .filter(pl.col("participants").is_not_null() & pl.col("hours").is_between(0, 24, closed="right"))
            .group_by("unit", "date").agg(pl.col("hours").sum()).filter(pl.col("hours") > 24)
            .select("unit", "date").collect())


def _check_days(ctx: FileContext, ok: pl.DataFrame, stored: pl.DataFrame, activities: pl.DataFrame) -> None:
    """A person's day over 24 hours: this file's participations plus those stored for the day.
    A participation's unit and date are its activity's (`__act`, an index into `activities`)."""
    mine = ok.filter(pl.col("hours").is_between(0, 24, closed="right"))  # a row refused for its hours is not counted
    mine = mine.with_columns(activities["unit"].gather(mine["__act"]).alias("unit"),
                             activities["date"].gather(mine["__act"]).alias("date"))
    day = pl.concat([
        mine.select("unit", "vid", "date", "hours", pl.col(ROW), pl.col("token")),
        stored.select("unit", "vid", "date", "hours", pl.lit(None, pl.Int64).alias(ROW),
                      pl.lit(None, pl.String).alias("token")),
    ], how="vertical_relaxed").with_columns(pl.col("hours").sum().over("unit", "vid", "date").alias("__day"))
    over = day.filter(pl.col(ROW).is_not_null() & (pl.col("__day") > 24)).unique(["unit", "vid", "date"])
    ctx.add_frame(problems_where(over, pl.lit(True), "参加人员", "token",
                                 pl.format("此人当天累计服务 {} 小时，超过24小时", hours_expr(pl.col("__day")))))


def _as_units(df: pl.DataFrame, unit_code: pl.Enum) -> pl.DataFrame:
    """A frame from the database with its unit as the file's Enum code; other units' rows dropped."""
    return df.with_columns(pl.col("unit").cast(unit_code, strict=False)).filter(pl.col("unit").is_not_null())


def _warn_before_founding(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection,
                          unit_code: pl.Enum) -> None:
    """An activity dated before its team's 成立日期 (teams register): one of the two dates is wrong."""
    founded = _as_units(frame(con, """
        SELECT unit, team, founded AS __founded FROM teams WHERE founded IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY unit, team ORDER BY valid_from DESC) = 1"""), unit_code)
    early = typed.join(founded, on=["unit", "team"], how="inner")
    ctx.add_frame(problems_where(
        early, pl.col("date") < pl.col("__founded"), "日期", pl.col("date").cast(pl.String),
        pl.format("早于服务队“{}”的成立日期 {}，请核对活动日期或服务队登记表", pl.col("team"),
                  pl.col("__founded").cast(pl.String))), "warning")



KIND = Kind("activities", "活动登记簿", "党员志愿者队伍活动情况登记簿", COLUMNS, prepare_activities, monthly=True,
            span=("date", "end", "hours"))

"""结对帮扶活动情况登记簿 as the `pairings` ledger: each visit of a volunteer to the person they help.

A monthly register: one row per visit (a pairing is 结对编号, else volunteer +
recipient). A visit already stored is a duplicate; --replace swaps the
months the file covers (docs/ledgers.md).
"""

from __future__ import annotations

import duckdb
import polars as pl

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
from tracker.ingest.resolve import match_people, unit_people
from tracker.store.history import keep_removed_visits
from tracker.store.queries import frame
from tracker.values import split_people

COLUMNS = (
    UNIT,
    SEQ,
    Column("pair_id", "结对编号", also=("结对号",), example="JD-01", note="默认：志愿者+帮扶对象"),
    Column("date", "日期", "date", required=True,
           also=("帮扶日期", "走访日期", "走访时间", "帮扶时间", "服务日期", "活动日期", "时间"),
           example="2026-03-08", note="可带时刻；写成“… 至 …”时取开始日期；没有年份时按标题或 --month 的年份"),
    Column("start", "开始时间", also=("走访开始时间", "签到时间"), stored=False,
           note="时刻或日期和时刻；与日期、结束时间一起算出时长"),
    Column("times", "起止时间", also=("走访起止时间", "起止时刻", "时间段"), stored=False,
           note="如 14:00-16:30，与日期一起算出时长"),
    Column("end", "结束时间", "end", also=("走访结束时间", "签退时间"), stored=False,
           note="与带时刻的日期一起算出服务时长（没有服务时长列或某行时长为空时）"),
    Column("volunteer", "志愿者", required=True,
           also=("帮扶志愿者", "志愿者姓名", "参与人员", "帮扶人", "结对志愿者", "走访人", "走访人员",
                 "帮扶责任人", "党员志愿者", "姓名"),
           example="张晓明", note="一人或多人（用 、，, / 或空格分隔）：每人各计一次走访"),
    Column("recipient", "帮扶对象", required=True,
           also=("走访对象", "结对对象", "服务对象", "帮扶对象姓名", "被帮扶人", "受助人"), example="赵奶奶"),
    Column("recipient_kind", "对象类别", choices=("老人", "儿童", "残疾人", "困难家庭", "其他"),
           also=("帮扶对象类别", "对象类型", "人员类别"),
           spellings=(("老年人", "老人"), ("空巢老人", "老人"), ("留守儿童", "儿童"), ("困难群众", "困难家庭")),
           example="老人"),
    Column("content", "帮扶内容", also=("走访内容", "服务内容", "帮扶事项", "走访情况", "帮扶情况"),
           example="陪同就医"),
    Column("hours", "服务时长", "hours",
           also=("时长", "服务时数", "帮扶时长", "走访时长", "服务分钟数", "服务小时数"),
           example="1.5", most=24, note="单位小时；表头写“（分钟）”或“分钟数”时按分钟读"),
    Column("pair_status", "结对状态", choices=("进行中", "已结束"), also=("状态",),
           spellings=(("结对中", "进行中"), ("帮扶中", "进行中"), ("已完成", "已结束"), ("已解除", "已结束")),
           example="进行中"),
)


def _volunteers(typed: pl.DataFrame) -> pl.DataFrame:
    """The volunteers a row names (ROW, unit, token, __who): one, or several ("周敏 林志远", "周敏、林志远"),
    each making a visit of their own. A cell whose parts are single characters ("王　丽", a name
    spaced out to line up) is one name. `__who` names the volunteer in the default 结对编号 (spaces
    removed)."""
    cell = pl.col("volunteer")
    parts = split_people(cell).list.eval(pl.element().filter(pl.element() != ""))
    one = (parts.list.len() <= 1) | parts.list.eval(pl.element().str.len_chars() == 1).list.any()
    whole = cell.str.replace_all(r"[\s\u3000]", "")
    return (typed.filter(cell.is_not_null())
            .select(ROW, "unit", pl.when(one).then(pl.concat_list(whole)).otherwise(parts).alias("token"))
            .explode("token").filter(pl.col("token").is_not_null() & (pl.col("token") != ""))
            .with_columns(pl.col("token").alias("__who")))


def prepare_pairings(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    typed = rounded_hours(typed, "hours")
    check_dates(ctx, typed, "date", "日期", in_month=True)
    warn_date_gaps(ctx, typed, "date", "日期")
    check_hours(ctx, typed, "hours", "服务时长")
    units, months = units_of(typed), months_covered(ctx, typed, "date")
    swapped = replace_months(ctx, typed, "date")
    tokens = _volunteers(typed)
    people, problems = match_people(tokens, unit_people(con, units), "志愿者")
    ctx.add_frame(problems)
    typed = typed.join(people.select(ROW, "vid", "__who"), on=ROW, how="left")
    typed = typed.with_columns(
        pl.col("pair_id").fill_null(pl.concat_str([pl.col("__who"), pl.col("recipient")], separator="-"))
    )
    ctx.add_frame(duplicate_rows(typed, ["unit", "pair_id", "date", "vid"], "日期", "pair_id", "同一结对同一天的走访"))
    replacing = ctx.opts.replace
    stored = frame(con, f"""
        SELECT v.unit, v.pair_id, v.date, v.vid, l.file_name AS __orig_file, v.src_row AS __orig_row
        FROM pairing_visits v LEFT JOIN loads l USING (load_id)
        WHERE v.unit IN (SELECT unnest(?::VARCHAR[]))
        {"AND strftime(v.date, '%Y-%m') NOT IN (SELECT unnest(?::VARCHAR[]))" if replacing else ""}
        """, [units, *([swapped] if replacing else [])])
    dups = typed.join(stored, on=["unit", "pair_id", "date", "vid"], how="inner")
    report_stored_duplicates(ctx, dups, "日期", "pair_id", "这次结对走访")
    rows = typed.filter(pl.col("vid").is_not_null()).with_columns(backfilled(ctx, "date").alias("backfilled"))

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        if replacing:
            where, params = in_months("date"), [units, swapped]
            keep_removed_visits(con, load_id, where, params)  # nothing is lost: kept with this load
            con.execute(f"DELETE FROM pairing_visits WHERE {where}", params)
        insert_frame(con, "pairing_visits", rows.select(
            "unit", "pair_id", "date", "vid", "recipient", "recipient_kind", "content", "hours", "pair_status",
            "backfilled", pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row")))
        return {"结对走访": rows.height, "补录": int(rows["backfilled"].sum())}

    replaces = stored_rows_per_month(con, {
        "结对走访": f"SELECT strftime(date, '%Y-%m'), count(*) FROM pairing_visits WHERE {in_months('date')} "
                    "GROUP BY 1"}, units, swapped) if replacing else None
    return Prepared(rows, units, months, write, {"结对走访": rows.height}, replaces,
                    touched=months_touched(rows, "date", swapped if replacing else None))

KIND = Kind("pairings", "结对帮扶登记簿", "结对帮扶活动情况登记簿", COLUMNS, prepare_pairings, monthly=True,
            span=("date", "end", "hours"))

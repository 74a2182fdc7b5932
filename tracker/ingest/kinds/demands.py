"""群众需求登记簿 as the `demands` ledger: each demand and its status over time.

A monthly register keyed by 需求编号: a later file updates a demand's
status, and every change is kept in demand_history with its date, so a
report sees the status a demand had at its period's end (docs/data-model.md).
"""

from __future__ import annotations

import duckdb
import polars as pl

from tracker.ingest.columns import SEQ, UNIT, Column, Kind
from tracker.ingest.common import (
    check_dates,
    duplicate_rows,
    in_months,
    insert_frame,
    months_covered,
    months_touched,
    replace_keys,
    replace_months,
    stored_rows_per_month,
    units_of,
    unregister,
)
from tracker.ingest.context import FileContext, Prepared
from tracker.ingest.read import ROW
from tracker.ingest.resolve import resolve_teams, team_lookup
from tracker.ingest.validate import problems_where
from tracker.store.history import keep_removed_demands
from tracker.store.queries import ArrowSource, frame

COLUMNS = (
    UNIT,
    SEQ,
    Column("demand_id", "需求编号", required=True,
           also=("编号", "工单号", "工单编号", "需求单号", "单号"), example="XQ-2026-001"),
    Column("received", "登记日期", "date", required=True,
           also=("受理日期", "登记时间", "提出时间", "发布时间", "需求提出时间", "提交时间", "需求时间"),
           example="2026-03-02"),
    Column("requester", "需求人", also=("需求群众", "需求人姓名", "求助人", "提出人", "群众姓名", "居民姓名"),
           example="王大爷"),
    Column("phone", "联系方式", "phone", also=("联系电话", "电话", "手机", "手机号", "手机号码", "需求人电话"),
           example="13900005678"),
    Column("content", "需求内容", required=True,
           also=("需求事项", "需求描述", "求助内容", "具体需求", "诉求内容"), example="上门测血压"),
    Column("category", "需求类别", also=("需求类型", "类别"), example="健康"),
    Column("team", "承接服务队",
           also=("服务队", "认领方", "认领组织", "认领团队", "认领服务队", "承接方", "承接队伍", "对接服务队",
                 "执行团队", "执行队伍", "执行服务队", "承接团队", "服务团队", "认领队伍", "志愿团队"),
           example="检验队"),
    Column("status", "状态", required=True, choices=("待办理", "办理中", "已办结", "无法办理"),
           also=("办理状态", "需求状态", "处理状态"),
           # the words of the volunteer platforms and 12345-style work orders, as they export them
           spellings=(("待认领", "待办理"), ("未认领", "待办理"), ("待处理", "待办理"), ("未处理", "待办理"),
                      ("待审核", "待办理"), ("审核中", "待办理"), ("已发布", "待办理"), ("招募中", "待办理"),
                      ("待受理", "待办理"), ("待接单", "待办理"), ("待派单", "待办理"), ("未受理", "待办理"),
                      ("已认领", "办理中"), ("处理中", "办理中"), ("进行中", "办理中"), ("对接中", "办理中"),
                      ("服务中", "办理中"), ("执行中", "办理中"), ("已受理", "办理中"), ("已接单", "办理中"),
                      ("已派单", "办理中"), ("未办结", "办理中"), ("跟进中", "办理中"),
                      ("已完成", "已办结"), ("已解决", "已办结"), ("已办理", "已办结"), ("已结项", "已办结"),
                      ("已结束", "已办结"), ("已评价", "已办结"), ("办结", "已办结"), ("完成", "已办结"),
                      ("已关闭", "无法办理"), ("无法解决", "无法办理"), ("不予受理", "无法办理"),
                      ("已拒绝", "无法办理"), ("已驳回", "无法办理"), ("已取消", "无法办理"), ("已撤销", "无法办理"),
                      ("已过期", "无法办理"), ("审核未通过", "无法办理"), ("已退回", "无法办理")),
           example="已办结"),
    Column("closed", "办结日期", "date", also=("办结时间", "完成时间", "完成日期", "解决时间"), example="2026-03-09"),
    Column("activity", "关联活动", example="无偿献血宣传进社区"),
    Column("rating", "群众评价", choices=("满意", "基本满意", "不满意"), also=("评价", "满意度", "服务评价"),
           spellings=(("非常满意", "满意"), ("很满意", "满意"), ("比较满意", "基本满意"), ("一般", "基本满意")),
           example="满意"),
)

DEMAND_FIELDS = ["received", "requester", "phone", "content", "category", "team", "status", "closed",
                 "activity", "rating"]


def prepare_demands(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    check_dates(ctx, typed, "received", "登记日期", in_month=False)
    check_dates(ctx, typed, "closed", "办结日期", in_month=False)
    ctx.add_frame(problems_where(typed, (pl.col("status") == "已办结") & pl.col("closed").is_null(), "办结日期",
                                 None, "状态为已办结时请填写办结日期"))
    ctx.add_frame(problems_where(typed, pl.col("closed") < pl.col("received"), "办结日期",
                                 pl.col("closed").cast(pl.String), "办结日期早于登记日期"))
    ctx.add_frame(duplicate_rows(typed, ["unit", "demand_id"], "需求编号", "demand_id", "需求编号"))
    if typed["team"].null_count() < typed.height:
        typed, problems = resolve_teams(typed, team_lookup(con, units_of(typed)), "team", "承接服务队")
        ctx.add_frame(problems)
    units, months = units_of(typed), months_covered(ctx, typed, "received")
    swapped = replace_months(ctx, typed, "received")
    rows = typed.select("unit", "demand_id", *DEMAND_FIELDS, ROW)
    new, changed = _against_stored(con, rows)
    touched = months_touched(pl.concat([new, changed]).select("unit", "received"), "received",
                             swapped if ctx.opts.replace else None, units)

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        if ctx.opts.replace:
            where, params = in_months("received"), [units, swapped]
            keep_removed_demands(con, load_id, where, params)  # nothing is lost: kept with this load
            con.execute(f"""DELETE FROM demand_history WHERE (unit, demand_id) IN
                            (SELECT (unit, demand_id) FROM demands WHERE {where})""", params)
            con.execute(f"DELETE FROM demands WHERE {where}", params)
        new, changed = _against_stored(con, rows)
        if changed.height:
            keys = changed.select("unit", "demand_id")
            con.register("__changed", ArrowSource(keys))
            try:
                keep_removed_demands(con, load_id, "(unit, demand_id) IN (SELECT (unit, demand_id) FROM __changed)",
                                     [])
            finally:
                unregister(con, "__changed")
            replace_keys(con, "demands", keys)
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

    replaces = stored_rows_per_month(con, {
        "需求": f"SELECT strftime(received, '%Y-%m'), count(*) FROM demands WHERE {in_months('received')} "
                "GROUP BY 1"}, units, swapped) if ctx.opts.replace else None
    return Prepared(rows, units, months, write, {"需求": rows.height}, replaces, touched=touched)


def _against_stored(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The file's demands not stored yet, and those stored with other values (with the stored status,
    `__old_status`); the rest are unchanged."""
    fp = pl.concat_str([pl.col(c).cast(pl.String).fill_null("∅") for c in DEMAND_FIELDS], separator="\x1f")
    cur = frame(con, f"SELECT unit, demand_id, status AS __old_status, {', '.join(DEMAND_FIELDS)} FROM demands")
    cur = cur.with_columns(fp.alias("__cur_fp")).select("unit", "demand_id", "__old_status", "__cur_fp")
    m = rows.with_columns(fp.alias("__fp")).join(cur, on=["unit", "demand_id"], how="left")
    new = m.filter(pl.col("__cur_fp").is_null())
    changed = m.filter(pl.col("__cur_fp").is_not_null() & (pl.col("__fp") != pl.col("__cur_fp")))
    return new, changed



KIND = Kind("demands", "群众需求登记簿", "群众需求登记簿", COLUMNS, prepare_demands, monthly=True)

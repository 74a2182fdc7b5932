"""附件3 党员志愿服务队登记表 as the `teams` ledger: each team, its leader and its 十有.

A register with history: a changed team gets a new version valid from the
file's date, so past periods keep the team as it was (docs/data-model.md).
The form's 总计 row is checked against the teams and members listed.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.ingest.columns import SEQ, UNIT, Column, Kind
from tracker.ingest.common import (
    check_count,
    check_date_range,
    duplicate_rows,
    ensure_units,
    file_month,
    fingerprint,
    insert_frame,
    number_in_cell,
    replace_keys,
)
from tracker.ingest.context import FileContext, Prepared
from tracker.ingest.read import ROW
from tracker.notice import TEN_HAVES
from tracker.store.queries import frame, roster_as_of

EPOCH = dt.date(1900, 1, 1)  # a team of unknown founding date: valid from the start

COLUMNS = (
    UNIT,
    SEQ,
    Column("team", "服务队名称", required=True,
           also=("党员志愿服务队名称", "服务队", "队名", "队伍名称", "团队名称", "服务队伍名称"),
           example="示例党员志愿服务队1队（检验队）"),
    Column("short_name", "简称", example="检验队"),
    Column("leader", "队长",
           also=("党员志愿服务队负责人姓名及联系方式", "负责人", "负责人姓名及联系方式", "队长姓名"),
           example="张晓明", note="姓名或志愿者编号"),
    Column("service_items", "主要志愿服务项目", example="无偿献血宣传、帮扶"),
    Column("founded", "成立日期", "date", also=("成立时间",), example="2013-07-01"),
    Column("member_count", "志愿者人数", "int", stored=False, example="7",
           note="附件3：与花名册核对"),
    *(Column(k, h, "bool", also=(f"有{h}",), example="是") for k, h in TEN_HAVES),
)

TEAM_FIELDS = ["short_name", "leader", "service_items", "founded", "declared_members", *[k for k, _ in TEN_HAVES]]


def prepare_teams(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    # "张三 0511-84412345、13800001234" → 张三: the form's leader cell holds name and phones
    leader = (
        pl.col("leader").str.replace_all(r"\+?[\d*][\d*\-]{5,}[\d*]", "")
        .str.replace_all(r"[()（）:：,，、;；/\s\u3000]+", " ").str.strip_chars()
    )
    typed = typed.with_columns(
        pl.when(leader == "").then(None).otherwise(leader).alias("leader"),
        pl.col("member_count").alias("declared_members"),
    )
    ctx.add_frame(duplicate_rows(typed, ["unit", "team"], "服务队名称", "team", "服务队"))
    check_date_range(ctx, typed, "founded", "成立日期")
    check_count(ctx, typed, "member_count", "志愿者人数", 0, 100_000)
    totals = ctx.table.totals
    if totals is not None and totals.height:
        for row, team_text, members_text in totals.select(
            ROW, pl.col("team") if "team" in totals.columns else pl.lit(None),
            pl.col("member_count") if "member_count" in totals.columns else pl.lit(None),
        ).iter_rows():
            n = pl.select(number_in_cell(pl.lit(team_text, pl.String))).item() if team_text else None
            if n is not None and n != typed.height:
                ctx.error(f"总计写 {n} 支，但表中有 {typed.height} 支服务队", row, "服务队名称", team_text)
            m = pl.select(number_in_cell(pl.lit(members_text, pl.String))).item() if members_text else None
            s = typed["declared_members"].sum()
            if m is not None and m != s:
                ctx.error(f"总计写 {m} 人，但各队志愿者人数之和为 {s} 人", row, "志愿者人数", members_text)
    _warn_member_counts(ctx, typed, con)
    rows = typed.select("unit", "team", *TEAM_FIELDS, ROW)

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        ensure_units(con, rows["unit"].unique().to_list(), load_id)
        if ctx.table.title_staff is not None:  # "单位人数：90人" on the form's unit line
            con.execute("UPDATE units SET staff = ? WHERE unit IN (SELECT unnest(?::VARCHAR[]))",
                        [ctx.table.title_staff, rows["unit"].unique().to_list()])
        current = frame(con, f"""
            SELECT unit, team, valid_from, {', '.join(TEAM_FIELDS)} FROM teams
            QUALIFY row_number() OVER (PARTITION BY unit, team ORDER BY valid_from DESC) = 1""")
        fp = fingerprint(TEAM_FIELDS)
        cur = current.with_columns(fp.alias("__cur_fp")).drop("valid_from")
        joined = rows.join(cur, on=["unit", "team"], how="left", suffix="__cur")
        # what a file leaves blank (or has no column for) stays as it was
        joined = joined.with_columns(
            [pl.coalesce(c, f"{c}__cur").alias(c) for c in TEAM_FIELDS]
        ).with_columns(fp.alias("__fp")).drop([f"{c}__cur" for c in TEAM_FIELDS])
        new = joined.filter(pl.col("__cur_fp").is_null())
        changed = joined.filter(pl.col("__cur_fp").is_not_null() & (pl.col("__cur_fp") != pl.col("__fp")))
        first_from = pl.min_horizontal(pl.col("founded"), pl.lit(ctx.file_date)).fill_null(pl.lit(EPOCH))
        out = pl.concat([
            new.with_columns(pl.when(pl.col("founded").is_null()).then(pl.lit(EPOCH)).otherwise(first_from)
                             .alias("valid_from")),
            changed.with_columns(pl.lit(ctx.file_date).alias("valid_from")),
        ]).with_columns(pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row")).drop(
            ROW, "__fp", "__cur_fp")
        if changed.height:  # a second change on the same day replaces the first
            replace_keys(con, "teams", changed.select("unit", "team"), "valid_from = ?", [ctx.file_date])
        insert_frame(con, "teams", out)
        return {"新登记服务队": new.height, "变更服务队": changed.height,
                "无变化": rows.height - new.height - changed.height}

    return Prepared(rows, sorted(typed["unit"].unique().to_list()), file_month(ctx), write,
                    {"服务队": rows.height})


def _warn_member_counts(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    if "member_count" not in ctx.table.present:
        return
    people = roster_as_of(con, ctx.file_date).filter("active")
    if people.height == 0:
        return
    counts = people.group_by("unit", "team").len("n")
    j = typed.join(counts, on=["unit", "team"], how="left").filter(
        pl.col("member_count").is_not_null() & (pl.col("member_count") != pl.col("n").fill_null(0)))
    for row, _team, declared, n in j.select(ROW, "team", "member_count", "n").iter_rows():
        ctx.warn(f"填写 {declared} 人，花名册中该队在册 {n or 0} 人", row, "志愿者人数", str(declared))



KIND = Kind("teams", "服务队", "党员志愿服务队登记表", COLUMNS, prepare_teams, new_units="warn",
            fill_down=("unit",))

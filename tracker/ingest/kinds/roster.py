"""附件2 志愿者花名册 (with 附件1's fields) as the `roster` ledger: every volunteer.

A register with history: nobody is deleted (withdrawal is 状态=退出), and a
changed volunteer gets a new version valid from the file's date. A row is
matched to a known volunteer by number, ID number, name and phone, or a
name alone when it is the unit's only one (docs/data-model.md).
"""

from __future__ import annotations

import duckdb
import polars as pl

from tracker.ingest.columns import SEQ, UNIT, Column, Kind
from tracker.ingest.common import (
    duplicate_rows,
    ensure_units,
    file_month,
    fingerprint,
    insert_frame,
    replace_keys,
)
from tracker.ingest.context import FileContext, Prepared
from tracker.ingest.read import ROW
from tracker.ingest.resolve import resolve_teams, team_lookup
from tracker.ingest.validate import problems_where
from tracker.store.queries import frame

COLUMNS = (
    UNIT,
    SEQ,
    Column("number", "志愿者编号", also=("编号", "志愿者号", "志愿者编码", "注册编号", "志愿者证号"), example="V0001"),
    Column("name", "姓名", "name", required=True, also=("志愿者姓名", "真实姓名", "名字"), example="张晓明"),
    Column("gender", "性别", choices=("男", "女"), spellings=(("男性", "男"), ("女性", "女")), example="男"),
    Column("age", "年龄", "int", example="41"),
    Column("birth_month", "出生年月", "month", also=("出生日期",), example="1985.03"),
    Column("education", "学历", also=("文化程度",), example="本科"),
    Column("joined_party", "入党时间", "month", also=("入党日期", "入党年月"), example="2005.07"),
    Column("ethnicity", "民族", example="汉"),
    Column("team", "所属服务队", also=("服务队", "所在服务队", "所属团体", "所属组织", "归属分队", "所属队伍"),
           example="示例党员志愿服务队1队（检验队）"),
    Column("service_items", "主要志愿服务项目", also=("服务项目", "服务意向", "志愿服务意向"),
           example="无偿献血宣传、帮扶"),
    Column("phone", "联系方式", "phone", also=("电话", "手机", "联系电话", "手机号码", "手机号"),
           example="13800001234", note="可填两个号码（办公、手机）"),
    Column("id_number", "身份证号码", "id_number",
           also=("身份证号", "身份证", "证件号", "证件号码", "公民身份号码"),
           note="18位，校验位须正确；请以文本格式填写"),
    Column("health", "健康状况", example="良好"),
    Column("skills", "特长", also=("个人特长",), example="讲解"),
    Column("email", "电子邮箱", also=("邮箱",)),
    Column("leadership", "是否班子成员", "bool", also=("班子成员", "领导班子成员"), example="否"),
    Column("applied", "申请日期", "date", also=("申请时间",), example="2013-06-20"),
    Column("approved", "审核日期", "date", also=("审核时间",), example="2013-06-28"),
    Column("registered", "登记日期", "date", also=("注册日期", "注册时间", "登记时间", "加入时间", "入队时间"),
           example="2013-07-01"),
    Column("status", "状态", choices=("在册", "退出"), also=("志愿者状态",),
           spellings=(("正常", "在册"), ("在队", "在册"), ("已退出", "退出"), ("注销", "退出")), example="在册"),
    Column("left", "退出日期", "date", also=("退出时间",)),
    Column("prior_hours", "历史服务时长", "hours",
           also=("服务时长", "累计服务时长", "累计服务分钟数", "志愿服务时长", "累计志愿服务时长", "服务总时长",
                 "累计时长", "服务时数"),
           example="0", note="开始使用本系统前累计的服务小时数；表头写“（分钟）”或“分钟数”时按分钟读"),
)

PERSON_FIELDS = [
    "unit", "number", "name", "gender", "age", "birth_month", "education", "joined_party", "ethnicity",
    "team", "service_items", "phone", "id_number", "health", "skills", "email", "leadership",
    "applied", "approved", "registered", "status", "left", "prior_hours",
]


def prepare_roster(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    today = ctx.opts.today
    typed = typed.with_columns(
        pl.when(pl.col("status").is_null() & pl.col("left").is_not_null()).then(pl.lit("退出"))
        .otherwise(pl.col("status")).alias("status")
    )
    ctx.add_frame(problems_where(typed, (pl.col("status") == "退出") & pl.col("left").is_null(), "退出日期",
                                 None, "状态为退出时请填写退出日期"))
    ctx.add_frame(problems_where(typed, (pl.col("status") == "在册") & pl.col("left").is_not_null(), "状态",
                                 "status", "填写了退出日期，状态应为“退出”"))
    ctx.add_frame(problems_where(typed, pl.col("left") < pl.col("registered"), "退出日期",
                                 pl.col("left").cast(pl.String), "退出日期早于登记日期"))
    ctx.add_frame(problems_where(typed, pl.col("approved") < pl.col("applied"), "审核日期",
                                 pl.col("approved").cast(pl.String), "审核日期早于申请日期"))
    ctx.add_frame(problems_where(typed, pl.col("registered") < pl.col("approved"), "登记日期",
                                 pl.col("registered").cast(pl.String), "登记日期早于审核日期"))
    for key, header in (("registered", "登记日期"), ("left", "退出日期"), ("applied", "申请日期"),
                        ("approved", "审核日期")):
        ctx.add_frame(problems_where(typed, pl.col(key) > today, header, pl.col(key).cast(pl.String),
                                     f"日期在将来（今天是 {today.isoformat()}）"))
    ctx.add_frame(problems_where(typed, (pl.col("prior_hours") < 0), "历史服务时长",
                                 pl.col("prior_hours").cast(pl.String), "不能为负数"))
    if "team" in ctx.table.present:
        typed, problems = resolve_teams(typed, team_lookup(con), "team", "所属服务队")
        ctx.add_frame(problems)
    ctx.add_frame(duplicate_rows(typed, ["unit", "number"], "志愿者编号", "number", "志愿者编号"))
    ctx.add_frame(duplicate_rows(typed, ["unit", "id_number"], "身份证号码", None, "身份证号码"))
    ctx.add_frame(duplicate_rows(typed, ["unit", "name", "phone"], "姓名", "name", "姓名和联系方式"))
    nophone = typed.filter(pl.col("phone").is_null() & pl.col("number").is_null() & pl.col("id_number").is_null())
    ctx.add_frame(duplicate_rows(nophone, ["unit", "name"], "姓名", "name",
                                 "同名且没有编号、身份证号或联系方式可以区分，"))
    rows = typed.select(*PERSON_FIELDS, ROW)
    matched = _match_volunteers(rows, con)

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        ensure_units(con, rows["unit"].unique().to_list(), load_id)
        cols = ", ".join('"left"' if c == "left" else c for c in PERSON_FIELDS)
        current = frame(con, f"""
            SELECT vid, {cols} FROM volunteer_versions
            QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1""")
        fp = fingerprint(PERSON_FIELDS)
        cur = current.with_columns(fp.alias("__cur_fp"))
        old = matched.filter(pl.col("vid").is_not_null())
        # what a file leaves blank (or has no column for) stays as it was
        old = old.join(cur, on="vid", how="left", suffix="__cur").with_columns(
            [pl.coalesce(c, f"{c}__cur").alias(c) for c in PERSON_FIELDS if c != "unit"]
        ).with_columns(fp.alias("__fp"))
        changed = old.filter(pl.col("__fp") != pl.col("__cur_fp")).select(*PERSON_FIELDS, "vid", ROW)
        new = matched.filter(pl.col("vid").is_null()).with_columns(
            pl.col("registered").fill_null(pl.lit(ctx.file_date)),
            pl.col("status").fill_null("在册"),
            pl.col("prior_hours").fill_null(0.0),
        )
        ids = frame(con, "SELECT nextval('volunteer_seq') AS vid FROM range(?)", [new.height])["vid"]
        new = new.with_columns(ids.cast(pl.Int32).alias("vid"))
        insert_frame(con, "volunteers", new.select(
            "vid", "unit", "number", "name", pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row")))
        versions = pl.concat([
            new.with_columns(pl.min_horizontal(pl.col("registered"), pl.lit(ctx.file_date)).alias("valid_from")),
            changed.with_columns(pl.lit(ctx.file_date).alias("valid_from")),
        ], how="diagonal_relaxed").with_columns(pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row"))
        if changed.height:  # a second change on the same day replaces the first
            replace_keys(con, "volunteer_versions", changed.select("vid"), "valid_from = ?", [ctx.file_date])
        insert_frame(con, "volunteer_versions",
                     versions.select("vid", "valid_from", *PERSON_FIELDS, "load_id", "src_row"))
        return {"新登记志愿者": new.height, "信息变更": changed.height,
                "无变化": rows.height - new.height - changed.height}

    return Prepared(rows, sorted(typed["unit"].unique().to_list()), file_month(ctx), write,
                    {"志愿者": rows.height})


def _match_volunteers(rows: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Attach the vid of a known volunteer: by number, else ID number, else name + phone."""
    known = frame(con, """
        SELECT vid, unit, number, id_number, name, phone FROM volunteer_versions
        QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1""")
    out = rows.with_columns(pl.lit(None, pl.Int32).alias("vid"))
    for keys in (["unit", "number"], ["unit", "id_number"], ["unit", "name", "phone"]):
        k = known.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in keys])).unique(keys, keep="last")
        out = out.join(k.select(*keys, pl.col("vid").alias("__v")), on=keys, how="left", nulls_equal=False)
        out = out.with_columns(pl.coalesce("vid", "__v").alias("vid")).drop("__v")
    # a name alone identifies someone when the unit has exactly one volunteer of that name
    # and the row brings no number, ID or phone to tell otherwise
    lone = known.group_by("unit", "name").agg(pl.len().alias("__n"), pl.col("vid").first().alias("__v"))
    out = out.join(lone, on=["unit", "name"], how="left").with_columns(
        pl.when(pl.col("vid").is_null() & (pl.col("__n") == 1) & pl.col("number").is_null()
                & pl.col("id_number").is_null() & pl.col("phone").is_null())
        .then(pl.col("__v")).otherwise(pl.col("vid")).alias("vid")
    ).drop("__n", "__v")
    return out

KIND = Kind("roster", "花名册", "党员志愿服务队志愿者花名册", COLUMNS, prepare_roster, new_units="warn")

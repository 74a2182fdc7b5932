"""附件2 志愿者花名册 (with 附件1's fields) as the `roster` ledger: every volunteer.

A register with history: nobody is deleted (withdrawal is 状态=退出), and a
changed volunteer gets a new version valid from the file's date. A row is
matched to a known volunteer by number, ID number, name and phone, or by name
when it contradicts none of the namesake's identifiers (docs/ledgers.md, "Who is
who on the roster"; docs/data-model.md). An applicant (附件1, status 申请) a
roster lists is registered by it. `match_volunteers` and `write_people` serve
every kind that stores people (applications, reviews) with this same identity rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

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
    replace_keys,
    rounded_hours,
    units_of,
)
from tracker.ingest.context import FileContext, Prepared
from tracker.ingest.read import ROW
from tracker.ingest.resolve import resolve_teams, team_lookup
from tracker.ingest.validate import problems_where
from tracker.notice import APPLICANT
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
    "political", "experience", "workplace",  # 附件1's own fields (kinds/applications.py)
]
FORM_ONLY_FIELDS = ("political", "experience", "workplace")  # not roster columns: a roster keeps them


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
        check_date_range(ctx, typed, key, header)
    for key, header in (("birth_month", "出生年月"), ("joined_party", "入党时间")):
        ctx.add_frame(problems_where(typed, pl.col(key) > today, header, pl.col(key).dt.strftime("%Y-%m"),
                                     f"年月在将来（今天是 {today.isoformat()}）"))
    ctx.add_frame(problems_where(typed, pl.col("joined_party") < pl.col("birth_month"), "入党时间",
                                 pl.col("joined_party").dt.strftime("%Y-%m"), "入党时间早于出生年月"))
    check_count(ctx, typed, "age", "年龄", 1, 120)
    typed = rounded_hours(typed, "prior_hours")
    ctx.add_frame(problems_where(typed, (pl.col("prior_hours") < 0), "历史服务时长",
                                 pl.col("prior_hours").cast(pl.String), "不能为负数"))
    if "team" in ctx.table.present:
        typed, problems = resolve_teams(typed, team_lookup(con, units_of(typed)), "team", "所属服务队")
        ctx.add_frame(problems)
    ctx.add_frame(duplicate_rows(typed, ["unit", "number"], "志愿者编号", "number", "志愿者编号"))
    ctx.add_frame(duplicate_rows(typed, ["unit", "id_number"], "身份证号码", None, "身份证号码"))
    ctx.add_frame(duplicate_rows(typed, ["unit", "name", "phone"], "姓名", "name", "姓名和联系方式"))
    nophone = typed.filter(pl.col("phone").is_null() & pl.col("number").is_null() & pl.col("id_number").is_null())
    ctx.add_frame(duplicate_rows(nophone, ["unit", "name"], "姓名", "name",
                                 "同名且没有编号、身份证号或联系方式可以区分，"))
    typed = typed.with_columns(pl.lit(None, pl.String).alias(c) for c in FORM_ONLY_FIELDS)
    rows = typed.select(*PERSON_FIELDS, ROW)
    matched, notes = match_volunteers(rows, con)
    for r, level, name, message in notes:
        (ctx.error if level == "error" else ctx.warn)(message, r, "姓名", name)
    # two rows of the file that are the same volunteer would make two versions of one day
    ctx.add_frame(duplicate_rows(matched, ["vid"], "姓名", "name", "这一行对应的已登记志愿者"))
    matched = matched.with_columns(pl.lit(ctx.file_date).alias("valid_from"))

    def new(fresh: pl.DataFrame) -> pl.DataFrame:
        return fresh.with_columns(
            pl.col("registered").fill_null(pl.lit(ctx.file_date)),
            pl.col("status").fill_null("在册"),
            pl.col("prior_hours").fill_null(0.0),
        ).with_columns(pl.min_horizontal(pl.col("registered"), pl.col("valid_from")).alias("valid_from"))

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        fresh, changed = write_people(con, matched.with_columns(pl.lit(load_id).alias("load_id")),
                                      merge=_register_applicants(ctx.file_date), new=new)
        return {"新登记志愿者": len(fresh), "信息变更": len(changed),
                "无变化": rows.height - len(fresh) - len(changed)}

    return Prepared(rows, sorted(typed["unit"].unique().to_list()), file_month(ctx), write,
                    {"志愿者": rows.height})


def keep_blank_as_was(known: pl.DataFrame) -> pl.DataFrame:
    """What a file leaves blank (or has no column for) stays as it was (`c__cur`)."""
    return known.with_columns([pl.coalesce(c, f"{c}__cur").alias(c) for c in PERSON_FIELDS if c != "unit"])


def _register_applicants(file_date: dt.date) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """A roster lists the registered (三.1 登记造册): an applicant on it is registered from its
    登记日期 (else the file's date) and reviewed by then; dates recorded out of that order are
    dropped rather than kept contradicting it, and the registration is never hidden behind the
    applicant's own later version (docs/data-model.md, "Applicants")."""

    def merge(known: pl.DataFrame) -> pl.DataFrame:
        was = pl.col("status__cur") == APPLICANT
        out = keep_blank_as_was(known)
        reg = pl.coalesce("registered", pl.lit(file_date))
        approved = pl.when(pl.col("approved") <= reg).then(pl.col("approved")).otherwise(reg)
        return out.with_columns(
            pl.when(was & (pl.col("status") == APPLICANT)).then(pl.lit("在册")).otherwise("status")
            .alias("status"),
            pl.when(was).then(reg).otherwise("registered").alias("registered"),
            pl.when(was).then(approved).otherwise("approved").alias("approved"),
            pl.when(was).then(pl.max_horizontal("valid_from", "valid_from__cur")).otherwise("valid_from")
            .alias("valid_from"),
        ).with_columns(
            pl.when(was & (pl.col("applied") > pl.col("approved"))).then(None).otherwise("applied")
            .alias("applied"),
        )

    return merge


def write_people(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, *,
                 merge: Callable[[pl.DataFrame], pl.DataFrame] = keep_blank_as_was,
                 new: Callable[[pl.DataFrame], pl.DataFrame]) -> tuple[list[int], list[int]]:
    """Store people (roster rows, application forms, reviews) as volunteers and versions.

    `rows` holds PERSON_FIELDS, `vid` (null: not known yet), ROW, `valid_from` and `load_id`.
    A known person's row joined to their current version (columns `c__cur`, `valid_from__cur`)
    goes through `merge`; a new version is written only when that changes them, and a second
    change with the same valid_from replaces the first. `new` fills a new person's defaults.
    `src_row`, when present, is the stored source row (else ROW). Returns the ROWs of the new
    people and of the changed ones.
    """
    ensure_units(con, rows["unit"].unique().to_list(), int(rows["load_id"].min()))
    cols = ", ".join('"left"' if c == "left" else c for c in PERSON_FIELDS)
    fp = fingerprint(PERSON_FIELDS)
    # only the current versions of the people in `rows`: a province holds 676,000 volunteers and the
    # thirteenth city's roster would otherwise fingerprint them all (docs/performance.md, "Growth")
    current = frame(con, f"""
        SELECT vid, valid_from, {cols} FROM volunteer_versions WHERE vid IN (SELECT unnest(?::INTEGER[]))
        QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1""",
                    [rows["vid"].drop_nulls().unique().to_list()])
    cur = current.with_columns(fp.alias("__cur_fp")).rename(
        {c: f"{c}__cur" for c in [*PERSON_FIELDS, "valid_from"]})
    known = merge(rows.filter(pl.col("vid").is_not_null()).join(cur, on="vid", how="left"))
    changed = known.with_columns(fp.alias("__fp")).filter(pl.col("__fp") != pl.col("__cur_fp"))
    fresh = new(rows.filter(pl.col("vid").is_null()))
    ids = frame(con, "SELECT nextval('volunteer_seq') AS vid FROM range(?)", [fresh.height])["vid"]
    fresh = fresh.with_columns(ids.cast(pl.Int32).alias("vid"))
    src = (pl.col("src_row") if "src_row" in rows.columns else pl.col(ROW)).cast(pl.Int32).alias("src_row")
    insert_frame(con, "volunteers", fresh.select("vid", "unit", "number", "name", "load_id", src))
    keep = ["vid", "valid_from", *PERSON_FIELDS, "load_id", src]
    versions = pl.concat([fresh.select(keep), changed.select(keep)], how="vertical_relaxed")
    if changed.height:  # a second change on the same day replaces the first
        replace_keys(con, "volunteer_versions", changed.select("vid", "valid_from"))
    insert_frame(con, "volunteer_versions", versions)
    return fresh[ROW].to_list(), changed[ROW].to_list()


Note = tuple[int, str, str, str]  # (ROW, "error" | "warning", name, message)
IDENTIFIERS = (("number", "志愿者编号"), ("id_number", "身份证号码"), ("phone", "联系方式"))


def _phones(col: str) -> pl.Expr:
    return pl.col(col).str.split("、")


def match_volunteers(rows: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, list[Note]]:
    """Attach the vid of the known volunteer each row is (docs/ledgers.md, "Who is who on the roster").

    By volunteer number, else ID number, else name and phone; else by name, when exactly one
    volunteer of the unit has that name and the row contradicts none of their identifiers
    (number, ID number, phone: the row's is blank, theirs is blank, or they agree). A row
    whose identifier differs from every namesake is refused, naming both, unless it gives a
    volunteer number of its own: then it is a new homonym, and is announced; a row that fits
    several namesakes cannot be told apart and is an error. Returns the rows with
    `vid` (null: a new person) and those notes, (ROW, level, name, message), for the caller
    to report its own way (a roster row, a form).
    """
    # every key holds the unit: only the people whose current version is in one of the rows' units
    known = frame(con, """
        SELECT * FROM (SELECT vid, unit, number, id_number, name, phone FROM volunteer_versions
                       QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1)
        WHERE unit IN (SELECT unnest(?::VARCHAR[]))""", [rows["unit"].cast(pl.String).drop_nulls().unique().to_list()])
    out = rows.with_columns(pl.lit(None, pl.Int32).alias("vid"))
    for keys in (["unit", "number"], ["unit", "id_number"], ["unit", "name", "phone"]):
        k = known.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in keys])).unique(keys, keep="last")
        out = out.join(k.select(*keys, pl.col("vid").alias("__v")), on=keys, how="left", nulls_equal=False)
        out = out.with_columns(pl.coalesce("vid", "__v").alias("vid")).drop("__v")
    notes: list[Note] = []
    namesakes = out.filter(pl.col("vid").is_null()).select(ROW, "unit", "name", "number", "id_number", "phone").join(
        known.select("unit", "name", pl.col("vid").alias("__v"), *[pl.col(c).alias(f"{c}__k") for c, _ in IDENTIFIERS]),
        on=["unit", "name"], how="inner")
    if namesakes.height:
        differs = {
            c: pl.col(c).is_not_null() & pl.col(f"{c}__k").is_not_null() & (
                (_phones(c).list.set_intersection(_phones(f"{c}__k")).list.len() == 0) if c == "phone"
                else (pl.col(c) != pl.col(f"{c}__k")))
            for c, _ in IDENTIFIERS}
        namesakes = namesakes.with_columns(
            pl.any_horizontal(list(differs.values())).alias("__differs"),
            pl.concat_str([pl.when(e).then(pl.lit(h)) for (c, h), e in zip(IDENTIFIERS, differs.values(),
                                                                          strict=True)],
                          separator="、", ignore_nulls=True).alias("__which"))
        fits = namesakes.filter(~pl.col("__differs")).group_by(ROW).agg(
            pl.len().alias("__n"), pl.col("__v").first().alias("__v1"))
        out = out.join(fits, on=ROW, how="left").with_columns(
            pl.when(pl.col("vid").is_null() & (pl.col("__n") == 1)).then(pl.col("__v1"))
            .otherwise(pl.col("vid")).alias("vid")).drop("__n", "__v1")
        for r, name, n in fits.filter(pl.col("__n") > 1).join(rows.select(ROW, "name"), on=ROW).select(
                ROW, "name", "__n").iter_rows():
            notes.append((r, "error", name, f"本单位已有 {n} 位名叫“{name}”的志愿者，本行与其中几位都对得上，"
                          "无法确定是哪一位；请填写志愿者编号、身份证号码或联系方式以区分"))
        new_homonyms = namesakes.filter(~pl.col(ROW).is_in(fits[ROW].implode()))
        for (r,), g in new_homonyms.group_by(ROW, maintain_order=True):
            notes.append(_homonym_note(r, g))
    return out, notes


def _homonym_note(r: int, g: pl.DataFrame) -> Note:
    """A row whose name a volunteer of the unit has, but an identifier of theirs it contradicts: a
    new homonym when the row gives a volunteer number of its own (announced), else refused naming
    both (same person with a mistyped identifier, or another person without a number to tell them)."""
    name = g["name"][0]
    which = "、".join(sorted(set("、".join(g["__which"].to_list()).split("、")), key=[h for _, h in IDENTIFIERS].index))
    if g["number"][0] is not None:
        return (r, "warning", name, f"本单位已有 {g.height} 位名叫“{name}”的志愿者，本行的{which}与其不同，"
                "已作为另一位同名志愿者（编号 " + str(g["number"][0]) + "）新登记；如是同一人，请改正" + which)
    theirs = "；".join("、".join(f"{h} {x[f'{c}__k']}" for c, h in IDENTIFIERS if x[f"{c}__k"]) or "未填写编号、证件和电话"
                      for x in g.iter_rows(named=True))
    mine = "、".join(f"{h} {g[c][0]}" for c, h in IDENTIFIERS if g[c][0] and h in which)
    return (r, "error", name, f"本单位已有名叫“{name}”的志愿者（{theirs}），本行的{mine}与其不同。"
            f"如是同一人，请改正{which}；如是另一位同名志愿者，请在本行填写新的志愿者编号以示区分")


KIND = Kind("roster", "花名册", "党员志愿服务队志愿者花名册", COLUMNS, prepare_roster, new_units="warn")

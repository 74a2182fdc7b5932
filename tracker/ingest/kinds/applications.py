"""附件1 党员志愿者申请登记表 as the `applications` kind: each filled form is an applicant.

三.1: 个人自愿申请、党组织审核 — a Party member fills in and signs the form, the Party organization
reviews it and then registers them (登记造册). A loaded form stores its person on the roster of
their unit with status 申请 and no 登记日期: listed, never counted, until `tracker review` or a
roster load registers them (docs/data-model.md, "Applicants"). A person already known (same ID
number, or same name and phone — the roster's identity rule, `roster.match_volunteers`) is
updated, not added twice; someone who withdrew and sends a new form applies again.
"""

from __future__ import annotations

import duckdb
import polars as pl

from tracker.ingest.columns import Column
from tracker.ingest.forms import FormBatch, FormKind, FormPrepared
from tracker.ingest.kinds.roster import (
    PERSON_FIELDS,
    keep_blank_as_was,
    match_volunteers,
    write_people,
)
from tracker.ingest.read import ROW
from tracker.ingest.validate import problems_where
from tracker.notice import APPLICANT, REJECTED
from tracker.privacy import mask_id, mask_phone
from tracker.store.queries import frame, unit_names

COLUMNS = (
    Column("applied", "填表日期", "date", also=("填表时间", "申请日期"), example="2026-06-20",
           note="即申请日期；空白时取 --as-of，否则为导入当天"),
    Column("name", "姓名", "name", required=True, also=("申请人姓名",), example="张晓明"),
    Column("gender", "性别", choices=("男", "女"), example="男"),
    Column("ethnicity", "民族", example="汉"),
    Column("birth_month", "出生年月", "month", also=("出生日期", "出生年月日"), example="1985.03"),
    Column("political", "政治面貌", example="中共党员", note="申请人应为党员"),
    Column("health", "健康状况", also=("身体状况",), example="良好"),
    Column("workplace", "所在单位", also=("工作单位",), example="示例市中心血站",
           note="写的是已登记的单位（或以它开头）时即为所属单位，否则用 --unit"),
    Column("id_number", "身份证号码", "id_number", also=("身份证号", "公民身份号码"),
           note="18位，校验位须正确"),
    Column("education", "学历", also=("文化程度",), example="本科"),
    Column("office_phone", "办公电话", "phone", also=("单位电话", "办公室电话"),
           note="与手机一起存为联系方式（办公、手机）"),
    Column("mobile", "手机", "phone", also=("手机号码", "移动电话"), example="13800001234"),
    Column("email", "电子邮箱", also=("邮箱", "E-mail", "Email")),
    Column("skills", "特长", also=("个人特长", "专长"), example="讲解"),
    Column("experience", "志愿服务经历", also=("志愿服务经验",), example="2015年起参加无偿献血宣传"),
)
# the form's labels that hold no field, and what no other document has
OTHER_LABELS = ("照片", "申请人签字", "本人签字", "申请人签名")
MARKS = ("志愿服务经历", "申请人签字", "政治面貌", "照片", "办公电话")

_MOBILE = r"^1\d{10}$"
# what a roster says and a form does not, typed as stored
_ROSTER_ONLY = {"age": pl.Int64, "joined_party": pl.Date, "leadership": pl.Boolean, "approved": pl.Date,
                "registered": pl.Date, "left": pl.Date, "prior_hours": pl.Float64}


def _unit_of(batch: FormBatch, index: int, workplace: str | None, known: list[str]) -> str | None:
    """The form's unit: --unit, else the registered unit 所在单位 names (or starts with), else the
    database's only unit; a user error when none of these tells."""
    norm = "".join((workplace or "").split())
    named = norm if norm in known else max((k for k in known if norm.startswith(k)), key=len, default=None)
    given = "".join(batch.opts.unit.split()) if batch.opts.unit else None
    if given:
        if named and named != given:
            batch.add(index, "所在单位", workplace, f"是另一个已登记的单位“{named}”，与 --unit 指定的“{given}”不一致")
        return given
    if named:
        return named
    if len(known) == 1:
        return known[0]
    why = f"所在单位“{workplace}”不是已登记的单位" if workplace else "没有填写所在单位"
    where = f"数据库中有 {len(known)} 个单位" if known else "数据库中还没有单位"
    batch.add(index, "所在单位", workplace, f"无法确定这份申请表属于哪个单位：{why}，{where}。请用 --unit 指定单位")
    return None


def _phones(expr: pl.Expr, mobile: bool) -> pl.Expr:
    """The office numbers (mobile=False) or the mobile numbers of a 联系方式 "办公、手机"; null if none."""
    parts = expr.str.split("、").list.eval(
        pl.element().filter(pl.element().str.contains(_MOBILE) == mobile)).list.join("、")
    return pl.when(parts.str.len_chars() > 0).then(parts)


def _joined(office: pl.Expr, mobile: pl.Expr) -> pl.Expr:
    """联系方式 as the roster keeps it: 办公、手机."""
    both = pl.concat_str([office, mobile], separator="、", ignore_nulls=True)
    return pl.when(both.str.len_chars() > 0).then(both)


def _check(batch: FormBatch, typed: pl.DataFrame) -> pl.DataFrame:
    """Dates, and what the ID number and 政治面貌 say against the rest of the form."""
    opts = batch.opts
    typed = typed.with_columns(pl.col("applied").is_null().alias("__undated"),
                               pl.col("applied").fill_null(pl.lit(opts.as_of or opts.today)))
    batch.add_frame(problems_where(typed, pl.col("applied") > opts.today, "填表日期",
                                   pl.col("applied").cast(pl.String), f"日期在将来（今天是 {opts.today}）"))
    batch.add_frame(problems_where(typed, pl.col("birth_month") > pl.col("applied"), "出生年月",
                                   pl.col("birth_month").dt.strftime("%Y.%m"), "出生年月晚于填表日期"))
    id_month = (pl.col("id_number").str.slice(6, 6) + "01").str.to_date("%Y%m%d", strict=False)
    batch.add_frame(problems_where(
        typed, id_month != pl.col("birth_month"), "出生年月", pl.col("birth_month").dt.strftime("%Y.%m"),
        pl.format("与身份证号码中的出生年月 {} 不一致，请核对", id_month.dt.strftime("%Y.%m"))), "warning")
    odd = pl.col("id_number").str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1  # GB 11643: odd is male
    id_gender = pl.when(odd).then(pl.lit("男")).otherwise(pl.lit("女"))
    batch.add_frame(problems_where(typed, pl.col("id_number").is_not_null() & (id_gender != pl.col("gender")),
                                   "性别", "gender", pl.format("与身份证号码（{}性）不一致，请核对", id_gender)),
                    "warning")
    batch.add_frame(problems_where(typed, ~pl.col("political").str.contains("党员"), "政治面貌", "political",
                                   "申请人应为党员（三.1：符合志愿者条件的党员提出申请），请核对"), "warning")
    return typed


def _same_person(batch: FormBatch, rows: pl.DataFrame) -> None:
    """Two forms of one command for one person: each later one is an error naming the first."""
    nobody = pl.col("id_number").is_null() & pl.col("mobile").is_null()
    told: set[int] = set()
    for keys, header, what, only in ((["unit", "id_number"], "身份证号码", "身份证号码相同", None),
                                     (["unit", "name", "mobile"], "姓名", "姓名和手机相同", None),
                                     (["unit", "name"], "姓名", "同名，且都没有填写身份证号码和手机", nobody)):
        part = rows if only is None else rows.filter(only)
        part = part.filter(pl.all_horizontal([pl.col(k).is_not_null() for k in keys]))
        firsts = part.with_columns(pl.col(ROW).min().over(keys).alias("__first"))
        later = firsts.filter(pl.col(ROW) != pl.col("__first"))
        for i, first, name, id_number in later.select(ROW, "__first", "name", "id_number").iter_rows():
            if i not in told:
                told.add(i)
                batch.add(i, header, mask_id(id_number) if header == "身份证号码" else name,
                          f"与 {batch.file_of(first)} 是同一个人（{what}）：同一人只需一份申请登记表，请删去其中一份")


def _known(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every volunteer's current version: vid, unit, name, number, phone, status, left."""
    return frame(con, """
        SELECT vid, unit, name, number, phone, status, "left" FROM volunteer_versions
        QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1""")


def _merge(known: pl.DataFrame) -> pl.DataFrame:
    """A known person's form over their current version (`c__cur`).

    The form's fields replace what it fills in; a phone category (办公 / 手机) it leaves blank
    keeps the numbers on record. A registered volunteer keeps their dates; an applicant keeps
    the date of their first form; someone who withdrew applies again (申请, dates cleared).
    """
    reapply = pl.col("status__cur").is_in(["退出", REJECTED])
    pending = pl.col("status__cur") == APPLICANT
    form_date = pl.col("applied")
    office = pl.coalesce("office_phone", _phones(pl.col("phone__cur"), mobile=False))
    mobile = pl.coalesce("mobile", _phones(pl.col("phone__cur"), mobile=True))
    phone = _joined(office, mobile)
    same_numbers = (phone.str.split("、").list.sort() == pl.col("phone__cur").str.split("、").list.sort())
    stage = {
        "applied": pl.when(reapply).then(form_date).when(pending).then(pl.coalesce("applied__cur", form_date))
        .otherwise(pl.col("applied__cur")),
        "status": pl.when(reapply).then(pl.lit(APPLICANT)).otherwise(pl.col("status__cur")),
        **{c: pl.when(reapply).then(None).otherwise(pl.col(f"{c}__cur"))
           for c in ("approved", "registered", "left")},
        "phone": pl.when(same_numbers.fill_null(False)).then(pl.col("phone__cur")).otherwise(phone),
        "valid_from": pl.max_horizontal("valid_from", "valid_from__cur"),
    }
    staged = known.with_columns(**{f"__{k}": v for k, v in stage.items()})
    return keep_blank_as_was(staged).with_columns(**{k: pl.col(f"__{k}") for k in stage})


def _new(fresh: pl.DataFrame) -> pl.DataFrame:
    return fresh.with_columns(pl.lit(APPLICANT).alias("status"), pl.lit(0.0).alias("prior_hours"))


def prepare_applications(batch: FormBatch, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> FormPrepared:
    typed = _check(batch, typed)
    known_units = unit_names(con)
    units = {i: _unit_of(batch, i, w, known_units) for i, w in typed.select(ROW, "workplace").iter_rows()}
    given = "".join(batch.opts.unit.split()) if batch.opts.unit else None
    if given and given not in known_units and typed.height:
        batch.add(1, None, given, f"单位“{given}”尚未登记，已按本次导入新建；请导入单位表补充党员人数"
                  "（tracker load units）", "warning")
    rows = typed.with_columns(
        pl.Series("unit", [units[i] for i in typed[ROW].to_list()], pl.String),
        _joined(pl.col("office_phone"), pl.col("mobile")).alias("phone"),
    ).with_columns(  # 所在单位 is kept only when it says more than the unit's name
        pl.when(pl.col("workplace").str.replace_all(r"\s", "") != pl.col("unit")).then("workplace")
        .alias("workplace"))
    if any(u is None for u in units.values()):
        return FormPrepared({}, {}, lambda con, ids: {})
    _same_person(batch, rows)
    people = rows.with_columns(pl.lit(None, _ROSTER_ONLY.get(c, pl.String)).alias(c)
                               for c in PERSON_FIELDS if c not in rows.columns)
    matched, notes = match_volunteers(people.select(*PERSON_FIELDS, "office_phone", "mobile", ROW), con)
    for i, level, name, message in notes:
        batch.add(i, "姓名", name, message, level)
    known = _known(con)
    _warn_about_people(batch, matched, known)
    dates = dict(typed.select(ROW, "applied").iter_rows())
    reapplying = set(matched.join(known.filter(pl.col("status").is_in(["退出", REJECTED])).select("vid"),
                                  on="vid")[ROW])
    applying = reapplying | set(matched.filter(pl.col("vid").is_null())[ROW])
    fallback = "--as-of" if batch.opts.as_of else "导入当天"
    for i in typed.filter(pl.col("__undated"))[ROW].to_list():
        raw = batch.form(i).fields.get("applied")
        if i in applying and (raw is None or raw.value is None):  # a bad date is already an error
            batch.add(i, "填表日期", None, f"未填写填表日期，申请日期按 {dates[i]}（{fallback}）记", "warning")

    def write(con: duckdb.DuckDBPyConnection, load_ids: dict[int, int]) -> dict[int, str]:
        file_of = {i: batch.form(i).file_index for i in dates}
        stored = matched.with_columns(
            pl.col(ROW).replace_strict({i: load_ids[f] for i, f in file_of.items()}, return_dtype=pl.Int32)
            .alias("load_id"),
            pl.col("applied").alias("valid_from"),
            pl.lit(None, pl.Int32).alias("src_row"),
        )
        fresh, changed = write_people(con, stored, merge=_merge, new=_new)
        words = {i: "无变化" for i in dates}
        words.update({i: "新申请" for i in fresh})
        words.update({i: "重新申请" if i in reapplying else "信息更新" for i in changed})
        return words

    return FormPrepared(units, dates, write)


def _warn_about_people(batch: FormBatch, matched: pl.DataFrame, known: pl.DataFrame) -> None:
    """Someone who withdrew applies again; a new applicant shares a name with a volunteer."""
    gone = matched.join(known.filter(pl.col("status") == "退出").select("vid", pl.col("left").alias("__left")),
                        on="vid")
    for i, left in gone.select(ROW, "__left").iter_rows():
        batch.add(i, "姓名", batch.form(i).fields["name"].value,
                  f"曾于 {left} 退出，本表作为重新申请登记（待审核）", "warning")
    for i in matched.join(known.filter(pl.col("status") == REJECTED).select("vid"), on="vid")[ROW].to_list():
        batch.add(i, "姓名", batch.form(i).fields["name"].value,
                  "此前的申请审核未通过，本表作为重新申请登记（待审核）", "warning")
    twins = matched.filter(pl.col("vid").is_null()).select(ROW, "unit", "name").join(
        known.filter(pl.col("status") != "退出").select("unit", "name", "number", "phone"), on=["unit", "name"])
    for i, name, number, phone in twins.select(ROW, "name", "number", "phone").iter_rows():
        who = f"编号 {number}" if number else (f"电话 {mask_phone(phone)}" if phone else "无编号和电话")
        batch.add(i, "姓名", name, f"本单位已有同名的{name}（{who}），但身份证号码或手机不同，按新申请人登记；"
                  "如是同一人，请核对号码", "warning")


KIND = FormKind(
    "applications", "申请登记表", "党员志愿者申请登记表", COLUMNS, prepare_applications, new_units="warn",
    labels=OTHER_LABELS, title_words=("申请登记表",), marks=MARKS, notice="附件1",
)

"""The registers: units (附件4), teams (附件3) and the roster (附件1+2).

Registers add or update; nobody and nothing is deleted. Teams and volunteers
keep versions with the date they take effect from (the file's date), so a
report for a past period sees the roster of that period.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import polars as pl

from tracker.ingest.columns import TEN_HAVES
from tracker.ingest.pipeline import FileContext, Prepared, duplicate_rows, preparer
from tracker.ingest.read import ROW
from tracker.ingest.resolve import resolve_teams, team_lookup
from tracker.ingest.validate import problems_where
from tracker.store.queries import frame

EPOCH = dt.date(1900, 1, 1)


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> int:
    """Bulk insert a polars frame (columns named as the table's) through Arrow."""
    if df.height == 0:
        return 0
    cols = ", ".join(f'"{c}"' for c in df.columns)
    con.register("__incoming", df.to_arrow())
    try:
        con.execute(f'INSERT INTO {table} ({cols}) SELECT {cols} FROM __incoming')
    finally:
        con.unregister("__incoming")
    return df.height


def ensure_units(con: duckdb.DuckDBPyConnection, units: list[str], load_id: int) -> None:
    """Teams and rosters may name a unit not yet registered: register it (counts unknown)."""
    con.execute(
        "INSERT INTO units (unit, load_id) SELECT u, ? FROM unnest(?::VARCHAR[]) t(u) "
        "WHERE u NOT IN (SELECT unit FROM units)",
        [load_id, units],
    )


def _number_in_cell(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKC").str.extract(r"(\d+)", 1).cast(pl.Int64, strict=False)


def _fingerprint(cols: list[str]) -> pl.Expr:
    """A text key of the values that make a version; equal fingerprints → no new version."""
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("∅") for c in cols], separator="\x1f")


# ---------------------------------------------------------------- units (附件4)

@preparer("units")
def prepare_units(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Prepared:
    t = ctx.table
    if t.title_parent:
        typed = typed.with_columns(pl.col("parent").fill_null(t.title_parent))
    if "parent" in t.present:
        typed = typed.with_columns(pl.col("parent").forward_fill())
    if t.title_staff is not None:
        typed = typed.with_columns(pl.col("staff").fill_null(t.title_staff))
    ctx.add_frame(duplicate_rows(typed, ["unit"], "单位名称", "unit", "单位"))
    ctx.add_frame(problems_where(typed, pl.col("formal_members") > pl.col("party_members"),
                                 "正式党员人数", pl.col("formal_members").cast(pl.String),
                                 "正式党员人数不能多于党员人数"))
    for key, header in (("party_members", "党员人数"), ("staff", "单位人数"), ("formal_members", "正式党员人数")):
        ctx.add_frame(problems_where(typed, pl.col(key) < 0, header, pl.col(key).cast(pl.String), "不能为负数"))
    _check_totals(ctx, typed, [("party_members", "党员人数"), ("team_count", "党员志愿服务队数"),
                               ("volunteer_count", "党员志愿者人数")])
    _compare_declared_counts(ctx, typed, con)
    stored = ["unit", "parent", "staff", "party_members", "formal_members", "code"]
    rows = typed.select(*stored, ROW)

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        incoming = rows.with_columns(pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row")).drop(ROW)
        con.register("__u", incoming.to_arrow())
        try:
            existing = frame(con, "SELECT unit FROM units WHERE unit IN (SELECT unit FROM __u)")["unit"].to_list()
            # what a file leaves blank (or has no column for) stays as it was
            sets = ", ".join(f"{c} = coalesce(__u.{c}, units.{c})" for c in stored if c != "unit")
            con.execute(f"UPDATE units SET {sets}, load_id = __u.load_id, src_row = __u.src_row "
                        "FROM __u WHERE units.unit = __u.unit")
            con.execute("INSERT INTO units SELECT * FROM __u WHERE unit NOT IN (SELECT unit FROM units)")
        finally:
            con.unregister("__u")
        return {"新增单位": rows.height - len(existing), "更新单位": len(existing)}

    return Prepared(rows, sorted(typed["unit"].unique().to_list()), [ctx.file_date.strftime("%Y-%m")], write,
                    {"单位": rows.height})


def _check_totals(ctx: FileContext, typed: pl.DataFrame, cols: list[tuple[str, str]]) -> None:
    """A 总计/合计 row is checked against the rows above it, a 小计 row against its own
    group (the rows since the previous 小计); neither is loaded."""
    totals = ctx.table.totals
    if totals is None or totals.height == 0:
        return
    labels = [c for c, dtype in totals.schema.items() if dtype == pl.String]
    group_start = 0
    for t in totals.sort(ROW).iter_rows(named=True):
        label = next((re.sub(r"\s", "", t[c]) for c in labels if t[c] and re.match(r"^\s*(总|合|小)", t[c])), "")
        subtotal = label.startswith("小计")
        scope = typed.filter(pl.col(ROW).is_between(group_start, t[ROW])) if subtotal else typed
        if subtotal:
            group_start = t[ROW]
        for key, header in cols:
            text = t.get(key)
            if text is None:
                continue
            declared = pl.select(_number_in_cell(pl.lit(str(text)))).item()
            actual = scope[key].sum()
            if declared is not None and actual is not None and declared != actual:
                what = "本组各行" if subtotal else "上方各行"
                ctx.error(f"{'小计' if subtotal else '总计'}行与{what}之和（{actual}）不符", t[ROW], header, str(text))


def _compare_declared_counts(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    """附件4's 服务队数 and 志愿者人数 against the teams and roster on file (warnings)."""
    if not {"team_count", "volunteer_count"} & set(ctx.table.present):
        return
    from tracker.store.queries import roster_as_of, teams_as_of

    teams = teams_as_of(con, ctx.file_date).group_by("unit").len("teams")
    people = roster_as_of(con, ctx.file_date).filter("active").group_by("unit").len("people")
    joined = typed.join(teams, on="unit", how="left").join(people, on="unit", how="left")
    for row, _unit, tc, n_t, vc, n_p in joined.select(
        ROW, "unit", "team_count", "teams", "volunteer_count", "people"
    ).iter_rows():
        if tc is not None and n_t is not None and tc != n_t:
            ctx.warn(f"填写 {tc} 支，但已登记的服务队为 {n_t} 支", row, "党员志愿服务队数", str(tc))
        if vc is not None and n_p is not None and vc != n_p:
            ctx.warn(f"填写 {vc} 人，但花名册在册 {n_p} 人", row, "党员志愿者人数", str(vc))


# ---------------------------------------------------------------- teams (附件3)

TEAM_FIELDS = ["short_name", "leader", "service_items", "founded", "declared_members", *[k for k, _ in TEN_HAVES]]


@preparer("teams")
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
    totals = ctx.table.totals
    if totals is not None and totals.height:
        for row, team_text, members_text in totals.select(
            ROW, pl.col("team") if "team" in totals.columns else pl.lit(None),
            pl.col("member_count") if "member_count" in totals.columns else pl.lit(None),
        ).iter_rows():
            n = pl.select(_number_in_cell(pl.lit(team_text, pl.String))).item() if team_text else None
            if n is not None and n != typed.height:
                ctx.error(f"总计写 {n} 支，但表中有 {typed.height} 支服务队", row, "服务队名称", team_text)
            m = pl.select(_number_in_cell(pl.lit(members_text, pl.String))).item() if members_text else None
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
        fp = _fingerprint(TEAM_FIELDS)
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
        if changed.height:
            con.register("__chg", changed.select("unit", "team").to_arrow())
            con.execute("DELETE FROM teams WHERE valid_from = ? AND (unit, team) IN (SELECT (unit, team) FROM __chg)",
                        [ctx.file_date])
            con.unregister("__chg")
        insert_frame(con, "teams", out)
        return {"新登记服务队": new.height, "变更服务队": changed.height,
                "无变化": rows.height - new.height - changed.height}

    return Prepared(rows, sorted(typed["unit"].unique().to_list()), [ctx.file_date.strftime("%Y-%m")], write,
                    {"服务队": rows.height})


def _warn_member_counts(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    if "member_count" not in ctx.table.present:
        return
    from tracker.store.queries import roster_as_of

    people = roster_as_of(con, ctx.file_date).filter("active")
    if people.height == 0:
        return
    counts = people.group_by("unit", "team").len("n")
    j = typed.join(counts, on=["unit", "team"], how="left").filter(
        pl.col("member_count").is_not_null() & (pl.col("member_count") != pl.col("n").fill_null(0)))
    for row, _team, declared, n in j.select(ROW, "team", "member_count", "n").iter_rows():
        ctx.warn(f"填写 {declared} 人，花名册中该队在册 {n or 0} 人", row, "志愿者人数", str(declared))


# ---------------------------------------------------------------- roster (附件1+2)

PERSON_FIELDS = [
    "unit", "number", "name", "gender", "age", "birth_month", "education", "joined_party", "ethnicity",
    "team", "service_items", "phone", "id_number", "health", "skills", "email", "leadership",
    "applied", "approved", "registered", "status", "left", "prior_hours",
]


@preparer("roster")
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
        fp = _fingerprint(PERSON_FIELDS)
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
        if changed.height:
            con.register("__chg", changed.select("vid").to_arrow())
            con.execute("DELETE FROM volunteer_versions WHERE valid_from = ? AND vid IN (SELECT vid FROM __chg)",
                        [ctx.file_date])
            con.unregister("__chg")
        insert_frame(con, "volunteer_versions",
                     versions.select("vid", "valid_from", *PERSON_FIELDS, "load_id", "src_row"))
        return {"新登记志愿者": new.height, "信息变更": changed.height,
                "无变化": rows.height - new.height - changed.height}

    return Prepared(rows, sorted(typed["unit"].unique().to_list()), [ctx.file_date.strftime("%Y-%m")], write,
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

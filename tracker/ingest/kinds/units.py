"""附件4 组队情况汇总表 as the `units` ledger: each unit, its parent and its Party members.

A register: rows add or update units; nothing is deleted. Its 总计 and 小计
rows are checked against the rows they sum, and its declared team and
volunteer counts against the teams and roster on file (docs/ledgers.md).
"""

from __future__ import annotations

import re
from dataclasses import replace

import duckdb
import polars as pl

from tracker.ingest.columns import SEQ, UNIT, Column, Kind
from tracker.ingest.common import (
    check_count,
    duplicate_rows,
    file_month,
    number_in_cell,
    unregister,
)
from tracker.ingest.context import FileContext, Prepared
from tracker.ingest.read import ROW
from tracker.ingest.validate import problems_where
from tracker.store.queries import ArrowSource, frame, roster_as_of, teams_as_of

MOST = 1_000_000  # more people than any unit has: a typo, and more than the database's INTEGER holds

COLUMNS = (
    replace(UNIT, required=True),
    Column("parent", "上级单位", also=("辖市区", "主管部门", "辖市(区)、市各主管部门"), example="示例区委组织部"),
    Column("staff", "单位人数", "int", example="90"),
    Column("party_members", "党员人数", "int", required=True, example="34"),
    Column("formal_members", "正式党员人数", "int", example="32", note="默认等于党员人数"),
    Column("code", "单位代码", example="XX001"),
    Column("team_count", "党员志愿服务队数", "int", also=("服务队数",), stored=False,
           note="附件4：与已登记服务队核对"),
    Column("volunteer_count", "党员志愿者人数", "int", also=("志愿者人数",), stored=False,
           note="附件4：与花名册核对"),
    SEQ,
)


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
    for key, header in (("party_members", "党员人数"), ("staff", "单位人数"), ("formal_members", "正式党员人数"),
                        ("team_count", "党员志愿服务队数"), ("volunteer_count", "党员志愿者人数")):
        check_count(ctx, typed, key, header, 0, MOST)
    _check_totals(ctx, typed, [("party_members", "党员人数"), ("team_count", "党员志愿服务队数"),
                               ("volunteer_count", "党员志愿者人数")])
    _compare_declared_counts(ctx, typed, con)
    stored = ["unit", "parent", "staff", "party_members", "formal_members", "code"]
    rows = typed.select(*stored, ROW)

    def write(con: duckdb.DuckDBPyConnection, load_id: int) -> dict[str, int]:
        incoming = rows.with_columns(pl.lit(load_id).alias("load_id"), pl.col(ROW).alias("src_row")).drop(ROW)
        con.register("__u", ArrowSource(incoming))
        try:
            existing = frame(con, "SELECT unit FROM units WHERE unit IN (SELECT unit FROM __u)")["unit"].to_list()
            # what a file leaves blank (or has no column for) stays as it was
            sets = ", ".join(f"{c} = coalesce(__u.{c}, units.{c})" for c in stored if c != "unit")
            con.execute(f"UPDATE units SET {sets}, load_id = __u.load_id, src_row = __u.src_row "
                        "FROM __u WHERE units.unit = __u.unit")
            con.execute("INSERT INTO units SELECT * FROM __u WHERE unit NOT IN (SELECT unit FROM units)")
        finally:
            unregister(con, "__u")
        return {"新增单位": rows.height - len(existing), "更新单位": len(existing)}

    return Prepared(rows, sorted(typed["unit"].unique().to_list()), file_month(ctx), write, {"单位": rows.height})


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
            declared = pl.select(number_in_cell(pl.lit(str(text)))).item()
            actual = scope[key].sum()
            if declared is not None and actual is not None and declared != actual:
                what = "本组各行" if subtotal else "上方各行"
                ctx.error(f"{'小计' if subtotal else '总计'}行与{what}之和（{actual}）不符", t[ROW], header, str(text))


def _compare_declared_counts(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    """附件4's 服务队数 and 志愿者人数 against the teams and roster on file (warnings)."""
    if not {"team_count", "volunteer_count"} & set(ctx.table.present):
        return
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



KIND = Kind("units", "单位", "单位（组队情况汇总表）", COLUMNS, prepare_units, new_units="create",
            fill_down=("parent",))

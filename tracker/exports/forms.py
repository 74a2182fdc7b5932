"""The notice's official forms out of the database: 附件2 roster, 附件3 teams, 附件4 summary.

Each form is built once as a plain polars table (what the CSV holds) from the
shared as-of queries, then laid out the way the notice prints it in .xlsx:
title, unit line, header, rows, totals, 注 line. The .xlsx is also a valid
input: `tracker load` finds its header and reads it back (docs/forms.md).

Several units and no `unit`: roster and teams get one sheet per unit (the
forms are per-unit: the unit and its staff are in the title line); the
summary is always one sheet, grouped by 上级单位.

Privacy (docs/privacy.md): phones are masked unless `unmask`; ID numbers are never
read into a form. Every text cell is written as text (never a formula); in
CSV, text that Excel would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from tracker.privacy import mask_phone
from tracker.problems import TrackerError
from tracker.render.files import Document, write_document
from tracker.render.xlsx import FormSheet
from tracker.store.queries import roster_as_of, select_units, teams_as_of, units

FORMS = {"roster": "附件2", "teams": "附件3", "summary": "附件4"}
TITLES = {
    "roster": "党员志愿服务队志愿者花名册",
    "teams": "党员志愿服务队登记表",
    "summary": "党员志愿服务队组队情况汇总表",
}
NOTE_UNIT = "注：此表由各基层党组织填写，辖市区委组织部汇总。"
NOTE_SUMMARY = "注：此表由各辖市（区）组织部党管科和市各主管部门负责汇总填写。"

# display headers (the notice's own wording; tracker's header matcher reads them back)
UNIT_COL = "单位名称"
ROSTER_COLS = ["所属服务队", "志愿者编号", "姓名", "性别", "年龄", "学历", "入党时间", "民族",
               "主要志愿服务项目", "联系方式（办公、手机）"]
TEAM_COLS = ["党组织名称", "“党员志愿服务队”名称", "志愿者人数", "主要志愿服务项目",
             "“党员志愿服务队”负责人姓名及联系方式（办公、手机）"]
SUMMARY_COLS = ["序号", "上级单位", "单位名称", "党员人数", "党员志愿服务队数（支）", "党员志愿者人数"]


@dataclass
class ExportResult:
    path: Path
    rows: int  # volunteers (roster), teams (teams) or units (summary) written
    units: list[str]  # the units the form covers
    as_of: dt.date


def _phone(unmask: bool) -> pl.Expr:
    """The phone column as the form shows it: masked (138****5678) unless `unmask`."""
    if unmask:
        return pl.col("phone")
    return pl.col("phone").map_elements(mask_phone, return_dtype=pl.String)


def _month_text(expr: pl.Expr) -> pl.Expr:
    """A month as the notice writes it: 1997.12, 2002.2."""
    return pl.format("{}.{}", expr.dt.year(), expr.dt.month())


def _date_text(d: dt.date) -> str:
    return f"{d.year}.{d.month}"


# ---------------------------------------------------------------- the tables


def roster_table(con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: str | None,
                 unmask: bool) -> pl.DataFrame:
    """附件2: the volunteers registered and not withdrawn at `as_of`, one row each."""
    born = pl.col("birth_month")
    age_from_birth = pl.lit(as_of.year) - born.dt.year() - (born.dt.month() > as_of.month).cast(pl.Int32)
    df = roster_as_of(con, as_of, unit).filter(pl.col("active"))
    return df.select(
        pl.col("unit").alias(UNIT_COL),
        pl.col("team").alias("所属服务队"),
        pl.col("number").alias("志愿者编号"),
        pl.col("name").alias("姓名"),
        pl.col("gender").alias("性别"),
        pl.coalesce(pl.col("age"), age_from_birth).cast(pl.Int64).alias("年龄"),
        pl.col("education").alias("学历"),
        _month_text(pl.col("joined_party")).alias("入党时间"),
        pl.col("ethnicity").alias("民族"),
        pl.col("service_items").alias("主要志愿服务项目"),
        _phone(unmask).alias("联系方式（办公、手机）"),
    )


def teams_table(con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: str | None,
                unmask: bool) -> pl.DataFrame:
    """附件3: teams at `as_of`, members counted from the roster, leader with phone."""
    teams = teams_as_of(con, as_of, unit)
    people = roster_as_of(con, as_of, unit).sort("active", descending=True, maintain_order=True)
    members = (
        people.filter(pl.col("active") & pl.col("team").is_not_null())
        .group_by("unit", "team").agg(pl.len().cast(pl.Int64).alias("members"))
    )
    shown = people.select("unit", "number", "name", _phone(unmask).alias("lphone"))
    by_number = (shown.filter(pl.col("number").is_not_null())
                 .select("unit", pl.col("number").alias("leader"), pl.col("name").alias("lname1"),
                         pl.col("lphone").alias("lphone1"))
                 .unique(["unit", "leader"], keep="first", maintain_order=True))
    by_name = (shown.select("unit", pl.col("name").alias("leader"), pl.col("lphone").alias("lphone2"))
               .unique(["unit", "leader"], keep="first", maintain_order=True))
    df = (teams.join(members, on=["unit", "team"], how="left")
          .join(by_number, on=["unit", "leader"], how="left")
          .join(by_name, on=["unit", "leader"], how="left"))
    name = pl.coalesce("lname1", "leader")
    phone = pl.coalesce("lphone1", "lphone2")
    leader = pl.when(phone.is_not_null()).then(pl.concat_str([name, phone], separator=" ")).otherwise(name)
    return df.select(
        pl.col("unit").alias(TEAM_COLS[0]),
        pl.col("team").alias(TEAM_COLS[1]),
        pl.col("members").fill_null(0).alias(TEAM_COLS[2]),
        pl.col("service_items").alias(TEAM_COLS[3]),
        leader.alias(TEAM_COLS[4]),
    )


def summary_table(con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: str | None) -> pl.DataFrame:
    """附件4: per unit its Party members, teams and volunteers at `as_of`, by 上级单位."""
    known = units(con, unit).select("unit", "parent", "party_members")
    teams = teams_as_of(con, as_of, unit).group_by("unit").agg(pl.len().cast(pl.Int64).alias("teams"))
    people = (roster_as_of(con, as_of, unit).filter(pl.col("active"))
              .group_by("unit").agg(pl.len().cast(pl.Int64).alias("volunteers")))
    every = pl.concat([known.select("unit"), teams.select("unit"), people.select("unit")]).unique()
    df = (every.join(known, on="unit", how="left").join(teams, on="unit", how="left")
          .join(people, on="unit", how="left")
          .sort(pl.col("parent").is_null(), "parent", "unit"))
    return df.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("序号"),
        pl.col("parent").alias("上级单位"),
        pl.col("unit").alias("单位名称"),
        pl.col("party_members").cast(pl.Int64).alias("党员人数"),
        pl.col("teams").fill_null(0).alias("党员志愿服务队数（支）"),
        pl.col("volunteers").fill_null(0).alias("党员志愿者人数"),
    )


# ---------------------------------------------------------------- the sheets


def _unit_line(unit: str, day: dt.date, staff: int | None = None, with_staff: bool = False) -> str:
    if with_staff:
        staff_text = f"{staff}人" if staff is not None else "　　人"
        return f"单位名称（盖章）：{unit}单位人数：{staff_text} 填表日期：{_date_text(day)}"
    return f"单位名称（盖章）：{unit}　　　填表日期：{_date_text(day)}"


def _roster_sheets(table: pl.DataFrame, names: list[str], day: dt.date) -> list[FormSheet]:
    out = []
    for u in names:
        part = table.filter(pl.col(UNIT_COL) == u).drop(UNIT_COL)
        out.append(FormSheet(u, TITLES["roster"], _unit_line(u, day), ROSTER_COLS, part.rows(), NOTE_UNIT))
    return out


def _teams_sheets(table: pl.DataFrame, names: list[str], day: dt.date,
                  staff: dict[str, int | None]) -> list[FormSheet]:
    out = []
    for u in names:
        part = table.filter(pl.col(TEAM_COLS[0]) == u)
        data = [list(r) for r in part.rows()]
        n, people = part.height, int(part[TEAM_COLS[2]].sum())
        sheet = FormSheet(u, TITLES["teams"], _unit_line(u, day, staff.get(u), with_staff=True),
                       TEAM_COLS, data, NOTE_UNIT)
        if n > 1:
            sheet.merges.append((0, 0, n - 1, 0))  # the unit written once for its block
        sheet.rows.append([None, f"总计 {n} 支", f"总计 {people}人", None, None])
        sheet.totals.add(n)
        out.append(sheet)
    return out


def _summary_sheet(table: pl.DataFrame, day: dt.date) -> FormSheet:
    counts = SUMMARY_COLS[3:]
    parents = table["上级单位"].unique(maintain_order=True).to_list()
    grouped = len(parents) > 1
    label = parents[0] if len(parents) == 1 and parents[0] is not None else ""
    line = f"辖市（区）、市各主管部门（盖章）：{label}　填表日期：{_date_text(day)}"
    header = SUMMARY_COLS if grouped else [c for c in SUMMARY_COLS if c != "上级单位"]
    sheet = FormSheet("汇总表", TITLES["summary"], line, header, [], NOTE_SUMMARY)

    def sums(frame: pl.DataFrame) -> list[object]:
        return [frame[c].sum() if frame[c].null_count() < frame.height else None for c in counts]

    if grouped:
        for parent in parents:
            part = table.filter(pl.col("上级单位").eq_missing(parent))
            first = len(sheet.rows)
            sheet.rows.extend(list(r) for r in part.rows())
            sheet.rows.append([None, parent, "小计", *sums(part)])
            sheet.totals.add(len(sheet.rows) - 1)
            sheet.merges.append((first, 1, len(sheet.rows) - 1, 1))
    else:
        sheet.rows.extend(list(r) for r in table.drop("上级单位").rows())
    if table.height > 1:
        lead = [None] * (header.index("单位名称") + 1)
        lead[0] = "总计"
        sheet.rows.append([*lead, *sums(table)])
        sheet.totals.add(len(sheet.rows) - 1)
        sheet.merges.append((len(sheet.rows) - 1, 0, len(sheet.rows) - 1, len(lead) - 1))
    return sheet


# ---------------------------------------------------------------- entry point


def export_form(
    con: duckdb.DuckDBPyConnection,
    form: str,
    out: Path,
    *,
    year: int | None = None,
    as_of: dt.date | None = None,
    unit: str | None = None,
    unmask: bool = False,
    only: list[str] | None = None,
) -> ExportResult:
    """Write 附件2/3/4 (form roster|teams|summary) as .xlsx in its layout or as plain .csv.

    The state is the one in force at `as_of` (default: 12-31 of `year`, else today); `only`:
    only these units' rows (the caller's scope).
    """
    if form not in FORMS:
        raise TrackerError(f"未知的表格“{form}”，可选：roster（附件2 花名册）、teams（附件3 登记表）、"
                           "summary（附件4 汇总表）。", code=2)
    day = as_of or (dt.date(year, 12, 31) if year else dt.date.today())
    known = select_units(con, unit)
    if only is not None:
        known = [u for u in known if u in only]
    if not known:
        raise TrackerError("数据库里还没有任何单位的数据，请先用 tracker load 导入台账。")

    if form == "roster":
        table = roster_table(con, day, unit, unmask)
        unit_col = UNIT_COL
    elif form == "teams":
        table = teams_table(con, day, unit, unmask)
        unit_col = TEAM_COLS[0]
    else:
        table = summary_table(con, day, unit)
        unit_col = "单位名称"
    if only is not None:
        table = table.filter(pl.col(unit_col).is_in(known))
        if form == "summary":
            table = table.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("序号"))
    present = table[unit_col].unique(maintain_order=True).to_list()
    covered = [unit] if unit is not None else [u for u in known if u in present] or known[:1]

    if form == "summary":
        sheets = [_summary_sheet(table, day)]
    elif form == "roster":
        sheets = _roster_sheets(table, covered, day)
    else:
        staff = dict(units(con, unit).select("unit", "staff").rows())
        sheets = _teams_sheets(table, covered, day, staff)
    path = write_document(Document(table, sheets), out, f"{FORMS[form]}{TITLES[form]}")
    return ExportResult(path, table.height, covered, day)

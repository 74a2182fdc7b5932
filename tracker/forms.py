"""The notice's official forms out of the database: 附件2 roster, 附件3 teams, 附件4 summary.

Each form is built once as a plain polars table (what the CSV holds) from the
shared as-of queries, then laid out the way the notice prints it in .xlsx:
title, unit line, header, rows, totals, 注 line. The .xlsx is also a valid
input: `tracker load` finds its header and reads it back (SPEC §3).

Several units and no `unit`: roster and teams get one sheet per unit (the
forms are per-unit: the unit and its staff are in the title line); the
summary is always one sheet, grouped by 上级单位.

Privacy (SPEC §6): phones are masked unless `unmask`; ID numbers are never
read into a form. Every text cell is written as text (never a formula); in
CSV, text that Excel would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from tracker.privacy import mask_phone
from tracker.problems import TrackerError
from tracker.render.filters import FORMULA_START, is_formula_like
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

FORMULA_RE = "^([" + re.escape("".join(FORMULA_START)) + "])"


@dataclass
class ExportResult:
    path: Path
    rows: int  # volunteers (roster), teams (teams) or units (summary) written
    units: list[str]  # the units the form covers
    as_of: dt.date


@dataclass
class _Sheet:
    """One sheet as the notice lays it out; `rows` include total rows."""

    name: str
    title: str
    line: str
    header: list[str]
    rows: list[list[object]]
    note: str
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # data-row coords
    totals: set[int] = field(default_factory=set)  # row indices written bold


def neutralize(expr: pl.Expr) -> pl.Expr:
    """Text Excel would read as a formula (= + - @) gets a leading apostrophe."""
    return expr.str.replace(FORMULA_RE, "'$1")


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


def _roster_sheets(table: pl.DataFrame, names: list[str], day: dt.date) -> list[_Sheet]:
    out = []
    for u in names:
        part = table.filter(pl.col(UNIT_COL) == u).drop(UNIT_COL)
        out.append(_Sheet(u, TITLES["roster"], _unit_line(u, day), ROSTER_COLS, part.rows(), NOTE_UNIT))
    return out


def _teams_sheets(table: pl.DataFrame, names: list[str], day: dt.date,
                  staff: dict[str, int | None]) -> list[_Sheet]:
    out = []
    for u in names:
        part = table.filter(pl.col(TEAM_COLS[0]) == u)
        data = [list(r) for r in part.rows()]
        n, people = part.height, int(part[TEAM_COLS[2]].sum())
        sheet = _Sheet(u, TITLES["teams"], _unit_line(u, day, staff.get(u), with_staff=True),
                       TEAM_COLS, data, NOTE_UNIT)
        if n > 1:
            sheet.merges.append((0, 0, n - 1, 0))  # the unit written once for its block
        sheet.rows.append([None, f"总计 {n} 支", f"总计 {people}人", None, None])
        sheet.totals.add(n)
        out.append(sheet)
    return out


def _summary_sheet(table: pl.DataFrame, day: dt.date) -> _Sheet:
    counts = SUMMARY_COLS[3:]
    parents = table["上级单位"].unique(maintain_order=True).to_list()
    grouped = len(parents) > 1
    label = parents[0] if len(parents) == 1 and parents[0] is not None else ""
    line = f"辖市（区）、市各主管部门（盖章）：{label}　填表日期：{_date_text(day)}"
    header = SUMMARY_COLS if grouped else [c for c in SUMMARY_COLS if c != "上级单位"]
    sheet = _Sheet("汇总表", TITLES["summary"], line, header, [], NOTE_SUMMARY)

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


# ---------------------------------------------------------------- writing


def _width(text: object) -> int:
    s = "" if text is None else str(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet"
    base, candidate, i = base[:31], base[:31], 2
    while candidate.lower() in used:
        suffix = f"({i})"
        candidate, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(candidate.lower())
    return candidate


def _write_xlsx(sheets: list[_Sheet], out: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(out), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    props = {
        "title": {**base, "bold": True, "font_size": 16, "align": "center"},
        "line": {**base, "align": "left"},
        "head": {**base, "bold": True, "text_wrap": True, "align": "center", "border": 1},
        "cell": {**base, "text_wrap": True, "border": 1},
        "num": {**base, "align": "center", "border": 1},
        "total": {**base, "bold": True, "align": "center", "border": 1},
        "note": {**base, "align": "left"},
    }
    fmt = {k: wb.add_format(v) for k, v in props.items()}
    # text that looks like a formula keeps Excel's quote prefix, so it stays text when edited
    quoted = {k: wb.add_format({**v, "quote_prefix": True}) for k, v in props.items()}
    used: set[str] = set()
    first_data = 3

    def put(ws, r: int, c: int, v: object, style: str) -> None:
        f = fmt[style]
        if v is None:
            ws.write_blank(r, c, None, f)
        elif isinstance(v, bool):
            ws.write_string(r, c, "是" if v else "否", f)
        elif isinstance(v, int | float):
            ws.write_number(r, c, v, f)
        else:
            ws.write_string(r, c, str(v), quoted[style] if is_formula_like(v) else f)

    for sh in sheets:
        ws = wb.add_worksheet(_sheet_name(sh.name, used))
        n = len(sh.header)
        last = n - 1
        for r, text, f in ((0, sh.title, fmt["title"]), (1, sh.line, fmt["line"])):
            ws.merge_range(r, 0, r, last, "", f)
            ws.write_string(r, 0, text, f)
        ws.set_row(0, 30)
        for c, h in enumerate(sh.header):
            ws.write_string(2, c, h, fmt["head"])
        ws.set_row(2, 36)
        for i, row in enumerate(sh.rows):
            r = first_data + i
            for c, v in enumerate(row):
                style = "total" if i in sh.totals else "num" if isinstance(v, int | float) else "cell"
                put(ws, r, c, v, style)
        for r0, c0, r1, c1 in sh.merges:
            v = sh.rows[r0][c0]
            style = "total" if r0 in sh.totals else "cell"
            ws.merge_range(first_data + r0, c0, first_data + r1, c1, "", fmt[style])
            put(ws, first_data + r0, c0, v, style)
        note_row = first_data + len(sh.rows) + 1
        ws.merge_range(note_row, 0, note_row, last, "", fmt["note"])
        ws.write_string(note_row, 0, sh.note, fmt["note"])
        for c, h in enumerate(sh.header):
            longest = max((_width(row[c]) for row in sh.rows), default=0)
            ws.set_column(c, c, max(6, min(40, max(longest, min(_width(h), 12)) + 2)))
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.repeat_rows(2)
        ws.fit_to_pages(1, 0)
        ws.freeze_panes(first_data, 0)
        ws.set_footer("&C第 &P 页，共 &N 页")
    try:
        wb.close()
    except OSError as e:
        raise TrackerError(f"无法写入 {out}：{e}（文件是否正在 Excel 中打开？）") from e


def write_csv(table: pl.DataFrame, out: Path) -> None:
    """A plain table in UTF-8 with BOM (Excel on Windows opens it right)."""
    safe = table.with_columns(neutralize(pl.col(pl.String)))
    try:
        safe.write_csv(out, include_bom=True)
    except OSError as e:
        raise TrackerError(f"无法写入 {out}：{e}（文件是否正在 Excel 中打开？）") from e


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
) -> ExportResult:
    """Write 附件2/3/4 (form roster|teams|summary) as .xlsx in its layout or as plain .csv.

    The state is the one in force at `as_of` (default: 12-31 of `year`, else today).
    """
    out = Path(out)
    if form not in FORMS:
        raise TrackerError(f"未知的表格“{form}”，可选：roster（附件2 花名册）、teams（附件3 登记表）、"
                           "summary（附件4 汇总表）。")
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise TrackerError(f"无法导出为“{out.name}”：请用 .xlsx（按通知格式）或 .csv（纯表格）作为文件扩展名。")
    day = as_of or (dt.date(year, 12, 31) if year else dt.date.today())
    known = select_units(con, unit)
    if not known:
        raise TrackerError("数据库里还没有任何单位的数据，请先用 tracker load 导入台账。")
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)

    if form == "roster":
        table = roster_table(con, day, unit, unmask)
        unit_col = UNIT_COL
    elif form == "teams":
        table = teams_table(con, day, unit, unmask)
        unit_col = TEAM_COLS[0]
    else:
        table = summary_table(con, day, unit)
        unit_col = "单位名称"
    present = table[unit_col].unique(maintain_order=True).to_list()
    covered = [unit] if unit is not None else [u for u in known if u in present] or known[:1]

    if suffix == ".csv":
        write_csv(table, out)
    elif form == "summary":
        _write_xlsx([_summary_sheet(table, day)], out)
    elif form == "roster":
        _write_xlsx(_roster_sheets(table, covered, day), out)
    else:
        staff = dict(units(con, unit).select("unit", "staff").rows())
        _write_xlsx(_teams_sheets(table, covered, day, staff), out)
    return ExportResult(out, table.height, covered, day)

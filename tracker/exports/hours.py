"""Service hours written in a platform's import layout (docs/platforms.md).

From tracker's service records (`store.service`), one row per participation or per volunteer, the
columns the layout names, phone and ID numbers as text cells. Volunteers without the identifier the
platform matches by go to a sheet of their own (无法导出) with the reason; rows over the platform's
caps are warnings — nothing is dropped or cut silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker.exports.layouts import FIELDS, Layout
from tracker.problems import TrackerError
from tracker.render import files
from tracker.render.xlsx import write_tables

MOBILE = r"(?:^|[^\d])(1\d{10})(?:[^\d]|$)"
REASONS = {"phone": "花名册中没有11位手机号码", "id_number": "花名册中没有身份证号码", "number": "花名册中没有志愿者编号",
           "name": "没有姓名"}


@dataclass
class HoursTable:
    """The rows in the layout's columns, who could not be exported and why, and the warnings."""

    rows: pl.DataFrame  # headers as columns
    hours: float  # the hours written, in hours
    excluded: pl.DataFrame  # 姓名, 单位, 原因, 记录数, 服务时长（小时）
    warnings: list[str] = field(default_factory=list)


def identified(records: pl.DataFrame) -> pl.DataFrame:
    """The records with each volunteer's mobile (the 11-digit number of the roster's phone field)."""
    digits = pl.col("phone").fill_null("").str.replace_all(r"[\s\-－—]", "")
    return records.with_columns(digits.str.extract(MOBILE, 1).alias("mobile"))


def key_of(layout: Layout) -> pl.Expr:
    """The value a platform matches a volunteer by (null when the roster lacks it)."""
    return {"phone": pl.col("mobile"), "id_number": pl.col("id_number"), "number": pl.col("number"),
            "name": pl.col("name")}[layout.key]


def build(records: pl.DataFrame, layout: Layout) -> HoursTable:
    """The layout's table of these service records."""
    recs = identified(records).with_columns(key_of(layout).alias("__key"))
    lacking = recs.filter(pl.col("__key").is_null())
    excluded = (lacking.group_by("vid", "unit", "name", maintain_order=True)
                .agg(pl.len().alias("记录数"), pl.col("hours").sum().round(2).alias("服务时长（小时）"))
                .select(pl.col("name").alias("姓名"), pl.col("unit").alias("单位"),
                        pl.lit(REASONS[layout.key]).alias("原因"), "记录数", "服务时长（小时）"))
    recs = recs.filter(pl.col("__key").is_not_null())
    if layout.rows == "volunteer":
        recs = (recs.group_by("vid", maintain_order=True)
                .agg(pl.col("hours").sum(), pl.len().alias("activities"),
                     *[pl.col(c).first() for c in ("unit", "name", "number", "mobile", "id_number", "own_team")])
                .with_columns(pl.col("own_team").alias("team")))
    warnings = _caps(recs, layout)
    per = 60 if layout.hours_unit == "minutes" else 1
    out = recs.select([_column(head, f, layout, per) for head, f in layout.columns.items()])
    return HoursTable(out, round(float(recs["hours"].sum() or 0), 2), excluded, warnings)


def _column(head: str, f: str, layout: Layout, per: int) -> pl.Expr:
    if head in layout.constants:
        return pl.lit(layout.constants[head]).alias(head)
    if f in ("none", "result"):
        return pl.lit("", pl.String).alias(head)
    if f == "hours":
        h = pl.col("hours") * per
        return (h.round(0).cast(pl.Int64) if per == 60 else h.round(2)).alias(head)
    if f == "activities":
        return pl.col("activities").cast(pl.Int64).alias(head)
    if f == "date":
        return pl.col("date").dt.strftime(layout.date_format).alias(head)
    if f in ("start", "end"):
        return pl.col("starts" if f == "start" else "ends").dt.strftime("%H:%M").alias(head)
    if f == "phone":
        return pl.col("mobile").alias(head)  # the mobile alone, as text
    return pl.col(f).cast(pl.String).alias(head)


def _caps(recs: pl.DataFrame, layout: Layout) -> list[str]:
    """Rows a platform would refuse for their hours: said, never cut."""
    out = []
    if layout.cap_per_row is not None:
        for r in recs.filter(pl.col("hours") > layout.cap_per_row).head(50).to_dicts():
            out.append(f"{r['name']}{' ' + str(r['date']) if 'date' in r else ''} 一行 {r['hours']:g} 小时，"
                       f"超过平台单行上限 {layout.cap_per_row:g} 小时（已原样导出，导入平台前请核对）")
    if layout.cap_per_day is not None and "date" in recs.columns:
        days = recs.group_by("vid", "name", "date").agg(pl.col("hours").sum()).filter(
            pl.col("hours") > layout.cap_per_day).sort("date")
        for r in days.head(50).to_dicts():
            out.append(f"{r['name']} {r['date']} 一天 {r['hours']:g} 小时，超过平台每日上限 {layout.cap_per_day:g} 小时"
                       "（已原样导出，导入平台前请核对）")
    return out


def write(table: HoursTable, layout: Layout, out: Path) -> list[Path]:
    """The table as .xlsx (a sheet 无法导出 beside it when anyone lacks the identifier) or .csv (and
    a second .csv for them)."""
    suffix = files.check_suffix(out, "导出的时长", {".xlsx": "", ".csv": ""}, code=2)
    excluded = table.excluded
    if suffix == ".xlsx":
        sheets = {layout.sheet: table.rows}
        if excluded.height:
            sheets["无法导出"] = excluded
        return [write_tables(out, sheets)]
    paths = [files.write_csv(table.rows, out)]
    if excluded.height:
        paths.append(files.write_csv(excluded, out.with_name(f"{out.stem}-无法导出.csv")))
    return paths


def field_name(f: str) -> str:
    return FIELDS.get(f, f)


def refuse_masked(layout: Layout) -> None:
    if layout.identifying:
        names = "、".join(FIELDS[f] for f in layout.identifying)
        raise TrackerError(f"格式“{layout.name}”含有{names}：平台要用完整号码匹配志愿者，无法匹配脱敏的号码。"
                           "确认要导出完整号码时请加 --unmask，并妥善保管导出的文件。")

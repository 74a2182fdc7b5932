"""When an activity ran, however the sheet splits it (docs/ledgers.md, "Hours from times").

A register gives the day in 日期 and the times in a column of their own — 起止时间 "14:00-16:30"
or "8:30至10:30", or 开始时间/签到时间 and 结束时间/签退时间 (a typed 签到表: each person's own
times) — or all of it in one cell ("2026-04-11 10:00-12:00"). The day and the start become the
one text the span parser reads ("2026-04-11 14:00 至 16:30"), so a row without hours gets them
from its times, and the times of day are kept for overlaps.
"""

from __future__ import annotations

import polars as pl

# a range of two clocks joined by a hyphen, which the range separator (`values.RANGE_SEP`) does not
# take alone, since a hyphen also joins a date's parts
CLOCK_DASH = r"(\d{1,2}[:：]\d{2})\s*[-－]\s*(\d{1,2}[:：]\d{2})"
# the day Excel gives a time typed alone (a time cell read with its date part)
EXCEL_TIME_DAY = r"^(?:1899-12-3[01]|1900-01-0\d)[ T]"
CLOCK_FIRST = r"^\s*(?:上午|下午|晚上|早上|中午|凌晨)?\s*\d{1,2}[:：时]"
DAY_ONLY = r"\s*(?:上午|下午|晚上|早上|中午|凌晨)?\s*\d{1,2}[:：时].*$"


def _clock(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(EXCEL_TIME_DAY, "").str.replace_all(CLOCK_DASH, "${1} 至 ${2}")


def compose(rows: pl.DataFrame, present: list[str], headers: dict[str, str]) -> pl.DataFrame:
    """`rows` with `start` and `times` folded into `date` (and removed from `present`); `headers`
    gets the start column's header for the date when the sheet has no 日期."""
    for key in ("times", "start"):
        if key not in present:
            continue
        t = _clock(pl.col(key))
        if "date" in present:
            day = pl.col("date").str.replace(DAY_ONLY, "")
            date = (pl.when(t.is_null()).then(pl.col("date"))
                    .when(t.str.contains(CLOCK_FIRST) & pl.col("date").is_not_null())
                    .then(pl.concat_str([day, t], separator=" "))
                    .otherwise(t))
        else:
            date = t
            present.append("date")
            headers.setdefault("date", headers.get(key, key))
        rows = rows.with_columns(date.alias("date")).drop(key)
        present.remove(key)
    if "date" in present and rows.height and rows.select(pl.col("date").unique().str.contains("[:：]").any()).item():
        rows = rows.with_columns(pl.col("date").str.replace_all(CLOCK_DASH, "${1} 至 ${2}"))
    if "end" in present:
        rows = rows.with_columns(pl.col("end").str.replace(EXCEL_TIME_DAY, ""))
    return rows

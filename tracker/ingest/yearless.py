"""Dates written without a year ("3月5日", "7.5", "7月5日下午"), as typed registers write them
(docs/ledgers.md, "Dates without a year").

The year is the one `--month` names, else the one the lines above the table give (a title
"2026年5月活动登记簿", a 填报时间); with neither, such a date is refused naming `--month`, never
guessed. A date Excel stored as the number 7.1 cannot tell July 1 from July 10 and is refused.
"""

from __future__ import annotations

import polars as pl

from tracker.ingest.columns import Kind
from tracker.values import normal

YEARLESS = r"^(\d{1,2})\s*(?:月|[./\-])\s*(\d{1,2})\s*(?:日|号)?(.*)$"
FLAG = "__yearless"  # a column suffix: the cell had no year and none was known
AMBIGUOUS = "__ambiguous"  # a column suffix: an Excel number such as 7.1 (July 1 or July 10)


def with_years(rows: pl.DataFrame, kind: Kind, present: list[str], year: int | None) -> pl.DataFrame:
    """`rows` with the year put into each date column's yearless cells; where no year is known,
    or the cell is an ambiguous Excel number, a flag column says so for the date check."""
    for c in kind.columns:
        if c.type != "date" or c.key not in present or rows.height == 0:
            continue
        # told among the column's distinct cells (a year's file has a few hundred dates)
        if not rows.select(normal(pl.col(c.key).unique()).str.contains(
                r"^\d{1,2}\s*(?:月|[./\-])\s*\d{1,2}").any()).item():
            continue
        t = normal(pl.col(c.key))
        g = t.str.extract_groups(YEARLESS)
        yearless = g.struct.field("1").is_not_null()
        flag = f"{c.key}__num"
        ambiguous = (pl.col(flag) & t.str.contains(r"^\d{1,2}\.\d$")) if flag in rows.columns else pl.lit(False)
        if year is not None:
            dated = pl.concat_str([pl.lit(str(year)), g.struct.field("1"), g.struct.field("2")], separator="-")
            rows = rows.with_columns(
                pl.when(yearless & ~ambiguous).then(pl.concat_str([dated, g.struct.field("3").fill_null("")]))
                .otherwise(pl.col(c.key)).alias(c.key),
                (yearless & ambiguous).alias(c.key + AMBIGUOUS), pl.lit(False).alias(c.key + FLAG))
        else:
            rows = rows.with_columns((yearless & ~ambiguous).alias(c.key + FLAG),
                                     (yearless & ambiguous).alias(c.key + AMBIGUOUS))
    return rows

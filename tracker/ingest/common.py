"""Checks and writes several ledger kinds share (docs/ledgers.md).

Small functions over a file's typed rows: dates in the future or outside
--month, hours per day, rows repeating an earlier row, records already
stored, the months a file covers, back-filled entries; and the bulk writes
through Arrow that every kind's `write` uses.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.formats import hours_expr
from tracker.ingest.context import FileContext
from tracker.ingest.read import ROW
from tracker.ingest.validate import empty_problems, problems_where
from tracker.periods import month_end, month_end_of, months_between
from tracker.store.queries import ArrowSource


def check_date_range(ctx: FileContext, typed: pl.DataFrame, column: str, header: str) -> None:
    """A record's date after today, or before the rules' `earliest_date` (a year typed wrong:
    1900, 2205), is an error."""
    ctx.add_frame(problems_where(typed, pl.col(column) > ctx.opts.today, header,
                                 pl.col(column).cast(pl.String), "日期在将来（今天是 "
                                 f"{ctx.opts.today.isoformat()}）"))
    earliest = ctx.opts.earliest_date
    ctx.add_frame(problems_where(typed, pl.col(column) < earliest, header, pl.col(column).cast(pl.String),
                                 f"日期早于 {earliest.isoformat()}，年份是否写错？"
                                 "（规则 earliest_date，可在规则文件中修改）"))


def check_dates(ctx: FileContext, typed: pl.DataFrame, column: str, header: str,
                in_month: bool) -> None:
    """Dates in the future or before `earliest_date` are errors; with --month, so are dates outside it."""
    check_date_range(ctx, typed, column, header)
    rng = ctx.month_range
    if in_month and rng:
        ctx.add_frame(problems_where(
            typed, (pl.col(column) < rng[0]) | (pl.col(column) > rng[1]), header,
            pl.col(column).cast(pl.String), f"不在 --month 指定的 {ctx.opts.month} 内"))


def rounded_hours(typed: pl.DataFrame, column: str) -> pl.DataFrame:
    """Hours to 4 decimals: 24.0000001 (a spreadsheet's float noise) is 24, while 20 minutes keeps
    its 0.3333."""
    return typed.with_columns(pl.col(column).round(4))


def check_hours(ctx: FileContext, typed: pl.DataFrame, column: str, header: str) -> None:
    ctx.add_frame(problems_where(
        typed, (pl.col(column) <= 0) | (pl.col(column) > 24), header,
        hours_expr(pl.col(column)), "服务时长应大于0且不超过24小时"))


def duplicate_rows(typed: pl.DataFrame, keys: list[str], header: str, value: str | None,
                   what: str) -> pl.DataFrame:
    """Rows repeating an earlier row's keys, naming the earlier row."""
    keyed = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    n, distinct = typed.select(keyed.sum().alias("n"), pl.struct(keys).filter(keyed).hash().n_unique().alias("d")).row(0)
    if distinct == n:  # distinct hashes, distinct keys: the usual file, told from its keys alone
        return empty_problems()
    # the second and later of each key, in row order (whatever order the frame came in): a name
    # listed twice in one row is one too
    d = typed.filter(keyed).sort(ROW, maintain_order=True)
    d = d.with_columns(pl.col(ROW).min().over(keys).alias("__first"),
                       (pl.int_range(pl.len()).over(keys) > 0).alias("__again"))
    return problems_where(d, pl.col("__again"), header, value,
                          pl.when(pl.col(ROW) == pl.col("__first")).then(pl.lit(f"{what}在这一行中重复出现"))
                          .otherwise(pl.format(f"{what}与本文件第{{}}行重复", pl.col("__first"))))


def report_stored_duplicates(ctx: FileContext, dups: pl.DataFrame, header: str, value: str,
                             what: str) -> None:
    """Rows already stored by an earlier load (`__orig_file`, `__orig_row`) are errors."""
    ctx.add_frame(problems_where(
        dups, pl.lit(True), header, value,
        pl.format(what + "已导入过（原记录：{} 第{}行）；如需更正整月数据请加 --replace",
                  pl.col("__orig_file"), pl.col("__orig_row"))))


def units_of(typed: pl.DataFrame) -> list[str]:
    return sorted(typed["unit"].drop_nulls().unique().to_list())


def months_covered(ctx: FileContext, typed: pl.DataFrame, column: str) -> list[str]:
    """The months a dated file covers: --month, else every month from its first date to its last
    (a month without a row inside that span is a month with nothing to record, not a gap)."""
    if ctx.opts.month:
        return [ctx.opts.month]
    dates = typed[column].drop_nulls()
    if dates.is_empty():
        return []
    first, last = dates.min().replace(day=1), dates.max().replace(day=1)
    return pl.date_range(first, last, "1mo", eager=True).dt.strftime("%Y-%m").to_list()


GAP_MONTHS = 6  # this many months without a row inside a file's span are worth a warning


def warn_date_gaps(ctx: FileContext, typed: pl.DataFrame, column: str, header: str) -> None:
    """A file whose dates jump over months (2025-02-10 among February 2026's rows) most likely
    has a year typed wrong: say so, naming the rows on the smaller side of the jump."""
    if ctx.opts.month:
        return  # dates outside --month are errors already
    months = _months_of(typed[column])
    gaps = [(a, b) for a, b in zip(months, months[1:], strict=False)
            if len(months_between(a, b)) - 2 >= GAP_MONTHS]
    if not gaps:
        return
    dated = typed.filter(pl.col(column).is_not_null()).select(
        ROW, pl.col(column), pl.col(column).dt.strftime("%Y-%m").alias("__m"))
    for a, b in gaps:
        before, after = dated.filter(pl.col("__m") <= a), dated.filter(pl.col("__m") >= b)
        odd = before if before.height <= after.height else after
        rows = "、".join(f"第{r}行（{d}）" for r, d in odd.sort(ROW).head(5).select(ROW, column).iter_rows())
        more = f"等 {odd.height} 行" if odd.height > 5 else ""
        ctx.warn(f"本文件的{header}从 {a} 跳到 {b}，中间 {len(months_between(a, b)) - 2} 个月没有记录；"
                 f"请核对{rows}{more}的年份是否写错", column=header)


def replace_months(ctx: FileContext, typed: pl.DataFrame, column: str) -> list[str]:
    """The months --replace swaps: --month, else only the months the file has rows for (a month
    inside the file's span without a row is never emptied unless --month names it)."""
    if ctx.opts.month:
        return [ctx.opts.month]
    return _months_of(typed[column])


def _months_of(dates: pl.Series) -> list[str]:
    """The months of these dates, sorted ("2026-03"): a year's file has 365 dates, not 437k."""
    return sorted(dates.drop_nulls().unique().dt.strftime("%Y-%m").unique().to_list())


def stored_rows_per_month(con: duckdb.DuckDBPyConnection, queries: dict[str, str], units: list[str],
                          months: list[str]) -> dict[str, dict[str, int]]:
    """month → {what: n} for each (what → SQL selecting month m and a count n of `units` in `months`;
    parameters units, months): what a --replace would delete, to show before it does."""
    out: dict[str, dict[str, int]] = {m: {} for m in months}
    for what, sql in queries.items():
        for m, n in con.execute(sql, [units, months]).fetchall():
            out.setdefault(m, {})[what] = int(n)
    return {m: {w: c.get(w, 0) for w in queries} for m, c in out.items()}


def file_month(ctx: FileContext) -> list[str]:
    """A register's "months": the month of the file's date."""
    return [ctx.file_date.strftime("%Y-%m")]


def backfill_reference(ctx: FileContext) -> dt.date:
    """Entries dated more than N working days (rules) before the upload month's end are back-filled."""
    if ctx.opts.month:
        return month_end_of(ctx.opts.month)
    return month_end(ctx.file_date.year, ctx.file_date.month)


def backfilled(ctx: FileContext, column: str) -> pl.Expr:
    ref = backfill_reference(ctx)
    return pl.business_day_count(pl.col(column), pl.lit(ref)) > ctx.opts.due_working_days


def in_months(column: str) -> str:
    """SQL: the unit's records of these months (params: units, months) — what --replace swaps."""
    return (f"unit IN (SELECT unnest(?::VARCHAR[])) "
            f"AND strftime({column}, '%Y-%m') IN (SELECT unnest(?::VARCHAR[]))")


def number_in_cell(expr: pl.Expr) -> pl.Expr:
    """The first whole number in a cell: "总计 4 支" → 4."""
    return expr.str.normalize("NFKC").str.extract(r"(\d+)", 1).cast(pl.Int64, strict=False)


def fingerprint(cols: list[str]) -> pl.Expr:
    """A text key of the values that make a version; equal fingerprints → no new version."""
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("∅") for c in cols], separator="\x1f")


def unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a registered frame; after a failed statement the transaction refuses even that, and
    the failure to report is the statement's, not this one's."""
    try:
        con.unregister(name)
    except duckdb.Error:
        pass


def check_count(ctx: FileContext, typed: pl.DataFrame, column: str, header: str, least: int, most: int) -> None:
    """A count (people, members) outside [least, most] is a typo: 2147483648 党员 is refused, not stored;
    below zero it is said so."""
    col, value = pl.col(column), pl.col(column).cast(pl.String)
    out_of_range = f"数字不合理（应在 {least} 到 {most} 之间）"
    ctx.add_frame(problems_where(typed, col < least, header, value, "不能为负数" if least == 0 else out_of_range))
    ctx.add_frame(problems_where(typed, col > most, header, value, out_of_range))


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pl.DataFrame) -> int:
    """Bulk insert a polars frame (columns named as the table's) through Arrow."""
    if df.height == 0:
        return 0
    cols = ", ".join(f'"{c}"' for c in df.columns)
    con.register("__incoming", ArrowSource(df))
    try:
        con.execute(f'INSERT INTO {table} ({cols}) SELECT {cols} FROM __incoming')
    finally:
        unregister(con, "__incoming")
    return df.height


def record_load(con: duckdb.DuckDBPyConnection, *, kind: str, file_name: str, file_hash: str,
                units: list[str], months: list[str], as_of: dt.date, rows: int, file_path: str | None = None,
                sheet: str | None = None, upload_month: str | None = None, replaced: bool = False,
                account: str | None = None, reason: str | None = None) -> int:
    """The `loads` row of one file (or review), inside the caller's transaction; returns its id."""
    load_id = con.execute("SELECT nextval('load_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO loads (load_id, kind, file_name, file_path, file_hash, sheet, units, months, as_of,"
        " upload_month, rows, replaced, loaded_at, account, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?)",
        [load_id, kind, file_name, file_path, file_hash, sheet, units, months, as_of, upload_month, rows,
         replaced, account, reason],
    )
    return load_id


def months_touched(typed: pl.DataFrame, column: str, swapped: list[str] | None = None,
                   units: list[str] | None = None) -> dict[str, list[str]]:
    """unit → the months of its rows and, with --replace, the months swapped out of each of `units`
    (default: the rows' units): what a load adds to, changes or deletes."""
    per = (typed.lazy().filter(pl.col(column).is_not_null() & pl.col("unit").is_not_null())
           .group_by(pl.col("unit").cast(pl.String))
           .agg(pl.col(column).dt.strftime("%Y-%m").unique()).collect())
    out = {u: set(ms) for u, ms in per.iter_rows()}
    if swapped:
        for u in units if units is not None else typed["unit"].drop_nulls().cast(pl.String).unique().to_list():
            out.setdefault(u, set()).update(swapped)
    return {u: sorted(ms) for u, ms in out.items()}


def ensure_units(con: duckdb.DuckDBPyConnection, units: list[str], load_id: int) -> None:
    """Teams and rosters may name a unit not yet registered: register it (counts unknown)."""
    con.execute(
        "INSERT INTO units (unit, load_id) SELECT u, ? FROM unnest(?::VARCHAR[]) t(u) "
        "WHERE u NOT IN (SELECT unit FROM units)",
        [load_id, units],
    )


def replace_keys(con: duckdb.DuckDBPyConnection, table: str, keys: pl.DataFrame, where: str = "",
                 params: list | None = None) -> None:
    """Delete the rows of `table` whose key columns match a row of `keys` (and `where`)."""
    cols = ", ".join(keys.columns)
    con.register("__keys", ArrowSource(keys))
    try:
        con.execute(f"DELETE FROM {table} WHERE {where + ' AND ' if where else ''}"
                    f"({cols}) IN (SELECT ({cols}) FROM __keys)", params or [])
    finally:
        unregister(con, "__keys")

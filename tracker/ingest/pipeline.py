"""Load one file: read → locate the table → validate → resolve units → the kind's checks → store (docs/architecture.md).

Every step collects problems; if any is an error, nothing is written. The
write is one DuckDB transaction (the loads row and every record of the file),
so a crash or a kill mid-write leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from tracker.ingest.columns import Kind
from tracker.ingest.context import FileContext, LoadOptions
from tracker.ingest.kinds import KINDS
from tracker.ingest.layout import Table, locate, missing_message, no_header_hint
from tracker.ingest.read import ROW, read_file
from tracker.ingest.validate import check_table, problems_where
from tracker.problems import Problem, Problems, TrackerError, suggest
from tracker.store.queries import unit_names
from tracker.values import clean_text, parse_user_date


@dataclass
class FileResult:
    file: str
    kind: str
    status: str  # loaded | unchanged | rejected | checked (dry run)
    rows: int = 0
    units: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    counts: dict[str, int | float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    message: str = ""


def norm_unit(expr: pl.Expr) -> pl.Expr:
    return clean_text(expr).str.replace_all(r"[\s\u3000]+", "")


def _file_date(table: Table, opts: LoadOptions) -> dt.date:
    if opts.as_of:
        return opts.as_of
    if table.title_date:
        d = parse_user_date(table.title_date)
        if d:
            return d
    return opts.today


def resolve_units(ctx: FileContext, typed: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Fill the `unit` column from the column, the title line, --unit, or the only unit."""
    t = ctx.table
    title = re.sub(r"\s+", "", t.title_unit) if t.title_unit else None
    given = re.sub(r"\s+", "", ctx.opts.unit) if ctx.opts.unit else None
    if title and given and title != given:
        ctx.error(f"标题行写的单位“{title}”与 --unit 指定的“{given}”不一致，请核对")
        return typed
    file_unit = title or given
    has_col = "unit" in t.present
    if has_col:
        # normalise each distinct name once, then map it onto the rows in their order
        names = typed.select("unit").unique().with_columns(norm_unit(pl.col("unit")).alias("__u"))
        u = pl.col("unit").replace_strict(names["unit"], names["__u"], default=None)
        if "unit" in ctx.kind.fill_down:
            u = u.forward_fill()
        typed = typed.with_columns(u.alias("unit"))
        if file_unit:
            ctx.add_frame(
                problems_where(
                    typed,
                    pl.col("unit").is_not_null() & (pl.col("unit") != file_unit),
                    "单位名称",
                    "unit",
                    f"与{'标题行' if title else ' --unit '}的单位“{file_unit}”不一致",
                )
            )
    if file_unit is None and (not has_col or typed["unit"].null_count()):
        units = unit_names(con)
        if len(units) == 1:
            file_unit = units[0]
        elif not has_col:
            hint = f"数据库中有 {len(units)} 个单位" if units else "数据库中还没有单位"
            ctx.error(
                "无法确定这个文件属于哪个单位：文件中没有“单位名称”列或“单位名称：…”标题行，"
                f"{hint}。请用 --unit 指定单位。"
            )
            return typed
    if has_col:
        typed = typed.with_columns(pl.col("unit").fill_null(pl.lit(file_unit, pl.String)))
    else:
        typed = typed.with_columns(pl.lit(file_unit).alias("unit"))
    missing = typed.filter(pl.col("unit").is_null())
    if missing.height:
        ctx.add_frame(problems_where(missing, pl.lit(True), "单位名称", None,
                                     "单位名称为空，且无法从标题行或 --unit 得知"))
    # units must be registered before their ledgers; registers may introduce them
    known = set(unit_names(con))
    names = [u for u in typed["unit"].drop_nulls().unique().to_list() if u not in known]
    if names and ctx.kind.new_units == "refuse":
        for name in names:
            ctx.error(f"单位“{name}”尚未登记{suggest(name, sorted(known))}。请先导入单位表、服务队登记表或花名册。",
                      column="单位名称", value=name)
    elif names and ctx.kind.new_units == "warn":
        for name in names:
            ctx.warn(f"单位“{name}”尚未登记，已按本文件新建；请导入单位表补充党员人数（tracker load units）。")
    return typed


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def open_table(path: Path, kind: Kind, opts: LoadOptions) -> Table:
    sheets = read_file(path, opts.sheet)
    for sheet in sheets:
        table = locate(sheet, kind, path.name, opts.aliases.get(kind.key), opts.fill)
        if table is not None:
            return table
    expected = "、".join(c.header for c in kind.required)
    where = "" if len(sheets) == 1 else f"（已查看 {len(sheets)} 个工作表）"
    seen = no_header_hint(sheets[0]) if sheets else ""
    raise TrackerError(
        f"{path.name}：找不到{kind.name}的表头{where}{seen}。表头应包含：{expected}。"
        f"是否选错了台账类型？可用 tracker template {kind.key} --out 模板.xlsx 生成模板。"
    )


def _drop_template_example(ctx: FileContext, rows: pl.DataFrame) -> pl.DataFrame:
    """`tracker template` writes an example row; left in place, it is not a record."""
    cols = [c for c in ctx.kind.columns if c.key in ctx.table.present]
    if not any(c.example for c in cols):
        return rows
    same = pl.all_horizontal([
        (pl.col(c.key) == c.example) if c.example else pl.col(c.key).is_null() for c in cols
    ]).fill_null(False)
    example = rows.filter(same)
    for r in example[ROW].to_list():
        ctx.warn("这是模板中的示例行，已忽略", r)
    return rows.filter(~same)


def already_loaded(con: duckdb.DuckDBPyConnection, kind: str, digest: str) -> tuple | None:
    r = con.execute(
        "SELECT file_name, loaded_at FROM loads WHERE kind = ? AND file_hash = ? ORDER BY load_id LIMIT 1",
        [kind, digest],
    ).fetchall()
    return r[0] if r else None


def _fault_pause() -> None:
    """Fault injection for the kill test: with TRACKER_FAULT_PAUSE=FILE, the loader
    writes FILE once every record is written but not committed, then waits."""
    import os
    import time

    marker = os.environ.get("TRACKER_FAULT_PAUSE")
    if marker:
        Path(marker).write_text("writing")
        time.sleep(60)


def load_file(con: duckdb.DuckDBPyConnection, kind_key: str, path: Path, opts: LoadOptions) -> FileResult:
    """Validate one file and, if it has no errors, store it in one transaction."""
    kind = KINDS[kind_key]
    label = path.name
    try:
        digest = file_digest(path) if path.is_file() else ""
        # a file loaded before is known by its hash: no need to read it again
        prev = already_loaded(con, kind_key, digest) if digest else None
        if prev and not opts.replace:
            return FileResult(label, kind_key, "unchanged",
                              message=f"这个文件已于 {prev[1]:%Y-%m-%d %H:%M} 导入过（{prev[0]}），内容相同，未做任何改动")
        table = open_table(path, kind, opts)
    except TrackerError as e:
        return FileResult(label, kind_key, "rejected",
                          problems=[Problem(label, None, None, None, e.message)])
    ctx = FileContext(path, label, digest, kind, table, _file_date(table, opts), opts, Problems())
    ctx.problems.extend(table.problems)
    missing = missing_message(table, kind)
    if missing:  # the message names the unread headers: their warnings would only repeat it
        return FileResult(label, kind_key, "rejected", problems=[Problem(label, None, None, None, missing)])
    if table.rows.height == 0:
        ctx.error("表头下面没有数据行")
        return FileResult(label, kind_key, "rejected", problems=ctx.problems.sorted())
    rows = _drop_template_example(ctx, table.rows)
    if rows.height == 0:
        ctx.error("表头下面没有数据行（只有模板的示例行）")
        return FileResult(label, kind_key, "rejected", problems=ctx.problems.sorted())
    typed, problems, warnings = check_table(rows, kind, table.present, table.units)
    ctx.add_frame(problems)
    ctx.add_frame(warnings, "warning")
    before = len(ctx.problems.errors)
    typed = resolve_units(ctx, typed, con)
    prepared = None
    if len(ctx.problems.errors) == before:  # kind checks need every row's unit
        prepared = kind.prepare(ctx, typed, con)
    if ctx.problems.errors or prepared is None:
        return FileResult(label, kind_key, "rejected", rows=table.rows.height,
                          problems=ctx.problems.sorted())
    result = FileResult(label, kind_key, "checked" if opts.dry_run else "loaded",
                        rows=prepared.rows.height, units=prepared.units, months=prepared.months,
                        counts=dict(prepared.counts), problems=ctx.problems.sorted())
    if opts.dry_run:
        return result
    con.execute("BEGIN TRANSACTION")
    try:
        load_id = con.execute("SELECT nextval('load_seq')").fetchall()[0][0]
        con.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            [load_id, kind_key, label, str(path.resolve()), digest, table.sheet, prepared.units,
             prepared.months, ctx.file_date, opts.month, prepared.rows.height, opts.replace],
        )
        result.counts.update(prepared.write(con, load_id))
        _fault_pause()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


__all__ = ["LoadOptions", "FileResult", "load_file"]

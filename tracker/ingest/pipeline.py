"""Load one file: read → locate the table → validate → resolve units → the kind's checks → store (docs/architecture.md).

Every step collects problems; if any is an error, nothing is written. The
write is one DuckDB transaction (the loads row and every record of the file),
so a crash or a kill mid-write leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from tracker.ingest.columns import Kind
from tracker.ingest.common import record_load
from tracker.ingest.context import FileContext, LoadOptions, ReplacePlan
from tracker.ingest.kinds import KINDS
from tracker.ingest.layout import Table, locate, missing_message, no_header_hint
from tracker.ingest.locks import check_locks
from tracker.ingest.read import CSV_SUFFIXES, ROW, Sheet, read_file, unreadable_reason
from tracker.ingest.sniff import uncached_formulas
from tracker.ingest.validate import check_table, problems_where
from tracker.ingest.yearless import with_years
from tracker.problems import Problem, Problems, TrackerError, suggest
from tracker.store.db import fault_pause, last_backup, transaction
from tracker.store.queries import unit_names
from tracker.values import clean_text, parse_user_date


@dataclass
class FileResult:
    file: str
    kind: str
    status: str  # loaded | unchanged | rejected | checked (dry run) | pending (a --replace not confirmed)
    rows: int = 0
    units: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    counts: dict[str, int | float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    message: str = ""
    sheet: str | None = None  # the worksheet read (None for a CSV)
    plan: ReplacePlan | None = None  # with --replace: what is (or would be) deleted first


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
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as e:
        raise TrackerError(f"{path.name}：无法读取这个文件（{unreadable_reason(e)}）。") from e
    return h.hexdigest()


def _read_and_hash(path: Path, sheet: str | None) -> tuple[list[Sheet], str]:
    """The file's sheets (`read_file`) and its hash, taken side by side (hashlib and the readers
    let go of the GIL): a city's 190 MB CSV is hashed while it is read, not before (0.4 s)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(file_digest, path) if path.is_file() else None
        sheets = read_file(path, sheet)
        return sheets, hashing.result() if hashing is not None else ""


def ledger_shaped(table: Table | None) -> bool:
    """A sheet holding its ledger: every required column (`layout.missing_columns`) and at least one row."""
    return table is not None and table.rows.height > 0 and not table.missing


def open_tables(path: Path, kind: Kind, opts: LoadOptions,
                sheets: list[Sheet] | None = None) -> tuple[list[Table], list[str]]:
    """The tables to load, and the other sheets that hold this ledger but are left out.

    A workbook's visible sheets are read, the active one first: the first holding the ledger is
    loaded (docs/ledgers.md, "Sheets"); `--sheet NAME` reads that sheet, `--sheet all` loads
    every visible sheet holding it, each as its own load.
    """
    sheets = read_file(path, opts.sheet) if sheets is None else sheets
    located = [locate(sheet, kind, path.name, opts.aliases.get(kind.key), opts.fill) for sheet in sheets]
    shaped = [t for t in located if ledger_shaped(t)]
    if opts.sheet == "all" and shaped:
        return shaped, []
    chosen = shaped[0] if shaped else next((t for t in located if t is not None), None)
    if chosen is not None and opts.sheet != "all":
        return [chosen], [t.sheet for t in shaped if t is not chosen and t.sheet is not None]
    expected = "、".join(c.header for c in kind.required)
    where = "" if len(sheets) == 1 else f"（已查看 {len(sheets)} 个可见的工作表）"
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


ANY_SHEET = "\x00any"  # earlier_load: a file is the same whichever of its sheets was loaded (forms)


def earlier_load(con: duckdb.DuckDBPyConnection, kind: str, digest: str, sheet: str | None,
                 reach: frozenset[str] | None = None) -> tuple[str, dt.datetime, str | None] | None:
    """The latest load of this file (hash and sheet) as (file, when, what replaced it since), or None.

    A load is in effect until a later --replace of the same kind deletes records of a month it
    covered; then the same file is no longer "the same content" and is checked anew. A load of
    units outside `reach` (the caller's scope) is not the caller's to know of: None.
    """
    by_sheet = "" if sheet == ANY_SHEET else "AND sheet IS NOT DISTINCT FROM ? "
    prev = con.execute(
        "SELECT load_id, file_name, loaded_at, units, months FROM loads WHERE kind = ? AND file_hash = ? "
        f"{by_sheet}ORDER BY load_id DESC LIMIT 1", [kind, digest, *([] if sheet == ANY_SHEET else [sheet])]
    ).fetchall()
    if not prev:
        return None
    load_id, name, when, units, months = prev[0]
    if reach is not None and not set(units or []) <= reach:
        return None
    later = con.execute("""
        SELECT l.file_name, strftime(l.loaded_at, '%Y-%m-%d %H:%M'), list(DISTINCT r.month ORDER BY r.month)
        FROM loads l JOIN replaced r USING (load_id)
        WHERE l.kind = ? AND l.load_id > ? AND r.rows > 0 AND list_has_any(l.units, ?::VARCHAR[])
          AND list_contains(?::VARCHAR[], r.month)
        GROUP BY l.load_id, l.file_name, l.loaded_at ORDER BY l.load_id DESC LIMIT 1""",
                        [kind, load_id, units or [], months or []]).fetchall()
    since = None
    if later:
        f, at, ms = later[0]
        since = f"{at} 导入的 {f} 用 --replace 替换了 {'、'.join(ms)} 的记录"
    return name, when, since


def unchanged_result(label: str, kind: str, prev: tuple[str, dt.datetime, str | None], sheet: str | None) -> FileResult:
    return FileResult(label, kind, "unchanged", sheet=sheet,
                      message=f"这个文件已于 {prev[1]:%Y-%m-%d %H:%M} 导入过（{prev[0]}），内容相同，未做任何改动")


def load_path(con: duckdb.DuckDBPyConnection, kind_key: str, path: Path, opts: LoadOptions) -> list[FileResult]:
    """Load one file: one result per sheet loaded (one, unless --sheet all)."""
    kind = KINDS[kind_key]
    label = path.name
    known: dict[str | None, tuple | None] = {}  # earlier loads already looked up, by sheet
    try:
        opts.step("读取文件")
        sheets, digest = _read_and_hash(path, opts.sheet)
        if opts.sheet is None and path.suffix.lower() in CSV_SUFFIXES and not opts.replace and digest:
            # a CSV has one table: loaded before, it is known by its hash before it is located
            prev = known[None] = earlier_load(con, kind_key, digest, None, opts.reach)
            if prev and prev[2] is None:
                return [unchanged_result(label, kind_key, prev, None)]
        tables, others = open_tables(path, kind, opts, sheets)
        del sheets  # the raw cells (a city's 150 MB): each table holds its own cleaned rows
    except TrackerError as e:
        return [FileResult(label, kind_key, "rejected", problems=[Problem(label, None, None, None, e.message)])]
    several = len(tables) > 1 or bool(others) or opts.sheet is not None  # then say which sheet
    return [load_file(con, kind, path, t, f"{label}［{t.sheet}］" if several and t.sheet else label, digest, opts,
                      others, known) for t in tables]


def _check_file_date(ctx: FileContext) -> None:
    """The file's date (--as-of or 填表日期) starts roster and team versions: a year typed wrong is refused."""
    opts, day = ctx.opts, ctx.file_date
    source = "--as-of" if opts.as_of else ("标题行的填表日期" if ctx.table.title_date else None)
    if source is None:
        return  # today
    if day < opts.earliest_date:
        ctx.error(f"文件日期（{source}）{day.isoformat()} 早于 {opts.earliest_date.isoformat()}，年份是否写错？"
                  "（规则 earliest_date）")
    if day > opts.today + dt.timedelta(days=opts.file_date_future_days):
        ctx.error(f"文件日期（{source}）{day.isoformat()} 比今天（{opts.today.isoformat()}）晚了 "
                  f"{(day - opts.today).days} 天，年份是否写错？（规则 file_date_future_days）")


def _formula_hint(path: Path) -> str | None:
    """Why cells read as blank, when an .xlsx holds formulas without their calculated values."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    n = uncached_formulas(path)
    return (f"文件中有 {n} 个公式单元格没有保存计算结果（文件可能由程序生成，未在 Excel 或 WPS 中打开保存过），"
            "读出来是空白。请用 Excel 或 WPS 打开这个文件、保存后再导入") if n else None


def _say_formulas(ctx: FileContext, path: Path) -> None:
    """Required cells read blank because their formulas hold no value: say why."""
    hint = _formula_hint(path) if any(p.message == "必填项为空" for p in ctx.problems.errors) else None
    if hint:
        ctx.error(hint)


def _typed(ctx: FileContext, table: Table, rows: pl.DataFrame) -> pl.DataFrame:
    """The rows typed and checked (`validate.check_table`), their problems in `ctx`. The text
    cells are let go once typed: a city's 1.3M rows, 90 MB of a load's peak."""
    kind, opts = ctx.kind, ctx.opts
    rows = with_years(rows, kind, table.present, int(opts.month[:4]) if opts.month else table.title_year)
    typed, problems, warnings = check_table(rows, kind, table.present, table.units,
                                            opts.aliases.get(f"{kind.key}.values"))
    table.rows = table.rows.clear()
    ctx.add_frame(problems)
    ctx.add_frame(warnings, "warning")
    return typed


def load_file(con: duckdb.DuckDBPyConnection, kind: Kind, path: Path, table: Table, label: str, digest: str,
              opts: LoadOptions, other_sheets: list[str] = (), known: dict | None = None) -> FileResult:
    """Validate one table of a file and, if it has no errors, store it in one transaction.
    `known`: earlier loads of this file the caller already looked up, by sheet."""
    kind_key = kind.key
    known = known or {}
    prev = (known[table.sheet] if table.sheet in known else earlier_load(con, kind_key, digest, table.sheet, opts.reach)
            if digest else None)
    if prev and prev[2] is None and not opts.replace:
        return unchanged_result(label, kind_key, prev, table.sheet)
    ctx = FileContext(path, label, digest, kind, table, _file_date(table, opts), opts, Problems())
    ctx.problems.extend(table.problems)
    if prev and prev[2]:
        ctx.warn(f"这个文件曾于 {prev[1]:%Y-%m-%d %H:%M} 导入（{prev[0]}），其后{prev[2]}，"
                 "因此按新文件重新检查")
    for other in other_sheets:
        ctx.warn(f"工作表“{other}”也有{kind.name}的数据，本次未导入（导入的是“{table.sheet}”）；"
                 f"如需导入请加 --sheet {other}，或用 --sheet all 导入全部工作表")
    _check_file_date(ctx)
    missing = missing_message(table, kind)
    if missing:  # the message names the unread headers: their warnings would only repeat it
        return FileResult(label, kind_key, "rejected", problems=[Problem(label, None, None, None, missing)],
                          sheet=table.sheet)
    if table.rows.height == 0:
        hint = _formula_hint(path)
        ctx.error("表头下面没有数据行" + (f"：{hint}" if hint else ""))
        return FileResult(label, kind_key, "rejected", problems=ctx.problems.sorted(), sheet=table.sheet)
    rows = _drop_template_example(ctx, table.rows)
    if rows.height == 0:
        ctx.error("表头下面没有数据行（只有模板的示例行）")
        return FileResult(label, kind_key, "rejected", problems=ctx.problems.sorted(), sheet=table.sheet)
    opts.step(f"检查 {rows.height:,} 行")
    n_rows = table.rows.height
    typed, rows = _typed(ctx, table, rows), None  # the text cells go once typed
    before = len(ctx.problems.errors)
    typed = resolve_units(ctx, typed, con)
    prepared = None
    if len(ctx.problems.errors) == before:  # kind checks need every row's unit
        opts.step("核对服务队、人员和重复记录")
        prepared = kind.prepare(ctx, typed, con)
    for u in opts.outside(prepared.units if prepared is not None else []):
        ctx.error(f"文件中的单位“{u}”不在您的账户范围内，不能导入。", column="单位名称", value=u)
    if prepared is not None:
        check_locks(ctx, prepared, con)
    if ctx.problems.errors or prepared is None:
        _say_formulas(ctx, path)
        return FileResult(label, kind_key, "rejected", rows=n_rows,
                          problems=ctx.problems.sorted(), sheet=table.sheet)
    plan = None
    if opts.replace and prepared.replaces is not None:
        plan = ReplacePlan(label, kind_key, prepared.units, sorted(prepared.replaces), prepared.replaces,
                           last_backup(con), [p.message for p in ctx.problems.sorted() if p.level == "warning"])
    result = FileResult(label, kind_key, "checked" if opts.dry_run else "loaded",
                        rows=prepared.rows.height, units=prepared.units, months=prepared.months,
                        counts=dict(prepared.counts), problems=ctx.problems.sorted(), sheet=table.sheet,
                        plan=plan)
    if opts.dry_run:
        return result
    if plan is not None and plan.deletes and not (opts.confirm(plan) if callable(opts.confirm) else opts.confirm):
        result.status = "pending"
        result.message = "将删除已导入的记录，尚未确认，未做任何改动"
        return result
    opts.step("写入数据库")
    with transaction(con):
        load_id = record_load(
            con, kind=kind_key, file_name=label, file_path=str(path.resolve()), file_hash=digest,
            sheet=table.sheet, units=prepared.units, months=prepared.months, as_of=ctx.file_date,
            upload_month=opts.month, rows=prepared.rows.height, replaced=opts.replace, account=opts.account,
            reason=opts.reason)
        result.counts.update(prepared.write(con, load_id))
        if plan is not None and plan.rows:  # what was deleted, so an earlier load of these months is known replaced
            con.executemany("INSERT INTO replaced VALUES (?, ?, ?, ?)",
                            [(load_id, m, w, n) for m, c in plan.rows.items() for w, n in c.items()])
        if opts.on_write is not None:
            opts.on_write(con, load_id)
        fault_pause()
    return result


__all__ = ["LoadOptions", "FileResult", "ReplacePlan", "load_path", "load_file"]

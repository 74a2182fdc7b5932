"""Every ledger table as Parquet, partitioned by year, for a data platform (docs/dataset.md).

A province's platform runs its own engine; it pulls tracker's ledgers as
files it can read without tracker: one folder per table, dated tables split
into `year=YYYY/` folders (Hive partitioning, which DuckDB, Spark, Trino and
pandas read as a `year` column). ID numbers and phones are masked unless the
user unmasks them, as in every other output. The folder is replaced only
once the new export is complete (`tracker.atomic.replacing_folder`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from duckdb.sqltypes import VARCHAR

from tracker.atomic import replacing_folder
from tracker.privacy import mask_id, mask_phone
from tracker.problems import TrackerError

# table → (SELECT over the database, the year expression or None for a register kept whole,
#          which rows are one unit's for --unit). The year of a participation is its
#          activity's; of a version, the year it took effect; of a load, the day it was loaded.
_OF_UNIT = "list_contains($units::VARCHAR[], unit)"
TABLES: dict[str, tuple[str, str | None, str]] = {
    "units": ("SELECT * FROM units", None, _OF_UNIT),
    "teams": ("SELECT * FROM teams", "year(valid_from)", _OF_UNIT),
    "volunteers": ("SELECT * FROM volunteers", None, _OF_UNIT),
    "volunteer_versions": ("SELECT * FROM volunteer_versions", "year(valid_from)", _OF_UNIT),
    "activities": ("SELECT * FROM activities", "year(date)", _OF_UNIT),
    "participations": ("SELECT p.*, year(a.date) AS year FROM participations p JOIN activities a USING (aid)",
                       "year", "aid IN (SELECT aid FROM activities WHERE list_contains($units::VARCHAR[], unit))"),
    "demands": ("SELECT * FROM demands", "year(received)", _OF_UNIT),
    "demand_history": ("SELECT * FROM demand_history", "year(changed_on)", _OF_UNIT),
    "pairing_visits": ("SELECT * FROM pairing_visits", "year(date)", _OF_UNIT),
    "loads": ("SELECT * FROM loads", "year(loaded_at)", "list_has_any(units, $units::VARCHAR[])"),
}

# personal numbers, masked by tracker.privacy's own functions (registered with DuckDB)
_MASKED: dict[str, dict[str, str]] = {
    "volunteer_versions": {"phone": "mask_phone", "id_number": "mask_id"},
    "demands": {"phone": "mask_phone"},
}


@dataclass
class DatasetResult:
    out: Path
    rows: dict[str, int] = field(default_factory=dict)  # table → rows written
    years: list[int] = field(default_factory=list)
    masked: bool = True


def export_dataset(con: duckdb.DuckDBPyConnection, out: Path, *, year: int | None = None,
                   unit: str | None = None, unmask: bool = False, units: list[str] | None = None) -> DatasetResult:
    """Write the tables to `out` (a folder; replaced if it holds an earlier export): every unit's
    rows, or those of `unit` or of `units`."""
    if unit is not None:
        units = [unit] if units is None else [u for u in units if u == unit]
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise TrackerError(f"{out} 是一个文件：导出数据集需要一个文件夹（--out 文件夹）。")
    if out.is_dir() and any(out.iterdir()) and not (out / "units").is_dir():
        raise TrackerError(f"文件夹 {out} 不是空的，也不是之前导出的数据集；请换一个空文件夹。")
    result = DatasetResult(out, masked=not unmask)
    # files of the user's own beside an earlier export stay
    with replacing_folder(out, "数据集", keep=lambda name: name not in TABLES) as tmp:
        _write_tables(con, tmp, result, year, units, unmask)
    years = con.execute("SELECT DISTINCT year(date) AS y FROM activities ORDER BY y").fetchall()
    result.years = [y for (y,) in years if year is None or y == year]
    return result


def _write_tables(con: duckdb.DuckDBPyConnection, out: Path, result: DatasetResult, year: int | None,
                  units: list[str] | None, unmask: bool) -> None:
    have = {r[0] for r in con.execute("SELECT function_name FROM duckdb_functions() WHERE function_type = 'scalar'"
                                      " AND function_name IN ('mask_id', 'mask_phone')").fetchall()}
    for f in (mask_id, mask_phone):  # privacy's own rules, registered once per connection
        if f.__name__ not in have:
            con.create_function(f.__name__, f, [VARCHAR], VARCHAR, side_effects=False)
    for name, (select, year_expr, of_unit) in TABLES.items():
        masked = {} if unmask else _MASKED.get(name, {})
        described = con.execute(f"DESCRIBE ({select})").fetchall()
        picked = ", ".join(_column(c, t, masked) for c, t, *_ in described)
        where = []
        if year is not None and year_expr is not None:
            where.append(f"({year_expr}) = {int(year)}")
        if units is not None:
            where.append(of_unit)
        body = f"SELECT {picked} FROM ({select}) t" + (f" WHERE {' AND '.join(where)}" if where else "")
        target = out / name
        params = {"units": units} if units is not None else {}
        if year_expr is None:
            target.mkdir(parents=True)
            copy = f"COPY ({body}) TO '{_sql_path(target / 'data.parquet')}' (FORMAT parquet)"
        else:
            with_year = body if year_expr == "year" else f"SELECT *, {year_expr} AS year FROM ({body}) t"
            copy = f"COPY ({with_year}) TO '{_sql_path(target)}' (FORMAT parquet, PARTITION_BY (year))"
        result.rows[name] = con.execute(copy, params).fetchall()[0][0]  # COPY answers with its row count
        target.mkdir(parents=True, exist_ok=True)
        if result.rows[name] == 0 and year_expr is not None:
            # an empty table still has a file with its schema: Spark cannot infer one from an empty
            # folder (UNABLE_TO_INFER_SCHEMA) and a glob over it finds nothing
            con.execute(f"COPY ({with_year}) TO '{_sql_path(target / 'data.parquet')}' (FORMAT parquet)", params)


def _column(name: str, sql_type: str, masked: dict[str, str]) -> str:
    """One exported column: masked, or a time of day as text "09:30:00" (Spark before 4.1 refuses
    Parquet's TIME: UNSUPPORTED_TIME_TYPE), or as stored."""
    if name in masked:
        return f'{masked[name]}("{name}") AS "{name}"'
    if sql_type == "TIME":
        return f'CAST("{name}" AS VARCHAR) AS "{name}"'
    return f'"{name}"'


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")

"""`tracker backup`: a consistent copy of the database file, checked, and recorded in the database.

The copy is taken while nobody writes: the database is opened for writing, which
DuckDB grants to one process only (a load or report running elsewhere makes
this wait its turn, "in use"), a CHECKPOINT moves everything into the main file,
and its bytes are copied to a temporary file beside the target and renamed into
place (`tracker.atomic`). The copy is opened and every table's rows counted
against the original before it is kept. Restoring is copying the file back
(docs/data-model.md, "Backups").
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tracker.atomic import replacing
from tracker.problems import TrackerError
from tracker.store.db import connect, db_path


@dataclass
class BackupResult:
    path: Path
    db: Path
    bytes: int
    taken_at: dt.datetime
    rows: dict[str, int]  # rows per table, the same in the copy as in the database


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0] for t in tables}


def backup(db: str | os.PathLike | None, out: str | os.PathLike) -> BackupResult:
    """Copy the database to `out` (a file, or a folder — existing, or a name without a suffix — to
    hold a dated copy) and record it."""
    source = db_path(db)
    out = Path(out)
    now = dt.datetime.now().replace(microsecond=0)
    if out.is_dir() or not out.suffix:  # a folder: a dated copy inside it
        out = out / f"{source.stem}-备份-{now:%Y%m%d-%H%M%S}{source.suffix or '.duckdb'}"
    if source.exists() and out.exists() and out.resolve() == source.resolve():
        raise TrackerError(f"备份文件不能是数据库本身（{source}）；请用 --out 指定另一个文件。")
    with connect(source) as con:
        con.execute("CHECKPOINT")
        rows = _row_counts(con)
        with replacing(out, "备份文件") as tmp:
            shutil.copyfile(source, tmp)
            check = duckdb.connect(str(tmp), read_only=True)
            try:
                copied = _row_counts(check)
            finally:
                check.close()
            if copied != rows:
                raise TrackerError(f"备份校验未通过（复制出的文件与数据库不一致），未写出 {out}；请重试。")
        size = out.stat().st_size
        con.execute("INSERT INTO backups VALUES (?, ?, ?)", [now, str(out.resolve()), size])
    return BackupResult(out, source, size, now, rows)


def copy_open(con: duckdb.DuckDBPyConnection, source: Path, dest: Path, *, checkpoint: bool) -> None:
    """A consistent copy of the database `con` has open: taken while `con` keeps writers out (after
    a checkpoint when it can write), the write-ahead log beside it. For the web's upload check,
    which loads a batch into the copy first (docs/web.md)."""
    if checkpoint:
        con.execute("CHECKPOINT")
    shutil.copyfile(source, dest)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, dest.with_name(dest.name + ".wal"))

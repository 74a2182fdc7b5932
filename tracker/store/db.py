"""Opening the one DuckDB file: path resolution, the writer lock, migrations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tracker.problems import TrackerError
from tracker.store.migrations import SCHEMA_VERSION, applied_version, migrate

DEFAULT_DB = "tracker.duckdb"


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("TRACKER_DB") or DEFAULT_DB)


class DatabaseBusy(TrackerError):
    """Another process holds the database (DuckDB allows one writer): try again when it is done."""


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        text = str(e)
        if "lock" in text.lower():
            raise DatabaseBusy(
                f"数据库 {path} 正在被另一个 tracker 程序使用（可能正在导入或出报告），"
                "请等它结束后再试。"
            ) from e
        raise TrackerError(f"无法打开数据库 {path}：{text}") from e
    except duckdb.Error as e:
        raise TrackerError(f"无法打开数据库 {path}（文件可能已损坏或不是 tracker 数据库）：{e}") from e


@contextmanager
def connect(
    path: str | os.PathLike | None = None, *, create: bool = False, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the schema at the current version.

    Without `create`, a missing file is a user error ("run tracker init").
    """
    p = db_path(path)
    if not p.exists() and not create:
        raise TrackerError(f"找不到数据库 {p}。请先运行 tracker init，或用 --db 指定数据库文件。")
    if create:
        p.parent.mkdir(parents=True, exist_ok=True)
    con = _open(p, read_only=read_only and p.exists())
    try:
        if not read_only:
            migrate(con)
        elif applied_version(con) < SCHEMA_VERSION:
            con.close()
            con = _open(p, read_only=False)
            migrate(con)
        yield con
    finally:
        con.close()

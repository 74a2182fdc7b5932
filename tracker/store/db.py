"""Opening the one DuckDB file: path resolution, the writer lock, migrations, and its failures said plainly.

A damaged file (truncated, a block that fails its checksum), a full disk or a
folder without write permission is a user-facing situation, not a bug: any
DuckDB error of that kind, when opening or in the middle of a query, becomes a
`TrackerError` saying what happened and how to restore from a backup
(docs/architecture.md, "Faults").
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tracker.atomic import DISK_FULL, ensure_folder
from tracker.problems import TrackerError
from tracker.store.migrations import SCHEMA_VERSION, applied_version, migrate

# every write's transaction, migrations' too: defined beside them (this module imports them)
from tracker.store.migrations import transaction as transaction

DEFAULT_DB = "tracker.duckdb"

# what DuckDB says of a damaged file (the text, since its exception types are broad)
_DAMAGED = {
    "could not read enough bytes": "文件不完整，末尾被截断了",
    "corrupt database file": "文件中有数据块校验失败",
    "not a valid duckdb database file": "文件内容不是有效的数据库",
    "checksum": "文件中有数据块校验失败",
}
_DISK_FULL = ("no space left on device", "disk full", "not enough space")
_NO_WRITE = ("permission denied", "read-only file system", "access is denied")


def db_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("TRACKER_DB") or DEFAULT_DB)


def damage_of(e: BaseException) -> str | None:
    """What is wrong with the file, in Chinese, when `e` says the database file is damaged."""
    text = str(e).lower()
    return next((why for marker, why in _DAMAGED.items() if marker in text), None)


def last_backup(con: duckdb.DuckDBPyConnection) -> tuple[str, dt.datetime] | None:
    """The latest `tracker backup` recorded in this database: (path, when), or None."""
    try:
        rows = con.execute("SELECT path, taken_at FROM backups ORDER BY taken_at DESC LIMIT 1").fetchall()
    except duckdb.Error:  # a database from before backups were recorded
        return None
    return (rows[0][0], rows[0][1]) if rows else None


def _backup_hint(path: Path) -> str:
    """Best effort: the last backup recorded in a damaged file may still be readable."""
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            found = last_backup(con)
        finally:
            con.close()
    except Exception:  # the damage may well be in the catalog itself
        found = None
    if found is None:
        return "如果没有备份，请保留损坏的文件并联系维护者。"
    where, when = found
    exists = "" if Path(where).exists() else "（该文件已不在原处，请找到它）"
    return f"最近一次备份：{where}（{when:%Y-%m-%d %H:%M}）{exists}。"


def damaged_error(path: Path, why: str) -> TrackerError:
    return TrackerError(
        f"数据库文件 {path} 已损坏（{why}），无法读取。这不是您的操作问题，请从备份恢复："
        f"① 把损坏的文件改名留存（如 {path.name}.损坏）；② 把最近一次 tracker backup 写出的备份文件复制为 "
        f"{path}；③ 重新导入备份之后导入过的台账文件（tracker status 可查看导入记录）。{_backup_hint(path)}")


def failure(e: BaseException, path: Path) -> TrackerError | None:
    """The user-facing error for a DuckDB failure that is about the file or the disk, else None."""
    text = str(e).lower()
    why = damage_of(e)
    if why:
        return damaged_error(path, why)
    if any(m in text for m in _DISK_FULL):
        return TrackerError(f"{DISK_FULL}：无法写入数据库 {path}。未完成的导入没有写入任何内容；"
                            "请清理磁盘（或把数据库移到空间充足的位置）后重新运行。")
    if any(m in text for m in _NO_WRITE):
        return TrackerError(f"无法读写数据库 {path}：没有权限，或所在磁盘是只读的。")
    if "version number" in text or "newer version" in text:
        return TrackerError(f"数据库 {path} 是用更新版本的 tracker 写的，请升级 tracker 后再打开。")
    return None


class DatabaseBusy(TrackerError):
    """Another process holds the database (DuckDB allows one writer): try again when it is done."""


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as e:
        text = str(e)
        if "lock" in text.lower():
            raise DatabaseBusy(
                f"数据库 {path} 正在被另一个 tracker 程序使用（可能正在导入或出报告），"
                "请等它结束后再试。"
            ) from e
        known = failure(e, path)
        if known is not None:
            raise known from e
        raise TrackerError(f"无法打开数据库 {path}（文件可能已损坏或不是 tracker 数据库）：{text}") from e


def _close(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.close()
    except duckdb.Error:  # closing after a failure must not hide that failure
        pass


@contextmanager
def connect(
    path: str | os.PathLike | None = None, *, create: bool = False, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection with the schema at the current version.

    Without `create`, a missing file is a user error ("run tracker init"). A damaged
    file, a full disk or a read-only folder met at any point inside the block is a
    `TrackerError` (see `failure`).
    """
    p = db_path(path)
    if not p.exists() and not create:
        raise TrackerError(f"找不到数据库 {p}。请先运行 tracker init，或用 --db 指定数据库文件。")
    if p.exists() and p.is_dir():
        raise TrackerError(f"{p} 是一个文件夹，不是数据库文件；请用 --db 指定数据库文件。")
    if create:
        ensure_folder(p.parent, "数据库所在文件夹")
    con = _open(p, read_only=read_only and p.exists())
    try:
        if not read_only:
            migrate(con)
        elif applied_version(con) < SCHEMA_VERSION:
            con.close()
            con = _open(p, read_only=False)
            migrate(con)
        yield con
    except duckdb.Error as e:
        _close(con)
        known = failure(e, p)
        if known is not None:
            raise known from e
        raise
    finally:
        _close(con)


def fault_pause() -> None:
    """Fault injection for the kill tests: with TRACKER_FAULT_PAUSE=FILE, a write (a load, a
    confirmation) writes FILE once every record is written but not committed, then waits."""
    import time

    marker = os.environ.get("TRACKER_FAULT_PAUSE")
    if marker:
        Path(marker).write_text("writing")
        time.sleep(60)

"""Writing an output file whole or not at all, with the reason in Chinese when it cannot be written.

Every file tracker writes (reports, forms, templates, rules, backups) goes to a
temporary file in the same folder, is flushed to disk, and is then renamed onto
the name asked for: a full disk, a kill or a crash mid-write never leaves a
truncated .xlsx or .html, and an existing file is replaced only by a complete
one (docs/architecture.md, "Writing files"). Any writer calls `replacing`:

    with replacing(out) as tmp:
        workbook.save(tmp)

An `OSError` on the way (no space, no permission, a file where a folder is
expected) becomes a `TrackerError` saying what happened and where.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.problems import TrackerError

DISK_FULL = "磁盘空间不足"

_REASONS = {
    errno.ENOSPC: DISK_FULL,
    errno.EDQUOT: "磁盘配额已用完",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "所在磁盘是只读的",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENAMETOOLONG: "文件名太长",
    errno.ENOENT: "文件夹不存在",
}


def os_error(e: BaseException | None) -> OSError | None:
    """The OSError behind `e`: itself, or what a library wrapped (xlsxwriter's FileCreateError)."""
    for _ in range(6):
        if e is None or isinstance(e, OSError):
            return e
        inner = e.args[0] if e.args and isinstance(e.args[0], BaseException) else None
        e = e.__cause__ or inner or e.__context__
    return None


def os_reason(e: BaseException) -> str:
    """What an operating-system error means for the user, in Chinese (the errno, else its text)."""
    e = os_error(e)
    if e is None:
        return "写入失败"
    if e.errno in _REASONS:
        return _REASONS[e.errno]
    if isinstance(e, PermissionError):  # Windows: the file is open in Excel or WPS
        return "没有写入权限，或文件正在被其他程序（如 Excel、WPS）打开"
    return e.strerror or "写入失败"


def cannot_write(path: Path, e: BaseException, what: str = "") -> TrackerError:
    reason = os_reason(e)
    hint = "；请清理磁盘或换一个位置后重试" if reason == DISK_FULL else ""
    return TrackerError(f"无法写入{what} {path}：{reason}{hint}（未留下不完整的文件）。")


def check_folder(folder: Path, what: str = "输出文件夹") -> Path:
    """A folder to write into must not be an existing file (checked before any work is done)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise TrackerError(f"{what} {folder} 是一个已有的文件，不是文件夹；请给出文件夹。")
    return folder


def ensure_folder(folder: Path, what: str = "输出文件夹") -> Path:
    """`folder`, made if missing; a file of that name or an unwritable parent is a Chinese error."""
    folder = check_folder(folder, what)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TrackerError(f"无法创建{what} {folder}：{os_reason(e)}。") from e
    return folder


@contextmanager
def replacing(path: str | os.PathLike, what: str = "") -> Iterator[Path]:
    """A temporary path beside `path`; on success it is synced and renamed onto `path`.

    On any failure the temporary file is removed and `path` is left as it was.
    The temporary name keeps the suffix, so writers that look at it still work.
    """
    path = Path(path)
    if path.is_dir():
        raise TrackerError(f"{path} 是一个文件夹；请给出要写出的文件名（如 {path / ('输出' + (path.suffix or '.xlsx'))}）。")
    ensure_folder(path.parent if str(path.parent) else Path("."))
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}", dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise cannot_write(path, e, what) from e
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _mode(path))
        os.replace(tmp, path)
    except BaseException as e:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        if isinstance(e, TrackerError) or os_error(e) is None:
            raise
        raise cannot_write(path, e, what) from e


@contextmanager
def replacing_folder(path: str | os.PathLike, what: str = "",
                     keep: Callable[[str], bool] = lambda name: False) -> Iterator[Path]:
    """A temporary folder beside `path`; on success it takes `path`'s place (the old one is removed,
    except the entries `keep` names, which move into the new one first).

    A failure while writing or swapping leaves `path` as it was, the kept entries in it (a file of
    the user's that cannot be moved, one open in Excel on Windows, stops the swap before anything
    changed), and at most a hidden `.NAME.partXXXX` folder beside it: an export is never half
    replaced. Only a kill in the instant between the two renames leaves the old folder as
    `.NAME.oldXXXX/NAME`.
    """
    import shutil

    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    ensure_folder(parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.part", dir=parent))
    except OSError as e:
        raise cannot_write(path, e, what) from e
    old = None
    moved: list[str] = []  # kept entries now in tmp
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            for entry in path.iterdir():
                if keep(entry.name) and not (tmp / entry.name).exists():
                    os.replace(entry, tmp / entry.name)
                    moved.append(entry.name)
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old", dir=parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
        moved.clear()
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as e:
        if old is not None and (old / path.name).exists() and not path.exists():
            os.replace(old / path.name, path)  # the swap failed half-way: the old folder goes back
        for name in moved:  # and the user's entries go back into it
            try:
                os.replace(tmp / name, path / name)
            except OSError:
                pass
        if not any((tmp / name).exists() for name in moved):  # never delete what could not go back
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not (old / path.name).exists():
            shutil.rmtree(old, ignore_errors=True)
        if isinstance(e, TrackerError) or os_error(e) is None:
            raise
        raise cannot_write(path, e, what) from e


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode(path: Path) -> int:
    """The permissions a plain new file would get (mkstemp makes it private), or the old file's."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_umask()


def write_text(path: str | os.PathLike, text: str, what: str = "") -> Path:
    """`text` as UTF-8 into `path`, whole or not at all."""
    with replacing(path, what) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes, what: str = "") -> Path:
    """`data` into `path`, whole or not at all (an .xlsx or .docx built in memory)."""
    with replacing(path, what) as tmp:
        tmp.write_bytes(data)
    return Path(path)

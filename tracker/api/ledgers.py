"""Ledger files in and out of the database: init, load, backup (docs/ledgers.md).

`load` reads files of one kind, each all or nothing; a caller whose scope reaches only some
units has any file naming another unit refused, naming it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from tracker.api.accounts import LOCAL, Scope, cli_account, require_everything
from tracker.api.common import PathLike, Progress, rule_options, rules_of
from tracker.ingest.context import LoadOptions, ReplacePlan
from tracker.ingest.formload import load_forms
from tracker.ingest.forms import FormKind
from tracker.ingest.kinds import KINDS, kind_key
from tracker.ingest.pipeline import FileResult, load_path
from tracker.options import parse_date_option, parse_month_option
from tracker.problems import Problem, TrackerError
from tracker.rules import Rules
from tracker.store.backup import BackupResult
from tracker.store.backup import backup as store_backup
from tracker.store.db import connect, damage_of, db_path, failure
from tracker.store.migrations import SCHEMA_VERSION


def check_kind(kind: str) -> str:
    """The kind named (`application`, as `export` and `template` name 附件1, is `applications`)."""
    return kind_key(kind)


def fill_options(kind: str, **values: str | None) -> dict[str, str]:
    """--team / --title: a value for a column of every row, refused for a kind without that column."""
    fill = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
    for key in fill:
        if not KINDS[kind].has(key):
            have = [k for k in KINDS if KINDS[k].has(key)]
            raise TrackerError(f"--{key} 只适用于 {'、'.join(have)}，不适用于 {kind}。", code=2)
    return fill


def headers_file(path: PathLike | None) -> dict[str, dict[str, tuple[str, ...]]]:
    """--columns (env TRACKER_COLUMNS): a unit's own header names (docs/ledgers.md, "Your own headers")."""
    from tracker.ingest.aliases import load_aliases

    return load_aliases(path)


def check_reason(reason: str | None) -> str | None:
    """--reason: why a confirmed month is changed; given, it must say something."""
    if reason is None:
        return None
    text = " ".join(reason.split())
    if not text:
        raise TrackerError("--reason 不能为空：请写明更正原因，如 --reason \"更正3月18日服务时长\"。", code=2)
    if len(text) > 500:
        raise TrackerError("--reason 太长了（最多 500 字）。", code=2)
    return text


def init(db: PathLike | None = None) -> tuple[Path, int]:
    """Create the database (or bring an old one to the current schema)."""
    p = db_path(db)
    with connect(p, create=True):
        pass
    return p, SCHEMA_VERSION


def load(
    db: PathLike | None,
    kind: str,
    files: Iterable[PathLike],
    *,
    unit: str | None = None,
    month: str | None = None,
    as_of: dt.date | str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    sheet: str | None = None,
    team: str | None = None,  # --team, --title: the column of every row that has none (the file's cells win)
    title: str | None = None,
    columns: PathLike | None = None,  # --columns: a unit's own header names (env TRACKER_COLUMNS)
    today: dt.date | None = None,
    progress: Progress | None = None,
    rules: PathLike | Rules | None = None,
    account: str | None = None,
    confirm: bool | Callable[[ReplacePlan], bool] = False,
    stage: Callable[[str], None] | None = None,
    scope: Scope = LOCAL,
    reason: str | None = None,
    on_write: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None,
) -> list[FileResult]:
    """Load ledger files of one kind; each file (each sheet, with sheet="all") is all-or-nothing.
    Forms (`applications`, 附件1) may also be folders, and are stored all together or not at all.

    With `replace`, a file whose load would delete stored records is written only when `confirm`
    is True or, given a function, when it returns True for the `ReplacePlan`; otherwise its
    result is "pending" and carries the plan (what would be deleted, the last backup).
    A full disk while writing one file rejects that file and the others are still tried.
    `account` is recorded with each load (default: `cli_account()`, "命令行（OS user）").
    `progress(file)` is called as each file starts, `stage(step)` as each step of it does
    ("读取文件", "检查 N 行", "核对服务队、人员和重复记录", "写入数据库"). A file naming a unit
    outside `scope` is refused; one changing a confirmed month is refused unless `reason` says why
    (kept on the load, docs/ledgers.md "Confirmed months"). `on_write(con, load_id)` is called in
    each file's transaction once its records are written.
    """
    kind = check_kind(kind)
    opts = LoadOptions(
        unit=unit,
        month=parse_month_option(month),
        as_of=parse_date_option(as_of),
        replace=replace,
        dry_run=dry_run,
        sheet=sheet.strip() if sheet and sheet.strip() else None,
        fill=fill_options(kind, team=team, title=title),
        aliases=headers_file(columns),
        today=today or dt.date.today(),
        confirm=confirm,
        account=account or cli_account(),
        stage=stage,
        reach=scope.units,
        reason=check_reason(reason),
        on_write=on_write,
        **rule_options(rules_of(rules)),
    )
    results: list[FileResult] = []
    path = db_path(db)
    with connect(db, create=False) as con:
        if isinstance(KINDS[kind], FormKind):  # forms (附件1): every file of the command, together or none
            return load_forms(con, KINDS[kind], [Path(f) for f in files], opts, progress)
        for f in files:
            if progress:
                progress(str(f))
            try:
                results += load_path(con, kind, Path(f), opts)
            except duckdb.Error as e:
                known = failure(e, path)
                if known is None or damage_of(e):
                    raise
                name = Path(f).name
                results.append(FileResult(name, kind, "rejected",
                                          problems=[Problem(name, None, None, None, known.message)]))
    return results


def backup(db: PathLike | None, out: PathLike, *, scope: Scope = LOCAL) -> BackupResult:
    """Copy the database to `out` while nobody writes (checked, and recorded for --replace to name).
    The copy holds every unit: only a scope that sees everything may take it."""
    require_everything(scope, "备份数据库")
    return store_backup(db, out)

"""Uploads from the web: a batch checked against a copy of the database first, then stored whole
(docs/web.md, "Uploads")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tracker.api.accounts import Scope, scope_in, units_in
from tracker.api.common import PathLike, rule_options, rules_of
from tracker.api.ledgers import check_reason
from tracker.ingest.context import LoadOptions
from tracker.ingest.kinds import KINDS
from tracker.ingest.pipeline import FileResult
from tracker.options import parse_date_option, parse_month_option
from tracker.problems import Problem
from tracker.rules import Rules
from tracker.store import accounts, queries
from tracker.store.backup import copy_open
from tracker.store.db import connect, db_path


@dataclass
class UploadFile:
    """A file a person sent, with the kind and month they chose (None: guessed)."""

    path: Path
    kind: str | None = None
    month: str | None = None


@dataclass
class UploadedFile:
    name: str
    kind: str | None
    kind_guessed: bool
    month: str | None
    month_guessed: bool
    result: FileResult


@dataclass
class UploadResult:
    files: list[UploadedFile]
    stored: bool  # True when every file was stored; False after a check only

    @property
    def ok(self) -> bool:
        return all(f.result.status != "rejected" for f in self.files)


def _refuse(name: str, kind: str | None, message: str, column: str | None = None,
            value: str | None = None) -> FileResult:
    return FileResult(name, kind or "", "rejected", problems=[Problem(name, None, column, value, message)])


def _outside(name: str, kind: str, unit: str, scope: Scope) -> FileResult:
    return _refuse(name, kind, f"文件中的单位“{unit}”不在您的账户范围内（{scope.describe()}），不能导入。",
                   "单位名称", unit)


def upload(
    db: PathLike | None,
    files: list[UploadFile],
    scope: Scope,
    *,
    account: str,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    replace: bool = False,
    store: bool = False,
    today: dt.date | None = None,
    rules: PathLike | Rules | None = None,
    reason: str | None = None,
) -> UploadResult:
    """Check a batch of ledger files against a copy of the database and, with `store`, store it.

    The batch is first loaded into a scratch copy, in load order (`ingest.batch`), so a
    roster is checked after the teams file of the same batch. Nothing is stored unless every
    file passes and names only units in `scope` (and, unless the scope is everything, changes
    no unit's 上级单位); then the same files are loaded into the database while the writer lock
    is still held, so nobody can change it in between. A check alone holds the database only
    while it is copied.
    """
    import tempfile

    from tracker.ingest.batch import guess_kind, load_batch

    guesses = {f.path: guess_kind(f.path) for f in files}  # read before the database is held
    # the page's "替换这几个月的记录" box, ticked, is the user's answer to what a replace deletes
    opts = LoadOptions(unit=unit, as_of=parse_date_option(as_of), replace=replace, today=today or dt.date.today(),
                       confirm=replace, account=account, reason=check_reason(reason) if reason else None,
                       **rule_options(rules_of(rules)))
    with tempfile.TemporaryDirectory(prefix="tracker-check-") as tmp:
        scratch = Path(tmp) / "check.duckdb"
        with connect(db, read_only=not store) as con:
            if unit and not scope.everything:  # a unit chosen on the page must be the account's
                units_in(con, scope, unit)
            known = set(queries.unit_names(con))
            parents = queries.unit_parents(con)
            early, items, open_choice = _sort_out(files, guesses, scope, unit, known)
            copy_open(con, db_path(db), scratch, checkpoint=store)
            if not store:
                con.close()  # a check does not keep others waiting
            checked = _trial(scratch, items, opts, scope, known, parents, open_choice)
            result = UploadResult(early + [c for _, c in checked], stored=False)
            if not store or not result.ok or not items:
                return result
            real = load_batch(con, [i for i, _ in checked], opts)
    return UploadResult([UploadedFile(i.label, i.kind, c.kind_guessed, i.month, c.month_guessed, r)
                         for (i, r), (_, c) in zip(real, checked, strict=True)], stored=True)


def _sort_out(files: list[UploadFile], guesses: dict, scope: Scope, unit: str | None,
              known: set[str]) -> tuple[list, list, dict]:
    """Files refused before any load (kind unknown, a unit outside scope by its name), the batch
    items to try, and per file name (kind guessed, month left to the batch)."""
    from tracker.ingest.batch import BatchItem

    early: list[UploadedFile] = []
    items: list[BatchItem] = []
    open_choice: dict[str, tuple[bool, bool]] = {}
    for f in files:
        name, guess = f.path.name, guesses[f.path]
        kind = f.kind or guess.kind
        outside = [u for u in guess.units + ([unit] if unit else []) if u in known and not scope.allows(u)]
        if kind is None:
            early.append(UploadedFile(name, None, True, f.month, False, _refuse(name, None, guess.message)))
        elif kind not in KINDS:
            early.append(UploadedFile(name, kind, False, f.month, False,
                                      _refuse(name, kind, f"未知的台账类型“{kind}”。")))
        elif outside:
            early.append(UploadedFile(name, kind, f.kind is None, f.month, False,
                                      _outside(name, kind, outside[0], scope)))
        else:
            items.append(BatchItem(f.path, kind, parse_month_option(f.month), guess.file_date))
            open_choice[name] = (f.kind is None, f.month is None)
    return early, items, open_choice


def _trial(scratch: Path, items: list, opts: LoadOptions, scope: Scope, known: set[str],
           parents: dict[str, str | None], open_choice: dict[str, tuple[bool, bool]]) -> list:
    """Load the batch into the scratch copy; each file's result as a check (refused when it names
    units outside `scope`, or moves a unit to another 上级单位 without an admin's scope)."""
    from tracker.ingest.batch import load_batch
    from tracker.ingest.pipeline import file_digest

    with connect(scratch) as sc:
        trial = load_batch(sc, items, opts)
        after = scope_in(sc, accounts.get_account(sc, scope.login) if scope.login else None)
        prev = queries.load_units_by_hash(sc)
        moved = queries.unit_parents(sc)
    out = []
    for item, res in trial:
        names = res.units if res.status != "unchanged" else prev.get(file_digest(item.path), []) or []
        bad = [u for u in names if not scope.allows(u) and (u in known or not after.allows(u))]
        reparented = [u for u in names if parents.get(u) and moved.get(u) != parents[u]]
        if bad:
            res = _outside(item.label, item.kind, bad[0], scope)
        elif reparented and not scope.everything:
            u = reparented[0]
            res = _refuse(item.label, item.kind, f"文件把单位“{u}”的上级单位从“{parents[u]}”改为“{moved.get(u) or '空'}”；"
                          "只有管理员可以修改上级单位，不能导入。", "上级单位", moved.get(u))
        elif res.status == "loaded":
            res.status = "checked"
        kind_guessed, month_open = open_choice[item.label]
        out.append((item, UploadedFile(item.label, item.kind, kind_guessed, item.month,
                                       month_open and item.month is not None, res)))
    return out

"""Several files loaded as one batch, as the web page's upload does (docs/web.md, "Upload").

A person drops a folder's worth of ledgers at once, in no particular order:
the batch guesses each file's kind from its headers, puts the files in the
order loading needs (units before teams before rosters before the monthly
ledgers; within a kind by the file's date), and, for a monthly ledger given
without an upload month, takes the one month the file covers as its month
(what `tracker load --month` would say). Each file is still loaded whole or
not at all by `pipeline.load_path`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tracker.ingest.context import LoadOptions
from tracker.ingest.kinds import KINDS, kind_key
from tracker.ingest.layout import Table, locate
from tracker.ingest.pipeline import FileResult, load_path
from tracker.ingest.read import read_file
from tracker.problems import TrackerError
from tracker.values import parse_user_date


@dataclass
class KindGuess:
    """The kind whose headers a file matches best, and how well each kind matched."""

    kind: str | None
    scores: dict[str, int] = field(default_factory=dict)  # kind → declared columns found
    file_date: str = ""  # the title line's 填表日期, as written (sorts a batch)
    units: list[str] = field(default_factory=list)  # unit names the file states (title, 单位名称 column)
    message: str = ""


def guess_kind(path: Path, sheet: str | None = None) -> KindGuess:
    """Which ledger a file is, from its header row: the kind with all its required columns and
    the most declared columns found (a tie goes to the kind listed first)."""
    try:
        sheets = read_file(path, sheet)
    except TrackerError as e:
        return KindGuess(None, message=e.message)
    best: tuple[int, int] = (0, 0)
    kind: str | None = None
    scores: dict[str, int] = {}
    file_date = ""
    units: list[str] = []
    for key, k in KINDS.items():
        for s in sheets:
            table = locate(s, k, path.name)
            if table is None:
                continue
            complete = not table.missing
            score = (int(complete), len(table.present))
            scores[key] = max(scores.get(key, 0), len(table.present))
            if score > best:
                best, kind, file_date = score, key, table.title_date or ""
                units = _stated_units(table)
            break
    if kind is None or not best[0]:
        return KindGuess(None, scores, message=f"{path.name}：认不出是哪一种台账（表头与任何台账都对不上），请选择台账类型。")
    return KindGuess(kind, scores, file_date, units)


def _stated_units(table: Table) -> list[str]:
    """The unit names a file states, spaces removed as the loader removes them."""
    names = [table.title_unit] if table.title_unit else []
    if "unit" in table.present:
        names += table.rows["unit"].drop_nulls().unique().to_list()
    return sorted({re.sub(r"[\s\u3000]+", "", n) for n in names if n and n.strip()})


@dataclass
class BatchItem:
    """One file of a batch, with the options a person may set per file."""

    path: Path
    kind: str
    month: str | None = None  # YYYY-MM; None: the one month the file covers, if it covers one
    file_date: str = ""  # from the title line, to order rosters of the same year

    @property
    def label(self) -> str:
        return self.path.name


def _date_key(text: str) -> str:
    d = parse_user_date(text) if text else None
    return d.isoformat() if d else ""


def in_load_order(items: list[BatchItem]) -> list[BatchItem]:
    """Units, teams, rosters, then the monthly ledgers (the order KINDS lists); within a kind by
    the title's 填表日期, then by name with numbers compared as numbers (…-2, …-10)."""
    order = {k: i for i, k in enumerate(KINDS)}

    def natural(name: str) -> list:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]

    return sorted(items, key=lambda it: (order.get(it.kind, 99), _date_key(it.file_date), natural(it.label)))


def load_batch(con: duckdb.DuckDBPyConnection, items: list[BatchItem], opts: LoadOptions,
               progress: Callable[[str], None] | None = None) -> list[tuple[BatchItem, FileResult]]:
    """Load each file in turn (each all-or-nothing); returns the items as used, in load order.

    A monthly ledger without a month first runs as a dry run to learn the months it covers:
    one month becomes its month, several leave it as given.
    """
    done: list[tuple[BatchItem, FileResult]] = []
    for item in in_load_order(items):
        if progress:
            progress(item.label)
        item = dataclasses.replace(item, kind=kind_key(item.kind))  # an unknown kind: a usage error
        month = item.month
        if month is None and KINDS[item.kind].monthly:
            probes = load_path(con, item.kind, item.path, dataclasses.replace(opts, dry_run=True))
            months = {m for p in probes if p.status == "checked" for m in p.months}
            if len(months) == 1 and all(p.status == "checked" for p in probes):
                month = months.pop()
        used = dataclasses.replace(item, month=month)
        # a workbook may hold the ledger in several sheets (--sheet all): one result each
        done.extend((used, r) for r in load_path(con, item.kind, item.path, dataclasses.replace(opts, month=month)))
    return done

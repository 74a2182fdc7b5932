"""What a ledger kind's `prepare` receives and returns (docs/architecture.md, "Loading").

The pipeline reads and validates a file, then hands each kind a
`FileContext` (the file, its table, its date, the options and a problem
collector) and the typed rows. The kind checks them against the database
and returns `Prepared`: the rows, the units and months the file covers,
and `write`, which stores them inside the pipeline's one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from tracker.ingest.columns import Kind
from tracker.ingest.layout import Table
from tracker.periods import month_end_of
from tracker.problems import Problems


@dataclass
class LoadOptions:
    unit: str | None = None
    month: str | None = None  # YYYY-MM
    as_of: dt.date | None = None
    replace: bool = False
    dry_run: bool = False
    sheet: str | None = None
    fill: dict[str, str] = field(default_factory=dict)  # column key → value for every row (--team, --title)
    aliases: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # a user's headers file
    today: dt.date = field(default_factory=dt.date.today)
    due_working_days: int = 10  # rules: record_due_working_days
    account: str | None = None  # who loads: "命令行（OS user）" or a web login (loads.account)
    earliest_date: dt.date = dt.date(2000, 1, 1)  # rules: earliest_date
    file_date_future_days: int = 31  # rules: file_date_future_days
    # --replace deletes stored records: True/False decides, a function is asked with the plan
    confirm: bool | Callable[[ReplacePlan], bool] = False
    # told each step of a file as it starts ("检查 436,945 行"): a city's load takes seconds per step
    stage: Callable[[str], None] | None = None
    # the units the caller's scope reaches (None: every unit): a file naming another is refused
    reach: frozenset[str] | None = None
    # why a confirmed month is changed (--reason): without one, such a load is refused
    reason: str | None = None
    # called with (connection, load_id) inside the load's transaction, after its records (a sign-in
    # marks itself closed: both happen, or neither)
    on_write: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None

    def outside(self, units: list[str]) -> list[str]:
        """The units of `units` the caller may not load for."""
        return [] if self.reach is None else [u for u in units if u not in self.reach]

    def step(self, what: str) -> None:
        if self.stage is not None:
            self.stage(what)


@dataclass
class ReplacePlan:
    """What a --replace load would delete before writing: per month, rows per ledger table.

    A replace never touches a month the file has no rows for unless --month names it;
    the user sees this plan and decides (the CLI asks; --yes and the API's `confirm` decide).
    """

    file: str
    kind: str
    units: list[str]
    months: list[str]  # the months whose records are swapped for the file's
    rows: dict[str, dict[str, int]]  # month → {what: stored rows deleted}
    last_backup: tuple[str, dt.datetime] | None = None  # (path, when) of the latest `tracker backup`
    warnings: list[str] = field(default_factory=list)  # the file's warnings, to read before deciding

    @property
    def total(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for counts in self.rows.values():
            for what, n in counts.items():
                out[what] = out.get(what, 0) + n
        return out

    @property
    def deletes(self) -> bool:
        return any(n for counts in self.rows.values() for n in counts.values())


@dataclass
class FileContext:
    path: Path
    label: str
    digest: str
    kind: Kind
    table: Table
    file_date: dt.date
    opts: LoadOptions
    problems: Problems

    def add_frame(self, frame: pl.DataFrame, level: str = "error") -> None:
        self.problems.extend_frame(self.label, frame, level)

    def error(self, message: str, row: int | None = None, column: str | None = None,
              value: str | None = None) -> None:
        self.problems.add(self.label, row, column, value, message)

    def warn(self, message: str, row: int | None = None, column: str | None = None,
             value: str | None = None) -> None:
        self.problems.add(self.label, row, column, value, message, "warning")

    @property
    def month_range(self) -> tuple[dt.date, dt.date] | None:
        if not self.opts.month:
            return None
        start = dt.date.fromisoformat(self.opts.month + "-01")
        return start, month_end_of(self.opts.month)


@dataclass
class Prepared:
    """What a kind's `prepare` hands back: the rows to store and a summary."""

    rows: pl.DataFrame
    units: list[str]
    months: list[str]
    write: Callable[[duckdb.DuckDBPyConnection, int], dict[str, int]]
    counts: dict[str, int | float] = field(default_factory=dict)
    replaces: dict[str, dict[str, int]] | None = None  # with --replace: month → {what: rows deleted}
    # unit → the months whose records the load adds, changes or deletes (a confirmed one needs a reason)
    touched: dict[str, list[str]] = field(default_factory=dict)

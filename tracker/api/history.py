"""Confirmed months and the history of every change (docs/ledgers.md, "Confirmed months").

Whoever records a service proves it (谁记录谁证明): a unit confirms its month (`confirm`), which
locks it — a later load changing it needs a reason — and `history` lists, newest first, every load,
correction and confirmation with who, when, why, and each changed record's old and new values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import polars as pl

from tracker.api.accounts import LOCAL, Scope, cli_account, units_in
from tracker.api.common import PathLike
from tracker.ingest.kinds import KINDS, MONTHLY_KINDS
from tracker.options import parse_month_option
from tracker.problems import TrackerError
from tracker.store import history as stored
from tracker.store.db import connect


@dataclass
class ConfirmResult:
    """What `tracker confirm` did: the kinds confirmed now, and those confirmed before (kind → (when, who))."""

    unit: str
    month: str
    confirmed: list[str]
    already: dict[str, tuple[dt.datetime, str | None]]
    time: dt.datetime | None
    account: str


def confirm(db: PathLike | None, *, unit: str | None, month: str, kind: str | None = None,
            account: str | None = None, today: dt.date | None = None, scope: Scope = LOCAL) -> ConfirmResult:
    """Confirm `unit`'s `month` of one monthly ledger (`kind`) or of every one that has data then.

    Refused: a month in the future, a month with nothing loaded, another unit's month (outside
    `scope`). A kind confirmed before stays as it was (listed in `already`)."""
    today = today or dt.date.today()
    month = parse_month_option(month) or ""
    if kind is not None and kind not in MONTHLY_KINDS:
        raise TrackerError(f"--kind 只能是 {'、'.join(MONTHLY_KINDS)}，而不是“{kind}”。", code=2)
    if month > today.strftime("%Y-%m"):
        raise TrackerError(f"{month} 还没有到（今天是 {today.isoformat()}），不能确认将来的月份。")
    account = account or cli_account()
    with connect(db) as con:
        reach = units_in(con, scope, unit)
        name = unit or reach.single("请用 --unit 指定要确认哪个单位的月份")
        have = stored.months_with_data(con, name)
        wanted = [kind] if kind else [k for k in MONTHLY_KINDS if month in have.get(k, set())]
        empty = [k for k in wanted if month not in have.get(k, set())]
        if not wanted or empty:
            what = "、".join(KINDS[k].name for k in (empty or MONTHLY_KINDS))
            raise TrackerError(f"{name} {month} 还没有导入{what}，没有可确认的记录。请先导入该月的台账再确认。")
        done = stored.confirmations(con, [name]).filter(pl.col("month") == month)
        already = {r["kind"]: (r["confirmed_at"], r["account"]) for r in done.to_dicts() if r["kind"] in wanted}
        todo = [k for k in wanted if k not in already]
        when = stored.add_confirmations(con, name, todo, month, account) if todo else None
    return ConfirmResult(name, month, todo, already, when, account)


@dataclass
class HistoryEntry:
    """One change of the ledgers: a load, a correction (replace) or a confirmation, and its records.

    `changes`: per record changed, its `old` and `new` values (date, team, title, participant,
    number, hours; a demand's status), None for a record added or removed."""

    time: dt.datetime
    account: str
    action: str  # load | replace | confirm
    kind: str
    file: str | None
    reason: str | None
    units: list[str]
    months: list[str]
    changes: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["time"] = self.time.isoformat(sep=" ", timespec="seconds")
        return d

    @property
    def counts(self) -> dict[str, int]:
        """How many records were added, removed and changed."""
        return {"added": sum(c["old"] is None for c in self.changes),
                "removed": sum(c["new"] is None for c in self.changes),
                "changed": sum(c["old"] is not None and c["new"] is not None for c in self.changes)}


_FIELDS = ["date", "team", "title", "participant", "number", "hours", "status"]


def history(db: PathLike | None, *, unit: str | None = None, month: str | None = None,
            volunteer: str | None = None, scope: Scope = LOCAL) -> list[HistoryEntry]:
    """Every change to the units in `scope` (or `unit`), newest first; with `month`, the records of
    that month; with `volunteer` (a name or number), the changes of that person's records only."""
    month = parse_month_option(month)
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        vid = None
        if volunteer is not None:
            from tracker.certificates.record import find_volunteer

            vid = find_volunteer(con, volunteer, unit, reach.only).vid
        return entries_of(con, reach.only, unit, month, vid)


def entries_of(con, only: list[str] | None, unit: str | None, month: str | None,
               vid: int | None) -> list[HistoryEntry]:
    """`history` on an open connection, for the units `only` (None: all), of one volunteer if `vid`."""
    loads = stored.history_loads(con, only, month)
    records = {k: stored.written_and_removed(con, k, loads.filter(pl.col("kind") == k)["load_id"].to_list())
               for k in stored.HISTORY_KINDS if k in set(loads["kind"].to_list())}
    confirmed = stored.confirmations(con, only)
    entries = []
    for ld in loads.to_dicts():
        changes = _changes(records[ld["kind"]], ld["load_id"], only, month, vid)
        if not changes and (month is not None or vid is not None):
            continue  # nothing of that month, or of that person
        action = "review" if ld["kind"] == "review" else "replace" if ld["replaced"] else "load"
        entries.append(HistoryEntry(ld["loaded_at"], ld["account"] or "", action,
                                    ld["kind"], ld["file_name"], ld["reason"], _shown(ld["units"], only),
                                    ld["months"] if month is None else [month], changes))
    if vid is None:
        if unit is not None:
            confirmed = confirmed.filter(pl.col("unit") == unit)
        if month is not None:
            confirmed = confirmed.filter(pl.col("month") == month)
        for c in confirmed.to_dicts():
            entries.append(HistoryEntry(c["confirmed_at"], c["account"] or "", "confirm", c["kind"], None, None,
                                        [c["unit"]], [c["month"]]))
    return sorted(entries, key=lambda e: e.time, reverse=True)


def _shown(units: list[str], only: list[str] | None) -> list[str]:
    return units if only is None else [u for u in units if u in only]


def _changes(records: pl.DataFrame, load_id: int, only: list[str] | None, month: str | None,
             vid: int | None) -> list[dict]:
    """The records a load changed: its removed records (`old`) against those it wrote (`new`), paired
    by record; a record written as it was removed is no change."""
    df = records.filter(pl.col("hist_load") == load_id)
    if only is not None:
        df = df.filter(pl.col("unit").is_in(only))
    if month is not None:
        df = df.filter(pl.col("date").dt.strftime("%Y-%m") == month)
    if vid is not None:
        df = df.filter(pl.col("vid") == vid)
    if df.is_empty():
        return []
    key = pl.concat_str([pl.col("unit"), pl.coalesce(pl.col("rec"), pl.lit("")), pl.col("date").cast(pl.String),
                         pl.col("team").fill_null(""), pl.col("title").fill_null(""),
                         pl.col("vid").cast(pl.String).fill_null("")], separator="\x1f")
    df = df.with_columns(key.alias("__key"))
    old = {r["__key"]: r for r in df.filter(pl.col("side") == "old").to_dicts()}
    out = []
    for r in df.filter(pl.col("side") == "new").sort("date", "team", "title", "participant").to_dicts():
        before = old.pop(r["__key"], None)
        if before is not None and before["hours"] == r["hours"] and before["status"] == r["status"]:
            continue
        out.append({"unit": r["unit"], "old": _values(before), "new": _values(r)})
    out += [{"unit": r["unit"], "old": _values(r), "new": None} for r in old.values()]
    return out


def _values(r: dict | None) -> dict | None:
    if r is None:
        return None
    v = {k: r[k] for k in _FIELDS}
    v["date"] = r["date"].isoformat() if r["date"] is not None else None
    if v["hours"] is not None:
        v["hours"] = round(float(v["hours"]), 2)
    return v

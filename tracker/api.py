"""The Python API behind every command; the CLI only parses options and prints.

    from tracker import api
    api.init("t.duckdb")
    results = api.load("t.duckdb", "roster", ["花名册.xlsx"])
    api.status("t.duckdb")
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from tracker.ingest.context import LoadOptions
from tracker.ingest.kinds import KINDS, MONTHLY_KINDS
from tracker.ingest.pipeline import FileResult, load_file
from tracker.problems import TrackerError
from tracker.store import queries
from tracker.store.db import connect, db_path
from tracker.store.migrations import SCHEMA_VERSION


def init(db: str | os.PathLike | None = None) -> tuple[Path, int]:
    """Create the database (or bring an old one to the current schema)."""
    p = db_path(db)
    with connect(p, create=True):
        pass
    return p, SCHEMA_VERSION


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise TrackerError(f"未知的台账类型“{kind}”。可选：{'、'.join(KINDS)}。", code=2)
    return kind


def parse_month_option(month: str | None) -> str | None:
    if month is None:
        return None
    try:
        d = dt.datetime.strptime(month.strip(), "%Y-%m")
    except ValueError:
        raise TrackerError(f"--month 应写成 YYYY-MM（如 2026-03），而不是“{month}”。", code=2) from None
    return d.strftime("%Y-%m")


def parse_date_option(text: str | None, option: str = "--as-of") -> dt.date | None:
    if text is None:
        return None
    from tracker.values import parse_user_date

    d = parse_user_date(text)
    if d is None:
        raise TrackerError(f"{option} 不是可识别的日期：“{text}”（如 2026-06-30）。", code=2)
    return d


def load(
    db: str | os.PathLike | None,
    kind: str,
    files: Iterable[str | os.PathLike],
    *,
    unit: str | None = None,
    month: str | None = None,
    as_of: dt.date | str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    sheet: str | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    rules: str | os.PathLike | None = None,
) -> list[FileResult]:
    """Load ledger files of one kind; each file is all-or-nothing on its own."""
    from tracker.rules import load_rules

    check_kind(kind)
    opts = LoadOptions(
        unit=unit,
        month=parse_month_option(month),
        as_of=parse_date_option(as_of) if isinstance(as_of, str) else as_of,
        replace=replace,
        dry_run=dry_run,
        sheet=sheet,
        today=today or dt.date.today(),
        due_working_days=load_rules(rules).record_due_working_days,
    )
    results = []
    with connect(db, create=False) as con:
        for f in files:
            if progress:
                progress(str(f))
            results.append(load_file(con, kind, Path(f), opts))
    return results


def _months_between(first: str, last: str) -> list[str]:
    if first > last:
        return []
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def status(
    db: str | os.PathLike | None = None,
    unit: str | None = None,
    year: int | None = None,
    today: dt.date | None = None,
    rules: str | os.PathLike | None = None,
) -> list[dict]:
    """Per unit: what is registered and loaded, months per ledger, and the loads.

    Service hours are the assessment's own figure (`assess.figures.unit_figures`).
    """
    from tracker.assess.figures import unit_figures
    from tracker.periods import Period
    from tracker.rules import load_rules

    today = today or dt.date.today()
    with connect(db, read_only=True) as con:
        units = queries.select_units(con, unit)
        roster = queries.roster_as_of(con, today, unit)
        teams = queries.teams_as_of(con, today, unit)
        start = dt.date(year, 1, 1) if year else dt.date(1900, 1, 1)
        end = dt.date(year, 12, 31) if year else dt.date(2999, 12, 31)
        acts = queries.activities(con, start, end, unit)
        figures = unit_figures(con, Period(start, end), unit, load_rules(rules), activities=acts)
        visits = queries.pairing_visits(con, start, end, unit)
        dem = queries.demands(con, unit)
        if year:
            dem = dem.filter(pl.col("received").dt.year() == year)
        months = queries.months_loaded(con, unit)
        loads = queries.frame(con, """
            SELECT l.load_id, l.kind, l.file_name, l.file_hash, l.rows, l.loaded_at, l.as_of, l.months,
                   l.replaced, u.unit
            FROM loads l, unnest(l.units) AS u(unit) ORDER BY l.load_id""")
    out = []
    for u in units:
        a = acts.filter(pl.col("unit") == u)
        v = visits.filter(pl.col("unit") == u)
        m = months.filter(pl.col("unit") == u)
        per_kind = {k: m.filter(pl.col("kind") == k)["month"].to_list() for k in KINDS}
        if year:
            per_kind = {k: [x for x in ms if x.startswith(f"{year}-")] for k, ms in per_kind.items()}
        missing = {}
        for k in MONTHLY_KINDS:
            have = per_kind[k]
            if year:
                first, last = f"{year}-01", min(f"{year}-12", today.strftime("%Y-%m"))
            elif have:
                first, last = have[0], have[-1]
            else:
                first, last = "", ""
            missing[k] = [x for x in _months_between(first, last) if x not in have] if first else []
        ul = loads.filter(pl.col("unit") == u)
        out.append({
            "unit": u,
            "volunteers": roster.filter((pl.col("unit") == u) & pl.col("active")).height,
            "teams": teams.filter(pl.col("unit") == u).height,
            "activities": a.height,
            "service_activities": int(figures.filter(pl.col("unit") == u)["service_activities"].sum() or 0),
            "participations": int(a["participants"].sum() or 0),
            "service_hours": round(float(figures.filter(pl.col("unit") == u)["service_hours"].sum() or 0), 1),
            "demands": dem.filter(pl.col("unit") == u).height,
            "pairing_visits": v.height,
            "backfilled": int(a["backfilled"].sum() or 0) + int(v["backfilled"].sum() or 0),
            "months": per_kind,
            "missing_months": missing,
            "loads": [
                {"file": r["file_name"], "kind": r["kind"], "hash": r["file_hash"], "rows": r["rows"],
                 "time": r["loaded_at"].isoformat(sep=" ", timespec="seconds"),
                 "as_of": r["as_of"].isoformat(), "months": r["months"], "replace": r["replaced"]}
                for r in ul.iter_rows(named=True)
            ],
        })
    return out

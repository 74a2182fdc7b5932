"""The awards decided at year end, as stored (docs/awards.md)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.store.db import transaction
from tracker.store.queries import frame


def record(con: duckdb.DuckDBPyConnection, rows: list[dict], account: str | None) -> int:
    """Store the decided awards (one transaction); an award already recorded for the same year,
    award and person (or team) is kept as it was. Returns how many were added."""
    now = dt.datetime.now().replace(microsecond=0)
    have = {(y, a, u, v, t) for y, a, u, v, t in con.execute(
        "SELECT year, award, unit, vid, team FROM awards").fetchall()}
    new = [r for r in rows if (r["year"], r["award"], r["unit"], r["vid"], r["team"]) not in have]
    new = list({(r["year"], r["award"], r["unit"], r["vid"], r["team"]): r for r in new}.values())  # named twice
    if not new:
        return 0
    with transaction(con):
        con.executemany("INSERT INTO awards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(r["year"], r["award"], r["unit"], r["vid"], r["team"], r["name"], r["hours"],
                          r["activities"], now, account) for r in new])
    return len(new)


def listed(con: duckdb.DuckDBPyConnection, year: int | None, units: list[str] | None, vid: int | None = None
           ) -> pl.DataFrame:
    """year, award, unit, vid, team, name, hours, activities, recorded_at, account."""
    where, params = ["TRUE"], []
    if year is not None:
        where.append("year = ?")
        params.append(year)
    if units is not None:
        where.append("unit IN (SELECT unnest(?::VARCHAR[]))")
        params.append(units)
    if vid is not None:
        where.append("vid = ?")
        params.append(vid)
    return frame(con, f"SELECT * FROM awards WHERE {' AND '.join(where)} ORDER BY year, award, unit, hours DESC",
                 params)

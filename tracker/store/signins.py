"""Sign-ins as stored: the sign-in, who signed in, and closing it (docs/signin.md)."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.store.queries import frame, rows

COLUMNS = ("code", "unit", "team", "title", "date", "starts", "ends", "place", "theme", "kind", "open_until",
           "created_at", "created_by", "closed_at", "closed_by", "hours", "load_id")


def code_taken(con: duckdb.DuckDBPyConnection, code: str) -> bool:
    return bool(rows(con, "SELECT count(*) FROM signins WHERE code = ?", [code])[0][0])


def add(con: duckdb.DuckDBPyConnection, values: dict) -> None:
    cols = [c for c in COLUMNS if c in values]
    con.execute(f"INSERT INTO signins ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                [values[c] for c in cols])


def get(con: duckdb.DuckDBPyConnection, code: str) -> dict | None:
    found = frame(con, f"SELECT {', '.join(COLUMNS)} FROM signins WHERE code = ?", [code]).to_dicts()
    return found[0] if found else None


def listed(con: duckdb.DuckDBPyConnection, units: list[str] | None) -> pl.DataFrame:
    """Every sign-in of `units` (all if None), newest first, with how many signed in."""
    where = "" if units is None else "WHERE s.unit IN (SELECT unnest(?::VARCHAR[]))"
    return frame(con, f"""
        SELECT s.*, (SELECT count(*) FROM signin_people p WHERE p.code = s.code) AS signed
        FROM signins s {where} ORDER BY s.date DESC, s.starts DESC, s.created_at DESC""",
                 [] if units is None else [units])


def people(con: duckdb.DuckDBPyConnection, code: str) -> pl.DataFrame:
    """Who signed in: vid, signed_at, how, ticked_by, with their name and number."""
    return frame(con, """
        WITH v AS (SELECT vid, name, number FROM volunteer_versions
                   QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1)
        SELECT p.vid, p.signed_at, p.how, p.ticked_by, v.name, v.number FROM signin_people p
        LEFT JOIN v USING (vid) WHERE p.code = ? ORDER BY p.signed_at, v.name""", [code])


def sign(con: duckdb.DuckDBPyConnection, code: str, vids: list[int], how: str, by: str | None,
         when: dt.datetime) -> list[int]:
    """Record these people signed in (those already signed are left as they were); returns the new ones."""
    have = {r[0] for r in rows(con, "SELECT vid FROM signin_people WHERE code = ?", [code])}
    new = [v for v in dict.fromkeys(vids) if v not in have]
    if new:
        con.executemany("INSERT INTO signin_people VALUES (?, ?, ?, ?, ?)", [(code, v, when, how, by) for v in new])
    return new


def unsign(con: duckdb.DuckDBPyConnection, code: str, vids: list[int]) -> int:
    before = rows(con, "SELECT count(*) FROM signin_people WHERE code = ?", [code])[0][0]
    con.execute("DELETE FROM signin_people WHERE code = ? AND list_contains(?::INTEGER[], vid)", [code, vids])
    return before - rows(con, "SELECT count(*) FROM signin_people WHERE code = ?", [code])[0][0]


def mark_closed(con: duckdb.DuckDBPyConnection, code: str, by: str | None, hours: float, load_id: int | None,
                when: dt.datetime) -> None:
    con.execute("UPDATE signins SET closed_at = ?, closed_by = ?, hours = ?, load_id = ? WHERE code = ?",
                [when, by, hours, load_id, code])

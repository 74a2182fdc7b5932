"""One volunteer's records, as stored (docs/people.md, "A volunteer's archive").

The notice's 户籍式管理: each person's versions (team and status over time), every activity they took
part in whatever its kind, their pairing visits, the demands their teams took, and the
certificates issued to them.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.store.queries import frame


def versions(con: duckdb.DuckDBPyConnection, vid: int) -> pl.DataFrame:
    """Every version of the person, oldest first (valid_from and every roster field)."""
    return frame(con, "SELECT * EXCLUDE (src_row) FROM volunteer_versions WHERE vid = ? ORDER BY valid_from",
                 [vid])


def participations(con: duckdb.DuckDBPyConnection, vid: int, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Every activity of [start, end] the person took part in: date, title, team, kind, theme, hours, unit."""
    return frame(con, """
        SELECT a.date, a.title, a.team, a.kind, a.theme, p.hours, a.unit, a.place
        FROM participations p JOIN activities a USING (aid)
        WHERE p.vid = ? AND a.date BETWEEN ?::DATE AND ?::DATE ORDER BY a.date, a.title""", [vid, start, end])


def visits(con: duckdb.DuckDBPyConnection, vid: int, start: dt.date, end: dt.date) -> pl.DataFrame:
    return frame(con, """
        SELECT date, recipient, recipient_kind, content, hours, pair_id FROM pairing_visits
        WHERE vid = ? AND date BETWEEN ?::DATE AND ?::DATE ORDER BY date""", [vid, start, end])


def team_demands(con: duckdb.DuckDBPyConnection, unit: str, teams: list[str], start: dt.date,
                 end: dt.date) -> pl.DataFrame:
    """The demands `teams` of `unit` took (承接服务队), registered in [start, end]."""
    return frame(con, """
        SELECT demand_id, received, content, category, team, status, closed FROM demands
        WHERE unit = ? AND list_contains(?::VARCHAR[], team) AND received BETWEEN ?::DATE AND ?::DATE
        ORDER BY received, demand_id""", [unit, teams, start, end])


def certificates(con: duckdb.DuckDBPyConnection, vid: int) -> pl.DataFrame:
    return frame(con, """
        SELECT serial, issued_on, period_start, period_end, services, total_hours FROM certificates
        WHERE vid = ? ORDER BY issued_at""", [vid])


def activity_years(con: duckdb.DuckDBPyConnection, vid: int) -> list[int]:
    """The years the person served in (activities or pairing visits)."""
    return [r[0] for r in con.execute("""
        SELECT DISTINCT y FROM (
            SELECT year(a.date) AS y FROM participations p JOIN activities a USING (aid) WHERE p.vid = ?
            UNION SELECT year(date) FROM pairing_visits WHERE vid = ?) ORDER BY y""", [vid, vid]).fetchall()]

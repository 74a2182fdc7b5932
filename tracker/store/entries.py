"""How the records were entered: late entries, a person's long days, overlapping times (docs/rules.md,
"补录登记", "单日时长").

The checks read these frames; the SQL lives here so that a city's 1.3M participations are
grouped in DuckDB, and only the few rows to report reach polars.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.store import workcopy
from tracker.store.queries import Units, frame, unit_clause

# the day a record was entered: its register's month end (--month), else the file's date
_ENTERED = ("coalesce(last_day(strptime(l.upload_month || '-01', '%Y-%m-%d')::DATE), l.as_of)")


def _unit(unit: Units, alias: str) -> tuple[str, list]:
    return unit_clause(unit, f"{alias}.")


def late_entries(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, unit: Units,
                 days: int) -> pl.DataFrame:
    """Activities and pairing visits dated in [start, end] entered more than `days` days after their
    date: unit, kind (activities | pairings), date, title, file_name, src_row, entered, late (days)."""
    ua, pa = _unit(unit, "a")
    uv, pv = _unit(unit, "v")
    src = workcopy.tables(con, unit, end)
    return frame(con, f"""
        SELECT * FROM (
            SELECT a.unit, 'activities' AS kind, a.date, a.title, l.file_name, a.src_row, {_ENTERED} AS entered
            FROM {src.activities} a JOIN loads l USING (load_id)
            WHERE a.date BETWEEN ?::DATE AND ?::DATE {ua}{src.only("a")}
            UNION ALL
            SELECT v.unit, 'pairings', v.date, v.recipient, l.file_name, v.src_row, {_ENTERED}
            FROM pairing_visits v JOIN loads l USING (load_id) WHERE v.date BETWEEN ?::DATE AND ?::DATE {uv}
        ) WHERE date_diff('day', date, entered) > ?
        ORDER BY unit, file_name, src_row, date, title, kind""", [start, end, *pa, start, end, *pv, days])


def _day_rows(unit: Units, src: workcopy.Source) -> str:
    """Every participation and pairing visit of the period, with its file and row (`_params`)."""
    ua, _ = _unit(unit, "a")
    uv, _ = _unit(unit, "v")
    return f"""
        SELECT a.unit, p.vid, a.date, p.hours, a.title, a.starts, a.ends, a.aid, l.file_name, p.src_row
        FROM {src.joined} LEFT JOIN loads l ON l.load_id = p.load_id
        WHERE a.date BETWEEN ?::DATE AND ?::DATE {ua}{src.only("a", "p")}
        UNION ALL
        SELECT v.unit, v.vid, v.date, coalesce(v.hours, 0), v.recipient, NULL::TIME, NULL::TIME, NULL::BIGINT,
               l.file_name, v.src_row
        FROM pairing_visits v LEFT JOIN loads l ON l.load_id = v.load_id
        WHERE v.date BETWEEN ?::DATE AND ?::DATE {uv}"""


def long_days(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, unit: Units,
              most: float) -> pl.DataFrame:
    """A volunteer's days credited with more than `most` hours (activities of every kind and pairing
    visits): unit, vid, name, date, hours, sources (file 第N行, in file order). The long days are
    found by their sums first: listing the sources of a city chunk's 190,000 days, to keep none,
    was most of the query."""
    return frame(con, f"""
        WITH d AS ({_day_rows(unit, workcopy.tables(con, unit, end))}),
             long AS (SELECT unit, vid, date FROM d GROUP BY unit, vid, date HAVING sum(hours) > ?)
        SELECT d.unit, d.vid, any_value(v.name) AS name, d.date, sum(d.hours) AS hours,
               list(d.file_name || ' 第' || d.src_row || '行' ORDER BY d.file_name, d.src_row) AS sources
        FROM d JOIN long USING (unit, vid, date) LEFT JOIN volunteers v USING (vid)
        GROUP BY d.unit, d.vid, d.date
        ORDER BY d.unit, d.date, name, d.vid""", _params(start, end, unit, most))


def _params(start: dt.date, end: dt.date, unit: Units, *more) -> list:
    """The parameters of `_day_rows` (and `more` after them)."""
    u = unit_clause(unit)[1]
    return [start, end, *u, start, end, *u, *more]


def overlaps(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, unit: Units) -> pl.DataFrame:
    """Two activities of one volunteer on one day whose times of day overlap (where both are known):
    unit, vid, name, date, and of each: title, starts, ends, file_name, src_row (suffixes _1, _2)."""
    return frame(con, f"""
        WITH d AS (SELECT * FROM ({_day_rows(unit, workcopy.tables(con, unit, end))})
                   WHERE starts IS NOT NULL AND ends IS NOT NULL)
        SELECT x.unit, x.vid, v.name, x.date,
               x.title AS title_1, x.starts AS starts_1, x.ends AS ends_1, x.file_name AS file_1, x.src_row AS row_1,
               y.title AS title_2, y.starts AS starts_2, y.ends AS ends_2, y.file_name AS file_2, y.src_row AS row_2
        FROM d x JOIN d y ON x.vid = y.vid AND x.date = y.date AND x.aid < y.aid
             AND x.starts < y.ends AND y.starts < x.ends
        LEFT JOIN volunteers v ON v.vid = x.vid
        ORDER BY x.unit, x.date, v.name, x.vid, x.aid, y.aid""", _params(start, end, unit))

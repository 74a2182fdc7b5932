"""Read-side queries every module shares: the roster and teams in force at a date.

History is kept as versions with a `valid_from` date (docs/data-model.md). The state at
date D is, per volunteer (team), the version with the latest valid_from ≤ D.
A volunteer's first version is valid from min(file date, 登记日期), a team's
first version from min(file date, 成立日期) or from the beginning when the
founding date is unknown, so reports for earlier periods still find them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import polars as pl

from tracker.notice import TEN_HAVES
from tracker.problems import UnknownUnit, suggest
from tracker.store import workcopy

# one unit, several (a chunk of a city's run: docs/performance.md, "Memory"), or every unit (None)
Units = str | Sequence[str] | None


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run a query and return a polars frame (via Arrow, no copy per row).

    The result crosses as an Arrow C stream, which needs no pyarrow: importing
    pyarrow for `.pl()` cost a tenth of a second of every command.

    DuckDB 2 wants every `execute` result fetched to the end before the next
    statement: use `rows` for small results and this for frames.
    """
    return pl.DataFrame(con.sql(sql, params=params or None))


class ArrowSource:
    """A polars frame for `con.register`, handed over as an Arrow C stream (the PyCapsule protocol).

    Registered as it is, a polars frame goes through pyarrow: importing it and converting a
    city's 1.3M participations cost a load a tenth of a second. DuckDB asks for a new stream
    each time the query scans it, so a frame read twice (`IN (SELECT …)`) works.
    """

    def __init__(self, df: pl.DataFrame) -> None:
        self.df = df

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.df.__arrow_c_stream__(requested_schema)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def unit_names(con: duckdb.DuckDBPyConnection, unit: Units = None) -> list[str]:
    """Every unit the database knows (from any ledger), sorted; with `unit` (one or several), just
    those known."""
    found: set[str] = set()
    if unit is not None:  # most are registered: the ledgers are read only for the others
        asked = [unit] if isinstance(unit, str) else list(unit)
        found = {r[0] for r in rows(con, "SELECT unit FROM units WHERE unit IN (SELECT unnest(?::VARCHAR[]))",
                                    [asked])}
        unit = [u for u in asked if u not in found]
        if not unit:
            return sorted(found)
    where, params = unit_clause(unit)  # pushed into each table's scan: a chunk reads its own units
    sql = f"""
        SELECT unit FROM (
            SELECT unit FROM units UNION SELECT unit FROM volunteers UNION SELECT unit FROM teams
            UNION SELECT unit FROM activities UNION SELECT unit FROM demands
            UNION SELECT unit FROM pairing_visits) WHERE TRUE{where}
    """
    return sorted(found | {r[0] for r in rows(con, sql, params)})


def select_units(con: duckdb.DuckDBPyConnection, unit: str | None) -> list[str]:
    """The units a command covers: every one, or the one named (a user error, with close
    names suggested, when the database does not know it)."""
    known = unit_names(con)
    if unit is None or unit in known:
        return known if unit is None else [unit]
    hint = suggest(unit, known) or (f"（现有：{'、'.join(known[:10])}{'等' if len(known) > 10 else ''}）"
                                    if known else "（数据库中还没有任何单位）")
    raise UnknownUnit(f"数据库中没有单位“{unit}”{hint}。")


def unit_clause(units: Units, alias: str = "") -> tuple[str, list]:
    """The SQL that keeps these units' rows (`` AND unit = ?`` or `` AND unit IN (…)``) and its
    parameter; nothing for every unit. `alias` is the table's, with its dot ("a.")."""
    if units is None:
        return "", []
    if isinstance(units, str):
        return f" AND {alias}unit = ?", [units]
    return f" AND {alias}unit IN (SELECT unnest(?::VARCHAR[]))", [list(units)]


def of_units(units: Units) -> pl.Expr:
    """The polars filter that keeps these units' rows (every row for None)."""
    if units is None:
        return pl.lit(True)
    return pl.col("unit") == units if isinstance(units, str) else pl.col("unit").is_in(list(units))



def roster_as_of(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: Units = None
) -> pl.DataFrame:
    """Every volunteer known at `as_of` (registered or withdrawn), one row each.

    Columns: vid, unit, number, name, team, phone, id_number, leadership,
    registered, status, left, prior_hours, gender, age, birth_month, education,
    joined_party, ethnicity, service_items, health, skills, email, applied,
    approved, political, experience, workplace, active (registered on as_of and not
    withdrawn by then). An applicant (status 申请, no 登记日期 yet) is listed, never active
    (docs/data-model.md, "Applicants").
    """
    where, params = unit_clause(unit, "v.")
    sql = f"""
        SELECT v.* EXCLUDE (load_id, src_row, valid_from),
               coalesce(v.registered <= ?::DATE
                AND (v."left" IS NULL OR v."left" > ?::DATE)
                AND NOT (v.status = '退出' AND v."left" IS NULL), FALSE) AS active
        FROM volunteer_versions v
        WHERE v.valid_from <= ?::DATE {where}
        QUALIFY row_number() OVER (PARTITION BY v.vid ORDER BY v.valid_from DESC) = 1
        ORDER BY v.unit, v.team NULLS LAST, v.vid
    """
    return frame(con, sql, [as_of, as_of, as_of, *params])


def teams_as_of(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, unit: Units = None
) -> pl.DataFrame:
    """Every team registered at `as_of`, with its 十有 flags and score (x/10)."""
    where, params = unit_clause(unit, "t.")
    ten = " + ".join(f"coalesce(t.{k}::INT, 0)" for k, _ in TEN_HAVES)
    sql = f"""
        SELECT t.* EXCLUDE (load_id, src_row, valid_from), ({ten}) AS ten_score
        FROM teams t
        WHERE t.valid_from <= ?::DATE {where}
        QUALIFY row_number() OVER (PARTITION BY t.unit, t.team ORDER BY t.valid_from DESC) = 1
        ORDER BY t.unit, t.team
    """
    return frame(con, sql, [as_of, *params])


def units(con: duckdb.DuckDBPyConnection, unit: Units = None) -> pl.DataFrame:
    """Units with formal members defaulted to party members."""
    where, params = unit_clause(unit)
    sql = f"""
        SELECT unit, parent, staff, party_members,
               coalesce(formal_members, party_members) AS formal_members, code
        FROM units WHERE TRUE {where} ORDER BY parent NULLS LAST, unit
    """
    return frame(con, sql, params)


def participations(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    unit: Units = None,
) -> pl.DataFrame:
    """One row per (activity, volunteer) dated in [start, end], inclusive.

    Columns: aid, unit, team, date, title, kind, theme, backfilled, vid, hours.
    `unit` is the organizing unit of the activity.
    """
    where, params = unit_clause(unit, "a.")
    src = workcopy.tables(con, unit, end)
    sql = f"""
        SELECT a.aid, a.unit, a.team, a.date, a.title, a.kind, a.theme, a.backfilled,
               p.vid, p.hours
        FROM {src.joined}
        WHERE a.date BETWEEN ?::DATE AND ?::DATE {where}{src.only("a", "p")}
    """
    return frame(con, sql, [start, end, *params])


def activities(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, unit: Units = None
) -> pl.DataFrame:
    """Activities dated in [start, end] with participant count and total hours.

    The participations are summed per activity before the join (grouping the
    activities' wide rows instead was twice as slow for a city's year).
    """
    where, params = unit_clause(unit)
    src = workcopy.tables(con, unit, end)
    sql = f"""
        WITH a AS (SELECT * EXCLUDE (load_id, src_row{src.extra}) FROM {src.activities} a
                   WHERE date BETWEEN ?::DATE AND ?::DATE {where}{src.only("a")}),
             p AS (SELECT aid, count(vid) AS participants, sum(hours) AS total_hours
                   FROM {src.participations} p WHERE aid IN (SELECT aid FROM a){src.only("p")} GROUP BY aid)
        SELECT a.*, coalesce(p.participants, 0) AS participants, coalesce(p.total_hours, 0) AS total_hours
        FROM a LEFT JOIN p USING (aid)
        ORDER BY a.unit, a.date, a.team
    """
    return frame(con, sql, [start, end, *params])


def activity_counts(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, unit: Units = None
) -> pl.DataFrame:
    """Per unit and activity kind in [start, end]: activities, participations, their hours,
    back-filled activities (one GROUP BY: what status and unit figures need, without the rows)."""
    where, params = unit_clause(unit)
    src = workcopy.tables(con, unit, end)
    # participations summed per activity first: a DISTINCT over the joined rows took twice as long
    sql = f"""
        WITH a AS (SELECT aid, unit, kind, backfilled FROM {src.activities} a
                   WHERE date BETWEEN ?::DATE AND ?::DATE {where}{src.only("a")}),
             p AS (SELECT aid, count(vid) AS n, sum(hours) AS h
                   FROM {src.participations} p WHERE aid IN (SELECT aid FROM a){src.only("p")} GROUP BY aid)
        SELECT a.unit, a.kind, count(*) AS activities, coalesce(sum(p.n), 0)::BIGINT AS participations,
               coalesce(sum(p.h), 0)::DOUBLE AS hours, count(*) FILTER (WHERE a.backfilled) AS backfilled
        FROM a LEFT JOIN p USING (aid)
        GROUP BY a.unit, a.kind ORDER BY a.unit, a.kind
    """
    return frame(con, sql, [start, end, *params])


def pairing_visits(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, unit: Units = None
) -> pl.DataFrame:
    where, params = unit_clause(unit)
    sql = f"""
        SELECT * EXCLUDE (load_id, src_row) FROM pairing_visits
        WHERE date BETWEEN ?::DATE AND ?::DATE {where} ORDER BY unit, date
    """
    return frame(con, sql, [start, end, *params])


def demands(con: duckdb.DuckDBPyConnection, unit: Units = None) -> pl.DataFrame:
    where, params = unit_clause(unit)
    sql = f"SELECT * EXCLUDE (load_id, src_row) FROM demands WHERE TRUE {where} ORDER BY unit, received"
    return frame(con, sql, params)


def months_loaded(con: duckdb.DuckDBPyConnection, unit: Units = None) -> pl.DataFrame:
    """unit, kind, month (YYYY-MM) for every month a ledger file covered."""
    where, params = unit_clause(unit, "u.")
    sql = f"""
        SELECT DISTINCT u.unit, l.kind, m.month
        FROM loads l, unnest(l.units) AS u(unit), unnest(l.months) AS m(month) WHERE TRUE{where}
        ORDER BY u.unit, l.kind, m.month
    """
    return frame(con, sql, params)


def last_month_loaded(con: duckdb.DuckDBPyConnection, unit: str) -> str | None:
    """The latest YYYY-MM of activities loaded for the unit (the default as-of)."""
    df = months_loaded(con, unit).filter(pl.col("kind") == "activities")
    return df["month"].max() if df.height else None


def loads_by_unit(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every load once per unit it held, in load order: load_id, kind, file_name, file_hash, rows,
    loaded_at, as_of, months, replaced, account, unit."""
    return frame(con, """
        SELECT l.load_id, l.kind, l.file_name, l.file_hash, l.rows, l.loaded_at, l.as_of, l.months,
               l.replaced, l.account, u.unit
        FROM loads l, unnest(l.units) AS u(unit) ORDER BY l.load_id""")


def unit_parents(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """unit → its 上级单位 (None when the units register gives none)."""
    return dict(rows(con, "SELECT unit, any_value(parent) FROM units GROUP BY unit"))


def load_units_by_hash(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """file hash → the units its (latest) load held."""
    return {r[0]: r[1] for r in rows(con, "SELECT file_hash, units FROM loads ORDER BY load_id")}

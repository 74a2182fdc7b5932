"""Confirmed months and the history of changes, as stored (docs/data-model.md, "Confirmed months and history").

A confirmation is one row per (unit, ledger kind, month). A load that deletes or overwrites
records first copies them into `removed_participations`, `removed_visits` or `removed_demands`
with its own `load_id` (and the `orig_load_id` that wrote them), inside its transaction: the
records a load wrote are those still stored under its id and those a later load removed.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.store.db import fault_pause, transaction
from tracker.store.queries import Units, frame, rows, unit_clause

HISTORY_KINDS = ("activities", "pairings", "demands", "review")  # the ledgers whose records history follows
CONFIRMED_KINDS = ("activities", "pairings", "demands")  # the monthly ledgers a unit confirms


def confirmations(con: duckdb.DuckDBPyConnection, units: Units = None) -> pl.DataFrame:
    """unit, kind, month, confirmed_at, account of every confirmation (of `units`, if given)."""
    where, params = unit_clause(units)
    return frame(con, f"SELECT unit, kind, month, confirmed_at, account FROM confirmations WHERE TRUE{where} "
                      "ORDER BY unit, kind, month", params)


def confirmed_among(con: duckdb.DuckDBPyConnection, kind: str,
                    touched: dict[str, list[str]]) -> list[tuple[str, str, dt.datetime, str | None]]:
    """(unit, month, when, account) of the months in `touched` (unit → months) that are confirmed."""
    pairs = [(u, m) for u, ms in touched.items() for m in ms]
    if not pairs:
        return []
    return rows(con, """
        SELECT c.unit, c.month, c.confirmed_at, c.account FROM confirmations c
        WHERE c.kind = ? AND list_contains(?::VARCHAR[], c.unit || '|' || c.month)
        ORDER BY c.unit, c.month""", [kind, [f"{u}|{m}" for u, m in pairs]])


def add_confirmations(con: duckdb.DuckDBPyConnection, unit: str, kinds: list[str], month: str,
                      account: str | None) -> dt.datetime:
    """Record `month` of `unit` confirmed for each kind, in one transaction; returns when."""
    now = dt.datetime.now().replace(microsecond=0)
    with transaction(con):
        con.executemany("INSERT INTO confirmations VALUES (?, ?, ?, ?, ?)",
                        [(unit, k, month, now, account) for k in kinds])
        fault_pause()
    return now


def months_with_data(con: duckdb.DuckDBPyConnection, unit: str) -> dict[str, set[str]]:
    """kind → the months of the unit's monthly ledgers that a loaded file covered."""
    out: dict[str, set[str]] = {}
    for kind, month in rows(con, """
            SELECT DISTINCT l.kind, m.month FROM loads l, unnest(l.months) AS m(month)
            WHERE list_contains(l.units, ?) AND l.kind IN (SELECT unnest(?::VARCHAR[]))""",
                            [unit, list(CONFIRMED_KINDS)]):
        out.setdefault(kind, set()).add(month)
    return out


# ---------------------------------------------------------------- removing records, keeping them


def keep_removed_participations(con: duckdb.DuckDBPyConnection, load_id: int, where: str, params: list) -> None:
    """Copy the participations of the activities matching `where` before they are deleted."""
    con.execute(f"""
        INSERT INTO removed_participations
        SELECT ?, p.load_id, a.unit, a.aid, a.date, a.team, a.title, a.kind, p.vid, p.hours, p.src_row
        FROM activities a JOIN participations p USING (aid) WHERE {where}""", [load_id, *params])


def keep_removed_visits(con: duckdb.DuckDBPyConnection, load_id: int, where: str, params: list) -> None:
    con.execute(f"""
        INSERT INTO removed_visits
        SELECT ?, load_id, unit, pair_id, date, vid, recipient, hours, src_row FROM pairing_visits WHERE {where}""",
                [load_id, *params])


def keep_removed_demands(con: duckdb.DuckDBPyConnection, load_id: int, where: str, params: list) -> None:
    con.execute(f"""
        INSERT INTO removed_demands
        SELECT ?, load_id, unit, demand_id, received, content, team, status, closed, src_row FROM demands
        WHERE {where}""", [load_id, *params])


# ---------------------------------------------------------------- reading the history


def history_loads(con: duckdb.DuckDBPyConnection, units: list[str] | None, month: str | None) -> pl.DataFrame:
    """The loads of the history's ledgers (of `units`, covering `month`), newest first: load_id, kind,
    file_name, loaded_at, account, replaced, reason, units, months."""
    where, params = ["kind IN (SELECT unnest(?::VARCHAR[]))"], [list(HISTORY_KINDS)]
    if units is not None:
        where.append("list_has_any(units, ?::VARCHAR[])")
        params.append(units)
    if month is not None:
        where.append("list_contains(months, ?)")
        params.append(month)
    return frame(con, f"""
        SELECT load_id, kind, file_name, loaded_at, account, replaced, reason, units, months FROM loads
        WHERE {' AND '.join(where)} ORDER BY loaded_at DESC, load_id DESC""", params)


_PEOPLE = "LEFT JOIN volunteers v USING (vid)"


def written_and_removed(con: duckdb.DuckDBPyConnection, kind: str, load_ids: list[int]) -> pl.DataFrame:
    """Every record the loads wrote (`side` new) and removed (`side` old), with the load it belongs
    to (`hist_load`), as unit, date, team, title, vid, participant, number, hours, status, and `rec`
    (the 结对编号 of a visit, the 需求编号 of a demand; an activity's record is its date, team,
    title and volunteer)."""
    ids = load_ids or [-1]
    if kind == "activities":
        sql = f"""
            SELECT 'new' AS side, p.load_id AS hist_load, a.unit, a.date, a.team, a.title, p.vid, v.name AS participant,
                   v.number, p.hours, NULL::VARCHAR AS status, NULL::VARCHAR AS rec
            FROM participations p JOIN activities a USING (aid) {_PEOPLE} WHERE list_contains(?::INTEGER[], p.load_id)
            UNION ALL
            SELECT 'new', r.orig_load_id, r.unit, r.date, r.team, r.title, r.vid, v.name, v.number, r.hours, NULL, NULL
            FROM removed_participations r {_PEOPLE} WHERE list_contains(?::INTEGER[], r.orig_load_id)
            UNION ALL
            SELECT 'old', r.load_id, r.unit, r.date, r.team, r.title, r.vid, v.name, v.number, r.hours, NULL, NULL
            FROM removed_participations r {_PEOPLE} WHERE list_contains(?::INTEGER[], r.load_id)"""
    elif kind == "pairings":
        sql = f"""
            SELECT 'new' AS side, p.load_id AS hist_load, p.unit, p.date, NULL::VARCHAR AS team,
                   p.recipient AS title, p.vid, v.name AS participant, v.number, p.hours, NULL::VARCHAR AS status,
                   p.pair_id AS rec
            FROM pairing_visits p {_PEOPLE} WHERE list_contains(?::INTEGER[], p.load_id)
            UNION ALL
            SELECT 'new', r.orig_load_id, r.unit, r.date, NULL, r.recipient, r.vid, v.name, v.number, r.hours, NULL,
                   r.pair_id
            FROM removed_visits r {_PEOPLE} WHERE list_contains(?::INTEGER[], r.orig_load_id)
            UNION ALL
            SELECT 'old', r.load_id, r.unit, r.date, NULL, r.recipient, r.vid, v.name, v.number, r.hours, NULL,
                   r.pair_id
            FROM removed_visits r {_PEOPLE} WHERE list_contains(?::INTEGER[], r.load_id)"""
    elif kind == "review":  # an application approved (在册) or turned down (未通过): the person's new version
        sql = """
            SELECT 'new' AS side, load_id AS hist_load, unit, valid_from AS date, team,
                   CASE status WHEN '在册' THEN '审核通过并登记' ELSE '审核未通过' END AS title, vid, name AS participant,
                   number, NULL::DOUBLE AS hours, status, NULL::VARCHAR AS rec
            FROM volunteer_versions WHERE list_contains(?::INTEGER[], load_id)
              AND ?::INTEGER[] IS NOT NULL AND ?::INTEGER[] IS NOT NULL"""
    else:
        sql = """
            SELECT 'new' AS side, load_id AS hist_load, unit, received AS date, team, demand_id || ' ' || content AS title,
                   NULL::INTEGER AS vid, NULL::VARCHAR AS participant, NULL::VARCHAR AS number, NULL::DOUBLE AS hours,
                   status, demand_id AS rec
            FROM demands WHERE list_contains(?::INTEGER[], load_id)
            UNION ALL
            SELECT 'new', orig_load_id, unit, received, team, demand_id || ' ' || content, NULL, NULL, NULL, NULL, status,
                   demand_id
            FROM removed_demands WHERE list_contains(?::INTEGER[], orig_load_id)
            UNION ALL
            SELECT 'old', load_id, unit, received, team, demand_id || ' ' || content, NULL, NULL, NULL, NULL, status,
                   demand_id
            FROM removed_demands WHERE list_contains(?::INTEGER[], load_id)"""
    return frame(con, sql, [ids, ids, ids])

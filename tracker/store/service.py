"""The service records a volunteer platform counts, with who did them (docs/platforms.md).

One row per participation of an activity (of the kinds asked) and per pairing visit, with the
volunteer's identity as last recorded: what `tracker export hours` writes in a platform's layout and
`tracker reconcile` compares a platform's file with.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.store.queries import frame

_PEOPLE = """
    WITH v AS (SELECT vid, name, number, phone, id_number, team AS own_team FROM volunteer_versions
               QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1)"""


def service_records(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, units: list[str] | None,
                    kinds: list[str], activities: bool = True, pairings: bool = True) -> pl.DataFrame:
    """source (activity | pairing), unit, team, date, title, kind, theme, place, content, beneficiary, note,
    starts, ends, hours, recipient, vid, name, number, phone, id_number, own_team — dated in [start, end]."""
    parts = []
    params: list = []
    only = "" if units is None else " AND {a}.unit IN (SELECT unnest(?::VARCHAR[]))"
    if activities:
        parts.append(f"""
            SELECT 'activity' AS source, a.unit, a.team, a.date, a.title, a.kind, a.theme, a.place, a.content,
                   a.beneficiary, a.note, a.starts, a.ends, p.hours, NULL::VARCHAR AS recipient, p.vid
            FROM activities a JOIN participations p USING (aid)
            WHERE a.date BETWEEN ?::DATE AND ?::DATE AND list_contains(?::VARCHAR[], a.kind){only.format(a='a')}""")
        params += [start, end, kinds, *([] if units is None else [units])]
    if pairings:
        parts.append(f"""
            SELECT 'pairing' AS source, x.unit, NULL::VARCHAR AS team, x.date, '结对帮扶：' || x.recipient AS title,
                   '结对帮扶' AS kind, NULL::VARCHAR AS theme, NULL::VARCHAR AS place, x.content,
                   x.recipient AS beneficiary, NULL::VARCHAR AS note, NULL::TIME AS starts, NULL::TIME AS ends,
                   coalesce(x.hours, 0) AS hours, x.recipient, x.vid
            FROM pairing_visits x WHERE x.date BETWEEN ?::DATE AND ?::DATE{only.format(a='x')}""")
        params += [start, end, *([] if units is None else [units])]
    if not parts:
        return pl.DataFrame()
    return frame(con, f"""{_PEOPLE}
        SELECT r.*, v.name, v.number, v.phone, v.id_number, v.own_team
        FROM ({' UNION ALL '.join(parts)}) r LEFT JOIN v USING (vid)
        ORDER BY r.unit, r.date, r.title, v.name""", params)


def unit_people(con: duckdb.DuckDBPyConnection, units: list[str] | None) -> pl.DataFrame:
    """Every volunteer of these units as last recorded: vid, unit, name, number, phone, id_number."""
    where = "" if units is None else "WHERE unit IN (SELECT unnest(?::VARCHAR[]))"
    return frame(con, f"""
        SELECT vid, unit, name, number, phone, id_number FROM volunteer_versions {where}
        QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1""", [] if units is None else [units])

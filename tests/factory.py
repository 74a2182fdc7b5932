"""Build small ledgers straight into a test database, without files.

For unit tests of the assessment, exports and reports: each helper inserts
rows shaped exactly as the loader stores them (see tracker/store/migrations.py).
Tests of loading itself go through real files and `tracker.api.load` instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from tracker.notice import TEN_HAVES
from tracker.store.db import connect

D = dt.date


class Ledger:
    """A throw-away database with helpers to add units, teams, people, activities."""

    def __init__(self, path: Path):
        self.path = path
        self._cm = connect(path, create=True)
        self.con: duckdb.DuckDBPyConnection = self._cm.__enter__()
        self._load = self._new_load()

    def close(self) -> None:
        self._cm.__exit__(None, None, None)

    def _new_load(self, kind: str = "factory", as_of: dt.date = D(2026, 1, 1)) -> int:
        lid = self.con.execute("SELECT nextval('load_seq')").fetchall()[0][0]
        self.con.execute(
            "INSERT INTO loads (load_id, kind, file_name, file_path, file_hash, sheet, units, months, as_of, upload_month,"
            " rows, replaced, loaded_at) VALUES (?, ?, 'factory.xlsx', NULL, 'x', NULL, [], [], ?, NULL, 0, FALSE, now())",
            [lid, kind, as_of],
        )
        return lid

    def unit(self, unit: str, party_members: int, formal_members: int | None = None,
             parent: str | None = None, staff: int | None = None) -> str:
        self.con.execute(
            "INSERT INTO units VALUES (?, ?, ?, ?, ?, NULL, ?, 1)",
            [unit, parent, staff, party_members, formal_members, self._load],
        )
        return unit

    def team(self, unit: str, team: str, leader: str | None = None, ten: int = 10,
             founded: dt.date | None = None, valid_from: dt.date = D(1900, 1, 1),
             short_name: str | None = None) -> str:
        flags = [i < ten for i in range(len(TEN_HAVES))]
        cols = ", ".join(k for k, _ in TEN_HAVES)
        qs = ", ".join("?" for _ in TEN_HAVES)
        self.con.execute(
            f"INSERT INTO teams (unit, team, valid_from, short_name, leader, founded, {cols}, load_id, src_row)"
            f" VALUES (?, ?, ?, ?, ?, ?, {qs}, ?, 1)",
            [unit, team, valid_from, short_name, leader, founded, *flags, self._load],
        )
        return team

    def volunteer(self, unit: str, name: str, team: str | None = None, *,
                  registered: dt.date = D(2025, 1, 1), number: str | None = None,
                  leadership: bool | None = None, status: str = "在册", left: dt.date | None = None,
                  prior_hours: float = 0.0, phone: str | None = None, id_number: str | None = None,
                  valid_from: dt.date | None = None, vid: int | None = None) -> int:
        """Add a volunteer (or, with `vid`, a new version of one from `valid_from`)."""
        if vid is None:
            vid = self.con.execute("SELECT nextval('volunteer_seq')").fetchall()[0][0]
            self.con.execute(
                "INSERT INTO volunteers VALUES (?, ?, ?, ?, ?, 1)", [vid, unit, number, name, self._load]
            )
        self.con.execute(
            """INSERT INTO volunteer_versions (vid, valid_from, unit, number, name, team, phone,
                   id_number, leadership, registered, status, "left", prior_hours, load_id, src_row)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""",
            [vid, valid_from or registered, unit, number, name, team, phone, id_number,
             leadership, registered, status, left, prior_hours, self._load],
        )
        return vid

    def activity(self, unit: str, team: str, date: dt.date, title: str, people: list[int],
                 hours: float = 2.0, kind: str = "志愿服务", theme: str | None = None) -> int:
        aid = self.con.execute("SELECT nextval('activity_seq')").fetchall()[0][0]
        self.con.execute(
            "INSERT INTO activities (aid, unit, team, date, title, kind, theme, load_id, src_row)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [aid, unit, team, date, title, kind, theme, self._load],
        )
        for vid in people:
            self.con.execute(
                "INSERT INTO participations VALUES (?, ?, ?, ?, 1)", [aid, vid, hours, self._load]
            )
        return aid

    def pairing(self, unit: str, vid: int, date: dt.date, recipient: str, hours: float = 1.0,
                pair_id: str | None = None, status: str = "进行中", recipient_kind: str = "老人") -> None:
        self.con.execute(
            "INSERT INTO pairing_visits (unit, pair_id, date, vid, recipient, recipient_kind, hours,"
            " pair_status, load_id, src_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [unit, pair_id or f"{vid}-{recipient}", date, vid, recipient, recipient_kind, hours,
             status, self._load],
        )

    def demand(self, unit: str, demand_id: str, received: dt.date, status: str = "待办理",
               closed: dt.date | None = None, team: str | None = None, content: str = "需求") -> None:
        self.con.execute(
            "INSERT INTO demands (unit, demand_id, received, content, team, status, closed, load_id, src_row)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [unit, demand_id, received, content, team, status, closed, self._load],
        )
        self.con.execute(
            "INSERT INTO demand_history VALUES (?, ?, ?, ?, ?)",
            [unit, demand_id, status, closed or received, self._load],
        )

    def months(self, unit: str, kind: str, months: list[str]) -> None:
        """Record that ledger files covered these months (drives as-of defaults and coverage)."""
        lid = self._new_load(kind)
        self.con.execute("UPDATE loads SET units = [?], months = ? WHERE load_id = ?", [unit, months, lid])


def one_named(df, name: str) -> dict:
    """The one row of `df` whose name is `name`, as a dict (fails if none or several)."""
    rows = df.filter(df["name"] == name).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]

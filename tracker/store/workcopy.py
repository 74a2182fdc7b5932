"""A chunked run's working copy: the run's activities and participations, clustered by chunk.

A city's run assesses 150 units at a time (`Assessment.chunks`). Read from the ledgers as
loaded, every chunk scans the whole year: a chunk's activities lie all over the table (each
unit's monthly files), so DuckDB's zone maps prune nothing, and a province's 87 chunks each
read its 5.7M activities and 17M participations — time growing with the square of the data.
The copy, written once at the start of the run into a temporary database file, holds the
same rows (every activity up to the run's last day) sorted by chunk, with the chunk's number;
a chunk's queries (`tables`) read only its own row groups. Queries after the copy's last day
or across chunks read the ledgers as before, so a figure never depends on whether there is a
copy (tests/test_workcopy.py; docs/performance.md, "Growth").
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

COPY_MEMORY = "700MB"  # DuckDB sorts a province's copy within this and spills the rest to its temp directory
# A copy costs a pass over the run's year, and each chunk it serves saves a scan of that year:
# both grow with the data, so the copy pays from a number of chunks on, whatever the size.
# Measured (docs/performance.md, "Growth"): 0.4 s for a city's copy against 0.03 s saved a chunk,
# 6.2 s for a province's against 0.24 s: from about 26 chunks (3,900 units) on.
MIN_CHUNKS = 24


@dataclass(frozen=True)
class Source:
    """Where a query reads the activities and participations of some units and dates from."""

    activities: str = "activities"
    participations: str = "participations"
    chunk: int | None = None

    @property
    def joined(self) -> str:
        """The activities `a` with their participations `p`, for a FROM clause."""
        return f"{self.activities} a JOIN {self.participations} p USING (aid)"

    def only(self, *aliases: str) -> str:
        """The SQL keeping the chunk's rows of the tables aliased `aliases` ("a", "p"): its row groups only."""
        return "" if self.chunk is None else "".join(f" AND {x}.chunk = {int(self.chunk)}" for x in aliases)

    @property
    def extra(self) -> str:
        """The copy's own column, for `EXCLUDE (…)` lists: ", chunk" on the copy, else nothing."""
        return "" if self.chunk is None else ", chunk"


LEDGERS = Source()


@dataclass(frozen=True)
class _Copy:
    name: str
    end: dt.date
    chunk_of: dict[str, int]


_COPIES: dict[int, _Copy] = {}  # by id(connection): a copy serves the connection it was made on


def tables(con: duckdb.DuckDBPyConnection, units: str | Sequence[str] | None, end: dt.date) -> Source:
    """The copy's tables when these units are one chunk of it and a query's dates end by its last
    day (`end`), else the ledgers. Every earlier date is in the copy."""
    copy = _COPIES.get(id(con))
    if copy is None or units is None or isinstance(units, str) or end > copy.end:
        return LEDGERS
    chunks = {copy.chunk_of.get(u, -1) for u in units}
    if len(chunks) != 1 or -1 in chunks:
        return LEDGERS
    k = chunks.pop()
    return Source(f"{copy.name}.activities", f"{copy.name}.participations", k)


@contextmanager
def clustered(con: duckdb.DuckDBPyConnection, chunks: Sequence[Sequence[str]], end: dt.date) -> Iterator[None]:
    """Within the block, `tables` points these chunks' queries for dates up to `end` at a copy
    sorted by chunk (every earlier year too: a volunteer's hours so far are summed from them).
    Fewer than `MIN_CHUNKS` chunks, or a copy already made on this connection: nothing is
    copied. The copy's file is deleted when the block ends, however it ends."""
    if len(chunks) < MIN_CHUNKS or id(con) in _COPIES:
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="tracker-run-"))
    name = f"run_{id(con)}"
    try:
        _write(con, name, folder, chunks, end)
        _COPIES[id(con)] = _Copy(name, end, {u: k for k, units in enumerate(chunks) for u in units})
        yield
    finally:
        _COPIES.pop(id(con), None)
        try:
            con.execute(f"DETACH DATABASE IF EXISTS {name}")
        except duckdb.Error:
            pass  # the connection failed: its error is the one to report
        shutil.rmtree(folder, ignore_errors=True)


def _write(con: duckdb.DuckDBPyConnection, name: str, folder: Path, chunks: Sequence[Sequence[str]],
           end: dt.date) -> None:
    """The copy: the activities dated up to `end` of the chunks' units, then their participations,
    each sorted by chunk (and activity id, so a chunk's rows keep the ledgers' order)."""
    path = str(folder / "run.duckdb").replace("'", "''")
    con.execute(f"ATTACH '{path}' AS {name} (READ_WRITE)")  # also beside a read-only database
    units = [u for names in chunks for u in names]
    numbers = [k for k, names in enumerate(chunks) for _ in names]
    limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    try:
        con.execute(f"SET memory_limit = '{COPY_MEMORY}'")
        con.execute(f"""
            CREATE TABLE {name}.activities AS
            SELECT c.chunk, a.* FROM activities a
            JOIN (SELECT unnest(?::VARCHAR[]) AS unit, unnest(?::INTEGER[]) AS chunk) c USING (unit)
            WHERE a.date <= ?::DATE ORDER BY c.chunk, a.aid""", [units, numbers, end])
        con.execute(f"""
            CREATE TABLE {name}.participations AS
            SELECT a.chunk, p.* FROM participations p JOIN {name}.activities a USING (aid)
            ORDER BY a.chunk, p.aid""")
    finally:
        con.execute(f"SET memory_limit = '{limit}'")

"""A big run reads its chunks from a copy of the year sorted by chunk (tracker/store/workcopy.py,
docs/performance.md "Growth"): the findings and reports are the same as read from the ledgers,
the copy is really read, and nothing of it is left behind, whatever ends the run."""

import datetime as dt
import sys
import tempfile
from pathlib import Path

import pytest

import tracker.assess.assessment as assessment
from tracker import api
from tracker.store import workcopy
from tracker.store.db import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from make_city import make_city  # noqa: E402

TODAY = dt.date(2026, 1, 20)
END = dt.date(2025, 12, 31)  # the run's last day


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """Seven units of the benchmark's synthetic city, a year of activities, loaded in two files
    (so a unit's activities lie in two places of the table, as monthly uploads leave them)."""
    root = tmp_path_factory.mktemp("town")
    make_city(root, units=7, per_unit=8, teams_per_unit=2, rows=700, max_per_row=3, start="2025-01", months=12)
    db = root / "town.duckdb"
    api.init(db)
    for kind in ("units", "teams", "roster"):
        api.load(db, kind, [root / f"{kind}.csv"], as_of="2015-01-01")
    lines = (root / "activities.csv").read_text(encoding="utf-8").splitlines()
    half = len(lines) // 2
    (root / "a1.csv").write_text("\n".join(lines[:half]) + "\n", encoding="utf-8")
    (root / "a2.csv").write_text("\n".join([lines[0], *lines[half:]]) + "\n", encoding="utf-8")
    for f in ("a1.csv", "a2.csv"):
        assert api.load(db, "activities", [root / f])[0].status == "loaded"
    return db


@pytest.fixture
def spy(monkeypatch, tmp_path):
    """Copies from two chunks on, chunks of two units; the copies' folders under tmp_path; and
    a count of the queries served by a copy."""
    monkeypatch.setattr(assessment, "CHUNK_UNITS", 2)
    monkeypatch.setattr(workcopy, "MIN_CHUNKS", 2)
    folders = tmp_path / "temp"
    folders.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folders))
    served: list[int] = []
    real = workcopy.tables

    def tables(con, units, end):
        src = real(con, units, end)
        if src.chunk is not None:
            served.append(src.chunk)
        return src

    monkeypatch.setattr(workcopy, "tables", tables)
    return folders, served


def _findings(db) -> list[tuple]:
    with connect(db, read_only=True) as con:
        a = assessment.Assessment(con, today=TODAY)
        return [(f.unit, f.rule, f.level, f.team, f.volunteer, f.message) for f in a.findings(2025)]


def test_a_run_read_from_the_copy_finds_what_the_ledgers_give(town, spy, monkeypatch):
    folders, served = spy
    copied = _findings(town)
    assert len(set(served)) == 4  # seven units, two a chunk: every chunk read its own part
    assert list(folders.iterdir()) == []  # the copy's file went with the run
    monkeypatch.setattr(workcopy, "MIN_CHUNKS", 10_000)  # no copy: the ledgers as loaded
    served.clear()
    assert _findings(town) == copied and not served
    assert copied and any(f[2] == "fail" for f in copied)


def test_check_chunks_and_reports_from_the_copy_are_those_from_the_ledgers(town, spy, monkeypatch, tmp_path):
    folders, served = spy
    runs = {}
    for least in (2, 10_000):
        monkeypatch.setattr(workcopy, "MIN_CHUNKS", least)
        out = tmp_path / str(least)
        res = api.report(town, "annual", year=2025, out_dir=out, today=TODAY, workers=0, formats=("html",))
        checked = [f.to_dict() for part in api.check_chunks(town, year=2025, today=TODAY) for f in part.findings]
        runs[least] = (res.summaries, {p.name: p.read_bytes() for p in out.iterdir()}, checked)
    assert served and runs[2] == runs[10_000]
    assert list(folders.iterdir()) == []


def test_queries_outside_the_copy_read_the_ledgers(town, spy):
    with connect(town, read_only=True) as con:
        units = assessment.Assessment(con, today=TODAY).units
        chunks = [units[i:i + 2] for i in range(0, len(units), 2)]
        with workcopy.clustered(con, chunks, END):
            assert workcopy.tables(con, tuple(chunks[1]), END).chunk == 1
            assert workcopy.tables(con, tuple(chunks[1][:1]), END).chunk == 1  # part of a chunk
            assert workcopy.tables(con, (chunks[0][0], chunks[1][0]), END) == workcopy.LEDGERS  # two chunks
            assert workcopy.tables(con, chunks[1][0], END) == workcopy.LEDGERS  # one unit's own run
            assert workcopy.tables(con, None, END) == workcopy.LEDGERS  # every unit
            assert workcopy.tables(con, tuple(chunks[1]), dt.date(2019, 6, 30)).chunk == 1  # earlier years too
            later = dt.date(2026, 1, 31)
            assert workcopy.tables(con, tuple(chunks[1]), later) == workcopy.LEDGERS  # after its last day
            assert workcopy.tables(con, ("某个不存在的单位",), END) == workcopy.LEDGERS
        assert workcopy.tables(con, tuple(chunks[1]), END) == workcopy.LEDGERS  # the run is over


def test_a_run_that_fails_leaves_no_copy(town, spy):
    folders, _ = spy
    with connect(town, read_only=True) as con:
        units = assessment.Assessment(con, today=TODAY).units
        chunks = [units[i:i + 2] for i in range(0, len(units), 2)]
        with pytest.raises(RuntimeError), workcopy.clustered(con, chunks, END):
            assert len(list(folders.iterdir())) == 1
            raise RuntimeError("a chunk failed")
        assert workcopy.tables(con, tuple(chunks[0]), END) == workcopy.LEDGERS
        names = [r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()]
        assert not [n for n in names if n.startswith("run_")]
    assert list(folders.iterdir()) == []

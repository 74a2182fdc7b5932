"""A city's run assesses its units a chunk at a time (docs/performance.md, "Memory"): the findings,
the reports and the overview are those of one assessment of every unit."""

import datetime as dt
import sys
from pathlib import Path

import pytest

import tracker.assess.assessment as assessment
from tracker import api
from tracker.store.db import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from make_city import make_city  # noqa: E402

TODAY = dt.date(2026, 1, 20)


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """Seven units of the benchmark's synthetic city, a year of activities."""
    root = tmp_path_factory.mktemp("town")
    make_city(root, units=7, per_unit=8, teams_per_unit=2, rows=600, max_per_row=3, start="2025-01", months=12)
    db = root / "town.duckdb"
    api.init(db)
    for kind in ("units", "teams", "roster"):
        api.load(db, kind, [root / f"{kind}.csv"], as_of="2015-01-01")
    api.load(db, "activities", [root / "activities.csv"])
    return db


def _findings(db, size: int, monkeypatch) -> list[tuple]:
    monkeypatch.setattr(assessment, "CHUNK_UNITS", size)
    with connect(db, read_only=True) as con:
        a = assessment.Assessment(con, today=TODAY)
        if size == 1:
            assert len(list(a.chunks())) == len(a.units) > 1  # really one unit at a time
        return [(f.unit, f.rule, f.level, f.team, f.volunteer, f.message) for f in a.findings(2025)]


def test_checks_a_unit_at_a_time_find_what_one_assessment_finds(town, monkeypatch):
    whole = _findings(town, 10_000, monkeypatch)
    assert whole and any(f[2] == "fail" for f in whole)
    assert _findings(town, 1, monkeypatch) == whole


def test_reports_a_unit_at_a_time_are_the_reports_of_one_assessment(town, monkeypatch, tmp_path):
    runs = {}
    for size in (10_000, 1):
        monkeypatch.setattr(assessment, "CHUNK_UNITS", size)
        out = tmp_path / str(size)
        res = api.report(town, "annual", year=2025, out_dir=out, today=TODAY, workers=0, formats=("html",))
        runs[size] = (res.summaries, res.overview.summary,
                      {p.name: p.read_bytes() for p in out.iterdir()})
    assert len(runs[1][0]) > 1 and runs[1] == runs[10_000]


def test_a_chunk_is_forgotten_when_the_next_one_comes(town, monkeypatch):
    """Whoever still holds a chunk (a report view, a loop variable), its frames are dropped before
    the next chunk's are computed: a run holds one chunk's figures at a time."""
    monkeypatch.setattr(assessment, "CHUNK_UNITS", 3)
    with connect(town, read_only=True) as con:
        a = assessment.Assessment(con, today=TODAY)
        chunks = a.chunks()
        first, names = next(chunks)
        assert first.findings(2025) and first.unit_view(names[0]).findings(2025)
        assert first._periods and first._findings and "months_loaded" in vars(first)
        second, _ = next(chunks)
        assert not first._periods and not first._findings and not first._by_unit
        assert "months_loaded" not in vars(first) and vars(first)["units"] == names  # its units stay
        assert second is not first
        # asked again, the forgotten chunk computes its findings afresh: the same ones
        assert [f.unit for f in first.findings(2025)] and set(f.unit for f in first.findings(2025)) == set(names)

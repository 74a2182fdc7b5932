"""An activity is told by its rows' keys (unit, team, date, title) wherever its rows are in the file:
next to one another, as platforms export one row a participant, or apart (docs/ledgers.md)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.ingest.kinds import activities
from tracker.ingest.read import ROW

KEYS = st.tuples(st.sampled_from(["甲单位", "乙单位"]), st.sampled_from(["检验队", "宣传队", None]),
                 st.sampled_from([dt.date(2026, 3, 1), dt.date(2026, 3, 2)]), st.sampled_from(["宣传", "义诊"]))


def _typed(keys: list[tuple]) -> pl.DataFrame:
    n = len(keys)
    cols = {k: [row[i] for row in keys] for i, k in enumerate(activities.KEY)}
    other = {f: [None] * n for f in activities.ACTIVITY_FIELDS}
    return pl.DataFrame({**cols, **other, "starts": [None] * n, "ends": [None] * n, ROW: list(range(2, n + 2))},
                        schema_overrides={"date": pl.Date, "starts": pl.Time, "ends": pl.Time,
                                          **{f: pl.String for f in activities.ACTIVITY_FIELDS}})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(KEYS, st.integers(1, 4)), min_size=1, max_size=12))
def test_each_activity_is_numbered_by_its_first_row_in_file_order(monkeypatch, runs):
    """Runs of equal keys (one activity's participants in a row), the same keys again further
    down, and rows missing a key: each keyed row gets the index of its activity, the activities
    numbered as they first appear, and the activities' table lists each once at its first row."""
    monkeypatch.setattr(activities, "backfilled", lambda ctx, column: pl.lit(False))
    keys = [k for k, times in runs for _ in range(times)]
    typed, acts = activities._numbered(None, _typed(keys))
    firsts: dict[tuple, int] = {}
    want = []
    for k in keys:
        if None in k:
            want.append(None)
        else:
            want.append(firsts.setdefault(k, len(firsts)))
    assert typed["__act"].to_list() == want
    assert acts["__act"].to_list() == list(range(len(firsts)))
    assert [tuple(r) for r in acts.select(activities.KEY).rows()] == list(firsts)
    first_row = {k: None for k in firsts}
    for i, k in enumerate(keys):
        if k in first_row and first_row[k] is None:
            first_row[k] = i + 2
    assert acts["src_row"].to_list() == list(first_row.values())

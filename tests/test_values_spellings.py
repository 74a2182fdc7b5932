"""Values as platforms and registers write them (docs/ledgers.md, "Values"): dates with times, ranges
and zones, hours in every spelling, participant lists closed by a count.

Each parser is run over a column and over a literal series: the loader uses the first, typed
options and title lines the second, and polars treats them differently inside.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import values

D = dt.date


def _both(expr_of, texts: list[str | None]) -> list:
    s = pl.Series(texts, dtype=pl.String)
    by_column = pl.DataFrame({"x": s}).select(expr_of(pl.col("x"))).to_series().to_list()
    by_literal = pl.select(expr_of(pl.lit(s))).to_series().to_list()
    assert by_column == by_literal
    return by_column


def test_dates_with_times_ranges_and_zones():
    got = _both(values.parse_date, [
        "2026-03-14 09:00", "2026-01-10 08:00:00 至 2026-01-10 11:00:00", "2026.01.06 至 2026.01.06",
        "2026-03-05T09:12:33.000Z", "2026-03-05T17:30:00Z", "2026-03-05T09:00:00+08:00", "2026年3月5日上午",
        "2026/3/5 ~ 2026/3/6", "2026-03-05 - 2026-03-06", "2026-02-30 09:00", "3月5日", None])
    assert got == [D(2026, 3, 14), D(2026, 1, 10), D(2026, 1, 6), D(2026, 3, 5), D(2026, 3, 6), D(2026, 3, 5),
                   D(2026, 3, 5), D(2026, 3, 5), D(2026, 3, 5), None, None, None]


def test_a_user_typed_date_still_reads_through_the_literal_path():
    assert values.parse_user_date("2026-03-05T17:30:00Z") == D(2026, 3, 6)
    assert values.parse_user_date("2026.1") == D(2026, 1, 1)


@pytest.mark.parametrize(("text", "hours"), [
    ("2小时30分钟", 2.5), ("3时40分", 3 + 40 / 60), ("45分钟", 0.75), ("2.5h", 2.5), ("2h30m", 2.5),
    ("8:50-11:00", 2 + 10 / 60), ("8：50—11：00", 2 + 10 / 60), ("1.5个小时", 1.5), ("90min", 1.5),
    ("11:00-8:50", None), ("两小时", None), ("2:30", None), ("1小时70分钟", None),
])
def test_hours_spellings(text, hours):
    (got,) = _both(values.parse_hours, [text])
    assert got == pytest.approx(hours) if hours is not None else got is None


def test_a_bare_number_under_a_minutes_header_is_minutes_and_a_spelled_unit_still_wins():
    got = _both(lambda e: values.parse_hours(e, per=1 / 60), ["90", "2小时", "30分钟"])
    assert got == [1.5, 2.0, 0.5]


def test_hours_from_a_start_and_an_end():
    start = ["2026-03-14 09:00", "2026-01-10 08:00:00 至 2026-01-10 11:00:00", "2026.01.06 至 2026.01.06",
             "2026-03-14 09:00", "2026-03-14 09:00", "2026-03-14 22:00", "2026-03-14"]
    end = ["11:30", None, None, "2026-03-14 10:15", "08:00", "2026-03-15 01:00", "11:00"]
    df = pl.DataFrame({"s": start, "e": end})
    got = df.select(values.span_hours(pl.col("s"), pl.col("e"))).to_series().to_list()
    # an end before its start, or a start without a time of day, gives no hours
    assert got == [2.5, 3.0, None, 1.25, None, 3.0, None]


def test_end_times():
    assert _both(values.parse_end, ["11:30", "11时30分", "2026-03-14 11:30", "11:30:00", "下午", "25:00"]) == [
        690, 690, 690, 690, None, None]


def test_participant_lists_closed_by_a_count():
    texts = ["张三.李四.王五 共3人", "张三 李四（共2人）", "张三、李四等5人", "张三，李四，合计2人", "张三", "共青团员李四"]
    assert _both(values.parse_people, texts) == ["张三.李四.王五", "张三 李四", "张三、李四", "张三，李四", "张三",
                                                 "共青团员李四"]
    assert _both(values.people_count, texts) == [3, 2, 5, 2, None, None]
    names = _both(lambda e: values.split_people(values.parse_people(e)), texts[:2])
    assert names == [["张三", "李四", "王五"], ["张三", "李四"]]


# the characters the participant list and cell cleaning treat specially, with letters around them
_SEPARATORS = "、，,;；/.．。 \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000"
_TEXT = st.text(alphabet=_SEPARATORS + "\ufeff张三李四V01（）()共5人", max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=6))
def test_participant_lists_split_on_every_separator_the_docs_name(texts: list[str]) -> None:
    """`split_people` replaces the separators in one pass; it splits where the documented rule
    (values.PEOPLE_SPLIT: 、，,;；/ . and any space, full-width included) says."""
    got = [[t for t in (x or []) if t] for x in _both(values.split_people, texts)]
    assert got == [[t for t in re.split(values.PEOPLE_SPLIT, x.strip()) if t] for x in texts]


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=6))
def test_cells_lose_surrounding_spaces_and_a_bom_and_blank_is_empty(texts: list[str]) -> None:
    got = _both(values.clean_text, texts)
    for text, cell in zip(texts, got, strict=True):
        want = text.strip(values.WHITE_SPACE + "\ufeff")
        assert cell == (want or None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), _TEXT, st.text(alphabet=" \u3000\u200b计合:：王", max_size=6)),
                         min_size=3, max_size=3), min_size=1, max_size=8))
def test_a_table_is_cleaned_as_each_of_its_cells_would_be(rows: list[list[str | None]]) -> None:
    """`clean_cells` leaves a column whose cells need no strip as it is (blanks made null): the
    result is the same as cleaning every cell, once its invisible characters (a BOM inside the
    text among them) are removed; the columns that held one are named."""
    df = pl.DataFrame({f"c{i}": [r[i] for r in rows] for i in range(3)}, schema={f"c{i}": pl.String for i in range(3)})
    gone = [""] * len(values.INVISIBLE)
    want = df.select(values.clean_text(pl.col(c).str.replace_many(values.INVISIBLE, gone)).alias(c)
                     for c in df.columns)
    cleaned, hidden, marked = values.clean_cells(df, df.columns, {"colon": "[:：]", "total": "计"})
    assert cleaned.equals(want)
    assert hidden == [c for c in df.columns if any(ch in (v or "") for v in df[c] for ch in values.INVISIBLE)]
    # a column holding a mark in some cleaned cell is always named (the search there is skipped)
    for mark, chars in (("colon", ":："), ("total", "计")):
        held = [c for c in df.columns if any(ch in (v or "") for v in cleaned[c] for ch in chars)]
        assert set(held) <= set(marked[mark])


def test_every_character_that_normalises_into_a_range_separator_is_known():
    """`written_as_range` maps these before testing raw text: a character NFKC turns into 至, 到,
    ~, - or a dash and missing from `RANGE_FORMS` would make a range like 08:00～11:00 unseen."""
    import sys
    import unicodedata

    found = {c for c in map(chr, range(sys.maxunicode + 1))
             if unicodedata.normalize("NFKC", c) != c and any(x in unicodedata.normalize("NFKC", c) for x in "~-—–至到")}
    assert found == set(values.RANGE_FORMS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="2026-03 08:0011至到~～－﹣—–\u3000 ", max_size=20), min_size=1, max_size=6))
def test_a_range_is_seen_in_raw_text_whenever_it_is_after_normalising(texts: list[str]) -> None:
    """The raw test picks the cells to parse: it may pick more, never fewer."""
    raw = _both(values.written_as_range, texts)
    normalised = _both(lambda e: values.normal(e).str.contains(values.RANGE_SEP), texts)
    assert all(r or not n for r, n in zip(raw, normalised, strict=True))
    assert _both(values.written_as_range, ["2026-03-05 08:00～11:00", "2026-03-05"]) == [True, False]


def test_a_bom_among_spaces_is_trimmed_too():
    assert _both(values.clean_text, [" \ufeff 张三\u3000\ufeff", "\u3000", "李\ufeff四"]) == ["张三", None, "李\ufeff四"]

"""Formatting filters: what a reader of a printed report sees."""

import datetime as dt

import pytest

from tracker.render import filters as f
from tracker.values import id_check_digit


def _id(first17: str = "32010219800101123") -> str:
    return first17 + id_check_digit(first17)


def test_mask_id_keeps_first_three_and_last_four_at_same_length():
    number = _id()
    masked = f.mask_id(number)
    assert masked == number[:3] + "*" * 11 + number[-4:]
    assert len(masked) == len(number)
    assert f.mask_id(None) == ""
    assert "1234" not in f.mask_id("1234")  # too short to show any part


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("13812345678", "138****5678"),
        ("051184412345", "051*****2345"),
        ("051184412345、13812345678", "051*****2345、138****5678"),
        ("84412345", "****2345"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(raw, shown):
    assert f.mask_phone(raw) == shown


def test_mask_phone_masks_each_of_two_numbers_separated_by_a_space():
    assert f.mask_phone("13812345678 13900001234") == "138****5678 139****1234"


def test_numbers():
    assert f.hours(24.0) == "24"
    assert f.hours(2.25) == "2.3"  # half up, not banker's rounding
    assert f.hours(0) == "0"
    assert f.hours(None) == "—"
    assert f.pct(0.3) == "30%"
    assert f.pct(1 / 3) == "33.3%"
    assert f.pct(None) == "—"
    assert f.num(3) == "3" and f.num(2.50) == "2.5"


def test_dates_and_periods():
    d = dt.date(2026, 3, 5)
    assert f.date_cn(d) == "2026年3月5日"
    assert f.date_cn(dt.datetime(2026, 3, 5, 10, 30)) == "2026年3月5日"
    assert f.date_iso("2026-03-05") == "2026-03-05"
    assert f.period(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == "2026-01-01 至 2026-03-31"
    assert f.month_cn("2026-03") == "2026年3月"
    assert f.month_ranges(["2026-03", "2026-01", "2026-02", "2026-05"]) == "2026-01 至 2026-03、2026-05"
    assert f.month_ranges(["2025-12", "2026-01"]) == "2025-12 至 2026-01"
    assert f.month_ranges([]) == "—"


def test_levels_and_stars():
    level_word = f.FILTERS["level_word"]
    assert [level_word(x) for x in ("fail", "warn", "pass")] == ["未通过", "提醒", "通过"]
    with pytest.raises(ValueError, match="未知的结论级别"):
        level_word("bad")
    assert f.stars(3) == "★★★☆☆"
    assert f.stars(7) == "★★★★★"
    assert f.stars(None) == "—"
    assert f.yes_no(True) == "是" and f.yes_no(False) == "否"


@pytest.mark.parametrize("text", ["=1+1", "+86", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralize_formula_prefixes_risky_text(text):
    assert f.is_formula_like(text)
    assert f.neutralize_formula(text) == "'" + text


def test_neutralize_formula_leaves_ordinary_text():
    assert f.neutralize_formula("张三 = 组长") == "张三 = 组长"
    assert f.neutralize_formula(None) == ""

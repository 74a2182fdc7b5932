"""Formatting for reports (cf. fava's template_filters): masks, numbers, dates.

Python formats values with these before layout; the same functions are jinja2
filters for templates. Masking lives here so that no report can show a full ID
or phone number by forgetting to mask it (SPEC §6 Privacy).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

EMPTY = "—"  # shown for a missing number or date

LEVELS = {"fail": "不达标", "warn": "提醒", "pass": "达标"}

# A spreadsheet program treats text starting with these as a formula (or DDE).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

_PHONE_SPLIT = re.compile(r"(\s*[、,，;；/／]\s*|\s+)")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def mask_id(value: object) -> str:
    """An ID number keeping its first 3 and last 4 characters: 320***********1234.

    Shorter values than 8 characters are masked entirely (nothing identifying
    should survive a mistyped short number).
    """
    s = _text(value)
    if len(s) < 8:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def _mask_one_phone(s: str) -> str:
    digits = re.sub(r"\D", "", s)
    if len(digits) >= 11:  # mobile, or landline with area code: 138****5678, 051*****2345
        return s[:3] + "*" * (len(s) - 7) + s[-4:]
    if len(s) > 4:  # a local number: only the last 4 stay
        return "*" * (len(s) - 4) + s[-4:]
    return "*" * len(s)


def mask_phone(value: object) -> str:
    """Each phone number in the text masked: "13812345678" → "138****5678".

    Two numbers are kept apart ("办公、手机" as stored: "051184412345、13812345678").
    """
    s = _text(value)
    if not s:
        return ""
    parts = _PHONE_SPLIT.split(s)
    # the split keeps separators at odd positions; mask only the numbers
    return "".join(p if i % 2 else _mask_one_phone(p) for i, p in enumerate(parts) if p != "")


def _decimal(x: float | int, digits: int) -> str:
    q = Decimal(str(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    s = format(q, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def num(x: float | int | None, digits: int = 2) -> str:
    """A number without trailing zeros: 3 → "3", 2.50 → "2.5"; None → "—"."""
    if x is None or (isinstance(x, float) and x != x):
        return EMPTY
    return _decimal(x, digits)


def hours(x: float | int | None) -> str:
    """Service hours to one decimal (half up), ".0" dropped: 24.0 → "24", 2.25 → "2.3"."""
    return num(x, 1)


def pct(x: float | int | None, digits: int = 1) -> str:
    """A ratio as a percentage: 0.3 → "30%", 1/3 → "33.3%"; None → "—"."""
    if x is None or (isinstance(x, float) and x != x):
        return EMPTY
    return _decimal(Decimal(str(x)) * 100, digits) + "%"


def _as_date(d: object) -> dt.date | None:
    if d is None or d == "":
        return None
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    return dt.date.fromisoformat(str(d)[:10])


def date_cn(d: object) -> str:
    """2026-03-05 → "2026年3月5日"; None → "—"."""
    day = _as_date(d)
    return EMPTY if day is None else f"{day.year}年{day.month}月{day.day}日"


def date_iso(d: object) -> str:
    """A date as 2026-03-05; None → "—"."""
    day = _as_date(d)
    return EMPTY if day is None else day.isoformat()


def month_cn(month: object) -> str:
    """A month "2026-03" (or a date) → "2026年3月"."""
    s = _text(month)
    if not s:
        return EMPTY
    day = _as_date(s + "-01" if len(s) == 7 else s)
    return f"{day.year}年{day.month}月"


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_ranges(months: object) -> str:
    """Months "YYYY-MM" as runs: ["2026-01","2026-02","2026-03","2026-05"] →
    "2026-01 至 2026-03、2026-05"; none → "—"."""
    ms = sorted({str(m) for m in (months or [])})
    if not ms:
        return EMPTY
    runs: list[list[str]] = []
    for m in ms:
        if runs and _month_index(m) == _month_index(runs[-1][-1]) + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return "、".join(r[0] if len(r) == 1 else f"{r[0]} 至 {r[-1]}" for r in runs)


def period(start: object, end: object) -> str:
    """Explicit dates of a reporting period: "2026-01-01 至 2026-03-31"."""
    return f"{date_iso(start)} 至 {date_iso(end)}"


def level_cn(level: str) -> str:
    """A finding's level key → its Chinese word: fail 不达标, warn 提醒, pass 达标."""
    try:
        return LEVELS[level]
    except KeyError:
        raise ValueError(f"未知的结论级别：{level!r}（应为 fail、warn 或 pass）") from None


def stars(n: int | None, total: int = 5) -> str:
    """A star rating as filled and empty stars: 3 → "★★★☆☆"; None → "—"."""
    if n is None:
        return EMPTY
    n = max(0, min(int(n), total))
    return "★" * n + "☆" * (total - n)


def yes_no(value: bool | None) -> str:
    """True → "是", False → "否", None → "—"."""
    return EMPTY if value is None else ("是" if value else "否")


def is_formula_like(text: object) -> bool:
    """Would a spreadsheet read this text as a formula (= + - @, tab, CR/LF first)?"""
    return isinstance(text, str) and text.startswith(FORMULA_START)


def neutralize_formula(text: object) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula.

    A leading apostrophe is added to text starting with = + - @ tab or CR/LF
    (OWASP CSV injection). For .xlsx use `tables_xlsx`, which writes the user's
    text unchanged as a string cell with Excel's quote-prefix style instead, so
    the text shows as typed and stays text when edited.
    """
    s = "" if text is None else str(text)
    return "'" + s if is_formula_like(s) else s


FILTERS = {
    "mask_id": mask_id,
    "mask_phone": mask_phone,
    "num": num,
    "hours": hours,
    "pct": pct,
    "date_cn": date_cn,
    "date_iso": date_iso,
    "month_cn": month_cn,
    "month_ranges": month_ranges,
    "period": period,
    "level_cn": level_cn,
    "stars": stars,
    "yes_no": yes_no,
}

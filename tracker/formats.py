"""How tracker writes numbers and dates in Chinese text (cf. fava's template_filters).

Python formats values with these before layout; reports use the same
functions as jinja2 filters, and check messages use them too, so 24 hours
reads "24" and 2.25 hours "2.3" everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

EMPTY = "—"  # shown for a missing number or date

# East Asian wide and full-width characters: two columns in a spreadsheet, one em in a chart
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
                   r"\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")


def wide_chars(text: str) -> int:
    """How many of `text`'s characters are wide (CJK, full-width forms)."""
    return 0 if text.isascii() else len(_WIDE.findall(text))


def display_width(text: str, ambiguous_wide: bool = False) -> int:
    """Half-character cells `text` takes: CJK and full-width characters count double (a
    spreadsheet's columns). With `ambiguous_wide` so do East Asian ambiguous ones (★, —, ①), as
    the Chinese fonts of a Word document draw them."""
    if text.isascii():
        return len(text)
    if ambiguous_wide:
        return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)
    return len(text) + wide_chars(text)


def _decimal(x: float | int | Decimal, digits: int) -> str:
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


def hours_expr(expr: pl.Expr) -> pl.Expr:
    """`hours` for a polars column (messages built in bulk): 26.0 → "26", 2.5 → "2.5"."""
    r = expr.round(1)
    # a whole number that fits an integer prints without ".0"; a huge one (a typo) as it is
    whole = (r == r.round(0)) & (r.abs() < 1e15)
    return pl.when(whole).then(r.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(r.cast(pl.String))


def pct(x: float | int | None, digits: int = 1) -> str:
    """A ratio as a percentage: 0.3 → "30%", 1/3 → "33.3%"; None → "—"."""
    if x is None or (isinstance(x, float) and x != x):
        return EMPTY
    return _decimal(Decimal(str(x)) * 100, digits) + "%"


def share(n: int, of: int) -> str:
    """n of `of` as a percentage; "—" when `of` is 0."""
    return pct(n / of) if of else EMPTY


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
    s = "" if month is None else str(month).strip()
    if not s:
        return EMPTY
    day = _as_date(s + "-01" if len(s) == 7 else s)
    assert day is not None
    return f"{day.year}年{day.month}月"


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_ranges(months: object) -> str:
    """Months "YYYY-MM" as runs: ["2026-01","2026-02","2026-03","2026-05"] →
    "2026-01 至 2026-03、2026-05"; none → "—"."""
    ms = sorted({str(m) for m in (months or [])})  # type: ignore[attr-defined]
    if not ms:
        return EMPTY
    runs: list[list[str]] = []
    for m in ms:
        if runs and _month_index(m) == _month_index(runs[-1][-1]) + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return "、".join(r[0] if len(r) == 1 else f"{r[0]} 至 {r[-1]}" for r in runs)


def months_text(months: list[str]) -> str:
    """A load's months: "2026-03", or "2026-01 至 2026-12（12个月）"."""
    if not months:
        return ""
    return months[0] if len(months) == 1 else f"{months[0]} 至 {months[-1]}（{len(months)}个月）"


def unit_list(units: list[str], most: int = 5) -> str:
    """A load's units: all of them up to `most`, else "A、B、C 等 1,000 个单位" (a city's file
    covers a thousand, which would fill the screen)."""
    if len(units) <= most:
        return "、".join(units)
    return f"{'、'.join(units[:3])} 等 {len(units):,} 个单位"


def period(start: object, end: object) -> str:
    """Explicit dates of a reporting period: "2026-01-01 至 2026-03-31"."""
    return f"{date_iso(start)} 至 {date_iso(end)}"


def stars(n: int | None, total: int = 5) -> str:
    """A star rating as filled and empty stars: 3 → "★★★☆☆"; None → "—"."""
    if n is None:
        return EMPTY
    n = max(0, min(int(n), total))
    return "★" * n + "☆" * (total - n)


def yes_no(value: bool | None) -> str:
    """True → "是", False → "否", None → "—"."""
    return EMPTY if value is None else ("是" if value else "否")


def joined(items: object, empty: str = EMPTY) -> str:
    """A list shown as "a、b、c"; an empty list as "—"."""
    return "、".join(str(x) for x in (items or [])) or empty  # type: ignore[attr-defined]

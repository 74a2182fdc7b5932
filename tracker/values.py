"""Vectorised parsers for the values people type into ledgers (docs/ledgers.md, "Values").

Each parser takes a polars string expression (already trimmed, null when the
cell is empty) and returns an expression of the parsed value, null where the
text could not be read. The validator compares "had text" with "got a value"
to find bad cells, so no parser loops over rows in Python.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

_DATE_RE = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = r"^(\d{4})(\d{2})(\d{2})$"
_MONTH_RE = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"
_HOURS_RE = r"^(\d+(?:\.\d+)?)\s*(小时|个小时|时|h|hr|hrs|hour|hours)?$"
_MINUTES_RE = r"^(\d+(?:\.\d+)?)\s*(分钟|分|min|mins|minutes)$"

TRUE_WORDS = ["是", "有", "y", "yes", "1", "✓", "√", "true", "对", "已有"]
FALSE_WORDS = ["否", "无", "n", "no", "0", "×", "✗", "false", "没有", "未"]


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Trim ordinary and full-width spaces; empty becomes null."""
    s = expr.cast(pl.String).str.strip_chars(" \t\r\n\u3000\u00a0\ufeff")
    return pl.when(s == "").then(None).otherwise(s)


def normal(expr: pl.Expr) -> pl.Expr:
    """NFKC form for parsing: full-width digits and punctuation become ASCII."""
    return expr.str.normalize("NFKC").str.strip_chars(" \t\r\n\u3000")


def _ymd(groups: pl.Expr) -> pl.Expr:
    y = groups.struct.field("1")
    m = groups.struct.field("2").str.zfill(2)
    d = groups.struct.field("3").str.zfill(2)
    return pl.concat_str([y, m, d], separator="-").str.to_date("%Y-%m-%d", strict=False)


def parse_date(expr: pl.Expr) -> pl.Expr:
    s = normal(expr)
    full = _ymd(s.str.extract_groups(_DATE_RE))
    compact = _ymd(s.str.extract_groups(_COMPACT_DATE_RE))
    return pl.coalesce(full, compact)


def parse_month(expr: pl.Expr) -> pl.Expr:
    """A month such as 1997.12, 2012.1, 1997-12 or 1997年12月 → its first day.

    Written as text, "2010.10" is October. A numeric Excel cell is flagged by
    the reader before it gets here (see `read.ambiguous_numbers`).
    """
    s = normal(expr)
    g = s.str.extract_groups(_MONTH_RE)
    y = g.struct.field("1")
    m = g.struct.field("2").str.zfill(2)
    month = pl.concat_str([y, m, pl.lit("01")], separator="-").str.to_date(
        "%Y-%m-%d", strict=False
    )
    # a full date is also accepted for a month column
    return pl.coalesce(month, parse_date(expr).dt.truncate("1mo"))


def parse_hours(expr: pl.Expr) -> pl.Expr:
    s = normal(expr).str.to_lowercase()
    hours = s.str.extract(_HOURS_RE, 1).cast(pl.Float64, strict=False)
    minutes = s.str.extract(_MINUTES_RE, 1).cast(pl.Float64, strict=False) / 60.0
    return pl.coalesce(hours, minutes)


def parse_int(expr: pl.Expr) -> pl.Expr:
    s = normal(expr).str.replace(r"\s*(人|支|个|名|岁)$", "")
    f = s.cast(pl.Float64, strict=False)
    # a whole number a float holds exactly; a bigger one (a typo) is no count: null, so refused
    return pl.when((f == f.round(0)) & (f.abs() < 2**53)).then(f.cast(pl.Int64, strict=False)).otherwise(None)


def parse_bool(expr: pl.Expr) -> pl.Expr:
    s = normal(expr).str.to_lowercase()
    return (
        pl.when(s.is_in(TRUE_WORDS))
        .then(True)
        .when(s.is_in(FALSE_WORDS))
        .then(False)
        .otherwise(None)
    )


_PHONE_LABEL = r"(?i)(联系电话|手机号码|手机|电话|办公室|办公|宅电|住宅|座机|固话|tel|mobile|phone|办|宅)\s*[:：]?"
_MOBILE_GROUPS = r"(?:^|[^\d])(1\d{2})[\s\-]+(\d{4})[\s\-]+(\d{4})(?:$|[^\d])"
_AREA_CODE = r"(?:^|[^\d])(0\d{2,3})[\s\-]+(\d{7,8})(?:$|[^\d])"
# a mobile; a landline with its area code; a local number of 7–8 digits
PHONE_RE = r"^(?:1[3-9]\d{9}|0\d{9,11}|[2-9]\d{6,7})$"


def parse_phone(expr: pl.Expr) -> pl.Expr:
    """One or two phones (办公、手机) → digits joined by '、'; null unless every part is a phone.

    Spaces and dashes inside a number are dropped (139 1234 5678, 0511-84412345, (0511)84412345,
    +86 13912345678) and labels such as 手机： are ignored; anything else — a letter typed for a
    digit (139l2345678), an ID number, a word — makes the cell unreadable, so it is refused
    rather than stored as part of a number.
    """
    s = normal(expr)
    s = s.str.replace_all(_PHONE_LABEL, " ").str.replace_all(r"[(（]\s*[)）]", " ")
    s = s.str.replace_all(r"(?:\+|\b00)86[\s\-]*", " ")
    s = s.str.replace_all(r"[(（](0\d{2,3})[)）]\s*-?\s*", "$1")
    for _ in range(2):  # two numbers in one cell: each is joined (the patterns consume a neighbour)
        s = s.str.replace_all(_MOBILE_GROUPS, " $1$2$3 ").str.replace_all(_AREA_CODE, " $1$2 ")
    parts = s.str.replace_all(r"[、,，;；/／|\s]+", "\x1f").str.strip_chars("\x1f").str.split("\x1f")
    ok = parts.list.eval(pl.element().str.contains(PHONE_RE)).list.all() & (parts.list.len() > 0)
    joined = parts.list.join("、")
    return pl.when(ok & (joined.str.len_chars() > 0)).then(joined).otherwise(None)


_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def parse_id_number(expr: pl.Expr) -> pl.Expr:
    """An 18-character resident ID with a valid GB 11643 check digit, else null."""
    s = normal(expr).str.to_uppercase()
    shaped = s.str.contains(r"^\d{17}[\dX]$")
    total = pl.sum_horizontal(
        [s.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)]
    )
    expected = pl.lit(_ID_CHECK).str.slice(total % 11, 1)
    ok = shaped & (s.str.slice(17, 1) == expected)
    return pl.when(ok).then(s).otherwise(None)


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for 17 digits (used to make sample data)."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_text(expr: pl.Expr) -> pl.Expr:
    return expr


def parse_name(expr: pl.Expr) -> pl.Expr:
    """Names padded with (full-width) spaces for alignment: "王　丽" → "王丽"."""
    cjk_only = expr.str.contains(r"^[\p{Han}·\s\u3000]+$")
    return pl.when(cjk_only).then(expr.str.replace_all(r"[\s\u3000]+", "")).otherwise(expr)


PARSERS = {
    "text": parse_text,
    "name": parse_name,
    "date": parse_date,
    "month": parse_month,
    "hours": parse_hours,
    "int": parse_int,
    "float": parse_hours,
    "bool": parse_bool,
    "phone": parse_phone,
    "id_number": parse_id_number,
}

TYPE_HINTS = {
    "date": "不是可识别的日期（如 2013-07-05、2013/7/5、2013.7.5、2013年7月5日）",
    "month": "不是可识别的年月（如 1997.12、1997-12、1997年12月）",
    "hours": "不是可识别的时长（如 2、2.5、2小时、90分钟）",
    "int": "不是整数",
    "float": "不是数字",
    "bool": "应填 是/否、有/无、Y/N、1/0 或 ✓",
    "phone": "不是可识别的电话号码（手机11位；座机可带区号；两个号码用、分隔）",
    "id_number": "身份证号码无效（应为18位，且校验位正确）",
}


def parse_user_date(text: str) -> dt.date | None:
    """One date typed by a user (option or title line): a day, else a month's first day."""
    s = pl.Series([text])
    v = pl.select(parse_date(pl.lit(s))).item()
    if v is None:
        v = pl.select(parse_month(pl.lit(s))).item()
    return v

"""Vectorised parsers for the values people type into ledgers (docs/ledgers.md, "Values").

Each parser takes a polars string expression (already trimmed, null when the
cell is empty) and returns an expression of the parsed value, null where the
text could not be read. The validator compares "had text" with "got a value"
to find bad cells, so no parser loops over rows in Python.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

import polars as pl

# a date, maybe with a part of day and a time, maybe with a time zone (platform exports)
_DAY = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_CLOCK = r"(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*分?(?:\s*[:：]\s*(\d{1,2})(?:\.\d+)?)?"
_PART_OF_DAY = r"(?:上午|下午|晚上|早上|中午|全天|凌晨)?"
_DATE_RE = rf"^{_DAY}\s*{_PART_OF_DAY}(?:\s*[Tt]?\s*{_CLOCK})?\s*([Zz]|[+-]\d{{2}}:?\d{{2}})?$"
_CLOCK_RE = rf"^{_PART_OF_DAY}\s*{_CLOCK}$"
_COMPACT_DATE_RE = r"^(\d{4})(\d{2})(\d{2})$"
_MONTH_RE = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"
# "… 至 …": the first part is the start; the dash needs spaces, as "-" is inside dates
RANGE_SEP = r"\s*(?:至|到|~|—+|–|\s-\s|--)\s*"
_NUM = r"(\d+(?:\.\d+)?)"
_HOUR_UNIT = r"(?:个?小时|时|h|hr|hrs|hour|hours)"
_MINUTE_UNIT = r"(?:分钟|分|min|mins|minutes|m)"
_HOURS_RE = rf"^{_NUM}\s*{_HOUR_UNIT}?$"
_MINUTES_RE = rf"^{_NUM}\s*{_MINUTE_UNIT}$"
_HOURS_MINUTES_RE = rf"^{_NUM}\s*{_HOUR_UNIT}\s*([0-5]?\d)\s*{_MINUTE_UNIT}?$"
_TIME_SPAN_RE = r"^(\d{1,2})[:：](\d{2})\s*(?:-|—+|–|~|至|到)\s*(\d{1,2})[:：](\d{2})$"
# participants are split by these (a list may close with "共5人" / "等5人"): 、，,;；/ . and every space (Unicode White_Space, full-width too);
# `split_people` replaces them in one pass (Aho-Corasick), a third faster than a regex over a
# city's 1.3M names, and PEOPLE_SPLIT is the same set as a pattern (for Python's `re`)
# Unicode White_Space, as polars' (Rust's) `\s` and `strip_chars()` take it: full-width and no-break too
WHITE_SPACE = " \t\n\r\x0b\x0c\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
PEOPLE_SEPARATORS = [*"、，,;；/.．。", *WHITE_SPACE]
PEOPLE_SPLIT = "[" + re.escape("".join(PEOPLE_SEPARATORS)) + "]+"
_PEOPLE_COUNT_RE = r"[、，,;；.．。\s\u3000]*[(（]?\s*(?:共|等|合计)\s*(\d+)\s*(?:人|名|位)\s*[)）]?$"

TRUE_WORDS = ["是", "有", "y", "yes", "1", "✓", "√", "true", "对", "已有"]
FALSE_WORDS = ["否", "无", "n", "no", "0", "×", "✗", "false", "没有", "未"]


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Trim spaces (any Unicode space: full-width, no-break) and BOMs at either end; empty becomes
    null. `clean_cells` runs it only on the columns that need it."""
    return expr.cast(pl.String).str.strip_chars(WHITE_SPACE + "\ufeff").replace("", None)


# characters nobody sees that make two cells differ: NUL, the soft hyphen, zero-width spaces and
# joiners, left-to-right and right-to-left marks, embeddings and isolates, the word joiner, the BOM
INVISIBLE = ["\x00", "\u00ad", *map(chr, range(0x200B, 0x2010)), *map(chr, range(0x202A, 0x202F)),
             *map(chr, range(0x2060, 0x2065)), *map(chr, range(0x2066, 0x206A)), "\ufeff"]


def without_invisible(text: str) -> str:
    """`text` without the characters of `INVISIBLE`."""
    return text.translate({ord(c): None for c in INVISIBLE})


def clean_cells(df: pl.DataFrame, cols: list[str], marks: Mapping[str, str] | None = None,
                ) -> tuple[pl.DataFrame, list[str], dict[str, list[str]]]:
    """`df` with `cols` cleaned (`clean_text`), and the columns that held invisible characters
    (`INVISIBLE`), which are removed: 王<零宽空格>丽 is 王丽. A column without a space or BOM at
    either end of any cell (most of a file's) only has its empty cells made null: told by one
    strip that is thrown away, it keeps its text where it is, which spares a city's file 120 MB
    of copies.

    `marks` names patterns (regular expressions) to look for while the distinct cells are at
    hand: the third value lists, for each, the columns where some cell holds it. Cleaning only
    takes characters away, so a column listed nowhere holds the pattern in no cleaned cell
    either, and the caller's row-by-row search can skip it (`layout`: 合计 and 注 rows)."""
    marks = marks or {}
    if not cols:
        return df, [], {m: [] for m in marks}
    raw = [pl.col(c).cast(pl.String) for c in cols]
    # told among each column's distinct cells, hashed once: a city's unit, team and title columns
    # repeat a few thousand texts, and searching those is 3-5× cheaper than searching every cell;
    # a column whose cells hardly repeat (a participant list a row) is searched cell by cell: its
    # first rows tell the columns that repeat; of the others an estimate of the distinct count says
    head = df.head(_SAMPLE_ROWS).select([r.n_unique().alias(f"n{i}") for i, r in enumerate(raw)]).row(0)
    repeats = [i for i, k in enumerate(head) if k * 2 <= min(df.height, _SAMPLE_ROWS)]
    unsure = [i for i in range(len(cols)) if i not in repeats]
    if unsure and df.height > _SAMPLE_ROWS:
        counts = df.select([raw[i].approx_n_unique().alias(f"n{i}") for i in unsure]).row(0)
        repeats += [i for i, k in zip(unsure, counts, strict=True) if k * 2 <= df.height]
    distinct = df.lazy().select([raw[i].unique().implode().alias(f"c{i}") for i in repeats]).collect()
    flags = {**_flags(distinct, {i: pl.col(f"c{i}").explode() for i in repeats}, marks),
             **_flags(df, {i: r for i, r in enumerate(raw) if i not in repeats}, marks)}
    del distinct
    strip, hidden = [flags[f"s{i}"] for i in range(len(cols))], [flags[f"i{i}"] for i in range(len(cols))]
    found = {mark: [c for i, c in enumerate(cols) if flags[f"m{m}_{i}"]] for m, mark in enumerate(marks)}
    exprs = []
    for c, r, need, inv in zip(cols, raw, strip, hidden, strict=True):
        if inv:
            r = r.str.replace_many(INVISIBLE, [""] * len(INVISIBLE))
        exprs.append((clean_text(r) if need or inv else r.replace("", None)).alias(c))
    return df.with_columns(exprs), [c for c, inv in zip(cols, hidden, strict=True) if inv], found


_SAMPLE_ROWS = 2000  # the rows whose distinct cells tell a column that repeats (`clean_cells`)


def _flags(df: pl.DataFrame, cells: dict[int, pl.Expr], marks: Mapping[str, str]) -> dict[str, bool]:
    """For each column `i` of `cells` (an expression over `df`): whether a cell needs a strip
    (`s{i}`), holds an invisible character (`i{i}`), and holds each mark (`m{m}_{i}`)."""
    if not cells:
        return {}
    return df.select(
        [((u.str.strip_chars().str.len_bytes() != u.str.len_bytes()) | u.str.starts_with("\ufeff")
          | u.str.ends_with("\ufeff")).any().alias(f"s{i}") for i, u in cells.items()]
        + [u.str.contains_any(INVISIBLE).any().alias(f"i{i}") for i, u in cells.items()]
        + [u.str.contains(pattern).any().alias(f"m{m}_{i}") for m, pattern in enumerate(marks.values())
           for i, u in cells.items()]).row(0, named=True)


def normal(expr: pl.Expr) -> pl.Expr:
    """NFKC form for parsing: full-width digits and punctuation become ASCII."""
    return expr.str.normalize("NFKC").str.strip_chars(" \t\r\n\u3000")


def _ymd(groups: pl.Expr) -> pl.Expr:
    y = groups.struct.field("1")
    m = groups.struct.field("2").str.zfill(2)
    d = groups.struct.field("3").str.zfill(2)
    return pl.concat_str([y, m, d], separator="-").str.to_date("%Y-%m-%d", strict=False)


# the characters NFKC (`normal`) turns into a range separator's: the full-width ～ and －, the
# vertical and small dashes, ⾄ (a test over every code point keeps this list whole)
RANGE_FORMS = {"\u2f84": "至", "\u3243": "(至)", "\ufe31": "—", "\ufe32": "–", "\ufe58": "—", "\ufe63": "-",
               "\uff0d": "-", "\uff5e": "~"}


def written_as_range(expr: pl.Expr) -> pl.Expr:
    """Whether the text holds a range separator (`RANGE_SEP`) once normalised, without paying for
    NFKC over a whole column: the few characters that normalise into one are mapped first."""
    return expr.str.replace_many(list(RANGE_FORMS), list(RANGE_FORMS.values())).str.contains(RANGE_SEP)


def range_start(expr: pl.Expr) -> pl.Expr:
    """The text before a range's "至" (or ~, —, " - "): the start of "2026-01-10 08:00 至 2026-01-10 11:00"."""
    return expr.str.replace(RANGE_SEP + ".*$", "")


def range_end(expr: pl.Expr) -> pl.Expr:
    """The text after a range's "至", or null when the text is not a range."""
    return expr.str.extract(RANGE_SEP + "(.+)$", 1)


def _moment_parts(s: pl.Expr) -> pl.Expr:
    return s.str.extract_groups(_DATE_RE)


def _local(g: pl.Expr, clock_required: bool = False) -> pl.Expr:
    """A date and time of day, moved to China's time (UTC+8) when a zone ("Z", "+00:00") is written;
    with `clock_required`, null when no time of day is written."""
    text = pl.concat_str([
        g.struct.field("1"), g.struct.field("2").str.zfill(2), g.struct.field("3").str.zfill(2)], separator="-")
    hour, minute = g.struct.field("4"), g.struct.field("5")
    if not clock_required:
        hour, minute = hour.fill_null("0"), minute.fill_null("0")
    clock = pl.concat_str([hour.str.zfill(2), minute.str.zfill(2), g.struct.field("6").fill_null("0").str.zfill(2)],
                          separator=":")
    moment = pl.concat_str([text, clock], separator=" ").str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
    tz = g.struct.field("7").str.replace(":", "").str.to_uppercase()
    sign = tz.str.slice(0, 1).replace_strict({"+": 1, "-": -1}, default=0, return_dtype=pl.Int64)
    offset = sign * (tz.str.slice(1, 2).cast(pl.Int64, strict=False) * 60 + tz.str.slice(3, 2).cast(pl.Int64, strict=False))
    shift = (480 - offset.fill_null(0)).fill_null(0) * tz.is_not_null().cast(pl.Int64)  # no zone: as written
    return moment + pl.duration(minutes=shift)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """A day as people and platforms write it; a range's start; a zoned timestamp's day in China."""
    s = range_start(normal(expr))
    g = _moment_parts(s)
    day = _ymd(g)
    zoned = _local(g).dt.date()
    compact = _ymd(s.str.extract_groups(_COMPACT_DATE_RE))
    return pl.coalesce(zoned, day, compact)


def parse_moment(expr: pl.Expr) -> pl.Expr:
    """A date with a time of day ("2026-03-14 09:00", "2026-03-05T09:12:33Z") → a datetime in
    China's time; null when no time of day is written."""
    return _local(_moment_parts(normal(expr)), clock_required=True)


def parse_clock(expr: pl.Expr) -> pl.Expr:
    """A time of day alone ("11:30", "11时30分", "下午3:00" is read as written) → minutes after midnight."""
    g = normal(expr).str.extract_groups(_CLOCK_RE)
    t = pl.concat_str([g.struct.field("1"), g.struct.field("2")], separator=":").str.to_time("%H:%M", strict=False)
    return t.dt.hour().cast(pl.Int64) * 60 + t.dt.minute().cast(pl.Int64)


def parse_end(expr: pl.Expr) -> pl.Expr:
    """An end time: a time of day ("11:30") or a date and time; the value is its time of day."""
    full = parse_moment(expr)
    return pl.coalesce(full.dt.hour().cast(pl.Int64) * 60 + full.dt.minute().cast(pl.Int64), parse_clock(expr))


def span_hours(start: pl.Expr, end: pl.Expr | None = None) -> pl.Expr:
    """Hours from a start to an end: the start's own range ("08:00 至 11:00") or the `end` text
    ("11:30" on the start's day, or a date and time). Null unless both carry a time of day and
    the end is later."""
    s = normal(start)
    first = parse_moment(range_start(s))
    last_text = range_end(s)
    if end is not None:
        last_text = pl.coalesce(last_text, normal(end))
    clock = parse_clock(last_text)
    last = pl.coalesce(parse_moment(last_text),
                       first.dt.truncate("1d") + pl.duration(minutes=clock))
    minutes = (last - first).dt.total_minutes()
    return (minutes.clip(lower_bound=0) / 60.0).replace(0.0, None)


def span_times(start: pl.Expr, end: pl.Expr | None = None) -> tuple[pl.Expr, pl.Expr]:
    """The times of day a row's start text (and `end` text) give: its start and its end, both null
    unless the start carries a time of day and the end is later on the same day (for overlaps)."""
    s = normal(start)
    first = parse_moment(range_start(s))
    last_text = range_end(s)
    if end is not None:
        last_text = pl.coalesce(last_text, normal(end))
    last = pl.coalesce(parse_moment(last_text), first.dt.truncate("1d") + pl.duration(minutes=parse_clock(last_text)))
    ok = first.is_not_null() & (last > first) & (last.dt.date() == first.dt.date())
    return pl.when(ok).then(first.dt.time()), pl.when(ok).then(last.dt.time())


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


def parse_hours(expr: pl.Expr, per: float = 1.0) -> pl.Expr:
    """A duration in hours: 2, 2.5, 2小时, 2.5h, 45分钟, 2小时30分钟, 3时40分, or a time span
    "8:50-11:00". A bare number counts `per` hours (1/60 under a 分钟 header)."""
    s = normal(expr).str.to_lowercase()
    bare = s.str.extract(rf"^{_NUM}$", 1).cast(pl.Float64, strict=False) * per
    hours = s.str.extract(_HOURS_RE, 1).cast(pl.Float64, strict=False)
    minutes = s.str.extract(_MINUTES_RE, 1).cast(pl.Float64, strict=False) / 60.0
    hm = s.str.extract_groups(_HOURS_MINUTES_RE)
    both = hm.struct.field("1").cast(pl.Float64) + hm.struct.field("2").cast(pl.Float64) / 60.0
    span = s.str.extract_groups(_TIME_SPAN_RE)
    t0 = span.struct.field("1").cast(pl.Int64) * 60 + span.struct.field("2").cast(pl.Int64)
    t1 = span.struct.field("3").cast(pl.Int64) * 60 + span.struct.field("4").cast(pl.Int64)
    # an end before its start is not a span: 0 → null (no when/then: polars 2.1 trips on it over a literal)
    clock = ((t1 - t0).clip(lower_bound=0) / 60.0).replace(0.0, None)
    return pl.coalesce(bare, hours, minutes, both, clock)


def parse_people(expr: pl.Expr) -> pl.Expr:
    """A list of participants without its closing count: "张三.李四 共2人" → "张三.李四"."""
    return pl.when(expr.str.contains("[共等计]")).then(
        expr.str.replace(_PEOPLE_COUNT_RE, "").str.strip_chars()).otherwise(expr)


def people_count(expr: pl.Expr) -> pl.Expr:
    """The count a participant list closes with ("共5人" → 5), or null."""
    return expr.str.extract(_PEOPLE_COUNT_RE, 1).cast(pl.Int64, strict=False)


def split_people(expr: pl.Expr) -> pl.Expr:
    """A participant list → its names or numbers (a list), split by 、，,;；/ . and spaces."""
    sep = "\x1f"
    return expr.str.strip_chars().str.replace_many(PEOPLE_SEPARATORS, [sep] * len(PEOPLE_SEPARATORS)).str.split(sep)


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
    "people": parse_people,
    "end": parse_end,
}

TYPE_HINTS = {
    "date": "不是可识别的日期（如 2013-07-05、2013/7/5、2013.7.5、2013年7月5日、2013-07-05 09:00）",
    "month": "不是可识别的年月（如 1997.12、1997-12、1997年12月）",
    "hours": "不是可识别的时长（如 2、2.5、2小时30分钟、90分钟、8:50-11:00）",
    "int": "不是整数",
    "float": "不是数字",
    "bool": "应填 是/否、有/无、Y/N、1/0 或 ✓",
    "phone": "不是可识别的电话号码（手机11位；座机可带区号；两个号码用、分隔）",
    "id_number": "身份证号码无效（应为18位，且校验位正确）",
    "end": "不是可识别的时间（如 11:30，或 2026-03-14 11:30）",
}


def parse_user_date(text: str) -> dt.date | None:
    """One date typed by a user (option or title line): a day, else a month's first day."""
    s = pl.Series([text])
    v = pl.select(parse_date(pl.lit(s))).item()
    if v is None:
        v = pl.select(parse_month(pl.lit(s))).item()
    return v

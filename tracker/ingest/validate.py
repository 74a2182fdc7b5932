"""Generic checks derived from the column declarations: types, required, choices.

`check_table` turns the text frame from `layout.locate` into typed columns and
frames of problems (row, column, value, message), all in polars expressions;
`parse_table` is the same without the warnings.
Kind-specific checks live in `tracker.ingest.kinds`.
"""

from __future__ import annotations

import polars as pl

from tracker.ingest.columns import Column, Kind
from tracker.ingest.read import ROW
from tracker.values import (
    PARSERS,
    TYPE_HINTS,
    normal,
    parse_hours,
    parse_people,
    people_count,
    span_hours,
    span_times,
    split_people,
    written_as_range,
)

PROBLEM_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String}


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def problems_where(frame: pl.DataFrame, mask: pl.Expr, column: str, value: pl.Expr | str | None,
                   message: pl.Expr | str) -> pl.DataFrame:
    """One problem per row of `frame` where `mask` holds."""
    # the mask as a column first: a literal predicate (pl.lit(True)) is broadcast, which a filter
    # over a frame of several chunks does not do (polars' ShapeError at 20,000 rows)
    hits = frame.with_columns(mask.fill_null(False).alias("__hit")).filter(pl.col("__hit"))
    if hits.height == 0:
        return empty_problems()
    val = pl.lit(None, pl.String) if value is None else (pl.col(value) if isinstance(value, str) else value)
    msg = pl.lit(message) if isinstance(message, str) else message
    return hits.select(
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit(column).alias("column"),
        val.cast(pl.String).alias("value"),
        msg.cast(pl.String).alias("message"),
    )


def _fast(type_: str, raw: pl.Expr, per: float = 1.0) -> pl.Expr | None:
    """A cheap parse for the common spelling; what it leaves null gets the full parser."""
    if type_ == "date":  # a day, or a day with its time as platforms export it
        return pl.coalesce(raw.str.to_date("%Y-%m-%d", strict=False),
                           *(raw.str.to_datetime(f, strict=False).dt.date() for f in ("%Y-%m-%d %H:%M",
                                                                                     "%Y-%m-%d %H:%M:%S")))
    if type_ in ("hours", "float"):
        v = raw.cast(pl.Float64, strict=False)
        # plain decimals only: "1e1", "inf" or "nan" are not how anyone writes hours
        return pl.when(v.is_finite() & (v >= 0) & raw.str.contains(r"^\d+(?:\.\d+)?$")).then(
            v * per if per != 1.0 else v)
    if type_ == "int":
        return raw.cast(pl.Int64, strict=False)
    return None


def _per_distinct(rows: pl.DataFrame, key: str, parse: pl.Expr) -> pl.Expr:
    """`parse` of column `key`, worked out once per distinct cell when the cells repeat: a city's
    1.3M rows (one a participant) hold 365 dates and a few hours, and parsing each row three
    ways cost a tenth of a second. The same values either way."""
    distinct = rows.select(pl.col(key).unique())
    if distinct.height > rows.height // 4:
        return parse
    distinct = distinct.with_columns(parse.alias("__parsed"))
    return pl.col(key).replace_strict(distinct[key], distinct["__parsed"], default=None)


def _full(type_: str, raw: pl.Expr, per: float = 1.0) -> pl.Expr:
    return parse_hours(raw, per) if type_ == "hours" else PARSERS[type_](raw)


_DTYPES = {"date": pl.Date, "month": pl.Date, "hours": pl.Float64, "float": pl.Float64,
           "int": pl.Int64, "bool": pl.Boolean, "end": pl.Int64}
MINUTES_A_DAY = 24 * 60
MAX_NAME_CHARS = 40  # a person's name (a minority name with its · is some 20)
MAX_UNIT_CHARS = 100  # a unit's or team's name


def parse_table(rows: pl.DataFrame, kind: Kind, present: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed values for every declared column (absent ones are null) and the errors (`check_table`)."""
    typed, problems, _ = check_table(rows, kind, present)
    return typed, problems


def check_table(rows: pl.DataFrame, kind: Kind, present: list[str], units: dict[str, str] | None = None,
                spellings: dict[str, tuple[tuple[str, str], ...]] | None = None,
                ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Typed values for every declared column (absent ones are null), the errors and the warnings.

    Each value is parsed once: a fast parse for the usual spelling over the whole
    column, then the full parser only for the cells the fast one could not read.
    `units` says which hours columns the header gives in minutes ("服务时长（分钟）").
    Hours missing from a row are computed from its start and end times (`Kind.span`).
    """
    units = units or {}
    cols = [c for c in kind.columns if c.key in present]
    mine = spellings or {}  # a user's own words for a column's values (the headers file's [KIND.values])
    respelled = [pl.col(c.key).replace({**dict(c.spellings), **dict(mine.get(c.key, ()))})
                 for c in cols if c.spellings or c.key in mine]
    if respelled:
        rows = rows.with_columns(respelled)
    per = {c.key: (1 / 60 if units.get(c.key) == "minutes" else 1.0) for c in cols}
    fast = {c.key: _fast(c.type, pl.col(c.key), per[c.key]) for c in cols}
    df = rows.with_columns(
        (_per_distinct(rows, c.key, fast[c.key]) if fast[c.key] is not None
         else _full(c.type, pl.col(c.key), per[c.key])).alias(f"{c.key}__v")
        for c in cols
    )
    for c in cols:
        if fast[c.key] is None:
            continue
        rest = df.filter(pl.col(c.key).is_not_null() & pl.col(f"{c.key}__v").is_null())
        if rest.height:
            full = rest.select(pl.col(ROW), _full(c.type, pl.col(c.key), per[c.key]).alias(f"{c.key}__v"))
            df = df.update(full, on=ROW).sort(ROW)
    problems: list[pl.DataFrame] = []
    warnings: list[pl.DataFrame] = []
    for c in cols:
        if c.most is not None and c.key not in units:
            df, hint = _minutes_hint(df, c)
            problems.append(hint)
    computed = kind.span is not None and kind.span[0] in present and kind.span[2] not in present
    if computed:
        df = df.with_columns(pl.lit(None, pl.Float64).alias(f"{kind.span[2]}__v"))
    derived = _span(df, kind, present)
    if derived is not None:
        df = df.update(derived, on=ROW).sort(ROW)
    for c in cols:
        errors, notes = _column_problems(df, c, kind.key)
        problems += errors
        warnings += notes
    if computed and kind.column(kind.span[2]).required:
        hours = kind.column(kind.span[2])
        problems.append(problems_where(
            df, pl.col(f"{hours.key}__v").is_null() & pl.col(kind.span[0]).is_not_null(), hours.header, None,
            "文件没有服务时长列，这一行也没有写明开始和结束时刻，无法算出时长"
            "（如 2026-03-14 09:00 至 2026-03-14 11:30，或另有“结束时间”列）"))
    typed = [
        pl.col(f"{c.key}__v").alias(c.key) if f"{c.key}__v" in df.columns
        else pl.lit(None, _DTYPES.get(c.type, pl.String)).alias(c.key)
        for c in kind.columns
    ]
    return (df.select(*typed, *_times(df, kind, present), pl.col(ROW)), _concat(problems), _concat(warnings))


def _times(df: pl.DataFrame, kind: Kind, present: list[str]) -> list[pl.Expr]:
    """`starts` and `ends`, the times of day a row's start (and end) cells give, for a kind with a
    span (`Kind.span`); null where no time is written. Only a column holding a time is parsed."""
    if kind.span is None:
        return []
    start, end, _ = kind.span
    none = [pl.lit(None, pl.Time).alias("starts"), pl.lit(None, pl.Time).alias("ends")]
    if start not in present or not df.select(pl.col(start).str.contains(r"[:：时]").any()).item():
        return none
    first, last = span_times(pl.col(start), pl.col(end) if end in present else None)
    return [first.alias("starts"), last.alias("ends")]


def _column_problems(df: pl.DataFrame, c: Column, kind_key: str) -> tuple[list[pl.DataFrame], list[pl.DataFrame]]:
    """One typed column's errors and warnings: a value its parser could not read (said by type),
    a masked phone, a choice not among the column's, a required cell empty, an Excel number that
    lost what the text said (a month 2010.1, an ID number's last digits)."""
    problems: list[pl.DataFrame] = []
    warnings: list[pl.DataFrame] = []
    raw, value = pl.col(c.key), pl.col(f"{c.key}__v")
    flag = f"{c.key}__num"
    numeric = pl.col(flag) if flag in df.columns else pl.lit(False)
    if f"{c.key}__hinted" in df.columns:  # reported by _minutes_hint
        numeric = numeric | pl.col(f"{c.key}__hinted")
    if c.type == "phone":  # a number copied from a masked report or export
        masked = raw.str.contains(r"\d\*{3,}\d")
        problems.append(problems_where(df, raw.is_not_null() & value.is_null() & masked, c.header, c.key,
                                       "电话号码被遮盖了（****），请填写完整号码"))
        problems.append(problems_where(df, raw.is_not_null() & value.is_null() & ~masked, c.header,
                                       c.key, TYPE_HINTS[c.type]))
    elif c.type == "date" and f"{c.key}__yearless" in df.columns:
        no_year, ambiguous = pl.col(f"{c.key}__yearless"), pl.col(f"{c.key}__ambiguous")
        problems.append(problems_where(df, raw.is_not_null() & value.is_null() & no_year, c.header, c.key,
                                       "日期没有写年份：请在文件标题中写明年份（如“2026年5月活动登记簿”），"
                                       "或导入时用 --month 指定月份（如 --month 2026-05）"))
        problems.append(problems_where(df, ambiguous, c.header, c.key,
                                       "Excel 把这个日期存成了数字，分不清是哪一天（如 7.1 与 7.10）；"
                                       "请把该列设为“文本”格式后重新填写（如 7月10日）"))
        problems.append(problems_where(df, raw.is_not_null() & value.is_null() & ~no_year & ~ambiguous,
                                       c.header, c.key, TYPE_HINTS[c.type]))
    elif c.type not in ("text", "name", "people"):  # a month's or ID's number, or minutes: said elsewhere
        said = pl.lit(False) if c.type == "date" else numeric
        problems.append(problems_where(df, raw.is_not_null() & value.is_null() & ~said, c.header,
                                       c.key, TYPE_HINTS[c.type]))
    if c.type == "people":
        warnings.append(_count_mismatch(df, c))
        long = df.filter(raw.str.len_chars() > MAX_NAME_CHARS)
        if long.height:
            longest = split_people(parse_people(pl.col(c.key))).list.eval(pl.element().str.len_chars()).list.max()
            problems.append(problems_where(long, longest > MAX_NAME_CHARS, c.header, c.key,
                                           f"其中有一个名字超过 {MAX_NAME_CHARS} 个字，不像是姓名；请检查分隔符或内容"))
    if c.type == "name":
        problems.append(problems_where(df, value.str.len_chars() > MAX_NAME_CHARS, c.header, c.key,
                                       f"姓名超过 {MAX_NAME_CHARS} 个字，不像是姓名；请检查内容"))
    if c.key in ("unit", "team"):
        problems.append(problems_where(df, raw.str.len_chars() > MAX_UNIT_CHARS, c.header, c.key,
                                       f"{c.header}超过 {MAX_UNIT_CHARS} 个字，不像是名称；请检查内容"))
    if c.choices:
        problems.append(problems_where(df, raw.is_not_null() & ~raw.is_in(list(c.choices)), c.header,
                                       c.key, "应填写 " + " / ".join(c.choices) + " 之一（平台或本单位的其他说法，"
                                       "可写进表头别名文件的 [" + kind_key + ".values] 一节，说明它对应哪一个）"))
    if c.required:
        problems.append(problems_where(df, raw.is_null() & value.is_null(), c.header, None, "必填项为空"))
    if flag in df.columns and c.type == "month":
        problems.append(problems_where(
            df, pl.col(flag) & raw.str.contains(r"^\d{4}\.[1-9]$"), c.header, c.key,
            "Excel 把这个年月存成了数字，分不清是1月还是10月（如 2010.1 与 2010.10）；"
            "请把该列设为“文本”格式后重新填写"))
        problems.append(problems_where(df, pl.col(flag) & value.is_null(), c.header, c.key,
                                       TYPE_HINTS[c.type]))
    if flag in df.columns and c.type == "id_number":
        problems.append(problems_where(
            df, pl.col(flag), c.header, c.key,
            "身份证号码被 Excel 存成了数字（末几位可能已丢失）；请把该列设为“文本”格式后重新填写"))
    return problems, warnings


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames) if frames else empty_problems()


def _minutes_hint(df: pl.DataFrame, c: Column) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A bare whole number over `c.most` under an hours header that names no unit: refused, with
    分钟 suggested when it could be minutes; the value is cleared so it is reported once."""
    value = pl.col(f"{c.key}__v")
    over = df.filter(value > c.most)
    if over.height == 0:
        return df, empty_problems()
    bare = over.filter(normal(pl.col(c.key)).str.contains(r"^\d+$") & (value <= MINUTES_A_DAY))
    if bare.height == 0:
        return df, empty_problems()
    problems = problems_where(
        bare, pl.lit(True), c.header, c.key,
        pl.format(f"{c.header}应大于0且不超过{c.most:g}小时；如果这一列填的是分钟数（{{}} 分钟 = {{}} 小时），"
                  f"请把表头改为“{c.header}（分钟）”", pl.col(c.key), (value / 60).round(2).cast(pl.String)))
    cleared = bare.select(pl.col(ROW), pl.lit(None, pl.Float64).alias(f"{c.key}__v"),
                          pl.lit(True).alias(f"{c.key}__hinted"))
    df = df.with_columns(pl.lit(False).alias(f"{c.key}__hinted"))
    return df.update(cleared, on=ROW, include_nulls=True).sort(ROW), problems


def _span(df: pl.DataFrame, kind: Kind, present: list[str]) -> pl.DataFrame | None:
    """Hours computed from a row's start and end times where its hours cell is blank or absent."""
    if kind.span is None:
        return None
    start, end, hours = kind.span
    if start not in present or (hours in present and df[hours].null_count() == 0):
        return None
    if hours not in present:
        df = df.with_columns(pl.lit(None, pl.String).alias(hours))
    todo = df.filter(pl.col(hours).is_null() & pl.col(start).is_not_null())
    if todo.height == 0 or (hours in present and end not in present
                            and not todo.select(written_as_range(pl.col(start)).any()).item()):
        return None
    end_text = pl.col(end) if end in present else None
    return todo.select(pl.col(ROW), span_hours(pl.col(start), end_text).alias(f"{hours}__v"))


def _count_mismatch(df: pl.DataFrame, c: Column) -> pl.DataFrame:
    """"共5人" closing a list of four names: only the names listed are loaded, so say so."""
    closing = df.filter(pl.col(c.key).str.contains("[共等计]"))
    if closing.height == 0:
        return empty_problems()
    n = split_people(parse_people(pl.col(c.key))).list.eval(pl.element().filter(pl.element() != "")).list.len()
    said = people_count(pl.col(c.key))
    return problems_where(closing, said.is_not_null() & (said != n), c.header, c.key,
                          pl.format("写明共 {} 人，但列出了 {} 个名字；只导入列出的人", said, n))

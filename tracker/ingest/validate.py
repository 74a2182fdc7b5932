"""Generic checks derived from the column declarations: types, required, choices.

`parse_table` turns the text frame from `layout.locate` into typed columns and
a frame of problems (row, column, value, message), all in polars expressions.
Kind-specific checks live in `tracker.ingest.kinds`.
"""

from __future__ import annotations

import polars as pl

from tracker.ingest.columns import Kind
from tracker.ingest.read import ROW
from tracker.values import PARSERS, TYPE_HINTS

PROBLEM_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String}


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def problems_where(frame: pl.DataFrame, mask: pl.Expr, column: str, value: pl.Expr | str | None,
                   message: pl.Expr | str) -> pl.DataFrame:
    """One problem per row of `frame` where `mask` holds."""
    hits = frame.filter(mask.fill_null(False))
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


def _fast(type_: str, raw: pl.Expr) -> pl.Expr | None:
    """A cheap parse for the common spelling; what it leaves null gets the full parser."""
    if type_ == "date":
        return raw.str.to_date("%Y-%m-%d", strict=False)
    if type_ in ("hours", "float"):
        v = raw.cast(pl.Float64, strict=False)
        # plain decimals only: "1e1", "inf" or "nan" are not how anyone writes hours
        return pl.when(v.is_finite() & (v >= 0) & raw.str.contains(r"^\d+(?:\.\d+)?$")).then(v)
    if type_ == "int":
        return raw.cast(pl.Int64, strict=False)
    return None


_DTYPES = {"date": pl.Date, "month": pl.Date, "hours": pl.Float64, "float": pl.Float64,
           "int": pl.Int64, "bool": pl.Boolean}


def parse_table(rows: pl.DataFrame, kind: Kind, present: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed values for every declared column (absent ones are null) and the problems.

    Each value is parsed once: a fast parse for the usual spelling over the whole
    column, then the full parser only for the cells the fast one could not read.
    """
    cols = [c for c in kind.columns if c.key in present]
    fast = {c.key: _fast(c.type, pl.col(c.key)) for c in cols}
    df = rows.with_columns(
        (fast[c.key] if fast[c.key] is not None else PARSERS[c.type](pl.col(c.key))).alias(f"{c.key}__v")
        for c in cols
    )
    for c in cols:
        if fast[c.key] is None:
            continue
        rest = df.filter(pl.col(c.key).is_not_null() & pl.col(f"{c.key}__v").is_null())
        if rest.height:
            full = rest.select(pl.col(ROW), PARSERS[c.type](pl.col(c.key)).alias(f"{c.key}__v"))
            df = df.update(full, on=ROW).sort(ROW)
    problems: list[pl.DataFrame] = []
    for c in cols:
        raw, value = pl.col(c.key), pl.col(f"{c.key}__v")
        flag = f"{c.key}__num"
        numeric = pl.col(flag) if flag in df.columns else pl.lit(False)
        if c.type == "phone":  # a number copied from a masked report or export
            masked = raw.str.contains(r"\d\*{3,}\d")
            problems.append(problems_where(df, raw.is_not_null() & value.is_null() & masked, c.header, c.key,
                                           "电话号码被遮盖了（****），请填写完整号码"))
            problems.append(problems_where(df, raw.is_not_null() & value.is_null() & ~masked, c.header,
                                           c.key, TYPE_HINTS[c.type]))
        elif c.type not in ("text", "name"):
            problems.append(problems_where(df, raw.is_not_null() & value.is_null() & ~numeric, c.header,
                                           c.key, TYPE_HINTS[c.type]))
        if c.choices:
            problems.append(problems_where(df, raw.is_not_null() & ~raw.is_in(list(c.choices)), c.header,
                                           c.key, "应填写 " + " / ".join(c.choices) + " 之一"))
        if c.required:
            problems.append(problems_where(df, raw.is_null(), c.header, None, "必填项为空"))
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
    typed = [
        pl.col(f"{c.key}__v").alias(c.key) if c.key in present
        else pl.lit(None, _DTYPES.get(c.type, pl.String)).alias(c.key)
        for c in kind.columns
    ]
    return df.select(*typed, pl.col(ROW)), pl.concat(problems) if problems else empty_problems()

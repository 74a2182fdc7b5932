"""Resolve names people write to the records they mean: units, teams, volunteers.

Matching is done with joins over the whole file at once; only the rows that
fail to match are looked at one by one, to suggest close names.
"""

from __future__ import annotations

import duckdb
import polars as pl

from tracker.ingest.read import ROW
from tracker.ingest.validate import empty_problems, problems_where
from tracker.problems import suggest
from tracker.store.queries import frame, unit_clause
from tracker.values import split_people

NAME_LAST4_RE = r"^(.+?)[(（](\d{4})[)）]$"


def team_lookup(con: duckdb.DuckDBPyConnection, units: list[str] | None = None) -> pl.DataFrame:
    """unit, alias, team: every registered team (of `units`, when given) by its name and its short name."""
    where, params = unit_clause(units)
    return frame(
        con,
        f"""
        WITH t AS (SELECT DISTINCT unit, team, short_name FROM teams WHERE TRUE{where})
        SELECT unit, team AS alias, team FROM t
        UNION SELECT unit, short_name AS alias, team FROM t WHERE short_name IS NOT NULL
        """,
        params,
    )


def _alias(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKC").str.replace_all(r"[\s\u3000]", "")


def resolve_teams(
    rows: pl.DataFrame, lookup: pl.DataFrame, column: str, header: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Replace `column` by the registered team name; unknown teams are problems.

    Names are resolved once per distinct (unit, name), then joined back to the rows.
    """
    aliases = lookup.with_columns(_alias(pl.col("alias")).alias("__alias"))
    lk = aliases.unique(["unit", "__alias"], keep="first").select("unit", "__alias", pl.col("team").alias("__team"))
    # an alias shared by two teams (e.g. the same short name twice) is ambiguous
    amb = aliases.group_by("unit", "__alias").agg(pl.col("team").n_unique().alias("__n"))
    keys = (
        rows.select("unit", column).unique().filter(pl.col(column).is_not_null())
        .with_columns(_alias(pl.col(column)).alias("__alias"))
        .join(lk, on=["unit", "__alias"], how="left")
        .join(amb, on=["unit", "__alias"], how="left")
        .drop("__alias")
    )
    # the key columns go through the join, its answers are set beside the rows (not copied with them)
    found = rows.select("unit", column).join(keys, on=["unit", column], how="left", maintain_order="left")
    out = rows.with_columns(found["__team"], found["__n"])
    bad = out.filter(pl.col(column).is_not_null() & pl.col("__team").is_null())
    problems = [empty_problems()]
    if bad.height:
        by_unit = {u: g["alias"].unique().to_list() for (u,), g in lookup.group_by("unit")}
        msgs = [
            f"服务队未登记{suggest(v, by_unit.get(u, []))}"
            if by_unit.get(u)
            else f"单位“{u}”还没有登记任何服务队，请先导入服务队登记表（tracker load teams）"
            for v, u in bad.select(column, "unit").iter_rows()
        ]
        problems.append(
            problems_where(bad.with_columns(pl.Series("__msg", msgs)), pl.lit(True), header, column,
                           pl.col("__msg"))
        )
    problems.append(problems_where(out, pl.col("__n") > 1, header, column, "这个简称对应多支服务队，请写全称"))
    out = out.with_columns(pl.col("__team").alias(column)).drop("__team", "__n")
    return out, pl.concat(problems)


def unit_people(con: duckdb.DuckDBPyConnection, units: list[str]) -> pl.DataFrame:
    """Every volunteer of these units (any status), as last recorded: vid, unit, name, number, phone."""
    return frame(
        con,
        """
        SELECT vid, unit, name, number, phone FROM volunteer_versions
        WHERE unit IN (SELECT unnest(?::VARCHAR[]))
        QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1
        """,
        [units],
    )


def _label(name: str, number: str | None, phone: str | None) -> str:
    if number:
        return f"编号 {number}"
    last4 = (phone or "").split("、")[-1][-4:]
    return f"{name}({last4})" if last4 else name


def _plain_name(expr: pl.Expr) -> pl.Expr:
    """A roster name as participant lists write it: without spaces (they split the list)."""
    return expr.str.replace_all(r"[\s\u3000]", "")


def _direct_keys(people: pl.DataFrame) -> pl.DataFrame:
    """unit, token, vid for the tokens that name one volunteer as written: a volunteer number, or
    a name no one else in the unit has. A number wins over a name; a name written like
    "张三(1234)" is left to `_match_keys`, which reads the phone digits."""
    numbers = people.filter(pl.col("number").is_not_null()).group_by("unit", "number").agg(
        pl.col("vid").first()).rename({"number": "token"})
    names = (
        people.with_columns(_plain_name(pl.col("name")).alias("token"))
        .filter(~pl.col("token").str.contains(NAME_LAST4_RE))
        .group_by("unit", "token").agg(pl.col("vid").n_unique().alias("__n"), pl.col("vid").first())
        .filter(pl.col("__n") == 1).drop("__n")
        .join(numbers, on=["unit", "token"], how="anti")
    )
    return pl.concat([numbers, names.select(numbers.columns)])


def _match_keys(t: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Each distinct (unit, token) `_direct_keys` did not match (so not a number), with its `vid`
    (null when no single volunteer) and, for the message, the name and phone digits read from it,
    the candidates and their count."""
    t = t.with_columns(
        pl.col("token").str.extract(NAME_LAST4_RE, 1).fill_null(pl.col("token")).alias("__name"),
        pl.col("token").str.extract(NAME_LAST4_RE, 2).alias("__last4"),
    )
    pp = people.with_columns(
        pl.col("phone").fill_null("").str.split("、").list.eval(pl.element().str.slice(-4)).alias("__p4"),
        _plain_name(pl.col("name")).alias("__name"),
    )
    cand = t.join(pp.select("unit", "__name", "vid", "__p4", "number", "phone", "name"), on=["unit", "__name"])
    cand = cand.filter(pl.col("__last4").is_null() | pl.col("__p4").list.contains(pl.col("__last4")))
    by_name = cand.group_by("unit", "token").agg(
        pl.col("vid").n_unique().alias("__n"),
        pl.col("vid").first().alias("__vid_1"),
        pl.struct("name", "number", "phone").alias("__cands"),
    )
    return t.join(by_name, on=["unit", "token"], how="left").with_columns(
        pl.when(pl.col("__n") == 1).then(pl.col("__vid_1")).alias("vid"))


def _vids(tokens: pl.DataFrame, keys: pl.DataFrame) -> pl.Series:
    """Each token's `vid` from (unit, token, vid) keys: only the key columns go through the join,
    the rows' other columns are not copied (a city's 1.3M rows)."""
    return tokens.select("unit", "token").join(keys, on=["unit", "token"], how="left", maintain_order="left")["vid"]


def match_people(
    tokens: pl.DataFrame, people: pl.DataFrame, header: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Match tokens (ROW, unit, token, …) to volunteers → the same rows with `vid`, and problems.

    A token is a volunteer number, a name, or name(last four digits of phone),
    without spaces (`explode_participants` splits on them). Numbers and names
    only one volunteer of the unit has are joined straight to the rows (a city's
    1.3M tokens, mostly); each other distinct (unit, token) is matched once and
    joined back.
    """
    out = tokens.with_columns(_vids(tokens, _direct_keys(people)))
    rest = out.filter(pl.col("vid").is_null())
    if rest.height == 0:
        return out, empty_problems()
    keys = _match_keys(rest.select("unit", "token").unique(), people)
    found = keys.filter(pl.col("vid").is_not_null())
    if found.height:
        out = out.with_columns(pl.coalesce(pl.col("vid"), _vids(out, found.select("unit", "token", "vid"))))
    problems = [empty_problems()]
    failed = keys.filter(pl.col("vid").is_null())
    if failed.height:
        names = {u: g["name"].unique().to_list() for (u,), g in people.group_by("unit")}
        msgs = []
        for name, last4, unit, n, cands in failed.select("__name", "__last4", "unit", "__n", "__cands").iter_rows():
            opts = names.get(unit, [])
            if n and n > 1:
                labels = "、".join(_label(c["name"], c["number"], c["phone"]) for c in cands)
                msgs.append(f"本单位有 {len(cands)} 位同名志愿者，请写明是哪一位：{labels}")
            elif last4 and name in opts:
                msgs.append(f"花名册中“{name}”的手机号后四位没有 {last4}")
            else:
                msgs.append(f"花名册中没有这个人{suggest(name, opts)}")
        why = failed.select("unit", "token").with_columns(pl.Series("__msg", msgs, dtype=pl.String))
        bad = tokens.join(why, on=["unit", "token"], how="inner")
        problems.append(problems_where(bad, pl.lit(True), header, "token", pl.col("__msg")))
    return out, pl.concat(problems)


def explode_participants(rows: pl.DataFrame, keep: list[str], column: str = "participants") -> pl.DataFrame:
    """One row per participant token (`values.split_people`: 、，,;；/ . and spaces), with ROW and `keep`."""
    return (  # lazily: polars splits a city's 437k lists in half the time it takes eagerly
        rows.lazy().select(
            pl.col(ROW), *keep,
            split_people(pl.col(column)).alias("token"),
        )
        .explode("token")
        .filter(pl.col("token").is_not_null() & (pl.col("token") != ""))
        .collect()
    )

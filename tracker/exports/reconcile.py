"""A platform's own file against tracker's hours (docs/platforms.md, "Reconciling").

The file is read in the layout it was written in (a platform's export, or a returned import file):
each row's volunteer is matched by the ID number, the mobile, the volunteer number or — when only
one volunteer of the units has it — the name; its hours are summed per volunteer and set beside
tracker's, and for layouts of one row per service the services found on one side only are listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker.exports.hours import identified
from tracker.exports.layouts import Layout
from tracker.ingest.read import ROW, read_file
from tracker.problems import TrackerError
from tracker.values import parse_date

HEAD_ROWS = 20  # a header is looked for in the first rows of each sheet


@dataclass
class Reconciled:
    volunteers: list[dict]  # vid, name, unit, number, tracker_hours, platform_hours, difference
    only_tracker: list[dict] = field(default_factory=list)  # name, date, title, hours
    only_platform: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)  # row, name, reason, hours

    @property
    def differing(self) -> list[dict]:
        return [v for v in self.volunteers if abs(v["difference"]) > 0.005]

    @property
    def agree(self) -> bool:
        return not self.differing and not self.unmatched and not self.only_tracker and not self.only_platform


def _norm(text: object) -> str:
    return re.sub(r"[\s\u3000*＊]", "", str(text or ""))


def read_platform(path: Path, layout: Layout) -> pl.DataFrame:
    """The file's rows in the layout's fields (text), with ROW; a clear error naming the columns
    missing when the file is in another layout."""
    sheets = read_file(path, None)
    best: tuple[int, list[str]] | None = None
    for sheet in sheets:
        cells = sheet.cells
        cols = [c for c in cells.columns if c != ROW]
        for r in cells.head(HEAD_ROWS).iter_rows(named=True):
            found = {_norm(r[c]): c for c in cols if r[c] is not None}
            missing = [h for h in layout.columns if _norm(h) not in found]
            if not missing:
                body = cells.filter(pl.col(ROW) > r[ROW])
                out = body.select(pl.col(ROW), *[pl.col(found[_norm(h)]).alias(f) for h, f in layout.columns.items()
                                                 if f not in ("none", "result")])
                return out.filter(pl.any_horizontal(pl.all().exclude(ROW).is_not_null()))
            if best is None or len(missing) < len(best[1]):
                best = (r[ROW], missing)
    said = "、".join(best[1]) if best else "、".join(layout.columns)
    raise TrackerError(f"{path.name} 不是“{layout.name}”格式的文件：找不到这些列：{said}。"
                       f"请选择与文件相符的格式（tracker export hours --layout list），或检查表头。")


def _hours(expr: pl.Expr, layout: Layout) -> pl.Expr:
    h = expr.str.replace_all(r"[^\d.]", "").cast(pl.Float64, strict=False)
    return h / 60 if layout.hours_unit == "minutes" else h


def match(rows: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """Each platform row's volunteer (vid) by ID number, mobile, number, then a name only one of the
    units' volunteers has; `reason` says why a row matched nobody."""
    people = identified(people)
    by = []
    for f, key in (("id_number", "id_number"), ("phone", "mobile"), ("number", "number")):
        if f in rows.columns:
            lk = people.filter(pl.col(key).is_not_null()).group_by(key).agg(pl.col("vid").first(), pl.len().alias("n"))
            lk = lk.filter(pl.col("n") == 1).select(pl.col(key).alias(f"__{f}"), pl.col("vid").alias(f"__vid_{f}"))
            value = pl.col(f).str.replace_all(r"[\s\-]", "").str.to_uppercase()
            if f == "phone":
                value = value.str.extract(r"(1\d{10})", 1)
            rows = rows.with_columns(value.alias(f"__{f}")).join(lk, on=f"__{f}", how="left")
            by.append(pl.col(f"__vid_{f}"))
    if "name" in rows.columns:
        names = people.group_by("name").agg(pl.col("vid").first(), pl.len().alias("n"))
        rows = rows.with_columns(pl.col("name").str.replace_all(r"\s", "").alias("__name")).join(
            names.select(pl.col("name").alias("__name"), pl.col("vid").alias("__vid_name"), pl.col("n").alias("__n")),
            on="__name", how="left")
        by.append(pl.when(pl.col("__n") == 1).then(pl.col("__vid_name")))
    rows = rows.with_columns(pl.coalesce(by).alias("vid") if by else pl.lit(None, pl.Int64).alias("vid"))
    reason = pl.when(pl.col("vid").is_not_null()).then(None)
    if "name" in rows.columns:
        reason = reason.when(pl.col("__n") > 1).then(pl.lit("同名的志愿者不止一位，且号码对不上"))
    return rows.with_columns(reason.otherwise(pl.lit("花名册中找不到这位志愿者（号码或姓名对不上）")).alias("reason"))


def reconcile(path: Path, layout: Layout, records: pl.DataFrame, people: pl.DataFrame) -> Reconciled:
    """Compare the platform's file with tracker's service records of the same selection."""
    rows = read_platform(path, layout)
    if "hours" not in rows.columns:
        raise TrackerError(f"格式“{layout.name}”没有服务时长列，无法对账。")
    rows = match(rows.with_columns(_hours(pl.col("hours"), layout).alias("__h")), people)
    unmatched = rows.filter(pl.col("vid").is_null())
    mine = records.group_by("vid").agg(pl.col("hours").sum().alias("tracker_hours"))
    theirs = rows.filter(pl.col("vid").is_not_null()).group_by("vid").agg(pl.col("__h").sum().alias("platform_hours"))
    both = mine.join(theirs, on="vid", how="full", coalesce=True).with_columns(
        pl.col("tracker_hours").fill_null(0).round(2), pl.col("platform_hours").fill_null(0).round(2))
    both = both.with_columns((pl.col("platform_hours") - pl.col("tracker_hours")).round(2).alias("difference"))
    who = people.select("vid", "name", "unit", "number")
    vols = both.join(who, on="vid", how="left").sort("unit", "name").to_dicts()
    out = Reconciled(vols, unmatched=[{"row": r[ROW], "name": r.get("name"), "reason": r["reason"], "hours": r["__h"]}
                                      for r in unmatched.to_dicts()])
    if layout.rows == "participation" and {"date", "title"} <= set(rows.columns):
        _one_side(out, rows.filter(pl.col("vid").is_not_null()), records, who)
    return out


def _one_side(out: Reconciled, rows: pl.DataFrame, records: pl.DataFrame, who: pl.DataFrame) -> None:
    """The services (volunteer, date, title) found in only one of the two."""
    theirs = rows.select("vid", parse_date(pl.col("date")).alias("date"), pl.col("title").str.strip_chars(),
                         pl.col("__h").alias("hours"))
    mine = records.select("vid", "date", pl.col("title").str.strip_chars(), "hours")
    key = ["vid", "date", "title"]
    for side, a, b in (("only_tracker", mine, theirs), ("only_platform", theirs, mine)):
        lone = a.join(b.select(key).unique(), on=key, how="anti").join(who, on="vid", how="left").sort("date", "name")
        setattr(out, side, [{"name": r["name"], "unit": r["unit"], "date": r["date"], "title": r["title"],
                             "hours": r["hours"]} for r in lone.to_dicts()])

"""Hours to and from the volunteer platforms (docs/platforms.md): written in a platform's import
layout, and a platform's own file reconciled with tracker's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker.api.accounts import LOCAL, Scope, units_in
from tracker.api.common import PathLike, rules_of
from tracker.options import parse_month_option
from tracker.periods import Period, month_end_of
from tracker.privacy import mask_id, mask_phone
from tracker.problems import TrackerError
from tracker.rules import Rules
from tracker.store import history, service
from tracker.store.db import connect


@dataclass(frozen=True)
class LayoutInfo:
    name: str
    title: str
    columns: list[str]
    key: str


def layouts() -> list[LayoutInfo]:
    """The built-in presets."""
    from tracker.exports.layouts import layout_names, load_layout

    out = []
    for n in layout_names():
        lay = load_layout(n)
        out.append(LayoutInfo(n, lay.title, list(lay.columns), lay.key))
    return out


def _period(year: int, quarter: int | None, month: str | None) -> Period:
    if quarter is not None and month is not None:
        raise TrackerError("--quarter 和 --month 只能用一个。", code=2)
    if month is not None:
        m = parse_month_option(month) or ""
        if not m.startswith(f"{year}-"):
            raise TrackerError(f"--month {m} 不在 --year {year} 内。", code=2)
        return Period(dt.date.fromisoformat(m + "-01"), month_end_of(m))
    if quarter is not None:
        if quarter not in (1, 2, 3, 4):
            raise TrackerError("--quarter 应为 1 到 4。", code=2)
        return Period.quarter(year, quarter)
    return Period.year(year)


def _records(con, layout, period: Period, only: list[str] | None, rules, confirmed_only: bool) -> pl.DataFrame:
    """The service records of the selection, as the layout counts them (kinds, source)."""
    kinds = list(layout.kinds or rules.service_kinds)
    recs = service.service_records(con, period.start, period.end, only, kinds,
                                   activities=layout.source in ("service", "activities"),
                                   pairings=layout.source == "pairings"
                                   or (layout.source == "service" and rules.pairing_hours_count))
    if confirmed_only and recs.height:
        done = history.confirmations(con, only).select(
            "unit", pl.col("kind").replace({"activities": "activity", "pairings": "pairing"}).alias("source"),
            "month")
        recs = recs.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("month")).join(
            done, on=["unit", "source", "month"], how="semi").drop("month")
    return recs


@dataclass
class HoursExport:
    layout: str
    paths: list[Path]
    rows: int
    hours: float
    excluded: list[dict] = field(default_factory=list)  # name, unit, reason, records, hours
    warnings: list[str] = field(default_factory=list)
    unmasked: bool = False


def export_hours(db: PathLike | None, *, layout: str, year: int, out: PathLike, quarter: int | None = None,
                 month: str | None = None, unit: str | None = None, unmask: bool = False, confirmed_only: bool = False,
                 rules: PathLike | Rules | None = None, scope: Scope = LOCAL) -> HoursExport:
    """The service hours of the units in `scope` (or `unit`) for the period, in the layout's sheet."""
    from tracker.exports import hours as writer
    from tracker.exports.layouts import load_layout

    lay = load_layout(layout)
    if not unmask:
        writer.refuse_masked(lay)
    r = rules_of(rules)
    period = _period(year, quarter, month)
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        recs = _records(con, lay, period, reach.only, r, confirmed_only)
    if recs.is_empty():
        raise TrackerError(f"{period.label} 没有可导出的志愿服务记录" + ("（只导出已确认的月份）" if confirmed_only else "") + "。")
    table = writer.build(recs, lay)
    paths = writer.write(table, lay, Path(out))
    excluded = [{"name": e["姓名"], "unit": e["单位"], "reason": e["原因"], "records": e["记录数"],
                 "hours": e["服务时长（小时）"]} for e in table.excluded.to_dicts()]
    return HoursExport(lay.name, paths, table.rows.height, table.hours, excluded, table.warnings, unmask)


@dataclass
class Reconciliation:
    layout: str
    volunteers: list[dict]  # name, unit, phone/id (masked unless asked), tracker_hours, platform_hours, difference
    only_tracker: list[dict]
    only_platform: list[dict]
    unmatched: list[dict]
    path: Path | None = None

    @property
    def differing(self) -> list[dict]:
        return [v for v in self.volunteers if abs(v["difference"]) > 0.005]

    @property
    def agree(self) -> bool:
        return not (self.differing or self.only_tracker or self.only_platform or self.unmatched)


def reconcile(db: PathLike | None, file: PathLike, *, layout: str, year: int, unit: str | None = None,
              quarter: int | None = None, month: str | None = None, out: PathLike | None = None, unmask: bool = False,
              rules: PathLike | Rules | None = None, scope: Scope = LOCAL) -> Reconciliation:
    """The platform's file (in `layout`) set against tracker's hours of the same selection, per
    volunteer and per service; `out`: the differences as .xlsx."""
    from tracker.exports import reconcile as compare
    from tracker.exports.layouts import load_layout

    lay = load_layout(layout)
    r = rules_of(rules)
    period = _period(year, quarter, month)
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        recs = _records(con, lay, period, reach.only, r, False)
        people = service.unit_people(con, reach.only)
    done = compare.reconcile(Path(file), lay, recs, people)
    ids = {p["vid"]: p for p in people.to_dicts()}

    def shown(v: dict) -> dict:
        p = ids.get(v["vid"], {})
        phone, idn = p.get("phone"), p.get("id_number")
        return {"name": v["name"], "unit": v["unit"], "number": v["number"],
                "phone": phone if unmask else mask_phone(phone), "id_number": idn if unmask else mask_id(idn),
                "tracker_hours": v["tracker_hours"], "platform_hours": v["platform_hours"],
                "difference": v["difference"]}

    result = Reconciliation(lay.name, [shown(v) for v in done.volunteers], done.only_tracker, done.only_platform,
                            done.unmatched)
    if out is not None:
        result.path = _write_diff(result, Path(out))
    return result


def _write_diff(r: Reconciliation, out: Path) -> Path:
    from tracker.render.xlsx import write_tables

    heads = {"name": "姓名", "unit": "单位", "number": "志愿者编号", "phone": "联系电话", "tracker_hours": "tracker 时长",
             "platform_hours": "平台时长", "difference": "差（平台－tracker）"}
    sides = {"name": "姓名", "unit": "单位", "date": "日期", "title": "活动", "hours": "时长"}
    sheets = {"按志愿者": (pl.DataFrame(r.volunteers, schema=_schema(heads, r.volunteers)), heads)}
    for name, rows in (("仅在tracker", r.only_tracker), ("仅在平台", r.only_platform)):
        sheets[name] = (pl.DataFrame(rows, schema=_schema(sides, rows)), sides)
    sheets["平台上未匹配"] = pl.DataFrame(r.unmatched, schema=_schema({"row": 0, "name": 0, "reason": 0, "hours": 0},
                                                                    r.unmatched))
    return write_tables(out, sheets, f"对账：{r.layout}")


def _schema(heads: dict, rows: list[dict]) -> dict | None:
    """A frame's schema when it has no rows (polars needs the columns)."""
    if rows:
        return None
    return {k: pl.Float64 if k in ("hours", "tracker_hours", "platform_hours", "difference") else
            pl.Int64 if k == "row" else pl.String for k in heads}

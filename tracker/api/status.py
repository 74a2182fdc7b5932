"""`tracker status`: per unit, what is registered and loaded, months per ledger, and the loads."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import polars as pl

from tracker.api.accounts import LOCAL, Scope, units_in
from tracker.api.common import PathLike, rules_of
from tracker.assess.assessment import Assessment
from tracker.ingest.kinds import KINDS, MONTHLY_KINDS
from tracker.notice import APPLICANT
from tracker.periods import Period, months_between
from tracker.rules import Rules
from tracker.store import history, queries
from tracker.store.db import connect


@dataclass
class UnitStatus:
    """What `tracker status` says of one unit (its `to_dict` is the --json output)."""

    unit: str
    volunteers: int
    teams: int
    activities: int
    service_activities: int
    participations: int
    service_hours: float
    demands: int
    pairing_visits: int
    backfilled: int
    months: dict[str, list[str]]
    missing_months: dict[str, list[str]]
    loads: list[dict] = field(default_factory=list)
    applicants: int = 0  # applications (附件1) not yet reviewed: listed, not counted as volunteers
    confirmed: dict[str, list[str]] = field(default_factory=dict)  # monthly kind → months confirmed
    unconfirmed: dict[str, list[str]] = field(default_factory=dict)  # monthly kind → months with data, not yet

    def to_dict(self) -> dict:
        return asdict(self)


def _counts(df: pl.DataFrame, **aggs: pl.Expr) -> dict[str, dict]:
    """unit → {name: value} of `aggs` over `df` grouped by unit (one pass, not one filter per unit)."""
    return {r["unit"]: r for r in df.group_by("unit").agg(**aggs).to_dicts()}


def _loads(loads: pl.DataFrame) -> dict[str, list[dict]]:
    """unit → its loads; a city's file covers many units: one dict, listed under each."""
    per_unit: dict[str, list[dict]] = {}
    by_id: dict[int, dict] = {}
    for r in loads.iter_rows(named=True):
        if r["load_id"] not in by_id:
            by_id[r["load_id"]] = {
                "id": r["load_id"], "file": r["file_name"], "kind": r["kind"], "hash": r["file_hash"],
                "rows": r["rows"], "time": r["loaded_at"].isoformat(sep=" ", timespec="seconds"),
                "as_of": r["as_of"].isoformat(), "months": r["months"], "replace": r["replaced"],
                "account": r["account"] or ""}
        per_unit.setdefault(r["unit"], []).append(by_id[r["load_id"]])
    return per_unit


def _months(months: pl.DataFrame, unit: str, year: int | None,
            today: dt.date) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """A unit's months loaded per kind, and the months missing of each monthly ledger."""
    per_kind = {k: months.get(unit, {}).get(k, []) for k in KINDS}
    if year:
        per_kind = {k: [x for x in ms if x.startswith(f"{year}-")] for k, ms in per_kind.items()}
    missing = {}
    for k in MONTHLY_KINDS:
        have = per_kind[k]
        if year:
            first, last = f"{year}-01", min(f"{year}-12", today.strftime("%Y-%m"))
        elif have:
            first, last = have[0], have[-1]
        else:
            first, last = "", ""
        missing[k] = [x for x in months_between(first, last) if x not in have] if first else []
    return per_kind, missing


def status(
    db: PathLike | None = None,
    unit: str | None = None,
    year: int | None = None,
    today: dt.date | None = None,
    rules: PathLike | Rules | None = None,
    *,
    scope: Scope = LOCAL,
) -> list[UnitStatus]:
    """Per unit in `scope`: what is registered and loaded, months per ledger, and the loads.

    Service activities and hours are the assessment's own figures (`figures.unit_figures`).
    """
    today = today or dt.date.today()
    period = Period.year(year) if year else Period(dt.date(1900, 1, 1), dt.date(2999, 12, 31))
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        a = Assessment(con, rules_of(rules), reach.one, today)
        figs = a.over(period)
        unit_figs = {r["unit"]: r for r in figs.units.select("unit", "service_activities", "service_hours")
                     .to_dicts()}
        people = queries.roster_as_of(con, today, reach.one)
        active = _counts(people.filter("active"), n=pl.len())
        applicants = _counts(people.filter(pl.col("status") == APPLICANT), n=pl.len())
        teams = _counts(queries.teams_as_of(con, today, reach.one), n=pl.len())
        acts = _counts(figs.activity_counts, n=pl.col("activities").sum(), parts=pl.col("participations").sum(),
                       late=pl.col("backfilled").sum())
        visits = _counts(figs.visits, n=pl.len(), late=pl.col("backfilled").sum())
        dem = queries.demands(con, reach.one)
        if year:
            dem = dem.filter(pl.col("received").dt.year() == year)
        demands = _counts(dem, n=pl.len())
        months: dict[str, dict[str, list[str]]] = {}
        for u, kind, month in a.months_loaded.iter_rows():
            months.setdefault(u, {}).setdefault(kind, []).append(month)
        loads = _loads(queries.loads_by_unit(con))
        names = [u for u in a.units if reach.keeps(u)]
        confirmed: dict[str, dict[str, list[str]]] = {}
        for u, kind, month in history.confirmations(con, reach.only).select("unit", "kind", "month").iter_rows():
            confirmed.setdefault(u, {}).setdefault(kind, []).append(month)
    out = []
    for u in names:
        per_kind, missing = _months(months, u, year, today)
        done = {k: [m for m in confirmed.get(u, {}).get(k, []) if not year or m.startswith(f"{year}-")]
                for k in MONTHLY_KINDS}
        waiting = {k: [m for m in per_kind[k] if m not in done[k]] for k in MONTHLY_KINDS}
        f, a_u, v_u = unit_figs.get(u, {}), acts.get(u, {}), visits.get(u, {})
        out.append(UnitStatus(
            unit=u,
            volunteers=active.get(u, {}).get("n", 0),
            teams=teams.get(u, {}).get("n", 0),
            activities=a_u.get("n", 0),
            service_activities=int(f.get("service_activities") or 0),
            participations=int(a_u.get("parts") or 0),
            service_hours=round(float(f.get("service_hours") or 0), 1),
            demands=demands.get(u, {}).get("n", 0),
            pairing_visits=v_u.get("n", 0),
            backfilled=int(a_u.get("late") or 0) + int(v_u.get("late") or 0),
            months=per_kind,
            missing_months=missing,
            loads=loads.get(u, []),
            applicants=applicants.get(u, {}).get("n", 0),
            confirmed=done,
            unconfirmed=waiting,
        ))
    return out

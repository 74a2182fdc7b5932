"""The web's overview and unit pages: every unit in scope with its registers, months, last load
and check counts; a unit's teams and volunteers (docs/web.md, "Pages")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from tracker.api.accounts import LOCAL, Scope, unit_scope, units_in
from tracker.api.assessment import check
from tracker.api.common import PathLike, rules_of
from tracker.api.status import UnitStatus, status
from tracker.assess.assessment import Assessment
from tracker.periods import Period
from tracker.rules import Rules
from tracker.store import queries
from tracker.store.db import connect


@dataclass
class UnitSummary:
    """One line of the web overview: a unit's registers, months, last load and check counts."""

    unit: str
    parent: str | None
    status: UnitStatus
    counts: dict[str, int]  # fail / warn / pass of `check`
    judged: tuple[int, dt.date] | None
    last_load: dict | None


@dataclass
class Overview:
    year: int
    years: list[int]
    units: list[UnitSummary]


def data_years(db: PathLike | None = None, units: Iterable[str] | None = None, *,
               scope: Scope = LOCAL) -> list[int]:
    """Years with any ledger month loaded (newest first) for the units in scope (and among `units`)."""
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope)
        months = queries.months_loaded(con)
    keep = reach.only if units is None else [u for u in units if reach.keeps(u)]
    if keep is not None:
        months = months.filter(pl.col("unit").is_in(list(keep)))
    return sorted({int(m[:4]) for m in months["month"].to_list()}, reverse=True)


def default_year(years: list[int], today: dt.date) -> int:
    return years[0] if years else today.year


def overview(db: PathLike | None, scope: Scope, year: int | None = None, today: dt.date | None = None,
             rules: PathLike | Rules | None = None) -> Overview:
    """Every unit in scope with its volunteers, teams, months loaded and missing, last load and
    the pass / warn / fail counts of `check` for the year (default: the latest with data)."""
    today = today or dt.date.today()
    rules_ = rules_of(rules)
    with connect(db, read_only=True) as con:
        names = list(units_in(con, scope).names)
        parents = queries.unit_parents(con)
    years = data_years(db, scope=scope)
    year = year or default_year(years, today)
    if not names:
        return Overview(year, years, [])
    stats = {s.unit: s for s in status(db, None, year, today=today, rules=rules_, scope=scope)}
    checked = check(db, year=year, rules=rules_, today=today, scope=scope)
    counts: dict[str, dict[str, int]] = {u: {"fail": 0, "warn": 0, "pass": 0} for u in names}
    for f in checked.findings:
        if f.unit in counts:
            counts[f.unit][f.level] += 1
    out = []
    for u in names:
        s = stats[u]
        last = s.loads[-1] if s.loads else None  # loads come in load order
        out.append(UnitSummary(u, parents.get(u), s, counts[u], checked.judged.get(u), last))
    return Overview(year, years, out)


@dataclass
class UnitDetail:
    """A unit's page: its summary, teams and volunteers for the year up to its as-of date."""

    summary: UnitSummary
    year: int
    as_of: dt.date
    teams: list[dict]
    volunteers: list[dict]
    years: list[int] = field(default_factory=list)  # years with data, newest first


def unit_detail(db: PathLike | None, unit: str, year: int | None = None, today: dt.date | None = None,
                rules: PathLike | Rules | None = None, *, scope: Scope = LOCAL) -> UnitDetail:
    """Teams (activities, hours, members, 十有) and volunteers (hours, stars; phones masked) of a
    unit in `scope` (another is `UnknownUnit`)."""
    from tracker.privacy import mask_phone
    from tracker.words import STAR_NAMES

    today = today or dt.date.today()
    with connect(db, read_only=True) as con:
        units_in(con, scope, unit)
    view = overview(db, unit_scope(unit), year, today, rules)
    summary = view.units[0]
    with connect(db, read_only=True) as con:
        a = Assessment(con, rules_of(rules), unit, today)
        as_of = a.default_as_of(unit, view.year)
        figs = a.over(Period(dt.date(view.year, 1, 1), as_of))
        teams = figs.teams.select("team", "short_name", "leader", "members", "members_met", "activities",
                                  "target_activities", "participants", "hours", "ten_score").to_dicts()
        phones = dict(figs.roster.select("vid", "phone").iter_rows())
        vols = figs.volunteers.select("vid", "team", "number", "name", "status", "active", "service_hours",
                                      "target_hours", "met", "cumulative_hours", "stars").to_dicts()
    for v in vols:
        v["phone"] = mask_phone(phones.get(v.pop("vid")))
        v["star_name"] = STAR_NAMES.get(v["stars"] or 0, "")
    return UnitDetail(summary, view.year, as_of, teams, vols, view.years)

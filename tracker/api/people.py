"""People: the review of applications (三.1 审核, 登记) and the volunteer search (十有 ⑦)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from tracker.api.accounts import LOCAL, Scope, cli_account, units_in
from tracker.api.common import PathLike, rules_of
from tracker.api.overview import data_years, default_year
from tracker.assess.assessment import Assessment
from tracker.ingest.review import ReviewResult
from tracker.ingest.review import review as review_applications
from tracker.options import parse_date_option
from tracker.periods import Period
from tracker.rules import Rules
from tracker.store.db import connect


def review(
    db: PathLike | None,
    *,
    unit: str | None = None,
    approve: Iterable[str] = (),
    date: dt.date | str | None = None,
    today: dt.date | None = None,
    rules: PathLike | Rules | None = None,
    account: str | None = None,
    scope: Scope = LOCAL,
    reject: Iterable[str] = (),
    reason: str | None = None,
) -> ReviewResult:
    """Approve and register the applicants named (三.1 审核, 登记), or turn those in `reject` down for
    `reason` (kept in the history; a new form applies again); with none named, list who
    waits. `limit_days` of the result is the rules' `application_review_days`; `account` is
    recorded with the review as with a load (default: the command line's)."""
    day = parse_date_option(date, "--date")
    limit = rules_of(rules).application_review_days  # a bad rules file stops the review before it writes
    with connect(db, create=False) as con:
        asked = "".join(unit.split()) if unit is not None else None
        reach = units_in(con, scope, asked)
        if not reach.everything and asked is None:
            asked = reach.single("请用 --unit 指定要审核哪个单位的申请")
        result = review_applications(con, asked if asked is not None else unit, list(approve), day,
                                     today or dt.date.today(), account or cli_account(), list(reject), reason)
    result.limit_days = limit
    return result


@dataclass
class VolunteerHit:
    """A volunteer found by name or number (the notice's 十有 roster that can be searched online)."""

    unit: str
    team: str | None
    number: str | None
    name: str
    status: str
    active: bool
    hours: float  # service hours this year up to the as-of date
    cumulative_hours: float
    stars: int
    star_name: str
    phone: str  # masked; ID numbers are never returned
    key: str = ""  # the archive's address: /volunteers/KEY (the number, else v + the internal id)


def search_volunteers(db: PathLike | None, query: str, scope: Scope, year: int | None = None,
                      today: dt.date | None = None, rules: PathLike | Rules | None = None,
                      limit: int = 200) -> list[VolunteerHit]:
    """Volunteers of the units in scope whose name or number contains `query` (all if empty)."""
    from tracker.privacy import mask_phone
    from tracker.words import STAR_NAMES

    today = today or dt.date.today()
    q = (query or "").strip().lower()
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope)
    if not reach.names:
        return []
    year = year or default_year(data_years(db, scope=scope), today)
    end = min(today, dt.date(year, 12, 31))
    with connect(db, read_only=True) as con:
        a = Assessment(con, rules_of(rules), reach.one, today)
        figs = a.over(Period(dt.date(year, 1, 1), end))
        roster = figs.roster if reach.only is None else figs.roster.filter(pl.col("unit").is_in(reach.only))
        if q:
            roster = roster.filter(pl.col("name").str.to_lowercase().str.contains(q, literal=True)
                                   | pl.col("number").fill_null("").str.to_lowercase().str.contains(q, literal=True))
        roster = roster.head(limit)
        hours = figs.volunteers.select("vid", "service_hours", "cumulative_hours", "stars")
        rows = roster.join(hours, on="vid", how="left").to_dicts()
    return [VolunteerHit(r["unit"], r["team"], r["number"], r["name"], r["status"], bool(r["active"]),
                         round(float(r["service_hours"] or 0), 1), round(float(r["cumulative_hours"] or 0), 1),
                         int(r["stars"] or 0), STAR_NAMES.get(int(r["stars"] or 0), ""), mask_phone(r["phone"]),
                         r["number"] or f"v{r['vid']}")
            for r in rows]

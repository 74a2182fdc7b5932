"""The public pages' questions (docs/people.md, "Public pages"): a volunteer's own figures for their
name and mobile, and whether a certificate's serial is genuine. Nothing beyond the person's own
figures; a wrong combination is no answer at all (None), told apart from nothing else."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import polars as pl

from tracker.api.common import PathLike, rules_of
from tracker.assess.assessment import Assessment
from tracker.periods import Period
from tracker.privacy import mask_name
from tracker.rules import Rules
from tracker.store import archive, queries
from tracker.store.db import connect


@dataclass(frozen=True)
class OwnRecord:
    """What /q shows a volunteer of themselves."""

    name: str
    unit: str
    years: list[dict]  # year, service_hours, service_activities
    stars: int
    star_name: str
    certificates: list[dict] = field(default_factory=list)  # serial, issued_on, total_hours


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def self_query(db: PathLike | None, name: str, phone: str, *, today: dt.date | None = None,
               rules: PathLike | Rules | None = None) -> OwnRecord | None:
    """The record of the one volunteer whose name and full mobile number are these; None otherwise."""
    today = today or dt.date.today()
    name, mobile = "".join((name or "").split()), _digits(phone)
    if not name or len(name) > 40 or not re.fullmatch(r"1\d{10}", mobile):
        return None
    with connect(db, read_only=True) as con:
        people = queries.roster_as_of(con, today, None).filter(pl.col("name").str.replace_all(r"\s", "") == name)
        hits = [r for r in people.select("vid", "unit", "name", "phone").to_dicts()
                if mobile in re.findall(r"(?<!\d)1\d{10}(?!\d)", re.sub(r"[\s-]", "", r["phone"] or ""))]
        if len(hits) != 1:
            return None
        who = hits[0]
        a = Assessment(con, rules_of(rules), who["unit"], today)
        years, stars = [], 0
        for y in (today.year - 1, today.year):
            v = a.over(Period(dt.date(y, 1, 1), min(dt.date(y, 12, 31), today))).volunteers
            row = v.filter(pl.col("vid") == who["vid"])
            r = row.row(0, named=True) if row.height else {}
            years.append({"year": y, "service_hours": round(float(r.get("service_hours") or 0), 2),
                          "service_activities": int(r.get("activities") or 0)})
            stars = int(r.get("stars") or stars)
        certs = archive.certificates(con, who["vid"]).select("serial", "issued_on", "total_hours").to_dicts()
    from tracker.words import STAR_NAMES

    return OwnRecord(who["name"], who["unit"], years, stars, STAR_NAMES.get(stars, ""), certs)


@dataclass(frozen=True)
class PublicCertificate:
    """What /verify/SERIAL shows of a genuine certificate."""

    serial: str
    name: str  # partly masked
    unit: str
    start: dt.date
    end: dt.date
    hours: float
    services: int
    issued_on: dt.date


def verify_public(db: PathLike | None, serial: str) -> PublicCertificate | None:
    """A certificate issued under this serial, as a stranger may see it; None when there is none."""
    from tracker.certificates import serials

    s = serials.normalize(serial or "")
    if not serials.well_formed(s):
        return None
    with connect(db, read_only=True) as con:
        issued = serials.lookup(con, s)
    if issued is None:
        return None
    return PublicCertificate(issued.serial, mask_name(issued.name), issued.unit, issued.start, issued.end,
                             issued.total_hours, issued.services, issued.issued_on)

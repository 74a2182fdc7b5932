"""A volunteer's own record (户籍式管理, docs/people.md): who they are, their teams over time, every
activity and pairing visit, the demands their teams took, stars by year, certificates, and every
change to their records."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from tracker.api.accounts import LOCAL, Scope, units_in
from tracker.api.common import PathLike, rules_of
from tracker.api.history import entries_of
from tracker.assess.assessment import Assessment
from tracker.periods import Period
from tracker.privacy import mask_id, mask_phone
from tracker.rules import Rules
from tracker.store import archive as stored
from tracker.store import awards as awarded
from tracker.store.db import connect


@dataclass
class Archive:
    """One volunteer's archive; `to_dict` is `tracker volunteer --json`. Phones and ID numbers are
    masked unless `unmasked`."""

    vid: int
    name: str
    number: str | None
    unit: str
    team: str | None
    status: str
    registered: dt.date | None
    left: dt.date | None
    gender: str | None
    phone: str
    id_number: str
    unmasked: bool
    period: tuple[dt.date, dt.date]
    teams: list[dict] = field(default_factory=list)  # team, from, to
    activities: list[dict] = field(default_factory=list)  # date, title, team, kind, hours, unit
    pairing_visits: list[dict] = field(default_factory=list)  # date, recipient, content, hours
    demands: list[dict] = field(default_factory=list)  # demand_id, received, content, status, team
    years: list[dict] = field(default_factory=list)  # year, service_hours, service_activities, cumulative, stars, points
    certificates: list[dict] = field(default_factory=list)  # serial, issued_on, period, total_hours
    changes: list[dict] = field(default_factory=list)  # time, action, file, account, reason, old, new
    awards: list[dict] = field(default_factory=list)  # year, award, recorded_at (docs/awards.md)

    @property
    def key(self) -> str:
        """How its web page is addressed: /volunteers/KEY (the number, else v + the internal id)."""
        return self.number or f"v{self.vid}"

    @property
    def totals(self) -> dict[str, float]:
        service = [a for a in self.activities if a["service"]]
        return {"activities": len(self.activities), "service_activities": len(service),
                "service_hours": round(sum(a["hours"] for a in service)
                                       + sum(v["hours"] or 0 for v in self.pairing_visits if v["counted"]), 2),
                "hours": round(sum(a["hours"] for a in self.activities), 2), "visits": len(self.pairing_visits)}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["totals"] = self.totals
        return d


def volunteer_archive(db: PathLike | None, who: str, *, unit: str | None = None, year: int | None = None,
                      unmask: bool = False, rules: PathLike | Rules | None = None, today: dt.date | None = None,
                      scope: Scope = LOCAL) -> Archive:
    """The archive of the one volunteer `who` names (a name, a number, or 王丽(6386)), among the units
    in `scope`; with `year`, that year's activities, visits and demands."""
    from tracker.certificates.record import find_volunteer

    today = today or dt.date.today()
    r = rules_of(rules)
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        v = find_volunteer(con, who, unit, reach.only)
        versions = stored.versions(con, v.vid)
        start = dt.date(year, 1, 1) if year else dt.date(1900, 1, 1)
        end = min(dt.date(year, 12, 31), today) if year else today
        acts = stored.participations(con, v.vid, start, end)
        visits = stored.visits(con, v.vid, start, end)
        teams = _teams(versions)
        demands = stored.team_demands(con, v.unit, [t["team"] for t in teams], start, end)
        certs = stored.certificates(con, v.vid)
        served = stored.activity_years(con, v.vid)
        years = _years(Assessment(con, r, v.unit, today), v.vid, [year] if year else served, today)
        changes = [c for e in entries_of(con, [v.unit], v.unit, None, v.vid) for c in _change_rows(e)]
        won = awarded.listed(con, year, None, v.vid).select("year", "award", "hours", "recorded_at").to_dicts()
    last = versions.row(-1, named=True)
    counted = set(r.service_kinds)
    return Archive(
        v.vid, last["name"], last["number"], v.unit, last["team"], last["status"], last["registered"], last["left"],
        last["gender"], last["phone"] if unmask else mask_phone(last["phone"]),
        last["id_number"] or "" if unmask else mask_id(last["id_number"]) or "", unmask, (start, end), teams,
        [a | {"service": a["kind"] in counted} for a in acts.to_dicts()],
        [x | {"counted": r.pairing_hours_count} for x in visits.to_dicts()],
        demands.to_dicts(), years, certs.to_dicts(), changes, won)


def _teams(versions: pl.DataFrame) -> list[dict]:
    """The person's teams over time: each run of versions with the same team, from its first version."""
    out: list[dict] = []
    for r in versions.select("valid_from", "team").to_dicts():
        if out and out[-1]["team"] == r["team"]:
            continue
        if out:
            out[-1]["to"] = r["valid_from"]
        out.append({"team": r["team"], "from": r["valid_from"], "to": None})
    return [t for t in out if t["team"]]


def _years(a: Assessment, vid: int, years: list[int], today: dt.date) -> list[dict]:
    """Per year: service hours and activities as the star rating counts them, cumulative hours, stars,
    and points (the rules' `[points]`, docs/awards.md)."""
    from tracker.assess.awards import points
    from tracker.words import STAR_NAMES

    out = []
    for y in sorted(set(years)):
        if dt.date(y, 1, 1) > today:
            continue
        period = Period(dt.date(y, 1, 1), min(dt.date(y, 12, 31), today))
        row = a.over(period).volunteers.filter(pl.col("vid") == vid)
        if row.is_empty():
            continue
        r = row.row(0, named=True)
        scored = points(a, period).filter(pl.col("vid") == vid)["points"]
        out.append({"year": y, "service_hours": round(float(r["service_hours"] or 0), 2),
                    "service_activities": int(r.get("activities") or 0),
                    "cumulative_hours": round(float(r["cumulative_hours"] or 0), 2), "stars": int(r["stars"] or 0),
                    "star_name": STAR_NAMES.get(int(r["stars"] or 0), ""),
                    "points": float(scored[0]) if len(scored) else None})
    return out


def _change_rows(e) -> list[dict]:
    return [{"time": e.time.isoformat(sep=" ", timespec="seconds"), "action": e.action, "kind": e.kind,
             "file": e.file, "account": e.account, "reason": e.reason, "old": c["old"], "new": c["new"]}
            for c in e.changes]


def write_archive(a: Archive, out: PathLike) -> Path:
    """The archive as a print-ready A4 page (.html) or a Word document (.docx)."""
    from tracker.exports.archive_doc import write

    return write(a, Path(out))

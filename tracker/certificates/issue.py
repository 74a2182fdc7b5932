"""Issuing certificates and verifying them (docs/certificates.md).

Issuing writes the files and records their serials in one transaction: if any
file cannot be written, no serial is recorded and the files of this run are
removed, so every serial in the database belongs to a certificate that exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tracker.assess.assessment import Assessment
from tracker.certificates import document, serials
from tracker.certificates.document import Certificate
from tracker.certificates.record import (
    ServiceRecord,
    Volunteer,
    default_period,
    find_volunteer,
    service_record,
    unit_volunteers,
)
from tracker.periods import Period
from tracker.problems import TrackerError
from tracker.reports.model import file_part
from tracker.rules import Rules
from tracker.store.accounts import web_setting
from tracker.store.db import transaction


def _issue(con: duckdb.DuckDBPyConnection, jobs: list[tuple[ServiceRecord, Path]], today: dt.date,
           unmask: bool, templates: str | Path | None) -> list[tuple[Certificate, Path]]:
    done: list[tuple[Certificate, Path]] = []
    try:
        with transaction(con):
            base = web_setting(con, "base_url") or ""
            certs = [Certificate(record, serials.issue(con, record, today, out.name), today, unmask, base)
                     for record, out in jobs]
            # each page laid out once: its characters make the run's font subset, then it is written
            pages = {i: document.page(c, templates) for i, (c, (_, out)) in enumerate(zip(certs, jobs, strict=True))
                     if out.suffix.lower() == ".html"}
            chars = document.face_characters(pages.values()) if pages else None
            for i, (c, (_, out)) in enumerate(zip(certs, jobs, strict=True)):
                done.append((c, document.write(c, out, pages.get(i), chars)))
    except BaseException:
        for _, p in done:
            p.unlink(missing_ok=True)
        raise
    return done


def issue_one(con: duckdb.DuckDBPyConnection, rules: Rules, who: str, out: Path, *, unit: str | None,
              start: dt.date | None, end: dt.date | None, today: dt.date, unmask: bool,
              templates: str | Path | None = None, units: list[str] | None = None
              ) -> list[tuple[Certificate, Path]]:
    document.check_suffix(out)
    v = find_volunteer(con, who, unit, units)
    period = default_period(v, start, end, today)
    record = service_record(Assessment(con, rules, v.unit, today), v, period)
    out.parent.mkdir(parents=True, exist_ok=True)
    return _issue(con, [(record, out)], today, unmask, templates)


def issue_all(con: duckdb.DuckDBPyConnection, rules: Rules, unit: str, year: int, out_dir: Path, *,
              suffix: str, today: dt.date, unmask: bool,
              templates: str | Path | None = None) -> tuple[list[tuple[Certificate, Path]], list[Volunteer]]:
    """One certificate per volunteer of the unit who served in the year; also those skipped (no service)."""
    if dt.date(year, 1, 1) > today:
        raise TrackerError(f"{year} 年尚未开始（今天是 {today}），无法出具该年的证明。", code=2)
    period = Period.year(year)
    if period.end > today:
        period = Period(period.start, today)
    a = Assessment(con, rules, unit, today)
    jobs, skipped = [], []
    for v in unit_volunteers(con, unit):
        record = service_record(a, v, period)
        if not record.services:
            skipped.append(v)
            continue
        name = f"志愿服务记录证明_{year}_{file_part(v.name)}_{file_part(v.number or str(v.vid))}{suffix}"
        jobs.append((record, out_dir / name))
    out_dir.mkdir(parents=True, exist_ok=True)
    return _issue(con, jobs, today, unmask, templates), skipped


@dataclass(frozen=True)
class Verification:
    """What `certificate verify` finds: the certificate as issued, and its records now."""

    serial: str
    issued: serials.Issued | None
    total_now: float | None = None
    services_now: int | None = None
    same_records: bool | None = None

    @property
    def valid(self) -> bool:
        return self.issued is not None


def verify(con: duckdb.DuckDBPyConnection, rules: Rules, serial: str, today: dt.date,
           units: list[str] | None = None) -> Verification:
    """A serial checked against the certificates issued; one of a unit outside `units` (the
    caller's scope) is answered as unknown."""
    s = serials.normalize(serial)
    if not serials.well_formed(s):
        raise TrackerError(f"“{serial}”不是证明编号的格式（应为 {serials.PREFIX}-年份-XXXX-XXXX-XXXX）。", code=2)
    issued = serials.lookup(con, s)
    if issued is None or (units is not None and issued.unit not in units):
        return Verification(s, None)
    people = [v for v in unit_volunteers(con, issued.unit) if v.vid == issued.vid]
    if not people:
        return Verification(s, issued)
    record = service_record(Assessment(con, rules, issued.unit, today), people[0], Period(issued.start, issued.end))
    return Verification(s, issued, record.total_hours, len(record.services), record.digest == issued.digest)

"""Certificate serials: made at random, recorded in the database, checked against it (docs/certificates.md).

A serial is ZYJL-YYYY-XXXX-XXXX-XXXX: the year issued and 12 characters of
Crockford base-32 from `secrets` (60 random bits), so serials cannot be
guessed from one another. Each issued certificate is a row of the
`certificates` table (migration 5) with whom it was for, the period, the
total then and a digest of the records listed; `verify` reads it back.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import duckdb

from tracker.certificates.record import ServiceRecord
from tracker.store import queries

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
PREFIX = "ZYJL"
_SHAPE = re.compile(rf"^{PREFIX}-\d{{4}}(-[{ALPHABET}]{{4}}){{3}}$")


def new_serial(today: dt.date) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{PREFIX}-{today.year:04d}-{body[:4]}-{body[4:8]}-{body[8:]}"


def normalize(serial: str) -> str:
    """As typed → as issued: upper case, no spaces, the letters people confuse read as Crockford does."""
    s = re.sub(r"\s+", "", serial).upper().replace("—", "-").replace("－", "-")
    head, _, tail = s.partition("-")
    return head + "-" + tail.replace("O", "0").replace("I", "1").replace("L", "1") if tail else s


def well_formed(serial: str) -> bool:
    return bool(_SHAPE.match(serial))


def issue(con: duckdb.DuckDBPyConnection, r: ServiceRecord, today: dt.date, file_name: str) -> str:
    """Record a certificate (inside the caller's transaction) and return its serial."""
    while True:
        serial = new_serial(today)
        if not queries.rows(con, "SELECT 1 FROM certificates WHERE serial = ?", [serial]):
            break
    v = r.volunteer
    con.execute(
        "INSERT INTO certificates VALUES (?, ?, current_timestamp, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [serial, today, v.vid, v.unit, v.name, v.number, r.period.start, r.period.end, len(r.services),
         r.total_hours, r.digest, file_name],
    )
    return serial


@dataclass(frozen=True)
class Issued:
    """A certificate as recorded when it was issued."""

    serial: str
    issued_on: dt.date
    vid: int
    unit: str
    name: str
    number: str | None
    start: dt.date
    end: dt.date
    services: int
    total_hours: float
    digest: str
    file_name: str | None


def lookup(con: duckdb.DuckDBPyConnection, serial: str) -> Issued | None:
    got = queries.rows(con, """
        SELECT serial, issued_on, vid, unit, name, number, period_start, period_end, services, total_hours,
               digest, file_name
        FROM certificates WHERE serial = ?""", [serial])
    return Issued(*got[0]) if got else None

"""One volunteer's service record over a period, as a certificate states it (docs/certificates.md).

The records and the total come from the same assessment frames the annual
report counts (`Assessment.over(period)`): service activities (the rules'
`service_kinds`) the volunteer took part in, and pairing visits when the
rules count them; training and meetings never. So a certificate for a year
states exactly the 全年服务时长 of that year's annual report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import duckdb
import polars as pl

from tracker.assess.assessment import Assessment
from tracker.assess.figures import EPS
from tracker.periods import Period
from tracker.privacy import mask_id
from tracker.problems import NotFound, TrackerError, suggest
from tracker.rules import Rules
from tracker.store import queries
from tracker.values import id_check_digit

ACTIVITY = "志愿服务活动"
PAIRING = "结对帮扶走访"


@dataclass(frozen=True)
class Volunteer:
    """Who a certificate is for: identity as on the roster (the latest version)."""

    vid: int
    unit: str
    name: str
    number: str | None
    team: str | None
    id_number: str | None
    registered: dt.date
    left: dt.date | None

    @property
    def id_type(self) -> str:
        """The ID document's type: a valid 18-character number is a 居民身份证."""
        s = (self.id_number or "").strip().upper()
        if not s:
            return "未登记"
        if len(s) == 18 and s[:17].isdigit() and id_check_digit(s[:17]) == s[17]:
            return "居民身份证"
        return "有效身份证件"

    def id_shown(self, unmask: bool) -> str:
        if not self.id_number:
            return "未登记"
        return self.id_number if unmask else mask_id(self.id_number)


@dataclass(frozen=True)
class Service:
    """One service: its date, what it was, who organized it, the hours certified."""

    date: dt.date
    kind: str  # ACTIVITY | PAIRING
    content: str
    organizer: str
    hours: float


@dataclass
class ServiceRecord:
    """What a certificate states: the volunteer, the period, each service and the total."""

    volunteer: Volunteer
    period: Period
    services: list[Service]
    total_hours: float  # the assessment's service_hours of the volunteer over the period
    cumulative_hours: float  # history before registration + every service up to the period's end
    rules_note: str

    @property
    def digest(self) -> str:
        """A fingerprint of the records listed: verifying later tells whether they changed."""
        lines = [f"{s.date}|{s.kind}|{s.content}|{s.organizer}|{s.hours:.2f}" for s in self.services]
        text = "\n".join([self.volunteer.name, str(self.period.start), str(self.period.end), *lines])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _volunteers(con: duckdb.DuckDBPyConnection, unit: str | None) -> pl.DataFrame:
    """Everyone on any roster (the latest version of each), for finding who a certificate is for."""
    where, params = ("WHERE unit = ?", [unit]) if unit is not None else ("", [])
    return queries.frame(con, f"""
        SELECT vid, unit, name, number, team, id_number, registered, "left", phone
        FROM volunteer_versions {where}
        QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1
        ORDER BY unit, vid""", params)


def find_volunteer(con: duckdb.DuckDBPyConnection, who: str, unit: str | None = None,
                   units: list[str] | None = None) -> Volunteer:
    """The one volunteer named `who` (a name, a volunteer number, or 王丽(6386): a name with the last
    four digits of their phone), in `unit` if given, and among
    `units` if given (the caller's scope: nobody of another unit is found or listed).

    Unknown: an error suggesting close names. Several of that name: an error
    listing them (unit, number, last four digits of the phone) and how to choose.
    """
    if unit is not None:
        queries.select_units(con, unit)
    who = "".join(who.split())
    people = _volunteers(con, unit)
    if units is not None:
        people = people.filter(pl.col("unit").is_in(units))
    named = re.fullmatch(r"(.+?)[(（](\d{4})[)）]", who)  # 王丽(6386): a name and the phone's last four digits
    key = re.fullmatch(r"v(\d+)", who)  # v123: the internal id (a web page's address for one without a number)
    if key and people.filter(pl.col("number") == who).is_empty():
        hit = people.filter(pl.col("vid") == int(key.group(1)))
    elif named:
        hit = people.filter((pl.col("name") == named.group(1))
                            & pl.col("phone").fill_null("").str.replace_all(r"\D", "").str.ends_with(named.group(2)))
    else:
        hit = people.filter((pl.col("number") == who) | (pl.col("name") == who))
    if hit.height == 0:
        where = f"单位“{unit}”" if unit else "数据库"
        raise NotFound(f"{where}的花名册中没有志愿者“{who}”"
                           f"{suggest(who, people['name'].unique().to_list())}。请用姓名或志愿者编号。")
    if hit.height > 1:
        listed = "；".join(
            f"{r['unit']} {r['name']}（编号 {r['number'] or '无'}，电话尾号 {(r['phone'] or '')[-4:] or '无'}）"
            for r in hit.to_dicts())
        raise TrackerError(f"有 {hit.height} 位志愿者叫“{who}”：{listed}。请用志愿者编号或 姓名(手机后四位)，或加 --unit 指定单位。",
                           code=2)
    r = hit.row(0, named=True)
    return Volunteer(r["vid"], r["unit"], r["name"], r["number"], r["team"], r["id_number"], r["registered"],
                     r["left"])


def unit_volunteers(con: duckdb.DuckDBPyConnection, unit: str) -> list[Volunteer]:
    """Every volunteer of a unit (for `--all`)."""
    queries.select_units(con, unit)
    return [Volunteer(r["vid"], r["unit"], r["name"], r["number"], r["team"], r["id_number"], r["registered"],
                      r["left"]) for r in _volunteers(con, unit).to_dicts()]


def rules_note(rules: Rules) -> str:
    counted = "志愿服务活动" + ("和结对帮扶走访" if rules.pairing_hours_count else "")
    return (f"服务时长按年度考评口径计：{counted}（活动类型：{'、'.join(rules.service_kinds)}），"
            f"培训、工作例会不计入。")


def service_record(a: Assessment, v: Volunteer, period: Period) -> ServiceRecord:
    """The volunteer's services over `period` and their total, from the assessment's frames."""
    f = a.over(period).of(v.unit) if a.unit is None else a.over(period)
    rules = a.rules
    acts = f.parts.filter(pl.col("service") & (pl.col("vid") == v.vid)).sort("date", "aid")
    services = [Service(r["date"], ACTIVITY, r["title"] + (f"（{r['theme']}）" if r["theme"] else ""),
                        r["team"], float(r["hours"])) for r in acts.to_dicts()]
    if rules.pairing_hours_count:
        visits = f.visits.filter(pl.col("vid") == v.vid).sort("date")
        services += [Service(r["date"], PAIRING, f"结对帮扶：{r['content'] or '走访'}（{r['recipient_kind'] or '帮扶对象'}）",
                             "结对帮扶", float(r["hours"] or 0.0)) for r in visits.to_dicts()]
    services.sort(key=lambda s: (s.date, s.kind))
    row = f.volunteers.filter(pl.col("vid") == v.vid)
    total = float(row["service_hours"][0]) if row.height else 0.0
    listed = sum(s.hours for s in services)
    if abs(listed - total) > EPS * 10 and row.height:
        raise RuntimeError(f"certificate rows {listed} differ from the assessment's {total} for vid {v.vid}")
    cumulative = float(row["cumulative_hours"][0]) if row.height else 0.0
    return ServiceRecord(v, period, services, total if row.height else listed, cumulative, rules_note(rules))


def default_period(v: Volunteer, start: dt.date | None, end: dt.date | None, today: dt.date) -> Period:
    """From registration (or --from) to withdrawal or today (or --to); a user error if inverted."""
    s = start or v.registered
    e = end or min(v.left or today, today)
    if s > e:
        raise TrackerError(f"证明期间无效：开始 {s} 晚于结束 {e}（请检查 --from / --to）。", code=2)
    return Period(s, e)

"""`tracker review`: the Party organization's review of applications (三.1 党组织审核, docs/data-model.md).

An applicant (status 申请, from a loaded 附件1) is approved on a day: their 审核日期 is that day,
and — the notice registers a member once the review confirms them (审核确认后，予以登记造册) —
so is their 登记日期, from which they count as a volunteer. The review is one transaction with
its own `loads` row (kind "review"), so every version keeps its provenance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import duckdb
import polars as pl

from tracker.ingest.common import record_load
from tracker.ingest.kinds.roster import PERSON_FIELDS, write_people
from tracker.ingest.read import ROW
from tracker.ingest.resolve import match_people
from tracker.notice import APPLICANT, REJECTED
from tracker.privacy import mask_phone
from tracker.problems import Problem, TrackerError
from tracker.store.db import transaction
from tracker.store.queries import frame, select_units, unit_names
from tracker.values import PEOPLE_SPLIT

REVIEW_KIND = "review"  # the `loads` kind of a review


@dataclass
class ReviewResult:
    """Who was approved (and registered) on `day`, who was already registered, who still waits."""

    unit: str
    day: dt.date
    approved: list[dict] = field(default_factory=list)  # name, applied
    rejected: list[dict] = field(default_factory=list)  # name, applied
    already: list[dict] = field(default_factory=list)  # name, registered
    pending: list[dict] = field(default_factory=list)  # name, applied, days, phone (masked)
    limit_days: int | None = None  # the rules' application_review_days, for showing who waits too long


def review_unit(con: duckdb.DuckDBPyConnection, unit: str | None) -> str:
    """The unit reviewed: the one named, else the database's only unit."""
    if unit is not None:
        return select_units(con, "".join(unit.split()))[0]
    units = unit_names(con)
    if len(units) == 1:
        return units[0]
    hint = f"数据库中有 {len(units)} 个单位" if units else "数据库中还没有单位"
    raise TrackerError(f"请用 --unit 指定要审核哪个单位的申请（{hint}）。", code=2)


def _people(con: duckdb.DuckDBPyConnection, unit: str) -> pl.DataFrame:
    """The unit's people as last recorded (every stored field, and their version's valid_from)."""
    cols = ", ".join('"left"' if c == "left" else c for c in PERSON_FIELDS)
    return frame(con, f"""
        SELECT vid, valid_from AS valid_from__cur, {cols} FROM volunteer_versions WHERE unit = ?
        QUALIFY row_number() OVER (PARTITION BY vid ORDER BY valid_from DESC) = 1
        ORDER BY applied NULLS LAST, vid""", [unit])


def pending(people: pl.DataFrame, as_of: dt.date) -> list[dict]:
    """Applicants still waiting at `as_of`, first applied first, with days waited, and how to name each
    one unambiguously (`token`: their number, else 姓名(手机后四位))."""
    waiting = people.filter(pl.col("status") == APPLICANT)
    out = []
    for r in waiting.iter_rows(named=True):
        digits = re.sub(r"\D", "", (r["phone"] or "").split("、")[-1])
        token = r["number"] or (f"{r['name']}({digits[-4:]})" if len(digits) >= 4 else r["name"])
        out.append({"name": r["name"], "applied": r["applied"], "phone": mask_phone(r["phone"]), "token": token,
                    "days": (as_of - r["applied"]).days if r["applied"] else None})
    return out


def review(con: duckdb.DuckDBPyConnection, unit: str | None, approve: list[str], day: dt.date | None,
           today: dt.date, account: str | None = None, reject: list[str] = (), reason: str | None = None
           ) -> ReviewResult:
    """Approve (and register) the applicants named in `approve` on `day` (default today), or turn
    down those named in `reject` for `reason`; with no names, only list who is waiting. Any name
    that is not a waiting applicant of the unit is an error and nothing is written."""
    name = review_unit(con, unit)
    day = day or today
    if day > today:
        raise TrackerError(f"--date {day} 在将来（今天是 {today}）。", code=2)
    if reject and not (reason or "").strip():
        raise TrackerError("请用 --reason 写明审核不通过的原因（会记入修改记录）。", code=2)
    people = _people(con, name)
    result = ReviewResult(name, day)
    both = [(verdict, _chosen(people, name, names, day, result, f"--{verdict}"))  # all checked before any write
            for names, verdict in ((approve, "approve"), (reject, "reject"))]
    for verdict, chosen in both:
        todo = chosen.filter(pl.col("status") == APPLICANT)
        if todo.height:
            _write(con, name, day, todo, account, None if verdict == "approve" else reason)
            (result.approved if verdict == "approve" else result.rejected).extend(
                {"name": n, "applied": a} for n, a in todo.select("name", "applied").iter_rows())
            people = _people(con, name)
    result.pending = pending(people, today)
    return result


def _chosen(people: pl.DataFrame, unit: str, names: list[str], day: dt.date, result: ReviewResult,
            option: str) -> pl.DataFrame:
    """The people `names` names, checked: an error (nothing written) for anyone who is not a waiting
    applicant; those already registered are noted in `result.already`."""
    tokens = pl.DataFrame({"token": [t for a in names for t in _split(a)]}, schema={"token": pl.String})
    if not tokens.height:
        return people.clear()
    tokens = tokens.with_columns(pl.int_range(1, pl.len() + 1).alias(ROW), pl.lit(unit).alias("unit"))
    found, problems = match_people(tokens, people.select("vid", "unit", "name", "number", "phone"), option)
    errors = [Problem(option, None, None, v, m) for v, m in problems.select("value", "message").iter_rows()]
    chosen = people.join(found.select("vid", "token").drop_nulls().unique("vid", keep="first"), on="vid")
    for r in chosen.iter_rows(named=True):
        if r["status"] == "退出":
            errors.append(Problem(option, None, None, r["token"],
                                  f"{r['name']} 已于 {r['left']} 退出；如要重新加入，请先提交申请登记表"))
        elif r["status"] == REJECTED:
            errors.append(Problem(option, None, None, r["token"],
                                  f"{r['name']} 的申请已审核未通过；如再申请，请重新提交申请登记表"))
        elif r["status"] != APPLICANT:
            if option == "--approve":
                result.already.append({"name": r["name"], "registered": r["registered"]})
            else:
                errors.append(Problem(option, None, None, r["token"], f"{r['name']} 已登记在册，不是待审核的申请人"))
        elif r["applied"] is not None and day < r["applied"]:
            errors.append(Problem(option, None, None, r["token"],
                                  f"审核日期 {day} 早于 {r['name']} 的申请日期 {r['applied']}"))
    if errors:
        raise TrackerError(f"未做任何改动：{len(errors)} 个问题，请改正后重新运行。", errors)
    return chosen


def _split(text: str) -> list[str]:
    return [t for t in re.split(PEOPLE_SPLIT, text.strip()) if t]


def _write(con: duckdb.DuckDBPyConnection, unit: str, day: dt.date, todo: pl.DataFrame,
           account: str | None, rejected: str | None = None) -> None:
    """Approve (register) `todo` on `day`, or with `rejected` (the reason) turn them down, in one
    transaction with its `loads` row (the reason kept on it)."""
    if rejected is None:
        verdict = [pl.lit(day).alias("approved"), pl.lit(day).alias("registered"), pl.lit("在册").alias("status")]
    else:
        verdict = [pl.lit(None, pl.Date).alias("approved"), pl.lit(None, pl.Date).alias("registered"),
                   pl.lit(REJECTED).alias("status")]
    rows = todo.with_columns(
        *verdict,
        pl.max_horizontal(pl.lit(day), pl.col("valid_from__cur")).alias("valid_from"),
        pl.lit(None, pl.Int32).alias("src_row"),
        pl.int_range(1, pl.len() + 1).alias(ROW),
    ).drop("valid_from__cur")
    digest = hashlib.sha256(f"{unit}|{day}|{rejected}|{sorted(rows['vid'].to_list())}".encode()).hexdigest()
    with transaction(con):
        what = "审核登记（tracker review）" if rejected is None else "审核未通过（tracker review --reject）"
        load_id = record_load(con, kind=REVIEW_KIND, file_name=what, file_hash=digest,
                              units=[unit], months=[day.strftime("%Y-%m")], as_of=day, rows=rows.height,
                              account=account, reason=rejected)
        write_people(con, rows.with_columns(pl.lit(load_id).alias("load_id")), new=lambda fresh: fresh)

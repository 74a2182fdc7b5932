"""Checking the rules: every finding, narrowed to the caller's units, and the mid-year reminder list
(docs/rules.md)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import polars as pl

from tracker.api.accounts import LOCAL, Scope, units_in
from tracker.api.common import PathLike, rules_of
from tracker.assess.assessment import Assessment
from tracker.assess.checks import Finding
from tracker.atomic import write_text
from tracker.options import parse_date_option
from tracker.periods import Period
from tracker.rules import Rules, load_rules, to_toml
from tracker.store.db import connect, db_path


@dataclass
class RulesResult:
    """The rules in force as TOML text, and where they were written (if asked)."""

    text: str
    path: Path | None = None


def rules(rules: PathLike | None = None, out: PathLike | None = None) -> RulesResult:
    """The rules in force (the defaults, with the user's file applied); written to `out` if given."""
    text = to_toml(load_rules(rules))
    if out is None:
        return RulesResult(text)
    path = write_text(Path(out), text, "规则文件")
    return RulesResult(text, path)


@dataclass(frozen=True)
class CheckResult:
    """Every finding, and per unit the (year, as-of) it was judged at. Read-only (a tuple and a
    mapping proxy): `check` hands the same result to every caller asking of the same database."""

    findings: tuple[Finding, ...]
    judged: Mapping[str, tuple[int, dt.date]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "judged", MappingProxyType(dict(self.judged)))

    @property
    def failed(self) -> bool:
        return any(f.level == "fail" for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {lvl: sum(f.level == lvl for f in self.findings) for lvl in ("fail", "warn", "pass")}

    def of_units(self, names: list[str] | None) -> CheckResult:
        """The findings of these units only (None: all)."""
        if names is None:
            return self
        keep = set(names)
        return CheckResult([f for f in self.findings if f.unit in keep],
                           {u: j for u, j in self.judged.items() if u in keep})


def check(
    db: PathLike | None = None,
    *,
    year: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    rules: PathLike | Rules | None = None,
    today: dt.date | None = None,
    scope: Scope = LOCAL,
) -> CheckResult:
    """Run every rule (R1–R13, inactive volunteers, overdue demands and pairings) for the units
    in `scope` (or `unit`).

    The result is kept for the database as it is (`_db_state`), the last `KEPT_CHECKS` questions:
    the web app's overview, check and unit pages ask the same ones on every visit, and a city's
    check takes seconds. Two requests missing at once both compute it (no one waits on another).
    """
    day = parse_date_option(as_of)
    rules_, today = rules_of(rules), today or dt.date.today()
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
    key = (_db_state(db), year, day, reach.one, rules_, today)
    with _CHECKED_LOCK:
        kept = _CHECKED.pop(key, None)
        if kept is not None:
            _CHECKED[key] = kept  # the most recently asked is kept longest
            return kept.of_units(reach.only)
    with connect(db, read_only=True) as con:
        a = Assessment(con, rules_, reach.one, today)
        judged = a.plan(year, day)
        result = CheckResult(a.findings(year, day), judged)
    with _CHECKED_LOCK:  # the web app's requests run on several threads
        _CHECKED[key] = result
        while len(_CHECKED) > KEPT_CHECKS:
            _CHECKED.pop(next(iter(_CHECKED)))
    return result.of_units(reach.only)


def check_chunks(
    db: PathLike | None = None,
    *,
    year: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    rules: PathLike | Rules | None = None,
    today: dt.date | None = None,
    scope: Scope = LOCAL,
) -> Iterator[CheckResult]:
    """`check`, a chunk of units at a time (`Assessment.chunks`), for a caller that prints as it goes
    (`tracker check`): a province's findings are never all held at once (docs/performance.md,
    "Memory"). The chunks' findings, in order, are `check`'s; nothing is kept for the next call.
    A wrong --as-of or an unknown unit is raised by the first `next`, before anything is printed."""
    day = parse_date_option(as_of)
    rules_, today = rules_of(rules), today or dt.date.today()
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        a = Assessment(con, rules_, reach.one, today)
        keep = None if reach.only is None else set(reach.only)
        names = [u for u in a.units if keep is None or u in keep]
        # each chunk plans its own units (`Assessment.plan`); a big run's copy holds up to `last_day`
        for part, _ in a.chunks(names, upto=a.last_day(year, day)):
            yield CheckResult(part.findings(year, day), part.plan(year, day))


KEPT_CHECKS = 4  # a city's findings are tens of MB; a unit's are small
_CHECKED: dict[tuple, CheckResult] = {}
_CHECKED_LOCK = threading.Lock()


def _db_state(db: PathLike | None) -> tuple:
    """The database file and its write-ahead log as they are now (path, mtime, size): any write
    to the database changes one of them, so a result kept under this key is current."""
    path = db_path(db).resolve()
    state: list = [str(path)]
    for f in (path, path.with_name(path.name + ".wal")):
        try:
            st = f.stat()
            state.append((st.st_mtime_ns, st.st_size))
        except OSError:
            state.append(None)
    return tuple(state)


def check_in(db: PathLike | None, scope: Scope, *, year: int | None = None, as_of: dt.date | str | None = None,
             unit: str | None = None, team: str | None = None, rule: str | None = None,
             level: str | None = None, rules: PathLike | Rules | None = None,
             today: dt.date | None = None) -> CheckResult:
    """`check` for the units in scope (or one of them), narrowed by team, rule and level."""
    result = check(db, year=year, as_of=as_of, unit=unit, rules=rules, today=today, scope=scope)
    return narrow(result, team=team, rule=rule, level=level)


def narrow(result: CheckResult, *, team: str | None = None, rule: str | None = None,
           level: str | None = None) -> CheckResult:
    """The findings of one team, rule or level (the units judged stay as they were)."""
    found = [f for f in result.findings if (team is None or f.team == team)
             and (rule is None or f.rule == rule) and (level is None or f.level == level)]
    return CheckResult(found, result.judged)


def findings_xlsx(result: CheckResult, out: PathLike) -> Path:
    """The findings as one .xlsx sheet (结果, 单位, 规则, 服务队, 志愿者, 说明)."""
    from tracker.assess.checks import RULE_TITLES
    from tracker.render.xlsx import write_tables
    from tracker.words import LEVEL_WORDS

    frame = pl.DataFrame(
        [{"level": LEVEL_WORDS[f.level], "unit": f.unit, "rule": RULE_TITLES.get(f.rule, f.rule),
          "team": f.team or "", "volunteer": f.volunteer or "", "message": f.message} for f in result.findings],
        schema={k: pl.String for k in ("level", "unit", "rule", "team", "volunteer", "message")},
    )
    heads = {"level": "结果", "unit": "单位", "rule": "规则", "team": "服务队", "volunteer": "志愿者",
             "message": "说明"}
    return write_tables(out, {"考评检查": (frame, heads)}, "考评检查结果")


def reminder_list(db: PathLike | None, scope: Scope, as_of: dt.date | str | None = None,
                  unit: str | None = None, today: dt.date | None = None,
                  rules: PathLike | Rules | None = None) -> tuple[dt.date, list[dict]]:
    """The mid-year 提醒教育名单 (R7) as of a date (default: today): who to remind and why."""
    today = today or dt.date.today()
    day = parse_date_option(as_of) or today
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        if not reach.names:
            return day, []
        a = Assessment(con, rules_of(rules), reach.one, today)
        df = a.over(Period.year_to_date(day)).inactive
    df = df.filter(pl.col("state") == "inactive")
    if reach.only is not None:
        df = df.filter(pl.col("unit").is_in(reach.only))
    rows = df.select("unit", "team", "name", "reason_text", "last_service", "ytd_hours", "ytd_target").to_dicts()
    return day, rows

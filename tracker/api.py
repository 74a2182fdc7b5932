"""The Python API behind every command: plain arguments in, data out (cf. sqlite-utils' db.py).

    from tracker import api
    api.init("t.duckdb")
    results = api.load("t.duckdb", "roster", ["花名册.xlsx"])
    api.status("t.duckdb")
    checked = api.check("t.duckdb", year=2026)
    made = api.report("t.duckdb", "quarterly", year=2026, quarter=1, out_dir="报告")

The CLI (`tracker.cli`) only parses options and prints what these return;
the web app calls the same functions. A user's mistake is a `TrackerError`
with a Chinese message (docs/architecture.md, "Layers").
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from tracker.assess.assessment import Assessment
from tracker.assess.checks import Finding
from tracker.exports.forms import FORMS, ExportResult, export_form
from tracker.exports.templates import write_template
from tracker.ingest.context import LoadOptions
from tracker.ingest.kinds import KINDS, MONTHLY_KINDS
from tracker.ingest.pipeline import FileResult, load_file
from tracker.periods import Period, months_between
from tracker.problems import TrackerError
from tracker.reports.make import build_reports, check_formats, write_reports
from tracker.reports.model import Report
from tracker.reports.output import DEFAULT_FORMATS
from tracker.reports.registry import report_spec
from tracker.reports.spec import ReportSpec, Request
from tracker.rules import Rules, load_rules, to_toml
from tracker.store import queries
from tracker.store.db import connect, db_path
from tracker.store.migrations import SCHEMA_VERSION
from tracker.values import parse_user_date

PathLike = str | os.PathLike
Progress = Callable[[str], None]


# ---------------------------------------------------------------- options


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise TrackerError(f"未知的台账类型“{kind}”。可选：{'、'.join(KINDS)}。", code=2)
    return kind


def parse_month_option(month: str | None) -> str | None:
    if month is None:
        return None
    try:
        d = dt.datetime.strptime(month.strip(), "%Y-%m")
    except ValueError:
        raise TrackerError(f"--month 应写成 YYYY-MM（如 2026-03），而不是“{month}”。", code=2) from None
    return d.strftime("%Y-%m")


def parse_date_option(text: str | dt.date | None, option: str = "--as-of") -> dt.date | None:
    """A date option as typed (2026-06-30, 2026/6/30, 2026年6月30日) or already a date."""
    if text is None or isinstance(text, dt.date):
        return text
    d = parse_user_date(text)
    if d is None:
        raise TrackerError(f"{option} 不是可识别的日期：“{text}”（如 2026-06-30）。", code=2)
    return d


def fill_options(kind: str, **values: str | None) -> dict[str, str]:
    """--team / --title: a value for a column of every row, refused for a kind without that column."""
    fill = {k: v.strip() for k, v in values.items() if v is not None and v.strip()}
    for key in fill:
        if not KINDS[kind].has(key):
            have = [k for k in KINDS if KINDS[k].has(key)]
            raise TrackerError(f"--{key} 只适用于 {'、'.join(have)}，不适用于 {kind}。", code=2)
    return fill


def headers_file(path: PathLike | None) -> dict[str, dict[str, tuple[str, ...]]]:
    """--columns (env TRACKER_COLUMNS): a unit's own header names (docs/ledgers.md, "Your own headers")."""
    from tracker.ingest.aliases import load_aliases  # here, not above: the import block is shared

    return load_aliases(path)


def _rules(rules: PathLike | Rules | None) -> Rules:
    return rules if isinstance(rules, Rules) else load_rules(rules)


# ---------------------------------------------------------------- init, load, status


def init(db: PathLike | None = None) -> tuple[Path, int]:
    """Create the database (or bring an old one to the current schema)."""
    p = db_path(db)
    with connect(p, create=True):
        pass
    return p, SCHEMA_VERSION


def load(
    db: PathLike | None,
    kind: str,
    files: Iterable[PathLike],
    *,
    unit: str | None = None,
    month: str | None = None,
    as_of: dt.date | str | None = None,
    replace: bool = False,
    dry_run: bool = False,
    sheet: str | None = None,
    team: str | None = None,  # --team, --title: the column of every row that has none (the file's cells win)
    title: str | None = None,
    columns: PathLike | None = None,  # --columns: a unit's own header names (env TRACKER_COLUMNS)
    today: dt.date | None = None,
    progress: Progress | None = None,
    rules: PathLike | Rules | None = None,
) -> list[FileResult]:
    """Load ledger files of one kind; each file is all-or-nothing on its own."""
    check_kind(kind)
    opts = LoadOptions(
        unit=unit,
        month=parse_month_option(month),
        as_of=parse_date_option(as_of),
        replace=replace,
        dry_run=dry_run,
        sheet=sheet,
        fill=fill_options(kind, team=team, title=title),
        aliases=headers_file(columns),
        today=today or dt.date.today(),
        due_working_days=_rules(rules).record_due_working_days,
    )
    results = []
    with connect(db, create=False) as con:
        for f in files:
            if progress:
                progress(str(f))
            results.append(load_file(con, kind, Path(f), opts))
    return results


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

    def to_dict(self) -> dict:
        return asdict(self)


def _counts(df: pl.DataFrame, **aggs: pl.Expr) -> dict[str, dict]:
    """unit → {name: value} of `aggs` over `df` grouped by unit (one pass, not one filter per unit)."""
    return {r["unit"]: r for r in df.group_by("unit").agg(**aggs).to_dicts()}


def status(
    db: PathLike | None = None,
    unit: str | None = None,
    year: int | None = None,
    today: dt.date | None = None,
    rules: PathLike | Rules | None = None,
) -> list[UnitStatus]:
    """Per unit: what is registered and loaded, months per ledger, and the loads.

    Service activities and hours are the assessment's own figures (`figures.unit_figures`).
    """
    today = today or dt.date.today()
    period = Period.year(year) if year else Period(dt.date(1900, 1, 1), dt.date(2999, 12, 31))
    with connect(db, read_only=True) as con:
        a = Assessment(con, _rules(rules), unit, today)
        units = a.units
        figs = a.over(period)
        unit_figs = {r["unit"]: r for r in figs.units.select("unit", "service_activities", "service_hours")
                     .to_dicts()}
        active = _counts(queries.roster_as_of(con, today, unit).filter("active"), n=pl.len())
        teams = _counts(queries.teams_as_of(con, today, unit), n=pl.len())
        acts = _counts(figs.activities, n=pl.len(), parts=pl.col("participants").sum(),
                       late=pl.col("backfilled").sum())
        visits = _counts(figs.visits, n=pl.len(), late=pl.col("backfilled").sum())
        dem = queries.demands(con, unit)
        if year:
            dem = dem.filter(pl.col("received").dt.year() == year)
        demands = _counts(dem, n=pl.len())
        months = a.months_loaded
        loads = queries.frame(con, """
            SELECT l.load_id, l.kind, l.file_name, l.file_hash, l.rows, l.loaded_at, l.as_of, l.months,
                   l.replaced, u.unit
            FROM loads l, unnest(l.units) AS u(unit) ORDER BY l.load_id""")
    per_unit_months: dict[str, dict[str, list[str]]] = {}
    for u, kind, month in months.iter_rows():
        per_unit_months.setdefault(u, {}).setdefault(kind, []).append(month)
    per_unit_loads: dict[str, list[dict]] = {}
    for r in loads.iter_rows(named=True):
        per_unit_loads.setdefault(r["unit"], []).append(
            {"file": r["file_name"], "kind": r["kind"], "hash": r["file_hash"], "rows": r["rows"],
             "time": r["loaded_at"].isoformat(sep=" ", timespec="seconds"),
             "as_of": r["as_of"].isoformat(), "months": r["months"], "replace": r["replaced"]})
    out = []
    for u in units:
        per_kind = {k: per_unit_months.get(u, {}).get(k, []) for k in KINDS}
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
        f = unit_figs.get(u, {})
        a_u, v_u = acts.get(u, {}), visits.get(u, {})
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
            loads=per_unit_loads.get(u, []),
        ))
    return out


# ---------------------------------------------------------------- rules and checks


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
    path = Path(out)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise TrackerError(f"无法写出规则文件 {out}：{e}") from e
    return RulesResult(text, path)


@dataclass
class CheckResult:
    """Every finding, and per unit the (year, as-of) it was judged at."""

    findings: list[Finding]
    judged: dict[str, tuple[int, dt.date]]

    @property
    def failed(self) -> bool:
        return any(f.level == "fail" for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {lvl: sum(f.level == lvl for f in self.findings) for lvl in ("fail", "warn", "pass")}


def check(
    db: PathLike | None = None,
    *,
    year: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    rules: PathLike | Rules | None = None,
    today: dt.date | None = None,
) -> CheckResult:
    """Run every rule (R1–R13, inactive volunteers, overdue demands and pairings)."""
    day = parse_date_option(as_of)
    with connect(db, read_only=True) as con:
        a = Assessment(con, _rules(rules), unit, today)
        judged = a.plan(year, day)
        return CheckResult(a.findings(year, day), judged)


# ---------------------------------------------------------------- reports


@dataclass
class ReportResult:
    """The reports made (one per unit, then the overview) and the files written."""

    spec: ReportSpec
    reports: list[Report]
    paths: list[Path]


def report(
    db: PathLike | None,
    name: str,
    *,
    year: int,
    quarter: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    out_dir: PathLike | None = None,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    rules: PathLike | Rules | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ReportResult:
    """Make report `name` (see `reports.registry.REPORTS`) for one unit or every unit, and write it."""
    spec = report_spec(name)
    check_formats(formats)
    req = Request(year=year, quarter=quarter, as_of=parse_date_option(as_of), today=today or dt.date.today())
    spec.check(req)
    with connect(db, read_only=True) as con:
        a = Assessment(con, _rules(rules), unit, req.today)
        reports = build_reports(a, spec, req, progress=lambda u: progress(f"计算 {u}") if progress else None)
    out = Path(out_dir) if out_dir is not None else Path(".")
    paths = write_reports(reports, out, formats,
                          progress=(lambda s: progress(f"写出 {s}")) if progress else None)
    return ReportResult(spec, reports, paths)


# ---------------------------------------------------------------- forms and templates


def export(
    db: PathLike | None,
    form: str,
    out: PathLike,
    *,
    year: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    unmask: bool = False,
) -> ExportResult:
    """Write the notice's 附件2/3/4 (form: roster | teams | summary) as .xlsx or .csv."""
    if form not in FORMS:
        raise TrackerError(f"未知的表格“{form}”。可选：{'、'.join(FORMS)}。", code=2)
    with connect(db, read_only=True) as con:
        return export_form(con, form, Path(out), year=year, as_of=parse_date_option(as_of), unit=unit,
                           unmask=unmask)


def template(kind: str, out: PathLike) -> Path:
    """Write a blank ledger of KIND (.xlsx with an example row and notes, or .csv)."""
    check_kind(kind)
    return write_template(kind, Path(out))


# ---------------------------------------------------------------- the demo


@dataclass
class DemoResult:
    unit: str
    year: int
    ledgers: Path  # the folder of ledger files the demo wrote
    ledger_count: int
    db: Path
    files: list[Path]  # reports and forms written


def demo(out_dir: PathLike = "tracker-demo", db: PathLike | None = None, rules: PathLike | None = None,
         today: dt.date | None = None, progress: Callable[[str, int, int], None] | None = None) -> DemoResult:
    """Write a synthetic year as ledger files, load them as `tracker load` would, write every report
    and form (docs/demo.md). The demo's own database is rebuilt each run."""
    from tracker.demo_data import write_demo_ledgers

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db_file = Path(db) if db else out / "demo.duckdb"
    for stale in (db_file, db_file.with_name(db_file.name + ".wal")):
        if db is None and stale.exists():
            stale.unlink()
    files = write_demo_ledgers(out / "ledgers", today=today)
    year = files.year
    init(db_file)
    steps = len(files.files) + 6
    done = 0

    def step(what: str) -> None:
        nonlocal done
        if progress:
            progress(what, done, steps)
        done += 1

    for f in files.files:
        step(f"导入 {f.path.name}")
        (res,) = load(db_file, f.kind, [f.path], today=today, rules=rules, **f.options)
        if res.status == "rejected":
            raise TrackerError(f"示例台账 {f.path.name} 未能导入", res.problems)
    written: list[Path] = []
    mid = dt.date(year, 6, 30)  # the review the notice asks for at mid-year
    for name, opts in (("quarterly", {"quarter": 4}), ("midyear", {"as_of": mid}), ("annual", {})):
        step(f"生成报告 {name}")
        written += report(db_file, name, year=year, out_dir=out, rules=rules, today=today, **opts).paths
    for form, label in (("roster", "附件2_志愿者花名册"), ("teams", "附件3_服务队登记表"),
                        ("summary", "附件4_组队情况汇总表")):
        step(f"导出 {label}")
        written.append(export(db_file, form, out / f"{label}_{year}.xlsx", year=year).path)
    return DemoResult(files.unit, year, out / "ledgers", len(files.files), db_file, written)

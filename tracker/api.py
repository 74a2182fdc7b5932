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
import getpass
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from tracker.assess.assessment import Assessment
from tracker.assess.checks import Finding
from tracker.atomic import check_folder, write_text
from tracker.ingest.context import LoadOptions, ReplacePlan
from tracker.ingest.formload import load_forms
from tracker.ingest.forms import FormKind
from tracker.ingest.kinds import KINDS, MONTHLY_KINDS, kind_key
from tracker.ingest.pipeline import FileResult, load_path
from tracker.ingest.review import ReviewResult
from tracker.ingest.review import review as review_applications
from tracker.notice import APPLICANT
from tracker.periods import Period, months_between
from tracker.problems import Problem, TrackerError
from tracker.rules import Rules, load_rules, to_toml
from tracker.store import accounts, queries
from tracker.store.accounts import Account
from tracker.store.backup import BackupResult
from tracker.store.backup import backup as store_backup
from tracker.store.db import connect, damage_of, db_path, failure
from tracker.store.migrations import SCHEMA_VERSION
from tracker.values import parse_user_date

if TYPE_CHECKING:  # reports and exports load matplotlib and friends: imported when used
    from tracker.exports.dataset import DatasetResult
    from tracker.exports.forms import ExportResult
    from tracker.reports.model import Report
    from tracker.reports.spec import ReportSpec, Request

PathLike = str | os.PathLike
Progress = Callable[[str], None]  # a file being loaded


# ---------------------------------------------------------------- options


def check_kind(kind: str) -> str:
    """The kind named (`application`, as `export` and `template` name 附件1, is `applications`)."""
    return kind_key(kind)


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


def _rule_options(r: Rules) -> dict:
    """The rules a load applies (`LoadOptions`), for files from the CLI and uploads alike."""
    return {"due_working_days": r.record_due_working_days, "earliest_date": r.earliest_date,
            "file_date_future_days": r.file_date_future_days}


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
    account: str | None = None,
    confirm: bool | Callable[[ReplacePlan], bool] = False,
    stage: Callable[[str], None] | None = None,
) -> list[FileResult]:
    """Load ledger files of one kind; each file (each sheet, with sheet="all") is all-or-nothing.
    Forms (`applications`, 附件1) may also be folders, and are stored all together or not at all.

    With `replace`, a file whose load would delete stored records is written only when `confirm`
    is True or, given a function, when it returns True for the `ReplacePlan`; otherwise its
    result is "pending" and carries the plan (what would be deleted, the last backup).
    A full disk while writing one file rejects that file and the others are still tried.
    `account` is recorded with each load (default: `cli_account()`, "命令行（OS user）").
    `progress(file)` is called as each file starts, `stage(step)` as each step of it does
    ("读取文件", "检查 N 行", "核对服务队、人员和重复记录", "写入数据库").
    """
    kind = check_kind(kind)
    r = _rules(rules)
    opts = LoadOptions(
        unit=unit,
        month=parse_month_option(month),
        as_of=parse_date_option(as_of),
        replace=replace,
        dry_run=dry_run,
        sheet=sheet.strip() if sheet and sheet.strip() else None,
        fill=fill_options(kind, team=team, title=title),
        aliases=headers_file(columns),
        today=today or dt.date.today(),
        confirm=confirm,
        account=account or cli_account(),
        stage=stage,
        **_rule_options(r),
    )
    results: list[FileResult] = []
    path = db_path(db)
    with connect(db, create=False) as con:
        if isinstance(KINDS[kind], FormKind):  # forms (附件1): every file of the command, together or none
            return load_forms(con, KINDS[kind], [Path(f) for f in files], opts, progress)
        for f in files:
            if progress:
                progress(str(f))
            try:
                results += load_path(con, kind, Path(f), opts)
            except duckdb.Error as e:
                known = failure(e, path)
                if known is None or damage_of(e):
                    raise
                name = Path(f).name
                results.append(FileResult(name, kind, "rejected",
                                          problems=[Problem(name, None, None, None, known.message)]))
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
    applicants: int = 0  # applications (附件1) not yet reviewed: listed, not counted as volunteers

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
        people = queries.roster_as_of(con, today, unit)
        active = _counts(people.filter("active"), n=pl.len())
        waiting = _counts(people.filter(pl.col("status") == APPLICANT), n=pl.len())
        teams = _counts(queries.teams_as_of(con, today, unit), n=pl.len())
        acts = _counts(figs.activity_counts, n=pl.col("activities").sum(), parts=pl.col("participations").sum(),
                       late=pl.col("backfilled").sum())
        visits = _counts(figs.visits, n=pl.len(), late=pl.col("backfilled").sum())
        dem = queries.demands(con, unit)
        if year:
            dem = dem.filter(pl.col("received").dt.year() == year)
        demands = _counts(dem, n=pl.len())
        months = a.months_loaded
        loads = queries.frame(con, """
            SELECT l.load_id, l.kind, l.file_name, l.file_hash, l.rows, l.loaded_at, l.as_of, l.months,
                   l.replaced, l.account, u.unit
            FROM loads l, unnest(l.units) AS u(unit) ORDER BY l.load_id""")
    per_unit_months: dict[str, dict[str, list[str]]] = {}
    for u, kind, month in months.iter_rows():
        per_unit_months.setdefault(u, {}).setdefault(kind, []).append(month)
    per_unit_loads: dict[str, list[dict]] = {}
    by_id: dict[int, dict] = {}  # a city's file covers many units: one dict, listed under each
    for r in loads.iter_rows(named=True):
        if r["load_id"] not in by_id:
            by_id[r["load_id"]] = {
                "id": r["load_id"], "file": r["file_name"], "kind": r["kind"], "hash": r["file_hash"],
                "rows": r["rows"], "time": r["loaded_at"].isoformat(sep=" ", timespec="seconds"),
                "as_of": r["as_of"].isoformat(), "months": r["months"], "replace": r["replaced"],
                "account": r["account"] or ""}
        per_unit_loads.setdefault(r["unit"], []).append(by_id[r["load_id"]])
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
            applicants=waiting.get(u, {}).get("n", 0),
        ))
    return out


def backup(db: PathLike | None, out: PathLike) -> BackupResult:
    """Copy the database to `out` while nobody writes (checked, and recorded for --replace to name)."""
    return store_backup(db, out)


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


def check(
    db: PathLike | None = None,
    *,
    year: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    rules: PathLike | Rules | None = None,
    today: dt.date | None = None,
) -> CheckResult:
    """Run every rule (R1–R13, inactive volunteers, overdue demands and pairings).

    The result is kept for the database as it is (`_db_state`), the last `KEPT_CHECKS` questions:
    the web app's overview, check and unit pages ask the same ones on every visit, and a city's
    check takes seconds. Two requests missing at once both compute it (no one waits on another).
    """
    day = parse_date_option(as_of)
    rules_, today = _rules(rules), today or dt.date.today()
    key = (_db_state(db), year, day, unit, rules_, today)
    with _CHECKED_LOCK:
        kept = _CHECKED.pop(key, None)
        if kept is not None:
            _CHECKED[key] = kept  # the most recently asked is kept longest
            return kept
    with connect(db, read_only=True) as con:
        a = Assessment(con, rules_, unit, today)
        judged = a.plan(year, day)
        result = CheckResult(a.findings(year, day), judged)
    with _CHECKED_LOCK:  # the web app's requests run on several threads
        _CHECKED[key] = result
        while len(_CHECKED) > KEPT_CHECKS:
            _CHECKED.pop(next(iter(_CHECKED)))
    return result


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


# ---------------------------------------------------------------- reports


@dataclass
class ReportResult:
    """The files written (each unit's, then the overview's), each unit's headline figures, the overview."""

    spec: ReportSpec
    paths: list[Path]
    summaries: dict[str, dict]
    overview: Report | None = None


def _report_request(name: str, year: int, quarter: int | None, as_of: dt.date | str | None,
                    today: dt.date | None) -> tuple[ReportSpec, Request]:
    """The report called `name` and what was asked of it, checked (a usage error otherwise)."""
    from tracker.reports.registry import report_spec
    from tracker.reports.spec import Request

    spec = report_spec(name)
    req = Request(year=year, quarter=quarter, as_of=parse_date_option(as_of), today=today or dt.date.today())
    spec.check(req)
    return spec, req


def report(
    db: PathLike | None,
    name: str,
    *,
    year: int,
    quarter: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    out_dir: PathLike | None = None,
    formats: tuple[str, ...] | None = None,
    rules: PathLike | Rules | None = None,
    today: dt.date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    workers: int | None = None,
    templates: PathLike | None = None,
    units: list[str] | None = None,
) -> ReportResult:
    """Make report `name` (see `reports.registry.REPORTS`) for one unit or every unit, and write it
    in `formats` (default: `reports.output.DEFAULT_FORMATS`). `progress(done, total, unit)` is
    called as each file set is written; `workers` processes drawing and writing the files (default: one per core
    for a run of many units). `templates`: a folder of the office's template overrides, searched
    before ./reports/templates and the built-in ones (docs/reports.md, "Your own templates").
    `units` (without `unit`): only these units, and their overview (a supervisor's units)."""
    from tracker.render.env import template_dirs
    from tracker.reports.make import check_formats, make_reports
    from tracker.reports.output import DEFAULT_FORMATS

    spec, req = _report_request(name, year, quarter, as_of, today)
    formats = check_formats(formats or DEFAULT_FORMATS)
    template_dirs(templates)  # a missing --templates folder is a usage error before any work
    if out_dir is not None:
        check_folder(Path(out_dir), "报告文件夹 --out")
    out = Path(out_dir) if out_dir is not None else Path(".")
    with connect(db, read_only=True) as con:
        a = Assessment(con, _rules(rules), unit, req.today)
        made = make_reports(a, spec, req, out, formats, progress=progress, workers=workers,
                            templates=Path(templates) if templates is not None else None, only=units)
    return ReportResult(spec, made.paths, made.summaries, made.overview)


# ---------------------------------------------------------------- certificates


@dataclass
class CertificateResult:
    """The certificates issued (each with its serial and file), and who was skipped for having no service."""

    certificates: list  # certificates.document.Certificate
    paths: list[Path]
    skipped: list[str]
    unmasked: bool


def certificate(
    db: PathLike | None,
    *,
    out: PathLike,
    volunteer: str | None = None,
    unit: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    all_volunteers: bool = False,
    year: int | None = None,
    file_format: str = "html",
    unmask: bool = False,
    rules: PathLike | Rules | None = None,
    templates: PathLike | None = None,
    today: dt.date | None = None,
) -> CertificateResult:
    """Issue 志愿服务记录证明 (docs/certificates.md): one volunteer's (`out` a .html or .docx file), or
    with `all_volunteers` one per volunteer of `unit` who served in `year` (`out` a folder, the files
    in `file_format`: html or docx). Each gets a serial recorded in the database; ID numbers are
    masked unless `unmask`."""
    from tracker.certificates import issue
    from tracker.render.env import template_dirs

    suffix = "." + file_format.strip().lower().lstrip(".")
    if suffix not in (".html", ".docx"):
        raise TrackerError(f"--format 只能是 html 或 docx，而不是“{file_format}”。", code=2)
    day = today or dt.date.today()
    template_dirs(templates)
    with connect(db) as con:
        if all_volunteers:
            if volunteer is not None or start is not None or end is not None:
                raise TrackerError("--all 与 --volunteer、--from、--to 不能同时使用（--all 按 --year 出具全年）。", code=2)
            if unit is None or year is None:
                raise TrackerError("--all 需要同时给出 --unit 单位 和 --year 年度。", code=2)
            done, skipped = issue.issue_all(con, _rules(rules), unit, year, Path(out), suffix=suffix, today=day,
                                            unmask=unmask, templates=templates)
        else:
            if volunteer is None:
                raise TrackerError("请用 --volunteer 姓名或志愿者编号 指定志愿者，或用 --all --unit 单位 --year 年度。",
                                   code=2)
            done = issue.issue_one(con, _rules(rules), volunteer, Path(out), unit=unit,
                                   start=parse_date_option(start, "--from"), end=parse_date_option(end, "--to"),
                                   today=day, unmask=unmask, templates=templates)
            skipped = []
    return CertificateResult([c for c, _ in done], [p for _, p in done], [v.name for v in skipped], unmask)


def verify_certificate(db: PathLike | None, serial: str, *, rules: PathLike | Rules | None = None,
                       today: dt.date | None = None):
    """Check a certificate's serial against the database: issued or not, to whom, the total then and now."""
    from tracker.certificates import issue

    with connect(db, read_only=True) as con:
        return issue.verify(con, _rules(rules), serial, today or dt.date.today())


def build_report(
    db: PathLike | None,
    name: str,
    *,
    year: int,
    quarter: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    rules: PathLike | Rules | None = None,
    today: dt.date | None = None,
) -> Report:
    """One unit's report as data, without writing it (`unit`: the database's only unit if omitted)."""
    from tracker.reports.model import require_data

    spec, req = _report_request(name, year, quarter, as_of, today)
    with connect(db, read_only=True) as con:
        a = Assessment(con, _rules(rules), unit, req.today)
        units = a.units
        if len(units) != 1:
            raise TrackerError(f"数据库中有 {len(units)} 个单位，请用 --unit 指定一个单位。", code=2)
        require_data(a.months_loaded, req.year, units)
        return spec.build(a.unit_view(units[0]), req)


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
    from tracker.exports.forms import FORMS, export_form

    if form not in FORMS:
        raise TrackerError(f"未知的表格“{form}”。可选：{'、'.join(FORMS)}。", code=2)
    with connect(db, read_only=True) as con:
        return export_form(con, form, Path(out), year=year, as_of=parse_date_option(as_of), unit=unit,
                           unmask=unmask)


def export_dataset(db: PathLike | None, out: PathLike, *, year: int | None = None, unit: str | None = None,
                   unmask: bool = False) -> DatasetResult:
    """Write every ledger table as Parquet, partitioned by year, into the folder `out` (docs/dataset.md)."""
    from tracker.exports.dataset import export_dataset as write

    with connect(db, read_only=True) as con:
        if unit is not None:
            queries.select_units(con, unit)  # an unknown unit is a user error
        return write(con, Path(out), year=year, unit=unit, unmask=unmask)


def template(kind: str, out: PathLike) -> Path:
    """Write a blank ledger of KIND (.xlsx with an example row and notes, or .csv)."""
    from tracker.exports.templates import write_template

    return write_template(check_kind(kind), Path(out))


if TYPE_CHECKING:  # 附件1's writers load python-docx: imported when used
    from tracker.exports.application import ApplicationExport


def export_application(
    db: PathLike | None,
    out: PathLike,
    *,
    volunteer: str | None = None,
    every: bool = False,
    unit: str | None = None,
    unmask: bool = False,
    today: dt.date | None = None,
) -> ApplicationExport:
    """附件1 pre-filled for one volunteer or applicant (`volunteer`: name, number or 王丽(1234)) or
    for everyone (`every`), as .docx, .xlsx or one .docx each in a folder (docs/forms.md)."""
    from tracker.exports.application import export_applications

    with connect(db, read_only=True) as con:
        return export_applications(con, Path(out), volunteer=volunteer, every=every, unit=unit, unmask=unmask,
                                   today=today)


# ---------------------------------------------------------------- the review of applications


def review(
    db: PathLike | None,
    *,
    unit: str | None = None,
    approve: Iterable[str] = (),
    date: dt.date | str | None = None,
    today: dt.date | None = None,
    rules: PathLike | Rules | None = None,
    account: str | None = None,
) -> ReviewResult:
    """Approve and register the applicants named (三.1 审核, 登记); with none named, list who
    waits. `limit_days` of the result is the rules' `application_review_days`; `account` is
    recorded with the review as with a load (default: the command line's)."""
    day = parse_date_option(date, "--date")
    limit = _rules(rules).application_review_days  # a bad rules file stops the review before it writes
    with connect(db, create=False) as con:
        result = review_applications(con, unit, list(approve), day, today or dt.date.today(),
                                     account or cli_account())
    result.limit_days = limit
    return result


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


# ---------------------------------------------------------------- accounts and who loads (docs/web.md)


def cli_account() -> str:
    """How a load from the command line is recorded: 命令行（the OS user）."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = "未知用户"
    return f"命令行（{user}）"


def web_account(login: str | None) -> str:
    """How a load from the web app is recorded: 网页（login）, or 网页（本机） without accounts."""
    return f"网页（{login}）" if login else "网页（本机）"


def user_add(db: PathLike | None, login: str, role: str, unit: str | None, password: str) -> Account:
    """Add an account of the web app (the password is stored only as a hash)."""
    with connect(db, create=False) as con:
        return accounts.add_account(con, login, role, unit, password)


def user_list(db: PathLike | None = None) -> list[Account]:
    with connect(db, read_only=True) as con:
        return accounts.list_accounts(con)


def user_passwd(db: PathLike | None, login: str, password: str) -> Account:
    with connect(db, create=False) as con:
        return accounts.set_password(con, login, password)


def user_remove(db: PathLike | None, login: str) -> Account:
    with connect(db, create=False) as con:
        return accounts.remove_account(con, login)


def authenticate(db: PathLike | None, login: str, password: str) -> Account | None:
    """The account when the password is right, else None."""
    with connect(db, read_only=True) as con:
        return accounts.verify(con, login, password)


def account(db: PathLike | None, login: str) -> Account | None:
    with connect(db, read_only=True) as con:
        return accounts.get_account(con, login)


def known_units(db: PathLike | None = None) -> list[str]:
    with connect(db, read_only=True) as con:
        return queries.unit_names(con)


@dataclass(frozen=True)
class ServeSettings:
    """What `tracker serve` needs at start: the cookie key and whether accounts exist."""

    secret: str
    accounts: int
    has_admin: bool


def serve_settings(db: PathLike | None) -> ServeSettings:
    """Create the database if needed and return the server's settings (the key is made once)."""
    with connect(db, create=True) as con:
        return ServeSettings(accounts.web_secret(con), accounts.count_accounts(con), accounts.has_admin(con))


@dataclass(frozen=True)
class Scope:
    """The units an account may see and load for (docs/web.md, "Who may see what").

    `units` None means every unit (an admin, or the single user without accounts);
    a supervisor's are its unit and every unit under it in the 上级单位 tree."""

    role: str  # local | admin | supervisor | unit
    login: str | None = None
    unit: str | None = None
    units: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return self.units is None

    def allows(self, unit: str) -> bool:
        return self.units is None or unit in self.units

    def among(self, names: Iterable[str]) -> list[str]:
        return [u for u in names if self.allows(u)]

    def describe(self) -> str:
        if self.role == "unit":
            return f"单位账户，只能查看和导入“{self.unit}”"
        if self.role == "supervisor":
            return f"上级单位账户，可查看和导入“{self.unit}”及其下属单位"
        return "可查看全部单位"


def _scope_in(con, acct: Account | None) -> Scope:
    if acct is None:
        return Scope("local")
    if acct.role == "admin":
        return Scope("admin", acct.login)
    if acct.role == "unit":
        return Scope("unit", acct.login, acct.unit, frozenset([acct.unit or ""]))
    return Scope("supervisor", acct.login, acct.unit, frozenset(accounts.unit_tree(con, acct.unit or "")))


def scope(db: PathLike | None, acct: Account | None) -> Scope:
    """What `acct` may see (None: the single local user, who sees everything)."""
    with connect(db, read_only=True) as con:
        return _scope_in(con, acct)


def _units_in(con, scope: Scope, unit: str | None = None) -> list[str]:
    """The known units in scope, or just `unit` (an error when it is not one of them)."""
    names = scope.among(queries.unit_names(con))
    if unit is None:
        return names
    if unit not in names:
        raise TrackerError(f"没有单位“{unit}”。")
    return [unit]


# ---------------------------------------------------------------- overview, units, volunteers (docs/web.md)


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


def data_years(db: PathLike | None = None, units: Iterable[str] | None = None) -> list[int]:
    """Years with any ledger month loaded (newest first) for these units."""
    with connect(db, read_only=True) as con:
        months = queries.months_loaded(con)
    if units is not None:
        months = months.filter(pl.col("unit").is_in(list(units)))
    return sorted({int(m[:4]) for m in months["month"].to_list()}, reverse=True)


def _default_year(years: list[int], today: dt.date) -> int:
    return years[0] if years else today.year


def overview(db: PathLike | None, scope: Scope, year: int | None = None, today: dt.date | None = None,
             rules: PathLike | Rules | None = None) -> Overview:
    """Every unit in scope with its volunteers, teams, months loaded and missing, last load and
    the pass / warn / fail counts of `check` for the year (default: the latest with data)."""
    today = today or dt.date.today()
    rules_ = _rules(rules)
    with connect(db, read_only=True) as con:
        names = scope.among(queries.unit_names(con))
        parents = dict(queries.rows(con, "SELECT unit, any_value(parent) FROM units GROUP BY unit"))
    years = data_years(db, names)
    year = year or _default_year(years, today)
    if not names:
        return Overview(year, years, [])
    one = names[0] if len(names) == 1 else None
    stats = {s.unit: s for s in status(db, one, year, today=today, rules=rules_)}
    checked = check(db, year=year, unit=one, rules=rules_, today=today)
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
                rules: PathLike | Rules | None = None) -> UnitDetail:
    """Teams (activities, hours, members, 十有) and volunteers (hours, stars; phones masked)."""
    from tracker.privacy import mask_phone
    from tracker.words import STAR_NAMES

    today = today or dt.date.today()
    view = overview(db, Scope("unit", unit=unit, units=frozenset([unit])), year, today, rules)
    if not view.units:
        raise TrackerError(f"数据库中没有单位“{unit}”。")
    summary = view.units[0]
    with connect(db, read_only=True) as con:
        a = Assessment(con, _rules(rules), unit, today)
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


def search_volunteers(db: PathLike | None, query: str, scope: Scope, year: int | None = None,
                      today: dt.date | None = None, rules: PathLike | Rules | None = None,
                      limit: int = 200) -> list[VolunteerHit]:
    """Volunteers of the units in scope whose name or number contains `query` (all if empty)."""
    from tracker.privacy import mask_phone
    from tracker.words import STAR_NAMES

    today = today or dt.date.today()
    q = (query or "").strip().lower()
    names = scope.among(known_units(db))
    if not names:
        return []
    year = year or _default_year(data_years(db, names), today)
    end = min(today, dt.date(year, 12, 31))
    with connect(db, read_only=True) as con:
        a = Assessment(con, _rules(rules), names[0] if len(names) == 1 else None, today)
        figs = a.over(Period(dt.date(year, 1, 1), end))
        roster = figs.roster.filter(pl.col("unit").is_in(names))
        if q:
            roster = roster.filter(pl.col("name").str.to_lowercase().str.contains(q, literal=True)
                                   | pl.col("number").fill_null("").str.to_lowercase().str.contains(q, literal=True))
        roster = roster.head(limit)
        hours = figs.volunteers.select("vid", "service_hours", "cumulative_hours", "stars")
        rows = roster.join(hours, on="vid", how="left").to_dicts()
    return [VolunteerHit(r["unit"], r["team"], r["number"], r["name"], r["status"], bool(r["active"]),
                         round(float(r["service_hours"] or 0), 1), round(float(r["cumulative_hours"] or 0), 1),
                         int(r["stars"] or 0), STAR_NAMES.get(int(r["stars"] or 0), ""), mask_phone(r["phone"]))
            for r in rows]


# ---------------------------------------------------------------- check findings for the web (docs/web.md)


def check_in(db: PathLike | None, scope: Scope, *, year: int | None = None, as_of: dt.date | str | None = None,
             unit: str | None = None, team: str | None = None, rule: str | None = None,
             level: str | None = None, rules: PathLike | Rules | None = None,
             today: dt.date | None = None) -> CheckResult:
    """`check` for the units in scope (or one of them), narrowed by team, rule and level."""
    with connect(db, read_only=True) as con:
        names = _units_in(con, scope, unit)
    if not names:
        return CheckResult([], {})
    result = check(db, year=year, as_of=as_of, unit=names[0] if len(names) == 1 else None, rules=rules,
                   today=today)
    keep = set(names)
    mine = CheckResult([f for f in result.findings if f.unit in keep],
                       {u: j for u, j in result.judged.items() if u in keep})
    return narrow(mine, team=team, rule=rule, level=level)


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
        names = _units_in(con, scope, unit)
        if not names:
            return day, []
        a = Assessment(con, _rules(rules), names[0] if len(names) == 1 else None, today)
        df = a.over(Period.year_to_date(day)).inactive
    rows = df.filter((pl.col("state") == "inactive") & pl.col("unit").is_in(names)).select(
        "unit", "team", "name", "reason_text", "last_service", "ytd_hours", "ytd_target").to_dicts()
    return day, rows


# ---------------------------------------------------------------- reports made into a folder (docs/web.md)


@dataclass
class ReportRun:
    """Reports made at once into their own folder, with the units they cover (read before serving)."""

    id: str
    name: str
    title: str
    units: list[str]
    made_at: str
    made_by: str
    options: dict
    files: list[str]  # file names inside the run's folder

    @property
    def pages(self) -> list[str]:
        return [f for f in self.files if f.endswith(".html")]


def make_report_run(db: PathLike | None, out_root: PathLike, name: str, scope: Scope, *, year: int,
                    quarter: int | None = None, as_of: dt.date | str | None = None, unit: str | None = None,
                    made_by: str = "", rules: PathLike | Rules | None = None,
                    today: dt.date | None = None) -> ReportRun:
    """Make report `name` for one unit or every unit in scope, in a new folder under `out_root`."""
    import json
    import secrets

    with connect(db, read_only=True) as con:
        names = _units_in(con, scope, unit)
    if not names:
        raise TrackerError("还没有可以生成报告的单位数据。请先导入台账。")
    run_id = secrets.token_hex(8)
    folder = Path(out_root) / run_id
    # one unit; or every unit in scope, with their overview
    made = report(db, name, year=year, quarter=quarter, as_of=as_of, unit=names[0] if len(names) == 1 else None,
                  units=None if scope.everything or len(names) == 1 else names, out_dir=folder, rules=rules,
                  today=today)
    paths = made.paths
    run = ReportRun(run_id, name, made.spec.title, names, dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
                    made_by, {"year": year, "quarter": quarter, "as_of": str(as_of) if as_of else None},
                    [p.name for p in paths])
    (folder / "run.json").write_text(json.dumps(asdict(run), ensure_ascii=False, indent=1), encoding="utf-8")
    return run


def report_runs(out_root: PathLike, scope: Scope) -> list[ReportRun]:
    """The report folders under `out_root` whose units are all in scope, newest first."""
    import json

    runs = []
    root = Path(out_root)
    for manifest in root.glob("*/run.json") if root.is_dir() else []:
        try:
            run = ReportRun(**json.loads(manifest.read_text(encoding="utf-8")))
        except (ValueError, TypeError):
            continue
        if all(scope.allows(u) for u in run.units):
            runs.append(run)
    return sorted(runs, key=lambda r: r.made_at, reverse=True)


def report_run(out_root: PathLike, run_id: str, scope: Scope) -> ReportRun | None:
    """One report folder if it exists and every unit it covers is in scope (else None)."""
    return next((r for r in report_runs(out_root, scope) if r.id == run_id), None)


# ---------------------------------------------------------------- uploads: check first, then store (docs/web.md)


@dataclass
class UploadFile:
    """A file a person sent, with the kind and month they chose (None: guessed)."""

    path: Path
    kind: str | None = None
    month: str | None = None


@dataclass
class UploadedFile:
    name: str
    kind: str | None
    kind_guessed: bool
    month: str | None
    month_guessed: bool
    result: FileResult


@dataclass
class UploadResult:
    files: list[UploadedFile]
    stored: bool  # True when every file was stored; False after a check only

    @property
    def ok(self) -> bool:
        return all(f.result.status != "rejected" for f in self.files)


def _refuse(name: str, kind: str | None, message: str, column: str | None = None,
            value: str | None = None) -> FileResult:
    from tracker.problems import Problem

    return FileResult(name, kind or "", "rejected", problems=[Problem(name, None, column, value, message)])


def upload(
    db: PathLike | None,
    files: list[UploadFile],
    scope: Scope,
    *,
    account: str,
    unit: str | None = None,
    as_of: dt.date | str | None = None,
    replace: bool = False,
    store: bool = False,
    today: dt.date | None = None,
    rules: PathLike | Rules | None = None,
) -> UploadResult:
    """Check a batch of ledger files against a copy of the database and, with `store`, store it.

    The batch is first loaded into a scratch copy, in load order (`ingest.batch`), so a
    roster is checked after the teams file of the same batch. Nothing is stored unless every
    file passes and names only units in `scope` (and, unless the scope is everything, changes
    no unit's 上级单位); then the same files are loaded into the database while the writer lock
    is still held, so nobody can change it in between. A check alone holds the database only
    while it is copied.
    """
    import tempfile

    from tracker.ingest.batch import BatchItem, guess_kind, load_batch

    r = _rules(rules)
    # the page's "替换这几个月的记录" box, ticked, is the user's answer to what a replace deletes
    opts = LoadOptions(unit=unit, as_of=parse_date_option(as_of), replace=replace, today=today or dt.date.today(),
                       confirm=replace, account=account, **_rule_options(r))
    guesses = {f.path: guess_kind(f.path) for f in files}
    with tempfile.TemporaryDirectory(prefix="tracker-check-") as tmp:
        scratch = Path(tmp) / "check.duckdb"
        with connect(db, read_only=not store) as con:
            known = set(queries.unit_names(con))
            parents = dict(queries.rows(con, "SELECT unit, any_value(parent) FROM units GROUP BY unit"))
            early: list[UploadedFile] = []
            items: list[BatchItem] = []
            open_choice: dict[str, tuple[bool, bool]] = {}  # name → (kind guessed, month left to the batch)
            for f in files:
                name, guess = f.path.name, guesses[f.path]
                kind = f.kind or guess.kind
                outside = [u for u in guess.units + ([unit] if unit else []) if u in known and not scope.allows(u)]
                if kind is None:
                    early.append(UploadedFile(name, None, True, f.month, False, _refuse(name, None, guess.message)))
                elif kind not in KINDS:
                    early.append(UploadedFile(name, kind, False, f.month, False,
                                              _refuse(name, kind, f"未知的台账类型“{kind}”。")))
                elif outside:
                    early.append(UploadedFile(name, kind, f.kind is None, f.month, False,
                                              _outside(name, kind, outside[0], scope)))
                else:
                    items.append(BatchItem(f.path, kind, parse_month_option(f.month), guess.file_date))
                    open_choice[name] = (f.kind is None, f.month is None)
            _copy_database(con, db_path(db), scratch, checkpoint=store)
            if not store:
                con.close()  # a check does not keep others waiting
            checked = _trial(scratch, items, opts, scope, known, parents, open_choice)
            result = UploadResult(early + [c for _, c in checked], stored=False)
            if not store or not result.ok or not items:
                return result
            real = load_batch(con, [i for i, _ in checked], opts)
    return UploadResult([UploadedFile(i.label, i.kind, c.kind_guessed, i.month, c.month_guessed, r)
                         for (i, r), (_, c) in zip(real, checked, strict=True)], stored=True)


def _outside(name: str, kind: str, unit: str, scope: Scope) -> FileResult:
    return _refuse(name, kind, f"文件中的单位“{unit}”不在您的账户范围内（{scope.describe()}），不能导入。",
                   "单位名称", unit)


def _copy_database(con, source: Path, dest: Path, *, checkpoint: bool) -> None:
    """A consistent copy: taken while `con` keeps writers out (after a checkpoint when it can write)."""
    import shutil

    if checkpoint:
        con.execute("CHECKPOINT")
    shutil.copyfile(source, dest)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, dest.with_name(dest.name + ".wal"))


def _trial(scratch: Path, items: list, opts: LoadOptions, scope: Scope, known: set[str],
           parents: dict[str, str | None], open_choice: dict[str, tuple[bool, bool]]) -> list:
    """Load the batch into the scratch copy; each file's result as a check (refused when it names
    units outside `scope`, or moves a unit to another 上级单位 without an admin's scope)."""
    from tracker.ingest.batch import load_batch
    from tracker.ingest.pipeline import file_digest

    with connect(scratch) as sc:
        trial = load_batch(sc, items, opts)
        after = _scope_in(sc, accounts.get_account(sc, scope.login) if scope.login else None)
        prev = {r[0]: r[1] for r in queries.rows(sc, "SELECT file_hash, units FROM loads")}
        moved = dict(queries.rows(sc, "SELECT unit, any_value(parent) FROM units GROUP BY unit"))
    out = []
    for item, res in trial:
        names = res.units if res.status != "unchanged" else prev.get(file_digest(item.path), []) or []
        bad = [u for u in names if not scope.allows(u) and (u in known or not after.allows(u))]
        reparented = [u for u in names if parents.get(u) and moved.get(u) != parents[u]]
        if bad:
            res = _outside(item.label, item.kind, bad[0], scope)
        elif reparented and not scope.everything:
            u = reparented[0]
            res = _refuse(item.label, item.kind, f"文件把单位“{u}”的上级单位从“{parents[u]}”改为“{moved.get(u) or '空'}”；"
                          "只有管理员可以修改上级单位，不能导入。", "上级单位", moved.get(u))
        elif res.status == "loaded":
            res.status = "checked"
        kind_guessed, month_open = open_choice[item.label]
        out.append((item, UploadedFile(item.label, item.kind, kind_guessed, item.month,
                                       month_open and item.month is not None, res)))
    return out


@dataclass(frozen=True)
class Visitor:
    """Who a web request comes from: how many accounts exist, the signed-in account, its scope."""

    accounts: int
    account: Account | None
    scope: Scope | None  # None: not signed in


def visitor(db: PathLike | None, login: str | None, stamp: str | None) -> Visitor:
    """The account of a session (its login and password stamp), checked against the database on
    every request: a removed account or a changed password ends the session."""
    with connect(db, read_only=True) as con:
        n = accounts.count_accounts(con)
        acct = accounts.get_account(con, login) if login else None
        if acct is None or acct.stamp != stamp:
            return Visitor(n, None, None)
        return Visitor(n, acct, _scope_in(con, acct))

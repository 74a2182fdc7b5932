"""Reports: made into a folder for the units in scope, built as data, or made by the web into a
folder of their own (docs/reports.md, docs/web.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.api.accounts import LOCAL, Scope, units_in
from tracker.api.common import PathLike, rules_of
from tracker.assess.assessment import Assessment
from tracker.atomic import check_folder
from tracker.options import parse_date_option
from tracker.problems import TrackerError
from tracker.rules import Rules
from tracker.store.db import connect

if TYPE_CHECKING:  # reports load matplotlib and friends: imported when used
    from tracker.reports.model import Report
    from tracker.reports.spec import ReportSpec, Request


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
    scope: Scope = LOCAL,
) -> ReportResult:
    """Make report `name` (see `reports.registry.REPORTS`) for one unit or every unit in `scope`, and
    write it in `formats` (default: `reports.output.DEFAULT_FORMATS`). `progress(done, total, unit)` is
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
        reach = units_in(con, scope, unit)
        only = reach.only if units is None else [u for u in units if reach.keeps(u)]
        if only is not None and len(only) == 1 and unit is None:
            unit, only = only[0], None
        a = Assessment(con, rules_of(rules), unit, req.today)
        made = make_reports(a, spec, req, out, formats, progress=progress, workers=workers,
                            templates=Path(templates) if templates is not None else None,
                            only=None if unit is not None else only)
    return ReportResult(spec, made.paths, made.summaries, made.overview)


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
    scope: Scope = LOCAL,
) -> Report:
    """One unit's report as data, without writing it (`unit`: the only unit in scope if omitted)."""
    from tracker.reports.model import require_data

    spec, req = _report_request(name, year, quarter, as_of, today)
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        if len(reach.names) != 1:
            raise TrackerError(f"数据库中有 {len(reach.names)} 个单位，请用 --unit 指定一个单位。", code=2)
        a = Assessment(con, rules_of(rules), reach.names[0] if not reach.everything else unit, req.today)
        require_data(a.months_loaded, req.year, list(reach.names))
        return spec.build(a.unit_view(reach.names[0]), req)


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
        names = list(units_in(con, scope, unit).names)
    if not names:
        raise TrackerError("还没有可以生成报告的单位数据。请先导入台账。")
    run_id = secrets.token_hex(8)
    folder = Path(out_root) / run_id
    made = report(db, name, year=year, quarter=quarter, as_of=as_of, unit=unit, out_dir=folder, rules=rules,
                  today=today, scope=scope)
    run = ReportRun(run_id, name, made.spec.title, names, dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
                    made_by, {"year": year, "quarter": quarter, "as_of": str(as_of) if as_of else None},
                    [p.name for p in made.paths])
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

"""Documents made from the ledgers: certificates and their verification, the notice's forms,
blank templates, 附件1 pre-filled, and the dataset export (docs/certificates.md, docs/forms.md,
docs/dataset.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.api.accounts import LOCAL, Scope, units_in
from tracker.api.common import PathLike, rules_of
from tracker.api.ledgers import check_kind
from tracker.options import parse_date_option
from tracker.problems import TrackerError
from tracker.rules import Rules
from tracker.store.db import connect

if TYPE_CHECKING:  # the writers load python-docx, xlsxwriter and friends: imported when used
    from tracker.certificates.issue import Verification
    from tracker.exports.application import ApplicationExport
    from tracker.exports.dataset import DatasetResult
    from tracker.exports.forms import ExportResult


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
    scope: Scope = LOCAL,
) -> CertificateResult:
    """Issue 志愿服务记录证明 (docs/certificates.md): one volunteer's (`out` a .html or .docx file), or
    with `all_volunteers` one per volunteer of `unit` who served in `year` (`out` a folder, the files
    in `file_format`: html or docx). Each gets a serial recorded in the database; ID numbers are
    masked unless `unmask`. Only volunteers of units in `scope` are found."""
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
            units_in(con, scope, unit)
            done, skipped = issue.issue_all(con, rules_of(rules), unit, year, Path(out), suffix=suffix, today=day,
                                            unmask=unmask, templates=templates)
        else:
            if volunteer is None:
                raise TrackerError("请用 --volunteer 姓名或志愿者编号 指定志愿者，或用 --all --unit 单位 --year 年度。",
                                   code=2)
            reach = units_in(con, scope, unit)
            done = issue.issue_one(con, rules_of(rules), volunteer, Path(out), unit=unit,
                                   start=parse_date_option(start, "--from"), end=parse_date_option(end, "--to"),
                                   today=day, unmask=unmask, templates=templates, units=reach.only)
            skipped = []
    return CertificateResult([c for c, _ in done], [p for _, p in done], [v.name for v in skipped], unmask)


def verify_certificate(db: PathLike | None, serial: str, *, rules: PathLike | Rules | None = None,
                       today: dt.date | None = None, scope: Scope = LOCAL) -> Verification:
    """Check a certificate's serial against the database: issued or not, to whom, the total then
    and now. A certificate of a unit outside `scope` is answered as not issued."""
    from tracker.certificates import issue

    with connect(db, read_only=True) as con:
        reach = units_in(con, scope)
        return issue.verify(con, rules_of(rules), serial, today or dt.date.today(), units=reach.only)


def export(
    db: PathLike | None,
    form: str,
    out: PathLike,
    *,
    year: int | None = None,
    as_of: dt.date | str | None = None,
    unit: str | None = None,
    unmask: bool = False,
    scope: Scope = LOCAL,
) -> ExportResult:
    """Write the notice's 附件2/3/4 (form: roster | teams | summary) as .xlsx or .csv, for the
    units in `scope` (or `unit`)."""
    from tracker.exports.forms import FORMS, export_form

    if form not in FORMS:
        raise TrackerError(f"未知的表格“{form}”。可选：{'、'.join(FORMS)}。", code=2)
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        return export_form(con, form, Path(out), year=year, as_of=parse_date_option(as_of), unit=unit,
                           unmask=unmask, only=reach.only)


def export_dataset(db: PathLike | None, out: PathLike, *, year: int | None = None, unit: str | None = None,
                   unmask: bool = False, scope: Scope = LOCAL) -> DatasetResult:
    """Write every ledger table as Parquet, partitioned by year, into the folder `out`
    (docs/dataset.md): the rows of the units in `scope` (or of `unit`)."""
    from tracker.exports.dataset import export_dataset as write

    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)  # an unknown unit is a user error
        return write(con, Path(out), year=year, unit=unit, unmask=unmask, units=reach.only)


def template(kind: str, out: PathLike) -> Path:
    """Write a blank ledger of KIND (.xlsx with an example row and notes, or .csv)."""
    from tracker.exports.templates import write_template

    return write_template(check_kind(kind), Path(out))


def export_application(
    db: PathLike | None,
    out: PathLike,
    *,
    volunteer: str | None = None,
    every: bool = False,
    unit: str | None = None,
    unmask: bool = False,
    today: dt.date | None = None,
    scope: Scope = LOCAL,
) -> ApplicationExport:
    """附件1 pre-filled for one volunteer or applicant (`volunteer`: name, number or 王丽(1234)) or
    for everyone (`every`) of the units in `scope`, as .docx, .xlsx or one .docx each in a folder
    (docs/forms.md)."""
    from tracker.exports.application import export_applications

    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        return export_applications(con, Path(out), volunteer=volunteer, every=every, unit=unit, unmask=unmask,
                                   today=today, units=reach.only)

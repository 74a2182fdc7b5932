"""The Python API behind every command: typed arguments in, data out (cf. sqlite-utils' db.py).

    from tracker import api
    api.init("t.duckdb")
    results = api.load("t.duckdb", "roster", ["花名册.xlsx"])
    api.status("t.duckdb")
    checked = api.check("t.duckdb", year=2026)
    made = api.report("t.duckdb", "quarterly", year=2026, quarter=1, out_dir="报告")

One module per capability (docs/architecture.md, "Where does a new command go"); this package
re-exports their public names. Every function that reads or writes a unit's data takes the
caller's `scope` (default `LOCAL`, the command line: every unit) and narrows through
`accounts.units_in`. The CLI (`tracker.cli`) only parses options and prints what these return;
the web app calls the same functions. A user's mistake is a `TrackerError` with a Chinese
message; `DatabaseBusy` (another program holds the file) and `UnknownUnit` (a unit the
database or the scope does not have) are kinds of it.
"""

from __future__ import annotations

from tracker.api.accounts import (
    LOCAL,
    Scope,
    ServeSettings,
    UnitAccounts,
    Visitor,
    account,
    authenticate,
    change_password,
    cli_account,
    known_units,
    scope,
    serve_settings,
    unit_scope,
    user_add,
    user_add_units,
    user_list,
    user_passwd,
    user_remove,
    user_reset,
    visitor,
    web_account,
)
from tracker.api.archive import Archive, volunteer_archive, write_archive
from tracker.api.assessment import (
    KEPT_CHECKS,
    CheckResult,
    RulesResult,
    check,
    check_chunks,
    check_in,
    findings_xlsx,
    narrow,
    reminder_list,
    rules,
)
from tracker.api.awards import (
    AwardDocuments,
    award_documents,
    awards,
    awards_xlsx,
    list_awards,
    points_ranking,
    record_awards,
)
from tracker.api.demo import DemoResult, demo
from tracker.api.documents import (
    CertificateResult,
    certificate,
    export,
    export_application,
    export_dataset,
    template,
    verify_certificate,
)
from tracker.api.history import ConfirmResult, HistoryEntry, confirm, history
from tracker.api.ledgers import (
    backup,
    check_kind,
    check_reason,
    fill_options,
    headers_file,
    init,
    load,
)
from tracker.api.overview import (
    Overview,
    UnitDetail,
    UnitSummary,
    data_years,
    overview,
    unit_detail,
)
from tracker.api.people import VolunteerHit, review, search_volunteers
from tracker.api.platforms import (
    HoursExport,
    LayoutInfo,
    Reconciliation,
    export_hours,
    layouts,
    reconcile,
)
from tracker.api.public import OwnRecord, PublicCertificate, self_query, verify_public
from tracker.api.reports import (
    ReportResult,
    ReportRun,
    build_report,
    make_report_run,
    report,
    report_run,
    report_runs,
)
from tracker.api.signins import (
    SIGNIN_KINDS,
    Closed,
    NewSignIn,
    PublicSignIn,
    SignIn,
    SignInDetail,
    close_signin,
    new_signin,
    public_signin,
    set_base_url,
    sign_in,
    signin_add,
    signin_detail,
    signin_remove,
    signin_sheet,
    signins,
)
from tracker.api.status import UnitStatus, status
from tracker.api.uploads import UploadedFile, UploadFile, UploadResult, upload
from tracker.ingest.context import ReplacePlan
from tracker.ingest.forms import FormKind
from tracker.ingest.kinds import KINDS, MONTHLY_KINDS, kind_name
from tracker.ingest.locks import LOCKED
from tracker.ingest.pipeline import FileResult
from tracker.options import parse_date_option, parse_month_option
from tracker.problems import NotFound, Problem, TrackerError, UnknownUnit
from tracker.store.accounts import ROLES, Account, one_time_password
from tracker.store.db import DatabaseBusy


def now():
    """The time now, to the second (the CLI's and the web's clock for sign-ins)."""
    import datetime as dt

    return dt.datetime.now().replace(microsecond=0)


__all__ = [
    # accounts and access
    "LOCAL", "Scope", "ServeSettings", "Visitor", "Account", "account", "authenticate", "cli_account",
    "known_units", "scope", "serve_settings", "unit_scope", "user_add", "user_list", "user_passwd",
    "user_remove", "user_reset", "user_add_units", "change_password", "UnitAccounts", "visitor", "web_account",
    # ledgers
    "init", "load", "backup", "status", "UnitStatus", "check_kind", "check_reason", "fill_options", "headers_file",
    # confirmed months and the history of changes
    "confirm", "history", "ConfirmResult", "HistoryEntry",
    "upload", "UploadFile", "UploadedFile", "UploadResult", "FileResult", "ReplacePlan", "FormKind",
    "KINDS", "MONTHLY_KINDS", "kind_name", "LOCKED",
    # assessment
    "check", "check_chunks", "check_in", "narrow", "findings_xlsx", "reminder_list", "CheckResult", "KEPT_CHECKS",
    "rules", "RulesResult",
    # reports
    "report", "build_report", "ReportResult", "make_report_run", "report_runs", "report_run", "ReportRun",
    # documents
    "certificate", "verify_certificate", "CertificateResult", "export", "export_dataset", "export_application",
    "template",
    # people, the web's pages
    "review", "search_volunteers", "VolunteerHit", "volunteer_archive", "write_archive", "Archive", "overview", "unit_detail", "data_years", "Overview",
    "UnitDetail", "UnitSummary",
    # sign-ins at an activity, and the public phone page
    "new_signin", "signins", "signin_detail", "signin_sheet", "signin_add", "signin_remove", "close_signin",
    "public_signin", "sign_in", "set_base_url", "now", "SignIn", "NewSignIn", "SignInDetail", "Closed", "PublicSignIn", "SIGNIN_KINDS",
    # hours to and from the volunteer platforms
    "export_hours", "reconcile", "layouts", "HoursExport", "Reconciliation", "LayoutInfo",
    # year-end commendation
    "awards", "awards_xlsx", "record_awards", "list_awards", "award_documents", "AwardDocuments", "points_ranking",
    # the public self-query and certificate check
    "self_query", "verify_public", "OwnRecord", "PublicCertificate",
    # the demo
    "demo", "DemoResult",
    # options and errors
    "ROLES", "one_time_password", "parse_date_option", "parse_month_option", "Problem", "TrackerError", "NotFound", "UnknownUnit", "DatabaseBusy",
]

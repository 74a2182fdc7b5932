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

The names are imported on first use (PEP 562): `tracker load` reads files without importing the
reports, the web app or the password hasher, and every command starts a fifth of a second sooner.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# where each public name lives: module (under tracker.) -> names
_FROM: dict[str, tuple[str, ...]] = {
    "api.accounts": ("LOCAL", "Scope", "ServeSettings", "UnitAccounts", "Visitor", "account", "authenticate",
        "change_password", "cli_account", "known_units", "scope", "serve_settings", "unit_scope", "user_add",
        "user_add_units", "user_list", "user_passwd", "user_remove", "user_reset", "visitor", "web_account"),
    "api.archive": ("Archive", "volunteer_archive", "write_archive"),
    "api.assessment": ("KEPT_CHECKS", "CheckResult", "RulesResult", "check", "check_chunks", "check_in",
        "findings_xlsx", "narrow", "reminder_list", "rules"),
    "api.awards": ("AwardDocuments", "award_documents", "awards", "awards_xlsx", "list_awards",
        "points_ranking", "record_awards"),
    "api.demo": ("DemoResult", "demo"),
    "api.documents": ("CertificateResult", "certificate", "export", "export_application", "export_dataset",
        "template", "verify_certificate"),
    "api.history": ("ConfirmResult", "HistoryEntry", "confirm", "history"),
    "api.ledgers": ("backup", "check_kind", "check_reason", "fill_options", "headers_file", "init", "load"),
    "api.overview": ("Overview", "UnitDetail", "UnitSummary", "data_years", "overview", "unit_detail"),
    "api.people": ("VolunteerHit", "review", "search_volunteers"),
    "api.platforms": ("HoursExport", "LayoutInfo", "Reconciliation", "export_hours", "layouts", "reconcile"),
    "api.public": ("OwnRecord", "PublicCertificate", "self_query", "verify_public"),
    "api.reports": ("ReportResult", "ReportRun", "build_report", "make_report_run", "report", "report_run",
        "report_runs"),
    "api.signins": ("SIGNIN_KINDS", "Closed", "NewSignIn", "PublicSignIn", "SignIn", "SignInDetail",
        "close_signin", "new_signin", "public_signin", "set_base_url", "sign_in", "signin_add",
        "signin_detail", "signin_remove", "signin_sheet", "signins"),
    "api.status": ("UnitStatus", "status"),
    "api.uploads": ("UploadedFile", "UploadFile", "UploadResult", "upload"),
    "ingest.context": ("ReplacePlan",),
    "ingest.forms": ("FormKind",),
    "ingest.kinds": ("KINDS", "MONTHLY_KINDS", "kind_name"),
    "ingest.locks": ("LOCKED",),
    "ingest.pipeline": ("FileResult",),
    "options": ("parse_date_option", "parse_month_option"),
    "problems": ("NotFound", "Problem", "TrackerError", "UnknownUnit"),
    "store.accounts": ("ROLES", "Account", "one_time_password"),
    "store.db": ("DatabaseBusy",),
}
_WHERE = {name: module for module, names in _FROM.items() for name in names}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is asked for (then kept here)."""
    module = _WHERE.get(name)
    if module is None:
        try:  # a submodule (`api.common`) reached as an attribute
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"tracker.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


class _Api(types.ModuleType):
    """Importing `tracker.api.history` binds the package's `history` to that module; the public
    function of that name wins (as it did when every name was imported here)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _WHERE and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Api


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

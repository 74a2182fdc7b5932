"""Access is decided in one place: every public API function that touches a unit's data takes the
caller's scope, and with one unit's scope nothing of another unit comes back (docs/architecture.md,
"Access").

Every public callable of `tracker.api` is either called here, with a scope, in CALLS, or named in
NO_UNIT_DATA with the reason it reads no unit's data. A new function that takes a scope but has no
call here fails `test_every_public_function_is_called_or_says_why_not`; one that forgets to narrow
fails the crawl, which runs every call with each unit's scope and reads everything it returns —
the values, the messages and every file it writes — for the other unit's name and people.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import webtown as town

from tracker import api

YEAR = 2025


@dataclasses.dataclass
class Ctx:
    db: Path
    tmp: Path
    scope: api.Scope
    mine: str  # the unit the scope reaches
    other: str  # the unit it must not
    mine_person: str
    other_person: str
    serial_other: str  # a certificate issued to the other unit's volunteer
    mine_team: str = ""
    other_signin: str = ""  # a sign-in of the other unit
    mine_person_key: str = ""  # the archive's address of a person of the unit


Call = Callable[[Ctx], object]


def _ledger(ctx: Ctx, unit: str) -> Path:
    """A ledger file of `unit`: the hospital's activities, or a demo month of the blood station."""
    if unit == town.HOSPITAL:
        return town.hospital_files(ctx.tmp / "files")["activities"]
    return next(iter(sorted((ctx.db.parent / "ledgers").glob("活动登记簿-2025-04*"))))


def _district(unit: str) -> str:
    return town.BUREAU if unit == town.BLOOD else town.DISTRICT


def _awarded_other(ctx: Ctx) -> bool:
    """The other unit's volunteer awarded (by the whole database's administrator)."""
    api.record_awards(ctx.db, year=YEAR, award="优秀党员志愿者", who=[ctx.other_person], unit=ctx.other,
                      today=town.TODAY)
    return True


def _everyones_hours(ctx: Ctx):
    """A platform's file holding both units' hours: reconciling it with one unit's scope must not name the
    other unit's people (its rows are left unmatched, without their names)."""
    path = ctx.tmp.parent / f"{ctx.tmp.name}-platform.xlsx"
    api.export_hours(ctx.db, layout="volunteer-totals", year=YEAR, out=path, unmask=True)
    return path


CALLS: dict[str, list[Call]] = {
    "known_units": [lambda c: api.known_units(c.db, scope=c.scope)],
    "status": [lambda c: api.status(c.db, scope=c.scope), lambda c: api.status(c.db, c.other, scope=c.scope),
               lambda c: api.status(c.db, year=YEAR, scope=c.scope)],
    "check": [lambda c: api.check(c.db, year=YEAR, today=town.TODAY, scope=c.scope),
              lambda c: api.check(c.db, year=YEAR, unit=c.other, scope=c.scope)],
    "check_chunks": [lambda c: list(api.check_chunks(c.db, year=YEAR, today=town.TODAY, scope=c.scope)),
                     lambda c: list(api.check_chunks(c.db, year=YEAR, unit=c.other, scope=c.scope))],
    "check_in": [lambda c: api.check_in(c.db, c.scope, year=YEAR, today=town.TODAY),
                 lambda c: api.check_in(c.db, c.scope, unit=c.other)],
    "reminder_list": [lambda c: api.reminder_list(c.db, c.scope, f"{YEAR}-06-30", today=town.TODAY),
                      lambda c: api.reminder_list(c.db, c.scope, f"{YEAR}-06-30", c.other)],
    "overview": [lambda c: api.overview(c.db, c.scope, YEAR, town.TODAY)],
    "unit_detail": [lambda c: api.unit_detail(c.db, c.mine, YEAR, town.TODAY, scope=c.scope),
                    lambda c: api.unit_detail(c.db, c.other, YEAR, town.TODAY, scope=c.scope)],
    "data_years": [lambda c: api.data_years(c.db, scope=c.scope)],
    "search_volunteers": [lambda c: api.search_volunteers(c.db, "", c.scope, YEAR, town.TODAY)],
    "report": [lambda c: api.report(c.db, "annual", year=YEAR, out_dir=c.tmp / "r", today=town.TODAY,
                                    scope=c.scope),
               lambda c: api.report(c.db, "quarterly", year=YEAR, quarter=1, unit=c.other, out_dir=c.tmp / "r2",
                                    scope=c.scope)],
    "build_report": [lambda c: api.build_report(c.db, "annual", year=YEAR, today=town.TODAY, scope=c.scope),
                     lambda c: api.build_report(c.db, "annual", year=YEAR, unit=c.other, scope=c.scope)],
    "make_report_run": [lambda c: api.make_report_run(c.db, c.tmp / "runs", "annual", c.scope, year=YEAR,
                                                      today=town.TODAY)],
    "report_runs": [lambda c: api.report_runs(c.tmp / "all-runs", c.scope)],
    "report_run": [lambda c: [api.report_run(c.tmp / "all-runs", r.id, c.scope)
                              for r in api.report_runs(c.tmp / "all-runs", api.LOCAL)]],
    "certificate": [lambda c: api.certificate(c.db, out=c.tmp / "c.html", volunteer=c.mine_person,
                                              today=town.TODAY, scope=c.scope),
                    lambda c: api.certificate(c.db, out=c.tmp / "c", all_volunteers=True, unit=c.other, year=YEAR,
                                              today=town.TODAY, scope=c.scope)],
    "verify_certificate": [lambda c: api.verify_certificate(c.db, c.serial_other, today=town.TODAY, scope=c.scope)],
    "export": [lambda c, form=form: api.export(c.db, form, c.tmp / f"{form}.xlsx", year=YEAR, scope=c.scope)
               for form in ("roster", "teams", "summary")]
              + [lambda c: api.export(c.db, "roster", c.tmp / "x.xlsx", unit=c.other, scope=c.scope)],
    "export_dataset": [lambda c: api.export_dataset(c.db, c.tmp / "ds", unmask=True, scope=c.scope)],
    "export_application": [lambda c: api.export_application(c.db, c.tmp / "apps", every=True, unmask=True,
                                                            today=town.TODAY, scope=c.scope)],
    "review": [lambda c: api.review(c.db, today=town.TODAY, scope=c.scope),
               lambda c: api.review(c.db, unit=c.other, today=town.TODAY, scope=c.scope)],
    "load": [lambda c: api.load(c.db, "activities", [_ledger(c, c.other)], today=town.TODAY, scope=c.scope)],
    "upload": [lambda c: api.upload(c.db, [api.UploadFile(_ledger(c, c.other), "activities")], c.scope,
                                    account="网页（测试）", store=True, today=town.TODAY, replace=True),
               lambda c: api.upload(c.db, [api.UploadFile(_ledger(c, c.mine), "activities")], c.scope,
                                    account="网页（测试）", unit=c.other, today=town.TODAY)],
    "backup": [lambda c: api.backup(c.db, c.tmp / "b.duckdb", scope=c.scope)],
    "confirm": [lambda c: api.confirm(c.db, unit=None, month="2025-03", today=town.TODAY, scope=c.scope),
                lambda c: api.confirm(c.db, unit=c.other, month="2025-03", today=town.TODAY, scope=c.scope)],
    "new_signin": [lambda c: api.new_signin(c.db, unit=None, team=c.mine_team, title="t", date="2025-06-01",
                                            start="09:00", end="10:00", out=c.tmp / "s.html", scope=c.scope),
                   lambda c: api.new_signin(c.db, unit=c.other, team="x", title="t", date="2025-06-01",
                                            start="09:00", end="10:00", scope=c.scope)],
    "signins": [lambda c: api.signins(c.db, scope=c.scope)],
    "signin_detail": [lambda c: api.signin_detail(c.db, c.other_signin, scope=c.scope)],
    "signin_sheet": [lambda c: api.signin_sheet(c.db, c.other_signin, c.tmp / "o.html", scope=c.scope)],
    "signin_add": [lambda c: api.signin_add(c.db, c.other_signin, [c.mine_person], scope=c.scope)],
    "signin_remove": [lambda c: api.signin_remove(c.db, c.other_signin, [c.mine_person], scope=c.scope)],
    "close_signin": [lambda c: api.close_signin(c.db, c.other_signin, today=town.TODAY, scope=c.scope)],
    "volunteer_archive": [lambda c: api.volunteer_archive(c.db, c.mine_person_key, scope=c.scope),
                          lambda c: api.volunteer_archive(c.db, c.other_person, scope=c.scope)],
    "export_hours": [lambda c: api.export_hours(c.db, layout="generic", year=YEAR, out=c.tmp / "h.xlsx", unmask=True,
                                                scope=c.scope),
                     lambda c: api.export_hours(c.db, layout="generic", year=YEAR, unit=c.other, out=c.tmp / "h2.xlsx",
                                                unmask=True, scope=c.scope)],
    "reconcile": [lambda c: api.reconcile(c.db, _everyones_hours(c), layout="volunteer-totals", year=YEAR,
                                          unmask=True, scope=c.scope)],
    "awards": [lambda c: api.awards(c.db, year=YEAR, today=town.TODAY, scope=c.scope),
               lambda c: api.awards(c.db, year=YEAR, unit=c.other, today=town.TODAY, scope=c.scope),
               lambda c: api.awards(c.db, year=YEAR, district=_district(c.other), today=town.TODAY, scope=c.scope)],
    "points_ranking": [lambda c: api.points_ranking(c.db, year=YEAR, today=town.TODAY, scope=c.scope),
                       lambda c: api.points_ranking(c.db, year=YEAR, district=_district(c.other), today=town.TODAY,
                                                    scope=c.scope)],
    "record_awards": [lambda c: api.record_awards(c.db, year=YEAR, award="优秀党员志愿者", who=[c.other_person],
                                                  today=town.TODAY, scope=c.scope)],
    "list_awards": [lambda c: _awarded_other(c) and api.list_awards(c.db, year=YEAR, scope=c.scope)],
    "award_documents": [lambda c: _awarded_other(c) and api.award_documents(c.db, year=YEAR, out=c.tmp / "aw",
                                                                            today=town.TODAY, scope=c.scope)],
    "history": [lambda c: api.history(c.db, scope=c.scope),
                lambda c: api.history(c.db, month="2025-03", scope=c.scope),
                lambda c: api.history(c.db, unit=c.other, scope=c.scope),
                lambda c: api.history(c.db, volunteer=c.other_person, scope=c.scope)],
}

# public callables that read no unit's data, and why
NO_UNIT_DATA = {
    "init": "creates or migrates the database file",
    "rules": "the rules file",
    "template": "a blank ledger",
    "demo": "builds its own synthetic database",
    "check_kind": "a ledger kind's name",
    "check_reason": "a --reason's text",
    "kind_name": "a ledger kind's name",
    "fill_options": "--team/--title values",
    "headers_file": "a user's header names",
    "parse_date_option": "an option's text",
    "parse_month_option": "an option's text",
    "narrow": "filters a CheckResult the caller already has (by team, rule, level)",
    "findings_xlsx": "writes a CheckResult the caller already has",
    "cli_account": "the OS user's name",
    "web_account": "a login's label",
    "serve_settings": "the server's key and whether accounts exist",
    "user_add": "accounts (an administrator's command)",
    "user_list": "accounts (an administrator's command)",
    "user_passwd": "accounts (an administrator's command)",
    "user_remove": "accounts (an administrator's command)",
    "authenticate": "checks a password",
    "account": "reads an account",
    "visitor": "the account of a session and its scope",
    "scope": "the scope of an account",
    "unit_scope": "makes a scope",
    "user_reset": "accounts (an administrator's command)",
    "user_add_units": "accounts (an administrator's command): unit names, their logins and passwords",
    "change_password": "an account's own password",
    "one_time_password": "a random password",
    "write_archive": "writes an Archive the caller already has",
    "awards_xlsx": "writes candidates the caller already has",
    "self_query": "public: a person's own figures for their name and full mobile number, else nothing",
    "verify_public": "public: a certificate's masked name, unit, period and hours for its serial",
    "now": "the clock",
    "layouts": "the platforms' layouts",
    "set_base_url": "the address phones open (a server setting)",
    # public pages (docs/signin.md): they show a sign-in's title, date and place, and say only whether a
    # name with four digits matched — tested in tests/test_signins.py
    "public_signin": "public: the activity of a sign-in code, nothing of its people",
    "sign_in": "public: signs one person in when their name and digits match, else a neutral refusal",
}


def _public_callables() -> dict[str, object]:
    return {n: getattr(api, n) for n in api.__all__
            if callable(getattr(api, n)) and not isinstance(getattr(api, n), type)}


def test_every_public_function_is_called_or_says_why_not():
    public = _public_callables()
    for name, fn in public.items():
        takes = "scope" in inspect.signature(fn).parameters
        if takes:
            assert name in CALLS, f"api.{name} takes a scope: add its calls to CALLS"
        else:
            assert name in NO_UNIT_DATA, (f"api.{name} takes no scope: if it reads a unit's data it must take "
                                          "one (narrowed by accounts.units_in), else say why in NO_UNIT_DATA")
    assert set(CALLS) <= set(public) and set(NO_UNIT_DATA) <= set(public)


# ---------------------------------------------------------------- the crawl


def _text(value: object, seen: set[int] | None = None) -> str:
    """Everything a caller gets: values, messages and the contents of every file or folder named."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return ""
    seen.add(id(value))
    if isinstance(value, Path):
        return _file_text(value)
    if isinstance(value, BaseException):
        return str(value) + " ".join(p.message + str(p.value) for p in getattr(value, "problems", []))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return " ".join(_text(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    if isinstance(value, dict) or hasattr(value, "items"):
        return " ".join(f"{_text(k, seen)} {_text(v, seen)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return " ".join(_text(v, seen) for v in value)
    if hasattr(value, "to_dicts"):  # a polars frame
        return json.dumps(value.to_dicts(), ensure_ascii=False, default=str)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return " ".join(_text(v, seen) for v in vars(value).values())
    return str(value)


def _file_text(path: Path) -> str:
    if path.is_dir():
        return " ".join(_file_text(p) for p in sorted(path.rglob("*")) if p.is_file())
    if not path.is_file():
        return str(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        return " ".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    if suffix == ".docx":
        import docx

        d = docx.Document(str(path))
        cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
        return " ".join([p.text for p in d.paragraphs] + cells)
    if suffix == ".parquet":
        import duckdb

        return json.dumps(duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall(), ensure_ascii=False,
                          default=str)
    if suffix in (".html", ".csv", ".json", ".svg", ".txt"):
        return path.read_text(encoding="utf-8", errors="replace")
    return path.name


@pytest.fixture(scope="module")
def town_db(tmp_path_factory) -> Path:
    db = town.build(tmp_path_factory.mktemp("scope-town"), accounts=False)
    return db


@pytest.fixture(scope="module")
def other_people(town_db) -> dict[str, list[str]]:
    """Per unit, its volunteers' names (read with the local scope)."""
    hits = api.search_volunteers(town_db, "", api.LOCAL, YEAR, town.TODAY)
    out: dict[str, list[str]] = {}
    for h in hits:
        out.setdefault(h.unit, []).append(h.name)
    assert set(out) == {town.BLOOD, town.HOSPITAL}
    return out


def _ctx(town_db: Path, tmp: Path, mine: str, people: dict[str, list[str]]) -> Ctx:
    """A fresh copy of the town, with a certificate of the other unit issued and a report run of both."""
    db = town.copy_db(town_db, tmp / "db")
    ledgers = town_db.parent / "ledgers"
    if ledgers.is_dir() and not (db.parent / "ledgers").exists():
        shutil.copytree(ledgers, db.parent / "ledgers")
    other = town.HOSPITAL if mine == town.BLOOD else town.BLOOD
    made = api.certificate(db, out=tmp / "other-cert.html", volunteer=people[other][0], unit=other,
                           today=town.TODAY)
    api.make_report_run(db, tmp / "all-runs", "quarterly", api.LOCAL, year=YEAR, quarter=1, today=town.TODAY)
    (tmp / "other-cert.html").unlink()
    teams = {town.BLOOD: "检验队", town.HOSPITAL: "医院党员志愿服务队"}
    other_signin = api.new_signin(db, unit=other, team=teams[other], title="另一单位的活动", date="2025-06-01",
                                  start="09:00", end="10:00").signin.code
    api.signin_add(db, other_signin, [people[other][0]])
    key = next(h.key for h in api.search_volunteers(db, people[mine][0], api.LOCAL) if h.unit == mine)
    return Ctx(db, tmp, api.unit_scope(mine), mine, other, people[mine][0], people[other][0],
               made.certificates[0].serial, teams[mine], other_signin, key)


CASES = [(name, i) for name, calls in CALLS.items() for i in range(len(calls))]


WRITES = {"load", "upload"}  # their files name the other unit themselves: refused, and nothing changes


@pytest.mark.parametrize("mine", [town.HOSPITAL, town.BLOOD], ids=["hospital", "blood"])
@pytest.mark.parametrize(("name", "i"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_a_units_scope_gets_nothing_of_the_other_unit(name, i, mine, town_db, other_people, tmp_path):
    ctx = _ctx(town_db, tmp_path, mine, other_people)
    before = _fingerprint(ctx.db)
    try:
        got = CALLS[name][i](ctx)
    except api.TrackerError as e:  # refused (another unit asked for, or the whole database): fine, if it says nothing
        got = e
    if name in WRITES:
        refused = isinstance(got, api.TrackerError) or (isinstance(got, list) and all(
            r.status == "rejected" for r in got)) or (isinstance(got, api.UploadResult) and not got.stored)
        assert refused, f"api.{name} with {mine}'s scope took the other unit's file"
        assert _fingerprint(ctx.db) == before
        return
    if name == "reconcile" and not isinstance(got, Exception):  # the file's own unmatched rows name whom it names
        assert got.unmatched, "the other unit's rows of the file are unmatched"
        got = dataclasses.replace(got, unmatched=[{k: v for k, v in r.items() if k != "name"} for r in got.unmatched])
    seen = _text(got) + " " + " ".join(_file_text(p) for p in ctx.tmp.iterdir()
                                        if p.name not in ("db", "all-runs", "files"))
    if isinstance(got, api.TrackerError):  # a refusal repeats the unit or person asked for, nothing else of them
        seen = seen.replace(f"“{ctx.other}”", "", 1).replace(f"“{ctx.other_person}”", "", 1)
    leaked = [w for w in [ctx.other, *other_people[ctx.other]] if w in seen]
    assert not leaked, f"api.{name} with {mine}'s scope shows {leaked}"


def _fingerprint(db: Path) -> str:
    from conftest import db_fingerprint

    return db_fingerprint(db)


def test_the_crawl_can_fail(town_db, other_people, tmp_path):
    """Guards the test itself: the local scope (every unit) does show the other unit."""
    ctx = _ctx(town_db, tmp_path, town.HOSPITAL, other_people)
    ctx = dataclasses.replace(ctx, scope=api.LOCAL)
    assert town.BLOOD in _text(CALLS["status"][0](ctx))
    assert any(p in _text(CALLS["search_volunteers"][0](ctx)) for p in other_people[town.BLOOD])


def test_loads_and_uploads_for_another_unit_are_refused_and_change_nothing(town_db, other_people, tmp_path):
    ctx = _ctx(town_db, tmp_path, town.HOSPITAL, other_people)
    before = _fingerprint(ctx.db)
    (res,) = api.load(ctx.db, "activities", [_ledger(ctx, town.BLOOD)], today=town.TODAY, scope=ctx.scope)
    assert res.status == "rejected" and "不在您的账户范围内" in " ".join(p.message for p in res.problems)
    up = api.upload(ctx.db, [api.UploadFile(_ledger(ctx, town.BLOOD), "activities")], ctx.scope,
                    account="网页（测试）", store=True, today=town.TODAY)
    assert not up.stored and not up.ok
    assert _fingerprint(ctx.db) == before

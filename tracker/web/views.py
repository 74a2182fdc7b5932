"""The pages: overview, unit, upload, check, reports, forms, volunteers (docs/web.md, "Pages").

Each handler takes the request and the visitor (`app.Who`), reads through
`tracker.api` and lays the result out; a unit the visitor may not see is a 404.
"""

from __future__ import annotations

import heapq
import re
import secrets
import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from tracker import api
from tracker.assess.checks import RULE_TITLES
from tracker.exports.forms import FORMS
from tracker.ingest.kinds import KINDS, MONTHLY_KINDS
from tracker.reports.registry import REPORTS
from tracker.web.awards import unit_awards
from tracker.web.common import (
    MAX_FILES,
    Staged,
    Who,
    call,
    cfg,
    checked_form,
    discard_stale,
    int_arg,
    page,
)
from tracker.words import LEVEL_WORDS, LEVELS

FORM_TITLES = {"roster": "附件2 志愿者花名册", "teams": "附件3 服务队登记表", "summary": "附件4 组队情况汇总表"}
UPLOAD_SUFFIXES = {".xlsx", ".xls", ".xlsm", ".csv"}
# the CLI's words in engine messages, said as the upload page says them
PAGE_WORDS = (("--unit 指定的", "页面上选择的单位"), ("--unit", "“单位”选项"), ("--month", "“上报月份”"),
              ("--as-of", "“文件日期”"), ("--replace", "“替换这几个月的记录”"),
              ("tracker load units", "导入单位表"), ("tracker load teams", "导入服务队登记表"),
              ("tracker load roster", "导入花名册"),
              ('请加 --reason "更正原因" 重新导入', "请在下方“更正原因”中写明原因后重新检查"),
              ("（tracker history）", "（“修改记录”页）"))


def page_words(text: str) -> str:
    for cli_word, page_word in PAGE_WORDS:
        text = text.replace(cli_word, page_word)
    return text


async def known(request: Request, w: Who) -> list[str]:
    """The units the visitor's account reaches."""
    c = cfg(request)
    return await call(request, lambda: api.known_units(c.db, scope=w.scope))


def unit_arg(value: str | None) -> str | None:
    """A unit named in a URL or form ("" or none: every unit the account reaches); whether the
    account may see it is the API's to decide (`api.units_in`: UnknownUnit, a 404)."""
    return value or None


# ---------------------------------------------------------------- 首页, unit page


async def overview(request: Request, w: Who) -> Response:
    c = cfg(request)
    year = int_arg(request.query_params.get("year"), 1901, 2999)
    view = await call(request, lambda: api.overview(c.db, w.scope, year, c.today(), c.rules))
    totals = {
        "units": len(view.units),
        "volunteers": sum(u.status.volunteers for u in view.units),
        "teams": sum(u.status.teams for u in view.units),
        "fail": sum(u.counts["fail"] for u in view.units),
        "warn": sum(u.counts["warn"] for u in view.units),
    }
    return page(request, "overview.html", title="首页", view=view, totals=totals, monthly=MONTHLY_KINDS,
                kind_names={k: KINDS[k].name for k in KINDS})


async def unit_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    unit = request.path_params["unit"]
    year = int_arg(request.query_params.get("year"), 1901, 2999)
    detail = await call(request, lambda: api.unit_detail(c.db, unit, year, c.today(), c.rules, scope=w.scope))
    loads = list(reversed(detail.summary.status.loads))  # newest first
    confirmed = request.query_params.get("confirmed") or ""
    honours = await unit_awards(request, w, unit, detail.year)
    return page(request, "unit.html", title=unit, d=detail, s=detail.summary, loads=loads, monthly=MONTHLY_KINDS,
                honours=honours,
                kind_names={k: KINDS[k].name for k in KINDS},
                confirmed=confirmed if confirmed in sum(detail.summary.status.confirmed.values(), []) else "")


# ---------------------------------------------------------------- 导入台账


def _upload_context(w: Who, units: list[str]) -> dict:
    return {"units": units, "fixed_unit": w.scope.unit if w.scope.role == "unit" else None,
            "kinds": {k: KINDS[k].name for k in KINDS}, "monthly": MONTHLY_KINDS}


async def upload_page(request: Request, w: Who) -> Response:
    return page(request, "upload.html", title="导入台账", **_upload_context(w, await known(request, w)),
                max_mb=cfg(request).max_upload / 1024 / 1024)


def _safe_name(name: str, taken: set[str]) -> str:
    """The uploaded file's own name (the loads table and messages show it), made safe as a path."""
    base = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", Path(name or "文件").name).strip(". ") or "文件"
    stem, suffix = Path(base).stem, Path(base).suffix
    out, n = base, 2
    while out in taken:
        out, n = f"{stem}({n}){suffix}", n + 1
    taken.add(out)
    return out


async def upload_submit(request: Request, w: Who) -> Response:
    """Files dropped or chosen: keep them, then check them (nothing is stored yet)."""
    c = cfg(request)
    discard_stale(c)
    form = await checked_form(request, max_files=MAX_FILES, max_part_size=64 * 1024)
    files = [f for f in form.getlist("files") if hasattr(f, "filename") and f.filename]
    if not files:
        return await _upload_again(request, w, "请先选择或拖入要导入的台账文件。")
    wrong = [f.filename for f in files if Path(f.filename).suffix.lower() not in UPLOAD_SUFFIXES]
    if wrong:
        return await _upload_again(request, w, f"不能导入这种文件：{'、'.join(wrong)}。请上传 .xlsx、.xls 或 .csv 台账。")
    token = secrets.token_urlsafe(16)
    folder = Path(tempfile.mkdtemp(prefix=f"{token[:8]}-", dir=c.stage_root))
    taken: set[str] = set()
    names = []
    for f in files:
        name = _safe_name(f.filename, taken)
        with (folder / name).open("wb") as out:
            shutil.copyfileobj(f.file, out)
        await f.close()
        names.append(name)
    c.staged[token] = Staged(folder, w.login, names)
    options = {"unit": str(form.get("unit") or ""), "as_of": str(form.get("as_of") or ""),
               "replace": bool(form.get("replace")), "reason": str(form.get("reason") or "").strip()[:500]}
    return await _check_staged(request, w, token, options, {}, {})


async def _upload_again(request: Request, w: Who, error: str) -> Response:
    return page(request, "upload.html", 400, title="导入台账", error=error, **_upload_context(w, await known(request, w)),
                max_mb=cfg(request).max_upload / 1024 / 1024)


def _staged(request: Request, w: Who) -> tuple[str, Staged]:
    token = request.path_params["token"]
    s = cfg(request).staged.get(token)
    if s is None or s.owner != w.login:
        raise HTTPException(404)
    return token, s


async def _check_staged(request: Request, w: Who, token: str, options: dict, kinds: dict[int, str],
                        months: dict[int, str], store: bool = False) -> Response:
    c = cfg(request)
    s = c.staged[token]
    unit = options["unit"] or (w.scope.unit if w.scope.role == "unit" else None)
    files = [api.UploadFile(s.folder / n, kinds.get(i) or None, months.get(i) or None) for i, n in enumerate(s.names)]
    result = await call(request, lambda: api.upload(
        c.db, files, w.scope, account=w.load_account, unit=unit, as_of=options["as_of"] or None,
        replace=options["replace"], store=store, today=c.today(), rules=c.rules, reason=options["reason"] or None),
                        write=store)
    if result.stored:
        shutil.rmtree(s.folder, ignore_errors=True)
        c.staged.pop(token, None)
    order = {n: i for i, n in enumerate(s.names)}
    rows = [(order[f.name], f) for f in result.files]
    problems = [(f.name, p, page_words(p.message)) for _, f in rows for p in f.result.problems]
    locked = any(api.LOCKED in p.message for _, f in rows for p in f.result.problems)
    return page(request, "upload_result.html", title="导入台账", token=token, rows=rows, result=result,
                problems=problems, options=options, needs_reason=locked or bool(options["reason"]), **_upload_context(w, await known(request, w)),
                words=page_words)


async def upload_action(request: Request, w: Who) -> Response:
    """重新检查 with the kinds and months chosen, 确认导入, or 放弃."""
    token, s = _staged(request, w)
    form = await checked_form(request)
    action = form.get("action")
    if action == "discard":
        shutil.rmtree(s.folder, ignore_errors=True)
        cfg(request).staged.pop(token, None)
        return RedirectResponse("/upload", 303)
    kinds = {i: str(form.get(f"kind_{i}") or "") for i in range(len(s.names))}
    months = {i: str(form.get(f"month_{i}") or "").strip() for i in range(len(s.names))}
    options = {"unit": str(form.get("unit") or ""), "as_of": str(form.get("as_of") or ""),
               "replace": bool(form.get("replace")), "reason": str(form.get("reason") or "").strip()[:500]}
    return await _check_staged(request, w, token, options, kinds, months, store=action == "store")


# ---------------------------------------------------------------- 考评检查

SHOWN_ROWS = 1000  # rows of a table on the check page; the .xlsx download has them all


def _check_args(request: Request) -> dict:
    q = request.query_params
    return {
        "unit": unit_arg(q.get("unit")),
        "team": q.get("team") or None,
        "rule": q.get("rule") if q.get("rule") in RULE_TITLES else None,
        "level": q.get("level") if q.get("level") in LEVELS else None,
        "year": int_arg(q.get("year"), 1901, 2999),
        "as_of": q.get("as_of") or None,
    }


async def check_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    units = await known(request, w)
    args = _check_args(request)
    everything = await call(request, lambda: api.check_in(
        c.db, w.scope, year=args["year"], as_of=args["as_of"], unit=args["unit"], rules=c.rules, today=c.today()))
    result = api.narrow(everything, team=args["team"], rule=args["rule"], level=args["level"])
    teams = sorted({f.team for f in everything.findings if f.team})
    judged_years = sorted({y for y, _ in result.judged.values()}, reverse=True)
    year = args["year"] or (judged_years[0] if judged_years else c.today().year)
    remind = request.query_params.get("remind") or f"{year}-06-30"
    day, reminders = await call(request, lambda: api.reminder_list(c.db, w.scope, remind, args["unit"], c.today(),
                                                                   c.rules))
    # a city's findings run to hundreds of thousands: the page shows the first rows, failures first
    # (nsmallest keeps the order of equals, as sorted()[:n] does, without sorting them all)
    shown = heapq.nsmallest(SHOWN_ROWS, result.findings, key=lambda f: LEVELS.index(f.level))
    return page(request, "check.html", title="考评检查", result=result, args=args, units=units,
                teams=teams, rule_titles=RULE_TITLES, levels=LEVEL_WORDS, remind=day, reminders=reminders[:SHOWN_ROWS],
                shown=shown, reminders_total=len(reminders),
                query={k: v for k, v in request.query_params.items() if k != "remind"})


async def check_download(request: Request, w: Who) -> Response:
    c = cfg(request)
    args = _check_args(request)
    folder = Path(tempfile.mkdtemp(prefix="tracker-check-", dir=c.stage_root))
    path = folder / "考评检查结果.xlsx"

    def make() -> Path:
        result = api.check_in(c.db, w.scope, rules=c.rules, today=c.today(), **args)
        return api.findings_xlsx(result, path)

    await call(request, make)
    return _download(path, folder)


def _download(path: Path, folder: Path | None = None, inline: bool = False) -> FileResponse:
    media = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             ".html": "text/html; charset=utf-8", ".csv": "text/csv; charset=utf-8"}.get(path.suffix)
    cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True) if folder else None
    return FileResponse(path, media_type=media, filename=None if inline else path.name, background=cleanup,
                        content_disposition_type="inline" if inline else "attachment",
                        headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------- 报告, forms, templates


async def reports_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    units = await known(request, w)
    runs = await call(request, lambda: api.report_runs(c.out_dir, w.scope))
    years = await call(request, lambda: api.data_years(c.db, scope=w.scope))
    return page(request, "reports.html", title="报告", reports=REPORTS, units=units, runs=runs[:30],
                years=years or [c.today().year], forms=FORM_TITLES, kinds={k: KINDS[k].name for k in KINDS},
                everything=w.scope.everything, error="")


async def reports_make(request: Request, w: Who) -> Response:
    c = cfg(request)
    form = await checked_form(request)
    name = str(form.get("report") or "")
    if name not in REPORTS:
        raise HTTPException(404)
    unit = unit_arg(str(form.get("unit") or ""))
    year = int_arg(str(form.get("year") or ""), 1901, 2999)
    if year is None:
        raise api.TrackerError("请选择年度。")
    quarter = int_arg(str(form.get("quarter") or ""), 1, 4) if {"quarter", "quarter?"} & set(REPORTS[name].options) \
        else None
    as_of = (str(form.get("as_of") or "") or None) if "as_of" in REPORTS[name].options else None
    run = await call(request, lambda: api.make_report_run(
        c.db, c.out_dir, name, w.scope, year=year, quarter=quarter, as_of=as_of, unit=unit,
        made_by=w.load_account, rules=c.rules, today=c.today()))
    return RedirectResponse(f"/reports/{run.id}/", 303)


async def report_run_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    run = api.report_run(c.out_dir, request.path_params["run"], w.scope)
    if run is None:
        raise HTTPException(404)
    return page(request, "report_run.html", title=run.title, run=run)


async def report_file(request: Request, w: Who) -> Response:
    c = cfg(request)
    run = api.report_run(c.out_dir, request.path_params["run"], w.scope)
    name = request.path_params["file"]
    if run is None or name not in run.files:
        raise HTTPException(404)
    return _download(c.out_dir / run.id / name, inline=name.endswith(".html"))


async def form_download(request: Request, w: Who) -> Response:
    c = cfg(request)
    form = request.path_params["form"]
    if form not in FORMS:
        raise HTTPException(404)
    unit = unit_arg(request.query_params.get("unit"))
    year = int_arg(request.query_params.get("year"), 1901, 2999)
    folder = Path(tempfile.mkdtemp(prefix="tracker-form-", dir=c.stage_root))
    label = FORM_TITLES[form].replace(" ", "_")
    path = folder / f"{label}_{unit or '全部单位'}{'_' + str(year) if year else ''}.xlsx"
    await call(request, lambda: api.export(c.db, form, path, year=year, unit=unit, scope=w.scope))
    return _download(path, folder)


async def template_download(request: Request, w: Who) -> Response:
    kind = request.path_params["kind"]
    if kind not in KINDS:
        raise HTTPException(404)
    folder = Path(tempfile.mkdtemp(prefix="tracker-template-", dir=cfg(request).stage_root))
    path = api.template(kind, folder / f"{KINDS[kind].name}模板.xlsx")
    return _download(path, folder)


# ---------------------------------------------------------------- 志愿者查询


async def volunteers_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    q = (request.query_params.get("q") or "").strip()[:40]
    year = int_arg(request.query_params.get("year"), 1901, 2999)
    hits = await call(request, lambda: api.search_volunteers(c.db, q, w.scope, year, c.today(), c.rules))
    return page(request, "volunteers.html", title="志愿者查询", q=q, hits=hits, limit=200)


async def volunteer_page(request: Request, w: Who) -> Response:
    """A volunteer's archive (docs/people.md), print-ready; only of the account's units."""
    c = cfg(request)
    key = request.path_params["key"]
    year = int_arg(request.query_params.get("year"), 1901, 2999)
    a = await call(request, lambda: api.volunteer_archive(c.db, key, year=year, rules=c.rules, today=c.today(),
                                                          scope=w.scope))
    if a.key != key:
        raise HTTPException(404)
    return page(request, "volunteer.html", title=f"志愿者档案 {a.name}", a=a, year=year)


ROUTES = [
    ("/", overview, ["GET"]),
    ("/units/{unit:path}", unit_page, ["GET"]),
    ("/upload", upload_page, ["GET"]),
    ("/upload", upload_submit, ["POST"]),
    ("/upload/{token}", upload_action, ["POST"]),
    ("/check", check_page, ["GET"]),
    ("/check.xlsx", check_download, ["GET"]),
    ("/reports", reports_page, ["GET"]),
    ("/reports", reports_make, ["POST"]),
    ("/reports/{run}/", report_run_page, ["GET"]),
    ("/reports/{run}/{file}", report_file, ["GET"]),
    ("/forms/{form}", form_download, ["GET"]),
    ("/templates/{kind}", template_download, ["GET"]),
    ("/volunteers", volunteers_page, ["GET"]),
    ("/volunteers/{key}", volunteer_page, ["GET"]),
]

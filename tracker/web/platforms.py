"""Hours for the volunteer platforms in the browser (docs/platforms.md): download a unit's hours in a
platform's import layout, or upload the platform's file to reconcile — for the account's units."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from tracker import api
from tracker.web.common import Who, call, cfg, checked_form, int_arg, page

SUFFIXES = {".xlsx", ".xls", ".csv"}


async def platforms_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    units = await call(request, lambda: api.known_units(c.db, scope=w.scope))
    years = await call(request, lambda: api.data_years(c.db, scope=w.scope))
    return page(request, "platforms.html", title="志愿服务平台", units=units, years=years or [c.today().year],
                layouts=api.layouts(), result=None, chosen=request.query_params.get("unit") or "")


def _form_args(form) -> dict:
    year = int_arg(str(form.get("year") or ""), 1901, 2999)
    if year is None:
        raise api.TrackerError("请选择年度。")
    quarter = int_arg(str(form.get("quarter") or ""), 1, 4)
    return {"layout": str(form.get("layout") or ""), "year": year, "quarter": quarter,
            "unit": str(form.get("unit") or "") or None}


async def platforms_export(request: Request, w: Who) -> Response:
    c = cfg(request)
    form = await checked_form(request)
    args = _form_args(form)
    unmask, confirmed = bool(form.get("unmask")), bool(form.get("confirmed_only"))
    folder = Path(tempfile.mkdtemp(prefix="tracker-hours-", dir=c.stage_root))
    name = f"志愿服务时长_{args['layout']}_{args['unit'] or '全部单位'}_{args['year']}.xlsx"
    made = await call(request, lambda: api.export_hours(c.db, out=folder / name, unmask=unmask, confirmed_only=confirmed,
                                                         rules=c.rules, scope=w.scope, **args))
    return FileResponse(made.paths[0], filename=made.paths[0].name, headers={"Cache-Control": "no-store"},
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


async def platforms_reconcile(request: Request, w: Who) -> Response:
    c = cfg(request)
    form = await checked_form(request, max_files=1, max_part_size=64 * 1024)
    args = _form_args(form)
    upload = form.get("file")
    if not hasattr(upload, "filename") or not upload.filename or Path(upload.filename).suffix.lower() not in SUFFIXES:
        raise api.TrackerError("请选择平台导出的 .xlsx、.xls 或 .csv 文件。")
    folder = Path(tempfile.mkdtemp(prefix="tracker-reconcile-", dir=c.stage_root))
    try:
        path = folder / f"platform{Path(upload.filename).suffix.lower()}"
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        result = await call(request, lambda: api.reconcile(c.db, path, rules=c.rules, scope=w.scope, **args))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    units = await call(request, lambda: api.known_units(c.db, scope=w.scope))
    years = await call(request, lambda: api.data_years(c.db, scope=w.scope))
    return page(request, "platforms.html", title="志愿服务平台", units=units, years=years or [c.today().year],
                layouts=api.layouts(), result=result, file=upload.filename, chosen=args["unit"] or "")


ROUTES = [
    ("/platforms", platforms_page, ["GET"]),
    ("/platforms/export", platforms_export, ["POST"]),
    ("/platforms/reconcile", platforms_reconcile, ["POST"]),
]

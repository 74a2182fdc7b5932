"""The public pages of the web app, without login (docs/people.md, "Public pages"): a volunteer's own
hours at /q, and whether a certificate is genuine at /verify/SERIAL.

Each answers only what the visitor proves they may know: their own figures for their name and full
mobile number, a certificate's masked name, unit, period and hours for its serial. A wrong
combination gets one neutral message and no data; a client that keeps guessing is refused for a
while (`GuessThrottle`, shared with the phone sign-in). `tracker serve --no-public-query` turns /q off.
"""

from __future__ import annotations

import functools

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tracker import api
from tracker.web.common import call, cfg, client_of, templates
from tracker.web.guard import csrf_ok, csrf_token

NOT_FOUND = "未查到：请核对姓名和手机号码（须与花名册上登记的一致）。"
TOO_MANY = "尝试次数过多，请稍后再试。"


def _page(request: Request, status: int = 200, **context) -> Response:
    shown = {"message": "", "level": "", "name": "", "r": None, "cert": None, "serial": ""} | context
    html = templates().get_template("public_query.html").render(csrf=csrf_token(request.session), **shown)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex",
                                                           "Referrer-Policy": "no-referrer"})


def public(handler):
    """A public page: a busy database or a fault is said plainly, never with a traceback."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except api.DatabaseBusy:
            return _page(request, 503, mode="message", message="系统正忙，请稍后再试。")
        except api.TrackerError:
            return _page(request, 400, mode="message", message=NOT_FOUND)

    return wrapper


@public
async def query_page(request: Request) -> Response:
    c = cfg(request)
    if not c.public_query:
        raise HTTPException(404)
    if c.guesses.wait(client_of(request), "q") > 0:
        return _page(request, 429, mode="query", message=TOO_MANY, level="no")
    return _page(request, mode="query")


@public
async def query_submit(request: Request) -> Response:
    c = cfg(request)
    if not c.public_query:
        raise HTTPException(404)
    client = client_of(request)
    if c.guesses.wait(client, "q") > 0:
        return _page(request, 429, mode="query", message=TOO_MANY, level="no")
    form = await request.form(max_files=0, max_fields=8, max_part_size=4096)
    if not csrf_ok(request.session, form.get("csrf")):
        return _page(request, 403, mode="query", message="页面已过期，请刷新后重新查询。", level="no")
    name, phone = str(form.get("name") or "")[:40], str(form.get("phone") or "")[:20]
    found = await call(request, lambda: api.self_query(c.db, name, phone, today=c.today(), rules=c.rules))
    if found is None:
        c.guesses.missed(client, "q")
        return _page(request, 400, mode="query", message=NOT_FOUND, level="no", name=name)
    return _page(request, mode="record", r=found)


@public
async def verify_page(request: Request) -> Response:
    c = cfg(request)
    client = client_of(request)
    if c.guesses.wait(client, "verify") > 0:
        return _page(request, 429, mode="message", message=TOO_MANY)
    serial = request.path_params["serial"]
    found = await call(request, lambda: api.verify_public(c.db, serial))
    if found is None:
        c.guesses.missed(client, "verify")
        return _page(request, 404, mode="verify", cert=None, serial=serial[:40])
    return _page(request, mode="verify", cert=found, serial=found.serial)


ROUTES = [
    ("/q", query_page, ["GET"]),
    ("/q", query_submit, ["POST"]),
    ("/verify/{serial}", verify_page, ["GET"]),
]

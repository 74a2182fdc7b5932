"""Sign-ins in the browser (docs/signin.md): the public phone page /s/CODE, and the leader's pages.

The phone page needs no login and shows only the activity and a form (name, last four digits of
the mobile); a wrong combination gets one neutral message and records nothing, a client that
keeps guessing is refused for a while (`GuessThrottle`), an unknown code is 404 and counts as a
guess. The leader's pages (signed in, within the account's scope) open a sign-in, print its sheet,
tick members and close it, through the same API as `tracker signin`.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from tracker import api
from tracker.web.common import Who, call, cfg, checked_form, client_of, page, templates
from tracker.web.guard import csrf_ok, csrf_token

NEUTRAL = "未能签到，请核对姓名和手机后四位，或请负责人登记。"
TOO_MANY = "尝试次数过多，请稍后再试，或请负责人在签到表上登记。"
SAID = {"signed": ("ok", "签到成功，谢谢参加！"), "already": ("ok", "您已签到，无需重复签到。"),
        "closed": ("no", "签到已结束。"), "early": ("no", "签到尚未开始。"), "refused": ("no", NEUTRAL)}


def _public(request: Request, s, status: int = 200, message: str = "", level: str = "", name: str = "") -> Response:
    html = templates().get_template("public_signin.html").render(
        s=s, message=message, level=level, name=name, csrf=csrf_token(request.session))
    return HTMLResponse(html, status_code=status,
                        headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"})


def public(handler):
    """A public page: no login; a busy database or a refusal is said on the phone page itself."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except api.DatabaseBusy:
            return _public(request, None, 503, "系统正忙，请稍后再试。", "no")
        except api.TrackerError:
            return _public(request, None, 400, NEUTRAL, "no")

    return wrapper


@public
async def phone_page(request: Request) -> Response:
    c = cfg(request)
    code = request.path_params["code"]
    client = client_of(request)
    if c.guesses.wait(client, code) > 0:
        return _public(request, None, 429, TOO_MANY, "no")
    s = await call(request, lambda: api.public_signin(c.db, code, c.now()))
    if s is None:
        c.guesses.missed(client, code)
        raise HTTPException(404)
    return _public(request, s)


@public
async def phone_submit(request: Request) -> Response:
    c = cfg(request)
    code = request.path_params["code"]
    client = client_of(request)
    if c.guesses.wait(client, code) > 0:
        return _public(request, None, 429, TOO_MANY, "no")
    form = await request.form(max_files=0, max_fields=8, max_part_size=4096)
    if not csrf_ok(request.session, form.get("csrf")):
        return _public(request, await call(request, lambda: api.public_signin(c.db, code, c.now())), 403,
                       "页面已过期，请刷新后重新签到。", "no")
    name = str(form.get("name") or "")[:40]
    digits = str(form.get("phone_last4") or "")[:8]
    said = await call(request, lambda: api.sign_in(c.db, code, name, digits, c.now()), write=True)
    if said == "unknown":
        c.guesses.missed(client, code)
        raise HTTPException(404)
    if said == "refused":
        c.guesses.missed(client, code)
    s = await call(request, lambda: api.public_signin(c.db, code, c.now()))
    level, message = SAID[said]
    return _public(request, s, 200 if said != "refused" else 400, message, level, name if said == "refused" else "")


# ---------------------------------------------------------------- the leader's pages


def _base_url(request: Request) -> str | None:
    """The address phones should open: the server's configured one, else the one the leader's browser uses
    (a loopback address is no use to a phone: the configured or default one is kept then)."""
    host = request.url.hostname or ""
    if host in ("127.0.0.1", "localhost", "::1"):
        return None
    return str(request.base_url).rstrip("/")


async def signins_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    found = await call(request, lambda: api.signins(c.db, scope=w.scope))
    units = await call(request, lambda: api.known_units(c.db, scope=w.scope))
    now = c.now()
    return page(request, "signins.html", title="签到", signins=found, states={s.code: s.state(now) for s in found},
                units=units, today=c.today().isoformat(), error="", kinds=api.SIGNIN_KINDS)


async def signins_new(request: Request, w: Who) -> Response:
    c = cfg(request)
    form = await checked_form(request)
    f = {k: str(form.get(k) or "").strip() for k in ("unit", "team", "title", "date", "start", "end", "place",
                                                       "theme", "kind")}
    made = await call(request, lambda: api.new_signin(
        c.db, unit=f["unit"] or None, team=f["team"], title=f["title"], date=f["date"], start=f["start"], end=f["end"],
        place=f["place"] or None, theme=f["theme"] or None, kind=f["kind"] or "志愿服务", base_url=_base_url(request),
        account=w.load_account, now=c.now(), scope=w.scope), write=True)
    return RedirectResponse(f"/signins/{made.signin.code}", 303)


async def signin_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    code = request.path_params["code"]
    d = await call(request, lambda: api.signin_detail(c.db, code, scope=w.scope))
    url = f"{(_base_url(request) or d.signin.url.rsplit('/s/', 1)[0])}/s/{d.signin.code}"
    import segno

    qr = segno.make(url, error="m").svg_inline(scale=5, border=2, omitsize=True)
    return page(request, "signin.html", title=f"签到 {d.signin.title}", d=d, s=d.signin, url=url, qr=qr,
                state=d.signin.state(c.now()), done=request.query_params.get("done") or "")


async def signin_people(request: Request, w: Who) -> Response:
    """The members ticked on the page (and others named) are the sign-in's people."""
    c = cfg(request)
    code = request.path_params["code"]
    form = await checked_form(request)
    ticked = {str(v) for v in form.getlist("member")}
    listed = {str(v) for v in form.getlist("listed")}
    others = [t for t in str(form.get("others") or "").replace("，", " ").replace("、", " ").split() if t][:100]

    def apply() -> None:
        d = api.signin_detail(c.db, code, scope=w.scope)
        signed = {p["number"] or p["name"] for p in d.people}
        add = [m for m in ticked if m not in signed] + others
        drop = [m for m in listed - ticked if m in signed]
        if add:
            api.signin_add(c.db, code, add, account=w.load_account, now=c.now(), scope=w.scope)
        if drop:
            api.signin_remove(c.db, code, drop, scope=w.scope)

    await call(request, apply, write=True)
    return RedirectResponse(f"/signins/{code}?done=people", 303)


async def signin_close(request: Request, w: Who) -> Response:
    c = cfg(request)
    code = request.path_params["code"]
    form = await checked_form(request)
    text = str(form.get("hours") or "").strip()
    try:
        hours = float(text) if text else None
    except ValueError:
        raise api.TrackerError(f"时长应为数字（小时），而不是“{text}”。") from None
    reason = str(form.get("reason") or "").strip() or None
    done = await call(request, lambda: api.close_signin(c.db, code, hours=hours, reason=reason, account=w.load_account,
                                                        today=c.today(), now=c.now(), rules=c.rules, scope=w.scope),
                      write=True)
    if done.result is not None and done.result.status != "loaded":
        needs = any(api.LOCKED in p.message for p in done.result.problems)
        raise api.TrackerError("未能生成活动，签到仍未结束。" + ("该月已确认：请在“更正原因”中写明原因后再结束签到。" if needs else ""),
                               done.result.problems)
    return RedirectResponse(f"/signins/{code}?done=closed", 303)


async def signin_sheet(request: Request, w: Who) -> Response:
    c = cfg(request)
    code, suffix = request.path_params["code"], request.path_params["suffix"]
    if suffix not in ("html", "docx"):
        raise HTTPException(404)
    folder = Path(tempfile.mkdtemp(prefix="tracker-sheet-", dir=c.stage_root))
    out = folder / f"签到表_{code}.{suffix}"
    await call(request, lambda: api.signin_sheet(c.db, code, out, base_url=_base_url(request), scope=w.scope))
    from starlette.background import BackgroundTask

    media = "text/html; charset=utf-8" if suffix == "html" else \
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return FileResponse(out, media_type=media, filename=None if suffix == "html" else out.name,
                        content_disposition_type="inline" if suffix == "html" else "attachment",
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
                        headers={"Cache-Control": "no-store"})


PUBLIC_ROUTES = [
    ("/s/{code}", phone_page, ["GET"]),
    ("/s/{code}", phone_submit, ["POST"]),
]

ROUTES = [
    ("/signins", signins_page, ["GET"]),
    ("/signins", signins_new, ["POST"]),
    ("/signins/{code}", signin_page, ["GET"]),
    ("/signins/{code}/people", signin_people, ["POST"]),
    ("/signins/{code}/close", signin_close, ["POST"]),
    ("/signins/{code}/sheet.{suffix}", signin_sheet, ["GET"]),
]


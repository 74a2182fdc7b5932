"""What every page shares: who is asking, templates, forms, and errors said in Chinese (docs/web.md).

Every handler reads through `tracker.api` inside `DatabaseGate.run` (a fresh
connection per call, read-only unless it stores), checks the account's units
on the server, and renders a template that extends the reports' base.html,
so pages and reports share one style sheet. A unit outside the account's scope
is answered 404, as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tracker import api
from tracker.render.env import environment
from tracker.web.guard import DatabaseGate, GuessThrottle, LoginThrottle, csrf_ok, csrf_token

SESSION_HOURS = 10
MAX_FILES = 100


@dataclass
class Staged:
    """Files uploaded and checked but not yet stored: kept until stored, discarded or stale."""

    folder: Path
    owner: str  # the login (or "" for the single local user)
    names: list[str]
    made: float = field(default_factory=time.monotonic)


@dataclass
class Config:
    db: Path
    out_dir: Path
    local_only: bool
    max_upload: int
    rules: Path | None
    today: Callable[[], dt.date]
    gate: DatabaseGate
    throttle: LoginThrottle
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now().replace(microsecond=0))
    guesses: GuessThrottle = field(default_factory=GuessThrottle)
    public_query: bool = True  # /q (tracker serve --no-public-query turns it off)
    staged: dict[str, Staged] = field(default_factory=dict)
    stage_root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tracker-uploads-")))


@dataclass
class Who:
    """The person behind a request and what they may see."""

    account: api.Account | None
    scope: api.Scope

    @property
    def login(self) -> str:
        return self.account.login if self.account else ""

    @property
    def label(self) -> str:
        if self.account is None:
            return "本机单用户"
        a = self.account
        return f"{a.login}（{a.role_name}{'：' + a.unit if a.unit else ''}）"

    @property
    def load_account(self) -> str:
        return api.web_account(self.account.login if self.account else None)


# ---------------------------------------------------------------- templates


@functools.cache
def templates() -> jinja2.Environment:
    """The reports' environment (filters, autoescape, strict) with the pages' own templates first."""
    env = environment().overlay(loader=jinja2.ChoiceLoader([
        jinja2.PackageLoader("tracker", "web/templates"),
        jinja2.PackageLoader("tracker", "reports/templates"),
    ]))
    env.filters["urlq"] = lambda s: quote(str(s), safe="")
    env.filters["query"] = lambda d: urlencode({k: v for k, v in d.items() if v not in (None, "")})
    return env


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    who: Who | None = request.scope.get("tracker.who")
    session = request.scope.get("session")  # none on the internal-error page, outside the sessions
    html = templates().get_template(name).render(
        request=request, who=who, csrf=csrf_token(session) if session is not None else "", path=request.url.path,
        **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def message(request: Request, title: str, text: str, status_code: int = 400, back: str | None = None) -> HTMLResponse:
    return page(request, "message.html", status_code, title=title, text=text, back=back)


def cfg(request: Request) -> Config:
    return request.app.state.cfg


# ---------------------------------------------------------------- who is asking


async def call(request: Request, fn: Callable[[], Any], *, write: bool = False) -> Any:
    """Run api work in a worker thread under the database gate."""
    return await run_in_threadpool(cfg(request).gate.run, fn, write=write)


class Redirect(Exception):
    def __init__(self, url: str):
        self.url = url


async def who(request: Request) -> Who:
    """The signed-in account (or the single local user), else a redirect to the login page."""
    c = cfg(request)
    v = await call(request, lambda: api.visitor(c.db, request.session.get("login"), request.session.get("stamp")))
    if v.accounts == 0:
        if not c.local_only:
            raise HTTPException(503, "还没有任何账户。请在服务器上运行 tracker user add 登录名 --role admin 添加管理员。")
        w = Who(None, api.Scope("local"))
    elif v.scope is None:
        nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise Redirect("/login?" + urlencode({"next": nxt}))
    else:
        w = Who(v.account, v.scope)
        if v.account is not None and v.account.must_change and request.url.path != "/password":
            raise Redirect("/password")  # a one-time password: the first page changes it
    request.scope["tracker.who"] = w
    return w


async def checked_form(request: Request, **limits: Any):
    """The posted form, refused unless it carries the session's CSRF token."""
    try:
        form = await request.form(**limits)
    except HTTPException as e:  # python-multipart's limits (too many files or fields)
        raise HTTPException(400, f"上传的内容无法读取：一次最多 {limits.get('max_files', 1000)} 个文件，"
                                 "表单也不能过大。请分几次上传。") from e
    if not csrf_ok(request.session, form.get("csrf")):
        raise HTTPException(403, "页面已过期或来源不明（缺少安全校验码）。请返回刷新页面后再提交。")
    return form


def int_arg(value: str | None, low: int, high: int) -> int | None:
    try:
        n = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return n if n is not None and low <= n <= high else None


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


# ---------------------------------------------------------------- login


async def login_page(request: Request) -> Response:
    c = cfg(request)
    try:
        n = (await call(request, lambda: api.visitor(c.db, None, None))).accounts
    except api.DatabaseBusy:
        return busy(request)
    if n == 0 and c.local_only:
        return RedirectResponse("/", 303)
    return page(request, "login.html", title="登录", next=_safe_next(request.query_params.get("next")), error="", login="")


def _safe_next(nxt: str | None) -> str:
    return nxt if nxt and nxt.startswith("/") and not nxt.startswith("//") else "/"


async def login_submit(request: Request) -> Response:
    c = cfg(request)
    form = await checked_form(request)
    login = str(form.get("login") or "").strip()
    password = str(form.get("password") or "")
    nxt = _safe_next(str(form.get("next") or "/"))
    client = client_of(request)
    wait = c.throttle.begin(login, client)  # the try is counted before its hash, not after
    if wait > 0:
        return page(request, "login.html", 429, title="登录", next=nxt, login=login,
                    error=f"登录失败次数过多，请 {int(wait) + 1} 秒后再试。")
    try:
        acct = await call(request, lambda: api.authenticate(c.db, login, password))
    except api.DatabaseBusy:
        c.throttle.cancelled(login, client)  # no password was checked: not a failed try
        return busy(request)
    if acct is None:
        return page(request, "login.html", 401, title="登录", next=nxt, login=login, error="登录名或密码不对。")
    c.throttle.succeeded(login, client)
    request.session.clear()
    request.session.update({"login": acct.login, "stamp": acct.stamp, "csrf": secrets.token_urlsafe(24)})
    return RedirectResponse("/password" if acct.must_change else nxt, 303)


async def logout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/login", 303)


# ---------------------------------------------------------------- errors


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return message(request, "找不到这个页面", "没有这个页面，或者您的账户无权查看它。", 404, back="/")
    if exc.status_code == 405:
        return message(request, "不支持的操作", "这个地址不能这样访问。", 405, back="/")
    return message(request, "无法完成", str(exc.detail), exc.status_code, back="/")


def busy(request: Request) -> HTMLResponse:
    return message(request, "数据库正在使用中",
                   "数据库正在被另一个 tracker 程序使用（可能有人正在命令行导入台账或生成报告）。"
                   "请稍等片刻后刷新本页。", 503, back=str(request.url))


async def on_crash(request: Request, exc: Exception) -> Response:
    """An internal fault: said in Chinese, never as a traceback (the server log has it)."""
    import logging

    logging.getLogger("tracker.web").exception("内部错误", exc_info=exc)
    return message(request, "内部错误", f"这不是您的操作问题（{type(exc).__name__}）。请把出错时间和操作告诉维护者。",
                   500, back="/")


def guarded(handler: Callable) -> Callable:
    """A page handler: signs the visitor in, and says in Chinese when the database is busy or the
    input is wrong (a `TrackerError`), never with a traceback."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            w = await who(request)
            return await handler(request, w)
        except Redirect as r:
            return RedirectResponse(r.url, 303)
        except api.DatabaseBusy:
            return busy(request)
        except api.NotFound:  # not in the database, or not the account's: the same 404
            return await on_http_error(request, HTTPException(404))
        except api.TrackerError as e:
            return page(request, "message.html", 400, title="无法完成", text=e.message, problems=e.problems,
                        back=request.headers.get("referer") or "/")
        except OSError as e:  # the server's disk or folders: the administrator's to put right
            from tracker.atomic import os_reason

            return message(request, "服务器无法读写文件", f"服务器上的文件无法读写（{os_reason(e)}）。"
                           "请联系管理员检查磁盘空间和文件夹权限后重试。", 503, back="/")

    return wrapper


class BodyLimit:
    """Refuses request bodies over `limit` bytes (413), whether or not Content-Length is sent."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._drain(receive, int(declared))
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return msg

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _drain(self, receive, declared: int) -> None:
        """Read (and drop) a refused body of sane size, so the client can read the answer."""
        if declared > 4 * self.limit + 16 * 1024 * 1024:
            return
        while True:
            msg = await receive()
            if msg["type"] != "http.request" or not msg.get("more_body"):
                return

    async def _refuse(self, send):
        mb = self.limit / 1024 / 1024
        body = (f"<!DOCTYPE html><meta charset='utf-8'><title>文件太大</title><p>上传的文件太大：一次最多 {mb:g} MB。"
                "请分几次上传，或请管理员用 --max-upload-mb 调大上限。</p><p><a href='/upload'>返回导入台账</a></p>")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": body.encode("utf-8")})


class _TooLarge(Exception):
    pass


def discard_stale(c: Config, hours: float = 6.0) -> None:
    """Forget uploads checked but never stored after `hours`."""
    now = time.monotonic()
    for token, s in list(c.staged.items()):
        if now - s.made > hours * 3600:
            shutil.rmtree(s.folder, ignore_errors=True)
            c.staged.pop(token, None)

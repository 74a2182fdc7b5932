"""Accounts in the browser (docs/web.md, "Accounts"): changing one's password (the first page after a
one-time password), an administrator's list of accounts (add, reset, remove), and every upload of
the account's units.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tracker import api
from tracker.web.common import Who, call, cfg, checked_form, page


async def password_page(request: Request, w: Who) -> Response:
    if w.account is None:
        raise HTTPException(404)
    return page(request, "password.html", title="修改密码", first=w.account.must_change, error="", done=False)


async def password_submit(request: Request, w: Who) -> Response:
    c = cfg(request)
    if w.account is None:
        raise HTTPException(404)
    form = await checked_form(request)
    current, new, again = (str(form.get(k) or "") for k in ("current", "new", "again"))
    if new != again:
        return page(request, "password.html", 400, title="修改密码", first=w.account.must_change,
                    error="两次输入的新密码不一致。", done=False)
    try:
        acct = await call(request, lambda: api.change_password(c.db, w.account.login, current, new), write=True)
    except api.DatabaseBusy:
        raise  # said by the page guard
    except api.TrackerError as e:
        return page(request, "password.html", 400, title="修改密码", first=w.account.must_change, error=e.message,
                    done=False)
    request.session.update({"stamp": acct.stamp})  # this session goes on; the others end
    return page(request, "password.html", title="修改密码", first=False, error="", done=True)


def _admin(w: Who) -> None:
    """Accounts are an administrator's (or the single local user's): others get a 404."""
    if w.scope.role not in ("admin", "local"):
        raise HTTPException(404)


async def accounts_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    _admin(w)
    accts = await call(request, lambda: api.user_list(c.db))
    units = await call(request, lambda: api.known_units(c.db, scope=w.scope))
    return page(request, "accounts.html", title="账户管理", accounts=accts, units=units, roles=api.ROLES,
                shown=None, error="")


async def accounts_action(request: Request, w: Who) -> Response:
    """add (a one-time password, shown once), reset (the same), remove."""
    c = cfg(request)
    _admin(w)
    form = await checked_form(request)
    action, login = str(form.get("action") or ""), str(form.get("login") or "").strip()
    shown = None
    if action == "add":
        role, unit = str(form.get("role") or ""), str(form.get("unit") or "").strip() or None
        password = api.one_time_password()
        await call(request, lambda: api.user_add(c.db, login, role, unit, password, one_time=True), write=True)
        shown = (login, password)
    elif action == "reset":
        password = await call(request, lambda: api.user_reset(c.db, login), write=True)
        shown = (login, password)
    elif action == "remove":
        if w.account is not None and login == w.account.login:
            raise api.TrackerError("不能删除自己正在使用的账户。")
        await call(request, lambda: api.user_remove(c.db, login), write=True)
    else:
        raise HTTPException(404)
    accts = await call(request, lambda: api.user_list(c.db))
    units = await call(request, lambda: api.known_units(c.db, scope=w.scope))
    return page(request, "accounts.html", title="账户管理", accounts=accts, units=units, roles=api.ROLES,
                shown=shown, error="")


async def loads_page(request: Request, w: Who) -> Response:
    """Every upload and load of the account's units, newest first (a supervisor's every unit's)."""
    c = cfg(request)
    stats = await call(request, lambda: api.status(c.db, scope=w.scope))
    seen: dict[int, dict] = {}
    for s in stats:
        for ld in s.loads:
            seen.setdefault(ld["id"], ld | {"units": []})["units"].append(s.unit)
    loads = sorted(seen.values(), key=lambda ld: ld["id"], reverse=True)
    return page(request, "loads.html", title="导入记录", loads=loads[:500], total=len(loads),
                kind_names={k: v.name for k, v in api.KINDS.items()} | {"review": "审核登记"})


ROUTES = [
    ("/password", password_page, ["GET"]),
    ("/password", password_submit, ["POST"]),
    ("/admin/accounts", accounts_page, ["GET"]),
    ("/admin/accounts", accounts_action, ["POST"]),
    ("/loads", loads_page, ["GET"]),
]

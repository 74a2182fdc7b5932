"""Confirming a month and the history of changes, in the browser (docs/web.md, "Confirmed months").

A unit's page has a 确认 button for each month with data not yet confirmed (a CSRF-protected
post); 修改记录 lists every load, correction and confirmation of the units the account reaches,
with the records each changed. Both go through the API with the visitor's scope.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tracker import api
from tracker.web.common import Who, call, cfg, checked_form, page

ACTIONS = {"load": "导入", "replace": "更正导入（替换）", "confirm": "确认"}


async def confirm_submit(request: Request, w: Who) -> Response:
    """确认 a month of the unit (every monthly ledger with data then, or the one chosen)."""
    c = cfg(request)
    unit = request.path_params["unit"]
    form = await checked_form(request)
    month = str(form.get("month") or "").strip()
    kind = str(form.get("kind") or "") or None
    done = await call(request, lambda: api.confirm(c.db, unit=unit, month=month, kind=kind, account=w.load_account,
                                                   today=c.today(), scope=w.scope), write=True)
    return RedirectResponse(f"/units/{_q(unit)}?confirmed={done.month}", 303)


async def history_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    q = request.query_params
    unit = q.get("unit") or None
    month = (q.get("month") or "").strip() or None
    volunteer = (q.get("volunteer") or "").strip()[:40] or None
    units = await call(request, lambda: api.known_units(c.db, scope=w.scope))
    entries = await call(request, lambda: api.history(c.db, unit=unit, month=month, volunteer=volunteer,
                                                      scope=w.scope))
    return page(request, "history.html", title="修改记录", entries=entries[:200], total=len(entries), units=units,
                args={"unit": unit or "", "month": month or "", "volunteer": volunteer or ""}, actions=ACTIONS,
                kind_names={k: v.name for k, v in api.KINDS.items()})


async def review_page(request: Request, w: Who) -> Response:
    """The applications waiting for review (三.1 审核), of one unit of the account's."""
    c = cfg(request)
    units = await call(request, lambda: api.known_units(c.db, scope=w.scope))
    unit = request.query_params.get("unit") or (units[0] if units else None)
    result = await call(request, lambda: api.review(c.db, unit=unit, today=c.today(), rules=c.rules, scope=w.scope)
                        ) if unit else None
    return page(request, "review.html", title="审核申请", units=units, unit=unit, result=result,
                today=c.today().isoformat(), done=request.query_params.get("done") or "")


async def review_submit(request: Request, w: Who) -> Response:
    c = cfg(request)
    form = await checked_form(request)
    unit = str(form.get("unit") or "")
    names = [str(v) for v in form.getlist("who")]
    action = str(form.get("action") or "")
    if not names:
        raise api.TrackerError("请先勾选要审核的申请人。")
    reason = str(form.get("reason") or "").strip() or None
    if action == "reject" and not reason:
        raise api.TrackerError("审核不通过时请在“不通过的原因”中写明原因。")
    day = str(form.get("date") or "").strip() or None
    await call(request, lambda: api.review(
        c.db, unit=unit, approve=names if action == "approve" else [], reject=names if action == "reject" else [],
        reason=reason, date=day, today=c.today(), rules=c.rules, account=w.load_account, scope=w.scope), write=True)
    return RedirectResponse(f"/review?unit={_q(unit)}&done={'approved' if action == 'approve' else 'rejected'}", 303)


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


ROUTES = [
    ("/units/{unit:path}/confirm", confirm_submit, ["POST"]),
    ("/history", history_page, ["GET"]),
    ("/review", review_page, ["GET"]),
    ("/review", review_submit, ["POST"]),
]

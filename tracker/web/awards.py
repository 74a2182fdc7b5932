"""Year-end commendation and points in the browser (docs/awards.md): each award's candidates with their
evidence, the awards recorded, and the points ranking — of a unit, or of every unit under a 上级单位,
for the account's units."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tracker import api
from tracker.web.common import Who, call, cfg, int_arg, page

TOP = 5  # the unit page's points top list


async def awards_page(request: Request, w: Who) -> Response:
    c = cfg(request)
    q = request.query_params
    unit, district = q.get("unit") or None, q.get("district") or None
    years = await call(request, lambda: api.data_years(c.db, scope=w.scope)) or [c.today().year]
    year = int_arg(q.get("year"), 1901, 2999) or years[0]
    quarter = int_arg(q.get("quarter"), 1, 4)
    where = {"unit": unit, "district": None if unit else district}
    rows = await call(request, lambda: api.awards(c.db, year=year, rules=c.rules, today=c.today(), scope=w.scope,
                                                  **where))
    ranking = await call(request, lambda: api.points_ranking(c.db, year=year, quarter=quarter, rules=c.rules,
                                                             today=c.today(), scope=w.scope, **where))
    done = await call(request, lambda: api.list_awards(c.db, year=year, unit=unit, scope=w.scope))
    if where["district"]:
        names = {r["unit"] for r in rows} | {r["unit"] for r in ranking}
        done = [d for d in done if d["unit"] in names]
    units = await call(request, lambda: api.known_units(c.db, scope=w.scope))
    by_award = {a: [r for r in rows if r["award"] == a] for a in dict.fromkeys(r["award"] for r in rows)}
    label = unit or (f"{district}（下属各单位）" if district else "您可查看的全部单位")
    return page(request, "awards.html", title="评比表彰与积分", by_award=by_award, ranking=ranking, done=done,
                year=year, years=years, quarter=quarter, unit=unit or "", district=where["district"] or "",
                units=units, label=label)


async def unit_awards(request: Request, w: Who, unit: str, year: int) -> dict:
    """The unit page's short view: who each award proposes and the points top list."""
    c = cfg(request)
    try:
        rows = await call(request, lambda: api.awards(c.db, year=year, unit=unit, rules=c.rules, today=c.today(),
                                                      scope=w.scope))
        ranking = await call(request, lambda: api.points_ranking(c.db, year=year, unit=unit, rules=c.rules,
                                                                 today=c.today(), scope=w.scope))
    except api.TrackerError:  # a year not begun: nothing to propose yet
        return {"proposed": {}, "top": []}
    proposed: dict[str, list[dict]] = {}
    for r in rows:
        proposed.setdefault(r["award"], [])
        if r["excluded"] is None:
            proposed[r["award"]].append(r)
    return {"proposed": proposed, "top": ranking[:TOP]}


ROUTES = [("/awards", awards_page, ["GET"])]

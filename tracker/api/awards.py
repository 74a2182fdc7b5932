"""Year-end commendation (评比表彰, docs/awards.md): the candidates of each award with their
evidence, the decision recorded, and its documents (推荐表, 公示名单)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tracker.api.accounts import LOCAL, Scope, cli_account, units_in
from tracker.api.common import PathLike, rules_of
from tracker.assess.assessment import Assessment
from tracker.problems import TrackerError, suggest
from tracker.rules import Rules
from tracker.store import accounts, queries
from tracker.store import awards as stored
from tracker.store.db import connect


def _units(con, scope: Scope, unit: str | None, district: str | None) -> list[str] | None:
    """The units asked for: `unit`, the units under `district`, or all in scope (None: every unit)."""
    if unit is not None and district is not None:
        raise TrackerError("--unit 和 --district 只能用一个。", code=2)
    reach = units_in(con, scope, unit)
    if district is None:
        return reach.only
    tops = sorted(set(reach.names) | {p for p in queries.unit_parents(con).values() if p})
    if district not in tops:
        raise TrackerError(f"没有上级单位“{district}”{suggest(district, tops)}。")
    return [u for u in accounts.unit_tree(con, district) if reach.keeps(u) and u in reach.names]


def _rule(rules: Rules, award: str | None):
    chosen = [r for r in rules.awards if award is None or r.name == award]
    if not chosen:
        names = "、".join(r.name for r in rules.awards)
        raise TrackerError(f"规则文件中没有奖项“{award}”{suggest(award or '', [r.name for r in rules.awards])}。"
                           f"可选：{names}。", code=2)
    return chosen


def awards(db: PathLike | None, *, year: int, unit: str | None = None, district: str | None = None,
           award: str | None = None, rules: PathLike | Rules | None = None, today: dt.date | None = None,
           scope: Scope = LOCAL) -> list[dict]:
    """Everyone each award considers, ranked: name, award, unit, team, hours, activities, years, stars (a
    team: members, members_met, share), rank, quota, excluded (a reason, or None when proposed)."""
    from tracker.assess.awards import candidates

    r = rules_of(rules)
    today = today or dt.date.today()
    if dt.date(year, 1, 1) > today:
        raise TrackerError(f"{year} 年尚未开始（今天是 {today}）。", code=2)
    with connect(db, read_only=True) as con:
        only = _units(con, scope, unit, district)
        chosen = _rule(r, award)
        alone = only is not None and len(only) == 1 and all(x.quota_over == "unit" for x in chosen)
        a = Assessment(con, r, only[0] if alone else None, today)  # a district's quota needs its every unit
        out = []
        for rule in chosen:
            df = candidates(a, year, rule)
            if only is not None:
                df = df.filter(pl.col("unit").is_in(only))
            out += [row | {"scope": rule.scope} for row in df.to_dicts()]
    return out


def record_awards(db: PathLike | None, *, year: int, award: str, who: list[str] = (), file: PathLike | None = None,
                  unit: str | None = None, rules: PathLike | Rules | None = None, today: dt.date | None = None,
                  account: str | None = None, scope: Scope = LOCAL) -> dict:
    """Record the decision: the people (names, numbers, 王丽(6386)) or teams named, or those of a file
    (a column 姓名, 志愿者编号 or 服务队). Returns {added, recorded: [...], not_proposed: [names]}."""
    r = rules_of(rules)
    (rule,) = _rule(r, award)
    names = list(who) + (_names_in(Path(file)) if file is not None else [])
    if not names:
        raise TrackerError("请写出获奖的人员（或服务队），或用 --file 给出决定名单。", code=2)
    found = awards(db, year=year, unit=unit, award=award, rules=r, today=today, scope=scope)
    rows = []
    with connect(db) as con:
        reach = units_in(con, scope, unit)
        for n in names:
            rows.append(_one(con, rule, n, found, unit, reach.only, year))
        added = stored.record(con, rows, account or cli_account())
    return {"added": added, "recorded": rows, "not_proposed": [x["name"] for x in rows if not x["proposed"]]}


def _one(con, rule, who: str, found: list[dict], unit: str | None, only: list[str] | None, year: int) -> dict:
    """The candidate row `who` names for `rule` (a team by its name or short name)."""
    if rule.scope == "team":
        text = "".join(who.split())
        hits = [f for f in found if f["award"] == rule.name and (f["name"] == text or text in f["name"])]
        if len(hits) != 1:
            raise TrackerError(f"服务队“{who}”{'不明确' if hits else '不在候选名单中'}：请写服务队全称。")
        h = hits[0]
        return {"year": year, "award": rule.name, "unit": h["unit"], "vid": None, "team": h["name"], "name": h["name"],
                "hours": h["hours"], "activities": h["activities"], "proposed": h["excluded"] is None}
    from tracker.certificates.record import find_volunteer

    v = find_volunteer(con, who, unit, only)
    h = next((f for f in found if f["award"] == rule.name and f["vid"] == v.vid), None)
    return {"year": year, "award": rule.name, "unit": v.unit, "vid": v.vid, "team": v.team, "name": v.name,
            "hours": h["hours"] if h else None, "activities": h["activities"] if h else None,
            "proposed": bool(h and h["excluded"] is None)}


def _names_in(path: Path) -> list[str]:
    """The names of a decided list: the column 志愿者编号, 姓名 or 服务队 of its first sheet."""
    from tracker.ingest.read import ROW, read_file

    sheets = read_file(path, None)
    for sheet in sheets:
        cells = sheet.cells
        for r in cells.head(10).iter_rows(named=True):
            for head in ("志愿者编号", "姓名", "服务队", "服务队名称"):
                col = next((c for c in cells.columns if c != ROW and "".join(str(r[c] or "").split()) == head), None)
                if col:
                    body = cells.filter(pl.col(ROW) > r[ROW])[col].drop_nulls().to_list()
                    return [str(x).strip() for x in body if str(x).strip()]
    raise TrackerError(f"{path.name} 中找不到“姓名”“志愿者编号”或“服务队”列。")


def list_awards(db: PathLike | None, *, year: int | None = None, unit: str | None = None,
                scope: Scope = LOCAL) -> list[dict]:
    """The awards recorded (of `year`) for the units in scope."""
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        return stored.listed(con, year, reach.only).to_dicts()


def points_ranking(db: PathLike | None, *, year: int, quarter: int | None = None, unit: str | None = None,
                   district: str | None = None, rules: PathLike | Rules | None = None,
                   today: dt.date | None = None, scope: Scope = LOCAL) -> list[dict]:
    """Each registered volunteer's points of the year (or quarter), ranked within their unit: unit, rank,
    name, number, team, hours, points, and how they were earned (by_hours, by_activities, by_visits,
    by_demands, missed_meetings, deducted, how)."""
    from tracker.assess.awards import points
    from tracker.periods import Period
    from tracker.reports.points import how

    today = today or dt.date.today()
    period = Period.quarter(year, quarter) if quarter else Period.year(year)
    if period.start > today:
        raise TrackerError(f"{period.label}尚未开始（今天是 {today}）。", code=2)
    period = period if period.end <= today else Period(period.start, today)
    with connect(db, read_only=True) as con:
        only = _units(con, scope, unit, district)
        a = Assessment(con, rules_of(rules), only[0] if only is not None and len(only) == 1 else None, today)
        df = points(a, period)
    if only is not None:
        df = df.filter(pl.col("unit").is_in(only))
    return [r | {"how": how(r)} for r in df.to_dicts()]


@dataclass
class AwardDocuments:
    paths: list[Path]
    awards: int


def award_documents(db: PathLike | None, *, year: int, out: PathLike, award: str | None = None,
                    unit: str | None = None, rules: PathLike | Rules | None = None, today: dt.date | None = None,
                    scope: Scope = LOCAL) -> AwardDocuments:
    """The 推荐表 of each recorded award (.docx, the deeds drawn from the year's activities) and the
    公示名单 (.docx and .html, identifiers masked), into the folder `out`."""
    from tracker.exports.award_docs import write_documents
    from tracker.store import archive

    done = [a for a in list_awards(db, year=year, unit=unit, scope=scope) if award is None or a["award"] == award]
    if not done:
        raise TrackerError(f"{year} 年还没有记录获奖名单（tracker awards record）。")
    period_end = min(dt.date(year, 12, 31), today or dt.date.today())
    with connect(db, read_only=True) as con:
        for a in done:
            if a["vid"] is not None:
                acts = archive.participations(con, a["vid"], dt.date(year, 1, 1), period_end)
                a["deeds"] = acts.filter(pl.col("kind").is_in(list(rules_of(rules).service_kinds)))["title"].unique(
                    maintain_order=True).to_list()
            else:
                a["deeds"] = []
    return AwardDocuments(write_documents(done, year, Path(out)), len(done))


def awards_xlsx(rows: list[dict], out: PathLike) -> Path:
    """The candidates as one .xlsx sheet per award: rank, name, unit, team, the evidence, the outcome."""
    from tracker.render.xlsx import write_tables

    if Path(out).suffix.lower() != ".xlsx":
        raise TrackerError(f"--out 应为 .xlsx 文件（收到 {Path(out).name}）。", code=2)
    sheets = {}
    for award in dict.fromkeys(r["award"] for r in rows):
        mine = [r for r in rows if r["award"] == award]
        team = mine[0]["scope"] == "team"
        frame = pl.DataFrame([{
            "rank": r["rank"], "name": r["name"], "unit": r["unit"], "team": "" if team else (r["team"] or ""),
            "hours": r["hours"], "activities": r["activities"],
            "extra": (f"{r['members_met']}/{r['members']}" if team else r["years"]),
            "outcome": "推荐" if r["excluded"] is None else r["excluded"]} for r in mine],
            schema={"rank": pl.Int64, "name": pl.String, "unit": pl.String, "team": pl.String, "hours": pl.Float64,
                    "activities": pl.Int64, "extra": pl.String if team else pl.Float64, "outcome": pl.String})
        heads = {"rank": "名次", "name": "服务队" if team else "姓名", "unit": "单位", "team": "所在服务队",
                 "hours": "服务时长（小时）", "activities": "服务活动（次）",
                 "extra": "达标队员/在册队员" if team else "登记年数", "outcome": "结果"}
        if team:
            frame, heads = frame.drop("team"), {k: v for k, v in heads.items() if k != "team"}
        sheets[award[:31]] = (frame, heads)
    return write_tables(out, sheets, "评比表彰候选名单")

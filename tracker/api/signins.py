"""Sign-ins at an activity: open one, members sign in on their phones or are ticked off the paper
sheet, close it into one activity loaded through the activities pipeline (docs/signin.md).

Record once: the sign-in is the ledger row. Closing writes the activity as a one-row register
(date with its times, team, title, the members signed in, their hours) and loads it with
`ledgers.load`, so it meets the same checks and messages as a file, all or nothing, recorded
among the loads; the sign-in is marked closed in the same transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker.api.accounts import LOCAL, Scope, cli_account, units_in
from tracker.api.common import PathLike
from tracker.api.ledgers import load
from tracker.ingest.kinds.activities import COLUMNS as ACTIVITY_COLUMNS
from tracker.ingest.pipeline import FileResult
from tracker.ingest.read import ROW
from tracker.ingest.resolve import match_people, resolve_teams, team_lookup, unit_people
from tracker.options import parse_date_option
from tracker.problems import TrackerError, UnknownUnit
from tracker.store import accounts, queries
from tracker.store import signins as stored
from tracker.store.db import connect, transaction

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off a printed sheet without doubt
CODE_LENGTH = 10  # 32^10 ≈ 10^15 codes
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
SIGNIN_KINDS = next(c for c in ACTIVITY_COLUMNS if c.key == "kind").choices


@dataclass
class SignIn:
    """A sign-in as the leader sees it (`signed`: how many signed in)."""

    code: str
    unit: str
    team: str
    title: str
    date: dt.date
    starts: dt.time
    ends: dt.time
    place: str | None
    theme: str | None
    kind: str
    open_until: dt.datetime
    created_at: dt.datetime
    created_by: str | None
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    hours: float | None = None
    load_id: int | None = None
    signed: int = 0
    url: str = ""

    @property
    def span_hours(self) -> float:
        """Hours from start to end."""
        return round((dt.datetime.combine(self.date, self.ends) - dt.datetime.combine(self.date, self.starts))
                     .total_seconds() / 3600, 2)

    def state(self, now: dt.datetime) -> str:
        """early (before its day) | open | ended (past its window, not closed) | closed."""
        if self.closed_at is not None:
            return "closed"
        if now < dt.datetime.combine(self.date, dt.time()):
            return "early"
        return "open" if now <= self.open_until else "ended"

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in d.items()}


def _of(row: dict, base_url: str = "") -> SignIn:
    keep = {k: row[k] for k in SignIn.__dataclass_fields__ if k in row}
    s = SignIn(**keep)
    s.url = f"{base_url.rstrip('/')}/s/{s.code}" if base_url else ""
    return s


def base_url_of(con, given: str | None) -> str:
    """The address phones open: `given`, else the one `tracker serve` was started with."""
    url = (given or accounts.web_setting(con, "base_url") or DEFAULT_BASE_URL).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise TrackerError(f"--base-url 应以 http:// 或 https:// 开头，如 http://192.168.1.20:8000，而不是“{url}”。",
                           code=2)
    return url


def set_base_url(db: PathLike | None, url: str) -> str:
    """Keep the address phones open (`tracker serve --base-url`, or the one it listens on)."""
    with connect(db) as con:
        checked = base_url_of(con, url)
        with transaction(con):
            accounts.set_web_setting(con, "base_url", checked)
    return checked


def _clock(text: str, option: str) -> dt.time:
    try:
        return dt.datetime.strptime(text.strip().replace("：", ":"), "%H:%M").time()
    except ValueError:
        raise TrackerError(f"{option} 应写成 HH:MM（如 14:00），而不是“{text}”。", code=2) from None


@dataclass
class NewSignIn:
    signin: SignIn
    sheet: Path | None
    members: int


def new_signin(db: PathLike | None, *, unit: str | None, team: str, title: str, date: dt.date | str,
               start: str, end: str, place: str | None = None, theme: str | None = None, kind: str = "志愿服务",
               base_url: str | None = None, open_until: dt.datetime | str | None = None, out: PathLike | None = None,
               account: str | None = None, now: dt.datetime | None = None, scope: Scope = LOCAL) -> NewSignIn:
    """Open a sign-in for a team's activity with an unguessable code; write its 签到表 to `out`."""
    now = now or dt.datetime.now().replace(microsecond=0)
    day = parse_date_option(date, "--date")
    starts, ends = _clock(start, "--start"), _clock(end, "--end")
    if ends <= starts:
        raise TrackerError(f"--end {end} 应晚于 --start {start}。", code=2)
    if kind not in SIGNIN_KINDS:
        raise TrackerError(f"--kind 只能是 {'、'.join(SIGNIN_KINDS)}，而不是“{kind}”。", code=2)
    if not title.strip():
        raise TrackerError("--title 不能为空。", code=2)
    until = _until(open_until, day)
    if out is not None:
        from tracker.exports.signin_sheet import check_suffix

        check_suffix(Path(out))
    with connect(db) as con:
        name = unit or units_in(con, scope).single("请用 --unit 指定单位")
        units_in(con, scope, name)
        team_name = _team(con, name, team)
        code = _fresh_code(con)
        values = {"code": code, "unit": name, "team": team_name, "title": title.strip(), "date": day,
                  "starts": starts, "ends": ends, "place": (place or "").strip() or None,
                  "theme": (theme or "").strip() or None, "kind": kind, "open_until": until, "created_at": now,
                  "created_by": account or cli_account()}
        with transaction(con):
            stored.add(con, values)
        url = base_url_of(con, base_url)
        s = _of(stored.get(con, code) or values, url)
        members = _team_members(con, s)
    sheet = _write_sheet(s, members, frozenset(), Path(out)) if out is not None else None
    return NewSignIn(s, sheet, len(members))


def _until(open_until: dt.datetime | str | None, day: dt.date) -> dt.datetime:
    """The end of the phone window: given, else the end of the day after the activity."""
    if open_until is None:
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(23, 59, 59))
    if isinstance(open_until, dt.datetime):
        return open_until
    text = open_until.strip().replace("T", " ")
    for fmt_ in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            t = dt.datetime.strptime(text, fmt_)
            return t if fmt_ != "%Y-%m-%d" else t.replace(hour=23, minute=59, second=59)
        except ValueError:
            continue
    raise TrackerError(f"--open-until 应写成 YYYY-MM-DD HH:MM，而不是“{open_until}”。", code=2)


def _fresh_code(con) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if not stored.code_taken(con, code):
            return code


def _team(con, unit: str, team: str) -> str:
    """The registered team `team` names (its full name or its short name), else a clear error."""
    rows = pl.DataFrame({"unit": [unit], "team": [team.strip()], ROW: [1]})
    found, problems = resolve_teams(rows, team_lookup(con, [unit]), "team", "--team")
    if problems.height:
        raise TrackerError(f"--team {team}：{problems['message'][0]}。")
    return found["team"][0]


def _team_members(con, s: SignIn) -> list[tuple[str, str]]:
    roster = queries.roster_as_of(con, s.date, s.unit).filter(pl.col("active") & (pl.col("team") == s.team))
    return [(r["name"], r["number"] or "") for r in roster.select("name", "number").to_dicts()]


def _write_sheet(s: SignIn, members: list[tuple[str, str]], signed: frozenset[str], out: Path) -> Path:
    from tracker.exports.signin_sheet import Sheet, write_sheet
    from tracker.formats import date_cn

    sheet = Sheet(s.unit, s.team, s.title, date_cn(s.date), f"{s.starts:%H:%M}—{s.ends:%H:%M}", s.place or "",
                  s.url, s.code, members, signed)
    return write_sheet(sheet, out)


def _get(con, code: str, scope: Scope, base_url: str = "") -> SignIn:
    """The sign-in of `code` if the scope reaches its unit (else the same error as an unknown code)."""
    row = stored.get(con, (code or "").strip().upper())
    if row is None or not scope.allows(row["unit"]):
        raise UnknownUnit(f"没有签到码为“{code}”的签到。请核对签到码（tracker signin list 可查看）。")
    return _of(row, base_url)


def signins(db: PathLike | None, *, unit: str | None = None, scope: Scope = LOCAL) -> list[SignIn]:
    """Every sign-in of the units in `scope` (or `unit`), newest first, open and closed."""
    with connect(db, read_only=True) as con:
        reach = units_in(con, scope, unit)
        url = base_url_of(con, None)
        found = stored.listed(con, reach.only)
    return [_of(r, url) for r in found.to_dicts()]


@dataclass
class SignInDetail:
    signin: SignIn
    people: list[dict]  # who signed in: name, number, signed_at, how, ticked_by
    members: list[dict] = field(default_factory=list)  # the team's members: name, number, signed


def signin_detail(db: PathLike | None, code: str, *, scope: Scope = LOCAL) -> SignInDetail:
    with connect(db, read_only=True) as con:
        s = _get(con, code, scope, base_url_of(con, None))
        people = stored.people(con, s.code).to_dicts()
        members = _team_members(con, s)
    signed = {p["name"] for p in people}
    return SignInDetail(s, people, [{"name": n, "number": num, "signed": n in signed} for n, num in members])


def signin_sheet(db: PathLike | None, code: str, out: PathLike, *, base_url: str | None = None,
                 scope: Scope = LOCAL) -> Path:
    """The 签到表 of a sign-in again (those signed in ticked)."""
    with connect(db, read_only=True) as con:
        s = _get(con, code, scope, base_url_of(con, base_url))
        members = _team_members(con, s)
        signed = frozenset(stored.people(con, s.code)["name"].to_list())
    return _write_sheet(s, members, signed, Path(out))


def _people_named(con, s: SignIn, who: list[str]) -> list[int]:
    """The unit's volunteers `who` names (a name, a number, or 王丽(1234)); an error naming the rest."""
    tokens = pl.DataFrame({ROW: list(range(1, len(who) + 1)), "unit": [s.unit] * len(who),
                           "token": ["".join(w.split()) for w in who]})
    found, problems = match_people(tokens, unit_people(con, [s.unit]), "姓名")
    if problems.height:
        said = "；".join(f"“{v}”：{m}" for v, m in problems.select("value", "message").iter_rows())
        raise TrackerError(f"没有登记任何人：{said}。")
    return found["vid"].to_list()


def _open_for_change(s: SignIn) -> None:
    if s.closed_at is not None:
        raise TrackerError(f"签到 {s.code}（{s.title}）已于 {s.closed_at:%Y-%m-%d %H:%M} 关闭，活动已导入，不能再改动签到名单。"
                           "如需更正，请修改活动登记簿后用 --replace 重新导入。")


def signin_add(db: PathLike | None, code: str, who: list[str], *, account: str | None = None,
               now: dt.datetime | None = None, scope: Scope = LOCAL) -> list[str]:
    """Tick people off the paper sheet (by the leader: any time until the sign-in is closed)."""
    if not who:
        raise TrackerError("请写出要补登的人员（姓名或志愿者编号）。", code=2)
    with connect(db) as con:
        s = _get(con, code, scope)
        _open_for_change(s)
        vids = _people_named(con, s, who)
        with transaction(con):
            new = stored.sign(con, s.code, vids, "sheet", account or cli_account(),
                              now or dt.datetime.now().replace(microsecond=0))
        names = stored.people(con, s.code).filter(pl.col("vid").is_in(new))["name"].to_list()
    return names


def signin_remove(db: PathLike | None, code: str, who: list[str], *, scope: Scope = LOCAL) -> int:
    """Take people off a sign-in (signed in by mistake)."""
    with connect(db) as con:
        s = _get(con, code, scope)
        _open_for_change(s)
        vids = _people_named(con, s, who)
        with transaction(con):
            return stored.unsign(con, s.code, vids)


@dataclass
class Closed:
    signin: SignIn
    result: FileResult | None  # the load (None when it was closed before)
    already: bool = False


def close_signin(db: PathLike | None, code: str, *, hours: float | None = None, reason: str | None = None,
                 account: str | None = None, today: dt.date | None = None, now: dt.datetime | None = None,
                 rules=None, scope: Scope = LOCAL) -> Closed:
    """Turn the sign-in into one activity with exactly the people signed in, loaded as a file is;
    closing again adds nothing. A rejected load leaves the sign-in open."""
    now = now or dt.datetime.now().replace(microsecond=0)
    account = account or cli_account()
    with connect(db, read_only=True) as con:
        s = _get(con, code, scope)
        people = stored.people(con, s.code)
        tokens = _tokens(con, s, people)
    if s.closed_at is not None:
        return Closed(s, None, already=True)
    if people.is_empty():
        raise TrackerError(f"签到 {s.code}（{s.title}）还没有人签到，不能生成活动。请先签到或用 tracker signin add 补登。")
    h = s.span_hours if hours is None else float(hours)
    if not 0 < h <= 24:
        raise TrackerError(f"--hours 应大于0且不超过24，而不是 {hours}。", code=2)
    with tempfile.TemporaryDirectory(prefix="tracker-signin-") as tmp:
        path = Path(tmp) / f"签到表-{s.code}.csv"
        path.write_text(_register(s, tokens, h), encoding="utf-8-sig")

        def closed(con, load_id: int) -> None:
            stored.mark_closed(con, s.code, account, h, load_id, now)

        (result,) = load(db, "activities", [path], unit=s.unit, month=f"{s.date:%Y-%m}", today=today,
                         rules=rules, account=account, reason=reason, scope=scope, on_write=closed)
    with connect(db, read_only=True) as con:
        s = _get(con, code, scope)
    return Closed(s, result)


def _tokens(con, s: SignIn, people: pl.DataFrame) -> list[str]:
    """How the register names each person signed in: their number, else their name (with the last four
    digits of their phone when the unit has two of that name)."""
    unit = unit_people(con, [s.unit])
    counts = unit.group_by("name").len()
    dup = set(counts.filter(pl.col("len") > 1)["name"].to_list())
    phones = dict(unit.select("vid", "phone").iter_rows())
    out = []
    for r in people.sort("name").to_dicts():
        if r["number"]:
            out.append(r["number"])
        elif r["name"] in dup:
            out.append(f"{r['name']}({(phones.get(r['vid']) or '')[-4:]})")
        else:
            out.append(r["name"])
    return out


def _register(s: SignIn, tokens: list[str], hours: float) -> str:
    """The one-row activity register the sign-in stands for."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["日期", "服务队", "活动名称", "活动类型", "服务主题", "地点", "参加人员", "服务时长", "备注"])
    when = f"{s.date} {s.starts:%H:%M} 至 {s.date} {s.ends:%H:%M}"
    w.writerow([when, s.team, s.title, s.kind, s.theme or "", s.place or "", "、".join(tokens), f"{hours:g}",
                f"签到 {s.code}"])
    return buf.getvalue()


# ---------------------------------------------------------------- the public phone page (docs/signin.md)


@dataclass(frozen=True)
class PublicSignIn:
    """What the phone page shows: nothing but the activity and whether it is open."""

    title: str
    date: dt.date
    starts: dt.time
    ends: dt.time
    place: str | None
    state: str  # early | open | ended | closed

    @property
    def open(self) -> bool:
        return self.state == "open"


def public_signin(db: PathLike | None, code: str, now: dt.datetime) -> PublicSignIn | None:
    """The activity of `code` for the phone page, or None for an unknown code."""
    with connect(db, read_only=True) as con:
        row = stored.get(con, (code or "").strip().upper())
    if row is None:
        return None
    s = _of(row)
    return PublicSignIn(s.title, s.date, s.starts, s.ends, s.place, s.state(now))


def sign_in(db: PathLike | None, code: str, name: str, last4: str, now: dt.datetime) -> str:
    """A phone's sign-in: "signed" (or "already") when the name and the last four digits of the
    registered mobile match exactly one member of the unit; "refused" otherwise (nothing recorded);
    "closed" when the sign-in is over, "early" before its day; "unknown" for no such code."""
    with connect(db) as con:
        row = stored.get(con, (code or "").strip().upper())
        if row is None:
            return "unknown"
        s = _of(row)
        if s.state(now) == "early":
            return "early"
        if s.state(now) != "open":
            return "closed"
        vid = _member(con, s, name, last4)
        if vid is None:
            return "refused"
        with transaction(con):
            new = stored.sign(con, s.code, [vid], "phone", None, now)
    return "signed" if new else "already"


def _member(con, s: SignIn, name: str, last4: str) -> int | None:
    """The one registered member of the unit with this name whose mobile ends with `last4`."""
    name, digits = "".join((name or "").split()), "".join(ch for ch in (last4 or "") if ch.isdigit())
    if not name or len(digits) != 4 or len(name) > 40:
        return None
    roster = queries.roster_as_of(con, s.date, s.unit).filter(pl.col("active"))
    hits = [r["vid"] for r in roster.select("vid", "name", "phone").to_dicts()
            if "".join(r["name"].split()) == name and digits in _mobile_endings(r["phone"])]
    return hits[0] if len(hits) == 1 else None


def _mobile_endings(phone: str | None) -> set[str]:
    """The last four digits of every mobile number (11 digits from 1) in a roster's phone field."""
    import re

    return {m[-4:] for m in re.findall(r"(?<!\d)1\d{10}(?!\d)", re.sub(r"[\s-]", "", phone or ""))}

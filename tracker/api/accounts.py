"""Accounts, who is asking, and what they may reach: access is decided here, once (docs/web.md).

Every API function that reads or writes a unit's data takes the caller's `Scope` and narrows
through `units_in`; nothing else filters by unit. The command line is the local user, whose
scope is every unit (`LOCAL`); a web account's scope is its unit, or its unit and every unit
under it in the 上级单位 tree, or everything for an admin.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tracker.api.common import PathLike
from tracker.problems import TrackerError, UnknownUnit, suggest
from tracker.store import accounts, queries
from tracker.store.accounts import Account
from tracker.store.db import connect, transaction


@dataclass(frozen=True)
class Scope:
    """The units an account may see and load for (docs/web.md, "Who may see what").

    `units` None means every unit (an admin, or the single user without accounts);
    a supervisor's are its unit and every unit under it in the 上级单位 tree."""

    role: str  # local | admin | supervisor | unit
    login: str | None = None
    unit: str | None = None
    units: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return self.units is None

    def allows(self, unit: str) -> bool:
        return self.units is None or unit in self.units

    def among(self, names: Iterable[str]) -> list[str]:
        return [u for u in names if self.allows(u)]

    def describe(self) -> str:
        if self.role == "unit":
            return f"单位账户，只能查看和导入“{self.unit}”"
        if self.role == "supervisor":
            return f"上级单位账户，可查看和导入“{self.unit}”及其下属单位"
        return "可查看全部单位"


LOCAL = Scope("local")  # the command line and the single local web user: every unit


def unit_scope(unit: str) -> Scope:
    """The scope of one unit (a unit account's)."""
    return Scope("unit", unit=unit, units=frozenset([unit]))


@dataclass(frozen=True)
class Units:
    """The units a call covers, as `units_in` decided.

    `names`: the units covered (known and in scope). `everything`: the scope sees every unit
    and none was named, so lower layers need no narrowing (they get `one` = None, all units)."""

    names: tuple[str, ...]
    everything: bool

    @property
    def one(self) -> str | None:
        """The single unit to compute for, or None: every unit (then filter by `only`)."""
        return None if self.everything or len(self.names) != 1 else self.names[0]

    @property
    def only(self) -> list[str] | None:
        """The units to keep of a computation over every unit; None: keep all."""
        return None if self.everything else list(self.names)

    def keeps(self, unit: str | None) -> bool:
        return self.everything or unit in self.names

    def single(self, what: str = "请用 --unit 指定一个单位") -> str:
        """The one unit covered (a usage error when there are several or none)."""
        if len(self.names) != 1:
            have = f"有 {len(self.names)} 个单位" if self.names else "还没有单位"
            raise TrackerError(f"{what}（数据库中{have}）。", code=2)
        return self.names[0]


def units_in(con: duckdb.DuckDBPyConnection, scope: Scope, unit: str | None = None) -> Units:
    """The one place access is decided: the known units `scope` reaches, or just `unit`.

    A unit the database does not know and a unit outside the scope are the same `UnknownUnit`
    ("数据库中没有单位…"), suggesting close names only from the units the scope reaches."""
    known = queries.unit_names(con)
    if scope.everything:
        if unit is None:
            return Units(tuple(known), True)
        return Units(tuple(queries.select_units(con, unit)), False)
    mine = scope.among(known)
    if unit is None:
        return Units(tuple(mine), False)
    if unit not in mine:
        hint = suggest(unit, mine) or (f"（您可查看：{'、'.join(mine[:10])}{'等' if len(mine) > 10 else ''}）"
                                       if mine else "")
        raise UnknownUnit(f"数据库中没有单位“{unit}”{hint}。")
    return Units((unit,), False)


def require_everything(scope: Scope, what: str) -> None:
    """Work on the whole database (a backup): refused for an account that sees only some units."""
    if not scope.everything:
        raise TrackerError(f"{what}涉及全部单位的数据，您的账户（{scope.describe()}）不能进行。")


def known_units(db: PathLike | None = None, scope: Scope = LOCAL) -> list[str]:
    """The units the database knows and `scope` reaches, sorted."""
    with connect(db, read_only=True) as con:
        return list(units_in(con, scope).names)


# ---------------------------------------------------------------- who loads, accounts


def cli_account() -> str:
    """How a load from the command line is recorded: 命令行（the OS user）."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = "未知用户"
    return f"命令行（{user}）"


def web_account(login: str | None) -> str:
    """How a load from the web app is recorded: 网页（login）, or 网页（本机） without accounts."""
    return f"网页（{login}）" if login else "网页（本机）"


def user_add(db: PathLike | None, login: str, role: str, unit: str | None, password: str, *,
             one_time: bool = False) -> Account:
    """Add an account of the web app (the password is stored only as a hash; a one-time one must be
    changed at the first login)."""
    with connect(db, create=False) as con:
        return accounts.add_account(con, login, role, unit, password, one_time=one_time)


def user_reset(db: PathLike | None, login: str) -> str:
    """A new one-time password for the account (shown once; the next login must change it; its
    sessions end)."""
    password = accounts.one_time_password()
    with connect(db, create=False) as con:
        accounts.set_password(con, login, password, one_time=True)
    return password


def change_password(db: PathLike | None, login: str, current: str, new: str) -> Account:
    """The account's own change of password (the first login after a one-time one): the current
    password must be right; the new one differs from it."""
    if new == current:
        raise TrackerError("新密码不能与原密码相同。")
    with connect(db, create=False) as con:
        if accounts.verify(con, login, current) is None:
            raise TrackerError("原密码不对。")
        return accounts.set_password(con, login, new)


@dataclass(frozen=True)
class UnitAccounts:
    """The accounts `user_add_units` made (unit, login) and the file holding their passwords."""

    made: list[tuple[str, str]]
    path: Path | None
    had: int  # units that already had an account


def user_add_units(db: PathLike | None, out: PathLike, *, district: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> UnitAccounts:
    """An account for every unit (under `district` in the 上级单位 tree) that has none, each with a
    random one-time password written only to `out` (.xlsx: 单位, 账号, 初始密码)."""
    from concurrent.futures import ThreadPoolExecutor

    import polars as pl

    from tracker.render.xlsx import write_tables

    with connect(db, create=False) as con:
        names = queries.unit_names(con)
        if district is not None:
            tops = sorted(set(names) | {p for p in queries.unit_parents(con).values() if p})
            if district not in tops:
                raise UnknownUnit(f"数据库中没有单位“{district}”{suggest(district, tops)}（--district 是上级单位或单位的名称）。")
            names = [u for u in accounts.unit_tree(con, district) if u in names]
        had = accounts.unit_accounts(con)
        todo = [u for u in names if u not in had]
        taken = {a.login.lower() for a in accounts.list_accounts(con)}
        logins = [accounts.login_for(u, taken) for u in todo]
    passwords = [accounts.one_time_password() for _ in todo]
    with ThreadPoolExecutor(max_workers=2) as pool:  # argon2 lets go of the GIL: two hashes at a time
        hashes = []
        for i, h in enumerate(pool.map(accounts.hash_password, passwords)):
            hashes.append(h)
            if progress:
                progress(i + 1, len(todo))
    if not todo:
        return UnitAccounts([], None, len([u for u in names if u in had]))
    frame = pl.DataFrame({"unit": todo, "login": logins, "password": passwords})
    path = write_tables(Path(out), {"账户": (frame, {"unit": "单位", "login": "账号", "password": "初始密码"})},
                        "各单位账户（初始密码仅此一份，首次登录须修改）")
    with connect(db, create=False) as con, transaction(con):
        for u, login, p, h in zip(todo, logins, passwords, hashes, strict=True):
            accounts.add_account(con, login, "unit", u, p, one_time=True, hashed=h)
    return UnitAccounts(list(zip(todo, logins, strict=True)), path, len(names) - len(todo))


def user_list(db: PathLike | None = None) -> list[Account]:
    with connect(db, read_only=True) as con:
        return accounts.list_accounts(con)


def user_passwd(db: PathLike | None, login: str, password: str) -> Account:
    with connect(db, create=False) as con:
        return accounts.set_password(con, login, password)


def user_remove(db: PathLike | None, login: str) -> Account:
    with connect(db, create=False) as con:
        return accounts.remove_account(con, login)


def authenticate(db: PathLike | None, login: str, password: str) -> Account | None:
    """The account when the password is right, else None."""
    with connect(db, read_only=True) as con:
        return accounts.verify(con, login, password)


def account(db: PathLike | None, login: str) -> Account | None:
    with connect(db, read_only=True) as con:
        return accounts.get_account(con, login)


@dataclass(frozen=True)
class ServeSettings:
    """What `tracker serve` needs at start: the cookie key and whether accounts exist."""

    secret: str
    accounts: int
    has_admin: bool


def serve_settings(db: PathLike | None) -> ServeSettings:
    """Create the database if needed and return the server's settings (the key is made once)."""
    with connect(db, create=True) as con:
        return ServeSettings(accounts.web_secret(con), accounts.count_accounts(con), accounts.has_admin(con))


def scope_in(con: duckdb.DuckDBPyConnection, acct: Account | None) -> Scope:
    """What `acct` may see, read on an open connection (None: the local user, everything)."""
    if acct is None:
        return LOCAL
    if acct.role == "admin":
        return Scope("admin", acct.login)
    if acct.role == "unit":
        return Scope("unit", acct.login, acct.unit, frozenset([acct.unit or ""]))
    return Scope("supervisor", acct.login, acct.unit, frozenset(accounts.unit_tree(con, acct.unit or "")))


def scope(db: PathLike | None, acct: Account | None) -> Scope:
    """What `acct` may see (None: the single local user, who sees everything)."""
    with connect(db, read_only=True) as con:
        return scope_in(con, acct)


@dataclass(frozen=True)
class Visitor:
    """Who a web request comes from: how many accounts exist, the signed-in account, its scope."""

    accounts: int
    account: Account | None
    scope: Scope | None  # None: not signed in


def visitor(db: PathLike | None, login: str | None, stamp: str | None) -> Visitor:
    """The account of a session (its login and password stamp), checked against the database on
    every request: a removed account or a changed password ends the session."""
    with connect(db, read_only=True) as con:
        n = accounts.count_accounts(con)
        acct = accounts.get_account(con, login) if login else None
        if acct is None or acct.stamp != stamp:
            return Visitor(n, None, None)
        return Visitor(n, acct, scope_in(con, acct))

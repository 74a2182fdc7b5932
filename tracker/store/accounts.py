"""Accounts of the web app, kept in the database beside the ledgers (docs/web.md, "Accounts").

A password is stored only as an argon2id hash (argon2-cffi); the plain text is
never written anywhere. A `unit` account belongs to one unit, a `supervisor`
account to the unit at the top of its 上级单位 tree, an `admin` account to none.
Logins are unique (kept here: DuckDB index constraints are checked eagerly).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass

import duckdb

from tracker.problems import TrackerError

ROLES: dict[str, str] = {"unit": "单位", "supervisor": "上级单位", "admin": "管理员"}
MIN_PASSWORD = 8
LOGIN_RE = re.compile(r"^[A-Za-z0-9_.@\-\u4e00-\u9fff]{2,40}$")

MAX_PASSWORD = 1024  # longer is not a password: refused without hashing
HASHES_AT_ONCE = 2  # argon2 takes 64 MiB a hash: a burst of logins waits rather than fills memory


class _BoundedHasher:
    """argon2, at most `HASHES_AT_ONCE` hashes at a time in this process (docs/web.md, "Safety")."""

    def __init__(self) -> None:
        self._slots = threading.BoundedSemaphore(HASHES_AT_ONCE)

    @functools.cached_property
    def _argon2(self):  # imported when first needed: a load or a report never hashes a password
        from argon2 import PasswordHasher

        return PasswordHasher()

    def hash(self, password: str) -> str:
        with self._slots:
            return self._argon2.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        """Whether `password` is the one `hashed` was made from (a damaged hash: no)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        if len(password) > MAX_PASSWORD:
            return False
        with self._slots:
            try:
                return self._argon2.verify(hashed, password)
            except (VerificationError, InvalidHashError):
                return False


_hasher = _BoundedHasher()


@dataclass(frozen=True)
class Account:
    login: str
    role: str  # unit | supervisor | admin
    unit: str | None
    password_hash: str
    created_at: dt.datetime
    changed_at: dt.datetime
    must_change: bool = False  # a one-time password: the first login asks for a new one

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    @property
    def stamp(self) -> str:
        """Changes when the password changes: a session made before that is no longer valid."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def check_login(login: str) -> str:
    login = (login or "").strip()
    if not LOGIN_RE.match(login):
        raise TrackerError(f"登录名“{login}”不可用：请用 2 到 40 个字母、数字、汉字或 _ . @ -。", code=2)
    return login


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise TrackerError(f"密码至少要 {MIN_PASSWORD} 个字符。")
    if password.strip() != password or "\n" in password:
        raise TrackerError("密码的开头和结尾不能是空格，也不能包含换行。")
    return password


def check_role(role: str, unit: str | None) -> tuple[str, str | None]:
    if role not in ROLES:
        raise TrackerError(f"未知的角色“{role}”。可选：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}。",
                           code=2)
    unit = (unit or "").strip() or None
    if role in ("unit", "supervisor") and not unit:
        raise TrackerError(f"{ROLES[role]}账户需要用 --unit 指定所属单位。", code=2)
    if role == "admin" and unit:
        raise TrackerError("管理员账户可以查看全部单位，不需要 --unit。", code=2)
    return role, unit


def _row(r: tuple) -> Account:
    return Account(*r[:6], bool(r[6]))


def list_accounts(con: duckdb.DuckDBPyConnection) -> list[Account]:
    rows = con.execute(
        "SELECT login, role, unit, password_hash, created_at, changed_at, must_change FROM accounts "
        "ORDER BY role, login"
    ).fetchall()
    return [_row(r) for r in rows]


def get_account(con: duckdb.DuckDBPyConnection, login: str) -> Account | None:
    rows = con.execute(
        "SELECT login, role, unit, password_hash, created_at, changed_at, must_change FROM accounts WHERE login = ?",
        [login],
    ).fetchall()
    return _row(rows[0]) if rows else None


def has_admin(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM accounts WHERE role = 'admin'").fetchall()[0][0])


def count_accounts(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM accounts").fetchall()[0][0])


def add_account(con: duckdb.DuckDBPyConnection, login: str, role: str, unit: str | None,
                password: str, *, one_time: bool = False, hashed: str | None = None) -> Account:
    """Add an account; with `one_time`, its first login must change the password (`hashed`: the
    password's hash, made beforehand)."""
    login = check_login(login)
    role, unit = check_role(role, unit)
    check_password(password)
    if get_account(con, login):
        raise TrackerError(f"登录名“{login}”已经存在。要改密码请用 tracker user passwd {login}。")
    now = dt.datetime.now().replace(microsecond=0)
    con.execute("INSERT INTO accounts (login, role, unit, password_hash, created_at, changed_at, must_change) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [login, role, unit, hashed or _hasher.hash(password), now, now, one_time])
    account = get_account(con, login)
    assert account is not None
    return account


def _existing(con: duckdb.DuckDBPyConnection, login: str) -> Account:
    account = get_account(con, login)
    if account is None:
        known = [a.login for a in list_accounts(con)]
        listed = f"（现有：{'、'.join(known)}）" if known else "（还没有任何账户）"
        raise TrackerError(f"没有登录名为“{login}”的账户{listed}。")
    return account


def set_password(con: duckdb.DuckDBPyConnection, login: str, password: str, *, one_time: bool = False) -> Account:
    """Set a password (its sessions end); a one-time one must be changed at the next login."""
    _existing(con, login)
    check_password(password)
    con.execute("UPDATE accounts SET password_hash = ?, changed_at = ?, must_change = ? WHERE login = ?",
                [_hasher.hash(password), dt.datetime.now().replace(microsecond=0), one_time, login])
    account = get_account(con, login)
    assert account is not None
    return account


def remove_account(con: duckdb.DuckDBPyConnection, login: str) -> Account:
    account = _existing(con, login)
    con.execute("DELETE FROM accounts WHERE login = ?", [login])
    return account


def verify(con: duckdb.DuckDBPyConnection, login: str, password: str) -> Account | None:
    """The account if the password is right, else None (an unknown login costs a hash too)."""
    account = get_account(con, (login or "").strip())
    if account is None:
        _hasher.verify(_dummy_hash(), password)  # the same time as a known login's wrong password
        return None
    return account if _hasher.verify(account.password_hash, password) else None


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-password-of-anyone")


def web_secret(con: duckdb.DuckDBPyConnection) -> str:
    """The key that signs session cookies: made once, kept in the database."""
    rows = con.execute("SELECT value FROM web_settings WHERE key = 'session_secret'").fetchall()
    if rows:
        return rows[0][0]
    secret = secrets.token_urlsafe(32)
    con.execute("INSERT INTO web_settings VALUES ('session_secret', ?)", [secret])
    return secret


def unit_tree(con: duckdb.DuckDBPyConnection, top: str) -> list[str]:
    """`top` and every unit under it in the 上级单位 tree (any depth), sorted."""
    rows = con.execute(
        """
        WITH RECURSIVE tree(unit) AS (
            SELECT ?::VARCHAR
            UNION
            SELECT u.unit FROM units u JOIN tree t ON u.parent = t.unit
        )
        SELECT DISTINCT unit FROM tree ORDER BY unit
        """,
        [top],
    ).fetchall()
    return [r[0] for r in rows]


def web_setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A setting of the web app (base_url: the address phones and certificates point to), or None."""
    found = con.execute("SELECT value FROM web_settings WHERE key = ?", [key]).fetchall()
    return found[0][0] if found else None


def set_web_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("DELETE FROM web_settings WHERE key = ?", [key])
    con.execute("INSERT INTO web_settings VALUES (?, ?)", [key, value])


PASSWORD_LETTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no l/1, O/0: typed from paper


def one_time_password(length: int = 12) -> str:
    """A random password to hand over once (secrets): changed at the first login."""
    return "".join(secrets.choice(PASSWORD_LETTERS) for _ in range(length))


def hash_password(password: str) -> str:
    """The stored form of a password (argon2id): for making many accounts' hashes side by side."""
    return _hasher.hash(check_password(password))


def login_for(name: str, taken: set[str]) -> str:
    """A login made from a unit's name: its letters, digits and Chinese characters, at most 40, made
    unique with a number (示例市中心血站, 示例市中心血站2)."""
    base = "".join(ch for ch in name if re.match(r"[A-Za-z0-9_.@\-\u4e00-\u9fff]", ch))[:38] or "unit"
    base = base if len(base) >= 2 else base + "_u"
    login, n = base, 2
    while login.lower() in taken:
        login, n = f"{base}{n}", n + 1
    taken.add(login.lower())
    return login


def unit_accounts(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The units that have a unit account."""
    return {r[0] for r in con.execute("SELECT DISTINCT unit FROM accounts WHERE role = 'unit'").fetchall()}

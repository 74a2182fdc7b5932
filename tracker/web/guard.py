"""What keeps the web app safe and the database whole (docs/web.md, "Safety").

- `DatabaseGate`: DuckDB allows one writer process, and one process may not open
  a file read-only and read-write at once. Requests share the database through
  a readers–writer lock, each opening its own connection (read-only for reads)
  and closing it before the response, so a CLI load can run between requests.
  When another process holds the file, a request waits a moment and then says
  so in Chinese.
- `LoginThrottle`: repeated failed logins, per login and per client address,
  must wait longer and longer before the next try.
- CSRF tokens: one per session, on every form that changes something.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from tracker.api import DatabaseBusy

T = TypeVar("T")


class DatabaseGate:
    """Readers share, a writer is alone; a busy database is retried for `patience` seconds."""

    def __init__(self, patience: float = 3.0, step: float = 0.25):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self.patience = patience
        self.step = step

    @contextmanager
    def _read(self):
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def _write(self):
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()

    def run(self, fn: Callable[[], T], *, write: bool = False) -> T:
        """Call `fn` under the lock, retrying while another process holds the database."""
        deadline = time.monotonic() + self.patience
        while True:
            try:
                with self._write() if write else self._read():
                    return fn()
            except DatabaseBusy:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(self.step)


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass
class LoginThrottle:
    """After `free` failed tries, each further try waits `base` × 2^(n − free) seconds (at most
    `cap`), counted per login and per client address; failures older than `window` are forgotten."""

    free: int = 5
    base: float = 2.0
    cap: float = 300.0
    window: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _keys(self, login: str, client: str) -> list[str]:
        return [f"login:{login.strip().lower()}", f"client:{client}"]

    def wait(self, login: str, client: str) -> float:
        """Seconds to wait before this login may be tried again from this client (0: now)."""
        with self._lock:
            return self._wait(login, client)

    def begin(self, login: str, client: str) -> float:
        """Before a password is checked: the seconds to wait (0: go on), and when 0 the try is
        counted at once, as a failure until `succeeded` — so a hundred tries sent together are
        not all checked (each costs an argon2 hash) before the first is counted."""
        with self._lock:
            wait = self._wait(login, client)
            if wait == 0:
                self._count(login, client)
        return wait

    def _wait(self, login: str, client: str) -> float:
        now = self.clock()
        longest = 0.0
        for key in self._keys(login, client):
            f = self._seen.get(key)
            if f is None or now - f.last > self.window:
                continue
            if f.count >= self.free:
                delay = min(self.cap, self.base * 2 ** (f.count - self.free))
                longest = max(longest, f.last + delay - now)
        return max(0.0, longest)

    def _count(self, login: str, client: str) -> None:
        now = self.clock()
        for key in self._keys(login, client):
            f = self._seen.get(key)
            if f is None or now - f.last > self.window:
                f = self._seen[key] = _Failures()
            f.count += 1
            f.last = now

    def cancelled(self, login: str, client: str) -> None:
        """The try `begin` counted was never checked (the database was busy): it is taken back,
        so a person who retries a busy server is not locked out for the server's fault."""
        with self._lock:
            for key in self._keys(login, client):
                f = self._seen.get(key)
                if f is not None:
                    f.count = max(0, f.count - 1)

    def succeeded(self, login: str, client: str) -> None:
        """The try `begin` counted was right: the login's failures are forgotten, and the client's
        count loses that one try."""
        with self._lock:
            by_login, by_client = self._keys(login, client)
            self._seen.pop(by_login, None)
            f = self._seen.get(by_client)
            if f is not None:
                f.count = max(0, f.count - 1)


def csrf_token(session: dict) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def csrf_ok(session: dict, sent: object) -> bool:
    token = session.get("csrf")
    return bool(token) and isinstance(sent, str) and secrets.compare_digest(token, sent)


@dataclass
class GuessThrottle:
    """Public pages (the phone sign-in, the self-query): a client that keeps guessing is refused.

    Each wrong guess (a name and digits that match nobody, an unknown code) is counted per client
    address and per `target` (a sign-in code): `per_client` wrong guesses from one address, or
    `per_target` against one target, within `window` seconds refuse further tries until the oldest
    falls out of the window. Right answers are not counted."""

    per_client: int = 10
    per_target: int = 60
    window: float = 600.0
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._seen.get(key, []) if now - t < self.window]
        if times:
            self._seen[key] = times
        else:
            self._seen.pop(key, None)
        return times

    def wait(self, client: str, target: str = "") -> float:
        """Seconds until this client may guess again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = []
            for key, most in ((f"client:{client}", self.per_client), (f"target:{target}", self.per_target)):
                times = self._recent(key, now)
                if len(times) >= most:
                    waits.append(times[len(times) - most] + self.window - now)
        return max([0.0, *waits])

    def missed(self, client: str, target: str = "") -> None:
        now = self.clock()
        with self._lock:
            for key in (f"client:{client}", f"target:{target}"):
                self._seen.setdefault(key, []).append(now)

"""The web app: its routes and the middleware around them (docs/web.md).

Every handler reads through `tracker.api` inside `DatabaseGate.run` (a fresh
connection per call, read-only unless it stores), checks the account's units
on the server, and renders a template that extends the reports' base.html.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route

from tracker import api
from tracker.web import accounts, awards, platforms, public, records, signins, views
from tracker.web.common import (
    SESSION_HOURS,
    BodyLimit,
    Config,
    guarded,
    login_page,
    login_submit,
    logout,
    on_crash,
    on_http_error,
)
from tracker.web.guard import DatabaseGate, GuessThrottle, LoginThrottle


def create_app(db: Path, out_dir: Path, *, local_only: bool = True, max_upload: int = 50 * 1024 * 1024,
               rules: Path | None = None, today: Callable[[], dt.date] | None = None,
               throttle: LoginThrottle | None = None, gate: DatabaseGate | None = None,
               now: Callable[[], dt.datetime] | None = None, guesses: GuessThrottle | None = None,
               public_query: bool = True) -> Starlette:
    """The web app over database `db`; reports it makes go under `out_dir`."""
    settings = api.serve_settings(db)
    config = Config(Path(db), Path(out_dir), local_only, max_upload, rules, today or dt.date.today,
                    gate or DatabaseGate(), throttle or LoginThrottle())
    if now is not None:
        config.now = now
    if guesses is not None:
        config.guesses = guesses
    config.public_query = public_query
    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        *[Route(path, fn, methods=methods) for path, fn, methods in signins.PUBLIC_ROUTES + public.ROUTES],
        *[Route(path, guarded(fn), methods=methods)
          for path, fn, methods in accounts.ROUTES + awards.ROUTES + platforms.ROUTES + records.ROUTES + signins.ROUTES + views.ROUTES],
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_app):
        # on shutdown, SIGTERM included (uvicorn stops, then re-raises the signal, so atexit never
        # runs): the uploads waiting for confirmation are personal data, never kept
        yield
        shutil.rmtree(config.stage_root, ignore_errors=True)

    app = Starlette(
        lifespan=lifespan,
        routes=routes,
        middleware=[
            Middleware(BodyLimit, limit=max_upload),
            Middleware(SessionMiddleware, secret_key=settings.secret, session_cookie="tracker_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax"),
        ],
        exception_handlers={HTTPException: on_http_error, Exception: on_crash},
    )
    app.state.cfg = config
    atexit.register(shutil.rmtree, config.stage_root, ignore_errors=True)  # uploads never stored
    return app



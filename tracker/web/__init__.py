"""`tracker serve`: the same engine in a web page, for offices that do not use a terminal (docs/web.md).

Every page reads and writes through `tracker.api`; this package only checks who
is asking, parses forms and lays out what the api returns.
"""

from __future__ import annotations

from tracker.web.app import create_app

__all__ = ["create_app"]

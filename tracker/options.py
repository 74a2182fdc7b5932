"""Options as people type them, parsed once for the command line, the web and the API.

A month is YYYY-MM; a date may be written 2026-06-30, 2026/6/30 or 2026年6月30日. Both are
usage errors (exit 2) when they cannot be read, naming the option (docs/architecture.md,
"Where does a new command go").
"""

from __future__ import annotations

import datetime as dt

from tracker.problems import TrackerError
from tracker.values import parse_user_date


def parse_month_option(month: str | None, option: str = "--month") -> str | None:
    """YYYY-MM, checked (None stays None)."""
    if month is None:
        return None
    try:
        d = dt.datetime.strptime(month.strip(), "%Y-%m")
    except ValueError:
        raise TrackerError(f"{option} 应写成 YYYY-MM（如 2026-03），而不是“{month}”。", code=2) from None
    return d.strftime("%Y-%m")


def parse_date_option(text: str | dt.date | None, option: str = "--as-of") -> dt.date | None:
    """A date option as typed (2026-06-30, 2026/6/30, 2026年6月30日) or already a date."""
    if text is None or isinstance(text, dt.date):
        return text
    d = parse_user_date(text)
    if d is None:
        raise TrackerError(f"{option} 不是可识别的日期：“{text}”（如 2026-06-30）。", code=2)
    return d

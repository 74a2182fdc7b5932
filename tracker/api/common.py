"""What every capability module of the API shares: path and rules arguments, and the rules a load applies."""

from __future__ import annotations

import os
from collections.abc import Callable

from tracker.rules import Rules, load_rules

PathLike = str | os.PathLike
Progress = Callable[[str], None]  # a file being loaded


def rules_of(rules: PathLike | Rules | None) -> Rules:
    """The rules given, or read from a file (None: the defaults, or env TRACKER_RULES)."""
    return rules if isinstance(rules, Rules) else load_rules(rules)


def rule_options(r: Rules) -> dict:
    """The rules a load applies (`LoadOptions`), for files from the CLI and uploads alike."""
    return {"due_working_days": r.record_due_working_days, "earliest_date": r.earliest_date,
            "file_date_future_days": r.file_date_future_days}

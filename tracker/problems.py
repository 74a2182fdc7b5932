"""Problems are values, not exceptions (cf. beancount's validation errors).

Every check returns problems carrying where they came from (file, row as Excel
numbers it, column) so a loader can collect them all and show them at once.
`TrackerError` is the one exception a user-facing command raises; the CLI turns
it into a Chinese message and exit code 1, never a traceback.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from tracker.privacy import mask_text

VALUE_CHARS = 60  # a value longer than this is cut in problem tables (a 1 MB cell stays in the file)
QUOTED_CHARS = 40  # the same for a value quoted “…” inside a message
MESSAGE_CHARS = 400
_QUOTED = re.compile("“([^”]{" + str(QUOTED_CHARS + 1) + ",})”")


# control characters (an ESC would drive the terminal, a newline break a table) and the bidi
# overrides that reorder what follows: shown as \x1b, \n, \u202e; a tab and a line break are
# kept in a message of several lines
_CONTROL_BUT_LINES = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\t\n{_CONTROL_BUT_LINES}]"), re.compile(f"[{_CONTROL_BUT_LINES}]")


def shown(text: str, lines: bool = False) -> str:
    """`text` with its control characters written out (\x1b), as it is safe to print; with
    `lines`, line breaks and tabs are kept (a message of several lines)."""
    return _CONTROL[lines].sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def shorten(text: str, limit: int = VALUE_CHARS) -> str:
    """`text`, or its start and "…（共 N 字）" when it is longer than `limit` characters."""
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(text)} 字）"


def _clean_message(message: str) -> str:
    message = shown(mask_text(message))
    message = _QUOTED.sub(lambda m: f"“{shorten(m[1], QUOTED_CHARS)}”", message)
    return shorten(message, MESSAGE_CHARS)


@dataclass(frozen=True, order=True)
class Problem:
    """One problem, as shown: ID numbers and phones masked, long values cut (docs/privacy.md)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    level: str = "error"  # "error" rejects the file; "warning" is shown and loads

    def __post_init__(self) -> None:
        if self.value is not None:
            object.__setattr__(self, "value", shorten(shown(mask_text(str(self.value)))))
        object.__setattr__(self, "file", shown(str(self.file)))
        if self.column is not None:
            object.__setattr__(self, "column", shown(str(self.column)))
        object.__setattr__(self, "message", _clean_message(str(self.message)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)



@dataclass
class Problems:
    """A collector; `extend_frame` adds problems from a polars frame at once."""

    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        file: str,
        row: int | None,
        column: str | None,
        value: Any,
        message: str,
        level: str = "error",
    ) -> None:
        self.items.append(
            Problem(file, row, column, None if value is None else str(value), message, level)
        )

    def extend_frame(self, file: str, frame: pl.DataFrame, level: str = "error") -> None:
        """`frame` has columns row, column, value, message (one problem per row)."""
        if frame.height == 0:
            return
        for r in frame.select("row", "column", "value", "message").iter_rows():
            self.add(file, r[0], r[1], r[2], r[3], level)

    def extend(self, other: Problems | list[Problem]) -> None:
        self.items.extend(other.items if isinstance(other, Problems) else other)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == "error"]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (p.file, p.row or 0, p.column or "", p.message))

    def __bool__(self) -> bool:
        return bool(self.errors)


class TrackerError(Exception):
    """A user mistake or refused input: a Chinese message, maybe with problems."""

    def __init__(self, message: str, problems: list[Problem] | None = None, code: int = 1):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.code = code


class NotFound(TrackerError):
    """Something asked for by name that is not there, or not the caller's: the web answers 404."""


class UnknownUnit(NotFound):
    """A unit the database does not know, or one the caller's scope does not reach: the two are
    told alike (the web answers 404), so an account cannot learn which units exist elsewhere."""


def close_names(word: str, options: list[str], n: int = 3) -> list[str]:
    """Names like `word` (a typo, a short form), for "did you mean" hints."""
    hits = difflib.get_close_matches(word, options, n=n, cutoff=0.4)
    if not hits:
        hits = [o for o in options if word and (word in o or o in word)][:n]
    return hits


def suggest(word: str, options: list[str]) -> str:
    """"（是否是：A、B？）", or "" when nothing is close."""
    hits = close_names(word, options)
    return f"（是否是：{'、'.join(hits)}？）" if hits else ""

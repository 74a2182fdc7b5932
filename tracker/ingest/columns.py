"""Columns and ledger kinds, declared once (cf. beangulp's declared CSV columns; docs/ledgers.md).

Each ledger kind lives in its own module under `tracker.ingest.kinds`, which
declares its columns with `Column` and its behaviour with `Kind`; the
registry there lists them. Reading (header matching), validation (types,
required, choices), templates and the README's column tables all derive
from these declarations.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Column:
    key: str  # English alias, also the stored field name
    header: str  # the Chinese header users see in templates
    type: str = "text"  # a key of tracker.values.PARSERS
    required: bool = False
    also: tuple[str, ...] = ()  # other Chinese headers seen in real files and the notice's forms
    choices: tuple[str, ...] = ()
    example: str = ""
    note: str = ""
    stored: bool = True  # False: read and checked, not stored (e.g. 附件3's 志愿者人数)

    def names(self) -> list[str]:
        return [self.header, self.key, *self.also]


@dataclass(frozen=True)
class Kind:
    """One ledger kind: what `tracker load KIND` reads, checks and stores.

    `monthly` ledgers (the three registers of work done) are uploaded month by
    month: status and reports list their missing months, and a file covers the
    months from its first date to its last. `new_units` says what a file naming
    an unknown unit does: "refuse" it, "warn" and register it, or "create" it
    quietly (the units form itself). `prepare` checks a file's typed rows
    against the database and returns what to write (`context.Prepared`).
    """

    key: str  # units | teams | roster | activities | demands | pairings
    name: str  # the ledger's short Chinese name: 花名册, 活动登记簿
    title: str  # the form's title: 党员志愿服务队志愿者花名册
    columns: tuple[Column, ...]
    prepare: Callable[..., Any]
    monthly: bool = False
    new_units: Literal["refuse", "warn", "create"] = "refuse"
    fill_down: tuple[str, ...] = field(default=())  # merged cells: blank means "as above"

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


UNIT = Column("unit", "单位名称", also=("党组织名称", "单位", "所在单位"), example="示例市中心血站")


def normalize_header(text: str) -> str:
    """A header cell as it is compared: NFKC, no spaces, quotes, '*' or (…) notes.

    "姓　　名" → "姓名"; "主要志愿\\n服务项目" → "主要志愿服务项目";
    "“党员志愿服务队”负责人姓名及联系方式（办公、手机）" → "党员志愿服务队负责人姓名及联系方式".
    """
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"[\s\u3000]+", "", s)
    s = re.sub(r"[\"'“”‘’*＊]", "", s)
    s = re.sub(r"\([^()]*\)$", "", s)
    return s.lower()


def header_index(kind: Kind) -> dict[str, str]:
    """normalized header text → column key."""
    out: dict[str, str] = {}
    for c in kind.columns:
        for n in c.names():
            out.setdefault(normalize_header(n), c.key)
    return out

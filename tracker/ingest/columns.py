"""Columns and ledger kinds, declared once (cf. beangulp's declared CSV columns; docs/ledgers.md).

Each ledger kind lives in its own module under `tracker.ingest.kinds`, which
declares its columns with `Column` and its behaviour with `Kind`; the
registry there lists them. Reading (header matching), validation (types,
required, choices), templates and the README's column tables all derive
from these declarations.

A column's `also` is its table of other headers seen in real files: data,
not matching code. A user adds more without a release in a headers file
(`tracker.ingest.aliases`); both are compared after `normalize_header`, and a
unit written in the header ("（分钟）", "(h)") is read by `header_unit`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from tracker.values import without_invisible


@dataclass(frozen=True)
class Column:
    key: str  # English alias, also the stored field name
    header: str  # the Chinese header users see in templates
    type: str = "text"  # a key of tracker.values.PARSERS
    required: bool = False
    also: tuple[str, ...] = ()  # other headers seen in real files and the notice's forms
    choices: tuple[str, ...] = ()
    example: str = ""
    note: str = ""
    stored: bool = True  # False: read and checked, not stored (e.g. 附件3's 志愿者人数)
    spellings: tuple[tuple[str, str], ...] = ()  # other spellings of a choice → the choice
    most: float | None = None  # hours: the largest value one row may hold (24 a day)

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
    `span` names the (start, end, hours) columns when hours may be computed
    from a start and an end time.
    """

    key: str  # units | teams | roster | activities | demands | pairings
    name: str  # the ledger's short Chinese name: 花名册, 活动登记簿
    title: str  # the form's title: 党员志愿服务队志愿者花名册
    columns: tuple[Column, ...]
    prepare: Callable[..., Any]
    monthly: bool = False
    new_units: Literal["refuse", "warn", "create"] = "refuse"
    fill_down: tuple[str, ...] = field(default=())  # merged cells: blank means "as above"
    span: tuple[str, str, str] | None = None

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def has(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


UNIT = Column("unit", "单位名称", also=("党组织名称", "单位", "所在单位", "所属单位", "填报单位"),
              example="示例市中心血站")
SEQ = Column("seq", "序号", also=("行号", "No", "No."), stored=False, note="行的编号，不读取")

_BRACKETS = r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕"
_UNITS = {
    "小时": "hours", "时": "hours", "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours",
    "hours": "hours", "分钟": "minutes", "分": "minutes", "min": "minutes", "mins": "minutes",
    "minute": "minutes", "minutes": "minutes",
}


def _nfkc(text: str) -> str:
    """A header as compared: NFKC, lower case, without spaces or invisible characters."""
    return re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", without_invisible(str(text)))).lower()


@lru_cache(maxsize=8192)
def normalize_header(text: str) -> str:
    """A header cell as it is compared: NFKC, no spaces, quotes, '*', bracketed notes or units.

    "姓　　名" → "姓名"; "主要志愿\\n服务项目" → "主要志愿服务项目"; "服务时长（小时）" and
    "服务时长/h" → "服务时长"; "“党员志愿服务队”负责人姓名及联系方式（办公、手机）" →
    "党员志愿服务队负责人姓名及联系方式".
    """
    s = _nfkc(text)
    s = re.sub(r"[\"'“”‘’*＊]", "", s)
    s = re.sub(_BRACKETS, "", s)
    s = re.sub(r"/(" + "|".join(_UNITS) + r")$", "", s)
    return s.rstrip(":：")


@lru_cache(maxsize=8192)
def header_unit(text: str) -> str | None:
    """The unit a header gives its values: "minutes" for 服务时长（分钟）, 服务分钟数 or 时长/min,
    "hours" for 服务时长（小时）, (h) or 服务小时数, else None."""
    s = _nfkc(text)
    for inner in re.findall(r"[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]", s):
        word = re.sub(r"^单位[:：]?", "", inner)
        if word in _UNITS:
            return _UNITS[word]
    m = re.search(r"/(" + "|".join(_UNITS) + r")$", s)
    if m:
        return _UNITS[m.group(1)]
    base = normalize_header(text)
    if "分钟" in base:
        return "minutes"
    if "小时" in base:
        return "hours"
    return None


def header_index(kind: Kind, extra: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """normalized header text → column key: the declared names, then a user's aliases (`extra`)."""
    out: dict[str, str] = {}
    for c in kind.columns:
        for n in c.names():
            out.setdefault(normalize_header(n), c.key)
    for key, names in (extra or {}).items():
        for n in names:
            out.setdefault(normalize_header(n), key)
    return out


def known_headers(kind: Kind, extra: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, tuple[str, bool]]:
    """Every Chinese name a kind's columns are known by: normalized → (as written, is the main header),
    for "可能是…" suggestions."""
    out: dict[str, tuple[str, bool]] = {}
    for c in kind.columns:
        for i, n in enumerate([c.header, *c.also, *(extra or {}).get(c.key, ())]):
            if re.search(r"[\u4e00-\u9fff]", n):
                out.setdefault(normalize_header(n), (n, i == 0))
    return out

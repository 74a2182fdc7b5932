"""What the lines above a table say (docs/ledgers.md, "Where the table is").

People write once above the table what holds for every row: "单位名称（盖章）：…　填表日期：2013.7",
"填报单位：X　　填报时间：Y", "活动日期：2026年10月10日　活动地点：东城社区", "服务队：检验队", or a
title "2026年5月党员志愿者活动登记簿" that gives the year of dates written without one. A line may
hold several label：value pairs, separated by spaces or full-width spaces; each pair is read on
its own, so one never runs into the next.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from tracker.ingest.columns import normalize_header
from tracker.values import without_invisible

# a label: Chinese (with a bracketed note such as （盖章）), then a colon
_LABEL = re.compile(r"([\u4e00-\u9fff][\u4e00-\u9fff()（）、]{0,19})\s*[:：]")
_UNIT_LABELS = {"单位名称", "填报单位", "单位", "报送单位", "党组织名称", "党组织"}
_DATE_LABELS = {"填表日期", "填报日期", "填表时间", "填报时间", "制表日期", "制表时间", "报送日期", "报送时间"}
_PARENT_LABELS = {"辖市区市各主管部门", "市各主管部门", "主管部门", "上级单位", "辖市区"}
_STAFF_LABELS = {"单位人数"}
# the columns a line above the table may give for every row (the file's own cells win)
FILLABLE = {"date", "start", "end", "times", "team", "title", "kind", "theme", "place", "beneficiary", "content",
            "lead", "recorder", "hours"}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年|[-/.]\s*\d{1,2}(?:\D|$))")


@dataclass
class TitleLines:
    """The facts of the lines above a table: unit, staff, file date, parent, year, and the values
    they give for columns of the ledger (key → text)."""

    unit: str | None = None
    staff: str | None = None
    date: str | None = None
    parent: str | None = None
    year: int | None = None
    fills: dict[str, str] = field(default_factory=dict)
    fill_labels: dict[str, str] = field(default_factory=dict)  # key → the label the line used


def pairs(line: str, index: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The label：value pairs of a line, in order; a value ends where the next label begins. A
    label written right after a value ("示例市中心血站填报时间：…") is told by the known label it
    ends with (those above, and the ledger's headers in `index`)."""
    text = unicodedata.normalize("NFKC", without_invisible(line)).replace("\u3000", " ")
    marks = []
    for m in _LABEL.finditer(text):
        start = m.start(1)
        word = m.group(1)
        for i in range(1, len(word) - 1) if not _known(word, index) else ():  # the longest known ending
            if "\u4e00" <= word[i] <= "\u9fff" and _known(word[i:], index):
                start += i
                break
        marks.append((start, text[start:m.end(1)], m.end()))
    out = []
    for i, (_, label, after) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        out.append((label, text[after:end].strip(" ,，;；、")))
    return out


def _known(word: str, index: Mapping[str, str] | None) -> bool:
    bare = _label(word)
    return (bare in _UNIT_LABELS or bare in _DATE_LABELS or bare in _PARENT_LABELS or bare in _STAFF_LABELS
            or (index is not None and normalize_header(word) in index))


def _label(text: str) -> str:
    return re.sub(r"[()（）]|盖章|签章|公章|、|\s", "", text)


def read(lines: list[str], index: Mapping[str, str], facts: TitleLines | None = None,
         fill: bool = True) -> TitleLines:
    """The facts of `lines` (the first of each wins, as does what `facts` already holds);
    `index` (normalized header → column key) tells which labels name a column; `fill`: whether
    the lines may give columns' values (above the table, not under it)."""
    f = facts or TitleLines()
    for line in lines:
        for label, value in pairs(line, index):
            if not value:
                continue
            bare = _label(label)
            if bare in _UNIT_LABELS:
                f.unit = f.unit or value
            elif bare in _DATE_LABELS:
                f.date = f.date or value
            elif bare in _PARENT_LABELS or bare.endswith("主管部门"):
                f.parent = f.parent or value
            elif bare in _STAFF_LABELS:
                m = re.match(r"\d+", value)
                f.staff = f.staff or (m.group(0) if m else None)
            elif fill:
                key = index.get(normalize_header(label))
                if key in FILLABLE and key not in f.fills:
                    f.fills[key] = value
                    f.fill_labels[key] = label
        if f.year is None:
            m = _YEAR.search(unicodedata.normalize("NFKC", line))
            if m:
                f.year = int(m.group(1))
    return f

"""Ledger kinds read from forms, one person per form (附件1): what their `prepare` receives.

A form kind (`FormKind`) declares its fields as `Column`s like any ledger kind — their labels
are the headers, and the same parsers check them — plus the labels of the form that hold no
field (照片, 申请人签字) and what tells the form from another document. `read_forms` turns a
file into its forms (a workbook may hold one per sheet, a document one per table); the kind's
`prepare` gets every form of one command at once (`FormBatch`), because they are stored
together or not at all (`formload.py`; docs/ledgers.md, "Forms").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from tracker.ingest.columns import Kind, normalize_header
from tracker.ingest.context import LoadOptions
from tracker.ingest.labelgrid import Found, Reading, find_fields, read_grids
from tracker.problems import Problem, Problems, TrackerError


@dataclass(frozen=True)
class FormKind(Kind):
    """A kind whose files are forms: labels with values beside them, one person per form.

    `labels` are the form's labels that hold no field; a grid is this form when its text
    has `title` or at least `marks_needed` of `marks` (labels other documents lack), and
    the required fields' labels. `prepare(batch, typed, con)` returns `FormPrepared`.
    """

    labels: tuple[str, ...] = ()
    title_words: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    marks_needed: int = 2
    notice: str = ""  # which of the notice's forms it is: 附件1

    def label_index(self) -> dict[str, str | None]:
        """normalised label → field key (None for a label that holds no field)."""
        out: dict[str, str | None] = {}
        for c in self.columns:
            for n in (c.header, *c.also):
                out.setdefault(normalize_header(n), c.key)
        for n in self.labels:
            out.setdefault(normalize_header(n), None)
        return out

    def recognises(self, reading: Reading, text: str) -> bool:
        plain = "".join(text.split())
        titled = any(w in plain for w in self.title_words)
        marks = sum(normalize_header(m) in reading.labels for m in self.marks)
        required = all(c.key in reading.fields for c in self.required)
        return required and (titled or marks >= self.marks_needed)


@dataclass
class ReadForm:
    """One filled form: where it came from and the fields found in it."""

    file: str  # how problems name it: "张三.docx", or "全部.xlsx［李四］" when a file holds several
    path: Path
    file_index: int  # which file of the command (one `loads` row per file)
    fields: dict[str, Found]
    sheet: str | None = None


@dataclass
class FormBatch:
    """Every form of one command, the options, and the problems found so far.

    The kind's typed frame has one row per form; its ROW is the form's index in `forms`
    (from 1), and a problem frame's rows are turned back into the form's file and the
    value's Excel row.
    """

    kind: FormKind
    forms: list[ReadForm]
    opts: LoadOptions
    problems: Problems = field(default_factory=Problems)

    def form(self, index: int) -> ReadForm:
        return self.forms[index - 1]

    def _row(self, form: ReadForm, column: str | None) -> int | None:
        for c in self.kind.columns:
            if c.header == column and c.key in form.fields:
                return form.fields[c.key].row
        return None

    def add(self, index: int, column: str | None, value: object, message: str, level: str = "error") -> None:
        form = self.form(index)
        self.problems.add(form.file, self._row(form, column), column, value, message, level)

    def add_frame(self, frame: pl.DataFrame, level: str = "error") -> None:
        """`frame` has columns row (the form's index), column, value, message."""
        for r in frame.select("row", "column", "value", "message").iter_rows():
            self.add(r[0], r[1], r[2], r[3], level)

    def file_of(self, index: int) -> str:
        return self.form(index).file


@dataclass
class FormPrepared:
    """What a form kind's `prepare` hands back: per form its unit and date, and `write`.

    `write(con, load_ids)` stores every form inside the loader's one transaction, with
    `load_ids` the `loads` row of each form's file (by `file_index`), and returns per form
    index a word for what happened to it (新申请, 信息更新, 无变化 …).
    """

    units: dict[int, str]
    dates: dict[int, dt.date]  # the form's own date (填表日期): the file's `as_of` and month
    write: Callable[[duckdb.DuckDBPyConnection, dict[int, int]], dict[int, str]]


def read_forms(path: Path, label: str, kind: FormKind, file_index: int,
               sheet: str | None = None) -> tuple[list[ReadForm], list[Problem]]:
    """The forms of `kind` in one file (a user error when there is none), and warnings."""
    grids = read_grids(path, label, sheet)
    index = kind.label_index()
    readings = [(g, find_fields(g, index)) for g in grids]
    mine = [(g, r) for g, r in readings if kind.recognises(r, g.text)]
    if not mine:
        raise TrackerError(_not_this_form(label, kind, readings))
    forms: list[ReadForm] = []
    warnings: list[Problem] = []
    for g, r in mine:
        name = label
        if len(mine) > 1:
            who = r.fields["name"].value if "name" in r.fields and r.fields["name"].value else g.name
            name = f"{label}［{who}］"
        forms.append(ReadForm(name, path, file_index, r.fields, g.name))
        for rep in r.repeated:
            first = r.fields[rep.key] if rep.key else None
            warnings.append(Problem(name, rep.row, first.label if first else rep.label, rep.value,
                                    f"这个栏目在表中出现了两次，取第一处的“{first.value if first else ''}”",
                                    "warning"))
    return forms, warnings


def _not_this_form(label: str, kind: FormKind, readings: list[tuple]) -> str:
    """Why a file is not `kind`'s form, with a hint when it looks like a roster table."""
    wanted = "、".join(f"“{m}”" for m in (kind.required[0].header, *kind.marks[:3]))
    text = f"{label}：不是{kind.notice}《{kind.title}》——没有找到{wanted}等栏目"
    for _, r in readings:
        if r.label_rows and max(Counter(r.label_rows).values()) >= 3:  # labels side by side: a header row
            return text + "。这个文件像是一张每人一行的名单（花名册），请用 tracker load roster 导入。"
    return text + f"。请确认选对了文件；空白的{kind.notice}可用 tracker template application --out 申请登记表.docx 生成。"

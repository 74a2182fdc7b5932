"""The jinja2 environment for reports, and the page header it expects.

Templates only lay out: Python computes and formats values (with
`tracker.render.filters`) before rendering. Autoescaping is on and undefined
names are errors, so user text is never markup and a missing value fails
loudly instead of printing blank.

An office overrides templates without copying them (docs/reports.md, "Your
own templates"): templates are looked up in `--templates DIR`, then in
./reports/templates/, then among the built-in ones; the built-in ones are
also reachable as "builtin/NAME", so an override of base.html can extend
"builtin/base.html" and replace only its `letterhead` or `closing` block.
office.html holds the issuing organ, document number and signature that the
page's letterhead and the Word document's header and closing both use. A
broken override is a Chinese error naming its file and line.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from tracker import __version__
from tracker import formats as fmt
from tracker.ingest.kinds import MONTHLY_KINDS, kind_name
from tracker.problems import TrackerError

if TYPE_CHECKING:  # jinja2 is imported when a page is rendered: `tracker load` does not pay for it
    import jinja2

LOCAL_TEMPLATES = Path("reports") / "templates"  # the office's own, beside where tracker runs


@dataclass(frozen=True)
class Coverage:
    """Which months of one ledger are loaded within a report's period."""

    kind: str  # "activities"
    ledger: str  # its Chinese name, "活动登记簿"
    loaded: list[str]  # "YYYY-MM", loaded (for every unit in scope)
    missing: list[str]  # no file for any unit
    partial: list[tuple[str, int, int]] = field(default_factory=list)  # (month, units with it, units)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.partial


@dataclass(frozen=True)
class Header:
    """What base.html shows on top of every report (docs/reports.md)."""

    title: str  # 季度例会通报
    unit: str  # the unit, or the scope of a summary ("示例区 12 个单位")
    start: dt.date
    end: dt.date
    coverage: list[Coverage]
    made_on: dt.date = field(default_factory=dt.date.today)
    subtitle: str = ""  # e.g. "2026年第一季度"
    as_of: dt.date | None = None  # the data's as-of date, when not the period end
    notes: list[str] = field(default_factory=list)  # extra lines, e.g. the rules file used


@dataclass(frozen=True)
class Col:
    """A column of `macros.table`: the row key, its Chinese title, how cells sit.

    `num` right-aligns (numbers); `nowrap` keeps short values such as names,
    dates and phone numbers on one line.
    """

    key: str
    title: str
    num: bool = False
    nowrap: bool = False


def _months(start: dt.date, end: dt.date) -> list[str]:
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(first, last + 1)]


def coverage(
    months_loaded: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    *,
    kinds: Sequence[str] = MONTHLY_KINDS,
    units: Sequence[str] | None = None,
) -> list[Coverage]:
    """Coverage per ledger from `queries.months_loaded` (unit, kind, month).

    A month is loaded when every unit in scope (`units`, else those in the
    frame) has it, partial when only some have it, missing when none has.
    """
    expected = _months(start, end)
    scope = sorted(set(units) if units is not None else set(months_loaded["unit"].to_list()))
    n_units = max(len(scope), 1)
    counts = (
        months_loaded.filter(pl.col("month").is_in(expected) & pl.col("kind").is_in(list(kinds)))
        .filter(pl.col("unit").is_in(scope) if scope else pl.lit(True))
        .group_by("kind", "month")
        .agg(pl.col("unit").n_unique().alias("n"))
    )
    have = {(k, m): n for k, m, n in counts.iter_rows()}
    out = []
    for kind in kinds:
        got = {m: have.get((kind, m), 0) for m in expected}
        out.append(
            Coverage(
                kind=kind,
                ledger=kind_name(kind),
                loaded=[m for m, n in got.items() if n >= n_units],
                missing=[m for m, n in got.items() if n == 0],
                partial=[(m, n, n_units) for m, n in got.items() if 0 < n < n_units],
            )
        )
    return out


def rows_of(
    df: pl.DataFrame, formats: Mapping[str, Callable[[object], str]] | None = None
) -> list[dict[str, object]]:
    """A frame as rows for `macros.table`, with per-column formatters applied.

    Formatters get non-null values; a null shows as "—" in every column.
    """
    formats = formats or {}

    def cell(f: Callable[[object], object] | None, v: object) -> object:
        if v is None:
            return fmt.EMPTY
        return f(v) if f is not None else v

    cols = {c: [cell(formats.get(c), v) for v in df[c].to_list()] for c in df.columns}
    return [dict(zip(cols, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]


def template_dirs(templates: str | Path | None = None) -> tuple[Path, ...]:
    """The folders searched before the built-in templates: --templates, then ./reports/templates."""
    dirs = []
    if templates is not None:
        d = Path(templates)
        if not d.is_dir():
            raise TrackerError(f"找不到模板文件夹 {d}（--templates 应是一个包含 .html 模板的文件夹）。", code=2)
        dirs.append(d.resolve())
    if LOCAL_TEMPLATES.is_dir():
        dirs.append(LOCAL_TEMPLATES.resolve())
    return tuple(dirs)


def environment(templates: str | Path | None = None) -> jinja2.Environment:
    """The environment for these override folders (`template_dirs`), made once per set of folders."""
    return _environment(template_dirs(templates))


@functools.cache
def _environment(dirs: tuple[Path, ...]) -> jinja2.Environment:
    import jinja2

    from tracker.render import filters

    builtin = jinja2.PackageLoader("tracker", "reports/templates")
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            *(jinja2.FileSystemLoader(str(d)) for d in dirs),
            jinja2.PrefixLoader({"builtin": builtin}),
            builtin,
        ]),
        autoescape=jinja2.select_autoescape(["html", "htm"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(filters.FILTERS)
    env.globals["tracker_version"] = __version__
    return env


def _where(e: BaseException) -> str:
    """"模板 X 第 N 行" from a jinja error: its own file and line, else the template frame it came from."""
    name, line = getattr(e, "filename", None) or getattr(e, "name", None), getattr(e, "lineno", None)
    if not line:
        for frame in reversed(traceback.extract_tb(sys.exc_info()[2] or e.__traceback__)):
            if not frame.filename.endswith(".py"):
                name, line = frame.filename, frame.lineno
                break
    return f"模板 {name or '（未知）'}" + (f" 第 {line} 行" if line else "")


def template_error(e: Exception) -> TrackerError:
    """A template fault said in Chinese, naming the template file and line (an office's override)."""
    import jinja2

    if isinstance(e, jinja2.TemplateSyntaxError):
        return TrackerError(f"{_where(e)}有语法错误：{e.message}。请改正该模板，或删除它以使用内置模板。")
    if isinstance(e, jinja2.TemplateNotFound):
        return TrackerError(f"找不到模板“{e.name}”（自定义模板中引用了不存在的模板？内置模板可写作 builtin/base.html）。")
    if isinstance(e, jinja2.UndefinedError):
        return TrackerError(f"{_where(e)}使用了报告中没有的名称：{e.message}。")
    return TrackerError(f"{_where(e)}无法生成：{e}。")


def render(template_name: str, /, *, templates: str | Path | None = None, **context: object) -> str:
    """Render a template by name (e.g. "quarterly.html") with `context`; faults in Chinese."""
    import jinja2

    try:
        return environment(templates).get_template(template_name).render(**context)
    except jinja2.TemplateError as e:
        raise template_error(e) from e


def render_string(source: str, /, **context: object) -> str:
    """Render template text (it may extend base.html and import macros.html)."""
    return environment().from_string(source).render(**context)


@dataclass(frozen=True)
class Office:
    """What office.html declares: the letterhead (发文机关, 文号) and the closing (署名, 日期)."""

    organ: str = ""
    doc_number: str = ""
    signature: str = ""
    sign_date: str = ""


def office(header: Header, templates: str | Path | None = None) -> Office:
    """The office's letterhead and closing for this report, from office.html (override or built-in)."""
    import jinja2

    try:
        module = environment(templates).get_template("office.html").make_module({"header": header})
        return Office(**{k: str(getattr(module, k, "") or "").strip() for k in Office.__dataclass_fields__})
    except jinja2.TemplateError as e:
        raise template_error(e) from e


def columns(spec: Iterable[tuple]) -> list[Col]:
    """Shorthand for table columns: [("team", "服务队"), ("n", "活动次数", True), ("name", "姓名", False, True)]."""
    return [Col(*item) for item in spec]

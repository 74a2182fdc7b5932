"""The jinja2 filters of report templates (cf. fava's template_filters), and formula safety.

The formatting itself lives below the render layer (`tracker.formats`,
`tracker.privacy`, `tracker.words`) so that check messages and load
problems write numbers, dates and masked numbers exactly as reports do;
this module lists them for templates and adds what only outputs need:
keeping user text from becoming a spreadsheet formula.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from tracker.formats import (
    EMPTY,
    date_cn,
    date_iso,
    hours,
    joined,
    month_cn,
    month_ranges,
    num,
    pct,
    period,
    stars,
    unit_list,
    yes_no,
)
from tracker.privacy import mask_id, mask_phone
from tracker.words import level_word

# A spreadsheet program treats text starting with these as a formula (or DDE).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def is_formula_like(text: object) -> bool:
    """Would a spreadsheet read this text as a formula (= + - @, tab, CR/LF first)?"""
    return isinstance(text, str) and text.startswith(FORMULA_START)


def neutralize_formula(text: object) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula.

    A leading apostrophe is added to text starting with = + - @ tab or CR/LF
    (OWASP CSV injection). For .xlsx use `render.xlsx`, which writes the user's
    text unchanged as a string cell with Excel's quote-prefix style instead, so
    the text shows as typed and stays text when edited.
    """
    s = "" if text is None else str(text)
    return "'" + s if is_formula_like(s) else s


def cell_class(col: object) -> Markup:
    """The class attribute of a table column's cells: num (right-aligned), nowrap — or nothing."""
    get = col.get if isinstance(col, dict) else (lambda k, d=None: getattr(col, k, d))
    names = [n for n in ("num", "nowrap") if get(n, False)]
    return Markup(f' class="{" ".join(names)}"') if names else Markup("")


def cell_spec(columns: list) -> list[tuple[str, Markup]]:
    """Each column's key and cell class (`cell_class`), worked out once per table for `row_cells`."""
    return [(c["key"] if isinstance(c, dict) else c.key, cell_class(c)) for c in columns]


def row_cells(row: dict, spec: list[tuple[str, Markup]]) -> Markup:
    """A table row's cells, `<td class>value</td>` per column of `cell_spec`, each value escaped.

    Written in Python, not as a loop in `macros.table`: a city's reports lay out
    millions of cells, and jinja's per-cell lookups were most of a page's time."""
    try:
        return Markup("".join([f"<td{cls}>{escape(row[k])}</td>" for k, cls in spec]))
    except KeyError as e:  # as strict as the template: a missing cell is an error, not a blank
        from jinja2 import UndefinedError

        raise UndefinedError(f"'dict object' has no attribute {e}") from None


FILTERS = {
    "mask_id": mask_id,
    "mask_phone": mask_phone,
    "num": num,
    "hours": hours,
    "pct": pct,
    "date_cn": date_cn,
    "date_iso": date_iso,
    "month_cn": month_cn,
    "month_ranges": month_ranges,
    "period": period,
    "level_word": level_word,
    "stars": stars,
    "yes_no": yes_no,
    "joined": joined,
    "unit_list": unit_list,
    "cell_class": cell_class,
    "cell_spec": cell_spec,
    "row_cells": row_cells,
}

__all__ = ["EMPTY", "FILTERS", "FORMULA_START", "is_formula_like", "neutralize_formula"]

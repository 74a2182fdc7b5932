"""Property: any value in any column of any ledger kind, in CSV or .xlsx, ends in a load or in row
problems — never an internal error, never a partial write, never a full ID number or mobile in
what `tracker load` prints, as tables or as --json (docs/ledgers.md, docs/privacy.md).

Cells are drawn from any text, numbers (as text and, in .xlsx, as number cells), dates in many
spellings and eras, blanks, and made-up ID numbers and mobiles (alone or inside text); each
column also often gets a value that fits, so that some files load. The example count is kept
modest: the suite must stay fast, and each example is a whole load into a copy of a database.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import tempfile
from pathlib import Path

from conftest import UNIT, db_fingerprint, fake_id, people, write_csv, write_xlsx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tracker.ingest.kinds import KINDS

P = people()
IDS = [fake_id(401), fake_id(402, "19751231")]
PERSONAL = [*IDS, IDS[0][:17], IDS[1][:-1] + ("0" if IDS[1][-1] != "0" else "1"), "13987654321", "18612340987"]
FULL_NUMBER = re.compile(r"(?<!\d)(1[3-9]\d{9}|\d{17}[\dXx])(?!\d)")

# what fits each column in the notice-shaped unit (tests/conftest.py), row i of a file; else the declared example
FITS = {"unit": UNIT, "team": "检验队", "participants": P[0]["name"], "volunteer": P[0]["name"], "phone": "13800001111",
        "recipient": "赵奶奶"}
BY_ROW = {"name": lambda i: "新同志" + "甲乙丙"[i],
          "date": lambda i: f"2026-03-{5 + i:02d}", "received": lambda i: f"2026-03-0{2 + i}",
          "closed": lambda i: "2026-03-09", "demand_id": lambda i: f"XQ-9{i}", "id_number": lambda i: fake_id(403 + i),
          "number": lambda i: f"V9{i:03d}", "pair_id": lambda i: f"JD-9{i}"}


dates = st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2300, 12, 31))
ANY = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=24),
    st.text(alphabet="0123456789.-/年月日 eE+,、", max_size=20),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    dates.map(lambda d: d.isoformat()),
    dates.map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
    dates,
    st.sampled_from(PERSONAL),
    st.sampled_from(["[/red]", "[bold]粗[/bold]", "[link=http://x]y", "=1+1", "<script>", "\\", '"']),
    st.tuples(st.text(max_size=4), st.sampled_from(PERSONAL), st.text(max_size=4)).map("".join),
)


def _fits(kind: str, key: str, i: int) -> str:
    if (kind, key) in (("units", "unit"), ("teams", "team")):  # the register's own key: one per row
        return UNIT if kind == "units" and i == 0 else f"新{KINDS[kind].name}{i}"
    if key in BY_ROW:
        return BY_ROW[key](i)
    col = KINDS[kind].column(key)
    return FITS.get(key) or col.example or (col.choices[0] if col.choices else "")


@st.composite
def ledger_files(draw):
    """A file of one kind: rows that fit but for one odd cell each (some rows all odd), so that
    each odd value is met both alone in a file that would load and among others."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    cols = [c for c in KINDS[kind].columns if c.required or draw(st.booleans())]
    rows = []
    for i in range(draw(st.integers(min_value=1, max_value=3))):
        # -1: every cell odd; len(cols): none (half of the rows)
        odd = draw(st.one_of(st.just(len(cols)), st.integers(min_value=-1, max_value=len(cols))))
        rows.append([draw(ANY) if odd in (-1, j) else _fits(kind, c.key, i) for j, c in enumerate(cols)])
    return kind, [c.header for c in cols], rows, draw(st.sampled_from(["csv", "xlsx"])), draw(st.booleans())


def _xlsx_cell(v):
    if isinstance(v, float) and not math.isfinite(v) or isinstance(v, int) and abs(v) > 10**15:
        return str(v)
    return dt.datetime(v.year, v.month, v.day) if isinstance(v, dt.date) else v


def _as_text(v) -> str | None:
    return None if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v))


_BEFORE: dict[Path, str] = {}  # every example starts from a copy of the same database


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(case=ledger_files())
def test_any_value_in_any_column_loads_or_is_a_row_problem(case, unit_db_template, cli):
    kind, header, rows, fmt, as_json = case
    work = Path(tempfile.mkdtemp(prefix="prop-"))
    try:
        db = Path(shutil.copyfile(unit_db_template, work / "t.duckdb"))
        if unit_db_template not in _BEFORE:
            _BEFORE[unit_db_template] = db_fingerprint(unit_db_template)
        before = _BEFORE[unit_db_template]
        if fmt == "csv":
            f = write_csv(work / "ledger.csv", [header, *[[_as_text(v) for v in r] for r in rows]])
        else:  # numbers and dates stay typed cells (Excel has no inf or nan: those are text), text stays text
            cells = [[_xlsx_cell(v) for v in r] for r in rows]
            f = write_xlsx(work / "ledger.xlsx", [header, *cells])
        r = cli("load", kind, f, *(["--json"] if as_json else []), db=db)  # JSON, or the tables people read
        assert r.code in (0, 1), f"{kind} {fmt} → exit {r.code}: {r.err}"
        assert "内部错误" not in r.err and "Traceback" not in r.err
        shown = r.out + r.err
        assert not FULL_NUMBER.search(shown), shown
        assert not any(n in shown for n in PERSONAL)
        event(f"{kind} {'refused' if r.code else 'loaded'}")
        if r.code == 1:  # refused: every problem is located, and nothing was written
            assert db_fingerprint(db) == before
            if as_json:
                assert all(p["file"] == f.name and p["message"] for p in json.loads(r.out))
            else:
                assert "未导入" in r.out and "数据库未做任何改动" in r.err
        elif as_json:
            assert {x["status"] for x in json.loads(r.out)["loaded"]} <= {"loaded", "unchanged"}
        else:
            assert "已导入" in r.out
    finally:
        shutil.rmtree(work, ignore_errors=True)

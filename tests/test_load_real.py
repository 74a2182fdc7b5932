"""Real layouts load (docs/ledgers.md, "Files tracker reads"): each file of tests/data/real/ does what
tests/data/real/cases.toml says — loads with these counts and exactly these warnings, or is refused
with these problems and the database left exactly as it was."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import duckdb
import pytest
from conftest import db_fingerprint, people, write_csv

from tracker.ingest.kinds import KINDS

REAL = Path(__file__).parent / "data" / "real"
CASES = tomllib.loads((REAL / "cases.toml").read_text(encoding="utf-8"))["case"]
RUNS = [(case, f) for case in CASES for f in case["files"]]


def _matches(want: dict, p: dict) -> bool:
    return (want["message"] in p["message"] and ("row" not in want or p["row"] == want["row"])
            and ("column" not in want or p["column"] == want["column"]))


def _text(v: object) -> str:
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


@pytest.mark.parametrize(("case", "file"), RUNS, ids=[f"{f}{' ' + ' '.join(c.get('args', [])) if c.get('args') else ''}"
                                                      for c, f in RUNS])
def test_real_layout(case, file, unit_db, cli):
    db = unit_db
    before = db_fingerprint(db)
    args = [str(REAL / a) if a.endswith(".toml") else a for a in case.get("args", [])]
    r = cli("load", case["kind"], REAL / file, *args, "--json", db=db)
    assert "Traceback" not in r.out + r.err
    if "refused" in case:
        assert r.code == 1, r.out + r.err
        problems = json.loads(r.out)
        errors = [p for p in problems if p["level"] == "error"]
        for want in case["refused"]:
            assert any(_matches(want, p) for p in errors), (want, problems)
        if "errors" in case:
            assert len(errors) == case["errors"], errors
        if case.get("no_english"):  # columns are named in Chinese, never by their keys
            keys = "|".join(c.key for c in KINDS[case["kind"]].columns)
            assert not any(re.search(rf"\b({keys})\b", p["message"]) for p in errors), errors
        assert db_fingerprint(db) == before
        return
    assert r.code == 0, r.out + r.err
    out = json.loads(r.out)
    (loaded,) = out["loaded"]
    assert loaded["status"] == "loaded"
    for key, value in case.get("loads", {}).items():
        assert loaded["counts"].get(key) == value, (key, loaded["counts"])
    warnings = out["warnings"]
    expected = case.get("warnings", [])
    for want in expected:
        assert any(_matches(want, p) for p in warnings), (want, warnings)
    assert len(warnings) == len(expected), warnings  # nothing else was dropped or ignored
    con = duckdb.connect(str(db), read_only=True)
    try:
        for q in case.get("sql", []):
            got = [[_text(v) for v in row] for row in con.execute(q["query"]).fetchall()]
            assert got == q["rows"], (q["query"], got)
    finally:
        con.close()


def test_every_file_of_the_corpus_has_a_case():
    files = {p.name for p in REAL.iterdir() if p.suffix in (".xlsx", ".csv")}
    assert files == {f for c in CASES for f in c["files"]}


def test_the_corpus_covers_every_problem_as_xlsx_and_gbk_csv():
    """Issue 9's five kinds of problem (and issue 8's total rows), each shown by at least one
    .xlsx and one CSV in GBK, as Excel on Chinese Windows saves it."""
    shown: dict[int, set[str]] = {}
    for c in CASES:
        for n in c["problems"]:
            shown.setdefault(n, set()).update(Path(f).suffix for f in c["files"])
    assert {n: {".xlsx", ".csv"} <= s for n, s in shown.items()} == {n: True for n in (1, 2, 3, 4, 5, 8)}
    for p in REAL.glob("*.csv"):
        text = p.read_bytes()
        assert text.decode("gbk") and not text.startswith(b"\xef\xbb\xbf"), p.name


def test_hours_from_time_ranges_count_as_a_ledger_for_sheet_all_and_the_kind_guess(unit_db, tmp_path, cli):
    """A file without an hours column whose dates are ranges with times is still an activities ledger,
    the range written with 至 or with a full-width ～."""
    from tracker.ingest.batch import guess_kind

    f = REAL / "activities-date-range.xlsx"
    assert guess_kind(f).kind == "activities"
    r = cli("load", "activities", f, "--sheet", "all", "--json", db=unit_db)
    assert r.code == 0, r.out + r.err
    assert json.loads(r.out)["loaded"][0]["counts"]["参加记录"] == 2
    wide = write_csv(tmp_path / "全角.csv", [["日期", "服务队", "活动名称", "参加人员"],
                                             ["2026-03-12 08:00～11:30", "检验队", "义诊", people()[0]["name"]]])
    assert guess_kind(wide).kind == "activities"
    r = cli("load", "activities", wide, "--json", db=unit_db)
    assert r.code == 0, r.out + r.err
    assert json.loads(r.out)["loaded"][0]["counts"]["服务时长"] == 3.5

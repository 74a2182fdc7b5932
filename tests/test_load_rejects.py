"""A folder of bad files, each paired with the problems it must produce.

Every case also proves the promise of docs/ledgers.md ("What is refused"): a rejected file exits 1, lists
every problem at once (file, row, column, value, message) and leaves the
database exactly as it was.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from conftest import db_fingerprint

BAD = Path(__file__).parent / "data" / "bad"
CASES = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))["case"]


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_file_is_rejected_with_its_problems(case, unit_db, cli):
    before = db_fingerprint(unit_db)
    r = cli("load", case["kind"], BAD / case["file"], *case.get("args", []), "--json", db=unit_db)
    assert r.code == 1, r.out + r.err
    problems = json.loads(r.out)
    assert all(set(p) >= {"file", "row", "column", "value", "message"} for p in problems)
    assert all(p["file"] == case["file"] for p in problems)
    for want in case["expect"]:
        hits = [p for p in problems
                if want["message"] in p["message"]
                and ("row" not in want or p["row"] == want["row"])
                and ("column" not in want or p["column"] == want["column"])]
        assert hits, f"missing {want} in {json.dumps(problems, ensure_ascii=False)}"
    assert db_fingerprint(unit_db) == before


def test_rejection_is_readable_without_json(unit_db, cli):
    r = cli("load", "activities", BAD / "hours_out_of_range.csv", db=unit_db)
    assert r.code == 1
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in r.err.splitlines() if "│" in line]
    shown = {(cells[1], cells[2], cells[3]) for cells in rows if len(cells) == 5}
    # each bad cell on its own line of the table: Excel row, column, the value as typed
    assert {("2", "服务时长", "0"), ("3", "服务时长", "25"), ("4", "服务时长", "两小时")} <= shown
    assert "hours_out_of_range.csv" in r.err and "服务时长应大于0且不超过24小时" in r.err
    assert "数据库未做任何改动" in r.err
    assert "Traceback" not in r.out + r.err


def test_every_bad_file_has_a_case():
    files = {p.name for p in BAD.iterdir() if p.suffix == ".csv"}
    assert files == {c["file"] for c in CASES}

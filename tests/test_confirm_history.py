"""Confirmed months and the audit trail (docs/ledgers.md, "Confirmed months"): a unit confirms its
month; a load changing it is refused unless it says why; nothing a load replaces is lost, and
`tracker history` shows who changed what, when and why, with the old and new hours."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess

import duckdb
import pytest
from conftest import db_fingerprint, kill_while_writing, tracker_cmd, write_csv, write_xlsx
from report_demo import demo_db

from tracker import api

UNIT = "示例市中心血站"
REASON = "更正3月18日服务时长"


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    """A copy of the demo year (its ledgers beside it) for the test to change."""
    d = demo_db(tmp_path_factory)
    db = tmp_path / "demo.duckdb"
    shutil.copyfile(d.db, db)
    return db, d.db.parent / "ledgers"


def _corrected_march(ledgers, tmp_path):
    """The demo's March register with 3月18日's 献血知识进校园 corrected from 3.5 to 5 hours a person."""
    text = (ledgers / "活动登记簿-2025-03-gbk.csv").read_bytes().decode("gbk")
    line = next(x for x in text.splitlines() if x.startswith("2025年3月18日"))
    assert line.endswith(",3.5,杨秀兰,王丽,")
    out = tmp_path / "活动登记簿-2025-03-更正.csv"
    out.write_bytes(text.replace(line, line.replace(",3.5,杨秀兰", ",5,杨秀兰")).encode("gbk"))
    return out


def _hours(db) -> float:
    return next(s.service_hours for s in api.status(db, year=2025) if s.unit == UNIT)


def test_the_demo_story_confirm_refuse_correct_with_a_reason_and_read_the_history(demo, tmp_path, cli):
    db, ledgers = demo
    r = cli("confirm", "--unit", UNIT, "--month", "2025-03", db=db)
    assert r.code == 0 and "已确认" in r.out and "2025-03" in r.out
    fixed = _corrected_march(ledgers, tmp_path)
    before, hours = db_fingerprint(db), _hours(db)

    refused = cli("load", "activities", fixed, "--month", "2025-03", "--replace", "--yes", db=db)
    assert refused.code == 1
    assert "已经确认" in refused.err and "2025-03" in refused.err and "--reason" in refused.err
    assert db_fingerprint(db) == before  # changes nothing

    done = cli("load", "activities", fixed, "--month", "2025-03", "--replace", "--yes", "--reason", REASON, db=db)
    assert done.code == 0, done.err
    assert _hours(db) == pytest.approx(hours + 5 * 1.5)  # five people, 1.5 h more each

    h = cli("history", "--unit", UNIT, "--month", "2025-03", "--json", db=db)
    assert h.code == 0
    entries = json.loads(h.out)
    fix = entries[0]  # newest first
    assert fix["action"] == "replace" and fix["reason"] == REASON and fix["file"] == fixed.name
    assert fix["account"].startswith("命令行（") and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", fix["time"])
    changed = [c for c in fix["changes"] if c["old"] and c["new"]]
    assert len(changed) == 5 and len(fix["changes"]) == 5
    assert {(c["old"]["hours"], c["new"]["hours"]) for c in changed} == {(3.5, 5.0)}
    assert {c["new"]["participant"] for c in changed} >= {"杨秀兰", "朱明亮", "韩雪梅", "马骏"}
    assert all(c["new"]["date"] == "2025-03-18" and c["new"]["title"] == "献血知识进校园" for c in changed)
    confirms = [e for e in entries if e["action"] == "confirm"]
    assert {e["kind"] for e in confirms} == {"activities", "demands", "pairings"}
    assert all(e["months"] == ["2025-03"] and e["account"] for e in confirms)
    first = [e for e in entries if e["action"] == "load" and e["kind"] == "activities"]
    assert first and all(c["old"] is None for c in first[0]["changes"])  # the original March, as it was loaded
    assert any(c["new"]["hours"] == 3.5 and c["new"]["date"] == "2025-03-18" for c in first[0]["changes"])
    table = cli("history", "--unit", UNIT, "--month", "2025-03", db=db)
    assert REASON in table.out and "3.5" in table.out and "修改" in table.out and "确认" in table.out


def test_a_new_file_with_rows_in_a_confirmed_month_needs_a_reason(demo, tmp_path, cli):
    db, _ = demo
    assert cli("confirm", "--unit", UNIT, "--month", "2025-05", "--kind", "activities", db=db).code == 0
    f = write_csv(tmp_path / "补登.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                          ["2025-05-30", "检验队", "补登的一次宣传", "陈建华", "2"]])
    before = db_fingerprint(db)
    r = cli("load", "activities", f, db=db)
    assert r.code == 1 and "2025-05" in r.err and "--reason" in r.err
    assert db_fingerprint(db) == before
    assert cli("load", "activities", f, "--reason", "  ", db=db).code == 2  # an empty reason is no reason
    ok = cli("load", "activities", f, "--reason", "漏登的5月30日活动", db=db)
    assert ok.code == 0 and "已记入修改记录" in ok.err
    # a month not confirmed needs nothing
    g = write_csv(tmp_path / "六月.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                          ["2025-06-29", "检验队", "六月补登", "陈建华", "2"]])
    assert cli("load", "activities", g, db=db).code == 0
    h = api.history(db, unit=UNIT, month="2025-05", volunteer="陈建华")
    assert h[0].reason == "漏登的5月30日活动" and h[0].changes[0]["new"]["hours"] == 2.0


def test_a_cumulative_demand_register_passes_unless_it_changes_a_confirmed_month(demo, tmp_path, cli):
    """A demand register lists every demand each time: rows as stored change nothing; a changed
    status of a demand received in a confirmed month is a change of that month."""
    db, ledgers = demo
    assert cli("confirm", "--unit", UNIT, "--month", "2025-03", "--kind", "demands", db=db).code == 0
    import openpyxl

    wb = openpyxl.load_workbook(ledgers / "群众需求登记簿-2025.xlsx")
    ws = wb.active
    rows = [[c.value.date().isoformat() if hasattr(c.value, "date") else c.value for c in r] for r in ws.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r and r[0] == "需求编号")
    body = rows[head + 1:]
    new = ["XQ-2025-NEW", "2025-12-20", "新需求人", None, "新的需求", "健康", "检验队", "待办理", None, None, None]
    same = write_xlsx(tmp_path / "需求-原样加一条.xlsx", [rows[head], *body, new[:len(rows[head])]])
    assert cli("load", "demands", same, "--as-of", "2025-12-31", db=db).code == 0  # March untouched
    march = next(i for i, r in enumerate(body) if str(r[1]).startswith("2025-03"))
    status_col = rows[head].index("状态")
    body[march][status_col] = "无法办理"
    body[march][rows[head].index("办结日期")] = None
    changed = write_xlsx(tmp_path / "需求-改了3月.xlsx", [rows[head], *body, new[:len(rows[head])]])
    before = db_fingerprint(db)
    r = cli("load", "demands", changed, "--as-of", "2025-12-31", db=db)
    assert r.code == 1 and "2025-03" in r.err and db_fingerprint(db) == before
    assert cli("load", "demands", changed, "--as-of", "2025-12-31", "--reason", "需求无法办理", db=db).code == 0
    entry = api.history(db, unit=UNIT, month="2025-03")[0]
    (c,) = [c for c in entry.changes if c["old"]]
    assert c["old"]["status"] == "已办结" and c["new"]["status"] == "无法办理"


@pytest.mark.parametrize(("args", "code", "said"), [
    (["--month", "2024-03"], 1, "还没有导入"),  # an empty month
    (["--month", "2099-01"], 1, "将来"),
    (["--month", "2025-3x"], 2, "YYYY-MM"),
    (["--month", "2025-03", "--kind", "roster"], 2, "--kind"),
    (["--month", "2025-03", "--unit", "示例区人民医院"], 1, "没有单位"),
])
def test_confirming_what_cannot_be_confirmed_is_refused(demo, cli, args, code, said):
    db, _ = demo
    before = db_fingerprint(db)
    r = cli("confirm", *args, db=db)
    assert r.code == code and said in r.err and "Traceback" not in r.err
    assert db_fingerprint(db) == before


def test_confirming_twice_keeps_the_first(demo, cli):
    db, _ = demo
    assert cli("confirm", "--month", "2025-04", "--unit", UNIT, db=db).code == 0
    again = cli("confirm", "--month", "2025-04", "--unit", UNIT, "--json", db=db)
    assert again.code == 0
    got = json.loads(again.out)
    assert got["confirmed"] == [] and set(got["already"]) == {"activities", "demands", "pairings"}


def test_status_shows_confirmed_and_unconfirmed_months(demo, cli):
    db, _ = demo
    cli("confirm", "--unit", UNIT, "--month", "2025-02", "--kind", "activities", db=db)
    (u,) = json.loads(cli("status", "--json", db=db).out)
    assert u["confirmed"]["activities"] == ["2025-02"] and u["confirmed"]["pairings"] == []
    assert "2025-02" not in u["unconfirmed"]["activities"] and "2025-03" in u["unconfirmed"]["activities"]
    assert "未确认月份" in cli("status", db=db).out


def test_history_of_one_volunteer_shows_only_their_hours(demo, tmp_path, cli):
    db, ledgers = demo
    fixed = _corrected_march(ledgers, tmp_path)
    assert cli("load", "activities", fixed, "--month", "2025-03", "--replace", "--yes", db=db).code == 0
    h = json.loads(cli("history", "--volunteer", "马骏", "--json", db=db).out)
    assert h and all(c["new"] is None or c["new"]["participant"] == "马骏" for e in h for c in e["changes"])
    fix = [e for e in h if e["action"] == "replace"]
    assert len(fix) == 1 and [(c["old"]["hours"], c["new"]["hours"]) for c in fix[0]["changes"]] == [(3.5, 5.0)]
    assert all(e["action"] != "confirm" for e in h)
    r = cli("history", "--volunteer", "没有这个人", db=db)
    assert r.code == 1 and "没有志愿者" in r.err


def test_a_kill_while_confirming_or_correcting_leaves_before_or_after(demo, tmp_path):
    db, ledgers = demo
    before = db_fingerprint(db)
    code = kill_while_writing(tracker_cmd("confirm", "--unit", UNIT, "--month", "2025-03", "--db", db),
                              tmp_path / "confirming")
    assert code == -signal.SIGKILL and db_fingerprint(db) == before
    fixed = _corrected_march(ledgers, tmp_path)
    code = kill_while_writing(tracker_cmd("load", "activities", fixed, "--month", "2025-03", "--replace", "--yes",
                                          "--db", db), tmp_path / "correcting")
    assert code == -signal.SIGKILL and db_fingerprint(db) == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM removed_participations").fetchall() == [(0,)]
    con.close()
    done = subprocess.run(tracker_cmd("confirm", "--unit", UNIT, "--month", "2025-03", "--db", db),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_init_upgrades_a_database_of_before_confirmations(tmp_path, cli):
    """A version 7 database: init brings it forward; its loads are in the history, nothing confirmed."""
    from tracker.store.migrations import MIGRATIONS

    db = tmp_path / "v7.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    for version, name, step in MIGRATIONS[:7]:
        con.execute(step)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.close()
    from tracker.store.migrations import SCHEMA_VERSION

    r = cli("init", db=db)
    assert r.code == 0 and f"结构版本 {SCHEMA_VERSION}" in r.out
    assert json.loads(cli("history", "--json", db=db).out) == []
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM confirmations").fetchall() == [(0,)]
    con.close()

"""The command line as a user meets it: Chinese messages, exit codes, no tracebacks."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import openpyxl
from conftest import people, write_csv

from tracker.store import queries


def test_usage_errors_exit_2_in_chinese(cli, db):
    r = cli("report", "quarterly", db=db)
    assert r.code == 2 and "缺少选项 --year" in r.err
    r = cli("load", "foo", "x.csv", db=db)
    assert r.code == 2 and "未知的台账类型" in r.err
    r = cli("status", "--bogus", db=db)
    assert r.code == 2 and "没有这个选项" in r.err
    r = cli("load", "activities", "--month", "March", "x.csv", db=db)
    assert r.code == 2 and "--month 应写成 YYYY-MM" in r.err


def test_a_mistyped_command_or_a_stray_word_is_said_in_chinese(cli, db):
    """click's own words never reach the user: a mistyped command is named with the closest ones,
    a report name too (`tracker report` makes its commands when asked: cli/reports.py)."""
    r = cli("lod", "units", db=db)
    assert r.code == 2 and "没有这个命令：lod（是否想用：load？）" in r.err
    r = cli("report", "anual", "--year", "2025", db=db)
    assert r.code == 2 and "没有这个命令：anual（是否想用：annual？）" in r.err
    r = cli("report", "xyz", db=db)
    assert r.code == 2 and "可用的命令：quarterly、midyear、annual、points" in r.err
    r = cli("status", "多余", db=db)
    assert r.code == 2 and "多出了参数：多余" in r.err
    r = cli("check", "--db", str(db), "--year")
    assert r.code == 2 and "选项 --year 后面要写一个值" in r.err
    r = cli("check", "--year", "今年", db=db)
    assert r.code == 2 and "--year 的值无效：应为整数" in r.err and "valid" not in r.err


def test_missing_file_is_a_clear_rejection(cli, db, tmp_path):
    r = cli("load", "roster", tmp_path / "无此文件.xlsx", db=db)
    assert r.code == 1 and "找不到文件" in r.err and "Traceback" not in r.err


def test_debug_shows_a_traceback(cli, tmp_path, capsys):
    import pytest

    from tracker.problems import TrackerError

    with pytest.raises(TrackerError):
        cli("status", "--debug", db=tmp_path / "none.duckdb")


def test_template_fills_and_loads(cli, unit_db, tmp_path):
    out = tmp_path / "活动模板.xlsx"
    assert cli("template", "activities", "--out", out).code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    header_row = next(r for r in range(1, 10) if any(str(c.value or "").startswith("日期") for c in ws[r]))
    heads = [str(c.value or "").rstrip("*") for c in ws[header_row]]
    values = {"日期": "2026-03-05", "服务队": "检验队", "活动名称": "献血宣传", "参加人员": people()[0]["name"],
              "服务时长": "2"}
    row = header_row + 2  # below the example row, which must then be ignored
    for i, h in enumerate(heads, start=1):
        if h in values:
            ws.cell(row=row, column=i, value=values[h])
    wb.save(out)
    r = cli("load", "activities", out, "--json", db=unit_db)
    assert r.code == 0, r.out + r.err
    data = json.loads(r.out)
    assert data["loaded"][0]["counts"]["活动"] == 1
    assert any("示例行" in w["message"] for w in data["warnings"])
    con = duckdb.connect(str(unit_db), read_only=True)
    acts = queries.activities(con, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    con.close()
    assert acts["title"].to_list() == ["献血宣传"]


def test_tracker_db_environment_variable(cli, db, monkeypatch):
    monkeypatch.setenv("TRACKER_DB", str(db))
    r = cli("status", "--json")
    assert r.code == 0 and json.loads(r.out) == []


def test_masked_phone_is_explained(cli, unit_db, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("姓名,联系方式\n新同志,138****5678\n", encoding="utf-8")
    r = cli("load", "roster", f, "--json", db=unit_db)
    assert r.code == 1 and "电话号码被遮盖了" in json.loads(r.out)[0]["message"]


def test_a_load_over_many_units_names_three_and_counts_the_rest(cli, db, tmp_path):
    """A city's file covers a thousand units: the result line names a few, not every one."""
    names = [f"示例市第{i}中学" for i in range(1, 8)]
    f = write_csv(tmp_path / "units.csv", [["单位名称", "党员人数"], *[[n, "30"] for n in names]])
    r = cli("load", "units", f, db=db)
    assert r.code == 0, r.out + r.err
    assert "示例市第1中学、示例市第2中学、示例市第3中学 等 7 个单位" in r.out
    assert "示例市第7中学" not in r.out
    few = write_csv(tmp_path / "few.csv", [["单位名称", "党员人数"], *[[n, "31"] for n in names[:5]]])
    r = cli("load", "units", few, db=db)
    assert "示例市第1中学、示例市第2中学、示例市第3中学、示例市第4中学、示例市第5中学" in r.out


def test_python_m_tracker_is_the_command(tmp_path):
    """`python -m tracker` runs the same command as the `tracker` script (tracker/__main__.py)."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "tracker", "init", "--db", str(tmp_path / "m.duckdb")],
                       capture_output=True, text=True, encoding="utf-8")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "m.duckdb").exists()
    r = subprocess.run([sys.executable, "-m", "tracker", "load", "units"], capture_output=True, text=True,
                       encoding="utf-8")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_the_command_leaves_its_work_whole_when_it_exits_at_once(tmp_path):
    """`tracker` leaves without Python's teardown (`tracker.__main__.leave`): its whole output
    still arrives, the exit code is the command's, and what it stored is there for the next one."""
    import json
    import subprocess
    import sys

    db = tmp_path / "m.duckdb"
    names = [f"示例市第{i}中学" for i in range(1, 401)]
    units = write_csv(tmp_path / "units.csv", [["单位名称", "党员人数"], *[[n, "31"] for n in names]])
    run = [sys.executable, "-m", "tracker"]
    assert subprocess.run([*run, "init", "--db", str(db)], capture_output=True).returncode == 0
    r = subprocess.run([*run, "load", "units", str(units), "--db", str(db), "--json"], capture_output=True,
                       text=True, encoding="utf-8")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["loaded"][0]["rows"] == 400  # the JSON arrives whole
    r = subprocess.run([*run, "status", "--db", str(db), "--json"], capture_output=True, text=True,
                       encoding="utf-8")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 400
    bad = write_csv(tmp_path / "bad.csv", [["单位名称", "党员人数"], ["示例市第1中学", "很多"]])
    r = subprocess.run([*run, "load", "units", str(bad), "--db", str(db)], capture_output=True, text=True,
                       encoding="utf-8")
    assert r.returncode == 1 and "党员人数" in r.stdout + r.stderr and "Traceback" not in r.stderr

"""Faults: a load killed while writing changes nothing; a second writer is told at once."""

from __future__ import annotations

import signal
import subprocess
import time

from conftest import (
    db_fingerprint,
    holding_writer,
    kill_while_writing,
    people,
    tracker_cmd,
    write_csv,
)

P = people()




def _big_activity_file(tmp_path):
    rows = [["日期", "服务队", "活动名称", "参加人员", "服务时长"]]
    for day in range(1, 29):
        for k in range(4):
            rows.append([f"2026-02-{day:02d}", "检验队", f"活动{k}", "、".join(p["name"] for p in P[:7]), "1"])
    return write_csv(tmp_path / "feb.csv", rows)


def test_sigkill_while_writing_leaves_database_as_before(unit_db, tmp_path):
    f = _big_activity_file(tmp_path)
    before = db_fingerprint(unit_db)
    code = kill_while_writing(tracker_cmd("load", "activities", f, "--db", unit_db), tmp_path / "writing", wait=60)
    assert code == -signal.SIGKILL
    assert db_fingerprint(unit_db) == before
    # and the same file then loads whole
    done = subprocess.run(tracker_cmd("load", "activities", f, "--db", unit_db, "--json"), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"参加记录": 784' in done.stdout


def test_second_writer_is_told_the_database_is_in_use(unit_db, tmp_path):
    with holding_writer(unit_db):
        f = write_csv(tmp_path / "a.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                           ["2026-03-05", "检验队", "献血宣传", P[0]["name"], "2"]])
        t0 = time.time()
        r = subprocess.run(tracker_cmd("load", "activities", f, "--db", unit_db), capture_output=True, text=True,
                           timeout=60)
        assert time.time() - t0 < 30  # told at once, not after waiting
        assert r.returncode == 1
        assert "正在被另一个 tracker 程序使用" in r.stderr
        assert "Traceback" not in r.stderr


def test_a_load_tells_each_step_as_it_starts(unit_db, tmp_path):
    """A city's file takes seconds per step: the CLI's progress line shows which one is running."""
    from tracker import api

    f = _big_activity_file(tmp_path)
    files, steps = [], []
    (res,) = api.load(unit_db, "activities", [f], progress=files.append, stage=steps.append)
    assert res.status == "loaded"
    assert files == [str(f)]
    assert steps == ["读取文件", "检查 112 行", "核对服务队、人员和重复记录", "写入数据库"]
    bad = write_csv(tmp_path / "bad.csv", [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
                                           ["2026-02-30", "检验队", "义诊", P[0]["name"], "1"]])
    steps.clear()
    (res,) = api.load(unit_db, "activities", [bad], stage=steps.append)
    assert res.status == "rejected" and "写入数据库" not in steps  # a refused file never reaches the write


def test_a_json_load_writes_nothing_but_its_json(unit_db, tmp_path):
    import json

    f = _big_activity_file(tmp_path)
    done = subprocess.run(tracker_cmd("load", "activities", f, "--db", unit_db, "--json"), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["loaded"][0]["status"] == "loaded"

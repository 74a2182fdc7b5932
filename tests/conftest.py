"""Shared fixtures: run the CLI in-process, write spreadsheets as people keep them.

Every person here is made up; ID numbers get valid check digits from
`tracker.values.id_check_digit`.
"""

from __future__ import annotations

import hashlib
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter

from tracker.values import id_check_digit

sys.path.insert(0, str(Path(__file__).parent))


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session", autouse=True)
def _outside_the_checkout(tmp_path_factory):
    """Tests run in a folder of their own: the checkout's reports/templates/ (an example of an
    office's override, picked up from the folder tracker runs in) must not change their reports."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("cwd"))
        yield


@pytest.fixture
def cli(capsys, monkeypatch):
    """cli("load", "roster", "x.xlsx", db=path) → Run(code, out, err); never raises."""
    from tracker.cli import main

    def run(*args: str, db: Path | None = None) -> Run:
        argv = ["tracker", *map(str, args)]
        if db is not None:
            argv += ["--db", str(db)]
        monkeypatch.setattr(sys, "argv", argv)
        monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        cap = capsys.readouterr()
        return Run(code, cap.out, cap.err)

    return run


@pytest.fixture
def led(tmp_path):
    """A throw-away database built straight from rows (tests/factory.py), closed after."""
    from factory import Ledger

    ledger = Ledger(tmp_path / "t.duckdb")
    yield ledger
    ledger.close()


@pytest.fixture
def db(tmp_path, cli) -> Path:
    path = tmp_path / "t.duckdb"
    assert cli("init", db=path).code == 0
    return path


def write_xlsx(path: Path, rows: list[list], merges: list[tuple[int, int, int, int, str]] = (),
               text_cols: tuple[int, ...] = ()) -> Path:
    """Rows as given (None = empty cell); numbers stay numbers, strings stay text."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v)
            else:
                ws.write(r, c, v)
    for r0, c0, r1, c1, v in merges:
        ws.merge_range(r0, c0, r1, c1, v)
    wb.close()
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["" if v is None else v for v in r] for r in rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def fake_id(seed: int, birth: str = "19800101") -> str:
    body = f"320102{birth}{seed % 1000:03d}"
    return body + id_check_digit(body)


UNIT = "示例市中心血站"
TEAMS = [
    ("血站党员志愿服务队1队（检验队）", "检验队"),
    ("血站党员志愿服务队2队（业务队）", "业务队"),
    ("血站党员志愿服务队3队（宣传队）", "宣传队"),
    ("血站党员志愿服务队4队（句容队）", "句容队"),
]
SIZES = [7, 7, 8, 4]
SURNAMES = "赵钱孙李周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严"
GIVEN = ["晓明", "红", "建国", "雪梅", "志强", "丽", "海燕", "文", "卫东", "静", "立新", "敏", "国庆",
         "春华", "小兵", "玉兰", "永", "秀英", "振华", "芳", "德明", "桂香", "军", "琳", "宏伟", "燕"]


def people() -> list[dict]:
    """26 made-up volunteers in four teams of 7, 7, 8 and 4; the first of each team leads it."""
    out = []
    i = 0
    for (team, short), size in zip(TEAMS, SIZES, strict=True):
        for k in range(size):
            out.append({
                "name": SURNAMES[i] + GIVEN[i],
                "team": team,
                "short": short,
                "phone": f"1380000{i:04d}",
                "id": fake_id(i + 1),
                "leader": k == 0,
                "joined": f"{1990 + i}.{(i % 12) + 1}",
            })
            i += 1
    return out


@pytest.fixture
def forms(tmp_path) -> dict[str, Path]:
    """The notice's 附件4, 附件3 and 附件2, rebuilt as .xlsx with made-up people."""
    return notice_forms(tmp_path)


def notice_forms(tmp_path: Path) -> dict[str, Path]:
    """The `forms` fixture's files, written into `tmp_path`."""
    ps = people()
    f4 = write_xlsx(tmp_path / "附件4.xlsx", [
        ["附件4"],
        ["党员志愿服务队组队情况汇总表"],
        [" "],
        ["辖市（区）、市各主管部门（盖章）：示例市卫生局       填表日期：　　　　"],
        ["序号", "单　位　名　称", "党员\n\n人数", "党员志愿服务队数\n\n（支）", "党员志愿者\n\n人数"],
        [1, UNIT, 34, 4, 26],
        [None], [None],
        ["注：此表由各辖市（区）组织部党管科和市各主管部门负责汇总填写。"],
    ])
    rows3 = [
        ["附件3"],
        ["党员志愿服务队登记表"],
        ["单位名称（盖章）：示例市中心血站单位人数：90人 填表日期：2026.1　"],
        ["党组织名称", "“党员志愿\n\n服务队”名称", "志愿者\n\n人  数", "主要志愿\n\n服务项目",
         "“党员志愿服务队”负责人姓名及联系方式（办公、手机）", "简称"],
    ]
    for (team, short), size in zip(TEAMS, SIZES, strict=True):
        lead = next(p for p in ps if p["team"] == team and p["leader"])
        rows3.append([None, team, size, "无偿献血宣传、帮扶、社会服务", f"{lead['name']} {lead['phone']}", short])
    rows3.append([None, "总计　4　支", "总计 26人", None, None])
    rows3.append([None])
    rows3.append(["注：此表由各基层党组织填写，辖市区委组织部汇总。"])
    f3 = write_xlsx(tmp_path / "附件3.xlsx", rows3, merges=[(4, 0, 7, 0, UNIT)])
    rows2 = [
        ["附件2"],
        ["党员志愿服务队志愿者花名册"],
        ["单位名称（盖章）：示例市中心血站                      填表日期：2026.1"],
        ["姓名", "性别", "年龄", "学历", "入党时间", "民族", "所属服务队", "主要志愿\n\n服务项目",
         "联系方式\n\n（办公、手机）", "身份证号码", "是否班子成员"],
    ]
    for i, p in enumerate(ps):
        name = (" " + p["name"]) if i == 20 else p["name"]
        rows2.append([name, "男" if i % 2 else "女", 30 + i, "本科", p["joined"], "汉", p["short"],
                      "无偿献血宣传、社会服务、帮扶", p["phone"], p["id"], "是" if p["leader"] else "否"])
    rows2.append([None])
    rows2.append(["注：此表由各基层党组织填写，辖市区委组织部汇总。"])
    f2 = write_xlsx(tmp_path / "附件2.xlsx", rows2)
    return {"units": f4, "teams": f3, "roster": f2}


@pytest.fixture(scope="session")
def unit_db_template(tmp_path_factory) -> Path:
    """The notice-shaped unit loaded once per session; `unit_db` hands each test its own copy."""
    from tracker import api

    root = tmp_path_factory.mktemp("unit_db")
    files = notice_forms(root)
    path = root / "t.duckdb"
    api.init(path)
    for kind in ("units", "teams", "roster"):
        (r,) = api.load(path, kind, [files[kind]])
        assert r.status == "loaded", r.problems
    return path


@pytest.fixture
def unit_db(tmp_path, unit_db_template) -> Path:
    """A database holding the notice-shaped unit: 34 members, 4 teams, 26 volunteers (a copy of the
    session's `unit_db_template`, for the test to change freely)."""
    import shutil

    assert not unit_db_template.with_name(unit_db_template.name + ".wal").exists()
    path = tmp_path / "t.duckdb"
    shutil.copyfile(unit_db_template, path)
    return path




def db_fingerprint(path: Path) -> str:
    """A digest of every table's rows, to prove a rejected file changed nothing."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
        h = hashlib.sha256()
        for t in tables:
            rows = con.execute(f'SELECT * FROM "{t}"').fetchall()
            h.update(t.encode())
            for r in sorted(map(repr, rows)):
                h.update(r.encode())
        return h.hexdigest()
    finally:
        con.close()


def tracker_cmd(*args) -> list[str]:
    """`tracker ARGS` as a fresh Python process, through the command's own entry point
    (`python -m tracker`: the console script may not be on PATH)."""
    return [sys.executable, "-m", "tracker", *map(str, args)]


@contextmanager
def paused_at_write(cmd: list[str], marker: Path, wait: float = 120):
    """Run `cmd` until it reaches its database write (TRACKER_FAULT_PAUSE holds it there); yield the process."""
    import os
    import subprocess
    import time

    proc = subprocess.Popen(cmd, env={**os.environ, "TRACKER_FAULT_PAUSE": str(marker)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + wait
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.time() < deadline, "the load never reached its write"
            time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def kill_while_writing(cmd: list[str], marker: Path, wait: float = 120) -> int:
    """Run `cmd`, SIGKILL it at its database write, return its exit code."""
    import os
    import signal

    with paused_at_write(cmd, marker, wait) as proc:
        os.kill(proc.pid, signal.SIGKILL)
        return proc.wait(timeout=30)


@contextmanager
def holding_writer(db: Path):
    """Another program holding the database open for writing while the block runs."""
    import subprocess

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(30)",
         str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        yield
    finally:
        holder.kill()
        holder.wait()

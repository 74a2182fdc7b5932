"""Faults a user meets: a full disk, a damaged database file, a folder that cannot be written.

In the shape of tests/test_load_faults.py: the database is fingerprinted before and after,
and every outcome is a Chinese message with exit code 1 — never "内部错误" (exit 3), never
a truncated output file. The full-disk and read-only tests mount a small tmpfs, which needs
root; elsewhere they are skipped, saying why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import duckdb
import pytest
from conftest import db_fingerprint, holding_writer, people, write_csv

P = people()
BLOCK, HEADER = 262144, 12288  # DuckDB's block size and file header (block n starts at HEADER + n * BLOCK)


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "8m", read_only: bool = False):
    """A small tmpfs mounted at `path` (skips the test when not root or mounting is not permitted)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs (a full or read-only disk)")
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(folder: Path) -> Path:
    """Fill the disk under `folder` to the last byte."""
    filler = folder / f"filler-{uuid.uuid4().hex}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * chunk)
    finally:
        os.close(fd)
    return filler


def _acts(path: Path, n_days: int = 28):
    rows = [["日期", "服务队", "活动名称", "参加人员", "服务时长"]]
    rows += [[f"2026-03-{d:02d}", "检验队", f"活动{k}", "、".join(p["name"] for p in P[:7]), "1"]
             for d in range(1, n_days + 1) for k in range(4)]
    return write_csv(path, rows)


def _internal(r) -> bool:
    return r.code == 3 or "内部错误" in r.err or "Traceback" in r.err


# ---------------------------------------------------------------- a full disk


def test_a_load_on_a_full_disk_says_so_and_changes_nothing(unit_db, cli, tmp_path):
    with tmpfs(tmp_path / "disk", "16m") as disk:
        db = shutil.copy(unit_db, disk / "t.duckdb")
        f = _acts(tmp_path / "march.csv")
        filler = fill(disk)
        before = db_fingerprint(db)
        for _ in range(2):  # and the next load is told the same, not "cannot rollback"
            r = cli("load", "activities", f, db=db)
            assert r.code == 1 and not _internal(r), r.err
            assert "磁盘空间不足" in r.err
            assert db_fingerprint(db) == before
        filler.unlink()
        r = cli("load", "activities", f, db=db)
        assert r.code == 0, r.err
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT count(*) FROM participations").fetchall() == [(784,)]
        con.close()


@pytest.mark.parametrize("command", ["report", "export", "export-csv", "template", "rules", "backup"])
def test_outputs_on_a_full_disk_leave_no_partial_file(unit_db, cli, tmp_path, command):
    assert cli("load", "activities", _acts(tmp_path / "a.csv", 3), db=unit_db).code == 0
    with tmpfs(tmp_path / "disk", "4m") as disk:
        out = disk / "out"
        out.mkdir()
        args = {
            "report": ("report", "quarterly", "--year", "2026", "--quarter", "1", "--out", out),
            "export": ("export", "roster", "--out", out / "附件2.xlsx"),
            "export-csv": ("export", "roster", "--out", out / "附件2.csv"),
            "template": ("template", "activities", "--out", out / "模板.xlsx"),
            "rules": ("rules", "--out", out / "规则.toml"),
            "backup": ("backup", "--out", out / "备份.duckdb"),
        }[command]
        if command != "report":  # an earlier file of the same name must survive (a report: too slow to repeat)
            first = cli(*args, db=unit_db) if command not in ("template", "rules") else cli(*args)
            assert first.code == 0, first.err
        written = {p: p.read_bytes() for p in out.iterdir()}
        fill(disk)
        again = cli(*args, db=unit_db) if command not in ("template", "rules") else cli(*args)
        assert again.code == 1 and not _internal(again), again.err
        assert "磁盘空间不足" in again.err
        # the earlier files are whole and nothing else (no temporary, no truncated file) is left
        assert {p: p.read_bytes() for p in out.iterdir()} == written


# ---------------------------------------------------------------- a damaged database


def test_a_truncated_database_is_said_to_be_damaged_with_how_to_restore(unit_db, cli, tmp_path):
    assert cli("load", "activities", _acts(tmp_path / "a.csv", 3), db=unit_db).code == 0
    good = db_fingerprint(unit_db)
    assert cli("backup", "--out", tmp_path / "备份.duckdb", db=unit_db).code == 0
    with unit_db.open("r+b") as f:
        f.truncate(unit_db.stat().st_size - 3)
    for args in (("status",), ("check",), ("report", "annual", "--year", "2026", "--out", tmp_path / "r")):
        r = cli(*args, db=unit_db)
        assert r.code == 1 and not _internal(r), (args, r.err)
        assert "已损坏" in r.err and "备份" in r.err
    # restoring is copying the backup back: everything as it was when the backup was made
    shutil.copy(tmp_path / "备份.duckdb", unit_db)
    assert cli("status", db=unit_db).code == 0
    assert db_fingerprint(unit_db) == good


def test_a_block_damaged_and_read_mid_query_is_said_to_be_damaged(unit_db, cli, tmp_path):
    assert cli("backup", "--out", tmp_path / "备份.duckdb", db=unit_db).code == 0
    con = duckdb.connect(str(unit_db), read_only=True)
    (block,) = con.execute("SELECT DISTINCT block_id FROM pragma_storage_info('volunteer_versions') "
                           "WHERE block_id >= 0 LIMIT 1").fetchall()[0]
    con.close()
    with unit_db.open("r+b") as f:
        f.seek(HEADER + block * BLOCK + 64)
        f.write(b"\xab" * 256)
    duckdb.connect(str(unit_db), read_only=True).close()  # the file still opens: the damage is met mid-query
    r = cli("status", db=unit_db)
    assert r.code == 1 and not _internal(r), r.err
    assert "已损坏" in r.err and "校验失败" in r.err
    assert str((tmp_path / "备份.duckdb").resolve()) in r.err.replace("\n", "")  # the last backup, named


def test_a_file_that_is_not_a_database_is_refused(cli, tmp_path):
    fake = tmp_path / "t.duckdb"
    fake.write_bytes(b"not a database" * 1000)
    r = cli("status", db=fake)
    assert r.code == 1 and not _internal(r) and "损坏" in r.err


# ---------------------------------------------------------------- folders that cannot be written


def test_a_file_where_a_folder_is_expected(unit_db, cli, tmp_path):
    assert cli("load", "activities", _acts(tmp_path / "a.csv", 3), db=unit_db).code == 0
    blocker = tmp_path / "报告"
    blocker.write_text("I am a file", encoding="utf-8")
    cases = [
        (("report", "annual", "--year", "2026", "--out", blocker), True),
        (("export", "roster", "--out", blocker / "附件2.xlsx"), True),
        (("template", "roster", "--out", blocker / "模板.xlsx"), False),
        (("rules", "--out", blocker / "规则.toml"), False),
        (("backup", "--out", blocker / "备份.duckdb"), True),
    ]
    for args, needs_db in cases:
        r = cli(*args, db=unit_db) if needs_db else cli(*args)
        assert r.code == 1 and not _internal(r), (args, r.err)
        assert "不是文件夹" in r.err or "是一个文件" in r.err or "是文件而不是文件夹" in r.err, r.err
    assert blocker.read_text(encoding="utf-8") == "I am a file"


def test_a_read_only_folder(unit_db, cli, tmp_path):
    assert cli("load", "activities", _acts(tmp_path / "a.csv", 3), db=unit_db).code == 0
    with tmpfs(tmp_path / "ro", "1m", read_only=True) as ro:
        for args, needs_db in [(("report", "annual", "--year", "2026", "--out", ro / "报告"), True),
                               (("report", "annual", "--year", "2026", "--out", ro), True),
                               (("export", "roster", "--out", ro / "附件2.xlsx"), True),
                               (("template", "roster", "--out", ro / "模板.csv"), False)]:
            r = cli(*args, db=unit_db) if needs_db else cli(*args)
            assert r.code == 1 and not _internal(r), (args, r.err)
            assert "只读" in r.err, r.err


def test_a_read_only_database_folder_is_told_not_crashed(unit_db, cli, tmp_path):
    with tmpfs(tmp_path / "ro", "16m") as disk:
        db = shutil.copy(unit_db, disk / "t.duckdb")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        r = cli("load", "activities", _acts(tmp_path / "a.csv", 2), db=db)
        assert r.code == 1 and not _internal(r), r.err
        assert cli("status", db=db).code == 0  # reading still works


# ---------------------------------------------------------------- backups


def test_backup_is_a_checked_copy_recorded_in_the_database(unit_db, cli, tmp_path):
    before = db_fingerprint(unit_db)
    r = cli("backup", "--out", tmp_path / "备份", db=unit_db)  # a folder: a dated file inside
    assert r.code == 0, r.err
    (copy,) = (tmp_path / "备份").iterdir()
    assert copy.suffix == ".duckdb" and "已校验" in r.out
    assert db_fingerprint(copy) == before
    con = duckdb.connect(str(unit_db), read_only=True)
    assert con.execute("SELECT path FROM backups").fetchall() == [(str(copy.resolve()),)]
    con.close()
    assert cli("status", db=copy).code == 0  # the copy is a working database


def test_backup_waits_for_nobody_it_is_refused_while_another_program_writes(unit_db, cli, tmp_path):
    with holding_writer(unit_db):
        r = cli("backup", "--out", tmp_path / "b.duckdb", db=unit_db)
        assert r.code == 1 and "正在被另一个 tracker 程序使用" in r.err
        assert not (tmp_path / "b.duckdb").exists()


def test_a_failed_commit_keeps_its_own_error_not_the_rollback(tmp_path):
    """A COMMIT that fails (a full disk) has ended the transaction; the user sees its error, not
    ROLLBACK's "no transaction is active"."""
    from tracker.store.db import transaction

    class FullDisk:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            if sql == "COMMIT":
                self.con.execute("ROLLBACK")  # as DuckDB leaves it after a failed commit
                raise duckdb.IOException("could not write: No space left on device")
            return self.con.execute(sql, *args)

    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(duckdb.IOException, match="No space left"), transaction(FullDisk(con)):
        con.execute("INSERT INTO t VALUES (1)")
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    con.close()

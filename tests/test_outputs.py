"""An output that cannot be written is said in Chinese, naming the path and what to do, with exit 1 and
nothing half-written — for every command that writes one (README, "Commands": exit codes)."""

from __future__ import annotations

import errno
import shutil

import pytest
from report_demo import demo_db

UNIT = "示例市中心血站"

# every command with an output, its --out given as PLACE (a file, or a folder for these)
WRITERS = [
    ("report", "annual", "--year", "2025", "--out", "PLACE"),
    ("report", "points", "--year", "2025", "--out", "PLACE"),
    ("export", "roster", "--out", "PLACE/x.xlsx"),
    ("export", "dataset", "--out", "PLACE"),
    ("export", "hours", "--layout", "generic", "--year", "2025", "--unmask", "--out", "PLACE/h.xlsx"),
    ("export", "application", "--all", "--out", "PLACE"),
    ("certificate", "--volunteer", "冯磊", "--out", "PLACE/c.html"),
    ("certificate", "--all", "--unit", UNIT, "--year", "2025", "--out", "PLACE"),
    ("volunteer", "冯磊", "--out", "PLACE/v.docx"),
    ("awards", "--year", "2025", "--out", "PLACE/a.xlsx"),
    ("awards", "documents", "--year", "2025", "--out", "PLACE"),
    ("backup", "--out", "PLACE/b.duckdb"),
    ("rules", "--out", "PLACE/r.toml"),
    ("template", "roster", "--out", "PLACE/t.xlsx"),
    ("signin", "new", "--unit", UNIT, "--team", "检验队", "--title", "义诊", "--date", "2025-06-30", "--start", "09:00",
     "--end", "11:00", "--out", "PLACE/s.html"),
    ("demo", "--out", "PLACE"),
]


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    from tracker import api

    db = shutil.copyfile(demo_db(tmp_path_factory).db, tmp_path / "demo.duckdb")
    api.record_awards(db, year=2025, award="优秀党员志愿者", who=["周敏"])
    return db


def _args(cmd, place):
    return [a.replace("PLACE", str(place)) for a in cmd]


@pytest.mark.parametrize("cmd", WRITERS, ids=[" ".join(c[:2]) for c in WRITERS])
def test_an_output_under_a_file_is_a_chinese_message(cmd, demo, cli, tmp_path):
    """A path through a file (ENOTDIR): exit 1, the path named, no traceback."""
    blocker = tmp_path / "一个文件"
    blocker.write_text("x")
    r = cli(*_args(cmd, blocker / "子文件夹"), db=None if cmd[0] in ("rules", "template") else demo)
    assert r.code == 1, r.out + r.err
    assert "一个文件" in r.err and "内部错误" not in r.err and "Traceback" not in r.err, r.err


@pytest.mark.parametrize("cmd", [c for c in WRITERS if c[0] in ("report", "export", "certificate", "awards")][:6],
                         ids=lambda c: " ".join(c[:2]))
def test_a_full_disk_is_said_and_leaves_no_half_file(cmd, demo, cli, tmp_path, monkeypatch):
    import os

    real = os.replace

    def full(src, dst, *a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", full)
    out = tmp_path / "out"
    r = cli(*_args(cmd, out), db=demo)
    monkeypatch.setattr(os, "replace", real)
    assert r.code == 1, r.out + r.err
    assert "磁盘" in r.err and "内部错误" not in r.err, r.err
    left = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not [p for p in left if p.suffix in (".tmp", ".part") or p.name.startswith(".")], left


def test_any_os_error_on_an_output_ends_as_exit_1_naming_the_path(demo, cli, tmp_path, monkeypatch):
    """The class, however deep it is raised: a PermissionError no writer foresaw."""
    from tracker.exports import award_docs

    def denied(*a, **kw):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "表彰" / "公示名单_2025.docx"))

    monkeypatch.setattr(award_docs, "public_list_docx", denied)
    r = cli("awards", "documents", "--year", "2025", "--out", tmp_path / "表彰", db=demo)
    assert r.code == 1 and "公示名单_2025.docx" in r.err and "没有写入权限" in r.err, r.err

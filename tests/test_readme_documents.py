"""The README's command lines for Word reports, templates and certificates, run as written (on the demo year)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from report_demo import demo_db

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```bash\n(.*?)```", README, re.S)
LINES = [line.split("  #")[0].strip() for block in BLOCKS for line in block.splitlines()
         if line.startswith(("tracker report ", "tracker certificate"))
         and ("certificate" in line or "docx" in line or "--templates" in line)]


def test_the_readme_shows_these_commands_with_every_option():
    text = " ".join(LINES)
    assert len(LINES) >= 6
    for option in ("--format", "html,xlsx,docx", "--templates", "--volunteer", "--unit", "--from", "--to",
                   "--unmask", "--all", "--year", "--out", "verify"):
        assert option in text, option


@pytest.fixture
def here(tmp_path, tmp_path_factory, monkeypatch):
    """A working folder with a copy of the demo database as TRACKER_DB and 我的模板/ from the example."""
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db(tmp_path_factory).db, db)
    shutil.copytree(ROOT / "reports" / "templates", tmp_path / "我的模板")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_DB", str(db))
    return tmp_path


def test_every_readme_line_runs(here, cli):
    serial = None
    for line in LINES:
        args = shlex.split(line)[1:]
        r = cli(*args)
        if args[:2] == ["certificate", "verify"]:
            assert r.code == 1 and "无效" in r.err  # the README's serial is an example: not in this database
            assert serial is not None
            r = cli("certificate", "verify", serial)
            assert r.code == 0 and "有效" in r.out and "冯磊" in r.out, r.out + r.err
            continue
        assert r.code == 0, (line, r.out, r.err)
        if args[0] == "certificate":
            serial = serial or re.search(r"ZYJL-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", r.out.replace("\n", "")
                                         .replace("│", "").replace(" ", ""))[0]
    assert (here / "报告" / "季度例会通报_2025Q4_示例市中心血站.docx").exists()
    annual = (here / "报告" / "年度考评_2025_示例市中心血站.html").read_text(encoding="utf-8")
    assert "示卫机党〔" in annual  # the example override's letterhead
    assert (here / "证明" / "冯磊.html").exists() and (here / "证明" / "冯磊.docx").exists()
    assert len(list((here / "证明").glob("志愿服务记录证明_2025_*.docx"))) > 20

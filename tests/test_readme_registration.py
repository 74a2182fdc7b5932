"""The README's registration path (附件1), run line by line as a user types it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import docx
from appforms import fake_id, person, word_form

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def readme_lines() -> list[list[str]]:
    section = README[README.index("## The registration path"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    lines = [shlex.split(line.split("  #")[0]) for line in block.splitlines() if line.strip()]
    assert all(line[0] == "tracker" for line in lines)
    return [line[1:] for line in lines]


def test_the_registration_path_runs_as_the_readme_shows(cli, unit_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_DB", str(unit_db))
    folder = tmp_path / "申请表"
    folder.mkdir()
    for name, seed, sex in (("张晓明", 7, True), ("李红", 8, False), ("王芳", 9, False)):
        word_form(folder / f"{name}.docx", person(name, seed, 性别="男" if sex else "女",
                                                  身份证号码=fake_id(seed, male=sex)))
    lines = readme_lines()
    assert [a[:2] for a in lines] == [["template", "application"], ["load", "applications"], ["review", "--unit"],
                                      ["review", "--unit"], ["check", "--as-of"], ["export", "application"],
                                      ["export", "application"]]
    said = {}
    for args in lines:
        r = cli(*args)
        said[" ".join(args)] = r
        assert "Traceback" not in r.err and r.code in ((0, 1) if args[0] == "check" else (0,)), (args, r.out, r.err)
    assert docx.Document("申请登记表.docx").tables[0].cell(0, 0).text == "姓　　名"
    load, listing, approve, check = (said[" ".join(a)] for a in lines[1:5])
    assert "新申请 1" in load.out and load.out.count("已导入") == 3
    assert "待审核的申请 3 人" in listing.out
    assert "审核通过并登记 2 人" in approve.out and "待审核的申请 1 人" in approve.out
    assert "R3 申请审核" in check.out
    found = json.loads(cli("check", "--json", "--as-of", "2026-07-31").out)
    assert [(f["level"], f["volunteer"]) for f in found if f["rule"] == "application_review"] == [("warn", "王芳")]
    one = docx.Document("张晓明.docx").tables[0]
    assert one.cell(0, 1).text == "张晓明" and one.cell(4, 1).text == fake_id(7)  # --unmask
    printed = sorted(p.name for p in (tmp_path / "申请表打印").iterdir())
    assert len(printed) == 26 + 3 and "附件1_王芳.docx" in printed

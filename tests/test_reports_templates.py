"""An office's own templates (docs/reports.md, "Your own templates"): letterhead, closing, errors."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import db_fingerprint
from docx import Document
from report_demo import demo_db

from tracker import api
from tracker.problems import TrackerError

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "reports" / "templates"
TODAY = dt.date(2026, 1, 20)
OFFICE = """{% set organ = "示例区委组织部" %}
{% set doc_number = "示组通〔" ~ header.made_on.year ~ "〕7号" %}
{% set signature = "中共示例区委组织部" %}
{% set sign_date = header.made_on|date_cn %}
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return demo_db(tmp_path_factory).db


def annual(db, out, **kw):
    return api.report(db, "annual", year=2025, out_dir=out, today=TODAY, formats=("html", "docx"), **kw).paths


def test_built_in_reports_have_no_letterhead(db, tmp_path):
    html, docx = annual(db, tmp_path)
    page = html.read_text(encoding="utf-8")
    assert 'class="letterhead"' not in page and 'class="closing"' not in page
    assert Document(str(docx)).paragraphs[0].text == "党员志愿服务队年度考评与星级认定"


def test_templates_folder_gives_letterhead_and_closing_to_page_and_word(db, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "office.html").write_text(OFFICE, encoding="utf-8")
    html, docx = annual(db, tmp_path / "out", templates=mine)
    page = html.read_text(encoding="utf-8")
    assert '<div class="organ">示例区委组织部</div>' in page
    assert '<div class="doc-number">示组通〔2026〕7号</div>' in page
    assert "中共示例区委组织部" in page and "2026年1月20日" in page
    assert page.index("示组通") < page.index("<h1>") < page.rindex("中共示例区委组织部")
    text = [p.text for p in Document(str(docx)).paragraphs]
    assert text[:2] == ["示例区委组织部", "示组通〔2026〕7号"]
    assert "中共示例区委组织部" in text[-4:] and "2026年1月20日" in text[-4:]
    organ = Document(str(docx)).paragraphs[0].runs[0]
    assert str(organ.font.color.rgb) == "C00000"  # 红头


def test_local_reports_templates_folder_is_used_where_tracker_runs(db, tmp_path, monkeypatch):
    local = tmp_path / "reports" / "templates"
    local.mkdir(parents=True)
    (local / "office.html").write_text(OFFICE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    html, _ = annual(db, tmp_path / "out")
    assert "示组通〔2026〕7号" in html.read_text(encoding="utf-8")


def test_override_one_block_by_extending_the_builtin(db, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "base.html").write_text(
        '{% extends "builtin/base.html" %}{% block letterhead %}<div class="mine">本单位自定义红头</div>{% endblock %}',
        encoding="utf-8")
    html, _ = annual(db, tmp_path / "out", templates=mine)
    page = html.read_text(encoding="utf-8")
    assert '<div class="mine">本单位自定义红头</div>' in page
    assert "一、总体情况" in page and "附录　各服务队全年活动一览" in page  # the rest is built-in


def test_the_repositorys_example_override_works(db, tmp_path):
    html, docx = annual(db, tmp_path, templates=EXAMPLE)
    page = html.read_text(encoding="utf-8")
    assert "示例市卫生健康委员会机关党委" in page and "示卫机党〔2026〕3号" in page and "（盖章）" in page
    assert [p.text for p in Document(str(docx)).paragraphs][:2] == ["示例市卫生健康委员会机关党委", "示卫机党〔2026〕3号"]


@pytest.mark.parametrize("text, line, words", [
    ('{% extends "builtin/base.html" %}\n{% block closing %}\n{% if %}\n{% endblock %}', 3, "语法错误"),
    ('{% extends "builtin/base.html" %}\n{% block closing %}\n{{ office.nothing_here.deeper }}\n{% endblock %}',
     3, "没有的名称"),
])
def test_a_broken_override_names_its_file_and_line(db, tmp_path, cli, text, line, words):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "base.html").write_text(text, encoding="utf-8")
    before = db_fingerprint(db)
    with pytest.raises(TrackerError) as e:
        annual(db, tmp_path / "out", templates=mine)
    assert f"base.html 第 {line} 行" in e.value.message and words in e.value.message
    assert str(mine) in e.value.message
    r = cli("report", "annual", "--year", "2025", "--templates", mine, "--out", tmp_path / "cli", db=db)
    assert r.code == 1 and f"base.html 第 {line} 行" in r.err.replace("\n", "") and "Traceback" not in r.err
    assert db_fingerprint(db) == before


def test_missing_templates_folder_is_a_usage_error(db, cli, tmp_path):
    r = cli("report", "annual", "--year", "2025", "--templates", tmp_path / "nope", db=db)
    assert r.code == 2 and "找不到模板文件夹" in r.err


def test_certificates_take_overrides_too(db, tmp_path):
    mine = tmp_path / "mine"
    shutil.copytree(EXAMPLE, mine)
    (mine / "certificate.html").write_text(
        '{% extends "builtin/certificate.html" %}{% block letterhead %}<p class="mine">示例区卫健委</p>{% endblock %}',
        encoding="utf-8")
    work = tmp_path / "db.duckdb"
    shutil.copy(db, work)
    res = api.certificate(work, volunteer="冯磊", out=tmp_path / "c.html", templates=mine, today=TODAY)
    assert '<p class="mine">示例区卫健委</p>' in res.paths[0].read_text(encoding="utf-8")

"""志愿服务记录证明 (docs/certificates.md): what it states, that it counts as the annual report does, serials."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import duckdb
import pytest
from conftest import db_fingerprint, fake_id
from docx import Document
from factory import Ledger
from report_demo import demo_db

from tracker import api
from tracker.certificates import serials
from tracker.problems import TrackerError

D = dt.date
TODAY = D(2026, 1, 20)
U = "示例社区卫生服务中心"


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    """A copy of the demo database: certificates write their serials into it."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db(tmp_path_factory).db, path)
    return path


@pytest.fixture
def small(tmp_path):
    """One unit: 张晓明 has service, a pairing visit, training and a meeting; two people are called 王丽."""
    led = Ledger(tmp_path / "s.duckdb")
    led.unit(U, 20)
    team = led.team(U, "社区党员志愿服务队", short_name="社区队")
    a = led.volunteer(U, "张晓明", team, number="SQ001", id_number=fake_id(11), registered=D(2024, 5, 1),
                      prior_hours=30)
    b = led.volunteer(U, "王丽", team, number="SQ002", phone="13800001111", registered=D(2024, 5, 1))
    led.volunteer(U, "王丽", team, number="SQ003", phone="13900002222", registered=D(2024, 5, 1))
    led.activity(U, team, D(2025, 3, 5), "<b>义诊</b>进社区", [a, b], hours=3, theme="关爱老幼弱残")
    led.activity(U, team, D(2025, 4, 9), "=HYPERLINK(\"http://x\")", [a], hours=2.5, theme="学雷锋献爱心")
    led.activity(U, team, D(2025, 5, 9), "志愿者培训", [a, b], hours=4, kind="培训")
    led.activity(U, team, D(2025, 6, 9), "季度工作例会", [a], hours=1, kind="例会")
    led.activity(U, team, D(2024, 12, 9), "上年的活动", [a], hours=6)
    led.pairing(U, a, D(2025, 7, 1), "独居老人", hours=1.5)
    led.months(U, "activities", [f"2025-{m:02d}" for m in range(1, 13)])
    led.close()
    return led.path


def test_a_certificate_states_what_the_rules_ask_and_counts_only_service(small, tmp_path, cli):
    r = cli("certificate", "--volunteer", "张晓明", "--from", "2025-01-01", "--to", "2025-12-31",
            "--out", tmp_path / "张晓明.html", db=small)
    assert r.code == 0, r.err
    assert "身份证号码已脱敏" in r.out and "tracker certificate verify" in r.out
    page = (tmp_path / "张晓明.html").read_text(encoding="utf-8")
    for words in ("志愿服务记录证明", "张晓明", "居民身份证", "示例社区卫生服务中心 社区党员志愿服务队",
                  "2025-01-01 至 2025-12-31", "特此证明", "（盖章）", "出具日期", "证明编号：ZYJL-2026-"):
        assert words in page, words
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td class="nowrap">([\d-]+)</td><td>(.*?)</td>', page)
    assert [d for _, d, _ in rows] == ["2025-03-05", "2025-04-09", "2025-07-01"]  # no training, meeting, 2024
    assert "&lt;b&gt;义诊&lt;/b&gt;进社区" in page and "<b>义诊" not in page
    assert "服务时长共计 7 小时" in page and "合计（3 次）" in page  # 3 + 2.5 + 1.5
    assert "累计服务时长 43 小时" in page  # 30 before registration + 6 in 2024 + 7
    idn = fake_id(11)
    assert idn not in page and idn[:3] + "*" * 11 + idn[-4:] in page


def test_certificate_totals_are_the_annual_reports_for_every_volunteer(demo, tmp_path):
    annual = api.build_report(demo, "annual", year=2025, today=TODAY)
    hours = {row["vid"]: row["service_hours"] for row in annual.tables["volunteers"].frame.to_dicts()}
    res = api.certificate(demo, all_volunteers=True, unit="示例市中心血站", year=2025, out=tmp_path / "all",
                          today=TODAY)
    assert res.paths and all(p.parent == tmp_path / "all" and p.suffix == ".html" for p in res.paths)
    for c in res.certificates:
        assert abs(c.record.total_hours - hours[c.record.volunteer.vid]) < 1e-9
        assert abs(sum(s.hours for s in c.record.services) - c.record.total_hours) < 1e-9
    faces = {re.search(r"base64,([^)]+)\)", p.read_text(encoding="utf-8"))[1] for p in res.paths}
    assert len(faces) == 1  # one font subset serves the run's pages (each page's own names included)
    served = {v for v, h in hours.items() if h > 0}
    assert {c.record.volunteer.vid for c in res.certificates} == served
    assert len(res.skipped) == sum(1 for h in hours.values() if h == 0)
    con = duckdb.connect(str(demo), read_only=True)
    stored = con.execute("SELECT count(*), count(DISTINCT serial) FROM certificates").fetchall()[0]
    con.close()
    assert stored == (len(res.paths), len(res.paths))


def test_word_certificate_and_unmask(small, tmp_path, cli):
    r = cli("certificate", "--volunteer", "SQ001", "--unit", U, "--from", "2025-01-01", "--to", "2025-12-31",
            "--out", tmp_path / "c.docx", "--unmask", db=small)
    assert r.code == 0, r.err
    assert "完整的身份证号码" in r.out
    doc = Document(str(tmp_path / "c.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert fake_id(11) in text and "证件号码已作脱敏处理" not in text
    assert "志愿服务记录证明" in text and "特此证明" in text and "（盖章）" in text
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "日期", "服务内容", "组织者", "服务时长（小时）"]
    assert [c.text for c in table.rows[-1].cells][-1] == "7" and len(table.rows) == 1 + 3 + 1
    formula = [c for row in table.rows for c in row.cells if c.text.startswith("=HYPERLINK")]
    assert formula  # user text as text


def test_verify_says_valid_then_and_now(small, tmp_path, cli):
    res = api.certificate(small, volunteer="张晓明", start="2025-01-01", end="2025-12-31", out=tmp_path / "c.html",
                          today=TODAY)
    serial = res.certificates[0].serial
    assert re.fullmatch(r"ZYJL-2026(-[0-9A-HJKMNP-TV-Z]{4}){3}", serial)
    r = cli("certificate", "verify", serial, db=small)
    assert r.code == 0 and "有效" in r.out and "张晓明" in r.out and "2026-01-20" in r.out
    assert "共 7 小时" in r.out and "与出具时一致" in r.out
    typed = serial.lower().replace("0", "o")
    assert cli("certificate", "verify", typed, db=small).code == 0  # as people type it
    # the ledger changes after issuing: verify tells
    con = duckdb.connect(str(small))
    con.execute("UPDATE participations SET hours = 5 WHERE hours = 3")
    con.close()
    r = cli("certificate", "verify", serial, db=small)
    assert r.code == 0 and "出具时：服务 3 次，共 7 小时" in r.out and "共 9 小时" in r.out and "有变动" in r.out
    other = serials.new_serial(TODAY)
    r = cli("certificate", "verify", other, db=small)
    assert r.code == 1 and "无效" in r.err
    assert cli("certificate", "verify", "ABC", db=small).code == 2


def test_serials_are_random_and_unique():
    made = {serials.new_serial(TODAY) for _ in range(2000)}
    assert len(made) == 2000 and all(serials.well_formed(s) for s in made)


@pytest.mark.parametrize("args, code, words", [
    (["--volunteer", "王丽"], 2, ["有 2 位志愿者叫“王丽”", "SQ002", "1111", "SQ003"]),
    (["--volunteer", "张小明"], 1, ["没有志愿者“张小明”", "张晓明"]),
    (["--volunteer", "张晓明", "--unit", "不存在"], 1, ["没有单位"]),
    (["--volunteer", "张晓明", "--from", "2025-12-01", "--to", "2025-01-01"], 2, ["开始 2025-12-01 晚于结束"]),
    (["--volunteer", "张晓明", "--from", "去年"], 2, ["--from 不是可识别的日期"]),
    (["--all", "--year", "2025"], 2, ["--all 需要同时给出 --unit"]),
    (["--all", "--unit", U, "--year", "2025", "--volunteer", "王丽"], 2, ["不能同时使用"]),
    (["--unit", U], 2, ["--volunteer"]),
])
def test_mistakes_are_chinese_and_change_nothing(small, tmp_path, cli, args, code, words):
    before = db_fingerprint(small)
    r = cli("certificate", *args, "--out", tmp_path / "c.html", db=small)
    assert r.code == code, r.err
    for w in words:
        assert w in r.err.replace("\n", ""), (w, r.err)
    assert db_fingerprint(small) == before and not (tmp_path / "c.html").exists()


def test_bad_output_suffix_and_unwritable_folder_leave_no_serial(small, tmp_path, cli):
    before = db_fingerprint(small)
    r = cli("certificate", "--volunteer", "张晓明", "--out", tmp_path / "c.pdf", db=small)
    assert r.code == 2 and ".docx" in r.err
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises((TrackerError, OSError)):
        api.certificate(small, all_volunteers=True, unit=U, year=2025, out=blocked / "sub", today=TODAY)
    assert db_fingerprint(small) == before


def test_a_failed_write_rolls_back_every_serial_and_file(small, tmp_path, monkeypatch):
    from tracker.certificates import document

    calls = []
    real = document.write_html

    def fail_second(html, out, chars=None):
        calls.append(out)
        if len(calls) == 2:
            raise TrackerError("无法写入（测试）")
        return real(html, out, chars)

    monkeypatch.setattr(document, "write_html", fail_second)
    before = db_fingerprint(small)
    with pytest.raises(TrackerError):
        api.certificate(small, all_volunteers=True, unit=U, year=2025, out=tmp_path / "all", today=TODAY)
    assert len(calls) == 2 and not list((tmp_path / "all").glob("*.html"))
    assert db_fingerprint(small) == before


def test_all_certificates_as_word_and_a_format_we_cannot_write(small, cli, tmp_path):
    r = cli("certificate", "--all", "--unit", U, "--year", "2025", "--format", "docx", "--out", tmp_path / "w",
            db=small)
    assert r.code == 0, r.out + r.err
    made = sorted((tmp_path / "w").iterdir())
    assert made and all(p.suffix == ".docx" for p in made)
    r = cli("certificate", "--all", "--unit", U, "--year", "2025", "--format", "pdf", "--out", tmp_path / "p",
            db=small)
    assert r.code == 2 and "--format 只能是 html 或 docx，而不是“pdf”" in r.err
    assert not (tmp_path / "p").exists()

"""Hostile and broken files, as a new user or an attacker would try them (docs/ledgers.md, "Limits"):
each ends with exit 0 or 1 and a Chinese message, quickly, and a refusal leaves the database as it was."""

from __future__ import annotations

import json
import zipfile

import duckdb
import pytest
from conftest import UNIT, db_fingerprint, people, write_csv

from tracker.ingest import limits

P = people()
A, B = P[0]["name"], P[1]["name"]
HEAD = ["日期", "服务队", "活动名称", "参加人员", "服务时长"]


def _acts(path, rows, encoding="utf-8"):
    return write_csv(path, [[f"单位名称：{UNIT}"], HEAD, *rows], encoding)


def _q(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _refused(cli, db, *args, says: str):
    before = db_fingerprint(db)
    r = cli("load", *map(str, args), db=db)
    assert r.code == 1, r.out + r.err
    assert says in r.out + r.err, r.out + r.err
    assert "内部错误" not in r.err and "Traceback" not in r.err
    assert db_fingerprint(db) == before
    return r


def test_a_name_with_glob_characters_is_that_file(unit_db, cli, tmp_path):
    """A browser's second download, 活动登记簿[1].csv, beside 活动登记簿1.csv."""
    _acts(tmp_path / "活动登记簿1.csv", [["2026-03-05", "检验队", "别的文件", B, "5"]])
    mine = _acts(tmp_path / "活动登记簿[1].csv", [["2026-03-06", "检验队", "义诊", A, "2"]])
    for name in ("活动登记簿[1].csv", "登记簿*.csv", "登记簿?.csv"):
        f = mine if name == "活动登记簿[1].csv" else mine.rename(tmp_path / name)
        mine = f
        r = cli("load", "activities", f, "--replace", "--yes", db=unit_db)
        assert r.code == 0, r.err
        assert _q(unit_db, "SELECT title FROM activities") == [("义诊",)]


def _zip_with(path, name: str, size: int):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open(name, "w", force_zip64=True) as f:
            chunk = b"<a>" + b"0" * (1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
    return path


@pytest.mark.parametrize(("name", "kind", "part"), [("bomb.xlsx", "activities", "xl/worksheets/sheet1.xml"),
                                                    ("bomb.docx", "applications", "word/document.xml")])
def test_a_zip_bomb_is_refused_before_it_is_expanded(unit_db, cli, tmp_path, name, kind, part):
    f = _zip_with(tmp_path / name, part, 40 << 20)  # 40 MB of zeros in some 40 KB
    assert f.stat().st_size < 1 << 20
    _refused(cli, unit_db, kind, f, "--unit", UNIT, says="解压后却有")


def test_an_archive_past_the_expanded_limit_is_refused(unit_db, cli, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_EXPANDED", 4 << 20)
    import xlsxwriter

    f = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(f))
    ws = wb.add_worksheet()
    for r in range(60_000):
        ws.write_row(r, 0, [f"第{r}行的内容", r, "文字" * 5])
    wb.close()
    _refused(cli, unit_db, "activities", f, says="上限")


def test_a_sheet_whose_range_runs_far_past_its_table_is_refused(unit_db, cli, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELLS", 10_000)
    import xlsxwriter

    f = tmp_path / "range.xlsx"
    wb = xlsxwriter.Workbook(str(f))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, [f"单位名称：{UNIT}"])
    ws.write_row(1, 0, HEAD)
    ws.write_row(2, 0, ["2026-03-05", "检验队", "义诊", A, 2])
    ws.write_string(50_000, 20, " ")  # a space typed far away
    wb.close()
    _refused(cli, unit_db, "activities", f, says="删除这些空行空列")


def test_a_csv_past_the_size_limit_or_without_line_breaks_is_refused(unit_db, cli, tmp_path, monkeypatch):
    one_line = tmp_path / "line.csv"
    one_line.write_bytes(b"a" * (limits.MAX_FIRST_LINE + 10))
    _refused(cli, unit_db, "activities", one_line, says="没有换行")
    monkeypatch.setattr(limits, "MAX_CSV_BYTES", 1000)
    big = _acts(tmp_path / "big.csv", [["2026-03-05", "检验队", f"活动{i}", A, "1"] for i in range(100)])
    _refused(cli, unit_db, "activities", big, says="拆分")


def test_twenty_thousand_minutes_under_an_hours_header_are_refused_with_the_hint(unit_db, cli, tmp_path):
    f = _acts(tmp_path / "m.csv", [[f"2026-03-{i % 28 + 1:02d}", "检验队", f"活动{i}", A, "90"] for i in range(20_000)])
    r = _refused(cli, unit_db, "activities", f, "--json", says="分钟")
    assert len(json.loads(r.out)) == 20_000


def test_invisible_characters_are_removed_and_said(unit_db, cli, tmp_path):
    """王<零宽空格>丽 is 王丽: no look-alike volunteer, and the row matches the roster."""
    hidden = A[0] + "\u200b" + A[1:]
    rtl = "\u202e" + B
    f = _acts(tmp_path / "a.csv", [["2026-03-05\u00a0", "检验队\ufeff", "义诊", f"{hidden}、{rtl}", "2\x00"]])
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 0, r.out
    assert any("不可见字符" in w["message"] for w in json.loads(r.out)["warnings"])
    assert sorted(n for (n,) in _q(unit_db, "SELECT v.name FROM participations JOIN volunteers v USING (vid)")) == \
        sorted([A, B])
    roster = write_csv(tmp_path / "r.csv", [["姓名", "联系方式"], [hidden, P[0]["phone"]]])
    assert cli("load", "roster", roster, "--unit", UNIT, db=unit_db).code == 0
    assert _q(unit_db, f"SELECT count(*) FROM volunteers WHERE name LIKE '{A[0]}%{A[-1]}'") == [(1,)]


def test_nul_padding_is_not_part_of_a_name(unit_db, cli, tmp_path):
    f = tmp_path / "nul.csv"
    f.write_bytes(f"单位名称：{UNIT}\x00\x00\n{','.join(HEAD)}\n2026-03-05\x00,检验队\x00,义诊,{A},2\n".encode())
    assert cli("load", "activities", f, db=unit_db).code == 0


def test_control_characters_are_printed_escaped_not_obeyed(unit_db, cli, tmp_path):
    f = _acts(tmp_path / "evil\x1b[2Jname.csv", [["2026-03-05", "检验队\x1b]0;x\x07", "义诊", A, "2"]])
    r = cli("load", "activities", f, db=unit_db)
    assert "\x1b" not in r.out + r.err and "\\x1b" in r.out + r.err


def test_a_name_of_absurd_length_is_refused(unit_db, cli, tmp_path):
    f = _acts(tmp_path / "a.csv", [["2026-03-05", "检验队", "义诊", "王" * 10_000, "2"]])
    _refused(cli, unit_db, "activities", f, says="超过 40 个字")
    roster = write_csv(tmp_path / "r.csv", [["姓名", "联系方式"], ["李" * 10_000, "13912345678"]])
    _refused(cli, unit_db, "roster", roster, "--unit", UNIT, says="超过 40 个字")


def test_formulas_without_calculated_values_are_named(unit_db, cli, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"单位名称：{UNIT}"])
    ws.append(HEAD)
    ws.append(["2026-03-05", "检验队", "义诊", "=\"" + A + "\"", "=1+1"])
    wb.save(tmp_path / "f.xlsx")
    _refused(cli, unit_db, "activities", tmp_path / "f.xlsx", says="没有保存计算结果")


@pytest.mark.parametrize(("encoding", "sep"), [("utf-16", "\t"), ("utf-16", ","), ("utf-16-le", ","),
                                               ("utf-16-le", "\t")])
def test_utf16_text_is_read(unit_db, cli, tmp_path, encoding, sep):
    """Excel's "Unicode 文本" (UTF-16, tabs), and UTF-16 without its BOM."""
    lines = [f"单位名称：{UNIT}", sep.join(HEAD), sep.join(["2026-03-05", "检验队", "义诊", f"{A}、{B}", "2"])]
    f = tmp_path / "u.txt"
    f.write_bytes("\r\n".join(lines).encode(encoding))
    r = cli("load", "activities", f, db=unit_db)
    assert r.code == 0, r.err
    assert _q(unit_db, "SELECT sum(hours) FROM participations") == [(4.0,)]


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_a_web_page_saved_as_xls_is_read_as_its_table(unit_db, cli, tmp_path, charset):
    html = (f'<html><head><meta charset="{charset}"></head><body><table>'
            f'<tr><td colspan="5">单位名称：{UNIT}</td></tr><tr>{"".join(f"<th>{h}</th>" for h in HEAD)}</tr>'
            f'<tr><td rowspan="2">2026-03-05</td><td>检验队</td><td>义诊</td><td>{A}</td><td>2</td></tr>'
            f'<tr><td>检验队</td><td>宣传</td><td>{B}</td><td>1.5</td></tr></table></body></html>')
    f = tmp_path / "平台导出.xls"
    f.write_bytes(html.encode(charset))
    r = cli("load", "activities", f, db=unit_db)
    assert r.code == 0, r.err
    assert sorted(_q(unit_db, "SELECT strftime(date, '%Y-%m-%d'), title FROM activities")) == [
        ("2026-03-05", "义诊"), ("2026-03-05", "宣传")]


def test_a_web_page_without_a_table_is_said_to_be_one(unit_db, cli, tmp_path):
    f = tmp_path / "x.xls"
    f.write_text("<html><body><p>登录已过期</p></body></html>", encoding="utf-8")
    _refused(cli, unit_db, "activities", f, says="网页")

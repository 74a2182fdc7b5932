"""附件1 forms as applicants fill them in Word, WPS and Excel (docs/ledgers.md, "Forms").

Every form of one command is stored together or not at all; each problem names the file
and the label; a person already known is updated, not added twice.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest
from appforms import excel_form, fake_id, person, word_form, wps_form, xls_form
from conftest import UNIT, db_fingerprint, kill_while_writing, people, tracker_cmd

from tracker.store import queries

TODAY = dt.date.today()


def roster(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return queries.roster_as_of(con, TODAY)
    finally:
        con.close()


def versions(db, name: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM volunteer_versions WHERE name = ?", [name]).fetchall()[0][0]
    finally:
        con.close()


def load(cli, db, *paths, extra=()):
    r = cli("load", "applications", *paths, *extra, "--json", db=db)
    return r, json.loads(r.out) if r.out.strip() else None


@pytest.mark.parametrize("make", [word_form, wps_form, excel_form, xls_form],
                         ids=["word", "wps", "xlsx", "xls"])
def test_each_way_of_filling_the_form_loads_one_applicant(cli, unit_db, tmp_path, make):
    suffix = ".xls" if make is xls_form else ".xlsx" if make is excel_form else ".docx"
    f = make(tmp_path / f"张晓明{suffix}", person("张晓明", 7))
    r, data = load(cli, unit_db, f)
    assert r.code == 0, r.out + r.err
    assert data["loaded"][0]["counts"] == {"新申请": 1}
    p = roster(unit_db).filter(roster(unit_db)["name"] == "张晓明").row(0, named=True)
    assert p["status"] == "申请" and p["registered"] is None and p["active"] is False
    assert p["applied"] == dt.date(2026, 6, 20)
    assert (p["gender"], p["ethnicity"], p["birth_month"], p["education"]) == ("男", "汉", dt.date(1985, 3, 1), "本科")
    assert (p["political"], p["health"], p["email"], p["skills"]) == ("中共党员", "良好", "v7@example.com", "讲解、摄影")
    assert p["experience"] == "2015年起参加无偿献血宣传\n2020年社区义诊"
    assert p["phone"] == "051184410007、13900000007"  # 办公、手机, as the roster keeps 联系方式
    assert p["id_number"] == fake_id(7)
    assert p["workplace"] is None  # 所在单位 was the unit's own name


def test_an_applicant_is_listed_but_not_counted(cli, unit_db, tmp_path):
    before = cli("status", "--json", db=unit_db)
    load(cli, unit_db, word_form(tmp_path / "a.docx", person("张晓明", 7)))
    (u,) = json.loads(cli("status", "--json", db=unit_db).out)
    assert u["volunteers"] == json.loads(before.out)[0]["volunteers"] == 26
    assert u["applicants"] == 1


def _folder(tmp_path, bad: dict | None = None):
    d = tmp_path / "申请表"
    d.mkdir()
    word_form(d / "张晓明.docx", person("张晓明", 7))
    wps_form(d / "李红.docx", person("李红", 8, 性别="女", 身份证号码=fake_id(8, male=False)))
    excel_form(d / "王芳.xlsx", person("王芳", 9, 性别="女", 身份证号码=fake_id(9, male=False), **(bad or {})))
    xls_form(d / "赵强.xls", person("赵强", 10, 身份证号码=fake_id(10)))
    (d / "~$张晓明.docx").write_bytes(b"owner file Word keeps while the form is open")
    (d / "王芳.jpg").write_bytes(b"\xff\xd8\xff a photo")
    return d


def test_a_folder_of_forms_loads_together(cli, unit_db, tmp_path):
    r, data = load(cli, unit_db, _folder(tmp_path), extra=("--unit", UNIT))
    assert r.code == 0, r.out + r.err
    assert [x["file"] for x in data["loaded"]] == ["张晓明.docx", "李红.docx", "王芳.xlsx", "赵强.xls"]
    assert {x["status"] for x in data["loaded"]} == {"loaded"}
    assert any(w["file"] == "王芳.jpg" and "已跳过" in w["message"] for w in data["warnings"])
    waiting = roster(unit_db).filter(roster(unit_db)["status"] == "申请")
    assert sorted(waiting["name"]) == sorted(["张晓明", "李红", "王芳", "赵强"])


def test_one_bad_date_keeps_the_whole_folder_out(cli, unit_db, tmp_path):
    d = _folder(tmp_path, bad={"出生年月": "1985年13月"})
    before = db_fingerprint(unit_db)
    r, problems = load(cli, unit_db, d)
    assert r.code == 1
    assert db_fingerprint(unit_db) == before
    (p,) = [p for p in problems if p["level"] == "error"]
    assert (p["file"], p["column"], p["value"]) == ("王芳.xlsx", "出生年月", "1985年13月")
    assert p["message"].startswith("不是可识别的年月") and p["row"] == 5  # the Excel row of the value
    plain = cli("load", "applications", d, db=unit_db)
    said = plain.out + plain.err
    assert "王芳.xlsx" in said and "1985年13月" in said
    assert "有 4 个文件未导入" in said and "共 1 个问题" in said and "数据库未做任何改动" in said  # the good ones too


def test_a_missing_name_is_named_by_file_and_label(cli, unit_db, tmp_path):
    f = word_form(tmp_path / "无名.docx", person(None, 7))
    before = db_fingerprint(unit_db)
    r, problems = load(cli, unit_db, f)
    assert r.code == 1 and db_fingerprint(unit_db) == before
    assert {(p["file"], p["column"], p["message"]) for p in problems if p["level"] == "error"} == {
        ("无名.docx", "姓名", "必填项为空")}


def test_two_forms_for_one_person_are_refused_naming_both(cli, unit_db, tmp_path):
    a = word_form(tmp_path / "张晓明.docx", person("张晓明", 7))
    b = excel_form(tmp_path / "张晓明（改）.xlsx", person("张晓明", 7, 特长="书法"))
    before = db_fingerprint(unit_db)
    r, problems = load(cli, unit_db, a, b)
    assert r.code == 1 and db_fingerprint(unit_db) == before
    (p,) = [p for p in problems if p["level"] == "error"]
    assert p["file"] == "张晓明（改）.xlsx" and "与 张晓明.docx 是同一个人（身份证号码相同）" in p["message"]
    assert p["value"] == "320***********" + fake_id(7)[-4:]  # the ID number masked in the message


def test_a_document_that_is_not_the_form_is_named_as_such(cli, unit_db, tmp_path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("关于开展志愿服务活动的通知")
    t = doc.add_table(rows=2, cols=3)
    for c, text in enumerate(["活动名称", "时间", "地点"]):
        t.cell(0, c).text = text
    doc.save(str(tmp_path / "通知.docx"))
    good = word_form(tmp_path / "张晓明.docx", person("张晓明", 7))
    before = db_fingerprint(unit_db)
    r, problems = load(cli, unit_db, tmp_path / "通知.docx", good)
    assert r.code == 1 and db_fingerprint(unit_db) == before
    (p,) = [p for p in problems if p["level"] == "error"]
    assert p["file"] == "通知.docx" and "不是附件1《党员志愿者申请登记表》" in p["message"]


def test_a_roster_given_as_applications_is_pointed_to_load_roster(cli, unit_db, forms):
    r, problems = load(cli, unit_db, forms["roster"])
    assert r.code == 1 and "tracker load roster" in problems[0]["message"]


def test_old_word_files_are_explained(cli, unit_db, tmp_path):
    (tmp_path / "旧.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (tmp_path / "改名.docx").write_bytes(b"\xd0\xcf\x11\xe0" + b"\1" * 100)
    r, problems = load(cli, unit_db, tmp_path / "旧.doc", tmp_path / "改名.docx")
    assert r.code == 1 and "Traceback" not in r.err
    by_file = {p["file"]: p["message"] for p in problems}
    assert "另存为 .docx" in by_file["旧.doc"] and "扩展名写成了 .docx" in by_file["改名.docx"]


def test_forms_without_photo_caption_or_spacing_still_read(cli, unit_db, tmp_path):
    f = word_form(tmp_path / "a.docx", person("张晓明", 7), photo=None, spaced=False)
    r, _ = load(cli, unit_db, f)
    assert r.code == 0, r.out + r.err


def test_an_id_number_typed_as_an_excel_number_is_refused(cli, unit_db, tmp_path):
    f = excel_form(tmp_path / "a.xlsx", person("张晓明", 7), numbers={"身份证号码": 320102198503150000.0})
    r, problems = load(cli, unit_db, f)
    assert r.code == 1
    assert any(p["column"] == "身份证号码" and "Excel 存成了数字" in p["message"] for p in problems)


def test_the_same_person_later_is_updated_not_duplicated(cli, unit_db, tmp_path):
    first = word_form(tmp_path / "第一次.docx", person("张晓明", 7))
    assert load(cli, unit_db, first)[0].code == 0
    r, data = load(cli, unit_db, first)  # the same file again: recognised, nothing read
    assert data["loaded"][0]["status"] == "unchanged"
    again = word_form(tmp_path / "第二次.docx", person("张晓明", 7, 手机="13911112222", 特长="书法",
                                                       填表日期="2026年6月25日"))
    r, data = load(cli, unit_db, again)
    assert r.code == 0 and data["loaded"][0]["counts"] == {"信息更新": 1}
    rows = roster(unit_db).filter(roster(unit_db)["name"] == "张晓明")
    assert rows.height == 1 and versions(unit_db, "张晓明") == 2
    p = rows.row(0, named=True)
    assert p["skills"] == "书法" and p["phone"] == "051184410007、13911112222"
    assert p["applied"] == dt.date(2026, 6, 20)  # still waiting since the first form


def test_a_registered_volunteer_sending_the_form_is_updated_and_stays_registered(cli, unit_db, tmp_path):
    v = people()[3]  # on the roster with phone and ID number
    f = word_form(tmp_path / "a.docx", person(v["name"], 3, 身份证号码=v["id"], 手机=v["phone"], 办公电话=None))
    r, data = load(cli, unit_db, f)
    assert r.code == 0 and data["loaded"][0]["counts"] == {"信息更新": 1}
    p = roster(unit_db).filter(roster(unit_db)["name"] == v["name"]).row(0, named=True)
    assert p["active"] and p["status"] == "在册" and p["registered"] is not None and p["applied"] is None
    assert p["political"] == "中共党员" and p["experience"].startswith("2015年")
    assert roster(unit_db).height == 26


def test_name_and_a_shared_mobile_find_the_volunteer_whose_roster_has_two_numbers(cli, db, tmp_path):
    from conftest import write_csv

    f = write_csv(tmp_path / "r.csv", [["单位名称", "姓名", "联系方式"],
                                       [UNIT, "王丽", "0511-84410000、13900008765"]])
    assert cli("load", "roster", f, db=db).code == 0
    form = word_form(tmp_path / "王丽.docx", person("王丽", 5, 手机="13900008765", 办公电话=None, 身份证号码=None,
                                                    性别="女"))
    r, data = load(cli, db, form)
    assert r.code == 0 and data["loaded"][0]["counts"] == {"信息更新": 1}
    p = roster(db).row(0, named=True)
    assert roster(db).height == 1 and p["phone"] == "051184410000、13900008765"  # the office number kept


def test_a_volunteer_who_withdrew_applies_again(cli, unit_db, tmp_path):
    from conftest import write_csv

    v = people()[4]
    f = write_csv(tmp_path / "r.csv", [["姓名", "联系方式", "状态", "退出日期"], [v["name"], v["phone"], "退出", "2026-03-01"]])
    assert cli("load", "roster", f, "--as-of", "2026-03-01", db=unit_db).code == 0
    r, data = load(cli, unit_db, word_form(tmp_path / "a.docx", person(v["name"], 4, 手机=v["phone"],
                                                                          身份证号码=v["id"])))
    assert r.code == 0 and data["loaded"][0]["counts"] == {"重新申请": 1}
    assert any("曾于 2026-03-01 退出" in w["message"] for w in data["warnings"])
    p = roster(unit_db).filter(roster(unit_db)["name"] == v["name"]).row(0, named=True)
    assert (p["status"], p["registered"], p["left"], p["applied"]) == ("申请", None, None, dt.date(2026, 6, 20))


def test_the_unit_comes_from_the_form_or_must_be_given(cli, db, tmp_path):
    for unit in ("示例市中心血站", "示例市人民医院"):
        f = tmp_path / f"{unit}.csv"
        f.write_text(f"单位名称,党员人数\n{unit},30\n", encoding="utf-8")
        assert cli("load", "units", f, db=db).code == 0
    named = word_form(tmp_path / "a.docx", person("张晓明", 7, 所在单位="示例市人民医院检验科"))
    r, data = load(cli, db, named, extra=("--dry-run",))
    assert r.code == 0 and data["loaded"][0]["units"] == ["示例市人民医院"]
    unknown = word_form(tmp_path / "b.docx", person("李红", 8, 所在单位="检验科"))
    r, problems = load(cli, db, unknown)
    assert r.code == 1 and "请用 --unit 指定单位" in problems[0]["message"]
    r, problems = load(cli, db, named, extra=("--unit", "示例市中心血站"))
    assert r.code == 1 and "与 --unit 指定的“示例市中心血站”不一致" in problems[0]["message"]


def test_dry_run_checks_without_writing(cli, unit_db, tmp_path):
    before = db_fingerprint(unit_db)
    r, data = load(cli, unit_db, word_form(tmp_path / "a.docx", person("张晓明", 7)), extra=("--dry-run",))
    assert r.code == 0 and data["loaded"][0]["status"] == "checked"
    assert db_fingerprint(unit_db) == before


def test_what_the_id_number_says_is_checked_against_the_form(cli, unit_db, tmp_path):
    f = word_form(tmp_path / "a.docx", person("张晓明", 7, 出生年月="1986.04", 性别="女", 政治面貌="群众"))
    r, data = load(cli, unit_db, f)
    assert r.code == 0  # warnings only: the form loads
    said = {w["column"]: w["message"] for w in data["warnings"]}
    assert "1985.03" in said["出生年月"] and "男性" in said["性别"] and "应为党员" in said["政治面貌"]


def test_a_form_dated_in_the_future_is_refused(cli, unit_db, tmp_path):
    later = TODAY + dt.timedelta(days=3)
    f = word_form(tmp_path / "a.docx", person("张晓明", 7, 填表日期=f"{later.year}年{later.month}月{later.day}日"))
    r, problems = load(cli, unit_db, f)
    assert r.code == 1 and problems[0]["column"] == "填表日期" and "将来" in problems[0]["message"]


def test_several_forms_in_one_workbook_are_named_by_person(cli, unit_db, tmp_path):
    import openpyxl

    a = excel_form(tmp_path / "a.xlsx", person("张晓明", 7))
    b = excel_form(tmp_path / "b.xlsx", person("李红", 8, 性别="女", 身份证号码=fake_id(8, male=False),
                                              出生年月="1985年13月"))
    wb = openpyxl.load_workbook(a)
    other = openpyxl.load_workbook(b).worksheets[0]
    ws = wb.create_sheet("李红")
    for row in other.iter_rows():
        for c in row:
            ws.cell(row=c.row, column=c.column, value=c.value)
    for rng in other.merged_cells.ranges:
        ws.merge_cells(str(rng))
    wb.save(tmp_path / "全部.xlsx")
    shutil.copy(tmp_path / "全部.xlsx", tmp_path / "copy.xlsx")
    r, problems = load(cli, unit_db, tmp_path / "全部.xlsx")
    assert r.code == 1
    (p,) = [p for p in problems if p["level"] == "error"]
    assert p["file"] == "全部.xlsx［李红］" and p["column"] == "出生年月"


def test_as_of_dates_a_form_left_undated(cli, unit_db, tmp_path):
    f = word_form(tmp_path / "a.docx", person("张晓明", 7, 填表日期=None))
    r, data = load(cli, unit_db, f, extra=("--as-of", "2026-06-18"))
    assert r.code == 0 and data["loaded"][0]["months"] == ["2026-06"]
    assert any(w["column"] == "填表日期" and "2026-06-18（--as-of）" in w["message"] for w in data["warnings"])
    p = roster(unit_db).filter(roster(unit_db)["name"] == "张晓明").row(0, named=True)
    assert p["applied"] == dt.date(2026, 6, 18)


def test_a_load_killed_while_writing_leaves_the_database_as_before(unit_db, tmp_path):
    import subprocess

    d = _folder(tmp_path)
    before = db_fingerprint(unit_db)
    tracker = tracker_cmd("load", "applications", d, "--db", unit_db)
    kill_while_writing(tracker, tmp_path / "writing")
    assert db_fingerprint(unit_db) == before
    done = subprocess.run([*tracker, "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [x["status"] for x in json.loads(done.stdout)["loaded"]] == ["loaded"] * 4


def test_forms_of_one_name_in_two_subfolders_are_told_apart(cli, unit_db, tmp_path):
    for sub, name, seed in (("一科", "张晓明", 7), ("二科", "李红", 8)):
        (tmp_path / "表" / sub).mkdir(parents=True)
        word_form(tmp_path / "表" / sub / "申请表.docx", person(name, seed, 身份证号码=fake_id(seed),
                                                            出生年月="1985年13月" if sub == "二科" else "1985.03"))
    r, problems = load(cli, unit_db, tmp_path / "表")
    assert r.code == 1
    assert [(p["file"], p["column"]) for p in problems if p["level"] == "error"] == [("二科/申请表.docx", "出生年月")]

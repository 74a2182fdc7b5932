"""R3 (三.1): 申请 → 审核 → 登记. An applicant counts as a volunteer only once reviewed and
registered, by `tracker review` or by a roster that lists them (docs/data-model.md, "Applicants")."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
from appforms import fake_id, person, word_form
from conftest import UNIT, db_fingerprint, people, write_csv

from tracker.store import queries

TODAY = dt.date.today()


def _apply(cli, db, tmp_path, *who: tuple[str, int]):
    d = tmp_path / "申请表"
    d.mkdir(exist_ok=True)
    for name, seed in who:
        word_form(d / f"{name}.docx", person(name, seed, 身份证号码=fake_id(seed)))
    r = cli("load", "applications", d, db=db)
    assert r.code == 0, r.out + r.err


def _person(db, name: str) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = queries.roster_as_of(con, TODAY)
        return rows.filter(rows["name"] == name).row(0, named=True)
    finally:
        con.close()


def _ratio(cli, db) -> dict:
    r = cli("check", "--json", "--as-of", str(TODAY), db=db)
    return next(f for f in json.loads(r.out) if f["rule"] == "volunteer_ratio")["figures"]


def test_review_lists_who_waits_and_approving_registers_them(cli, unit_db, tmp_path):
    db = unit_db
    _apply(cli, db, tmp_path, ("张晓明", 7), ("李红", 8), ("王芳", 9))
    assert _ratio(cli, db)["volunteers"] == 26  # applicants do not count
    listed = cli("review", "--unit", UNIT, db=db)
    assert listed.code == 0 and "待审核的申请 3 人" in listed.out
    assert "139****0007" in listed.out and "13900000007" not in listed.out  # phones masked
    r = cli("review", "--unit", UNIT, "--approve", "张晓明", "李红", "--date", "2026-06-28", db=db)
    assert r.code == 0, r.out + r.err
    assert "审核通过并登记 2 人" in r.out and "待审核的申请 1 人" in r.out
    p = _person(db, "张晓明")
    assert (p["applied"], p["approved"], p["registered"], p["status"], p["active"]) == (
        dt.date(2026, 6, 20), dt.date(2026, 6, 28), dt.date(2026, 6, 28), "在册", True)
    assert _ratio(cli, db)["volunteers"] == 28
    assert _person(db, "王芳")["active"] is False
    status = json.loads(cli("status", "--json", db=db).out)[0]
    assert status["applicants"] == 1 and any(ld["kind"] == "review" for ld in status["loads"])


def test_a_wrong_name_or_date_changes_nothing(cli, unit_db, tmp_path):
    db = unit_db
    _apply(cli, db, tmp_path, ("张晓明", 7))
    before = db_fingerprint(db)
    r = cli("review", "--approve", "张小明", db=db)  # the only unit: --unit may be left out
    assert r.code == 1 and "是否是：张晓明" in r.err and "未做任何改动" in r.err
    r = cli("review", "--approve", "张晓明", "--date", "2026-06-01", db=db)
    assert r.code == 1 and "早于 张晓明 的申请日期 2026-06-20" in r.err
    r = cli("review", "--approve", "张晓明", "--date", str(TODAY + dt.timedelta(days=1)), db=db)
    assert r.code == 2 and "在将来" in r.err
    r = cli("review", "张晓明", db=db)
    assert r.code == 2 and "--approve" in r.err
    assert db_fingerprint(db) == before


def test_approving_someone_already_registered_says_so(cli, unit_db, tmp_path):
    db = unit_db
    before = db_fingerprint(db)
    r = cli("review", "--approve", people()[0]["name"], db=db)
    assert r.code == 0 and "已于" in r.out and "登记在册，无需审核" in r.out
    assert db_fingerprint(db) == before


def test_a_roster_listing_an_applicant_registers_them(cli, unit_db, tmp_path):
    db = unit_db
    _apply(cli, db, tmp_path, ("张晓明", 7))
    f = write_csv(tmp_path / "r.csv", [["姓名", "联系方式", "登记日期"], ["张晓明", "0511-84410007、13900000007",
                                                                  "2026-07-01"]])
    r = cli("load", "roster", f, "--json", "--as-of", "2026-07-01", db=db)
    assert r.code == 0 and json.loads(r.out)["loaded"][0]["counts"]["信息变更"] == 1
    p = _person(db, "张晓明")
    assert (p["status"], p["registered"], p["approved"], p["applied"]) == (
        "在册", dt.date(2026, 7, 1), dt.date(2026, 7, 1), dt.date(2026, 6, 20))
    assert p["political"] == "中共党员"  # the form's own fields survive a roster without them


def test_check_reminds_of_applications_waiting_too_long(cli, unit_db, tmp_path):
    db = unit_db
    _apply(cli, db, tmp_path, ("张晓明", 7))
    found = json.loads(cli("check", "--json", "--as-of", "2026-07-10", db=db).out)
    (f,) = [f for f in found if f["rule"] == "application_review"]
    assert f["level"] == "pass" and f["figures"] == {"waiting": 1, "limit_days": 30}
    found = json.loads(cli("check", "--json", "--as-of", "2026-08-01", db=db).out)
    (f,) = [f for f in found if f["rule"] == "application_review"]
    assert f["level"] == "warn" and f["volunteer"] == "张晓明" and "已等待 42 天未审核" in f["message"]
    rules = tmp_path / "规则.toml"
    rules.write_text("application_review_days = 60\n", encoding="utf-8")
    found = json.loads(cli("check", "--json", "--as-of", "2026-08-01", "--rules", rules, db=db).out)
    assert [f["level"] for f in found if f["rule"] == "application_review"] == ["pass"]


def test_a_leader_still_waiting_for_review_is_named_as_such(led):
    from tracker.assess.assessment import run_checks

    led.unit("U", 10)
    led.team("U", "红心队", leader="张晓明")
    vid = led.volunteer("U", "张晓明", "红心队", leadership=True)
    led.con.execute("UPDATE volunteer_versions SET status = '申请', registered = NULL, applied = DATE '2026-01-05'"
                    " WHERE vid = ?", [vid])
    (f,) = run_checks(led.con, 2026, dt.date(2026, 3, 31), only=["leader"])
    assert f.level == "fail" and "申请尚未审核登记" in f.message


def test_two_applicants_of_one_name_are_told_apart_by_their_phone(cli, unit_db, tmp_path):
    db = unit_db
    for n, seed in ((1, 7), (2, 17)):
        word_form(tmp_path / f"{n}.docx", person("张晓明", seed, 身份证号码=fake_id(seed)))
    assert cli("load", "applications", tmp_path / "1.docx", tmp_path / "2.docx", db=db).code == 0
    r = cli("review", "--approve", "张晓明", db=db)
    assert r.code == 1 and "2 位同名志愿者" in r.err and "张晓明(0007)" in r.err
    r = cli("review", "--approve", "张晓明(0017)", "--date", "2026-06-30", db=db)
    assert r.code == 0 and "审核通过并登记 1 人" in r.out and "待审核的申请 1 人" in r.out


def test_an_older_roster_listing_an_applicant_still_registers_them_now(cli, unit_db, tmp_path):
    db = unit_db
    _apply(cli, db, tmp_path, ("张晓明", 7))
    f = write_csv(tmp_path / "r.csv", [["姓名", "身份证号码"], ["张晓明", fake_id(7)]])
    assert cli("load", "roster", f, "--as-of", "2026-01-15", db=db).code == 0
    p = _person(db, "张晓明")
    # registered from the roster's date; the form's later date cannot precede it, so it is dropped
    assert (p["active"], p["registered"], p["approved"], p["applied"]) == (
        True, dt.date(2026, 1, 15), dt.date(2026, 1, 15), None)


def test_a_volunteer_number_names_a_person_too(cli, db, tmp_path):
    f = write_csv(tmp_path / "r.csv", [["单位名称", "志愿者编号", "姓名", "登记日期"], [UNIT, "V9001", "赵晓明", "2026-01-05"]])
    assert cli("load", "roster", f, db=db).code == 0
    r = cli("review", "--unit", UNIT, "--approve", "V9001", db=db)
    assert r.code == 0 and "赵晓明 已于 2026-01-05 登记在册，无需审核" in r.out

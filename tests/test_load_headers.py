"""Headers (docs/ledgers.md, "Headers"): compared without brackets and units, a unit in them sets how
hours are read, a user's headers file adds names and is checked, and --team/--title fill columns."""

from __future__ import annotations

import json

import pytest
from conftest import db_fingerprint, people, write_csv

from tracker.ingest.aliases import parse_aliases
from tracker.ingest.columns import header_index, header_unit, normalize_header
from tracker.ingest.kinds import KINDS
from tracker.problems import TrackerError


@pytest.mark.parametrize(("text", "norm", "unit"), [
    ("服务时长（小时）", "服务时长", "hours"), ("服务时长(h)", "服务时长", "hours"), ("服务时长（分钟）", "服务时长", "minutes"),
    ("时长/min", "时长", "minutes"), ("服务分钟数", "服务分钟数", "minutes"), ("累计服务分钟数", "累计服务分钟数", "minutes"),
    ("服务小时数", "服务小时数", "hours"), ("服 务 时 长", "服务时长", None), ("*日期：", "日期", None),
    ("联系方式\n（办公、手机）", "联系方式", None), ("【必填】姓名", "姓名", None), ("服务时长 (单位:小时)", "服务时长", "hours"),
])
def test_headers_are_compared_without_brackets_and_their_unit_is_read(text, norm, unit):
    assert normalize_header(text) == norm
    assert header_unit(text) == unit


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_header_name_answers_to_two_columns_of_a_kind(kind):
    seen: dict[str, str] = {}
    for c in KINDS[kind].columns:
        for n in c.names():
            key = normalize_header(n)
            assert seen.setdefault(key, c.key) == c.key, (kind, n, seen[key], c.key)


def test_a_headers_file_adds_names_by_chinese_or_english():
    extra = parse_aliases({"活动登记簿": {"服务队": ["所属支部"], "hours": "义工时长"}}, "x")
    assert extra == {"activities": {"team": ("所属支部",), "hours": ("义工时长",)}}
    index = header_index(KINDS["activities"], extra["activities"])
    assert index["所属支部"] == "team" and index["义工时长"] == "hours"


@pytest.mark.parametrize(("data", "message"), [
    ({"activity": {"服务队": ["x"]}}, "未知的台账类型“activity”"),
    ({"activities": {"服务时常": ["x"]}}, "[activities] 中没有“服务时常”这一列（是否是：服务时长"),
    ({"activities": {"服务队": [1]}}, "别名应写成文字列表"),
    ({"activities": {"服务队": ["活动名称"]}}, "“活动名称”已经是“活动名称”列的表头，不能再作为“服务队”的别名"),
    ({"activities": {"服务队": ["（小时）"]}}, "去掉括号和空格后是空的"),
    ({"activities": ["服务队"]}, "应是一节 [activities]"),
])
def test_a_headers_file_is_checked_and_refused_in_chinese(data, message):
    with pytest.raises(TrackerError) as e:
        parse_aliases(data, "表头别名文件 a.toml")
    assert message in e.value.message and e.value.message.startswith("表头别名文件 a.toml")


def _activity_file(tmp_path, header: list[str], name: str = "a.csv"):
    p = people()
    return write_csv(tmp_path / name, [header, ["2026-03-05", "检验队", "献血宣传", p[0]["name"], "2"]], "gbk")


def test_the_headers_file_by_option_and_by_environment(unit_db, cli, tmp_path, monkeypatch):
    f = _activity_file(tmp_path, ["日期", "所属支部", "活动名称", "参加人员", "义工时长"])
    toml = tmp_path / "表头.toml"
    toml.write_text('[activities]\n"服务队" = ["所属支部"]\n"服务时长" = ["义工时长"]\n', encoding="utf-8")
    assert cli("load", "activities", f, "--columns", toml, "--dry-run", db=unit_db).code == 0
    monkeypatch.setenv("TRACKER_COLUMNS", str(toml))
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 0, r.out + r.err
    assert json.loads(r.out)["loaded"][0]["counts"]["参加记录"] == 1


@pytest.mark.parametrize(("content", "message"), [
    ('[activities]\n服务队 = ["所属支部"]\n', "格式有误（TOML；中文列名要加英文双引号）"),
    ('[activities]\n"队伍" = ["所属支部"]\n', "中没有“队伍”这一列"),
])
def test_a_bad_headers_file_is_a_clear_error_and_changes_nothing(unit_db, cli, tmp_path, content, message):
    f = _activity_file(tmp_path, ["日期", "所属支部", "活动名称", "参加人员", "义工时长"])
    toml = tmp_path / "表头.toml"
    toml.write_text(content, encoding="utf-8")
    before = db_fingerprint(unit_db)
    r = cli("load", "activities", f, "--columns", toml, db=unit_db)
    assert r.code == 1 and message in r.err and "Traceback" not in r.err
    missing = cli("load", "activities", f, "--columns", tmp_path / "none.toml", db=unit_db)
    assert missing.code == 1 and "找不到表头别名文件" in missing.err
    assert db_fingerprint(unit_db) == before


@pytest.mark.parametrize(("kind", "option", "kinds"), [
    ("units", "--team", "teams、roster、activities、demands"), ("roster", "--title", "activities")])
def test_team_and_title_only_for_kinds_that_have_them(unit_db, cli, tmp_path, kind, option, kinds):
    r = cli("load", kind, tmp_path / "x.csv", option, "宣传队", db=unit_db)
    assert r.code == 2 and f"{option} 只适用于 {kinds}" in r.err


def test_load_help_documents_the_new_options(cli):
    r = cli("load", "--help")
    assert all(o in r.out for o in ("--team", "--title", "--columns", "TRACKER_COLUMNS"))


def test_an_hours_column_in_minutes_and_an_end_column_beside_it(unit_db, cli, tmp_path):
    """Hours given win over start and end times; a blank hours cell is computed from them."""
    p = people()
    f = write_csv(tmp_path / "m.csv", [
        ["开始时间", "结束时间", "服务队", "活动名称", "参加人员", "服务时长（分钟）"],
        ["2026-03-14 09:00", "11:30", "检验队", "测血压", p[0]["name"], "60"],
        ["2026-03-15 09:00", "10:30", "检验队", "测血压", p[1]["name"], None],
    ], "gbk")
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 0, r.out + r.err
    assert json.loads(r.out)["loaded"][0]["counts"]["服务时长"] == 2.5  # 1 (60 minutes) + 1.5 (09:00–10:30)


def test_a_row_whose_hours_cannot_be_computed_is_refused_saying_why(unit_db, cli, tmp_path):
    p = people()
    f = write_csv(tmp_path / "r.csv", [
        ["活动时间", "服务队", "活动名称", "参加人员"],
        ["2026-01-10 08:00 至 2026-01-10 11:00", "宣传队", "寒假服务", p[14]["name"]],
        ["2026-01-11", "宣传队", "寒假服务", p[15]["name"]],
    ], "gbk")
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 1
    (problem,) = json.loads(r.out)
    assert problem["row"] == 3 and problem["column"] == "服务时长" and "无法算出时长" in problem["message"]


def test_the_templates_guide_lists_every_other_name_a_column_is_read_by(tmp_path):
    """The message for missing columns points here: the 填写说明 sheet names each column's other headers."""
    import openpyxl

    from tracker.exports.templates import write_template

    wb = openpyxl.load_workbook(write_template("activities", tmp_path / "a.xlsx"))
    rows = {r[1]: r[7] for r in wb["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert "「服务时数」" in rows["「服务时长」"] and "「服务分钟数」" in rows["「服务时长」"]
    assert "「所属团体」" in rows["「服务队」"]

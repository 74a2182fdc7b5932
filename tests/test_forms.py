"""The official forms (附件2/3/4) as a unit's Party organization prints and re-loads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from factory import D, Ledger

from tracker.exports.forms import export_form
from tracker.ingest.kinds import KINDS
from tracker.ingest.layout import locate
from tracker.ingest.read import read_file
from tracker.problems import TrackerError
from tracker.values import id_check_digit

UNIT = "示例市中心血站"
PARENT = "示例区委组织部"
TEAMS = {"血站一队（检验队）": 7, "血站二队（业务队）": 7, "血站三队（宣传队）": 8, "血站四队（句容队）": 4}
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华"
GIVEN = "晓明"
AS_OF = D(2026, 7, 15)
LEFT_NAME = "退出者甲"
LEFT_PHONE = "13700009999"


def fake_id(i: int) -> str:
    first17 = f"32011119800101{i:03d}"
    return first17 + id_check_digit(first17)


def fake_phone(i: int) -> str:
    return f"1380000{i:04d}"


def add_unit(led: Ledger, unit: str, teams: dict[str, int], *, parent: str | None, staff: int | None,
             party: int, start: int = 0) -> list[int]:
    led.unit(unit, party, parent=parent, staff=staff)
    vids, i = [], start
    for team, size in teams.items():
        members, first = [], i
        for _ in range(size):
            members.append(led.volunteer(unit, f"{SURNAMES[i % len(SURNAMES)]}{GIVEN}{i}", team,
                                         number=f"V{i:04d}", phone=fake_phone(i), id_number=fake_id(i),
                                         registered=D(2025, 3, 1)))
            i += 1
        led.team(unit, team, leader=f"V{first:04d}")
        vids += members
    return vids


@pytest.fixture
def led(tmp_path: Path):
    led = Ledger(tmp_path / "t.duckdb")
    vids = add_unit(led, UNIT, TEAMS, parent=PARENT, staff=90, party=34)
    led.con.execute(
        "UPDATE volunteer_versions SET gender = '男', age = 41, education = '本科', ethnicity = '汉',"
        " joined_party = DATE '1997-12-01', service_items = '无偿献血宣传、帮扶'"
    )
    # a volunteer of team 1 who withdrew on 2026-03-01: on the roster before, not after
    vid = led.volunteer(UNIT, LEFT_NAME, "血站一队（检验队）", number="V0999", phone=LEFT_PHONE,
                        registered=D(2025, 3, 1))
    led.volunteer(UNIT, LEFT_NAME, "血站一队（检验队）", number="V0999", phone=LEFT_PHONE,
                  registered=D(2025, 3, 1), status="退出", left=D(2026, 3, 1),
                  valid_from=D(2026, 3, 1), vid=vid)
    assert len(vids) == 26
    yield led
    led.close()


def cells(path: Path, sheet: int = 0) -> list[tuple]:
    ws = openpyxl.load_workbook(path).worksheets[sheet]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def all_text(path: Path) -> str:
    if path.suffix == ".csv":
        return path.read_text(encoding="utf-8-sig")
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(v) for ws in wb for r in ws.iter_rows(values_only=True) for v in r if v is not None)


def test_roster_xlsx_has_the_notice_layout(led, tmp_path):
    out = tmp_path / "附件2.xlsx"
    res = export_form(led.con, "roster", out, year=None, as_of=AS_OF, unit=None, unmask=False)
    assert (res.rows, res.units, res.path) == (26, [UNIT], out)
    grid = cells(out)
    assert grid[0][0] == "党员志愿服务队志愿者花名册"
    assert grid[1][0].startswith(f"单位名称（盖章）：{UNIT}") and grid[1][0].endswith("填表日期：2026.7")
    header = list(grid[2])
    for h in ["姓名", "性别", "年龄", "学历", "入党时间", "民族", "主要志愿服务项目", "联系方式（办公、手机）"]:
        assert h in header
    body = [r for r in grid[3:] if any(r) and not str(r[0]).startswith("注")]
    assert len(body) == 26
    assert grid[-1][0] == "注：此表由各基层党组织填写，辖市区委组织部汇总。"
    ws = openpyxl.load_workbook(out).active
    joined = ws.cell(4, header.index("入党时间") + 1)
    assert (joined.value, joined.data_type) == ("1997.12", "s")
    assert "A1:J1" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.cell(3, 1).font.b and ws.cell(3, 1).alignment.wrap_text


def test_withdrawn_volunteer_is_listed_only_before_leaving(led, tmp_path):
    after, before = tmp_path / "after.xlsx", tmp_path / "before.xlsx"
    export_form(led.con, "roster", after, year=None, as_of=AS_OF, unit=None, unmask=False)
    res = export_form(led.con, "roster", before, year=None, as_of=D(2026, 2, 1), unit=None, unmask=False)
    assert LEFT_NAME not in all_text(after)
    assert LEFT_NAME in all_text(before) and res.rows == 27
    teams_before = tmp_path / "teams_before.xlsx"
    export_form(led.con, "teams", teams_before, year=None, as_of=D(2026, 2, 1), unit=None, unmask=False)
    assert cells(teams_before)[3][2] == 8  # team 1 counted the withdrawn volunteer then


def test_teams_xlsx_totals_and_merged_unit(led, tmp_path):
    out = tmp_path / "附件3.xlsx"
    res = export_form(led.con, "teams", out, year=None, as_of=AS_OF, unit=UNIT, unmask=False)
    assert res.rows == 4
    grid = cells(out)
    assert grid[0][0] == "党员志愿服务队登记表"
    assert grid[1][0] == f"单位名称（盖章）：{UNIT}单位人数：90人 填表日期：2026.7"
    assert grid[2] == ("党组织名称", "“党员志愿服务队”名称", "志愿者人数", "主要志愿服务项目",
                       "“党员志愿服务队”负责人姓名及联系方式（办公、手机）")
    rows = grid[3:7]
    assert {r[1]: r[2] for r in rows} == TEAMS
    assert rows[0][0] == UNIT and all(r[0] is None for r in rows[1:])  # written once
    assert "A4:A7" in {str(m) for m in openpyxl.load_workbook(out).active.merged_cells.ranges}
    assert grid[7][1:3] == ("总计 4 支", "总计 26人")
    assert grid[-1][0] == "注：此表由各基层党组织填写，辖市区委组织部汇总。"
    # the leader is named, with a masked phone
    first = rows[0][4]
    assert first.startswith(f"{SURNAMES[0]}{GIVEN}0 ") and first.endswith("138****0000")


@pytest.mark.parametrize(("form", "kind", "expected"), [
    ("roster", "roster", {"name", "gender", "age", "education", "joined_party", "ethnicity",
                          "service_items", "phone", "team", "number"}),
    ("teams", "teams", {"unit", "team", "member_count", "service_items", "leader"}),
    ("summary", "units", {"seq", "unit", "party_members", "team_count", "volunteer_count"}),
])
def test_exported_forms_are_found_by_the_loader(led, tmp_path, form, kind, expected):
    out = tmp_path / f"{form}.xlsx"
    res = export_form(led.con, form, out, year=None, as_of=AS_OF, unit=None, unmask=False)
    (sheet,) = read_file(out)
    table = locate(sheet, KINDS[kind], out.name)
    assert table is not None
    assert table.header_row == 3
    assert expected <= set(table.present)
    assert table.rows.height == res.rows
    if form != "summary":
        assert table.title_unit == UNIT
    if form == "teams":
        assert table.title_staff == 90
        assert table.rows["unit"].to_list() == [UNIT] * 4  # the merged cell fills down
        assert table.totals.height == 1


def test_csv_is_a_plain_table_with_bom(led, tmp_path):
    out = tmp_path / "roster.csv"
    res = export_form(led.con, "roster", out, year=None, as_of=AS_OF, unit=None, unmask=False)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:4] == ["单位名称", "所属服务队", "志愿者编号", "姓名"]
    assert len(lines) == 1 + res.rows == 27
    assert "1997.12" in lines[1]
    (sheet,) = read_file(out)
    assert locate(sheet, KINDS["roster"], out.name).rows.height == 26

    teams = tmp_path / "teams.csv"
    export_form(led.con, "teams", teams, year=None, as_of=AS_OF, unit=None, unmask=False)
    text = teams.read_text(encoding="utf-8-sig")
    assert "总计" not in text and text.count(UNIT) == 4  # plain rows, unit on each


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("form", ["roster", "teams"])
def test_phones_masked_unless_unmask(led, tmp_path, form, suffix):
    masked, plain = tmp_path / f"m{suffix}", tmp_path / f"p{suffix}"
    export_form(led.con, form, masked, year=None, as_of=AS_OF, unit=None, unmask=False)
    export_form(led.con, form, plain, year=None, as_of=AS_OF, unit=None, unmask=True)
    hidden, shown = all_text(masked), all_text(plain)
    assert fake_phone(0) not in hidden and "138****0000" in hidden
    assert fake_phone(0) in shown


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("form", ["roster", "teams", "summary"])
def test_id_numbers_never_exported(led, tmp_path, form, suffix):
    out = tmp_path / f"f{suffix}"
    export_form(led.con, form, out, year=None, as_of=AS_OF, unit=None, unmask=True)
    text = all_text(out)
    assert fake_id(0) not in text and fake_id(25) not in text
    assert "身份证" not in text


def test_formula_like_text_stays_text(led, tmp_path):
    led.volunteer(UNIT, "=1+1", "血站四队（句容队）", number="V0500", registered=D(2025, 3, 1))
    led.volunteer(UNIT, "@SUM(A1)", "血站四队（句容队）", number="V0501", registered=D(2025, 3, 1))
    xlsx, csv = tmp_path / "r.xlsx", tmp_path / "r.csv"
    export_form(led.con, "roster", xlsx, year=None, as_of=AS_OF, unit=None, unmask=False)
    export_form(led.con, "roster", csv, year=None, as_of=AS_OF, unit=None, unmask=False)
    ws = openpyxl.load_workbook(xlsx).active
    found = {c.value: c.data_type for r in ws.iter_rows() for c in r if c.value in ("=1+1", "@SUM(A1)")}
    assert found == {"=1+1": "s", "@SUM(A1)": "s"}
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    assert any(",'=1+1," in line for line in lines)
    assert any(",'@SUM(A1)," in line for line in lines)
    assert not any(",=1+1," in line or ",@SUM" in line for line in lines)


def test_summary_groups_units_by_parent(tmp_path):
    led = Ledger(tmp_path / "city.duckdb")
    try:
        add_unit(led, "甲医院", {"甲一队": 3, "甲二队": 2}, parent="一区委组织部", staff=50, party=20)
        add_unit(led, "乙学校", {"乙队": 4}, parent="一区委组织部", staff=40, party=12, start=100)
        add_unit(led, "丙中心", {"丙一队": 1, "丙二队": 1, "丙三队": 1}, parent="二区委组织部",
                 staff=30, party=9, start=200)
        led.volunteer("丙中心", "丙退出", "丙一队", registered=D(2025, 1, 1), status="退出", left=D(2026, 1, 5))
        out = tmp_path / "附件4.xlsx"
        res = export_form(led.con, "summary", out, year=2026, as_of=None, unit=None, unmask=False)
        assert res.rows == 3 and res.as_of == D(2026, 12, 31)
        grid = cells(out)
        assert grid[0][0] == "党员志愿服务队组队情况汇总表"
        assert grid[1][0].startswith("辖市（区）、市各主管部门（盖章）：") and grid[1][0].endswith("2026.12")
        header = list(grid[2])
        assert header[-3:] == ["党员人数", "党员志愿服务队数（支）", "党员志愿者人数"]
        body = [r for r in grid[3:] if any(v is not None for v in r) and not str(r[0]).startswith("注")]
        by_unit = {r[header.index("单位名称")]: r[-3:] for r in body}
        assert by_unit["甲医院"] == (20, 2, 5)
        assert by_unit["乙学校"] == (12, 1, 4)
        assert by_unit["丙中心"] == (9, 3, 3)  # the withdrawn volunteer is not counted
        subtotals = [r for r in body if "小计" in r]
        assert sorted(r[-3:] for r in subtotals) == [(9, 3, 3), (32, 3, 9)]
        (total,) = [r for r in body if r[0] == "总计"]
        assert total[-3:] == (41, 6, 12)
        assert body[-1] == total
        # each parent's subtotal comes right after its units
        names = [r[header.index("单位名称")] for r in body]
        assert names.index("小计") > max(names.index("甲医院"), names.index("乙学校"))
        (sheet,) = read_file(out)
        table = locate(sheet, KINDS["units"], out.name)
        assert dict(zip(table.rows["unit"], table.rows["parent"], strict=True)) == {
            "甲医院": "一区委组织部", "乙学校": "一区委组织部", "丙中心": "二区委组织部"}
        assert table.totals.height == 3
    finally:
        led.close()


def test_summary_for_one_parent_names_it_in_the_title(led, tmp_path):
    out = tmp_path / "s.xlsx"
    export_form(led.con, "summary", out, year=None, as_of=AS_OF, unit=None, unmask=False)
    grid = cells(out)
    assert PARENT in grid[1][0]
    assert grid[2] == ("序号", "单位名称", "党员人数", "党员志愿服务队数（支）", "党员志愿者人数")
    assert grid[3] == (1, UNIT, 34, 4, 26)


def test_several_units_get_one_sheet_each(led, tmp_path):
    add_unit(led, "另一单位", {"另一队": 2}, parent=PARENT, staff=None, party=5, start=300)
    out = tmp_path / "r.xlsx"
    res = export_form(led.con, "roster", out, year=None, as_of=AS_OF, unit=None, unmask=False)
    assert sorted(res.units) == sorted([UNIT, "另一单位"]) and res.rows == 28
    sheets = read_file(out)
    assert len(sheets) == 2
    found = {locate(s, KINDS["roster"], "x").title_unit: locate(s, KINDS["roster"], "x").rows.height
             for s in sheets}
    assert found == {UNIT: 26, "另一单位": 2}
    one = tmp_path / "one.xlsx"
    res = export_form(led.con, "teams", one, year=None, as_of=AS_OF, unit="另一单位", unmask=False)
    assert res.units == ["另一单位"] and len(read_file(one)) == 1
    assert "单位人数：" in cells(one)[1][0]


def test_year_sets_the_date_of_the_state(led, tmp_path):
    led.volunteer(UNIT, "新来者", "血站四队（句容队）", registered=D(2026, 5, 1))
    out = tmp_path / "r.xlsx"
    res = export_form(led.con, "roster", out, year=2025, as_of=None, unit=None, unmask=False)
    assert res.as_of == D(2025, 12, 31)
    text = all_text(out)
    assert "新来者" not in text and LEFT_NAME in text and "2025.12" in text
    today = export_form(led.con, "roster", out, year=None, as_of=None, unit=None, unmask=False)
    assert today.as_of == dt.date.today()


@pytest.mark.parametrize(("form", "name", "unit", "words"), [
    ("roster", "x.pdf", None, ".xlsx"),
    ("roster", "x.xlsx", "不存在的单位", "没有单位"),
    ("votes", "x.xlsx", None, "roster"),
])
def test_mistakes_are_explained_in_chinese(led, tmp_path, form, name, unit, words):
    with pytest.raises(TrackerError) as e:
        export_form(led.con, form, tmp_path / name, year=None, as_of=AS_OF, unit=unit, unmask=False)
    assert words in e.value.message
    assert not (tmp_path / name).exists()


def test_empty_database_is_refused(tmp_path):
    led = Ledger(tmp_path / "e.duckdb")
    try:
        with pytest.raises(TrackerError, match="还没有任何单位"):
            export_form(led.con, "summary", tmp_path / "s.xlsx", year=2026, as_of=None, unit=None,
                        unmask=False)
    finally:
        led.close()

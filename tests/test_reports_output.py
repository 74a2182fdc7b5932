"""Written reports: files, sections, escaping, masking, spreadsheets, overview, user errors."""

import datetime as dt
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from factory import Ledger
from report_demo import demo_db

from tracker import api
from tracker.problems import TrackerError

D = dt.date
def write_reports(kind, db, rules, **kw):
    return api.report(db, kind, rules=rules, **kw).paths


TODAY = D(2026, 1, 20)
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","点我")'
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    return demo_db(tmp_path_factory)


@pytest.fixture(scope="session")
def written(demo, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    paths = {
        "quarterly": write_reports("quarterly", demo.db, None, year=2025, quarter=3, out_dir=out, today=TODAY),
        "midyear": write_reports("midyear", demo.db, None, year=2025, as_of=D(2025, 6, 30), out_dir=out,
                                 today=TODAY),
        "annual": write_reports("annual", demo.db, None, year=2025, out_dir=out, today=TODAY),
    }
    return paths


def xlsx_cells(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


class Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.h2 = [], []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        self.refs += [v for k, v in attrs if k in ("src", "href") and v and not v.startswith("#")]
        self._in_h2 = tag == "h2"

    def handle_data(self, data):
        if self._in_h2:
            self.h2.append(data.strip())
            self._in_h2 = False


def test_one_html_and_xlsx_per_report_with_expected_names(written):
    names = {k: [p.name for p in v] for k, v in written.items()}
    assert names["quarterly"] == ["季度例会通报_2025Q3_示例市中心血站.html", "季度例会通报_2025Q3_示例市中心血站.xlsx"]
    assert names["midyear"] == ["年中调整_2025_示例市中心血站.html", "年中调整_2025_示例市中心血站.xlsx"]
    assert names["annual"] == ["年度考评_2025_示例市中心血站.html", "年度考评_2025_示例市中心血站.xlsx"]


@pytest.mark.parametrize("kind, sections", [
    ("quarterly", ["一、总体情况", "二、各服务队活动情况", "三、志愿者服务时长", "四、本季度未参加服务的志愿者",
                   "五、活动主题", "六、群众需求与结对帮扶", "七、本季度活动一览", "八、近期工作安排",
                   "九、未通过的检查项"]),
    ("midyear", ["一、总体情况", "二、调整建议", "三、提醒教育名单", "四、进度落后的服务队", "五、志愿者比例",
                 "六、新志愿者与退出"]),
    ("annual", ["一、总体情况", "二、表彰与星级认定", "三、志愿者年度考评", "四、服务队年度考评",
                "五、单位考评规则检查（R1—R13）", "附录　各服务队全年活动一览"]),
])
def test_html_is_self_contained_with_sections_header_and_charts(written, kind, sections):
    html = written[kind][0].read_text(encoding="utf-8")
    p = Refs()
    p.feed(html)
    assert p.h2 == sections
    assert p.refs == []  # no external file, stylesheet or image
    assert "<svg" in html and "http://" not in html.replace('http://www.w3.org', '')
    assert "示例市中心血站" in html and "制表日期" in html and "2026年1月20日" in html
    assert "已载入月份" in html  # data coverage on top


def test_no_unmasked_phone_or_id_anywhere(written):
    for paths in written.values():
        html = paths[0].read_text(encoding="utf-8")
        assert not PHONE.search(html) and not ID_NUMBER.search(html)
        for rows in xlsx_cells(paths[1]).values():
            for row in rows:
                for v in row:
                    if isinstance(v, str):
                        assert not PHONE.search(v) and not ID_NUMBER.search(v), v


def test_xlsx_has_a_sheet_per_table_with_chinese_headers(written):
    sheets = xlsx_cells(written["annual"][1])
    assert list(sheets)[:5] == ["志愿者考评", "服务队考评", "规则检查", "星级认定", "服务时长前列"]
    vols = sheets["志愿者考评"]
    assert vols[0][0].startswith("党员志愿服务队年度考评与星级认定")
    assert vols[1][:4] == ["服务队", "志愿者编号", "姓名", "登记日期"]
    header = vols[1]
    row = next(r for r in vols[2:] if r[2] == "陈建华")
    assert isinstance(row[header.index("全年服务时长")], float)
    assert row[header.index("星级")] == "四星"
    wb = openpyxl.load_workbook(written["annual"][1])
    assert wb["志愿者考评"].freeze_panes == "A3"
    q = xlsx_cells(written["quarterly"][1])
    assert {"服务队活动", "志愿者时长", "本季度未参加服务", "活动主题", "群众需求", "结对帮扶"} <= set(q)
    assert "提醒教育名单" in xlsx_cells(written["midyear"][1])


def _hostile(tmp_path):
    led = Ledger(tmp_path / "h.duckdb")
    led.unit("示例医院", 10)
    team = led.team("示例医院", SCRIPT, leader=FORMULA)
    a = led.volunteer("示例医院", FORMULA, team, phone="13812345678", registered=D(2024, 1, 1))
    b = led.volunteer("示例医院", "李四", team, registered=D(2024, 1, 1))
    led.activity("示例医院", team, D(2025, 2, 3), SCRIPT, [a, b], hours=3, theme=SCRIPT)
    led.demand("示例医院", "XQ-1", D(2025, 1, 5), content=f"{SCRIPT}{FORMULA}", team=team)
    led.months("示例医院", "activities", ["2025-01", "2025-02", "2025-03"])
    led.unit("示例卫生院", 40)
    t2 = led.team("示例卫生院", "卫生院服务队")
    c = led.volunteer("示例卫生院", "王五", t2, registered=D(2024, 1, 1))
    led.activity("示例卫生院", t2, D(2025, 3, 3), "义诊", [c], hours=4, theme="关爱老幼弱残")
    led.months("示例卫生院", "activities", ["2025-01", "2025-02", "2025-03"])
    led.close()
    return led.path


def test_hostile_text_is_escaped_and_never_a_formula(tmp_path):
    db = _hostile(tmp_path)
    paths = write_reports("quarterly", db, None, year=2025, quarter=1, unit="示例医院", out_dir=tmp_path,
                          today=TODAY)
    html = paths[0].read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not PHONE.search(html)
    wb = openpyxl.load_workbook(paths[1])
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert hostile and all(c.data_type == "s" for c in hostile)  # text, not a formula
    assert any(c.value == FORMULA for c in hostile)


def test_overview_sets_units_side_by_side(tmp_path):
    db = _hostile(tmp_path)
    paths = write_reports("quarterly", db, None, year=2025, quarter=1, out_dir=tmp_path / "out", today=TODAY)
    names = [p.name for p in paths]
    assert "季度例会通报_2025Q1_示例医院.html" in names and "季度例会通报_2025Q1_示例卫生院.html" in names
    assert "季度例会通报_2025Q1_各单位汇总.html" in names and "季度例会通报_2025Q1_各单位汇总.xlsx" in names
    html = (tmp_path / "out" / "季度例会通报_2025Q1_各单位汇总.html").read_text(encoding="utf-8")
    assert "示例医院" in html and "示例卫生院" in html and "2 个单位" in html
    sheet = xlsx_cells(tmp_path / "out" / "季度例会通报_2025Q1_各单位汇总.xlsx")["各单位对比"]
    units = [r[0] for r in sheet[2:]]
    assert units == ["示例卫生院", "示例医院"] or units == ["示例医院", "示例卫生院"]
    # one unit asked for: no overview
    one = write_reports("annual", db, None, year=2025, unit="示例卫生院", out_dir=tmp_path / "one", today=TODAY)
    assert [p.name for p in one] == ["年度考评_2025_示例卫生院.html", "年度考评_2025_示例卫生院.xlsx"]


@pytest.mark.parametrize("kwargs, words", [
    ({"kind": "annual", "year": 2025, "unit": "示例医"}, ["没有单位", "示例医院"]),
    ({"kind": "annual", "year": 2023}, ["没有 2023 年的台账数据", "2025"]),
    ({"kind": "quarterly", "year": 2026, "quarter": 2}, ["尚未开始"]),
    ({"kind": "midyear", "year": 2025, "as_of": D(2024, 6, 30)}, ["不在 2025 年内"]),
])
def test_user_errors_are_chinese_messages(tmp_path, kwargs, words):
    db = _hostile(tmp_path)
    kind = kwargs.pop("kind")
    with pytest.raises(TrackerError) as e:
        write_reports(kind, db, None, out_dir=tmp_path, today=TODAY, **kwargs)
    for w in words:
        assert w in str(e.value)


def test_cli_report_prints_paths_and_exits_zero(demo, cli, tmp_path):
    r = cli("report", "annual", "--year", "2025", "--out", tmp_path, db=demo.db)
    assert r.code == 0, r.out + r.err
    assert "年度考评_2025_示例市中心血站.html" in r.out.replace("\n", "")
    r = cli("report", "annual", "--year", "2025", "--unit", "不存在的单位", db=demo.db)
    assert r.code == 1 and "没有单位" in r.out + r.err

"""Lines that are not records (docs/ledgers.md, "Where the table is"): merged title lines, total rows
told from data by their cells, notes and sign-off lines under the table, one-record forms."""

from __future__ import annotations

import json

import duckdb
import openpyxl
from conftest import UNIT, people, write_csv

from tracker.exports.templates import write_template
from tracker.ingest.kinds import KINDS
from tracker.ingest.layout import locate
from tracker.ingest.read import ROW, read_file

P = [p["name"] for p in people()]
HEADER = ["序号", "日期", "服务队", "活动名称", "服务内容", "参加人员", "服务时长", "备注"]


def _table(tmp_path, rows):
    f = write_csv(tmp_path / "t.csv", rows, "gbk")
    return locate(read_file(f)[0], KINDS["activities"], f.name)


def test_trackers_own_template_loads_with_its_unit_line_merged_across(unit_db, cli, tmp_path):
    """The unit line of `tracker template` is merged across the table; filled in, it is read once."""
    path = write_template("activities", tmp_path / "活动.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert any(str(m) == "A2:N2" for m in ws.merged_cells.ranges)
    ws["A2"] = f"单位名称：{UNIT}　　填表日期：2026.3.31"
    values = {"日期*": "2026-03-05", "服务队*": "检验队", "活动名称*": "献血宣传", "参加人员*": f"{P[0]}、{P[1]}",
              "服务时长*": "2", "单位名称": None}
    for cell in ws[3]:
        if cell.value in values:
            ws.cell(4, cell.column).value = values[cell.value]
    wb.save(path)
    r = cli("load", "activities", path, "--json", db=unit_db)
    assert r.code == 0, r.out + r.err
    con = duckdb.connect(str(unit_db), read_only=True)
    got = con.execute("SELECT DISTINCT a.unit, l.as_of FROM activities a JOIN loads l USING (load_id)").fetchall()
    con.close()
    assert [(u, d.isoformat()) for u, d in got] == [(UNIT, "2026-03-31")]


def test_total_rows_are_told_by_their_cells_and_named(tmp_path):
    t = _table(tmp_path, [
        HEADER,
        [1, "2026-03-02", "宣传队", "文明劝导", "合计发放宣传册200份", P[14], "2", None],
        [None, "宣传队", "小计", None, None, "1人次", "2", None],
        ["合计", "合计", "合计", None, None, "—", "2小时", None],  # a label merged across three cells
        ["合计", None, None, "敬老院", None, P[15], "2", None],  # a name after 合计: a record
        ["本月合计：", None, None, None, None, "1", "2", None],
    ])
    assert t.totals[ROW].to_list() == [3, 4, 6]
    assert t.rows[ROW].to_list() == [2, 5]
    assert [(p.row, p.value) for p in t.problems if "合计行" in p.message] == [(3, "小计"), (4, "合计"), (6, "本月合计：")]


def test_notes_and_sign_off_lines_are_not_rows_but_a_record_after_them_is(tmp_path):
    t = _table(tmp_path, [
        HEADER,
        [1, "2026-03-02", "宣传队", "文明劝导", "路口劝导", P[14], "2", None],
        ["填表人：尤秀英", None, None, "审核人：赵晓明", None, "填报日期：2026年3月31日", None, None],
        [None, None, None, None, "示例市中心血站（盖章）", None, "2026年3月31日", None],
        [2, "2026-03-03", "宣传队", "防诈骗宣传", None, P[15], "1.5", None],  # a record after them: read
        [None, None, None, "补记：", "3月4日", None, None, None],  # neither: named in a warning
        ["注：1. 时长按小时填写"] * 8,  # a note merged across the table
    ])
    assert t.rows[ROW].to_list() == [2, 5]
    assert t.title_date == "2026年3月31日"  # the sign-off's 填报日期 is the file's date
    assert [p.row for p in t.problems if "注或签字行之后" in p.message] == [6]
    assert len(t.notes) == 4


def test_a_table_missing_a_column_is_not_taken_for_a_form(tmp_path, unit_db, cli):
    f = write_csv(tmp_path / "f.csv", [
        ["负责人：赵晓明", None, "联系电话：13800000000", None],
        ["日期", "服务队", "活动名称", "参加人员"],
        ["2026-03-05", "检验队", "献血宣传", P[0]],
    ], "gbk")
    r = cli("load", "activities", f, "--json", db=unit_db)
    assert r.code == 1
    (problem,) = json.loads(r.out)
    assert problem["message"].startswith("缺少必填列：服务时长。第2行是表头")

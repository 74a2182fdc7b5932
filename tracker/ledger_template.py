"""Blank ledgers to fill in, derived from the declared columns (tracker.ingest.columns).

A template is what `tracker load` reads best: the declared Chinese headers
(required ones marked "*", which the header matcher ignores), one example
row, and in .xlsx text-formatted month/ID/phone columns so Excel keeps
"2010.10" as October, plus dropdowns for choice and yes/no columns. Columns
tracker computes itself (附件3/4's 志愿者人数, 服务队数, 序号) are left out.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tracker.ingest.columns import Column
from tracker.ingest.kinds import KINDS
from tracker.problems import TrackerError

TEXT_TYPES = ("month", "id_number", "phone")  # typed as text, never as numbers
# type names chosen not to read as any ledger's header ("日期", "时长" are headers)
TYPE_NAMES = {
    "text": "文本", "name": "人名", "date": "日期格式", "month": "年月格式", "hours": "时长格式",
    "int": "整数", "float": "数字", "bool": "是否", "phone": "电话号码格式", "id_number": "身份证格式",
}
TYPE_HINTS = {
    "date": "如 2013-07-05、2013/7/5、2013年7月5日",
    "month": "如 1997.12、1997-12、1997年12月（请以文本格式填写）",
    "hours": "如 2、2.5、2小时、90分钟",
    "bool": "是/否、有/无",
}
VALIDATION_ROWS = 5000  # rows below the header that get the dropdowns and text format


def template_columns(kind: str) -> list[Column]:
    """The columns a person fills in for KIND (computed, check-only columns left out)."""
    return [c for c in _kind(kind).columns if c.stored]


def header_text(c: Column) -> str:
    return f"{c.header}*" if c.required else c.header


def _kind(kind: str):
    if kind not in KINDS:
        listed = "、".join(f"{k}（{v.name}）" for k, v in KINDS.items())
        raise TrackerError(f"未知的台账类型“{kind}”，可选：{listed}。")
    return KINDS[kind]


def _label(text: str) -> str:
    """A header or alias named in the instructions sheet, bracketed so it is never
    mistaken for a real header row when the workbook is loaded."""
    return f"「{text}」"


def write_template(kind: str, out: Path) -> Path:
    """Write an empty ledger for KIND to `out` (.xlsx or .csv) and return the path."""
    out = Path(out)
    k = _kind(kind)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise TrackerError(f"无法生成模板“{out.name}”：请用 .xlsx 或 .csv 作为文件扩展名。")
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    cols = template_columns(kind)
    try:
        if suffix == ".csv":
            frame = pl.DataFrame([[c.example] for c in cols], schema=[header_text(c) for c in cols],
                                 orient="col")
            frame.write_csv(out, include_bom=True)
        else:
            _write_xlsx(k.title, cols, out)
    except OSError as e:
        raise TrackerError(f"无法写入 {out}：{e}（文件是否正在 Excel 中打开？）") from e
    return out


def _write_xlsx(title: str, cols: list[Column], out: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(out), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    f_title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
    f_note = wb.add_format({**base, "text_wrap": True, "font_color": "#595959"})
    f_head = wb.add_format({**base, "bold": True, "text_wrap": True, "align": "center", "border": 1,
                            "bg_color": "#DDEBF7"})
    f_req = wb.add_format({**base, "bold": True, "text_wrap": True, "align": "center", "border": 1,
                           "bg_color": "#DDEBF7", "font_color": "#C00000"})
    f_example = wb.add_format({**base, "italic": True, "font_color": "#808080", "border": 1,
                               "num_format": "@"})
    f_text = wb.add_format({**base, "num_format": "@"})
    f_plain = wb.add_format(base)

    ws = wb.add_worksheet(title[:31])
    last = len(cols) - 1
    ws.merge_range(0, 0, 0, last, "", f_title)
    ws.write_string(0, 0, title, f_title)
    ws.set_row(0, 30)
    note = ("说明：带 * 的列必须填写；第4行是示例，请改写或删除后再导入；"
            "各列的填写要求见“填写说明”工作表。")
    ws.merge_range(1, 0, 1, last, "", f_note)
    ws.write_string(1, 0, note, f_note)
    ws.set_row(1, 30)
    first, end = 3, 3 + VALIDATION_ROWS - 1
    for i, c in enumerate(cols):
        ws.write_string(2, i, header_text(c), f_req if c.required else f_head)
        width = max(10, min(30, len(c.header) * 2 + 4, max(len(c.example) + 4, 10)))
        ws.set_column(i, i, width, f_text if c.type in TEXT_TYPES else f_plain)
        if c.example:
            ws.write_string(first, i, c.example, f_example)
        choices = list(c.choices) or (["是", "否"] if c.type == "bool" else [])
        if choices:
            ws.data_validation(first, i, end, i, {
                "validate": "list", "source": choices,
                "error_title": c.header, "error_message": f"请从下拉列表选择：{'、'.join(choices)}",
            })
    ws.set_row(2, 32)
    ws.freeze_panes(3, 0)
    ws.set_paper(9)
    ws.set_landscape()
    ws.repeat_rows(2)
    ws.fit_to_pages(1, 0)

    guide = wb.add_worksheet("填写说明")
    heads = ["列", "中文表头", "英文别名", "类型", "必填", "可选值", "填写要求"]
    for i, h in enumerate(heads):
        guide.write_string(0, i, h, f_head)
    for r, c in enumerate(cols, start=1):
        choices = "、".join(c.choices) or ("是、否" if c.type == "bool" else "")
        need = "；".join(x for x in (c.note, TYPE_HINTS.get(c.type, "")) if x)
        cells = [_col_letter(r - 1), _label(c.header), _label(c.key), TYPE_NAMES.get(c.type, c.type),
                 "必填" if c.required else "选填", choices, need]
        for i, v in enumerate(cells):
            guide.write_string(r, i, v, f_plain)
    for i, w in enumerate((6, 20, 18, 12, 8, 30, 50)):
        guide.set_column(i, i, w)
    wb.close()


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s

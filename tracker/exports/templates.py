"""Blank ledgers to fill in, derived from the declared columns (docs/ledgers.md, "Templates").

A template is what `tracker load` reads best: the declared Chinese headers
(required ones marked "*", which the header matcher ignores), one example
row, and in .xlsx text-formatted month/ID/phone columns so Excel keeps
"2010.10" as October, plus dropdowns for choice and yes/no columns. Columns
tracker computes itself (附件3/4's 志愿者人数, 服务队数, 序号) are left out.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tracker.exports.application import write_blank_application
from tracker.ingest.columns import Column
from tracker.ingest.forms import FormKind
from tracker.ingest.kinds import KINDS, kind_key
from tracker.render.files import Document, write_document
from tracker.render.xlsx import FormSheet, GuideSheet

TEXT_TYPES = ("month", "id_number", "phone")  # typed as text, never as numbers
# type names chosen not to read as any ledger's header ("日期", "时长" are headers)
TYPE_NAMES = {
    "text": "文本", "name": "人名", "date": "日期格式", "month": "年月格式", "hours": "时长格式",
    "int": "整数", "float": "数字", "bool": "是否", "phone": "电话号码格式", "id_number": "身份证格式",
    "people": "人名列表", "end": "时刻格式",
}
TYPE_HINTS = {
    "date": "如 2013-07-05、2013/7/5、2013年7月5日",
    "month": "如 1997.12、1997-12、1997年12月（请以文本格式填写）",
    "hours": "如 2、2.5、2小时30分钟、90分钟、8:50-11:00",
    "bool": "是/否、有/无",
}
VALIDATION_ROWS = 5000  # rows below the header that get the dropdowns and text format


def template_columns(kind: str) -> list[Column]:
    """The columns a person fills in for KIND (computed, check-only columns left out)."""
    return [c for c in _kind(kind).columns if c.stored]


def header_text(c: Column) -> str:
    return f"{c.header}*" if c.required else c.header


def _kind(kind: str):
    return KINDS[kind_key(kind)]


def _label(text: str) -> str:
    """A header or alias named in the instructions sheet, bracketed so it is never
    mistaken for a real header row when the workbook is loaded."""
    return f"「{text}」"


def template_document(kind: str) -> Document:
    """KIND's blank ledger: the header, one example row, and a sheet explaining each column."""
    k = _kind(kind)
    cols = template_columns(kind)
    headers = [header_text(c) for c in cols]
    table = pl.DataFrame([[c.example] for c in cols], schema=headers, orient="col")
    note = ("说明：带 * 的列必须填写；第4行是示例，请改写或删除后再导入；"
            "各列的填写要求见“填写说明”工作表。")
    sheet = FormSheet(
        name=k.title, title=k.title, line=note, header=headers, rows=[[c.example for c in cols]],
        examples={0}, required={i for i, c in enumerate(cols) if c.required},
        text_columns={i for i, c in enumerate(cols) if c.type in TEXT_TYPES},
        choices={i: list(c.choices) or ["是", "否"] for i, c in enumerate(cols) if c.choices or c.type == "bool"},
        widths=[max(10, min(30, len(c.header) * 2 + 4, max(len(c.example) + 4, 10))) for c in cols],
        input_rows=VALIDATION_ROWS, footer=False,
    )
    guide = GuideSheet(
        name="填写说明",
        header=["列", "中文表头", "英文别名", "类型", "必填", "可选值", "填写要求", "表头也可写作"],
        rows=[[_col_letter(i), _label(c.header), _label(c.key), TYPE_NAMES.get(c.type, c.type),
               "必填" if c.required else "选填", "、".join(c.choices) or ("是、否" if c.type == "bool" else ""),
               "；".join(x for x in (c.note, TYPE_HINTS.get(c.type, "")) if x),
               "、".join(_label(a) for a in c.also)] for i, c in enumerate(cols)],
        widths=[6, 20, 18, 12, 8, 30, 50, 50],
    )
    return Document(table, [sheet], [guide])


def write_template(kind: str, out: Path) -> Path:
    """Write an empty ledger for KIND to `out` (.xlsx or .csv) and return the path; a kind read
    from forms (附件1 `applications`) gets its blank form (.docx or .xlsx)."""
    if isinstance(_kind(kind), FormKind):
        return write_blank_application(out)
    return write_document(template_document(kind), out, f"{_kind(kind).name}模板")


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s

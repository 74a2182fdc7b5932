"""A report as an editable Word document (docs/reports.md, "Word").

The same `Report` the page lays out: the header, the headline figures as a
table, then the sections the report module declares (`Report.sections`), in
order — tables as Word tables (their header row repeats on each page; a
grouped table gets a row per group and its subtotal), charts as pictures drawn
from the same chart data as the page, sentences and findings as paragraphs.
The page layout and fonts are `tracker.render.word`'s (GB/T 9704-2012); the
letterhead and closing come from office.html like the page's.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from tracker import formats as fmt
from tracker.render import env
from tracker.render import word as w
from tracker.reports.model import Block, Report, Table
from tracker.words import LEVEL_WORDS


def plain(v: object) -> str:
    """A page cell as text: badges (markup) lose their tags, everything else is its text."""
    return v.striptags() if isinstance(v, Markup) else str(v)


def _row(cols, values: dict, bold: bool = False) -> list[w.Cell]:
    return [w.Cell(plain(values.get(c.key, "")), num=c.num, bold=bold) for c in cols]


def add_table(doc, t: Table) -> None:
    header = [w.Cell(c.title) for c in t.cols]
    rows: list = []
    if t.group:
        for g in t.groups:
            rows.append(("group", g["title"]))
            rows += [_row(t.cols, r) for r in g["rows"]]
            rows.append(_row(t.cols, g["subtotal"], bold=True))
    else:
        rows = [_row(t.cols, r) for r in t.rows]
    if t.totals and rows:
        rows.append(_row(t.cols, t.totals, bold=True))
    w.table(doc, header, rows, caption=t.caption, note=t.note, empty=t.empty)


def _findings(doc, items: list[dict], empty: str) -> None:
    if not items:
        w.paragraph(doc, empty, indent=True)
    for it in items:
        text = f"【{LEVEL_WORDS.get(it['level'], it['level'])}】{it['text']}"
        if it.get("detail"):
            text += f"（{it['detail']}）"
        w.paragraph(doc, text, indent=True)


def add_block(doc, r: Report, b: Block) -> None:
    if b.kind == "table":
        add_table(doc, r.tables[b.key])
    elif b.kind == "chart":
        w.picture_slot(doc, b.key, b.caption)  # drawn by `pictures`, where the file is written
    elif b.kind == "sentences":
        items = r.lists[b.key]
        if not items:
            w.paragraph(doc, b.empty, indent=True)
        for i, s in enumerate(items, 1):
            w.paragraph(doc, f"{i}. {s}", indent=True)
    elif b.kind == "findings":
        _findings(doc, list(b.items) if b.items else r.lists[b.key], b.empty)
    elif b.kind == "heading":
        w.heading(doc, b.text + (f"（{LEVEL_WORDS[b.level]}）" if b.level else ""), level=2)
    elif b.kind == "text":
        w.paragraph(doc, b.text, indent=True, size=w.SIZE_NOTE if b.level == "note" else w.SIZE_3)
    else:  # a new block kind must be laid out here too
        raise ValueError(f"unknown block kind {b.kind!r}")


def add_header(doc, h: env.Header) -> None:
    w.title(doc, h.title, h.subtitle)
    meta = [("单位", h.unit), ("统计期间", fmt.period(h.start, h.end))]
    if h.as_of:
        meta.append(("数据截至", fmt.date_iso(h.as_of)))
    meta.append(("制表日期", fmt.date_cn(h.made_on)))
    for label, value in meta:
        w.paragraph(doc, f"{label}：{value}", indent=True)
    rows = [[w.Cell(c.ledger), w.Cell(fmt.month_ranges(c.loaded)),
             w.Cell("完整" if c.complete else "；".join(
                 [f"缺 {m}" for m in c.missing] + [f"{m} 仅 {a}/{n} 个单位" for m, a, n in c.partial]))]
            for c in h.coverage]
    if rows:
        w.table(doc, [w.Cell("台账"), w.Cell("已载入月份"), w.Cell("缺少月份")], rows, caption="台账载入情况")
    for line in h.notes:
        w.paragraph(doc, line, indent=True, size=w.SIZE_NOTE, exact=False)


def pictures(docx: bytes, charts: dict) -> bytes:
    """The saved document with its charts drawn (as PNG, from the same chart data as the page)."""
    from tracker.render import drawing

    return w.fill_pictures(docx, {k: drawing.png_bytes(c) for k, c in charts.items()})


def build(r: Report, templates: str | Path | None = None):
    """The Word document of one report (not yet saved), a slot where each chart goes (`pictures`)."""
    doc = w.new_document()
    office = env.office(r.header, templates)
    if office.organ or office.doc_number:
        w.letterhead(doc, office.organ, office.doc_number)
    add_header(doc, r.header)
    w.heading(doc, "一、总体情况")
    w.table(doc, [w.Cell("项目"), w.Cell("数值"), w.Cell("说明")],
            [[w.Cell(c["label"]), w.Cell(f"{c['value']} {c['unit']}".strip(), num=True),
              w.Cell(c["note"] + (f"（{LEVEL_WORDS[c['level']]}）" if c["level"] else ""))] for c in r.cards])
    for s in r.sections:
        w.heading(doc, s.title)
        if s.note:
            w.paragraph(doc, s.note, indent=True, size=w.SIZE_NOTE, exact=False)
        for b in s.blocks:
            add_block(doc, r, b)
    w.closing(doc, office.signature, office.sign_date)
    w.paragraph(doc, "本文由 tracker 生成；身份证号码、电话号码已作脱敏处理。数据以所载入的台账为准。",
                size=w.SIZE_NOTE, exact=False)
    return doc

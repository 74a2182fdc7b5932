"""The documents of a year's awards (docs/awards.md): a 推荐表 for each one recorded (Word: name, unit,
team, hours, activities, deeds drawn from the year's activities, a blank 党组织意见) and the 公示名单
(Word and a page: name, unit, team, hours; no phone or ID number)."""

from __future__ import annotations

import re
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from tracker import formats as fmt
from tracker.atomic import ensure_folder, write_text
from tracker.render import env, fontface
from tracker.render import word as w

DEEDS = 8  # activity titles named as a candidate's deeds


def _safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|]', "_", text)


def recommendation(a: dict, year: int, out: Path) -> Path:
    """One 推荐表."""
    doc = w.new_document()
    w.title(doc, f"{year}年度{a['award']}推荐表")
    person = a["vid"] is not None
    rows = [("姓名" if person else "服务队", a["name"]), ("单位", a["unit"]),
            *((("所在服务队", a["team"] or "—"),) if person else ()),
            (f"{year}年志愿服务时长", f"{fmt.hours(a['hours'] or 0)} 小时"),
            (f"{year}年志愿服务活动", f"{a['activities'] or 0} 次")]
    w.table(doc, [w.Cell("项目"), w.Cell("内容")], [[w.Cell(k), w.Cell(str(v))] for k, v in rows], size=w.SIZE_NOTE)
    deeds = "、".join(a.get("deeds", [])[:DEEDS])
    w.heading(doc, "主要事迹", 2)
    w.paragraph(doc, (f"{year}年参加{deeds}等志愿服务活动 {a['activities'] or 0} 次，服务时长 {fmt.hours(a['hours'] or 0)} 小时。"
                      if deeds else f"{year}年参加志愿服务活动 {a['activities'] or 0} 次，服务时长 {fmt.hours(a['hours'] or 0)} 小时。"),
                size=w.SIZE_NOTE, exact=False, indent=True)
    w.paragraph(doc, "（可补充具体事迹）", size=w.SIZE_NOTE, exact=False)
    w.heading(doc, "党组织意见", 2)
    for _ in range(4):
        w.paragraph(doc, "", size=w.SIZE_NOTE, exact=False)
    w.paragraph(doc, "（盖章）　　　　年　　月　　日", size=w.SIZE_NOTE, align=WD_ALIGN_PARAGRAPH.RIGHT, exact=False)
    return w.save(doc, out)


def public_list_docx(done: list[dict], year: int, out: Path) -> Path:
    doc = w.new_document()
    w.title(doc, f"{year}年度志愿服务评比表彰公示名单")
    for award in dict.fromkeys(a["award"] for a in done):
        w.heading(doc, award, 2)
        rows = [[w.Cell(str(i)), w.Cell(a["name"]), w.Cell(a["unit"]), w.Cell(a["team"] or "—"),
                 w.Cell(fmt.hours(a["hours"] or 0), num=True)]
                for i, a in enumerate([x for x in done if x["award"] == award], 1)]
        w.table(doc, [w.Cell("序号"), w.Cell("姓名或服务队"), w.Cell("单位"), w.Cell("服务队"), w.Cell("服务时长（小时）")],
                rows, size=w.SIZE_NOTE)
    w.paragraph(doc, "公示期间如有异议，请向党组织反映。", size=w.SIZE_NOTE, exact=False)
    return w.save(doc, out)


def public_list_html(done: list[dict], year: int, out: Path) -> Path:
    awards = {award: [x for x in done if x["award"] == award] for award in dict.fromkeys(a["award"] for a in done)}
    return write_text(out, fontface.embed(env.render("award_list.html", year=year, awards=awards)))


def write_documents(done: list[dict], year: int, folder: Path) -> list[Path]:
    ensure_folder(folder)
    paths = [recommendation(a, year, folder / _safe(f"推荐表_{a['award']}_{a['name']}.docx")) for a in done]
    paths.append(public_list_docx(done, year, folder / f"公示名单_{year}.docx"))
    paths.append(public_list_html(done, year, folder / f"公示名单_{year}.html"))
    return paths

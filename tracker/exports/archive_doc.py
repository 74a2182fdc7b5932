"""A volunteer's archive as a document: a print-ready A4 page or a Word file (docs/people.md)."""

from __future__ import annotations

from pathlib import Path

from tracker import formats as fmt
from tracker.atomic import write_text
from tracker.render import env, files, fontface
from tracker.render import word as w


def page(a) -> str:
    """The archive's standalone page (the web's /volunteers/KEY lays out the same body)."""
    return env.render("archive.html", a=a)


def write_html(a, out: Path) -> Path:
    return write_text(out, fontface.embed(page(a)))


def write_docx(a, out: Path) -> Path:
    doc = w.new_document()
    w.title(doc, f"志愿者档案：{a.name}")
    for label, value in (("单位", a.unit), ("服务队", a.team or "—"), ("志愿者编号", a.number or "—"),
                         ("状态", a.status), ("登记日期", fmt.date_iso(a.registered)), ("联系电话", a.phone or "—"),
                         ("身份证号码", a.id_number or "—"), ("期间", fmt.period(*a.period))):
        w.paragraph(doc, f"{label}：{value}", size=w.SIZE_NOTE, exact=False)
    t = a.totals
    w.paragraph(doc, f"期间内参加活动 {t['activities']} 次（其中志愿服务 {t['service_activities']} 次），"
                     f"结对走访 {t['visits']} 次，服务时长 {fmt.hours(t['service_hours'])} 小时。", size=w.SIZE_NOTE,
                exact=False)
    _table(doc, "按年度", ["年度", "服务时长", "服务活动", "累计时长", "星级", "积分"],
           [[str(y["year"]), fmt.hours(y["service_hours"]), str(y["service_activities"]),
             fmt.hours(y["cumulative_hours"]), y["star_name"],
             "—" if y["points"] is None else fmt.num(y["points"], 1)] for y in a.years])
    _table(doc, "获得表彰", ["年度", "表彰", "当年服务时长"],
           [[str(x["year"]), x["award"], "—" if x["hours"] is None else fmt.hours(x["hours"])] for x in a.awards])
    _table(doc, "参加的活动", ["日期", "活动", "服务队", "类型", "时长"],
           [[fmt.date_iso(x["date"]), x["title"], x["team"], x["kind"], fmt.hours(x["hours"])] for x in a.activities])
    _table(doc, "结对帮扶走访", ["日期", "帮扶对象", "内容", "时长"],
           [[fmt.date_iso(x["date"]), x["recipient"], x["content"] or "", fmt.hours(x["hours"])]
            for x in a.pairing_visits])
    _table(doc, "所在服务队承接的群众需求", ["需求编号", "登记日期", "内容", "状态"],
           [[x["demand_id"], fmt.date_iso(x["received"]), x["content"], x["status"]] for x in a.demands])
    _table(doc, "志愿服务记录证明", ["证明编号", "出具日期", "期间", "时长"],
           [[x["serial"], fmt.date_iso(x["issued_on"]), fmt.period(x["period_start"], x["period_end"]),
             fmt.hours(x["total_hours"])] for x in a.certificates])
    _table(doc, "记录的修改", ["时间", "操作", "原记录", "新记录", "原因"],
           [[c["time"][:16], c["action"], _said(c["old"]), _said(c["new"]), c["reason"] or ""] for c in a.changes])
    if not a.unmasked:
        w.paragraph(doc, "电话和身份证号码已作脱敏处理。", size=w.SIZE_NOTE, exact=False)
    return w.save(doc, out)


def _said(r: dict | None) -> str:
    if r is None:
        return "—"
    return f"{r['date']} {r['title'] or ''} {r['status'] or (fmt.hours(r['hours']) + ' 小时' if r['hours'] is not None else '')}"


def _table(doc, caption: str, head: list[str], rows: list[list[str]]) -> None:
    w.heading(doc, caption, 2)
    if not rows:
        w.paragraph(doc, "无", size=w.SIZE_NOTE, exact=False)
        return
    w.table(doc, [w.Cell(h) for h in head], [[w.Cell(c) for c in r] for r in rows], size=w.SIZE_TABLE)


WRITERS = {".html": ("网页（可打印）", write_html), ".docx": ("Word 文档", write_docx)}


def write(a, out: Path) -> Path:
    """The archive in the format the suffix of `out` names."""
    return WRITERS[files.check_suffix(out, "志愿者档案", WRITERS, code=2)][1](a, out)

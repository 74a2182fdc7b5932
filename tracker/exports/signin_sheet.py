"""The printable A4 签到表 of a sign-in: the activity, a QR code of its phone page, and the team's
members with a column to sign, then blank rows for others (docs/signin.md).

The QR code is drawn offline by segno: SVG in the page, PNG in the Word document.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import segno
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from tracker.atomic import write_text
from tracker.render import env, files, fontface
from tracker.render import word as w

BLANK_ROWS = 8  # for volunteers of other teams and guests


@dataclass(frozen=True)
class Sheet:
    """What a sign-in sheet shows."""

    unit: str
    team: str
    title: str
    date: str  # 2026年12月7日
    time: str  # 14:00—16:30
    place: str
    url: str  # the phone page: {base_url}/s/{code}
    code: str
    members: list[tuple[str, str]]  # (name, number) of the team's members
    signed: frozenset[str] = frozenset()  # names already signed in (ticked on a re-print)

    @property
    def rows(self) -> list[dict[str, str]]:
        out = [{"n": str(i), "name": n, "number": num or "", "mark": "✓" if n in self.signed else ""}
               for i, (n, num) in enumerate(self.members, 1)]
        return out + [{"n": str(len(out) + i), "name": "", "number": "", "mark": ""} for i in range(1, BLANK_ROWS + 1)]

    def qr_svg(self) -> str:
        """The QR code of the phone page as inline SVG (the page scales it)."""
        return segno.make(self.url, error="m").svg_inline(scale=4, border=2, omitsize=True)

    def qr_png(self) -> bytes:
        buf = io.BytesIO()
        segno.make(self.url, error="m").save(buf, kind="png", scale=8, border=2)
        return buf.getvalue()


def write_html(s: Sheet, out: Path) -> Path:
    return write_text(out, fontface.embed(env.render("signin_sheet.html", s=s)))


def write_docx(s: Sheet, out: Path) -> Path:
    doc = w.new_document()
    w.title(doc, f"{s.title} 签到表")
    for label, value in (("单位", s.unit), ("服务队", s.team), ("时间", f"{s.date} {s.time}"), ("地点", s.place or "—")):
        w.paragraph(doc, f"{label}：{value}", size=w.SIZE_TABLE, exact=False)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(s.qr_png()), width=Mm(38))
    w.paragraph(doc, f"手机扫码签到（填写姓名和手机后四位）：{s.url}", size=w.SIZE_NOTE, align=WD_ALIGN_PARAGRAPH.CENTER,
                exact=False)
    rows = [[w.Cell(r["n"], num=True), w.Cell(r["name"]), w.Cell(r["number"]), w.Cell(r["mark"]), w.Cell("")]
            for r in s.rows]
    w.table(doc, [w.Cell("序号"), w.Cell("姓名"), w.Cell("志愿者编号"), w.Cell("已扫码"), w.Cell("签名")], rows,
            size=w.SIZE_TABLE)
    w.paragraph(doc, f"签到码 {s.code}。负责人可在网页“签到”页或用 tracker signin add 补登纸面签到的人员。",
                size=w.SIZE_NOTE, exact=False)
    return w.save(doc, out)


WRITERS: dict[str, tuple[str, Callable[[Sheet, Path], Path]]] = {
    ".html": ("网页（可打印）", write_html),
    ".docx": ("Word 文档", write_docx),
}


def check_suffix(out: Path) -> str:
    """The sheet's format from the suffix of `out` (a usage error naming the formats otherwise)."""
    return files.check_suffix(out, "签到表", WRITERS, code=2)


def write_sheet(s: Sheet, out: Path) -> Path:
    """The sheet in the format the suffix of `out` names (.html or .docx)."""
    return WRITERS[check_suffix(out)][1](s, out)

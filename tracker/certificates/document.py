"""A certificate's file: an HTML page or a Word document, chosen by the output's suffix.

What it says follows the civil-affairs rules on service records (docs/certificates.md):
the volunteer's name, ID document type and number (masked unless asked), the
organization, the period, each service's date, content and hours, the total,
the issuing organization, the date and a place for the seal, and the serial.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from tracker import formats as fmt
from tracker.atomic import write_text
from tracker.certificates.record import ServiceRecord
from tracker.render import env, files, fontface
from tracker.render import word as w


@dataclass(frozen=True)
class Certificate:
    record: ServiceRecord
    serial: str
    issued_on: dt.date
    unmasked: bool
    base_url: str = ""  # where the web app is reached: the printed link is {base_url}/verify/{serial}

    @property
    def verify_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/verify/{self.serial}" if self.base_url else ""

    @property
    def verify_note(self) -> str:
        """How to check the certificate: its link on the issuer's web app, or the command."""
        where = f"在 {self.verify_url} 或" if self.verify_url else "在出具单位的网页版打开“/verify/证明编号”，或"
        return f"本证明依据本组织的志愿服务记录出具，可{where}用“tracker certificate verify {self.serial}”在出具单位的数据库中核验。"

    @property
    def organization(self) -> str:
        v = self.record.volunteer
        return v.unit + (f" {v.team}" if v.team else "")

    @property
    def id_shown(self) -> str:
        return self.record.volunteer.id_shown(self.unmasked)

    @property
    def total(self) -> str:
        return fmt.hours(self.record.total_hours)

    @property
    def statement(self) -> str:
        r, v = self.record, self.record.volunteer
        text = (f"兹证明 {v.name}（{v.id_type}：{self.id_shown}）为{self.organization}登记在册的志愿者"
                f"（{fmt.date_cn(v.registered)}登记{f'，{fmt.date_cn(v.left)}退出' if v.left else ''}），"
                f"于 {fmt.period(r.period.start, r.period.end)} 期间参加志愿服务 {len(r.services)} 次，"
                f"服务时长共计 {self.total} 小时")
        if r.cumulative_hours > r.total_hours:
            text += f"；截至 {fmt.date_cn(r.period.end)} 累计服务时长 {fmt.hours(r.cumulative_hours)} 小时（含登记前的历史服务时长）"
        return text + "。具体记录如下："

    @property
    def rows(self) -> list[dict[str, str]]:
        return [{"n": str(i), "date": fmt.date_iso(s.date), "content": s.content, "organizer": s.organizer,
                 "hours": fmt.hours(s.hours)} for i, s in enumerate(self.record.services, 1)]


Chars = frozenset[str] | None


def page(c: Certificate, templates: str | Path | None = None) -> str:
    return env.render("certificate.html", templates=templates, c=c)


def face_characters(pages: Iterable[str]) -> frozenset[str]:
    """The characters of a run's certificate pages: one font subset then serves every page of the run
    (a unit's pages differ only in names and dates; one subset instead of one per page)."""
    return frozenset().union(*(fontface.page_characters(p) for p in pages))


def write_html(html: str, out: Path, chars: Chars = None) -> Path:
    """A certificate's page, laid out already (`page`), with the run's font subset (`face_characters`)."""
    return write_text(out, fontface.embed(html, chars))


def write_docx(c: Certificate, out: Path) -> Path:
    """The certificate as Word."""
    doc = w.new_document()
    w.title(doc, "志愿服务记录证明")
    w.paragraph(doc, f"证明编号：{c.serial}", size=w.SIZE_NOTE, align=WD_ALIGN_PARAGRAPH.RIGHT, exact=False)
    v = c.record.volunteer
    for label, value in (("姓名", v.name), ("证件类型", v.id_type), ("证件号码", c.id_shown),
                         *((("志愿者编号", v.number),) if v.number else ()), ("志愿服务组织", c.organization),
                         ("服务期间", fmt.period(c.record.period.start, c.record.period.end))):
        w.paragraph(doc, f"{label}：{value}", indent=True)
    w.paragraph(doc, c.statement, indent=True)
    rows = [[w.Cell(r["n"], num=True), w.Cell(r["date"]), w.Cell(r["content"]), w.Cell(r["organizer"]),
             w.Cell(r["hours"], num=True)] for r in c.rows]
    rows.append([w.Cell("合计", bold=True), w.Cell(f"{len(c.rows)} 次", bold=True), w.Cell(""), w.Cell(""),
                 w.Cell(c.total, num=True, bold=True)])
    w.table(doc, [w.Cell("序号"), w.Cell("日期"), w.Cell("服务内容"), w.Cell("组织者"), w.Cell("服务时长（小时）")],
            rows, caption="志愿服务记录", size=w.SIZE_NOTE)
    w.paragraph(doc, "特此证明。", indent=True)
    w.closing(doc, f"出具组织：{c.organization}（盖章）", f"出具日期：{fmt.date_cn(c.issued_on)}")
    w.paragraph(doc, "经办人：＿＿＿＿＿＿", align=WD_ALIGN_PARAGRAPH.RIGHT)
    notes = [c.record.rules_note,
             c.verify_note]
    if not c.unmasked:
        notes.append("证件号码已作脱敏处理。")
    for n in notes:
        w.paragraph(doc, n, size=w.SIZE_NOTE, exact=False)
    return w.save(doc, out)


# suffix → (label, writer(certificate, out, templates, the run's characters, the page laid out))
# suffix → (label, how a run writes it: the page it laid out (with built-in templates if not) and
# its font subset, or the certificate itself)
WRITERS: dict[str, tuple[str, Callable[[Certificate, Path, str | None, Chars], Path]]] = {
    ".html": ("网页（可打印）", lambda c, out, html, chars: write_html(html or page(c), out, chars)),
    ".docx": ("Word 文档", lambda c, out, html, chars: write_docx(c, out)),
}


def check_suffix(out: Path) -> str:
    """The certificate's format from its suffix (a usage error naming the formats otherwise)."""
    return files.check_suffix(out, "证明", WRITERS, code=2)


def write(c: Certificate, out: Path, html: str | None = None, chars: Chars = None) -> Path:
    """Write the certificate in the format its suffix names; `html`: its page, laid out already
    (with the run's templates), `chars`: the run's (`face_characters`)."""
    return WRITERS[check_suffix(out)][1](c, out, html, chars)

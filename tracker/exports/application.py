"""附件1 党员志愿者申请登记表 printed from the roster, or blank (docs/forms.md).

The layout is the notice's: 姓名, 性别 and the photo box (2寸彩照, four rows high) on top;
民族, 出生年月; 政治面貌, 健康状况; 所在单位; 身份证号码, 学历; 办公电话, 手机; 电子邮箱; 特长;
志愿服务经历; 申请人签字; then "注：此表由党员志愿者本人填写并签字。" A printed form is pre-filled
for the person to check, date and sign; the photo box, 填表日期 and the signature stay empty.
Labels come from the `applications` kind's declarations, so what is printed is what
`tracker load applications` reads back.

Privacy (docs/privacy.md): ID numbers and phones are masked unless `unmask`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from tracker.ingest.kinds.applications import KIND, OTHER_LABELS
from tracker.ingest.read import ROW
from tracker.ingest.resolve import match_people
from tracker.notice import APPLICANT
from tracker.privacy import mask_id, mask_phone
from tracker.problems import TrackerError
from tracker.render.labelform import WRITERS, Box, LabelForm, write_label_forms
from tracker.store.queries import roster_as_of, select_units

NOTICE = "附件1"
NOTE = "注：此表由党员志愿者本人填写并签字。"
WIDTHS_CM = [2.5, 5.2, 2.3, 2.9, 3.6]  # 16.5 cm: A4 less its margins; an ID number fits column 1
HEIGHTS_CM = [1.25, 1.25, 1.25, 1.25, 1.1, 1.1, 1.1, 2.0, 7.0, 2.2]
PHOTO = "照片\n\n（2寸彩照）"
# (row, col, field, value columns): the notice's grid of five columns; the photo box is rows 0–3 of column 4
LAYOUT: list[tuple[int, int, str, int]] = [
    (0, 0, "name", 1), (0, 2, "gender", 1),
    (1, 0, "ethnicity", 1), (1, 2, "birth_month", 1),
    (2, 0, "political", 1), (2, 2, "health", 1),
    (3, 0, "workplace", 3),
    (4, 0, "id_number", 1), (4, 2, "education", 2),
    (5, 0, "office_phone", 1), (5, 2, "mobile", 2),
    (6, 0, "email", 4), (7, 0, "skills", 4), (8, 0, "experience", 4),
]
SIGNATURE_ROW = 9


def label_text(header: str) -> str:
    """A label as the notice prints it: two characters spaced out ("姓　　名"), long ones on two
    lines ("志愿服务\\n经历")."""
    if len(header) == 2:
        return f"{header[0]}　　{header[1]}"
    if len(header) > 5:
        return f"{header[:4]}\n{header[4:]}"
    return header


def application_form(values: dict[str, str], name: str = "申请登记表") -> LabelForm:
    """附件1 filled with `values` (field key → text as printed); empty values stay blank."""
    boxes: list[Box] = [Box(0, 4, PHOTO, rows=4, role="photo")]
    for row, col, key, span in LAYOUT:
        column = KIND.column(key)
        boxes.append(Box(row, col, label_text(column.header), role="label"))
        boxes.append(Box(row, col + 1, values.get(key) or "", cols=span, choices=column.choices))
    boxes.append(Box(SIGNATURE_ROW, 0, OTHER_LABELS[1], role="label"))
    boxes.append(Box(SIGNATURE_ROW, 1, "", cols=4, role="sign"))
    return LabelForm(name, NOTICE, KIND.title, f"{KIND.column('applied').header}：", WIDTHS_CM,
                     HEIGHTS_CM, boxes, NOTE)


def _month(d: dt.date | None) -> str:
    return f"{d.year}.{d.month:02d}" if d else ""


def _numbers(phone: str | None, mobile: bool) -> str:
    parts = [p for p in (phone or "").split("、") if p and bool(re.fullmatch(r"1\d{10}", p)) == mobile]
    return "、".join(parts)


def person_values(p: dict, unmask: bool) -> dict[str, str]:
    """A roster row as the form prints it (phones and ID number masked unless `unmask`)."""
    phone = (lambda s: s) if unmask else mask_phone
    return {
        "name": p["name"], "gender": p["gender"], "ethnicity": p["ethnicity"],
        "birth_month": _month(p["birth_month"]), "political": p["political"], "health": p["health"],
        "workplace": p["workplace"] or p["unit"],
        "id_number": (p["id_number"] or "") if unmask else mask_id(p["id_number"]),
        "education": p["education"],
        "office_phone": phone(_numbers(p["phone"], mobile=False)),
        "mobile": phone(_numbers(p["phone"], mobile=True)),
        "email": p["email"], "skills": p["skills"], "experience": p["experience"],
    }


@dataclass
class ApplicationExport:
    paths: list[Path]
    people: list[str]  # the names printed
    unmasked: bool


def _people(con: duckdb.DuckDBPyConnection, unit: str | None, today: dt.date) -> pl.DataFrame:
    """Who may get a form: registered volunteers not withdrawn, and applicants waiting."""
    return roster_as_of(con, today, unit).filter(pl.col("active") | (pl.col("status") == APPLICANT))


def _chosen(people: pl.DataFrame, who: str) -> pl.DataFrame:
    """The one person `who` names (name, volunteer number, or 王丽(1234)); a user error otherwise."""
    units = people["unit"].unique(maintain_order=True).to_list()
    tokens = pl.DataFrame({ROW: range(1, len(units) + 1), "unit": units, "token": ["".join(who.split())] * len(units)})
    found, problems = match_people(tokens, people.select("vid", "unit", "name", "number", "phone"), "--volunteer")
    vids = found["vid"].drop_nulls().unique().to_list()
    if len(vids) == 1:
        return people.filter(pl.col("vid") == vids[0])
    if len(vids) > 1:
        where = "、".join(f"{u}" for u in found.drop_nulls("vid")["unit"].to_list())
        raise TrackerError(f"--volunteer {who}：{where} 都有这个人，请用 --unit 指定单位。", code=1)
    messages = problems["message"].unique(maintain_order=True).to_list()
    raise TrackerError(f"--volunteer {who}：{messages[0] if len(messages) == 1 else '没有找到这个人'}。")


def _file_names(people: pl.DataFrame) -> list[str]:
    """附件1_姓名, with the volunteer number (or phone's last four digits) when a name repeats."""
    names = people["name"].to_list()
    out = []
    for name, number, phone in people.select("name", "number", "phone").iter_rows():
        tag = ""
        if names.count(name) > 1:
            tag = f"_{number}" if number else f"_{(phone or '')[-4:]}"
        out.append(re.sub(r'[\\/:*?"<>|]', "_", f"{NOTICE}_{name}{tag}"))
    return out


def export_applications(con: duckdb.DuckDBPyConnection, out: Path, *, volunteer: str | None = None,
                        every: bool = False, unit: str | None = None, unmask: bool = False,
                        today: dt.date | None = None, units: list[str] | None = None) -> ApplicationExport:
    """附件1 pre-filled for one person (`volunteer`) or everyone (`every`) of `unit` (or of every
    unit): one file, one document (a page or sheet per person), or one file each in a folder."""
    if (volunteer is None) == (not every):
        raise TrackerError("请用 --volunteer 姓名或编号 指定一个人，或用 --all 导出全部（两者选一）。", code=2)
    select_units(con, unit)
    people = _people(con, unit, today or dt.date.today())
    if units is not None:  # the caller's scope: nobody of another unit is found or listed
        people = people.filter(pl.col("unit").is_in(units))
    if volunteer is not None:
        people = _chosen(people, volunteer)
    elif people.is_empty():
        raise TrackerError("没有可导出的志愿者或申请人" + (f"（单位“{unit}”）" if unit else "") + "。")
    rows = people.to_dicts()
    forms = [application_form(person_values(p, unmask), p["name"]) for p in rows]
    what = f"{NOTICE}{KIND.title}"
    if out.suffix.lower() in WRITERS:
        paths = [write_label_forms(forms, out, what)]
    elif out.suffix and not out.is_dir():
        kinds = "、".join(f"{s}（{label}）" for s, (label, _) in WRITERS.items())
        raise TrackerError(f"无法把{what}写成“{out.name}”：请用 {kinds} 作为文件扩展名，"
                           "或给出一个文件夹（每人一个 .docx）。")
    else:
        out.mkdir(parents=True, exist_ok=True)
        paths = [write_label_forms([f], out / f"{n}.docx", what) for f, n in zip(forms, _file_names(people),
                                                                                  strict=True)]
    return ApplicationExport(paths, [p["name"] for p in rows], unmask)


def write_blank_application(out: Path) -> Path:
    """The blank 附件1 to hand out (.docx or .xlsx)."""
    return write_label_forms([application_form({})], out, f"{NOTICE}{KIND.title}")

"""A small town for the web tests: two branches of the 上级单位 tree, five accounts (all made up).

    示例市卫生局 (supervisor account "weiju")
      └ 示例市中心血站 — the demo year (unit account "xuezhan")
    示例区卫生健康委 (supervisor account "quwei")
      └ 示例区人民医院 — two volunteers, one activity (unit account "yiyuan")
    admin account "admin"
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from conftest import fake_id, write_xlsx

from tracker import api

TODAY = dt.date(2026, 2, 1)
BLOOD = "示例市中心血站"
BUREAU = "示例市卫生局"
HOSPITAL = "示例区人民医院"
DISTRICT = "示例区卫生健康委"
HOSPITAL_PEOPLE = {"欧阳明月": "13911112222", "司马青云": "13933334444"}
HOSPITAL_ID = fake_id(77)
PASSWORD = "correct-horse-9"
ACCOUNTS = {  # login: (role, unit)
    "admin": ("admin", None),
    "weiju": ("supervisor", BUREAU),
    "quwei": ("supervisor", DISTRICT),
    "xuezhan": ("unit", BLOOD),
    "yiyuan": ("unit", HOSPITAL),
}


def hospital_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    people = list(HOSPITAL_PEOPLE.items())
    return {
        "units": write_xlsx(folder / "医院单位表.xlsx", [["单位名称", "上级单位", "党员人数"], [HOSPITAL, DISTRICT, 20]]),
        "teams": write_xlsx(folder / "医院服务队.xlsx", [["单位名称", "服务队名称", "队长"],
                                                      [HOSPITAL, "医院党员志愿服务队", people[0][0]]]),
        "roster": write_xlsx(folder / "医院花名册.xlsx", [
            ["单位名称", "姓名", "所属服务队", "联系方式", "身份证号码", "登记日期"],
            *[[HOSPITAL, n, "医院党员志愿服务队", ph, HOSPITAL_ID if i == 0 else None, "2024-01-01"]
              for i, (n, ph) in enumerate(people)]]),
        "activities": write_xlsx(folder / "医院活动2025-03.xlsx", [
            ["单位名称", "日期", "服务队", "活动名称", "参加人员", "服务时长"],
            [HOSPITAL, "2025-03-05", "医院党员志愿服务队", "社区义诊", "、".join(HOSPITAL_PEOPLE), 3]]),
    }


def build(folder: Path, accounts: bool = True) -> Path:
    """The demo year plus the hospital, and (optionally) the five accounts; returns the database."""
    demo = api.demo(folder / "demo", today=TODAY)
    for kind, f in hospital_files(folder / "hospital").items():
        opts = {"month": "2025-03"} if kind == "activities" else {"as_of": "2025-01-01"}
        (res,) = api.load(demo.db, kind, [f], today=TODAY, **opts)
        assert res.status == "loaded", res.problems
    if accounts:
        for login, (role, unit) in ACCOUNTS.items():
            api.user_add(demo.db, login, role, unit, PASSWORD)
    return demo.db


def copy_db(src: Path, dest_dir: Path) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / src.name
    shutil.copyfile(src, dest)
    wal = src.with_name(src.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, dest.with_name(dest.name + ".wal"))
    return dest


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def text_of(html: str) -> str:
    """The visible text of a page (no styles, scripts or tags)."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

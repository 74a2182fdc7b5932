"""What the notice (镇组通〔2013〕37号) names, declared once for every layer.

The notice asks each team to have ten things (四.3 “十有”); the teams table
stores one yes/no column per item, the 附件3 form has one header per item,
and the checks count them.
"""

from __future__ import annotations

NOTICE = "镇组通〔2013〕37号"

# (stored column, the notice's word) for the ten things a team must have (四.3)
TEN_HAVES: tuple[tuple[str, str], ...] = (
    ("has_flag", "队旗"),
    ("has_charter", "章程"),
    ("has_logo", "统一标识"),
    ("has_plan", "年度计划"),
    ("has_groups", "队长及小组"),
    ("has_star_rules", "星级评定办法"),
    ("has_online_register", "网上登记表"),
    ("has_archive", "档案材料"),
    ("has_record_book", "活动记录册"),
    ("has_qq_group", "实名QQ群"),
)

# R3 (三.1): 个人自愿申请 → 党组织审核 → 登记造册. The status of a person whose application form
# (附件1) is loaded and who is not yet reviewed and registered (docs/data-model.md, "Applicants").
APPLICANT = "申请"
REJECTED = "未通过"  # an application the review turned down (tracker review --reject): a new form applies again

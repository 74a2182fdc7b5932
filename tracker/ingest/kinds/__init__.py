"""The ledger kinds, listed once (cf. beancount's listed plugins; docs/architecture.md).

A kind is one module here declaring `KIND` (its columns, whether it is
monthly, what it does with unknown units, and its `prepare`). The CLI's
`tracker load KIND`, templates, status and reports all read this registry;
adding a ledger kind is its module plus one line below.
"""

from __future__ import annotations

from tracker.ingest.columns import Kind
from tracker.ingest.kinds import activities, applications, demands, pairings, roster, teams, units
from tracker.problems import TrackerError

KINDS: dict[str, Kind] = {
    k.key: k for k in (units.KIND, teams.KIND, roster.KIND, activities.KIND, demands.KIND, pairings.KIND,
                       applications.KIND)
}

MONTHLY_KINDS: tuple[str, ...] = tuple(k for k, kind in KINDS.items() if kind.monthly)
KIND_ALIASES = {"application": "applications"}  # 附件1 as `tracker export` / `template application` name it


OTHER_LOADS = {"review": "审核登记"}  # `loads` rows not from a file: `tracker review`


def kind_key(name: str) -> str:
    """The kind a user named (`application` is `applications`); a usage error listing the kinds otherwise."""
    key = KIND_ALIASES.get(name, name)
    if key not in KINDS:
        listed = "、".join(f"{k}（{v.name}）" for k, v in KINDS.items())
        raise TrackerError(f"未知的台账类型“{name}”，可选：{listed}。", code=2)
    return key


def kind_name(key: str) -> str:
    """A kind's short Chinese name (花名册, 活动登记簿), or the key itself if unknown."""
    return KINDS[key].name if key in KINDS else OTHER_LOADS.get(key, key)

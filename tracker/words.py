"""The words tracker shows for its own codes, defined once (docs/rules.md, "Levels").

A finding of `tracker check` is 通过 / 提醒 / 未通过; a person's or a team's
result against a target is 达标 / 未达标; a star level has a name. Every
report, table and message takes its words from here, so the same thing is
never called two names.
"""

from __future__ import annotations

LEVELS = ("fail", "warn", "pass")  # worst first
LEVEL_WORDS = {"fail": "未通过", "warn": "提醒", "pass": "通过"}

MET_WORDS = {True: "达标", False: "未达标"}

STAR_NAMES = {0: "未评星", 1: "一星", 2: "二星", 3: "三星", 4: "四星", 5: "五星"}

QUARTER_CN = {1: "一", 2: "二", 3: "三", 4: "四"}


def level_word(level: str) -> str:
    """A finding's level key → its Chinese word: fail 未通过, warn 提醒, pass 通过."""
    try:
        return LEVEL_WORDS[level]
    except KeyError:
        raise ValueError(f"未知的结论级别：{level!r}（应为 fail、warn 或 pass）") from None


def worst(levels: list[str]) -> str:
    """The worst of some levels (fail before warn before pass)."""
    return min(levels, key=LEVELS.index)

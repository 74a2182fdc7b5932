"""Masking personal numbers (docs/privacy.md): one definition for every output and message.

ID numbers keep their first 3 and last 4 characters (320***********1234),
mobiles their first 3 and last 4 digits (138****5678). Reports, exports and
problem messages all call these, so no output can show a full number by
forgetting to mask it.
"""

from __future__ import annotations

import re

_PHONE_SPLIT = re.compile(r"(\s*[、,，;；/／]\s*|\s+)")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def mask_id(value: object) -> str:
    """An ID number keeping its first 3 and last 4 characters: 320***********1234.

    Values shorter than 8 characters are masked entirely (nothing identifying
    should survive a mistyped short number).
    """
    s = _text(value)
    if len(s) < 8:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def _mask_one_phone(s: str) -> str:
    digits = re.sub(r"\D", "", s)
    if len(digits) >= 11:  # mobile, or landline with area code: 138****5678, 051*****2345
        return s[:3] + "*" * (len(s) - 7) + s[-4:]
    if len(s) > 4:  # a local number: only the last 4 stay
        return "*" * (len(s) - 4) + s[-4:]
    return "*" * len(s)


def mask_phone(value: object) -> str:
    """Each phone number in the text masked: "13812345678" → "138****5678".

    Two numbers are kept apart ("办公、手机" as stored: "051184412345、13812345678").
    """
    s = _text(value)
    if not s:
        return ""
    parts = _PHONE_SPLIT.split(s)
    # the split keeps separators at odd positions; mask only the numbers
    return "".join(p if i % 2 else _mask_one_phone(p) for i, p in enumerate(parts) if p != "")


def mask_numbers(text: str) -> str:
    """Mask phone and ID numbers inside free text: 138****5678, 320***********1234."""
    return re.sub(r"\d{6,}[\dXx]", lambda m: m[0][:3] + "*" * (len(m[0]) - 7) + m[0][-4:], text)


# a mobile typed with spaces or dashes (139 1234 5678), or any run of 7+ digits (an ID number may end in X)
_PERSONAL = re.compile(r"(?<!\d)(?:1[3-9]\d[ \-]\d{4}[ \-]\d{4}|\d{7,}[Xx]?)(?!\d)")
_COMPACT_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def mask_text(text: object) -> str:
    """Every ID number, mobile or other phone inside any text masked as `mask_phone` masks one
    (138****5678, 320***********1234, a shorter number all but its last 4); an 8-digit date
    such as 20260305 is left as it is. Problem values and messages pass through this."""
    s = text if isinstance(text, str) else _text(text)

    def one(m: re.Match[str]) -> str:
        return m[0] if _COMPACT_DATE.fullmatch(m[0]) else _mask_one_phone(m[0])

    return _PERSONAL.sub(one, s)


def mask_name(value: object) -> str:
    """A name partly hidden, for a public page: 陈建华 → 陈*华, 王丽 → 王*, 欧阳明月 → 欧**月."""
    s = _text(value)
    if len(s) <= 1:
        return s
    if len(s) == 2:
        return s[0] + "*"
    return s[0] + "*" * (len(s) - 2) + s[-1]

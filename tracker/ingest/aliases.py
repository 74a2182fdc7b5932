"""A user's own header names, added without a release (docs/ledgers.md, "Your own headers").

The built-in names of each column are declared with it (`Column.also`). An
office whose files say "志愿时长" where tracker expects 服务时长 writes a small
TOML file and passes it with `tracker load --columns FILE` (env
TRACKER_COLUMNS):

    [activities]            # a kind: its key or its Chinese name (活动登记簿)
    "服务时长" = ["志愿时长", "本次时长"]   # a column: its Chinese header or its key
    team = ["所属支部"]
    [demands.values]        # a platform's words for a column's fixed choices
    "状态" = { "服务中" = "办理中", "审核中" = "待办理" }

Everything in the file is checked: an unknown kind or column, a name that
is not text, or a name another column of the kind already answers to is
refused with a Chinese message naming it, so a typo never silently leaves a
column unread.
"""

from __future__ import annotations

import os

from tracker.ingest.columns import Kind, normalize_header
from tracker.ingest.kinds import KINDS
from tracker.problems import TrackerError, close_names
from tracker.userfiles import read_toml

# kind → column key → extra names; "KIND.values" → column key → ((a file's word, the choice), …)
Aliases = dict[str, dict[str, tuple]]
ENV = "TRACKER_COLUMNS"


def _kind(where: str, name: str) -> Kind:
    for k in KINDS.values():
        if name in (k.key, k.name):
            return k
    known = "、".join(f"{k.key}（{k.name}）" for k in KINDS.values())
    raise TrackerError(f"{where}：未知的台账类型“{name}”。可用：{known}。")


def _column(where: str, kind: Kind, name: str) -> str:
    for c in kind.columns:
        if name in (c.key, c.header):
            return c.key
    headers = [c.header for c in kind.columns]
    hits = close_names(name, headers)
    hint = f"是否是：{'、'.join(hits)}？" if hits else f"{kind.name}的列：{'、'.join(headers)}"
    raise TrackerError(f"{where}：[{kind.key}] 中没有“{name}”这一列（{hint}）。")


def parse_aliases(data: dict, where: str) -> Aliases:
    """Check a parsed headers file and return kind → column key → names."""
    out: Aliases = {}
    for kind_name, table in data.items():
        kind = _kind(where, kind_name)
        if not isinstance(table, dict):
            raise TrackerError(f"{where}：“{kind_name}”应是一节 [{kind_name}]，其中每行写 列名 = [\"别名\", …]。")
        taken = {normalize_header(n): c.key for c in kind.columns for n in c.names()}
        mine = out.setdefault(kind.key, {})
        if "values" in table:
            out[f"{kind.key}.values"] = _values(where, kind, table["values"])
        for col_name, names in table.items():
            if col_name == "values":
                continue
            key = _column(where, kind, col_name)
            if isinstance(names, str):
                names = [names]
            if not (isinstance(names, list) and names and all(isinstance(n, str) and n.strip() for n in names)):
                raise TrackerError(f"{where}：[{kind.key}] “{col_name}”的别名应写成文字列表，如 [\"志愿时长\"]。")
            for n in names:
                norm = normalize_header(n)
                if not norm:
                    raise TrackerError(f"{where}：[{kind.key}] “{col_name}”的别名“{n}”去掉括号和空格后是空的。")
                owner = taken.get(norm)
                if owner is not None and owner != key:
                    raise TrackerError(f"{where}：[{kind.key}] “{n}”已经是“{kind.column(owner).header}”列的表头，"
                                       f"不能再作为“{kind.column(key).header}”的别名。")
                taken[norm] = key
            mine[key] = (*mine.get(key, ()), *names)
    return out


def _values(where: str, kind: Kind, table: object) -> dict[str, tuple[tuple[str, str], ...]]:
    """`[KIND.values]`: a column of fixed choices → {a file's word: the choice it means}, e.g.
    "状态" = { "服务中" = "办理中", "审核中" = "待办理" }."""
    if not isinstance(table, dict):
        raise TrackerError(f"{where}：[{kind.key}.values] 应是一节，其中每行写 列名 = {{ \"文件中的写法\" = \"对应的选项\" }}。")
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for col_name, words in table.items():
        key = _column(where, kind, col_name)
        column = kind.column(key)
        if not column.choices:
            raise TrackerError(f"{where}：[{kind.key}.values] “{col_name}”不是有固定选项的列，不需要写对应关系。")
        if not isinstance(words, dict) or not all(isinstance(w, str) and isinstance(v, str) for w, v in words.items()):
            raise TrackerError(f"{where}：[{kind.key}.values] “{col_name}”应写成 {{ \"文件中的写法\" = \"对应的选项\" }}。")
        for word, value in words.items():
            if value not in column.choices:
                raise TrackerError(f"{where}：[{kind.key}.values] “{col_name}”中“{word}”对应的“{value}”不是可选值"
                                   f"（可选：{' / '.join(column.choices)}）。")
        out[key] = tuple(words.items())
    return out


def load_aliases(path: str | os.PathLike | None = None) -> Aliases:
    """The headers file at `path` (else env TRACKER_COLUMNS), or no extra names."""
    path = path or os.environ.get(ENV) or None
    if path is None:
        return {}
    where = f"表头别名文件 {path}"
    data = read_toml(path, where, syntax="；中文列名要加英文双引号")
    return parse_aliases(data, where)

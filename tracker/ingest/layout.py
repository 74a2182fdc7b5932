"""Find the table inside a sheet: title lines, header row, data rows, totals and the lines under it.

People's sheets start with a title ("党员志愿服务队志愿者花名册"), a unit line
("单位名称（盖章）：…　填表日期：2013.7", often merged across the table), then
the header, the rows, maybe 合计/小计 rows, and "注：…" or sign-off lines
("填表人：… 审核人：… 填报日期：…"). This module turns that into a frame keyed
by the declared column keys, the facts the title lines give, and what the
file holds that tracker does not read (docs/ledgers.md, "Where the table is").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from tracker.ingest import spans, titlelines
from tracker.ingest.columns import Kind, header_index, header_unit, known_headers, normalize_header
from tracker.ingest.read import ROW, Sheet
from tracker.problems import Problem
from tracker.values import clean_cells, span_hours, written_as_range

HEADER_SCAN_ROWS = 40
# a total row's first non-empty cell: 合计, 总计, 小计, 总合计, 本月合计, 总计 4 支 …
TOTAL_LABEL = re.compile(r"^(?:本页|本月|本季度?|本年度?|全年|全部|各队)?(?:总合计|合计|总计|小计|共计)[:：]?"
                         r"(?:\d+(?:\.\d+)?\D{0,3})?$")
# its other cells: blank, a number (with a unit), a placeholder, or the label again (a merged cell)
SUM_CELL = re.compile(r"^(?:共|计|合计|总计)?[:：]?[-+]?\d+(?:\.\d+)?(?:人次|人|次|支|个|名|小时|时|h|分钟|项|场|户|元|天|份)?$"
                      r"|^[-—/\\~～]+$")
# lines under the table that are notes, not rows
NOTE_RE = r"^(?:注|说明|备注|附注|填表说明)\d*[:：]"
SIGNOFF_RE = (r"^(?:填表人|制表人|填报人|统计人|审核人|审批人|复核人|负责人|经办人|联系人|单位负责人|主要负责人|分管领导"
              r"|填报日期|填表日期|制表日期|报送日期|出具单位|填报单位|报送单位|单位|盖章|签字|签名|联系电话)"
              r"(?:[(（][^)）]*[)）])?[:：]")
STAMP_RE = r"^[^\d]{0,20}[(（](?:盖章|公章|签字|签名|签章)[)）][:：]?|^(?:盖章|签字|签名|签章)[:：]?$"
FOOTER_RE = f"{NOTE_RE}|{SIGNOFF_RE}|{STAMP_RE}"
# a character every footer line holds (a colon, 章 or 签) and every total row (计): a cheap first test
FOOTER_MARK = "[:：章签]"
TOTAL_MARK = "计"

HOURS_WORDS = re.compile(r"时长|时数|小时|分钟|工时|时间")


@dataclass
class Table:
    """The data rows of a sheet, keyed by column key, with what the title said."""

    sheet: str | None
    rows: pl.DataFrame  # declared keys present (text) + ROW (+ KEY__num for typed checks)
    present: list[str]
    header_row: int
    title_unit: str | None = None
    title_staff: int | None = None
    title_date: str | None = None
    title_parent: str | None = None
    title_year: int | None = None  # the year the lines above give ("2026年5月…登记簿"), for dates without one
    totals: pl.DataFrame | None = None  # 总计/合计 rows, keyed like rows
    problems: list[Problem] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)  # key → "minutes" | "hours" written in its header
    headers: dict[str, str] = field(default_factory=dict)  # key → the file's own header text
    unknown: list[tuple[str, str | None]] = field(default_factory=list)  # unread headers, closest known
    form: str | None = None  # set when the sheet is a one-record form of label/value pairs
    notes: list[str] = field(default_factory=list)  # 注 and sign-off lines under the table
    missing: list[str] = field(default_factory=list)  # headers of required columns it lacks (`missing_columns`)


def _dedupe(cells: list[str | None]) -> list[str]:
    """A row's distinct texts in order: a merged cell is read once, however many cells it covers."""
    return list(dict.fromkeys(c.strip() for c in cells if c and c.strip()))


def _closest(text: str, known: dict[str, tuple[str, bool]]) -> str | None:
    """The known header most like `text` (a column's main header wins a tie with an alias)."""
    word = normalize_header(text)
    best = max(((difflib.SequenceMatcher(None, word, k).ratio(), main, shown) for k, (shown, main) in known.items()),
               default=None)
    return best[2] if best and best[0] >= 0.6 else None


def _score(row: list[str | None], index: dict[str, str]) -> int:
    return len({index[normalize_header(c)] for c in row if c and normalize_header(c) in index})


def _form_labels(head: list[tuple], index: dict[str, str]) -> list[str]:
    """The labels of a one-record form ("活动名称 | 敬老院慰问 | 活动时间 | 2026-03-05"): known
    headers followed by a value in the same row, or "标签：值" in one cell; [] unless they name
    at least three columns over at least two rows."""
    labels: list[str] = []
    keys: set[str] = set()
    rows = 0
    for row in head:
        cells = _dedupe(list(row))
        found = 0
        for i, c in enumerate(cells):
            label = None
            if normalize_header(c) in index:
                nxt = cells[i + 1] if i + 1 < len(cells) else None
                if nxt is not None and normalize_header(nxt) not in index:
                    label = c
            else:
                m = re.match(r"^([^:：]{1,12})[:：]\s*\S", c)
                if m and normalize_header(m.group(1)) in index:
                    label = m.group(1)
            if label is not None and index[normalize_header(label)] != "unit":
                found += 1
                keys.add(index[normalize_header(label)])
                labels.append(label)
        rows += found > 0
    return labels if rows >= 2 and len(keys) >= 3 else []


def _two_rows(head: list[tuple], best: int, index: dict[str, str]) -> tuple[int, int]:
    """The header's rows (top, sub): the best row alone (best, best), or with the row under or above
    it when that one holds sub-headers of a group header ("活动时间" over 日期 | 起止时间)."""
    for top, sub in ((best, best + 1), (best - 1, best)):
        if 0 <= top and sub < len(head) and _is_sub(head[top], head[sub], index):
            return top, sub
    return best, best


def _is_sub(top: tuple, sub: tuple, index: dict[str, str]) -> bool:
    """`sub` holds sub-headers under `top`: it names at least one known column that `top` does not
    say there, every cell of it is a known header or repeats `top`'s (a merged cell), and `top`
    names columns it leaves blank."""
    new = 0
    for t, u in zip(top, sub, strict=True):
        if not u or not u.strip() or u == t:
            continue
        if normalize_header(u) not in index:
            return False
        new += 1
    grouped = sum(1 for t, u in zip(top, sub, strict=True) if t and t.strip() and (not u or not u.strip() or u == t))
    return new >= 1 and grouped >= 1


def _combined(top: tuple, sub: tuple, index: dict[str, str]) -> tuple:
    """One header row from two: the sub-header where there is one, else the top's."""
    return tuple(u if u and u.strip() and u != t and normalize_header(u) in index else t
                 for t, u in zip(top, sub, strict=True))


def _total_label(cells: list[str | None]) -> str | None:
    """A total row's label, else None: one of its first two non-empty cells says 合计/总计/小计
    (the other may name the group: "一区委组织部 | 小计") and every cell after it is a sum,
    a placeholder or blank. "合计发放宣传册200份" in a row's 备注 is data."""
    texts = [re.sub(r"[\s\u3000]", "", c) for c in cells if c and c.strip()]
    for i, label in enumerate(texts[:2]):
        if TOTAL_LABEL.match(label):
            rest = texts[i + 1:]
            return label if all(x == label or TOTAL_LABEL.match(x) or SUM_CELL.match(x) for x in rest) else None
    return None


@dataclass
class _Header:
    """What the header row says: grid column → key, and what it does not say."""

    mapping: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    unknown: list[tuple[str, str | None]] = field(default_factory=list)
    blank: list[tuple[str, int]] = field(default_factory=list)  # grid column, its position
    problems: list[Problem] = field(default_factory=list)


def _read_header(cells: tuple, data_cols: list[str], index: dict[str, str],
                 aliases: Mapping[str, tuple[str, ...]] | None, kind: Kind, label: str, row: int) -> _Header:
    h = _Header()
    known: dict[str, tuple[str, bool]] | None = None  # for suggestions, made when a header is unknown
    for i, (col, text) in enumerate(zip(data_cols, cells, strict=True)):
        if not text or not text.strip():
            h.blank.append((col, i))
            continue
        key = index.get(normalize_header(text))
        if key is None:
            if text.strip() not in {t for t, _ in h.unknown}:
                known = known if known is not None else known_headers(kind, aliases)
                h.unknown.append((text.strip(), _closest(text, known)))
            continue
        if key == "date" and key in h.mapping.values() and kind.has("times") and "times" not in h.mapping.values():
            key = "times"  # 日期 | 时间: the second holds the times of the day
        if key in h.mapping.values():
            first = h.headers[key]
            what = "表头重复出现" if text == first else f"与“{first}”都是{kind.column(key).header}"
            h.problems.append(Problem(label, row, text, None, f"{what}，只读取第一列，这一列已忽略", "warning"))
            continue
        h.mapping[col] = key
        h.headers[key] = text
        unit = header_unit(text)
        if unit:
            h.units[key] = unit
    return h


def _split_footer(body: pl.DataFrame, data_cols: list[str], h: _Header, kind: Kind,
                  label: str) -> tuple[pl.DataFrame, list[str], list[Problem]]:
    """The rows from the first 注 or sign-off line on that are not records: (body without them,
    their text, warnings for those that look like unfinished records)."""
    first = pl.coalesce(data_cols)
    says_note = first.str.replace_all(r"[\s\u3000]", "").str.contains(FOOTER_RE)
    # a cheap test (a colon, 盖章, 签字: `FOOTER_MARK`) finds the few candidate rows for the footer pattern
    footer = body.filter(first.str.contains(FOOTER_MARK)).filter(says_note)[ROW]
    if footer.len() == 0:
        return body, [], []
    after = body.filter(pl.col(ROW) >= footer.min())
    grid_cols = list(h.mapping)
    distinct = pl.concat_list([pl.col(c) for c in grid_cols or data_cols]).list.drop_nulls().list.n_unique()
    required = [c for c in grid_cols if kind.column(h.mapping[c]).required]
    complete = pl.all_horizontal([pl.col(c).is_not_null() for c in required]) if required else pl.lit(True)
    note_rows = after.filter(~(~says_note & complete & (distinct >= 2)))
    notes = [" ".join(_dedupe(list(r))) for r in note_rows.select(data_cols).rows()]
    problems = [Problem(label, r, None, None, "这一行在表格下方的注或签字行之后，又不是完整的记录，未导入；"
                        "如是记录，请补全必填项并移到表格中", "warning")
                for r in note_rows.filter(~says_note & (distinct >= 2))[ROW].to_list()]
    return body.filter(~pl.col(ROW).is_in(note_rows[ROW].implode())), notes, problems


def _total_rows(body: pl.DataFrame, data_cols: list[str], marked: list[str],
                label: str) -> tuple[list[int], list[Problem]]:
    """The total rows of the body (`_total_label`), each named in a warning. `marked`: the
    columns where some cell holds `TOTAL_MARK` (`_cleaned`), where a total's label can be."""
    # a cheap test finds the few candidate rows for the exact test
    maybe = pl.any_horizontal([pl.col(c).str.contains(TOTAL_MARK, literal=True).fill_null(False) for c in marked])
    rows, problems = [], []
    for row in body.filter(maybe).select(*data_cols, ROW).rows():
        total = _total_label(list(row[:-1]))
        if total is not None:
            rows.append(row[-1])
            problems.append(Problem(label, row[-1], None, total, "这是合计行，不作为记录导入", "warning"))
    return rows, problems


def locate(sheet: Sheet, kind: Kind, label: str, aliases: Mapping[str, tuple[str, ...]] | None = None,
           fill: Mapping[str, str] | None = None) -> Table | None:
    """The table of `kind` in the sheet, or None when no header row matches.

    `aliases` adds a user's own header names (`tracker.ingest.aliases`); `fill`
    gives a value for every row of a column (--team, --title): the file's own
    cells win where they are not blank.
    """
    index = header_index(kind, aliases)
    cells = sheet.cells
    data_cols = [c for c in cells.columns if c != ROW]
    head = cells.head(HEADER_SCAN_ROWS).select(data_cols).rows()
    scores = [_score(list(r), index) for r in head]
    if not scores or max(scores) == 0:
        return None
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    top, sub = _two_rows(head, best, index)
    header_row = int(cells[ROW][top])
    header_cells = _combined(head[top], head[sub], index) if sub != top else head[best]
    h = _read_header(header_cells, data_cols, index, aliases, kind, label, header_row)
    problems = h.problems
    best = sub  # the data start under the last header row
    facts = titlelines.read([" ".join(_dedupe(list(r))) for r in head[:top]], index)

    grid_cols = list(h.mapping)
    # each cell is cleaned once; unmapped columns only help to tell empty, 注 and 合计 rows
    body, marked = _cleaned(cells.slice(best + 1), data_cols, h, label, header_row)
    notes: list[str] = []
    total_rows: list[int] = []
    if data_cols:
        body = body.filter(pl.coalesce(data_cols).is_not_null())
        body, notes, more = _split_footer(body, data_cols, h, kind, label) if marked["footer"] else (body, [], [])
        problems += more
        if facts.date is None:  # a 填报日期 under the table
            facts = titlelines.read(notes, index, facts, fill=False)
        total_rows, more = _total_rows(body, data_cols, marked["total"], label) if marked["total"] else ([], [])
        problems += more
    is_total = pl.col(ROW).is_in(pl.Series(total_rows, dtype=pl.Int64).implode())
    keyed = [pl.col(c).alias(h.mapping[c]) for c in grid_cols] + [pl.col(ROW)]
    rows = body.filter(~is_total).select(keyed)
    totals = body.filter(is_total).select(keyed)
    if sheet.numeric is not None:
        typed = [c.key for c in kind.columns if c.type in ("month", "id_number", "date")]
        num = sheet.numeric.with_columns(pl.Series(ROW, cells[ROW]))
        flags = [pl.col(c).alias(f"{h.mapping[c]}__num") for c in grid_cols if h.mapping[c] in typed]
        if flags:
            rows = rows.join(num.select([*flags, pl.col(ROW)]), on=ROW, how="left", maintain_order="left")
    present = [h.mapping[c] for c in grid_cols]
    rows = _filled(rows, present, h, kind, facts, fill)
    if kind.span is not None:
        rows = spans.compose(rows, present, h.headers)
    for text, closest in h.unknown:
        problems.append(Problem(label, header_row, text, None, _ignored_message(text, closest), "warning"))
    for col, i in h.blank:  # a column without a header that holds something is named too
        if rows.height and body.select(pl.col(col).is_not_null().any()).item():
            problems.append(Problem(label, header_row, f"第{i + 1}列", None,
                                    "这一列没有表头，其中的内容未读取；如需导入请补上表头", "warning"))
    table = Table(
        sheet=sheet.name,
        rows=rows,
        present=present,
        header_row=header_row,
        title_unit=facts.unit,
        title_staff=int(facts.staff) if facts.staff else None,
        title_date=facts.date,
        title_parent=facts.parent,
        title_year=facts.year,
        totals=totals,
        problems=problems,
        units=h.units,
        headers=h.headers,
        unknown=h.unknown,
        notes=notes,
    )
    table.missing = missing_columns(table, kind)
    if table.missing:
        labels = _form_labels(head, index)
        if labels:
            table.form = "、".join(f"“{x}”" for x in dict.fromkeys(labels[:4]))
    return table


def _cleaned(body: pl.DataFrame, data_cols: list[str], h: _Header, label: str,
             header_row: int) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """The body's cells cleaned once (`values.clean_cells`), a warning when invisible characters
    were removed from any of them, and the columns holding a footer's or a total's mark: a
    city's file has neither, and searching its 1.3M rows for them cost a tenth of a second."""
    body, hidden, marked = clean_cells(body, data_cols, {"footer": FOOTER_MARK, "total": TOTAL_MARK})
    if hidden:
        where = "、".join(h.headers[h.mapping[c]] if c in h.mapping else f"第{data_cols.index(c) + 1}列" for c in hidden)
        h.problems.append(Problem(label, header_row, where, None, "这些列有单元格含不可见字符（零宽空格、方向控制符或"
                                  "空字符等），已删除后读取", "warning"))
    return body, marked


def _filled(rows: pl.DataFrame, present: list[str], h: _Header, kind: Kind, facts: titlelines.TitleLines,
            fill: Mapping[str, str] | None) -> pl.DataFrame:
    """The values written once — above the table, or by --team/--title (which win) — in every row
    whose own cell is blank; `present` and the headers gain the columns they add."""
    fills = {k: v for k, v in facts.fills.items() if kind.has(k)} | dict(fill or {})
    for key, label_text in facts.fill_labels.items():
        if kind.has(key) and key not in (fill or {}) and key not in h.headers:
            h.headers[key] = label_text
    for key, value in fills.items():
        if key in present:
            rows = rows.with_columns(pl.col(key).fill_null(pl.lit(value, pl.String)))
        else:
            rows = rows.with_columns(pl.lit(value, pl.String).alias(key))
            present.append(key)
    return rows


def _ignored_message(text: str, closest: str | None) -> str:
    hint = f"（可能是“{closest}”？）" if closest else ""
    if HOURS_WORDS.search(text):
        return (f"未识别的列，已忽略{hint}：这一列的时长没有读取。若它就是服务时长，"
                "请把表头改为“服务时长”，或写进表头别名文件（--columns）")
    return f"未识别的列，已忽略{hint}"


def missing_columns(table: Table, kind: Kind) -> list[str]:
    """The required columns the table lacks (the unit may come from elsewhere; hours from times)."""
    absent = [c for c in kind.required if c.key not in table.present and c.key != "unit"]
    if kind.span is not None:
        start, end, hours = kind.span
        if hours not in table.present and (end in table.present or _has_range(table, start)):
            absent = [c for c in absent if c.key != hours]
    return [c.header for c in absent]


def _has_range(table: Table, start: str) -> bool:
    """Does a cell of the start column hold a range with times ("08:00 至 11:00")? Only cells
    written as a range are parsed, the first thousand of them: the answer is the file's layout."""
    if start not in table.present or table.rows.height == 0:
        return False
    ranges = table.rows.select(pl.col(start)).filter(written_as_range(pl.col(start))).head(1000)
    return ranges.height > 0 and ranges.select(span_hours(pl.col(start)).is_not_null().any()).item()


def missing_message(table: Table, kind: Kind) -> str | None:
    """What a user reads when required columns are missing: in the file's and the ledger's words."""
    absent = table.missing
    if not absent:
        return None
    if table.form:
        return (f"这个文件像是一张单条记录的登记表（{table.form}等项目和内容成对填写），不是每行一条记录的"
                f"{kind.name}，无法直接导入。请把每条记录填成一行：可用 tracker template {kind.key} --out "
                "模板.xlsx 生成模板。")
    found = "、".join(f"{table.headers[k]}" + (f"（{kind.column(k).header}）"
                                               if normalize_header(table.headers[k]) != normalize_header(
                                                   kind.column(k).header) else "")
                     for k in table.present if k in table.headers) or "无"
    unread = "、".join(f"“{t}”" + (f"（可能是“{c}”？）" if c else "") for t, c in table.unknown)
    fills = [f"--{k} 为整个文件指定{kind.column(k).header}" for k in ("team", "title")
             if kind.has(k) and kind.column(k).header in absent]
    text = (f"缺少必填列：{'、'.join(absent)}。第{table.header_row}行是表头，识别到的列：{found}")
    if unread:
        text += f"；未识别的表头：{unread}"
    text += "。请把表头改成上面的名称"
    if fills:
        text += "，或用 " + "、".join(fills)
    return text + (f"（每列可用的写法列在 tracker template {kind.key} --out 模板.xlsx 的“填写说明”里；"
                   "本单位特有的写法可以写进表头别名文件，用 --columns 指定）。")


def no_header_hint(sheet: Sheet) -> str:
    """The first row that looks like a header, to show a user what tracker saw."""
    data_cols = [c for c in sheet.cells.columns if c != ROW]
    for r in sheet.cells.head(HEADER_SCAN_ROWS).select(data_cols).rows():
        texts = _dedupe(list(r))
        if len(texts) >= 3:
            shown = "、".join(f"“{t}”" for t in texts[:8])
            return f"（看到的第一行表格内容是：{shown}，都不是可识别的表头）"
    return ""

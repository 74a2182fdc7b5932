"""Read a spreadsheet into a grid of text cells, numbered as Excel numbers rows.

Excel (.xlsx/.xls) goes through calamine (python-calamine: typed cells, merged
ranges, the sheet's real first row); CSV through polars, after the encoding is
found (UTF-8, UTF-8 with BOM, GB18030/GBK). Every cell becomes text; which
cells were numbers in Excel is kept, because a month typed as the number
2010.1 is ambiguous (docs/ledgers.md, "Values").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tracker.ingest.limits import check_cells, check_csv, check_zip
from tracker.ingest.sniff import decode_utf16, html_rows, kind_of, separator
from tracker.problems import TrackerError

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
ROW = "__row"


@dataclass
class Sheet:
    """A sheet as text: columns c0..cN plus ROW (the Excel row number)."""

    name: str | None
    cells: pl.DataFrame
    numeric: pl.DataFrame | None = None  # same shape, True where Excel held a number

    @property
    def width(self) -> int:
        return self.cells.width - 1


def _cell_text(v: object) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v.total_seconds() / 3600)
    return str(v)


def _grid_frames(rows: list[list[object]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    width = max((len(r) for r in rows), default=0)
    cols = list(zip(*[r + [""] * (width - len(r)) for r in rows], strict=True)) if rows else []
    cells = {f"c{i}": [_cell_text(v) for v in col] for i, col in enumerate(cols)}
    numeric = {
        f"c{i}": [isinstance(v, float | int) and not isinstance(v, bool) for v in col]
        for i, col in enumerate(cols)
    }
    n = len(rows)
    cells_df = pl.DataFrame(cells, schema={k: pl.String for k in cells}) if cells else pl.DataFrame()
    cells_df = cells_df.with_columns(pl.Series(ROW, range(1, n + 1), dtype=pl.Int64))
    return cells_df, pl.DataFrame(numeric, schema={k: pl.Boolean for k in numeric})


def _fill_merged(rows: list[list[object]], merged: list) -> None:
    """A merged cell's value belongs to every cell it covers."""
    for (r0, c0), (r1, c1) in merged or []:
        if r0 >= len(rows):
            continue
        v = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, c1 + 1):
                if c < len(rows[r]) and rows[r][c] == "":
                    rows[r][c] = v


UNREADABLE_EXCEL = ("无法读取这个 Excel 文件：文件可能已损坏，或扩展名与内容不符（例如把 .csv 改名成了 .xlsx）。"
                    "请用 Excel 或 WPS 打开它，另存为 .xlsx 后再导入。")


def active_sheet(path: Path) -> int | None:
    """The index of the sheet Excel shows on opening (.xlsx/.xlsm: workbook.xml's activeTab, 0 when
    absent); None for formats where it is not read (the first visible sheet is taken)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("xl/workbook.xml").decode("utf-8", errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    m = re.search(r"<(?:\w+:)?workbookView\b[^>]*\bactiveTab=\"(\d+)\"", xml)
    return int(m.group(1)) if m else 0


def excel_sheets(path: Path, label: str, wanted: str | None = None) -> list[Sheet]:
    """The worksheets to look at, as text grids: the one `wanted` names (even hidden), else every
    visible worksheet, the active one first (docs/ledgers.md, "Sheets")."""
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
        meta = list(wb.sheets_metadata)
    except pc.PasswordError as e:
        raise TrackerError(f"{label}：文件设了打开密码，无法读取。请在 Excel 或 WPS 中取消密码、另存后再导入。") from e
    except Exception as e:  # calamine raises several types for broken files
        raise TrackerError(f"{label}：{UNREADABLE_EXCEL}") from e
    worksheets = [(i, m.name, m.visible == pc.SheetVisibleEnum.Visible) for i, m in enumerate(meta)
                  if m.typ == pc.SheetTypeEnum.WorkSheet]
    active = active_sheet(path)
    if wanted not in (None, "all"):
        chosen = [w for w in worksheets if w[1] == wanted] or [w for w in worksheets if w[1].strip() == wanted.strip()]
        if not chosen:
            names = "、".join(w[1] for w in worksheets)
            raise TrackerError(f"{label}：没有名为“{wanted}”的工作表（现有：{names}）。")
    else:
        chosen = [w for w in worksheets if w[2]] or worksheets
        if wanted is None and active is not None:  # the active sheet first: what the user sees on opening
            chosen.sort(key=lambda w: w[0] != active)
    out = []
    for _, name, _ in chosen:
        try:
            sh = wb.get_sheet_by_name(name)
            check_cells(sh.total_height, sh.total_width, label, name)
            rows = [list(r) for r in sh.to_python(skip_empty_area=False)]
            try:
                merged = sh.merged_cell_ranges
            except Exception:
                merged = None
        except TrackerError:
            raise
        except Exception as e:
            raise TrackerError(f"{label}：无法读取工作表“{name}”。{UNREADABLE_EXCEL}") from e
        _fill_merged(rows, merged)
        cells, numeric = _grid_frames(rows)
        out.append(Sheet(name, cells, numeric))
    return out


BOM = b"\xef\xbb\xbf"
HEAD_BYTES = 1 << 16


def decode(data: bytes, label: str) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK), else a clear error."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    # UTF-16 without its BOM ("Unicode 文本" cut by a program): told by its line breaks
    for enc, newline in (("utf-16-le", b"\n\x00"), ("utf-16-be", b"\x00\n")):
        if newline in data[:HEAD_BYTES] and len(data) % 2 == 0:
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                continue
    raise TrackerError(
        f"{label}：无法识别文件编码。请用 Excel 另存为“CSV UTF-8”或“CSV（逗号分隔）”后再导入。"
    )


def _width(head: bytes, sep: str = ",") -> int:
    """The most fields in the first lines (title lines have fewer than the header)."""
    text = head.decode("utf-8", errors="ignore")
    lines = text.splitlines()[:64]
    return max((len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)), default=0)


def _polars_csv(source: Path | bytes, width: int, sep: str = ",") -> pl.DataFrame:
    return pl.read_csv(
        source,
        has_header=False,
        schema={f"c{i}": pl.String for i in range(width)},
        truncate_ragged_lines=True,
        missing_columns="insert",
        quote_char='"',
        encoding="utf8",
        separator=sep,
        glob=False,  # 活动登记簿[1].csv is that file, not a pattern
    )


def read_csv(path: Path, label: str) -> list[Sheet]:
    """UTF-8 goes to polars straight from the file (a leading BOM is skipped); anything else is
    read, decoded once and re-encoded. Reading a city's 75 MB into Python first cost 40 ms.
    UTF-16 ("Unicode 文本") is decoded; a file of tab-separated columns is read by its tabs."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    check_csv(path, label, head)
    if kind_of(head) == "utf16":
        try:
            text = decode_utf16(path.read_bytes())
        except UnicodeDecodeError as e:
            raise TrackerError(f"{label}：无法识别文件编码（像是 UTF-16，却无法按它读出）。"
                               "请用 Excel 另存为“CSV UTF-8”或“CSV（逗号分隔）”后再导入。") from e
        return _text_sheet(text.lstrip("\ufeff").encode("utf-8"), label)
    if head.startswith(BOM):
        head = head[len(BOM):]
    if not head or (len(head) < HEAD_BYTES - len(BOM) and head.isspace()):
        raise TrackerError(f"{label}：文件是空的。")
    sep = separator(head.decode("utf-8", errors="ignore"))
    try:
        cells = _polars_csv(path, _width(head, sep), sep)
    except pl.exceptions.ComputeError as e:
        if "utf-8" not in str(e).lower() and "utf8" not in str(e).lower():
            raise TrackerError(_bad_csv(label)) from e
        return _text_sheet(decode(path.read_bytes(), label).encode("utf-8"), label)
    except pl.exceptions.PolarsError as e:
        raise TrackerError(_bad_csv(label)) from e
    return _numbered(cells)


def _numbered(cells: pl.DataFrame) -> list[Sheet]:
    """A text file's one sheet, its lines numbered as a spreadsheet shows them (ROW)."""
    return [Sheet(None, cells.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)), None)]


def _bad_csv(label: str) -> str:
    return (f"{label}：CSV 文件格式有误，无法读取（可能不是文本格式的 CSV，或某处引号不成对）。"
            "请用 Excel 或 WPS 打开，另存为“CSV UTF-8（逗号分隔）”后再导入。")


def _text_sheet(data: bytes, label: str) -> list[Sheet]:
    """A decoded text table (UTF-8 bytes), by its commas or tabs."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    if not data.strip():
        raise TrackerError(f"{label}：文件是空的。")
    sep = separator(data[:HEAD_BYTES].decode("utf-8", errors="ignore"))
    try:
        cells = _polars_csv(data, _width(data[:HEAD_BYTES], sep), sep)
    except pl.exceptions.PolarsError as e:
        raise TrackerError(_bad_csv(label)) from e
    return _numbered(cells)


def read_html(path: Path, label: str) -> list[Sheet]:
    """A web page saved as .xls (as platforms export): the rows of its tables."""
    data = path.read_bytes()
    m = re.search(rb"charset\s*=\s*[\"']?([\w-]+)", data[:4096], re.I)
    try:
        text = data.decode(m.group(1).decode() if m else "utf-8")
    except (LookupError, UnicodeDecodeError):
        text = decode(data, label)
    rows = html_rows(text)
    if not rows:
        raise TrackerError(f"{label}：这个文件其实是一个网页（HTML），里面没有表格。"
                           "请在平台上重新导出 Excel，或用 Excel 打开后另存为 .xlsx 再导入。")
    cells, _ = _grid_frames([list(r) for r in rows])
    return [Sheet(None, cells, None)]


def unreadable_reason(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "没有读取权限，或文件正被其他程序独占打开"
    if isinstance(e, IsADirectoryError):
        return "这是一个文件夹"
    return "读取时出错，文件可能在移动存储或网络位置上已断开"


def read_file(path: Path, sheet: str | None = None) -> list[Sheet]:
    """The candidate sheets of a file, as text grids (`excel_sheets` says which); a CSV is one."""
    label = path.name
    if not path.exists():
        raise TrackerError(f"找不到文件 {path}。")
    if path.is_dir():
        raise TrackerError(f"{path} 是文件夹，请给出文件。")
    suffix = path.suffix.lower()
    try:
        if path.stat().st_size == 0:
            raise TrackerError(f"{label}：文件是空的。")
        if suffix in EXCEL_SUFFIXES | CSV_SUFFIXES:
            with path.open("rb") as f:
                what = kind_of(f.read(HEAD_BYTES))
            if what == "html":  # a platform's web page named .xls
                return read_html(path, label)
            if what == "zip":
                check_zip(path, label)
            if what in ("zip", "ole"):  # Excel, whatever the name says
                return excel_sheets(path, label, sheet)
            return read_csv(path, label)  # text: CSV, or tab-separated, named .csv, .txt or .xls
    except OSError as e:
        raise TrackerError(f"{label}：无法读取这个文件（{unreadable_reason(e)}）。") from e
    raise TrackerError(f"{label}：不支持的文件类型“{suffix or '无扩展名'}”，请使用 .xlsx、.xls 或 .csv。")

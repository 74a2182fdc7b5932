"""How big a file tracker reads, checked before it is read (docs/ledgers.md, "Limits").

A spreadsheet or Word file is a zip archive: its parts' sizes are declared in the archive, so a
file that would expand to gigabytes (a "zip bomb", or a sheet formatted down to row 1,048,576)
is refused from its directory, before anything is decompressed. A CSV's size is its size on
disk. The limits sit well above any unit's ledger and a city's year (183 MB of CSV).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from tracker.problems import TrackerError

MB = 1 << 20
MAX_CSV_BYTES = 256 * MB  # a city's year, one row a participant, is 183 MB (benchmarks/make_city.py)
MAX_EXPANDED = 512 * MB  # all parts of an .xlsx or .docx, decompressed
MAX_RATIO = 100  # a part over 16 MB that expands more than this is not a spreadsheet
MAX_CELLS = 3_000_000  # the cells of one sheet's used range (about 230,000 rows of 13 columns)
MAX_FIRST_LINE = 1 << 16  # a CSV whose first 64 KB hold no line break is not a table


def _size(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= MB else f"{n / 1024:,.0f} KB"


def check_zip(path: Path, label: str) -> None:
    """Refuse an archive whose parts would expand past `MAX_EXPANDED`, or one part far past its
    compressed size; a file that is not a zip archive is left to its reader to name."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    total = sum(p.file_size for p in parts)
    worst = max(parts, key=lambda p: p.file_size / max(p.compress_size, 1), default=None)
    ratio_bomb = worst is not None and worst.file_size > 16 * MB and worst.file_size > MAX_RATIO * max(
        worst.compress_size, 1)
    if total > MAX_EXPANDED or ratio_bomb:
        raise TrackerError(
            f"{label}：文件只有 {_size(path.stat().st_size)}，解压后却有 {_size(total)}"
            f"（上限 {_size(MAX_EXPANDED)}），不像是正常的表格或文档，未读取。"
            "如果确实是台账，请删除表格以外的空行空列（或把数据另存为 CSV）后再导入。")


def check_csv(path: Path, label: str, head: bytes) -> None:
    """Refuse a CSV over `MAX_CSV_BYTES`, or one whose first line does not end within 64 KB."""
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise TrackerError(
            f"{label}：文件有 {_size(size)}，超过一次导入的上限 {_size(MAX_CSV_BYTES)}。"
            "请按单位或月份拆分成几个文件，分别导入。")
    if len(head) >= MAX_FIRST_LINE and not re.search(rb"[\r\n]", head[:MAX_FIRST_LINE]):
        raise TrackerError(
            f"{label}：文件开头 64 KB 内没有换行，不像是表格（CSV）文件，未读取。"
            "请用 Excel 或 WPS 打开，另存为“CSV UTF-8（逗号分隔）”后再导入。")


def check_cells(height: int, width: int, label: str, sheet: str) -> None:
    """Refuse a sheet whose used range holds more than `MAX_CELLS` cells."""
    if height * width > MAX_CELLS:
        raise TrackerError(
            f"{label}：工作表“{sheet}”的范围有 {height:,} 行 × {width:,} 列，超过一次读取的上限"
            f"（{MAX_CELLS:,} 个单元格）。表格以外可能有格式或空格一直延伸到表尾：请删除这些空行空列；"
            "数据确实这么多时，请另存为 CSV 或按月份拆分后再导入。")

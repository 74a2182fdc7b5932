"""What a file really is, whatever its name says (docs/ledgers.md, "What files are accepted").

Volunteer platforms export web pages named .xls, and "Unicode text" (UTF-16, tab-separated)
named .txt or .csv; a program may write an .xlsx whose formulas were never calculated, so
their cells hold no value. Each is told from the file's first bytes or its parts, so it can
be read, or refused with what it is and what to do.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


def kind_of(head: bytes) -> str:
    """"zip", "ole", "html", "utf16" or "text", from a file's first bytes."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head):
        return "utf16"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head", b"<body")) or (
            text.startswith(b"<") and b"<table" in head.lower()):
        return "html"
    return "text"


def _utf16_without_bom(head: bytes) -> bool:
    """Text in UTF-16 without its BOM: every other byte of the first ones is NUL."""
    sample = head[:512]
    if len(sample) < 8:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > 0.8 * len(odd) or even.count(0) > 0.8 * len(even)


def decode_utf16(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", errors="replace")


def separator(text: str) -> str:
    """A tab when the first lines hold more tabs than commas (Excel's "Unicode text"), else a comma."""
    head = "\n".join(text.splitlines()[:20])
    return "\t" if head.count("\t") > head.count(",") else ","


class _Tables(HTMLParser):
    """The rows of a page's tables, a cell's text spread over its colspan and rowspan."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._down: dict[int, tuple[str, int]] = {}  # column → (text, rows still to fill)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._close_row()
            self._row = []
            self._fill_down()
        elif tag in ("td", "th") and self._row is not None:
            self._close_cell()
            a = dict(attrs)
            self._span = (_int(a.get("colspan")), _int(a.get("rowspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell()
        elif tag in ("tr", "table"):
            self._close_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _fill_down(self) -> None:
        assert self._row is not None
        while len(self._row) in self._down:
            col = len(self._row)
            text, left = self._down[col]
            self._row.append(text)
            if left <= 1:
                del self._down[col]
            else:
                self._down[col] = (text, left - 1)

    def _close_cell(self) -> None:
        if self._cell is None or self._row is None:
            return
        text = re.sub(r"[ \t\r\n\xa0]+", " ", "".join(self._cell)).strip()
        cols, rows = self._span
        for _ in range(min(cols, 100)):
            if rows > 1:
                self._down[len(self._row)] = (text, min(rows, 10_000) - 1)
            self._row.append(text)
            self._fill_down()
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self._fill_down()
            if any(self._row):
                self.rows.append(self._row)
        self._row = None


def _int(v: str | None) -> int:
    try:
        return max(1, int(v or 1))
    except ValueError:
        return 1


def html_rows(text: str) -> list[list[str]]:
    """Every table row of a web page, as cell texts."""
    p = _Tables()
    p.feed(text)
    p.close()
    p._close_row()
    return p.rows


def uncached_formulas(path: Path, limit: int = 64 << 20) -> int:
    """How many formula cells of an .xlsx hold no calculated value (written by a program, never
    opened and saved in Excel): calamine reads them as blank. 0 when there are none, or when the
    sheets are too large to look through (`limit` bytes each)."""
    try:
        with zipfile.ZipFile(path) as z:
            n = 0
            for part in z.infolist():
                if not part.filename.startswith("xl/worksheets/") or part.file_size > limit:
                    continue
                xml = z.read(part)
                if b"<f" not in xml:
                    continue
                for cell in re.finditer(rb"<c\b[^>]*?(?<!/)>(.*?)</c>", xml, re.S):
                    body = cell.group(1)
                    if re.search(rb"<f[ >/]", body) and not re.search(rb"<v>[^<]", body):
                        n += 1
            return n
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return 0

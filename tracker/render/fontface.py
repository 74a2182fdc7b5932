"""The font a page needs, embedded in the page (docs/reports.md, "Fonts in the page").

A report opened on a machine without Chinese fonts would show every character
as a box. `embed` adds to the page an @font-face holding a subset of the
bundled Noto Sans CJK SC (`tracker.render.fonts`) with just the characters
the page uses, as a WOFF data URI, so the page looks and prints the same
everywhere. The SVG charts draw their text as outlines and need no font.

Subsetting the 16 MB font costs about half a second a page. A run writing
many pages (a district's reports) makes, once, a reduced copy holding the
GB 2312 characters, ASCII and every character seen so far, and subsets each
later page from it (about a fifth of a second); a page using a character
outside it is subset from the full font. Subsets are also remembered by
character set, and a run of similar pages (a unit's certificates) may pass
the union of their characters so that one subset serves them all. WOFF
(zlib) rather than WOFF2: Brotli would save a few per
cent of the bytes and triple the time.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

from fontTools import subset
from fontTools.ttLib import TTFont

from tracker.render import fonts

FAMILY = "tracker-cjk"
DIRECT_PAGES = 12  # pages subset from the full font before the reduced copy pays for itself
REMEMBERED = 64
# tables a page's text does not need: layout (no shaping features), vertical metrics, signatures
DROP_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "vhea", "vmtx", "VORG", "DSIG"]
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_DATA_URI = re.compile(r"data:[^\"')\s]+")


def page_characters(page: str) -> frozenset[str]:
    """The characters a page shows (charts, which are outlines, and data URIs left out)."""
    text = _DATA_URI.sub("", _SVG.sub("", page))
    return frozenset(ch for ch in text if ch.isprintable() and not ch.isspace()) | {" "}


@functools.cache
def _gb2312() -> frozenset[str]:
    """Every character of GB 2312 (symbols and both levels of hanzi) and printable ASCII."""
    out = {chr(i) for i in range(0x20, 0x7F)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(out)


def _subset(source: bytes, chars: Iterable[str], flavor: str | None) -> bytes:
    font = TTFont(io.BytesIO(source), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    opts = subset.Options()
    opts.layout_features = []
    opts.hinting = True  # removing hints costs more time than the bytes it saves
    opts.glyph_names = False
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and licence (SIL OFL)
    opts.drop_tables = [*opts.drop_tables, *DROP_TABLES]
    opts.flavor = flavor
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted({ord(c) for c in chars}))
    sub.subset(font)
    buf = io.BytesIO()
    font.flavor = flavor
    font.save(buf)
    return buf.getvalue()


class _Subsets:
    """The font, its reduced copy once a run has written enough pages, and recent subsets."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages = 0
        self.seen: set[str] = set()
        self.reduced: tuple[bytes, frozenset[str]] | None = None
        self.done: OrderedDict[frozenset[str], bytes] = OrderedDict()

    @functools.cached_property
    def full(self) -> bytes:
        return fonts.font_path().read_bytes()

    def woff(self, chars: frozenset[str]) -> bytes:
        with self.lock:
            if chars in self.done:
                self.done.move_to_end(chars)
                return self.done[chars]
            self.pages += 1
            self.seen |= chars
            if self.reduced is None and self.pages > DIRECT_PAGES:
                have = _gb2312() | self.seen
                self.reduced = (_subset(self.full, have, None), frozenset(have))
            source = self.reduced[0] if self.reduced and chars <= self.reduced[1] else self.full
            data = _subset(source, chars, "woff")
            self.done[chars] = data
            if len(self.done) > REMEMBERED:
                self.done.popitem(last=False)
            return data


_SUBSETS = _Subsets()


def font_face(chars: frozenset[str]) -> str:
    """The @font-face rule of FAMILY holding these characters (a WOFF data URI)."""
    data = base64.b64encode(_SUBSETS.woff(chars)).decode("ascii")
    return (f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; font-display: block; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')


def embed(page: str, chars: frozenset[str] | None = None) -> str:
    """The page with the @font-face of its own characters in its head (pages list FAMILY first).

    `chars`: a set covering several pages of one run (a superset of this page's), so that one
    subset serves them all."""
    own = page_characters(page)
    style = f"<style>{font_face(chars | own if chars is not None else own)}</style>\n"
    at = page.find("</head>")
    return page[:at] + style + page[at:] if at >= 0 else style + page

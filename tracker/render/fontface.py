"""The font a page needs, embedded in the page (docs/reports.md, "Fonts in the page").

A report opened on a machine without Chinese fonts would show every character
as a box. `embed` adds to the page an @font-face holding a subset of the
bundled Noto Sans CJK SC (`tracker.render.fonts`) with just the characters the
page uses — its text and its charts' text (`tracker.render.drawing` writes
chart text as text in this family) — as an OpenType data URI, so the page
looks and prints the same everywhere.

The subset is cut by HarfBuzz (uharfbuzz: a few milliseconds for a page, where
fontTools' subsetter took half a second — too slow for a city's thousand
pages) and embedded as the OpenType it returns: wrapping it as WOFF saved a
tenth of the bytes (CFF outlines are compact already) for a tenth of a second
of a lone report. Subsets are remembered by character set, and a run of
similar pages (a unit's certificates) may pass the union of their characters
so that one subset serves them all.
"""

from __future__ import annotations

import base64
import functools
import html
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

from tracker.render import fonts

FAMILY = "tracker-cjk"
REMEMBERED = 64
# tables a page's text does not need: layout (no shaping features), vertical metrics, signatures
DROP_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "vhea", "vmtx", "VORG", "DSIG"]
_TAGS = re.compile(r"<[^>]*>")
_DATA_URI = re.compile(r"data:[^\"')\s]+")


def page_characters(page: str) -> frozenset[str]:
    """The characters a page shows: its text and its charts' text (markup and data URIs left out)."""
    text = html.unescape(_TAGS.sub(" ", _DATA_URI.sub("", page)))  # every entity an override may use
    return frozenset(ch for ch in text if ch.isprintable() and not ch.isspace()) | {" "}


@functools.cache
def _face():
    import uharfbuzz as hb

    return hb.Face(hb.Blob.from_file_path(str(fonts.font_path())))


def _subset(chars: Iterable[str]) -> bytes:
    """An OpenType (CFF) font holding `chars`, with the bundled font's names and licence."""
    import uharfbuzz as hb

    inp = hb.SubsetInput()
    inp.unicode_set.update(ord(c) for c in chars)
    drop = inp.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in DROP_TABLES:
        drop.add(int.from_bytes(tag.encode("ascii"), "big"))
    inp.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG).clear()  # no shaping: CJK text needs none
    # the copyright and licence (SIL OFL) stay with the font, as the licence asks
    names = inp.sets(hb.SubsetInputSets.NAME_ID)
    for name_id in (0, 1, 2, 3, 4, 5, 6, 13, 14):
        names.add(name_id)
    return bytes(hb.subset(_face(), inp).blob.data)


class _Subsets:
    """Recent subsets by character set (a run's pages often share theirs)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done: OrderedDict[frozenset[str], bytes] = OrderedDict()

    def font(self, chars: frozenset[str]) -> bytes:
        with self.lock:
            if chars in self.done:
                self.done.move_to_end(chars)
                return self.done[chars]
            data = _subset(chars)
            self.done[chars] = data
            if len(self.done) > REMEMBERED:
                self.done.popitem(last=False)
            return data


_SUBSETS = _Subsets()


def font_face(chars: frozenset[str]) -> str:
    """The @font-face rule of FAMILY holding these characters (an OpenType data URI)."""
    data = base64.b64encode(_SUBSETS.font(chars)).decode("ascii")
    return (f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; font-display: block; '
            f'src: url(data:font/otf;base64,{data}) format("opentype"); }}')


def embed(page: str, chars: frozenset[str] | None = None) -> str:
    """The page with the @font-face of its own characters in its head (pages list FAMILY first).

    `chars`: a set covering several pages of one run (a superset of this page's), so that one
    subset serves them all."""
    style = f"<style>{font_face(chars if chars is not None else page_characters(page))}</style>\n"
    at = page.find("</head>")
    return page[:at] + style + page[at:] if at >= 0 else style + page

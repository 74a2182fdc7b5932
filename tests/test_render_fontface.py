"""Each page carries the font of its own characters (docs/reports.md, "Fonts in the page")."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import pytest
from fontTools.ttLib import TTFont
from report_demo import demo_db

from tracker import api
from tracker.render import fontface

FACE = re.compile(r'@font-face \{ font-family: "tracker-cjk";.*?url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\) format\("opentype"\)')


def embedded(page: str) -> TTFont:
    (data,) = FACE.findall(page)
    return TTFont(io.BytesIO(base64.b64decode(data)))


@pytest.fixture(scope="session")
def pages(tmp_path_factory):
    db = demo_db(tmp_path_factory).db
    out = tmp_path_factory.mktemp("fonts")
    res = api.report(db, "quarterly", year=2025, quarter=4, out_dir=out, today=dt.date(2026, 1, 20),
                     formats=("html",))
    return [p.read_text(encoding="utf-8") for p in res.paths]


def test_the_page_embeds_every_character_it_shows_and_little_else(pages):
    page = pages[0]
    font = embedded(page)
    assert font.sfntVersion == "OTTO" and "CFF " in font  # OpenType with CFF outlines, as browsers take it
    cmap = font.getBestCmap()
    shown = {ch for ch in fontface.page_characters(page) if not ch.isspace()}
    cjk = {ch for ch in shown if "\u4e00" <= ch <= "\u9fff"}
    assert len(cjk) > 200 and all(ord(ch) in cmap for ch in cjk)
    assert all(ord(ch) in cmap for ch in "0123456789（）：；，。")
    assert len(cmap) < len(shown) + 40  # a subset: the page's characters, not the 30,000 of the font
    assert "tracker-cjk" in page.split("font-family:", 2)[2][:40]  # the page's text asks for it first
    assert "Copyright" in font["name"].getDebugName(0) or font["name"].getDebugName(13)  # the licence stays


def test_a_page_stays_light(pages):
    page = pages[0]
    (data,) = FACE.findall(page)
    font_bytes = len(data.encode())
    assert 30_000 < font_bytes < 150_000, font_bytes  # tens of kilobytes for a briefing's few hundred characters
    assert len(page.encode()) < 400_000  # font, four charts and the tables of a briefing


def test_characters_outside_gb2312_and_user_text_are_covered():
    page = ("<html><head></head><body><p>王喆、李燊、赵䶮 <b>&lt;b&gt;</b></p><svg><text>图表文字</text></svg>"
            '<img src="data:image/png;base64,5Zu+54mH"></body></html>')
    out = fontface.embed(page)
    cmap = embedded(out).getBestCmap()
    assert all(ord(ch) in cmap for ch in "王喆李燊赵䶮<>")
    assert all(ord(ch) in cmap for ch in "图表文字")  # a chart's text is text in the page's font
    assert ord("Z") not in cmap  # a data URI's letters are not shown
    assert out.index("@font-face") < out.index("</head>")


def test_the_same_characters_are_subset_once(monkeypatch):
    """A run's pages sharing their characters share one subset (a unit's certificates)."""
    subsets = fontface._Subsets()
    monkeypatch.setattr(fontface, "_SUBSETS", subsets)
    calls = []
    real = fontface._subset
    monkeypatch.setattr(fontface, "_subset", lambda chars: calls.append(chars) or real(chars))
    words = "党员志愿服务队季度例会通报本季度活动一览服务时长合计检验业务宣传句容"
    for extra in "甲乙甲乙丙":
        fontface.font_face(frozenset(words + extra))
    assert len(calls) == 3


def test_characters_written_as_entities_in_an_override_are_in_the_font():
    """An office's own template may write —, “”, … and · as named entities: they are shown, so
    they are embedded."""
    page = '<p>示例&mdash;单位&ldquo;党委&rdquo;&hellip;&middot;&amp;&#x4E00;</p><img src="data:image/png;base64,QUJD">'
    chars = fontface.page_characters(page)
    assert {"—", "“", "”", "…", "·", "&", "一", "示"} <= chars
    assert not {"Q", "U", "J", "D"} & chars  # a data URI is not text

"""Charts print Chinese with the bundled Noto Sans CJK SC, not DejaVu boxes."""

from pathlib import Path

from matplotlib import font_manager

from tracker.render import fonts


def test_default_sans_resolves_to_the_bundled_cjk_font():
    family = fonts.setup()
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert Path(found) == fonts.font_path()
    assert family == "Noto Sans CJK SC"
    assert "DejaVu" not in found


def test_chart_text_uses_the_cjk_font():
    fonts.setup()
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    title = ax.set_title("各服务队每月活动次数")
    found = font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)
    assert Path(found) == fonts.font_path()
    # every character of the title has a glyph in that font
    from matplotlib.ft2font import FT2Font

    font = FT2Font(found)
    assert all(font.get_char_index(ord(ch)) for ch in "各服务队每月活动次数")


def test_setup_registers_the_font_once():
    def entries():
        return sum(f.fname == str(fonts.font_path()) for f in font_manager.fontManager.ttflist)

    fonts.setup()
    before = entries()
    assert fonts.setup() == "Noto Sans CJK SC"
    assert entries() == before > 0

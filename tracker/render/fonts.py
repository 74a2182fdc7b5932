"""Chinese text in charts: the Noto Sans CJK SC font shipped with `mplfonts`.

matplotlib's default DejaVu Sans has no CJK glyphs, so Chinese labels would
print as boxes. The font is registered from the installed package (never
downloaded), once, on first use, and made the default sans-serif family.
"""

from __future__ import annotations

import functools
from pathlib import Path

FAMILY = "Noto Sans CJK SC"
FONT_FILE = "NotoSansCJKsc-Regular.otf"


def font_path() -> Path:
    """Where the CJK font of the installed `mplfonts` package lies."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"找不到中文字体文件：{path}（请重新安装 mplfonts）")
    return path


@functools.cache
def setup() -> str:
    """Register the font and make it the default; returns its family name.

    matplotlib is imported here, not with this module: a page's font
    (`tracker.render.fontface`) needs only the file."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; charts are written to strings
    from matplotlib import font_manager, rcParams

    path = font_path()
    manager = font_manager.fontManager
    manager.addfont(str(path))
    # a system copy of the same family (Debian's fonts-noto-cjk .ttc) ties on every score and
    # findfont keeps the first: put the bundled file first so every machine draws the same glyphs
    manager.ttflist.sort(key=lambda f: Path(f.fname) != path)
    family = font_manager.FontProperties(fname=str(path)).get_name()
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [family, *[f for f in rcParams["font.sans-serif"] if f != family]]
    rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212; use '-'
    return family

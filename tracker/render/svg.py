"""Chart data (`tracker.render.charts`) written straight as inline SVG: rectangles, lines and text.

A city's year-end draws four charts for each of a thousand units. matplotlib
spent about 30 ms on each (75,000 Python calls laying out artists, a flat
profile with nothing left to cut), more than half of the whole run
(docs/performance.md, "Charts"). A report's charts are bars, a target line,
value labels, axes and a legend, all placed here from the chart data in well
under a millisecond; matplotlib still draws the PNGs Word documents take
(`tracker.render.drawing.png_bytes`), in the same sizes, colours and hatches.

The SVG is text in the family the page embeds (`tracker.render.fontface`), so
Chinese shows where no Chinese font is installed; every label is escaped; ids
(the hatch patterns) are prefixed per chart so several charts share a page;
there is no prolog, comment, metadata or URL. Colours differ in lightness and
carry hatches, and bars carry their values, so a chart still reads printed in
grey on A4.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from tracker.formats import wide_chars
from tracker.render.charts import BarChart, Histogram
from tracker.render.fontface import FAMILY

# the same look as the PNG charts (tracker.render.drawing)
PALETTE = ("#1f4e79", "#e08a2c", "#9cc3e6", "#3a7d44", "#f2d7a6", "#7f7f7f", "#8c3b2a", "#c5e0b4")
HATCHES = ("", "//", "..", "\\\\", "xx", "--", "++", "oo")
TARGET_COLOR = "#c00000"
EDGE = "#333333"
SHORT = (PALETTE[2], "//")  # a bar short of its target: light and hatched
MET = (PALETTE[0], "")

PT = 72  # the viewBox is in points: 1 inch = 72
WIDTH_IN, HEIGHT_IN = 7.0, 3.2  # A4 width less 15 mm margins is 180 mm ≈ 7.1 in
TICK_PT, NUMBER_PT, TITLE_PT, LABEL_PT, LEGEND_PT, VALUE_PT = 8, 8.5, 11, 9.5, 8, 8

_HATCH_PATHS = {
    "//": '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2"/>',
    "\\\\": '<path d="M-1,5 l2,2 M0,0 l6,6 M5,-1 l2,2"/>',
    "xx": '<path d="M0,6 l6,-6 M0,0 l6,6"/>',
    "--": '<path d="M0,3 h6"/>',
    "++": '<path d="M0,3 h6 M3,0 v6"/>',
    "..": '<circle cx="1.5" cy="1.5" r="0.7" fill="#333333"/><circle cx="4.5" cy="4.5" r="0.7" fill="#333333"/>',
    "oo": '<circle cx="3" cy="3" r="1.6" fill="none"/>',
}


def text_width(text: str, points: float) -> float:
    """Roughly how wide `text` is, in points: a CJK character is one em, others about half."""
    wide = wide_chars(text)
    return (wide + 0.55 * (len(text) - wide)) * points


def value_text(v: float) -> str:
    """A bar's value as labelled: 12, or 3.5."""
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def bar_shape(data: BarChart) -> tuple[float, bool]:
    """A bar chart's height in inches (horizontal bars: by their number) and whether its category
    labels are turned (many, or long, under vertical bars) — the same for the SVG and the PNG."""
    n_cat = len(data.categories)
    if data.horizontal:
        return min(9.5, 1.1 + 0.32 * max(n_cat, 3)), False
    return HEIGHT_IN, n_cat > 8 or sum(len(c) for c in data.categories) > 60


def _f(x: float) -> str:
    """A coordinate, short: 12.5 not 12.500000."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, integer: bool, most: int = 6) -> list[float]:
    """Ticks from 0 to at most `top` on steps of 1, 2, 2.5 or 5 × 10ⁿ (whole steps for counts)."""
    if top <= 0:
        return [0.0]
    raw = top / most
    mag = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(m * mag for m in steps if m * mag >= raw * 0.999)
    if integer:
        step = max(1.0, float(round(step)))
    return [i * step for i in range(int(top / step + 1e-9) + 1)]


class _Svg:
    """The elements of one chart, and the hatch patterns it uses."""

    def __init__(self, width: float, height: float, key: str):
        self.w, self.h = width, height
        self.prefix = "c" + hashlib.sha1(key.encode()).hexdigest()[:8] + "-"
        self.parts: list[str] = []
        self.patterns: dict[tuple[str, str], str] = {}

    def fill(self, color: str, hatch: str) -> str:
        if not hatch:
            return color
        if (color, hatch) not in self.patterns:
            self.patterns[(color, hatch)] = f"{self.prefix}h{len(self.patterns)}"
        return f"url(#{self.patterns[(color, hatch)]})"

    def rect(self, x: float, y: float, w: float, h: float, color: str, hatch: str = "") -> None:
        self.parts.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" '
                          f'fill="{self.fill(color, hatch)}" stroke="{EDGE}" stroke-width="0.5"/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, color: str = "#000000", width: float = 0.8,
             dash: str = "") -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" '
                          f'stroke="{color}" stroke-width="{width}"{d}/>')

    def text(self, x: float, y: float, s: str, size: float, anchor: str = "middle", *, middle: bool = False,
             rotate: float = 0, bold: bool = False, chip: bool = False) -> None:
        """`s` at (x, y): its baseline there, or its middle with `middle`; `chip`: on a white chip."""
        if chip:
            w = text_width(s, size) + 2
            self.parts.append(f'<rect x="{_f(x - w / 2)}" y="{_f(y - size * 0.6)}" width="{_f(w)}" '
                              f'height="{_f(size * 1.2)}" rx="1.5" fill="#ffffff" fill-opacity="0.85"/>')
        dy = f' dy="{_f(size * 0.35)}"' if middle else ""
        turn = f' transform="rotate({_f(rotate)} {_f(x)} {_f(y)})"' if rotate else ""
        weight = ' font-weight="bold"' if bold else ""
        self.parts.append(f'<text x="{_f(x)}" y="{_f(y)}"{dy} font-size="{_f(size)}" text-anchor="{anchor}"'
                          f'{weight}{turn}>{escape(s)}</text>')

    def markup(self, title: str) -> Markup:
        defs = "".join(
            f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="6" height="6">'
            f'<rect width="6" height="6" fill="{color}"/>'
            f'<g stroke="{EDGE}" stroke-width="0.6">{_HATCH_PATHS.get(hatch, "")}</g></pattern>'
            for (color, hatch), pid in self.patterns.items())
        return Markup(
            f'<svg role="img" aria-label="{escape(title)}" class="chart" viewBox="0 0 {_f(self.w)} {_f(self.h)}" '
            f'version="1.1" style="font-family: \'{FAMILY}\', \'Noto Sans CJK SC\', sans-serif">'
            + (f"<defs>{defs}</defs>" if defs else "")
            + f'<rect width="{_f(self.w)}" height="{_f(self.h)}" fill="#ffffff"/>'
            + "".join(self.parts) + "</svg>")


class _Plot:
    """The plot area in points, with the value axis's scale."""

    def __init__(self, left: float, top: float, right: float, bottom: float, vmax: float):
        self.left, self.top, self.right, self.bottom, self.vmax = left, top, right, bottom, vmax or 1

    def vx(self, v: float) -> float:  # horizontal bars: value → x
        return self.left + (self.right - self.left) * v / self.vmax

    def vy(self, v: float) -> float:  # vertical bars: value → y
        return self.bottom - (self.bottom - self.top) * v / self.vmax


def _legend(s: _Svg, entries: list[tuple[str, str, str | None]], y_top: float) -> None:
    """Entries (label, colour, hatch; hatch None for the target's dashed line) centred in rows of six."""
    for row_start in range(0, len(entries), 6):
        row = entries[row_start:row_start + 6]
        widths = [18 + text_width(label, LEGEND_PT) + 10 for label, _, _ in row]
        x = (s.w - sum(widths)) / 2
        y = y_top + 8 + 14 * (row_start // 6)
        for (label, color, hatch), w in zip(row, widths, strict=True):
            if hatch is None:
                s.line(x, y, x + 14, y, TARGET_COLOR, 1.2, "4.4,1.9")
            else:
                s.rect(x, y - 4, 14, 8, color, hatch)
            s.text(x + 18, y, label, LEGEND_PT, "start", middle=True)
            x += w


def _legend_rows(n: int) -> int:
    return math.ceil(n / 6) if n else 0


def _value_ticks(s: _Svg, p: _Plot, integer: bool, horizontal: bool) -> None:
    for t in nice_ticks(p.vmax, integer):
        if horizontal:
            x = p.vx(t)
            s.line(x, p.bottom, x, p.bottom + 3.5)
            s.text(x, p.bottom + 3.5 + NUMBER_PT, value_text(t), NUMBER_PT)
        else:
            y = p.vy(t)
            s.line(p.left - 3.5, y, p.left, y)
            s.text(p.left - 5, y, value_text(t), NUMBER_PT, "end", middle=True)


def _axes(s: _Svg, p: _Plot, title: str) -> None:
    s.line(p.left, p.top, p.left, p.bottom)
    s.line(p.left, p.bottom, p.right, p.bottom)
    s.text((p.left + p.right) / 2, p.top - 8, title, TITLE_PT)


def _integer(values: Sequence[float]) -> bool:
    return all(float(v).is_integer() for v in values)


# ---------------------------------------------------------------- bar charts


def _bar_styles(data: BarChart) -> list[list[tuple[str, str]]]:
    """Per series, per category: (colour, hatch)."""
    against_target = len(data.series) == 1 and data.target is not None
    out = []
    for i, values in enumerate(data.series.values()):
        if against_target:
            out.append([SHORT if v < data.target else MET for v in values])  # type: ignore[operator]
        else:
            out.append([(PALETTE[i % len(PALETTE)], HATCHES[i % len(HATCHES)])] * len(values))
    return out


def _bar_legend(data: BarChart) -> list[tuple[str, str, str | None]]:
    entries: list[tuple[str, str, str | None]] = []
    if len(data.series) == 1 and data.target is not None:
        name = next(iter(data.series))
        entries += [(f"{name}（未达目标）", *SHORT), (f"{name}（已达目标）", *MET)]
    elif len(data.series) > 1:
        entries += [(name, PALETTE[i % len(PALETTE)], HATCHES[i % len(HATCHES)])
                    for i, name in enumerate(data.series)]
    if data.target is not None:
        entries.append((data.target_label or f"目标 {value_text(data.target)}", TARGET_COLOR, None))
    return entries


def _bars(data: BarChart) -> Markup:
    n_cat, n_ser = len(data.categories), max(1, len(data.series))
    horizontal = data.horizontal
    height, rotate = bar_shape(data)
    s = _Svg(WIDTH_IN * PT, height * PT, repr(data))
    legend = _bar_legend(data)
    totals = data.totals() if data.stacked else []
    tops = [*totals, *(max(v, default=0) for v in data.series.values()), data.target or 0, 1]
    integer = _integer([v for vs in data.series.values() for v in vs])
    widest = max((text_width(c, TICK_PT) for c in data.categories), default=0.0)
    legend_h = 14 * _legend_rows(len(legend))
    if horizontal:
        left = 12 + widest + (18 if data.category_label else 0)
        bottom = s.h - (20 + NUMBER_PT + (16 if data.value_label else 0) + legend_h)
        p = _Plot(left, 30, s.w - 11, bottom, max(tops) * 1.12)
    else:
        ticks_h = (widest * 0.5 + 8) if rotate else 14
        top_number = value_text(nice_ticks(max(tops) * 1.15, integer)[-1])
        left = 14 + text_width(top_number, NUMBER_PT) + (18 if data.value_label else 0)
        bottom = s.h - (10 + ticks_h + (16 if data.category_label else 0) + legend_h)
        p = _Plot(left, 30, s.w - 11, bottom, max(tops) * 1.15)
    band = ((p.bottom - p.top) if horizontal else (p.right - p.left)) / max(n_cat, 1)
    grouped = not data.stacked and n_ser > 1
    width = band * (0.8 / n_ser if grouped else 0.6)
    crowded = n_cat * (n_ser if grouped else 1) > 48  # too many bars for a label each
    base = [0.0] * n_cat
    styles = _bar_styles(data)
    for i, values in enumerate(data.series.values()):
        for c, v in enumerate(values):
            centre = band * (c + 0.5) + ((i - (n_ser - 1) / 2) * width if grouped else 0)
            lo, hi = base[c], base[c] + v if data.stacked else v
            if horizontal:
                y0 = p.top + centre - width / 2
                s.rect(p.vx(lo), y0, p.vx(hi) - p.vx(lo), width, *styles[i][c])
                mid = ((p.vx(lo) + p.vx(hi)) / 2, p.top + centre)
            else:
                x0 = p.left + centre - width / 2
                s.rect(x0, p.vy(hi), width, p.vy(lo) - p.vy(hi), *styles[i][c])
                mid = (p.left + centre, (p.vy(lo) + p.vy(hi)) / 2)
            if crowded or v == 0:
                continue
            if data.stacked and n_ser > 1:
                if v >= 0.06 * max(max(totals, default=0), 1e-9) and v != totals[c]:
                    s.text(*mid, value_text(v), 7, middle=True, chip=True)  # on its segment's middle
            elif horizontal:
                s.text(p.vx(hi) + 2, p.top + centre, value_text(v), VALUE_PT, "start", middle=True)
            else:
                s.text(p.left + centre, p.vy(hi) - 2, value_text(v), VALUE_PT)
        if data.stacked:
            base = [b + v for b, v in zip(base, values, strict=True)]
    if data.stacked and n_ser > 1:
        for c, t in enumerate(totals):
            if t:
                if horizontal:
                    s.text(p.vx(t) + 3, p.top + band * (c + 0.5), value_text(t), VALUE_PT, "start", middle=True)
                else:
                    s.text(p.left + band * (c + 0.5), p.vy(t) - 2, value_text(t), VALUE_PT)
    if data.target is not None:
        if horizontal:
            s.line(p.vx(data.target), p.top, p.vx(data.target), p.bottom, TARGET_COLOR, 1.2, "4.4,1.9")
        else:
            s.line(p.left, p.vy(data.target), p.right, p.vy(data.target), TARGET_COLOR, 1.2, "4.4,1.9")
    _axes(s, p, data.title)
    _value_ticks(s, p, integer, horizontal)
    _category_ticks(s, p, data.categories, band, horizontal, rotate)
    _axis_titles(s, p, data.value_label if horizontal else data.category_label,
                 data.category_label if horizontal else data.value_label,
                 below=p.bottom + ((widest * 0.5 + 8) if rotate else 14) + 12)
    _legend(s, legend, s.h - legend_h - 4)
    return s.markup(data.title)


def _category_ticks(s: _Svg, p: _Plot, labels: list[str], band: float, horizontal: bool, rotate: bool) -> None:
    """A tick and a label at the middle of each category's band (turned by 30° when crowded)."""
    for c, label in enumerate(labels):
        at = band * (c + 0.5)
        if horizontal:
            s.line(p.left - 3.5, p.top + at, p.left, p.top + at)
            s.text(p.left - 5, p.top + at, label, TICK_PT, "end", middle=True)
        else:
            s.line(p.left + at, p.bottom, p.left + at, p.bottom + 3.5)
            if rotate:
                s.text(p.left + at + 3, p.bottom + 6 + TICK_PT * 0.5, label, TICK_PT, "end", rotate=-30)
            else:
                s.text(p.left + at, p.bottom + 4 + TICK_PT, label, TICK_PT)


def _axis_titles(s: _Svg, p: _Plot, x_title: str, y_title: str, below: float) -> None:
    if x_title:
        s.text((p.left + p.right) / 2, below, x_title, LABEL_PT)
    if y_title:
        s.text(12, (p.top + p.bottom) / 2, y_title, LABEL_PT, middle=True, rotate=-90)


# ---------------------------------------------------------------- histograms


def _histogram(data: Histogram) -> Markup:
    s = _Svg(WIDTH_IN * PT, HEIGHT_IN * PT, repr(data))
    reached = data.reached()
    legend: list[tuple[str, str, str | None]] = []
    if data.target is not None:
        legend = [("未达目标", *SHORT), ("已达目标", *MET),
                  (data.target_label or f"目标 {value_text(data.target)}", TARGET_COLOR, None)]
    legend_h = 14 * _legend_rows(len(legend))
    vmax = max([*data.counts, 1]) * 1.15
    top_number = value_text(nice_ticks(vmax, True)[-1])
    left = 14 + text_width(top_number, NUMBER_PT) + (18 if data.value_label else 0)
    p = _Plot(left, 30, s.w - 11, s.h - (24 + (16 if data.category_label else 0) + legend_h), vmax)
    n = max(len(data.counts), 1)
    band = (p.right - p.left) / n
    for i, (count, ok) in enumerate(zip(data.counts, reached, strict=True)):
        x0 = p.left + band * (i + 0.075)
        s.rect(x0, p.vy(count), band * 0.85, p.bottom - p.vy(count), *(MET if ok else SHORT))
        if count:
            s.text(p.left + band * (i + 0.5), p.vy(count) - 2, value_text(count), VALUE_PT)
    if data.target is not None:
        first_at = next((i for i, ok in enumerate(reached) if ok), len(data.counts))
        x = p.left + band * first_at
        s.line(x, p.top, x, p.bottom, TARGET_COLOR, 1.2, "4.4,1.9")
    _axes(s, p, data.title)
    _value_ticks(s, p, True, False)
    for i, label in enumerate(data.labels):
        x = p.left + band * (i + 0.5)
        s.line(x, p.bottom, x, p.bottom + 3.5)
        s.text(x, p.bottom + 4 + TICK_PT, label, TICK_PT)
    _axis_titles(s, p, data.category_label, data.value_label, below=p.bottom + 26)
    _legend(s, legend, s.h - legend_h - 4)
    return s.markup(data.title)


def chart_svg(data: BarChart | Histogram) -> Markup:
    """The chart as inline <svg> for the page."""
    return _histogram(data) if isinstance(data, Histogram) else _bars(data)

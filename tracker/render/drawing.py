"""Drawing chart data (`tracker.render.charts`) as PNG with matplotlib, for documents that take
images (Word), and routing the page's charts to `tracker.render.svg`.

The PNGs have the look of the page's SVG charts (`tracker.render.svg`: the same
palette, hatches, sizes and labels). Colours differ in lightness and carry
hatches, and bars carry their values, so a chart still reads printed in grey.

matplotlib's cost is in laying out and drawing artists, not in the data
(docs/performance.md, "Charts"). So each process keeps one figure per chart
shape and reuses it with new data (its ticks are made once), and the layout
is computed from the labels' widths instead of matplotlib's constrained
layout, which drew every chart twice; axis titles are placed, not measured.
A chart drawn on a reused figure is byte-for-byte the chart drawn on a fresh
one (tests/test_render_charts.py).
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from markupsafe import Markup, escape

from tracker.render import fonts
from tracker.render.charts import BarChart, Histogram
from tracker.render.svg import (
    EDGE,
    HATCHES,
    HEIGHT_IN,
    LEGEND_PT,
    MET,
    PALETTE,
    SHORT,
    TARGET_COLOR,
    TICK_PT,
    TITLE_PT,
    WIDTH_IN,
    bar_shape,
    chart_svg,
    text_width,
)
from tracker.render.svg import value_text as _fmt_num

Format = Literal["svg", "png"]


def text_width_in(text: str, points: float) -> float:
    """Roughly how wide `text` is at `points`, in inches (`svg.text_width`)."""
    return text_width(text, points) / 72


# ---------------------------------------------------------------- one reusable figure per shape


class _Canvas:
    """A figure and its axes, kept per chart shape and emptied before each chart.

    A shape (kind, size, rotated labels) always styles its tick labels the same
    way, so nothing one chart set can leak into the next.
    """

    def __init__(self, width: float, height: float):
        from matplotlib.figure import Figure

        self.fig = Figure(figsize=(width, height), dpi=100)
        self.ax = self.fig.add_subplot()
        for side in ("top", "right"):
            self.ax.spines[side].set_visible(False)

    def clear(self):
        """Remove the last chart's artists, keeping the axes and their ticks."""
        from matplotlib.ticker import AutoLocator

        ax = self.ax
        for artist in [*ax.patches, *ax.texts, *ax.lines, *ax.collections]:
            artist.remove()
        ax.containers.clear()
        self.fig.legends.clear()
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(AutoLocator())
        ax.set_xlabel("")
        ax.set_ylabel("")
        return self.fig, ax


_CANVASES: dict[tuple, _Canvas] = {}
def _canvas(shape: str, width: float, height: float):
    fonts.setup()
    key = (shape, round(width, 3), round(height, 3))
    if key not in _CANVASES:
        if len(_CANVASES) > 16:  # horizontal charts vary in height with their categories
            _CANVASES.pop(next(iter(_CANVASES)))
        _CANVASES[key] = _Canvas(width, height)
    return _CANVASES[key].clear()


def _place(fig, ax, *, left: float, bottom: float, xticks_h: float, yticks_w: float) -> None:
    """Margins in inches → figure fractions; the title sits at a fixed height above the axes, and
    each axis title just beyond its tick labels (placed: measuring every label cost a sixth of a chart)."""
    w, h = fig.get_size_inches()
    l_, r_, b_, t_ = min(left / w, 0.6), 1 - 0.15 / w, min(bottom / h, 0.7), 1 - 0.42 / h
    fig.subplots_adjust(left=l_, right=r_, bottom=b_, top=t_)
    ax.xaxis.set_label_coords(0.5, -(xticks_h + 0.04) / (h * (t_ - b_)))
    ax.yaxis.set_label_coords(-(yticks_w + 0.1) / (w * (r_ - l_)), 0.5)


def _number_width(top: float) -> float:
    """How wide the value axis's widest tick label is, at matplotlib's default 10 pt."""
    return text_width_in(str(int(top)), 10) + 0.05


# ---------------------------------------------------------------- pieces


_CHIP = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}


def _offset(ax, dx: float, dy: float):
    """Data coordinates shifted by (dx, dy) points: labels just beyond a bar's end."""
    from matplotlib.transforms import offset_copy

    return offset_copy(ax.transData, fig=ax.figure, x=dx, y=dy, units="points")


def _label_bars(ax, bars, values: Sequence[float], *, inside: bool = False) -> None:
    """Each bar's value at its end (or, `inside`, on a white chip at its middle, so the number reads
    on any fill or hatch); zero bars get none. Plain texts: `bar_label`'s annotations cost a
    tenth of a chart."""
    horizontal = getattr(bars, "orientation", "vertical") == "horizontal"
    edge = _offset(ax, 2, 0) if horizontal else _offset(ax, 0, 2)
    for rect, v in zip(bars, values, strict=True):
        if v == 0:
            continue
        x, y, w, h = rect.get_x(), rect.get_y(), rect.get_width(), rect.get_height()
        if inside:
            ax.text(x + w / 2, y + h / 2, _fmt_num(v), fontsize=7, ha="center", va="center", bbox=_CHIP)
        elif horizontal:
            ax.text(x + w, y + h / 2, _fmt_num(v), fontsize=8, ha="left", va="center", transform=edge)
        else:
            ax.text(x + w / 2, y + h, _fmt_num(v), fontsize=8, ha="center", va="bottom", transform=edge)


def _style(i: int) -> dict:
    return {
        "color": PALETTE[i % len(PALETTE)],
        "hatch": HATCHES[i % len(HATCHES)],
        "edgecolor": EDGE,
        "linewidth": 0.5,
    }


# one series against a target: bars short of it are light and hatched
_SHORT = {"color": SHORT[0], "hatch": SHORT[1], "edgecolor": EDGE, "linewidth": 0.5}
_MET = {"color": MET[0], "hatch": MET[1], "edgecolor": EDGE, "linewidth": 0.5}


def _patch(label: str, style: dict):
    from matplotlib.patches import Patch

    return Patch(label=label, facecolor=style["color"], hatch=style["hatch"],
                 edgecolor=style["edgecolor"], linewidth=style["linewidth"])


def _legend_rows(handles: list) -> int:
    return math.ceil(len(handles) / min(len(handles), 6)) if handles else 0


def _legend(fig, handles: list) -> None:
    """The legend below the plot, in one row where it fits: it never hides a bar."""
    if handles:
        fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0),
                   ncols=min(len(handles), 6), fontsize=LEGEND_PT, frameon=False, borderaxespad=0.3)


def _integer_axis(axis, values) -> None:
    from matplotlib.ticker import MaxNLocator

    if all(float(v).is_integer() for v in values):
        axis.set_major_locator(MaxNLocator(nbins=6, integer=True))


def _title(ax, text: str) -> None:
    # a fixed position: matplotlib would otherwise measure every tick label to place it
    ax.set_title(text, fontsize=TITLE_PT, y=1.0, pad=6)


def _bottom_margin(tick_height_in: float, xlabel: bool, legend_rows: int) -> float:
    return 0.12 + tick_height_in + (0.22 if xlabel else 0) + 0.22 * legend_rows


# ---------------------------------------------------------------- bar charts


def _draw_bars(data: BarChart):
    n_cat, n_ser = len(data.categories), max(1, len(data.series))
    height, rotate = bar_shape(data)
    fig, ax = _canvas("hbar" if data.horizontal else "vbar-rotated" if rotate else "vbar", WIDTH_IN, height)
    pos = np.arange(n_cat)
    grouped = not data.stacked and n_ser > 1
    width = 0.8 / n_ser if grouped else 0.6
    bottom = np.zeros(n_cat)
    many = n_cat * (n_ser if grouped else 1) > 48  # too crowded for a label per bar
    against_target = n_ser == 1 and data.target is not None
    handles = []
    for i, (name, values) in enumerate(data.series.items()):
        vals = np.asarray(values, dtype=float)
        offset = (i - (n_ser - 1) / 2) * width if grouped else 0.0
        if against_target:
            short = vals < data.target
            style = {k: [(_SHORT if s else _MET)[k] for s in short] for k in ("color", "hatch")}
            style |= {"edgecolor": EDGE, "linewidth": 0.5}
            handles += [_patch(f"{name}（未达目标）", _SHORT), _patch(f"{name}（已达目标）", _MET)]
        else:
            style = _style(i)
        kw = {("left" if data.horizontal else "bottom"): bottom} if data.stacked else {}
        if data.horizontal:
            bars = ax.barh(pos + offset, vals, height=width, label=name, **kw, **style)
        else:
            bars = ax.bar(pos + offset, vals, width=width, label=name, **kw, **style)
        if not against_target:
            handles.append(bars)
        if data.stacked and n_ser > 1:
            if not many:
                totals = np.asarray(data.totals(), dtype=float)
                # a label per segment big enough to hold one, unless it is the whole stack
                show = (vals >= 0.06 * max(totals.max(initial=0), 1e-9)) & (vals != totals)
                _label_bars(ax, bars, np.where(show, vals, 0), inside=True)
            bottom = bottom + vals
        elif not many:
            _label_bars(ax, bars, vals)
    if data.stacked and n_ser > 1:  # totals at the end of each stack
        end = _offset(ax, 3, 0) if data.horizontal else _offset(ax, 0, 2)
        for p, t in zip(pos, bottom, strict=True):
            if t:
                x, y = (t, p) if data.horizontal else (p, t)
                ax.text(x, y, _fmt_num(t), fontsize=8, transform=end,
                        ha="left" if data.horizontal else "center", va="center" if data.horizontal else "bottom")
    if data.target is not None:
        line = ax.axvline if data.horizontal else ax.axhline
        handles.append(line(data.target, color=TARGET_COLOR, linestyle="--", linewidth=1.2,
                            label=data.target_label or f"目标 {_fmt_num(data.target)}"))
    tops = [*bottom, *(max(v, default=0) for v in data.series.values()), data.target or 0, 1]
    all_values = [v for vs in data.series.values() for v in vs]
    legend = handles if (n_ser > 1 or data.target is not None) else []
    widest = max((text_width_in(c, TICK_PT) for c in data.categories), default=0.0)
    if data.horizontal:
        ax.set_yticks(pos, data.categories, fontsize=TICK_PT)
        ax.set_ylim(n_cat - 0.5, -0.5)  # first category on top
        ax.set_xlabel(data.value_label)
        ax.set_ylabel(data.category_label)
        ax.set_xlim(0, max(tops) * 1.12)
        _integer_axis(ax.xaxis, all_values)
        left = 0.15 + widest + (0.25 if data.category_label else 0)
        bottom_in = _bottom_margin(0.2, bool(data.value_label), _legend_rows(legend))
        xticks_h, yticks_w = 0.2, widest + 0.05
    else:
        ax.set_xticks(pos, data.categories, fontsize=TICK_PT, rotation=30 if rotate else 0,
                      ha="right" if rotate else "center", rotation_mode="anchor")
        ax.set_xlim(-0.5, n_cat - 0.5)
        ax.set_ylabel(data.value_label)
        ax.set_xlabel(data.category_label)
        ax.set_ylim(0, max(tops) * 1.15)
        _integer_axis(ax.yaxis, all_values)
        ticks_h = (widest * 0.5 + 0.12) if rotate else 0.2
        left = 0.55 + (0.25 if data.value_label else 0)
        bottom_in = _bottom_margin(ticks_h, bool(data.category_label), _legend_rows(legend))
        xticks_h, yticks_w = ticks_h, _number_width(max(tops) * 1.15)
    _title(ax, data.title)
    _legend(fig, legend)
    _place(fig, ax, left=left, bottom=bottom_in, xticks_h=xticks_h, yticks_w=yticks_w)
    return fig


def _draw_histogram(data: Histogram):
    fig, ax = _canvas("histogram", WIDTH_IN, HEIGHT_IN)
    pos = np.arange(len(data.counts))
    reached = data.reached()
    bars = ax.bar(pos, data.counts, width=0.85,
                  color=[(_MET if ok else _SHORT)["color"] for ok in reached],
                  hatch=[(_MET if ok else _SHORT)["hatch"] for ok in reached],
                  edgecolor=EDGE, linewidth=0.5)
    _label_bars(ax, bars, data.counts)
    legend = []
    if data.target is not None:
        # the target is an edge: the line sits between the bins on either side
        first_at = next((i for i, ok in enumerate(reached) if ok), len(data.counts))
        line = ax.axvline(first_at - 0.5, color=TARGET_COLOR, linestyle="--", linewidth=1.2,
                          label=data.target_label or f"目标 {_fmt_num(data.target)}")
        legend = [_patch("未达目标", _SHORT), _patch("已达目标", _MET), line]
    ax.set_xticks(pos, data.labels, fontsize=TICK_PT)
    ax.set_xlim(-0.5, len(data.counts) - 0.5)
    ax.set_xlabel(data.category_label)
    ax.set_ylabel(data.value_label)
    ax.set_ylim(0, max([*data.counts, 1]) * 1.15)
    _integer_axis(ax.yaxis, data.counts)
    _title(ax, data.title)
    _legend(fig, legend)
    _place(fig, ax, left=0.55 + (0.25 if data.value_label else 0),
           bottom=_bottom_margin(0.2, bool(data.category_label), _legend_rows(legend)),
           xticks_h=0.2, yticks_w=_number_width(max([*data.counts, 1]) * 1.15))
    return fig


# ---------------------------------------------------------------- output


def png_bytes(data: BarChart | Histogram, dpi: int = 200) -> bytes:
    """The chart as PNG (for documents that take images, such as Word)."""
    fig = _draw_histogram(data) if isinstance(data, Histogram) else _draw_bars(data)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def draw(data: BarChart | Histogram, fmt: Format = "svg") -> Markup:
    """Chart data → inline markup for the page: <svg> written by `tracker.render.svg`, or (`png`)
    an <img> with a PNG data URI drawn here."""
    if fmt == "png":
        encoded = base64.b64encode(png_bytes(data)).decode("ascii")
        return Markup(f'<img class="chart" alt="{escape(data.title)}" src="data:image/png;base64,{encoded}">')
    return chart_svg(data)


def draw_all(charts: dict[str, BarChart | Histogram], fmt: Format = "svg") -> dict[str, Markup]:
    """Every chart of a report (what a worker process is handed)."""
    return {k: draw(v, fmt) for k, v in charts.items()}

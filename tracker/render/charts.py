"""Charts for reports: data built separately from drawing (cf. fava's charts).

Builders turn small polars frames into chart data (plain dataclasses that tests
can inspect); drawing turns chart data into inline SVG for the HTML page. SVG
text is drawn as outlines (`svg.fonttype = path`) so Chinese shows without the
font installed where the report is opened, and the output has no external
reference, comment or metadata. Colours differ in lightness and carry hatches,
and bars carry their values, so a chart still reads printed in grey on A4.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl
from markupsafe import Markup, escape

from tracker.render import fonts

# Dark blue, orange, light blue, dark green, sand, grey, red-brown, pale green:
# neighbours differ in lightness, so they stay apart in greyscale.
PALETTE = ("#1f4e79", "#e08a2c", "#9cc3e6", "#3a7d44", "#f2d7a6", "#7f7f7f", "#8c3b2a", "#c5e0b4")
HATCHES = ("", "//", "..", "\\\\", "xx", "--", "++", "oo")
TARGET_COLOR = "#c00000"

WIDTH_IN = 7.0  # A4 width less 15 mm margins is 180 mm ≈ 7.1 in
HEIGHT_IN = 3.2


@dataclass(frozen=True)
class BarChart:
    """Bars by category, one series or several (grouped, or stacked).

    `series` maps a series name (legend entry) to one value per category.
    `target` draws a line (e.g. 10 activities) across the value axis.
    """

    title: str
    categories: list[str]
    series: dict[str, list[float]]
    target: float | None = None
    target_label: str = ""
    horizontal: bool = False
    stacked: bool = False
    value_label: str = ""  # the value axis title, e.g. "活动次数"
    category_label: str = ""

    def __post_init__(self) -> None:
        for name, values in self.series.items():
            if len(values) != len(self.categories):
                raise ValueError(
                    f"图表“{self.title}”的系列“{name}”有 {len(values)} 个值，"
                    f"但有 {len(self.categories)} 个类别"
                )

    def totals(self) -> list[float]:
        """Per category, the sum over series (the top of a stacked bar)."""
        return [sum(v) for v in zip(*self.series.values(), strict=True)] if self.series else []


@dataclass(frozen=True)
class Histogram:
    """Counts of people per range of a value, e.g. volunteers by service hours.

    Bin i holds edges[i] ≤ x < edges[i+1]; with `zero_bin` the first bin holds
    exactly 0 (no service at all); with `open_end` the last bin is x ≥ its edge.
    """

    title: str
    edges: list[float]
    counts: list[int]
    target: float | None = None
    target_label: str = ""
    zero_bin: bool = False
    open_end: bool = True
    value_label: str = "人数"
    category_label: str = "服务时长（小时）"
    labels: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.labels:
            object.__setattr__(self, "labels", _bin_labels(self.edges, self.zero_bin, self.open_end))
        if len(self.labels) != len(self.counts):
            raise ValueError(f"直方图“{self.title}”的分组数与计数个数不符")

    def reached(self) -> list[bool]:
        """Per bin, whether everyone in it reached the target."""
        if self.target is None:
            return [False] * len(self.counts)
        starts = list(self.edges if self.open_end else self.edges[:-1])
        flags = [s >= self.target for s in starts]
        return ([False] if self.zero_bin else []) + flags

    def at_or_above_target(self) -> int:
        """How many people reached the target."""
        return sum(c for c, ok in zip(self.counts, self.reached(), strict=True) if ok)


def _fmt_edge(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _bin_labels(edges: Sequence[float], zero_bin: bool, open_end: bool) -> list[str]:
    labels = ["0"] if zero_bin else []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        labels.append(f"{_fmt_edge(a)}–{_fmt_edge(b)}")
    if open_end:
        labels.append(f"≥{_fmt_edge(edges[-1])}")
    return labels


# ---------------------------------------------------------------- builders


def month_labels(months: Sequence[str]) -> list[str]:
    """"2026-03" → "3月" when all months are in one year, else "2025年12月"."""
    years = {m[:4] for m in months}
    if len(years) <= 1:
        return [f"{int(m[5:7])}月" for m in months]
    return [f"{m[:4]}年{int(m[5:7])}月" for m in months]


def crosstab(
    df: pl.DataFrame,
    *,
    category: str,
    series: str,
    value: str,
    title: str,
    categories: Sequence[str] | None = None,
    series_order: Sequence[str] | None = None,
    category_labels: Sequence[str] | None = None,
    **options,
) -> BarChart:
    """A long frame (category, series, value) → bars per category, a series each.

    `categories`/`series_order` fix order and include absent ones as zeros
    (e.g. every month of the period); values of repeated pairs are summed.
    Other keyword options go to `BarChart` (stacked, target, labels …).
    """
    agg = df.group_by(category, series).agg(pl.col(value).sum())
    cats = list(categories) if categories is not None else sorted(agg[category].unique().to_list())
    names = (
        list(series_order) if series_order is not None else sorted(agg[series].unique().to_list())
    )
    grid = pl.DataFrame({category: cats}, schema={category: agg.schema[category]}).join(
        pl.DataFrame({series: names}, schema={series: agg.schema[series]}), how="cross"
    )
    full = grid.join(agg, on=[category, series], how="left").with_columns(
        pl.col(value).fill_null(0)
    )
    wide = {
        name: full.filter(pl.col(series) == name)[value].to_list() for name in names
    }  # one filter per series (few); rows stay in `cats` order from the cross join
    labels = list(category_labels) if category_labels is not None else [str(c) for c in cats]
    return BarChart(title=title, categories=labels, series=wide, **options)


def team_month_counts(
    df: pl.DataFrame,
    *,
    months: Sequence[str] | None = None,
    title: str = "各服务队每月活动次数",
    team: str = "team",
    month: str = "month",
    n: str = "n",
    stacked: bool = True,
) -> BarChart:
    """Activities per team per month from a frame (team, month "YYYY-MM", n).

    Pass `months` (every month of the period) so months without activities show.
    """
    months = list(months) if months is not None else sorted(df[month].unique().to_list())
    return crosstab(
        df,
        category=month,
        series=team,
        value=n,
        title=title,
        categories=months,
        category_labels=month_labels(months),
        stacked=stacked,
        value_label="活动次数",
    )


def category_counts(
    df: pl.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    order: Sequence[str] | None = None,
    series_name: str = "数量",
    **options,
) -> BarChart:
    """One series of bars from a frame (category, value): themes, demand status …

    `order` fixes the order and shows absent categories as 0; otherwise bars
    are sorted by value, largest first.
    """
    agg = df.group_by(category).agg(pl.col(value).sum())
    if order is None:
        agg = agg.sort([value, category], descending=[True, False])
        cats, vals = agg[category].to_list(), agg[value].to_list()
    else:
        got = dict(zip(agg[category].to_list(), agg[value].to_list(), strict=True))
        cats, vals = list(order), [got.get(c, 0) for c in order]
    options.setdefault("value_label", series_name)
    return BarChart(
        title=title,
        categories=[str(c) for c in cats],
        series={series_name: vals},
        **options,
    )


def progress(
    df: pl.DataFrame,
    *,
    label: str,
    value: str,
    target: float,
    title: str,
    series_name: str = "活动次数",
    target_label: str | None = None,
) -> BarChart:
    """Horizontal bars of each row's value against a target (teams towards 10 activities).

    Rows keep the frame's order (top to bottom).
    """
    return BarChart(
        title=title,
        categories=[str(c) for c in df[label].to_list()],
        series={series_name: df[value].fill_null(0).to_list()},
        target=target,
        target_label=target_label if target_label is not None else f"目标 {_fmt_edge(target)}",
        horizontal=True,
        value_label=series_name,
    )


def hours_histogram(
    values: pl.Series | Sequence[float],
    *,
    target: float = 24,
    bins_to_target: int = 4,
    title: str = "志愿者服务时长分布",
    zero_bin: bool = True,
) -> Histogram:
    """Volunteers' hours in equal bins up to twice the target, then "≥ 2×target".

    The target is always a bin edge, so the bars right of the target line are
    exactly the people who reached it. Nulls count as 0 hours.
    """
    s = pl.Series(values, dtype=pl.Float64).fill_null(0.0)
    step = target / bins_to_target
    edges = [step * i for i in range(2 * bins_to_target + 1)]
    arr = s.to_numpy()
    counts: list[int] = []
    if zero_bin:
        counts.append(int((arr <= 0).sum()))
        arr = arr[arr > 0]
    idx = np.searchsorted(np.asarray(edges), arr, side="right") - 1  # bin i: edges[i] ≤ x
    binned = np.bincount(np.clip(idx, 0, len(edges) - 1), minlength=len(edges))
    counts.extend(int(c) for c in binned)
    return Histogram(
        title=title,
        edges=edges,
        counts=counts,
        target=target,
        target_label=f"目标 {_fmt_edge(target)} 小时",
        zero_bin=zero_bin,
        open_end=True,
    )


# ---------------------------------------------------------------- drawing

Format = Literal["svg", "png"]


def _figure(width: float, height: float):
    fonts.setup()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _fmt_num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _label_bars(ax, bars, values: Sequence[float], *, inside: bool = False) -> None:
    labels = ["" if v == 0 else _fmt_num(v) for v in values]
    if inside:  # on a white chip, so the number reads on any fill or hatch
        ax.bar_label(bars, labels=labels, label_type="center", fontsize=7,
                     bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    else:
        ax.bar_label(bars, labels=labels, label_type="edge", padding=2, fontsize=8)


def _style(i: int) -> dict:
    return {
        "color": PALETTE[i % len(PALETTE)],
        "hatch": HATCHES[i % len(HATCHES)],
        "edgecolor": "#333333",
        "linewidth": 0.5,
    }


# one series against a target: bars short of it are light and hatched
_SHORT = {"color": PALETTE[2], "hatch": "//", "edgecolor": "#333333", "linewidth": 0.5}
_MET = {"color": PALETTE[0], "hatch": "", "edgecolor": "#333333", "linewidth": 0.5}


def _patch(label: str, style: dict):
    from matplotlib.patches import Patch

    return Patch(label=label, facecolor=style["color"], hatch=style["hatch"],
                 edgecolor=style["edgecolor"], linewidth=style["linewidth"])


def _legend(fig, ax, handles=None) -> None:
    """The legend below the plot, in one row where it fits: it never hides a bar."""
    handles = handles if handles is not None else ax.get_legend_handles_labels()[0]
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6),
                   fontsize=8, frameon=False)


def _integer_axis(axis, values) -> None:
    from matplotlib.ticker import MaxNLocator

    if all(float(v).is_integer() for v in values):
        axis.set_major_locator(MaxNLocator(integer=True))


def _draw_bars(data: BarChart):
    n_cat, n_ser = len(data.categories), max(1, len(data.series))
    height = min(9.5, 1.1 + 0.32 * max(n_cat, 3)) if data.horizontal else HEIGHT_IN
    fig, ax = _figure(WIDTH_IN, height)
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
            style |= {"edgecolor": "#333333", "linewidth": 0.5}
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
        for p, t in zip(pos, bottom, strict=True):
            if t:
                xy = (t, p) if data.horizontal else (p, t)
                ax.annotate(_fmt_num(t), xy, xytext=(3, 0) if data.horizontal else (0, 2),
                            textcoords="offset points", fontsize=8,
                            ha="left" if data.horizontal else "center",
                            va="center" if data.horizontal else "bottom")
    if data.target is not None:
        line = ax.axvline if data.horizontal else ax.axhline
        handles.append(line(data.target, color=TARGET_COLOR, linestyle="--", linewidth=1.2,
                            label=data.target_label or f"目标 {_fmt_num(data.target)}"))
    tops = [*bottom, *(max(v, default=0) for v in data.series.values()), data.target or 0, 1]
    all_values = [v for vs in data.series.values() for v in vs]
    if data.horizontal:
        ax.set_yticks(pos, data.categories, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(data.value_label)
        ax.set_ylabel(data.category_label)
        ax.set_xlim(0, max(tops) * 1.12)
        _integer_axis(ax.xaxis, all_values)
    else:
        rotate = n_cat > 8 or sum(len(c) for c in data.categories) > 60
        ax.set_xticks(pos, data.categories, fontsize=8, rotation=30 if rotate else 0,
                      ha="right" if rotate else "center", rotation_mode="anchor")
        ax.set_ylabel(data.value_label)
        ax.set_xlabel(data.category_label)
        ax.set_ylim(0, max(tops) * 1.15)
        _integer_axis(ax.yaxis, all_values)
    ax.set_title(data.title, fontsize=11)
    if n_ser > 1 or data.target is not None:
        _legend(fig, ax, handles)
    return fig


def _draw_histogram(data: Histogram):
    fig, ax = _figure(WIDTH_IN, HEIGHT_IN)
    pos = np.arange(len(data.counts))
    reached = data.reached()
    bars = ax.bar(pos, data.counts, width=0.85,
                  color=[(_MET if ok else _SHORT)["color"] for ok in reached],
                  hatch=[(_MET if ok else _SHORT)["hatch"] for ok in reached],
                  edgecolor="#333333", linewidth=0.5)
    _label_bars(ax, bars, data.counts)
    if data.target is not None:
        # the target is an edge: the line sits between the bins on either side
        first_at = next((i for i, ok in enumerate(reached) if ok), len(data.counts))
        line = ax.axvline(first_at - 0.5, color=TARGET_COLOR, linestyle="--", linewidth=1.2,
                          label=data.target_label or f"目标 {_fmt_num(data.target)}")
        _legend(fig, ax, [_patch("未达目标", _SHORT), _patch("已达目标", _MET), line])
    ax.set_xticks(pos, data.labels, fontsize=8)
    ax.set_xlabel(data.category_label)
    ax.set_ylabel(data.value_label)
    ax.set_ylim(0, max([*data.counts, 1]) * 1.15)
    _integer_axis(ax.yaxis, data.counts)
    ax.set_title(data.title, fontsize=11)
    return fig


_SVG_DROP = [
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*"),
    re.compile(r"<metadata>.*?</metadata>\s*", re.S),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r'\s+xmlns(:\w+)?="[^"]*"'),
]


def _svg(fig, title: str) -> Markup:
    """The figure as an inline <svg>: ids made unique, no prolog, comments or URLs."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "tracker"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    for pattern in _SVG_DROP:
        text = pattern.sub("", text)
    # several charts share one page: prefix every id so they cannot collide
    prefix = "c" + hashlib.sha1(text.encode()).hexdigest()[:8] + "-"
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', text)
    text = re.sub(r'\bhref="#([^"]+)"', rf'href="#{prefix}\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", text)
    # size from the page, not in points: the viewBox keeps the proportions
    text = re.sub(r'<svg\s+width="[^"]*"\s+height="[^"]*"', '<svg class="chart"', text, count=1)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
    return Markup(text.strip())


def _png_bytes(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=200, metadata={"Software": None})
    return buf.getvalue()


def _png(fig, title: str) -> Markup:
    data = base64.b64encode(_png_bytes(fig)).decode("ascii")
    return Markup(f'<img class="chart" alt="{escape(title)}" src="data:image/png;base64,{data}">')


def draw(data: BarChart | Histogram, fmt: Format = "svg") -> Markup:
    """Chart data → inline markup for the page (<svg>, or <img> with a PNG data URI)."""
    fig = _draw_histogram(data) if isinstance(data, Histogram) else _draw_bars(data)
    return _svg(fig, data.title) if fmt == "svg" else _png(fig, data.title)



def png(data: BarChart | Histogram) -> bytes:
    """Chart data → a PNG (200 dpi), for documents that take pictures (Word)."""
    fig = _draw_histogram(data) if isinstance(data, Histogram) else _draw_bars(data)
    return _png_bytes(fig)

"""Chart data for reports, built apart from drawing (cf. fava's charts).

Builders turn small polars frames into chart data: plain dataclasses that
tests can inspect and that pickle, so charts can be drawn in other processes.
`tracker.render.drawing` turns them into inline SVG (or PNG) with matplotlib.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl


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
    values = pl.Series(values, dtype=pl.Float64).fill_null(0.0).to_list()
    step = target / bins_to_target
    edges = [step * i for i in range(2 * bins_to_target + 1)]
    counts: list[int] = []
    if zero_bin:
        counts.append(sum(1 for v in values if v <= 0))
        values = [v for v in values if v > 0]
    binned = [0] * len(edges)  # bin i: edges[i] ≤ x < edges[i+1]; the last is x ≥ its edge
    for v in values:
        binned[min(max(bisect.bisect_right(edges, v) - 1, 0), len(edges) - 1)] += 1
    counts.extend(binned)
    return Histogram(
        title=title,
        edges=edges,
        counts=counts,
        target=target,
        target_label=f"目标 {_fmt_edge(target)} 小时",
        zero_bin=zero_bin,
        open_end=True,
    )

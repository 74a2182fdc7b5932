"""Chart data from frames (checked as data) and drawing to inline SVG."""

import re

import polars as pl
import pytest

from tracker.render import charts, drawing


@pytest.fixture
def activity_counts():
    return pl.DataFrame(
        {
            "team": ["献血宣传队", "献血宣传队", "关爱山川队", "献血宣传队"],
            "month": ["2026-01", "2026-03", "2026-03", "2026-03"],
            "n": [2, 1, 4, 2],
        }
    )


def test_team_month_counts_fills_empty_months_and_sums_repeats(activity_counts):
    chart = charts.team_month_counts(activity_counts, months=["2026-01", "2026-02", "2026-03"])
    assert chart.categories == ["1月", "2月", "3月"]
    assert chart.series == {"关爱山川队": [0, 0, 4], "献血宣传队": [2, 0, 3]}
    assert chart.totals() == [2, 0, 7]


def test_month_labels_name_the_year_across_a_new_year():
    assert charts.month_labels(["2025-12", "2026-01"]) == ["2025年12月", "2026年1月"]


def test_category_counts_sorted_or_in_given_order():
    df = pl.DataFrame({"theme": ["关爱老幼弱残", "关爱山川河流", "关爱老幼弱残"], "n": [1, 2, 3]})
    chart = charts.category_counts(df, category="theme", value="n", title="按主题")
    assert chart.categories == ["关爱老幼弱残", "关爱山川河流"]
    assert chart.series == {"数量": [4, 2]}
    fixed = charts.category_counts(
        df, category="theme", value="n", title="按主题", order=["关爱山川河流", "学雷锋献爱心", "关爱老幼弱残"]
    )
    assert fixed.series["数量"] == [2, 0, 4]


def test_progress_keeps_order_and_target():
    df = pl.DataFrame({"team": ["甲队", "乙队"], "n": [12, None]})
    chart = charts.progress(df, label="team", value="n", target=10, title="进度")
    assert chart.horizontal and chart.target == 10
    assert chart.categories == ["甲队", "乙队"]
    assert chart.series == {"活动次数": [12, 0]}


def test_hours_histogram_bins_against_the_target():
    h = charts.hours_histogram([0, None, 3, 23.9, 24, 30, 47.9, 48, 200], target=24)
    assert h.labels == ["0", "0–6", "6–12", "12–18", "18–24", "24–30", "30–36", "36–42", "42–48", "≥48"]
    assert sum(h.counts) == 9
    assert h.counts[0] == 2  # no service at all (null counts as none)
    assert h.counts[h.labels.index("18–24")] == 1  # 23.9 is short of 24
    assert h.counts[h.labels.index("≥48")] == 2
    assert h.at_or_above_target() == 5  # 24, 30, 47.9, 48, 200


def test_chart_data_must_line_up():
    with pytest.raises(ValueError, match="类别"):
        charts.BarChart(title="坏数据", categories=["a", "b"], series={"s": [1]})


def test_svg_is_inline_self_contained_and_safe(activity_counts):
    chart = charts.team_month_counts(activity_counts.with_columns(team=pl.lit("--><script>alert(1)</script>")))
    svg = str(drawing.draw(chart))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "DOCTYPE" not in svg
    assert "http" not in svg  # no namespace URL, metadata or link
    assert "<script" not in svg and "<!--" not in svg
    # text is text, in the family the page embeds (tracker.render.fontface): readable without the font installed
    families = set(re.findall(r"font-family: ([^;\"]*)", svg))
    assert families == {"'tracker-cjk', 'Noto Sans CJK SC', sans-serif"}
    assert 'viewBox="' in svg and not re.search(r'<svg[^>]*\swidth="', svg)


def test_two_charts_on_one_page_do_not_share_ids(activity_counts):
    a = str(drawing.draw(charts.team_month_counts(activity_counts)))
    b = str(drawing.draw(charts.hours_histogram([1, 2, 30])))
    ids_a = set(re.findall(r'\bid="([^"]+)"', a))
    ids_b = set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a and ids_b and not ids_a & ids_b
    # every internal reference points to an id of the same chart
    refs = set(re.findall(r'href="#([^"]+)"', a)) | set(re.findall(r"url\(#([^)]+)\)", a))
    assert refs <= ids_a


def test_png_option_is_a_data_uri():
    img = str(drawing.draw(charts.hours_histogram([1, 30]), fmt="png"))
    assert img.startswith('<img class="chart"') and 'src="data:image/png;base64,' in img


def _fresh(monkeypatch, chart):
    """The chart's PNG drawn on brand-new figures (no canvas kept from earlier charts)."""
    monkeypatch.setattr(drawing, "_CANVASES", {})
    return drawing.png_bytes(chart, dpi=60)


SHAPES = [
    charts.hours_histogram([0, 3, 30, 50, 24], target=24),
    charts.hours_histogram([5, 6, 7], target=12),
    charts.BarChart(title="进度", categories=["甲队", "乙队（很长的服务队简称）"], series={"活动次数": [3, 12]},
                    target=10, horizontal=True),
    charts.BarChart(title="进度", categories=["丙队", "丁队"], series={"活动次数": [11, 2]}, target=10,
                    horizontal=True),
    charts.BarChart(title="每月", categories=[f"{m}月" for m in range(1, 13)],
                    series={"甲": [1] * 12, "乙": [2] * 12}, stacked=True),
    charts.BarChart(title="主题", categories=["关爱老幼弱残", "关爱山川河流"], series={"次数": [4, 0]}),
    charts.BarChart(title="每月", categories=["1月", "2月"], series={"甲": [3, 1], "乙": [0, 2]}, stacked=True),
]


def test_a_chart_on_a_reused_figure_is_the_chart_on_a_fresh_one(monkeypatch):
    """Figures (the PNGs of Word documents) are kept and reused for speed; nothing of an earlier
    chart may leak into the next."""
    expected = [_fresh(monkeypatch, c) for c in SHAPES]
    monkeypatch.setattr(drawing, "_CANVASES", {})
    for _ in range(2):  # every chart after every other, on the same kept figures
        assert [drawing.png_bytes(c, dpi=60) for c in SHAPES] == expected


def _bars(svg: str) -> list[tuple[float, float]]:
    """(width, height) of every bar of a drawn chart (the white background and chips left out)."""
    return [(float(w), float(h)) for w, h in re.findall(r'<rect x="[^"]*" y="[^"]*" width="([^"]*)" '
                                                        r'height="([^"]*)" fill="(?!#ffffff)', svg)]


def test_svg_bars_carry_their_values_and_scale_with_them():
    chart = charts.BarChart(title="主题", categories=["关爱老幼弱残", "关爱山川河流", "学雷锋献爱心"],
                            series={"次数": [4, 0, 8]})
    svg = str(drawing.draw(chart))
    bars = _bars(svg)
    assert len(bars) == 3 and bars[1][1] == 0  # one bar per category, the empty one flat
    assert abs(bars[2][1] / bars[0][1] - 2) < 0.01  # 8 is twice as tall as 4
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert {"4", "8", "关爱山川河流", "主题"} <= set(texts) and "0" in texts  # the axis's 0, not a bar label
    assert texts.count("4") == 2  # the bar's value and the value axis's tick


def test_svg_short_of_target_is_hatched_and_the_legend_says_so():
    chart = charts.progress(pl.DataFrame({"team": ["甲队", "乙队"], "n": [3, 12]}), label="team", value="n",
                            target=10, title="进度")
    svg = str(drawing.draw(chart))
    assert "活动次数（未达目标）" in svg and "活动次数（已达目标）" in svg and "目标 10" in svg
    fills = re.findall(r'<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" fill="([^"]*)"', svg)
    assert any(f.startswith("url(#") for f in fills) and "#1f4e79" in fills  # short: hatched; met: solid
    assert 'stroke="#c00000"' in svg  # the target line


def test_svg_stacked_bars_show_each_total():
    chart = charts.BarChart(title="每月", categories=["1月", "2月"], series={"甲": [3, 1], "乙": [4, 2]},
                            stacked=True)
    texts = re.findall(r">([^<>]+)</text>", str(drawing.draw(chart)))
    assert "7" in texts and "3" in texts and "甲" in texts and "乙" in texts


@pytest.mark.parametrize(("top", "integer", "expected"), [
    (11.5, True, [0, 2, 4, 6, 8, 10]), (1.15, True, [0, 1]), (0.5, False, [0, 0.1, 0.2, 0.3, 0.4, 0.5]),
    (230, True, [0, 50, 100, 150, 200]), (0, True, [0])])
def test_value_axis_ticks_are_round(top, integer, expected):
    from tracker.render.svg import nice_ticks

    assert [round(t, 6) for t in nice_ticks(top, integer)] == expected

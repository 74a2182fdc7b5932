"""The worked example: a page through base.html and macros.html with a chart,
a table of hostile text and masked personal data, plus the header's coverage."""

import datetime as dt
import re
from html.parser import HTMLParser

import jinja2
import polars as pl
import pytest

from tracker.problems import TrackerError
from tracker.render import charts, drawing, env
from tracker.render import filters as f
from tracker.values import id_check_digit

D = dt.date
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","点我")'
ID17 = "32010219800101123"
ID = ID17 + id_check_digit(ID17)

PAGE = """{% extends "base.html" %}
{% import "macros.html" as m %}
{% block content %}
{% call m.section("一、总体情况") %}
{{ m.cards(cards) }}
{{ m.findings(findings) }}
{% endcall %}
{% call m.section("二、各服务队") %}
{{ m.table(cols, rows, caption="表1 各服务队", level_key="level", totals=totals) }}
{{ m.figure(chart, caption="图1 各服务队每月活动次数") }}
<p>{{ person.name }} {{ person.id|mask_id }} {{ person.phone|mask_phone }} {{ person.hours|hours }}</p>
{% endcall %}
{% endblock %}
"""


def months_loaded():
    return pl.DataFrame(
        {
            "unit": ["示例市中心血站"] * 3 + ["示例医院"] * 2,
            "kind": ["activities", "activities", "pairings", "activities", "activities"],
            "month": ["2026-01", "2026-03", "2026-01", "2026-01", "2026-02"],
        }
    )


def header(**kw):
    start, end = D(2026, 1, 1), D(2026, 3, 31)
    cov = env.coverage(months_loaded().filter(pl.col("unit") == "示例市中心血站"), start, end)
    return env.Header(title="季度例会通报", unit="示例市中心血站", start=start, end=end,
                      coverage=cov, made_on=D(2026, 4, 2), **kw)


@pytest.fixture(scope="module")
def page():
    teams = pl.DataFrame(
        {"team": ["献血宣传服务队", SCRIPT, FORMULA], "phone": ["13812345678", None, "051184412345、13900001111"],
         "n": [9, 2, 0], "level": ["pass", "warn", "fail"]}
    )
    acts = pl.DataFrame({"team": ["献血宣传服务队", SCRIPT], "month": ["2026-01", "2026-02"], "n": [3, 1]})
    return env.render_string(
        PAGE,
        header=header(notes=[f"备注 {SCRIPT}"]),
        cards=[{"label": "在册志愿者", "value": "18", "unit": "人"},
               {"label": "未参加服务", "value": "3", "level": "fail", "note": SCRIPT}],
        findings=[{"level": "fail", "text": f"{SCRIPT}本年仅 2 次活动"}, {"level": "pass", "text": "比例达标"}],
        cols=env.columns([("team", "服务队"), ("phone", "联系电话", False, True), ("n", "活动次数", True)]),
        rows=env.rows_of(teams, {"phone": f.mask_phone}),
        totals={"team": "合计", "n": "11"},
        chart=drawing.draw(charts.team_month_counts(acts, months=["2026-01", "2026-02", "2026-03"])),
        person={"name": "王小明", "id": ID, "phone": "13812345678", "hours": 7.25},
    )


class Resources(HTMLParser):
    """Tag names, attribute values and style text: everything but the words."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [v or "" for _, v in attrs]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def test_hostile_text_is_escaped_everywhere(page):
    assert SCRIPT not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # note, card, finding, table
    parsed = Resources()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in page  # shown as text, not a link
    assert "a" not in parsed.tags


def test_page_is_self_contained(page):
    parsed = Resources()
    parsed.feed(page)
    assert not {"link", "script", "iframe", "object", "embed"} & set(parsed.tags)
    assert not [a for a in parsed.attrs if re.match(r"\s*(https?:)?//", a)]
    style = "".join(parsed.styles)
    assert "@import" not in style and "url(" not in style
    # the only http text on the page is the hostile cell's own (escaped) text
    assert page.count("http") == 1


def test_chart_is_inline(page):
    assert page.count("<svg") == 1
    fig = re.search(r'<figure class="chart">(.*?)</figure>', page, re.S).group(1)
    assert "<svg" in fig and "图1 各服务队每月活动次数" in fig
    assert "<img" not in page


def test_personal_data_is_masked(page):
    assert ID not in page and "13812345678" not in page and "051184412345" not in page
    assert f"{ID[:3]}{'*' * 11}{ID[-4:]}" in page
    assert "138****5678" in page and "051*****2345、139****1111" in page
    assert "7.3" in page  # hours formatted


def test_header_shows_period_unit_coverage_and_date(page):
    assert 'lang="zh-CN"' in page
    assert "2026-01-01 至 2026-03-31" in page
    assert "示例市中心血站" in page
    assert "2026年4月2日" in page
    assert "缺 2026-02" in page  # activities: February not loaded
    assert "@page { size: A4; margin: 15mm" in page
    assert "display: table-header-group" in page


def test_table_layout(page):
    assert '<th class="num" scope="col">活动次数</th>' in page
    assert '<td class="num">9</td>' in page
    assert '<tr class="row-fail">' in page
    assert "<tfoot>" in page and "合计" in page
    assert '<td class="nowrap">—</td>' in page  # a missing phone shows a dash


def test_missing_context_is_an_error_not_a_blank():
    with pytest.raises(TrackerError, match=r"模板 .*base\.html 第 \d+ 行使用了报告中没有的名称"):
        env.render("base.html")
    with pytest.raises(jinja2.UndefinedError):
        env.render_string('{% import "macros.html" as m %}{{ m.table(cols, rows) }}',
                          cols=[env.Col("team", "服务队")], rows=[{"name": "x"}])


def test_empty_table_says_so():
    html = env.render_string('{% import "macros.html" as m %}{{ m.table(cols, []) }}',
                             cols=env.columns([("a", "甲"), ("b", "乙")]))
    assert '<td class="empty" colspan="2">无</td>' in html


def test_coverage_across_units():
    cov = {c.kind: c for c in env.coverage(months_loaded(), D(2026, 1, 1), D(2026, 3, 31))}
    acts = cov["activities"]
    assert acts.loaded == ["2026-01"]  # both units
    assert acts.partial == [("2026-02", 1, 2), ("2026-03", 1, 2)]
    assert acts.missing == [] and not acts.complete
    assert cov["demands"].missing == ["2026-01", "2026-02", "2026-03"]
    assert cov["pairings"].ledger == "结对帮扶登记簿"


def test_complete_coverage_is_marked(tmp_path):
    df = pl.DataFrame({"unit": ["甲"] * 3, "kind": ["activities"] * 3, "month": ["2026-01", "2026-02", "2026-03"]})
    cov = env.coverage(df, D(2026, 1, 1), D(2026, 3, 31), kinds=["activities"])
    assert cov[0].complete
    h = env.Header(title="t", unit="甲", start=D(2026, 1, 1), end=D(2026, 3, 31), coverage=cov)
    text = env.render("base.html", header=h)
    assert "完整" in text and "2026-01 至 2026-03" in text and "缺 " not in text

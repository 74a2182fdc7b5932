"""What a report is: tables that go both to HTML and to .xlsx, cards, charts, team labels, headers.

A report context is plain data: the page `Header`, headline cards, `Table`s
(one frame of raw values each: numbers stay numbers in the spreadsheet, the
HTML gets them formatted), chart data (`BarChart`/`Histogram`, drawn only
when the page is written) and lists of findings or sentences. Templates only
lay these out. Figures come from `tracker.assess`; the little arithmetic done
here (shares, shortfalls, differences) works on its frames (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl
from markupsafe import Markup, escape

from tracker import formats as fmt
from tracker.assess.assessment import PeriodFigures, UnitAssessment
from tracker.assess.checks import RULE_TITLES, Finding
from tracker.assess.figures import is_service
from tracker.ingest.kinds import MONTHLY_KINDS, kind_name
from tracker.periods import Period
from tracker.problems import TrackerError
from tracker.render import charts, env
from tracker.render.charts import BarChart, Histogram
from tracker.reports.spec import Request
from tracker.rules import Rules

NO_TEAM = "未分队"
NO_THEME = "未填写主题"
LEVEL_ORDER = {"fail": 0, "warn": 1, "pass": 2}

Chart = BarChart | Histogram


def badge(level: str, text: str) -> Markup:
    """A level badge with its own words (the text is escaped)."""
    if level not in LEVEL_ORDER:
        raise ValueError(level)
    return Markup('<span class="badge badge-{}">{}</span>').format(level, escape(text))


@dataclass(frozen=True)
class Table:
    """One table of a report: shown on the page and written as a sheet of the .xlsx.

    `frame` holds raw values; `cols` are the page's columns (keys of `frame`),
    `formats` turn values into page text; `sheet_cols` maps frame columns to
    the spreadsheet's headers (default: the page's columns that are not badges).
    """

    sheet: str
    caption: str
    frame: pl.DataFrame
    cols: list[env.Col]
    formats: Mapping[str, Callable[[Any], object]] = field(default_factory=dict)
    sheet_cols: Mapping[str, str] | None = None
    level_key: str | None = None
    empty: str = "无"
    note: str = ""
    totals: dict[str, str] | None = None
    group: str | None = None  # a frame column: rows shown in groups, each with a heading and a subtotal row
    subtotal: Callable[[pl.DataFrame], dict[str, str]] | None = None  # a group's frame → its subtotal cells

    # the page and the Word document both lay out rows and groups: each is formatted once
    @cached_property
    def rows(self) -> list[dict[str, object]]:
        """Page rows; a "badge" column shows the row's level (`level_key`) as a badge."""
        df = self.frame
        if self.level_key and "badge" not in df.columns and any(c.key == "badge" for c in self.cols):
            df = df.with_columns(badge=pl.col(self.level_key))
        return env.rows_of(df, self.formats)

    @property
    def height(self) -> int:
        return self.frame.height

    @cached_property
    def groups(self) -> list[dict[str, Any]]:
        """With `group`: per group (in the frame's order) its title, page rows and subtotal cells."""
        if self.group is None:
            return []
        out = []
        for (title,), part in self.frame.partition_by(self.group, as_dict=True, maintain_order=True).items():
            rows = Table(self.sheet, self.caption, part, self.cols, self.formats, level_key=self.level_key).rows
            out.append({"title": fmt.EMPTY if title is None else str(title), "rows": rows,
                        "subtotal": self.subtotal(part) if self.subtotal else {}})
        return out

    def for_xlsx(self) -> tuple[pl.DataFrame, dict[str, str]]:
        titles = dict(self.sheet_cols) if self.sheet_cols is not None else {
            c.key: c.title for c in self.cols if c.key != "badge"
        }
        return self.frame, titles


def status_badges(words: Mapping[str, str]) -> Callable[[object], Markup]:
    """A formatter: a level key → its badge with this table's words for the levels."""
    return lambda level: badge(str(level), words[str(level)])


def cols(*spec: tuple) -> list[env.Col]:
    return env.columns(spec)


def hours_fmt(x: object) -> str:
    return fmt.hours(x)  # type: ignore[arg-type]


def signed_hours(x: object) -> str:
    """+3.5 / −2 / 0."""
    v = float(x)  # type: ignore[arg-type]
    s = fmt.hours(abs(v))
    return f"+{s}" if v > 0 else (f"−{s}" if v < 0 else "0")


def team_labels(teams: pl.DataFrame) -> pl.DataFrame:
    """unit, team, team_label: the short name (简称) where there is one."""
    if teams.height == 0:
        return pl.DataFrame(schema={"unit": pl.String, "team": pl.String, "team_label": pl.String})
    label = pl.coalesce(pl.col("short_name").str.strip_chars().replace("", None), pl.col("team"))
    return teams.select("unit", "team", team_label=label).unique(["unit", "team"])


def with_team_label(df: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Add team_label (short name, else the team, else 未分队) to a frame with unit, team."""
    return df.join(labels, on=["unit", "team"], how="left").with_columns(
        team_label=pl.coalesce("team_label", "team", pl.lit(NO_TEAM))
    )


def team_order(labels: pl.DataFrame) -> list[str]:
    return labels.sort("team")["team_label"].to_list()


def require_data(months_loaded: pl.DataFrame, year: int, units: list[str]) -> None:
    """A year with no activity, demand or pairing month loaded for these units is an error."""
    monthly = months_loaded.filter(pl.col("unit").is_in(units) & pl.col("kind").is_in(list(MONTHLY_KINDS)))
    if monthly.filter(pl.col("month").str.starts_with(f"{year:04d}-")).height == 0:
        loaded = sorted({m[:4] for m in monthly["month"].to_list()})
        where = "、".join(units) if len(units) <= 3 else f"{len(units)} 个单位"
        have = f"已有数据的年度：{'、'.join(loaded)}。" if loaded else "请先导入活动登记簿等台账。"
        raise TrackerError(f"{where}没有 {year} 年的台账数据（活动、群众需求、结对帮扶均未导入）。{have}")


def header(
    months_loaded: pl.DataFrame,
    *,
    title: str,
    unit_label: str,
    units: list[str],
    period: Period,
    coverage_period: Period | None = None,
    today: dt.date,
    subtitle: str = "",
    as_of: dt.date | None = None,
    notes: list[str] | None = None,
) -> env.Header:
    cov = coverage_period or period
    return env.Header(
        title=title,
        unit=unit_label,
        start=period.start,
        end=period.end,
        coverage=env.coverage(months_loaded, cov.start, cov.end, units=units),
        made_on=today,
        subtitle=subtitle,
        as_of=as_of,
        notes=notes or [],
    )


def unconfirmed_note(months_loaded: pl.DataFrame, confirmed: pl.DataFrame, period: Period) -> list[str]:
    """A header note naming the months of the period loaded but not yet confirmed, per monthly
    ledger (docs/ledgers.md, "Confirmed months"); none when every month is confirmed."""
    first, last = period.start.strftime("%Y-%m"), period.end.strftime("%Y-%m")
    loaded = months_loaded.filter(pl.col("kind").is_in(list(MONTHLY_KINDS))
                                  & pl.col("month").is_between(pl.lit(first), pl.lit(last)))
    open_ = loaded.join(confirmed, on=["unit", "kind", "month"], how="anti")
    if open_.is_empty():
        return []
    parts = [f"{kind_name(k)} {fmt.month_ranges(g['month'].to_list())}"
             for (k,), g in open_.group_by("kind", maintain_order=True)]
    return [f"尚未确认的月份：{'；'.join(parts)}。这些月份的记录可能还会更正（确认：tracker confirm）。"]


def rule_title(rule: str) -> str:
    return RULE_TITLES.get(rule, rule)


def finding_items(
    findings: list[Finding], labels: pl.DataFrame, *, with_rule: bool = True
) -> list[dict[str, str]]:
    """Findings for `macros.findings`: "R8 服务队活动次数 · 句容队" + the message."""
    short = {(r["unit"], r["team"]): r["team_label"] for r in labels.to_dicts()}
    out = []
    for f in findings:
        who = [rule_title(f.rule)] if with_rule else []
        if f.team:
            who.append(short.get((f.unit, f.team), f.team))
        if f.volunteer:
            who.append(f.volunteer)
        out.append({"level": f.level, "text": f"{' · '.join(who)}：{f.message}" if who else f.message})
    return out


def service_activities(activities: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """The service activities (one row each) of a `queries.activities` frame, for the
    month and theme splits the assess engine does not make; same rule as its counts."""
    return activities.filter(is_service(rules))


def theme_counts(acts: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """theme, n: activities per theme; the main themes first (even at 0), unfilled last."""
    got = acts.with_columns(theme=pl.col("theme").fill_null(NO_THEME)).group_by("theme").agg(n=pl.len())
    others = got.filter(~pl.col("theme").is_in([*rules.themes, NO_THEME])).sort(["n", "theme"], descending=[True, False])
    main = pl.DataFrame({"theme": list(rules.themes)}).join(got, on="theme", how="left")
    unfilled = got.filter(pl.col("theme") == NO_THEME)
    return pl.concat([main, others, unfilled], how="vertical_relaxed").with_columns(
        pl.col("n").fill_null(0).cast(pl.Int64)
    )


def file_part(name: str) -> str:
    """A unit name made safe for a file name."""
    bad = '<>:"/\\|?*\x00'
    out = "".join("_" if c in bad or ord(c) < 32 else c for c in name).strip(" .")
    return out[:80] or "单位"


@dataclass(frozen=True)
class Block:
    """One piece of a report section, laid out alike on the page and in Word.

    kind: "table" (`key` in `Report.tables`), "chart" (`key` in `Report.charts`,
    with its `caption`), "sentences" / "findings" (`key` in `Report.lists`, or
    the findings in `items`), "heading" (`text`, with an optional level badge),
    "text" (a paragraph; `level="note"` makes it a note).
    """

    kind: str
    key: str = ""
    caption: str = ""
    empty: str = "无"
    text: str = ""
    level: str = ""
    items: tuple = ()


@dataclass(frozen=True)
class Section:
    """A numbered section of a report: its title, an optional note, its blocks in order."""

    title: str
    blocks: tuple[Block, ...]
    note: str = ""


def section(title: str, *blocks: Block, note: str = "") -> Section:
    return Section(title, tuple(blocks), note)


def table_block(key: str) -> Block:
    return Block("table", key)


def chart_block(key: str, caption: str = "") -> Block:
    return Block("chart", key, caption=caption)


def sentences_block(key: str, empty: str = "无") -> Block:
    return Block("sentences", key, empty=empty)


def findings_block(key: str = "", empty: str = "无", items: list | tuple = ()) -> Block:
    return Block("findings", key, empty=empty, items=tuple(items))


def heading_block(text: str, level: str = "") -> Block:
    return Block("heading", text=text, level=level)


def text_block(text: str, note: bool = False) -> Block:
    return Block("text", text=text, level="note" if note else "")


def activities_table(acts: pl.DataFrame, *, sheet: str, caption: str, empty: str, note: str = "") -> Table:
    """Activities one per row, grouped by team (short name) with per-team subtotals.

    `acts`: `queries.activities` rows with `team_label`. Titles, places and
    notes are the user's text: escaped on the page, never a formula in .xlsx.
    Subtotals are the team's activities, person-times and hours, the same
    figures the team tables count (docs/reports.md, "Figures that appear twice").
    """
    frame = acts.sort("team", "date", "aid").select(
        "team_label", "date", "title", "kind", "theme", "place", "participants", "total_hours", "note",
    )

    def subtotal(part: pl.DataFrame) -> dict[str, str]:
        return {"title": f"小计 {part.height} 次", "participants": str(int(part["participants"].sum())),
                "total_hours": fmt.hours(float(part["total_hours"].sum()))}

    return Table(
        sheet=sheet, caption=caption, frame=frame,
        cols=cols(("date", "日期", False, True), ("title", "活动名称"), ("theme", "服务主题"), ("place", "地点"),
                  ("participants", "参加人次", True), ("total_hours", "服务时长（小时）", True), ("note", "备注")),
        formats={"date": fmt.date_iso, "total_hours": hours_fmt},
        sheet_cols={"team_label": "服务队", "date": "日期", "title": "活动名称", "kind": "活动类型",
                    "theme": "服务主题", "place": "地点", "participants": "参加人次",
                    "total_hours": "服务时长（小时）", "note": "备注"},
        empty=empty, note=note, group="team_label", subtotal=subtotal,
        totals={"date": "合计", "title": f"{frame.height} 次", "participants": str(int(frame["participants"].sum())),
                "total_hours": fmt.hours(float(frame["total_hours"].sum()))},
    )


@dataclass
class Report:
    """One unit's report, ready to lay out: what the template and the .xlsx need."""

    kind: str  # quarterly | midyear | annual | overview
    unit: str
    stem: str  # file name without extension
    header: env.Header
    cards: list[dict[str, str]]
    tables: dict[str, Table]
    charts: dict[str, Chart]
    lists: dict[str, list] = field(default_factory=dict)  # findings, sentences
    summary: dict[str, Any] = field(default_factory=dict)  # headline figures for the overview
    sections: list[Section] = field(default_factory=list)  # the layout after 一、总体情况 (page and Word)

    @property
    def template(self) -> str:
        """The page template: templates/KIND.html."""
        return f"{self.kind}.html"


def card(label: str, value: object, unit: str = "", note: str = "", level: str = "") -> dict[str, str]:
    return {"label": label, "value": str(value), "unit": unit, "note": note, "level": level}



def team_month_chart(acts: pl.DataFrame, period: Period, labels: pl.DataFrame, title: str) -> BarChart:
    """Service activities per team per month (stacked), teams in their registered order."""
    long = acts.with_columns(month=pl.col("date").dt.strftime("%Y-%m"), n=pl.lit(1)).select(
        "team_label", "month", "n"
    )
    order = team_order(labels)
    order += sorted(set(long["team_label"].to_list()) - set(order))
    months = period.months
    return charts.crosstab(
        long, category="month", series="team_label", value="n", title=title, categories=months,
        series_order=order, category_labels=charts.month_labels(months), stacked=True,
        value_label="活动次数",
    )


class UnitPeriod:
    """What the sections of one unit's report share: its assessment, the request, the main
    period's figures (`f`), the unit's row of them (`u`) and team labels, each computed once."""

    def __init__(self, a: UnitAssessment, req: Request, period: Period):
        self.a, self.unit, self.rules, self.today, self.year = a, a.unit, a.rules, req.today, req.year
        self.period = period

    @cached_property
    def f(self) -> PeriodFigures:
        return self.a.over(self.period)

    @cached_property
    def u(self) -> dict:
        return self.f.unit_row

    @cached_property
    def labels(self) -> pl.DataFrame:
        return team_labels(self.f.teams)

"""The multi-unit overview: each unit's headline figures side by side (docs/reports.md).

Built from the unit reports already computed (their `summary`), with the
columns and chart the report's `ReportSpec` declares, so every figure is the
same as in the unit's own report.
"""

from __future__ import annotations

import polars as pl

from tracker.periods import Period
from tracker.render import env
from tracker.reports import model as c
from tracker.reports.spec import ReportSpec, Request

NAME = "各单位汇总"


def build(spec: ReportSpec, summaries: dict[str, dict], first: env.Header, months_loaded: pl.DataFrame,
          req: Request) -> c.Report:
    """The overview of the units' `summaries` (unit → its report's summary), in their order;
    `first` is the first unit report's header (the period and subtitle every report shares)."""
    cols = spec.overview
    rows = [{"unit": unit, **{col.key: s[col.key] for col in cols}} for unit, s in summaries.items()]
    frame = pl.DataFrame(rows, infer_schema_length=None).select("unit", *[col.key for col in cols])
    fails = frame["fails"] if "fails" in frame.columns else None
    frame = frame.with_columns(
        level=pl.when(fails > 0).then(pl.lit("fail")) if fails is not None else pl.lit(None, dtype=pl.String)
    )
    table = c.Table(
        sheet="各单位对比", caption=f"表1 各单位{spec.title}主要数据对比",
        frame=frame,
        cols=[env.Col("unit", "单位", nowrap=True)] + [env.Col(col.key, col.title, num=True) for col in cols],
        formats={col.key: col.format for col in cols if col.format is not None},
        sheet_cols={"unit": "单位", **{col.key: col.title for col in cols}},
        level_key="level",
    )
    units = list(summaries)
    head = c.header(
        months_loaded, title=f"党员志愿服务队{spec.title}（汇总）", unit_label=f"{len(units)} 个单位",
        units=units, period=Period(first.start, first.end), today=req.today, subtitle=first.subtitle,
        notes=["各单位的明细见各自的报告文件。"],
    )
    return c.Report(
        kind="overview", unit=NAME, stem=f"{spec.stem(req)}_{NAME}", header=head,
        cards=[c.card("单位", len(units), "个"),
               *([c.card("有未通过项的单位", int((frame["fails"] > 0).sum()), "个")] if fails is not None else [])],
        tables={"units": table}, charts={"units": spec.overview_chart(frame, units)},
        sections=[c.section("二、各单位对比", c.table_block("units"), c.chart_block("units"))],
    )

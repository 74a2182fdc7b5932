"""The multi-unit overview: each unit's headline figures side by side (SPEC §6).

Built from the unit reports already computed (their `summary`), so every
figure is the same as in the unit's own report.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker import formats as fmt
from tracker.render import charts, env
from tracker.reports import common as c

TITLES = {"quarterly": "季度例会通报", "midyear": "年中调整", "annual": "年度考评与星级认定"}
NAME = "各单位汇总"

# per kind: summary key → (column title, page format)
COLUMNS: dict[str, list[tuple[str, str, object]]] = {
    "quarterly": [
        ("volunteers", "在册志愿者", None), ("ratio", "志愿者比例", fmt.pct), ("teams", "服务队", None),
        ("activities", "本季度活动", None), ("ytd_activities", "年度累计活动", None),
        ("hours", "本季度时长", fmt.hours), ("served_text", "本季度参加", None),
        ("met_text", "时长达到进度", None), ("teams_behind", "活动落后的队", None),
        ("meetings", "本季度例会", None), ("demands_overdue", "逾期需求", None),
        ("pairings_overdue", "逾期结对", None), ("fails", "未通过项", None),
    ],
    "midyear": [
        ("as_of", "数据截至", fmt.date_iso), ("volunteers", "在册志愿者", None), ("new", "新志愿者", None),
        ("inactive", "提醒教育", None), ("ratio", "志愿者比例", fmt.pct), ("recruit", "还需吸收", None),
        ("teams", "服务队", None), ("teams_behind", "进度落后的队", None),
    ],
    "annual": [
        ("volunteers", "在册志愿者", None), ("ratio", "志愿者比例", fmt.pct), ("owing", "参加考评", None),
        ("met", "达标", None), ("met_rate", "达标率", fmt.pct), ("hours", "全年时长", fmt.hours),
        ("activities", "全年活动", None), ("teams_met_text", "达标服务队", None), ("starred", "星级志愿者", None),
        ("fails", "未通过项", None),
    ],
}


def stem(kind: str, year: int, quarter: int | None) -> str:
    return {"quarterly": f"季度例会通报_{year}Q{quarter}", "midyear": f"年中调整_{year}",
            "annual": f"年度考评_{year}"}[kind] + f"_{NAME}"


def build(
    con: duckdb.DuckDBPyConnection, kind: str, reports: list[c.Report], *, year: int,
    quarter: int | None, today: dt.date,
) -> c.Report:
    rows = []
    for r in reports:
        s = dict(r.summary)
        s["unit"] = r.unit
        if kind == "quarterly":
            s["served_text"] = f"{s['served']}/{s['owing']}"
            s["met_text"] = f"{s['met']}/{s['met_of']}"
        if kind == "annual":
            s["met_rate"] = s["met"] / s["owing"] if s["owing"] else None
            s["teams_met_text"] = f"{s['teams_met']}/{s['teams']}"
        rows.append(s)
    spec = COLUMNS[kind]
    frame = pl.DataFrame(rows, infer_schema_length=None).select("unit", *[k for k, _, _ in spec])
    fails = frame["fails"] if "fails" in frame.columns else None
    frame = frame.with_columns(
        level=pl.when(fails > 0).then(pl.lit("fail")) if fails is not None else pl.lit(None, dtype=pl.String)
    )
    table = c.Table(
        sheet="各单位对比", caption=f"表1 各单位{TITLES[kind]}主要数据对比",
        frame=frame,
        cols=[env.Col("unit", "单位", nowrap=True)] + [env.Col(k, t, num=True) for k, t, _ in spec],
        formats={k: f for k, _, f in spec if f is not None},
        sheet_cols={"unit": "单位", **{k: t for k, t, _ in spec}},
        level_key="level",
    )
    first = reports[0].header
    units = [r.unit for r in reports]
    if kind == "annual":
        chart = charts.category_counts(frame.with_columns(v=pl.col("met_rate").fill_null(0) * 100), category="unit",
                                       value="v", order=units, title="各单位志愿者达标率（%）", series_name="达标率（%）",
                                       target=100.0, target_label="全部达标")
    elif kind == "midyear":
        chart = charts.category_counts(frame, category="unit", value="inactive", order=units,
                                       title="各单位提醒教育名单人数", series_name="人数")
    else:
        chart = charts.category_counts(frame, category="unit", value="activities", order=units,
                                       title="各单位本季度志愿服务活动次数", series_name="活动次数")
    head = c.header(
        con, title=f"党员志愿服务队{TITLES[kind]}（汇总）", unit_label=f"{len(units)} 个单位",
        units=units, period=_period(first), today=today, subtitle=first.subtitle,
        notes=["各单位的明细见各自的报告文件。"],
    )
    return c.Report(
        kind="overview", unit=NAME, stem=stem(kind, year, quarter), header=head,
        cards=[c.card("单位", len(units), "个"),
               *([c.card("有未通过项的单位", int((frame["fails"] > 0).sum()), "个")] if fails is not None else [])],
        tables={"units": table}, charts={"units": chart}, lists={"kind": [TITLES[kind]]},
    )


def _period(h: env.Header):
    from tracker.periods import Period

    return Period(h.start, h.end)

"""Each figure is computed once per run, the same alone or in a city run, and texts quote the rules in force."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from factory import D, Ledger
from report_demo import demo_db

from tracker import api
from tracker.assess import figures
from tracker.assess.assessment import Assessment
from tracker.reports.registry import REPORTS
from tracker.reports.spec import Request
from tracker.rules import DEFAULTS, Rules
from tracker.store.db import connect

TODAY = D(2026, 1, 20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_db(tmp_path_factory)


def test_the_quarterlys_year_to_date_figures_are_computed_once(demo, monkeypatch):
    """The tables and the failing checks of an ended quarter read the same year-to-date figures."""
    calls: list[tuple[dt.date, dt.date]] = []
    real = figures.volunteer_figures

    def counted(con, period, *a, **kw):
        calls.append((period.start, period.end))
        return real(con, period, *a, **kw)

    monkeypatch.setattr(figures, "volunteer_figures", counted)
    with connect(demo.db, read_only=True) as con:
        a = Assessment(con, DEFAULTS, demo.design.unit, TODAY)
        r = REPORTS["quarterly"].build(a.unit_view(demo.design.unit), Request(2025, quarter=3, today=TODAY))
    assert r.lists["fails"]  # the checks ran
    assert sorted(calls) == [(D(2025, 1, 1), D(2025, 9, 30)), (D(2025, 7, 1), D(2025, 9, 30))]


def _two_units(path) -> None:
    led = Ledger(path)
    for unit, n in (("甲医院", 3), ("乙卫生院", 2)):
        led.unit(unit, 10)
        team = led.team(unit, f"{unit}服务队", leader=f"{unit}队长")
        people = [led.volunteer(unit, f"{unit}{i}号", team, registered=D(2024, 1, 1), leadership=i == 0)
                  for i in range(n)]
        for m in range(1, 13):
            led.activity(unit, team, D(2025, m, 9), f"第{m}次服务", people[: 1 + m % n], hours=1.5 + m % 3,
                         theme=("关爱老幼弱残", "关爱山川河流")[m % 2])
        led.activity(unit, team, D(2025, 5, 20), "例会", people, hours=1, kind="例会")
        led.months(unit, "activities", [f"2025-{m:02d}" for m in range(1, 13)])
    led.close()


def _figures(r) -> dict:
    """What a reader compares: cards, every table's frame, sentences and the overview summary."""
    return {"cards": r.cards, "tables": {k: t.frame.to_dicts() for k, t in r.tables.items()},
            "lists": {k: v for k, v in r.lists.items()}, "summary": r.summary}


@pytest.mark.parametrize("name, extra", [("quarterly", {"quarter": 2}), ("midyear", {}), ("annual", {})])
def test_a_units_report_is_the_same_alone_and_in_a_city_run(tmp_path, name, extra):
    db = tmp_path / "two.duckdb"
    _two_units(db)
    req = Request(2025, today=TODAY, **extra)
    with connect(db, read_only=True) as con:
        city = Assessment(con, DEFAULTS, None, TODAY)
        together = {r.unit: r for r in [REPORTS[name].build(city.unit_view(u), req) for u in city.units]}
        for unit in ("甲医院", "乙卫生院"):
            alone = Assessment(con, DEFAULTS, unit, TODAY)
            assert _figures(REPORTS[name].build(alone.unit_view(unit), req)) == _figures(together[unit])


def test_texts_quote_the_thresholds_of_the_rules_in_force(demo, tmp_path):
    rules = Rules(team_activities=12, volunteer_hours=30.0)
    made = api.report(demo.db, "quarterly", year=2025, quarter=4, out_dir=tmp_path, rules=rules, today=TODAY)
    html = made.paths[0].read_text(encoding="utf-8")
    assert "至少组织 12 次" in html and "完成全年12次" in html and "全年目标 12 次" in html
    assert "10 次" not in html and "全年10次" not in html
    assert "全年 30 小时" in html
    sheet = openpyxl.load_workbook(made.paths[1])["服务队活动"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    head = rows[0]
    teams = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    assert teams and all(t["完成全年比例"] == pytest.approx(t["年度累计活动"] / 12) for t in teams)
    assert all(t["全年还需"] == max(12 - t["年度累计活动"], 0) for t in teams)


def test_charts_drawn_by_worker_processes_are_the_charts_drawn_here(tmp_path):
    """A city run draws charts in other processes; the files are the same as drawn in one."""
    db = tmp_path / "two.duckdb"
    _two_units(db)
    here = api.report(db, "annual", year=2025, out_dir=tmp_path / "here", today=TODAY, workers=0)
    pool = api.report(db, "annual", year=2025, out_dir=tmp_path / "pool", today=TODAY, workers=2)
    assert [p.name for p in here.paths] == [p.name for p in pool.paths]
    assert len(here.paths) == 6  # two units and the overview, html and xlsx each
    for a, b in zip(here.paths, pool.paths, strict=True):
        if a.suffix == ".html":
            assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8"), a.name
    assert here.summaries == pool.summaries and here.overview is not None

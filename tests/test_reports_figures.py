"""Figures a report shows twice agree (docs/reports.md, "Figures that appear twice"), and the activity lists.

Over the demo year (every quarter and the year) and a small unit shaped like
the notice's example with every case that once made figures disagree (pairing
visits, a volunteer serving in another team's activity, training and a
meeting, a withdrawal, a registration during the year): each card against its
own tables, each activity list's subtotals against the team table, and the
tables against `tracker check --json`.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
import pytest
from conftest import TEAMS, UNIT, people
from factory import Ledger
from report_demo import demo_db

from tracker import api
from tracker.periods import Period

D = dt.date
TODAY = D(2026, 1, 20)
EPS = 1e-6


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    return demo_db(tmp_path_factory).db


@pytest.fixture(scope="session")
def seed_like(tmp_path_factory):
    """A unit after the notice's example (four teams, 26 volunteers) with every counting case."""
    led = Ledger(tmp_path_factory.mktemp("seed") / "seed.duckdb")
    led.unit(UNIT, 34, 30)
    teams = [led.team(UNIT, t, short_name=s, founded=D(2013, 7, 1)) for t, s in TEAMS]
    vids, team_of = [], {}
    for i, p in enumerate(people()):
        left = D(2025, 5, 31) if i == 5 else None
        vid = led.volunteer(UNIT, p["name"], p["team"], number=f"XZ{i + 1:03d}", phone=p["phone"],
                            id_number=p["id"], registered=D(2025, 8, 1) if i == 6 else D(2024, 3, 1),
                            status="退出" if left else "在册", left=left, leadership=p["leader"])
        vids.append(vid)
        team_of[vid] = p["team"]
    members = {t: [v for v in vids if team_of[v] == t] for t in teams}
    for m in range(1, 13):
        for k, t in enumerate(teams):
            if (m + k) % 3 == 0 and not (k == 3 and m > 9):
                crew = members[t][: 3 + m % 3] + [members[teams[(k + 1) % 4]][0]]  # a guest from the next team
                led.activity(UNIT, t, D(2025, m, 10 + k), f"{t[-4:-1]}{m}月活动", crew, hours=2.5 + k,
                             theme=("关爱老幼弱残", "学雷锋献爱心", "环境保护")[(m + k) % 3])
        if m % 3 == 2:
            led.activity(UNIT, teams[0], D(2025, m, 20), "季度工作例会", vids[:8], hours=1.5, kind="例会")
        if m in (4, 10):
            led.activity(UNIT, teams[1], D(2025, m, 22), "业务培训", vids[:12], hours=3, kind="培训")
        led.pairing(UNIT, vids[2], D(2025, m, 5), "独居老人甲", hours=1.5, pair_id="JD-1")
        if m % 2:
            led.pairing(UNIT, vids[9], D(2025, m, 6), "困难家庭乙", hours=2, pair_id="JD-2")
    led.months(UNIT, "activities", [f"2025-{m:02d}" for m in range(1, 13)])
    led.months(UNIT, "pairings", [f"2025-{m:02d}" for m in range(1, 13)])
    led.close()
    return led.path


def num(text: str) -> float:
    return float(re.search(r"-?\d+(\.\d+)?", text.replace(",", ""))[0])


def card(r, label: str) -> dict:
    (c,) = [c for c in r.cards if c["label"].startswith(label)]
    return c


def checked(cli, db, *args) -> list[dict]:
    res = cli("check", "--json", *args, db=db)
    assert res.code in (0, 1), res.err
    return json.loads(res.out)


def assert_activity_list_matches_team_table(lst, teams, count_col: str, hours_col: str | None) -> None:
    """Each team's subtotal in the activity list is that team's row of the team table."""
    groups = {g["title"]: g for g in lst.groups}
    for row in teams.to_dicts():
        n = row[count_col]
        g = groups.get(row["team_label"])
        if n == 0:
            assert g is None
            continue
        assert g["subtotal"]["title"] == f"小计 {n} 次" and len(g["rows"]) == n
        if hours_col:
            assert abs(num(g["subtotal"]["total_hours"]) - row[hours_col]) < EPS
    assert lst.totals["title"] == f"{lst.frame.height} 次"
    assert sum(len(g["rows"]) for g in groups.values()) == lst.frame.height


@pytest.mark.parametrize("which", ["demo", "seed_like"])
@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_quarterly_figures_agree_with_their_tables_and_check(which, quarter, request, cli, tmp_path):
    db = request.getfixturevalue(which)
    r = api.build_report(db, "quarterly", year=2025, quarter=quarter, today=TODAY)
    t1, lst, vols, pairs = (r.tables[k] for k in ("teams", "activities", "volunteers", "pairings"))
    teams = t1.frame

    acts = card(r, "本季度志愿服务活动")
    assert num(acts["value"]) == teams["q_activities"].sum() == lst.frame.height == int(t1.totals["q_activities"])
    hours = card(r, "本季度服务时长")
    assert hours["label"] == "本季度服务时长（含结对走访）"
    activity_part, pairing_part = (float(x) for x in re.findall(r"活动 ([\d.]+) \+ 结对走访 ([\d.]+)", hours["note"])[0])
    assert abs(activity_part - teams["q_hours"].sum()) < EPS and abs(activity_part - num(t1.totals["q_hours"])) < EPS
    assert abs(activity_part - lst.frame["total_hours"].sum()) < EPS
    assert abs(pairing_part - pairs.frame["hours"].sum()) < EPS
    assert abs(num(hours["value"]) - (activity_part + pairing_part)) < EPS
    assert abs(num(hours["value"]) - vols.frame["q_hours"].sum()) < EPS  # everyone's hours, per volunteer
    assert_activity_list_matches_team_table(lst, teams, "q_activities", "q_hours")
    assert not (set(r.tables["other_activities"].frame["kind"]) - {"培训", "例会"})

    q_end = Period.quarter(2025, quarter).end
    found = checked(cli, db, "--year", "2025", "--as-of", q_end.isoformat())
    meeting = [f for f in found if f["rule"] == "quarterly_meeting" and f["figures"]["quarter"] == quarter]
    assert meeting and meeting[0]["figures"]["meetings"] == num(card(r, "本季度工作例会")["value"])
    by_team = {f["team"]: f["figures"]["activities"] for f in found if f["rule"] == "team_activities"}
    assert by_team == {row["team"]: row["ytd_activities"] for row in teams.to_dicts()}


@pytest.mark.parametrize("which", ["demo", "seed_like"])
def test_annual_figures_agree_with_their_tables_appendix_and_check(which, request, cli, tmp_path):
    db = request.getfixturevalue(which)
    r = api.build_report(db, "annual", year=2025, today=TODAY)
    vols, teams, lst = r.tables["volunteers"].frame, r.tables["teams"].frame, r.tables["activities"]
    assert num(card(r, "全年志愿服务活动")["value"]) == teams["activities"].sum() == lst.frame.height
    hours = card(r, "全年服务时长")
    assert hours["label"] == "全年服务时长（含结对走访）"
    assert abs(num(hours["value"]) - vols["service_hours"].sum()) < EPS
    pairing = float(re.search(r"其中结对走访 ([\d.]+)", hours["note"])[1])
    assert abs(vols["service_hours"].sum() - (lst.frame["total_hours"].sum() + pairing)) < EPS
    assert_activity_list_matches_team_table(lst, teams, "activities", None)

    found = checked(cli, db, "--year", "2025", "--as-of", "2025-12-31")
    by_team = {f["team"]: f["figures"]["activities"] for f in found if f["rule"] == "team_activities"}
    assert by_team == {row["team"]: row["activities"] for row in teams.to_dicts()}
    short = [f for f in found if f["rule"] == "volunteer_hours" and f["volunteer"]]
    table = {row["name"]: row["service_hours"] for row in vols.to_dicts()}
    assert short or which == "seed_like"
    for f in short:
        assert abs(f["figures"]["service_hours"] - table[f["volunteer"]]) < EPS


def test_activity_lists_are_in_the_page_and_the_workbook(demo, tmp_path):
    res = api.report(demo, "quarterly", year=2025, quarter=4, out_dir=tmp_path, today=TODAY)
    html = res.paths[0].read_text(encoding="utf-8")
    lst = api.build_report(demo, "quarterly", year=2025, quarter=4, today=TODAY).tables["activities"]
    first = lst.frame.row(0, named=True)
    assert "表7 本季度志愿服务活动一览" in html and first["title"] in html
    assert html.count('<tr class="group">') == len(lst.groups) == 4
    assert html.count('<tr class="subtotal">') == 4
    ws = openpyxl.load_workbook(res.paths[1])["本季度活动一览"]
    header = [c.value for c in ws[2]]
    assert header[:4] == ["服务队", "日期", "活动名称", "活动类型"]
    assert ws.max_row - 2 == lst.frame.height
    annual = api.report(demo, "annual", year=2025, out_dir=tmp_path, today=TODAY)
    page = annual.paths[0].read_text(encoding="utf-8")
    assert "附录　各服务队全年活动一览" in page and "附表 各服务队全年志愿服务活动一览" in page


def test_user_text_in_the_activity_list_is_escaped_and_never_a_formula(tmp_path):
    led = Ledger(tmp_path / "h.duckdb")
    led.unit("示例医院", 10)
    team = led.team("示例医院", "示例队")
    a = led.volunteer("示例医院", "张三", team, registered=D(2024, 1, 1))
    led.activity("示例医院", team, D(2025, 2, 3), "<b>义诊</b>", [a], hours=3)
    led.activity("示例医院", team, D(2025, 2, 9), '=HYPERLINK("http://evil.example","点我")', [a], hours=2)
    led.months("示例医院", "activities", ["2025-01", "2025-02", "2025-03"])
    led.close()
    res = api.report(led.path, "quarterly", year=2025, quarter=1, out_dir=tmp_path, today=TODAY,
                     formats=("html", "xlsx", "docx"))
    html = res.paths[0].read_text(encoding="utf-8")
    assert "<b>义诊</b>" not in html and "&lt;b&gt;义诊&lt;/b&gt;" in html
    ws = openpyxl.load_workbook(res.paths[1])["本季度活动一览"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)

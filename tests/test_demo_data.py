"""The demo year's ledger files: shaped like the notice's example, deterministic,
made-up people with valid ID numbers, and the variety the reports are meant to show.

Files are read back with tracker's own reader (header found by the declared
columns), so a layout the loader cannot find fails here too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tracker.demo_data import DemoFiles, write_demo_ledgers
from tracker.ingest.kinds import KINDS
from tracker.ingest.layout import Table, locate
from tracker.ingest.read import read_file
from tracker.ingest.resolve import explode_participants
from tracker.values import id_check_digit, parse_date, parse_hours

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_ledgers(tmp_path_factory.mktemp("demo") / "ledgers")


def table(path: Path, kind: str) -> Table:
    (sheet,) = read_file(path)
    found = locate(sheet, KINDS[kind], path.name)
    assert found is not None, f"{path.name}: header not found"
    return found


def frame(demo: DemoFiles, kind: str) -> pl.DataFrame:
    """All files of a kind, stacked, with dates and hours parsed."""
    frames = [table(f.path, kind).rows.with_columns(pl.lit(f.path.name).alias("file"))
              for f in demo.of_kind(kind)]
    out = pl.concat(frames, how="diagonal_relaxed")
    for col, typ in (("date", "date"), ("received", "date"), ("closed", "date"), ("hours", "hours")):
        if col in out.columns:
            parse = parse_date if typ == "date" else parse_hours
            out = out.with_columns(parse(pl.col(col)).alias(f"{col}_v"))
    return out


def roster(demo: DemoFiles, which: int) -> pl.DataFrame:
    return table(demo.of_kind("roster")[which].path, "roster").rows.with_columns(
        pl.col("name").str.replace_all("\u3000", ""),
        pl.col("team").str.extract(r"（(.+)）").alias("short"),
    )


def service_hours(demo: DemoFiles) -> pl.DataFrame:
    """name label → service hours and last service date (志愿服务 activities + pairing visits)."""
    acts = frame(demo, "activities")
    kind = pl.col("kind").fill_null("志愿服务")
    served = (
        explode_participants(acts.filter(kind == "志愿服务"), ["team", "date_v", "hours_v"])
        .select(pl.col("token").alias("who"), "team", "date_v", "hours_v")
    )
    visits = frame(demo, "pairings").select(
        pl.col("volunteer").alias("who"), pl.lit(None, pl.String).alias("team"), "date_v", "hours_v"
    )
    return pl.concat([served, visits]).group_by("who").agg(
        pl.col("hours_v").sum().alias("hours"), pl.col("date_v").max().alias("last")
    )


def labels(people: pl.DataFrame) -> set[str]:
    """How an activity log may name each person: the name, or name(last four) when shared."""
    shared = people.filter(pl.col("name").is_duplicated())
    plain = set(people.filter(~pl.col("name").is_duplicated())["name"])
    return plain | {f"{n}({p[-4:]})" for n, p in shared.select("name", "phone").iter_rows()}


def xlsx_values(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path).active
    return list(ws.iter_rows(values_only=True))


def test_same_seed_gives_the_same_files(demo: DemoFiles, tmp_path: Path) -> None:
    again = write_demo_ledgers(tmp_path / "again")
    assert [(f.kind, f.path.name, f.options) for f in again.files] == [
        (f.kind, f.path.name, f.options) for f in demo.files
    ]
    for a, b in zip(demo.files, again.files, strict=True):
        if a.path.suffix == ".csv":
            assert a.path.read_bytes() == b.path.read_bytes(), a.path.name
        else:
            assert xlsx_values(a.path) == xlsx_values(b.path), a.path.name
    other = write_demo_ledgers(tmp_path / "other", seed=7)
    assert xlsx_values(other.of_kind("roster")[0].path) != xlsx_values(demo.of_kind("roster")[0].path)


def test_files_come_in_load_order(demo: DemoFiles) -> None:
    kinds = [f.kind for f in demo.files]
    assert kinds[:3] == ["units", "teams", "roster"]
    assert kinds[-2:] == ["demands", "pairings"]
    months = [f.options["month"] for f in demo.of_kind("activities")]
    assert months == [f"{demo.year}-{m:02d}" for m in range(1, 13)]
    midyear = kinds.index("roster", 3)
    assert demo.files[midyear - 1].options["month"] == f"{demo.year}-06"
    assert all(f.path.exists() for f in demo.files)


def test_unit_and_teams_forms_match_the_notice_example(demo: DemoFiles) -> None:
    units = table(demo.of_kind("units")[0].path, "units")
    assert units.title_parent == "示例市卫生局"
    assert units.rows.select("unit", "party_members", "team_count", "volunteer_count").rows() == [
        ("示例市中心血站", "34", "4", "26")
    ]
    teams = table(demo.of_kind("teams")[0].path, "teams")
    assert (teams.title_unit, teams.title_staff) == ("示例市中心血站", 90)
    rows = teams.rows
    assert rows["unit"].to_list() == ["示例市中心血站"] * 4  # one merged cell over the block
    assert rows["short_name"].to_list() == ["检验队", "业务队", "宣传队", "句容队"]
    assert rows["member_count"].to_list() == ["7", "7", "8", "4"]
    assert "总计 26人" in teams.totals.row(0) and "总计　4　支" in teams.totals.row(0)
    ten = rows.select([c for c in rows.columns if c.startswith("has_")])
    scores = ten.select(pl.sum_horizontal(pl.all() == "是")).to_series().to_list()
    assert sorted(scores) == [8, 10, 10, 10]
    assert ten.width == 10
    # the leaders named on the form are the roster's leadership members of those teams
    people = roster(demo, 0)
    leads = people.filter(pl.col("leadership") == "是").select("short", "name").rows()
    assert sorted(leads) == sorted(rows.select("short_name", "leader").rows())


def test_roster_is_four_teams_of_7_7_8_4_with_valid_made_up_ids(demo: DemoFiles) -> None:
    start, mid = roster(demo, 0), roster(demo, 1)
    sizes = dict(start.group_by("short").len().rows())
    assert sizes == {"检验队": 7, "业务队": 7, "宣传队": 8, "句容队": 4}
    for people in (start, mid):
        for id_number in people["id_number"]:
            assert len(id_number) == 18 and id_check_digit(id_number[:17]) == id_number[17]
        assert people["id_number"].n_unique() == people.height
        assert (people["number"].n_unique(), people["phone"].null_count()) == (people.height, 0)
    # the shared name is told apart by the phone's last four digits
    wang = start.filter(pl.col("name") == demo.design.duplicate_name)
    assert wang.height == 2 and wang["phone"].str.slice(-4).n_unique() == 2
    assert start["phone"].str.contains("、").any()  # 办公、手机
    # 入党时间, IDs and phones are text cells, so "2010.10" stays October
    ws = openpyxl.load_workbook(demo.of_kind("roster")[0].path).active
    header = [c.value for c in ws[3]]
    for col in ("入党时间", "身份证号码"):
        body = [row for row in ws.iter_rows(min_row=4) if row[0].value and row[1].value]
        cells = [row[header.index(col)] for row in body]
        assert len(cells) == start.height
        assert all(c.data_type == "s" for c in cells)
    assert "2010.10" in start["joined_party"].to_list()
    assert any("\u3000" in c.value for c in ws["B"][3:] if c.value)  # "王　丽"-style padding


def test_midyear_roster_records_withdrawal_move_and_new_volunteers(demo: DemoFiles) -> None:
    start, mid = roster(demo, 0), roster(demo, 1)
    d = demo.design
    assert mid.height == start.height + 2
    left = mid.filter(pl.col("status") == "退出")
    assert left["name"].to_list() == [d.withdrawn]
    assert pl.select(parse_date(pl.lit(left["left"][0]))).item() == d.withdrawn_on
    new = mid.join(start.select("number"), on="number", how="anti")
    assert sorted(new["name"]) == sorted(d.new_volunteers)
    months = new.select(parse_date(pl.col("registered")).dt.month()).to_series().to_list()
    assert months == [5, 5]
    moved = mid.join(start.select("number", pl.col("short").alias("before")), on="number").filter(
        pl.col("short") != pl.col("before")
    )
    assert moved.select("name", "before", "short").rows() == [d.moved]
    assert set(d.star_prior_hours.values()) >= {80, 290, 1020}


def test_no_date_after_today_and_ledgers_stay_in_their_year(demo: DemoFiles) -> None:
    assert dt.date(demo.year, 12, 31) < TODAY  # a full year, all of it past
    acts, demands, pairs = frame(demo, "activities"), frame(demo, "demands"), frame(demo, "pairings")
    for f, cols in ((acts, ["date_v"]), (demands, ["received_v", "closed_v"]), (pairs, ["date_v"])):
        for col in cols:
            dates = f[col].drop_nulls()
            assert dates.len() and dates.max() <= dt.date(demo.year, 12, 31) < TODAY
            assert dates.min() >= dt.date(demo.year, 1, 1)
    assert acts["date_v"].null_count() == 0 and acts["hours_v"].null_count() == 0
    for month_file in demo.of_kind("activities"):
        got = acts.filter(pl.col("file") == month_file.path.name)["date_v"].dt.strftime("%Y-%m")
        assert set(got) == {month_file.options["month"]}
    for i in (0, 1):
        people = roster(demo, i)
        for col in ("applied", "approved", "registered", "left"):
            dates = people.select(parse_date(pl.col(col))).to_series().drop_nulls()
            assert dates.len() == 0 or dates.max() < TODAY


def test_every_participant_is_someone_in_the_roster(demo: DemoFiles) -> None:
    known = labels(roster(demo, 1))
    for f in demo.of_kind("activities"):
        rows = table(f.path, "activities").rows
        tokens = set(explode_participants(rows, [])["token"])
        assert tokens <= known, (f.path.name, tokens - known)
    pairs = set(frame(demo, "pairings")["volunteer"])
    assert pairs <= known
    # the two 王丽 appear as 王丽(last4) somewhere
    acts = frame(demo, "activities")
    assert acts["participants"].str.contains(demo.design.duplicate_name + r"\(\d{4}\)").any()


def test_file_formats_vary_like_real_uploads(demo: DemoFiles) -> None:
    suffixes = {f.path.suffix for f in demo.of_kind("activities")}
    assert suffixes == {".xlsx", ".csv"}
    csvs = [f.path.read_bytes() for f in demo.of_kind("activities") if f.path.suffix == ".csv"]
    assert any(b.startswith(b"\xef\xbb\xbf") for b in csvs)
    gbk = [b for b in csvs if not b.startswith(b"\xef\xbb\xbf")]
    assert gbk
    for b in gbk:
        with pytest.raises(UnicodeDecodeError):
            b.decode("utf-8")
    hours = frame(demo, "activities")["hours"]
    assert hours.str.contains("小时").any() and hours.str.contains("分钟").any()
    parts = frame(demo, "activities")["participants"]
    assert parts.str.contains("、").any() and parts.str.contains("，| ").any()


def test_designed_variety_is_in_the_data(demo: DemoFiles) -> None:
    d = demo.design
    acts = frame(demo, "activities").with_columns(pl.col("kind").fill_null("志愿服务"))
    service = acts.filter(pl.col("kind") == "志愿服务")
    per_team = {t: g for (t,), g in service.group_by("team")}
    assert per_team[d.short_team].height < 10
    assert "关爱山川河流" not in set(per_team[d.short_team]["theme"])
    for team, g in per_team.items():
        if team != d.short_team:
            assert g.height >= 10 and {"关爱老幼弱残", "关爱山川河流"} <= set(g["theme"]), team
    quarters = acts.filter(pl.col("kind") == "例会")["date_v"].dt.quarter().to_list()
    assert sorted(set(range(1, 5)) - set(quarters)) == [d.missing_meeting_quarter]
    assert acts.filter(pl.col("kind") == "培训").height >= 2

    hours = service_hours(demo)
    people = roster(demo, 1)
    served = set(hours["who"].str.replace(r"\(\d{4}\)$", ""))
    assert set(people["name"]) - served == set(d.never_served)
    late = hours.filter(pl.col("who").is_in(list(d.stopped_after_march)))
    assert late.height == 2 and late["last"].max() < dt.date(demo.year, 4, 1)
    assert late["last"].min() >= dt.date(demo.year, 3, 1)
    assert (hours["hours"] >= 24).sum() >= 2 * people.height // 3
    # a volunteer serves in another team's activity
    guest, host = d.guest
    assert service.filter((pl.col("team") == host) & pl.col("participants").str.contains(guest)).height


def test_demands_and_pairings_have_overdue_items(demo: DemoFiles) -> None:
    d = demo.design
    year_end = dt.date(demo.year, 12, 31)
    demands = frame(demo, "demands")
    assert {"已办结", "办理中", "待办理"} <= set(demands["status"])
    done = demands.filter(pl.col("status") == "已办结")
    assert done["closed_v"].null_count() == 0 and done["rating"].null_count() == 0
    open_ = demands.filter(pl.col("status") != "已办结")
    overdue = open_.filter((pl.lit(year_end) - pl.col("received_v")).dt.total_days() > 30)
    assert overdue.height >= 2 and sorted(overdue["demand_id"]) == sorted(d.overdue_demands)
    assert open_.height > overdue.height  # some open ones are still fresh

    pairs = frame(demo, "pairings")
    last = pairs.group_by("pair_id").agg(pl.col("date_v").max(), pl.col("pair_status").last())
    late = last.filter(
        ((pl.lit(year_end) - pl.col("date_v")).dt.total_days() > 31) & (pl.col("pair_status") != "已结束")
    )
    assert late["pair_id"].to_list() == [d.overdue_pairing]
    assert last.filter(pl.col("pair_status") == "已结束")["pair_id"].to_list() == [d.ended_pairing]


def test_refuses_a_year_that_is_not_over(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="尚未结束"):
        write_demo_ledgers(tmp_path, year=2026, today=dt.date(2026, 11, 28))
    assert not list(tmp_path.iterdir())


def test_every_file_loads(demo: DemoFiles, tmp_path: Path) -> None:
    api = pytest.importorskip("tracker.api")
    db = tmp_path / "demo.duckdb"
    api.init(db)
    for f in demo.files:
        (result,) = api.load(db, f.kind, [f.path], **f.options)
        errors = [p for p in result.problems if p.level == "error"]
        assert result.status == "loaded" and not errors, (f.path.name, errors)

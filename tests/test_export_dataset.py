"""`tracker export dataset`: the ledgers as Parquet a data platform reads without tracker (docs/dataset.md)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from report_demo import demo_db

from tracker.values import id_check_digit


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_db(tmp_path_factory)


def _sql(path) -> str:
    return str(path).replace("'", "''")


def test_the_years_figures_over_the_parquet_are_trackers(demo, cli, tmp_path):
    out = tmp_path / "数据集"
    r = cli("export", "dataset", "--out", out, "--year", "2025", db=demo.db)
    assert r.code == 0, r.out + r.err
    assert "已导出数据集" in r.out and "已遮盖" in r.out
    assert (out / "activities" / "year=2025").is_dir() and (out / "units" / "data.parquet").is_file()
    con = duckdb.connect()
    glob = lambda t: f"read_parquet('{_sql(out / t)}/**/*.parquet', hive_partitioning = true)"  # noqa: E731
    # the notice's two yearly counts, straight from the files: activities per team, hours per volunteer
    teams = dict(((u, t), n) for u, t, n in con.execute(f"""
        SELECT unit, team, count(*) FROM {glob('activities')}
        WHERE kind = '志愿服务' AND year = 2025 GROUP BY ALL""").fetchall())
    hours = dict(con.execute(f"""
        SELECT v.name, sum(h) FROM (
            SELECT p.vid, p.hours AS h FROM {glob('participations')} p JOIN {glob('activities')} a USING (aid)
            WHERE a.kind = '志愿服务' AND a.year = 2025
            UNION ALL SELECT vid, coalesce(hours, 0) FROM {glob('pairing_visits')} WHERE year = 2025
        ) s JOIN {glob('volunteers')} v USING (vid) GROUP BY v.name""").fetchall())
    check = cli("check", "--year", "2025", "--json", db=demo.db)
    findings = json.loads(check.out)
    team_rows = [f for f in findings if f["rule"] == "team_activities"]
    assert team_rows and all(f["figures"]["activities"] == teams.get((f["unit"], f["team"]), 0)
                             for f in team_rows)
    short = [f for f in findings if f["rule"] == "volunteer_hours" and f["volunteer"]]
    assert short and all(f["figures"]["service_hours"] == pytest.approx(hours.get(f["volunteer"], 0))
                         for f in short)


def test_personal_numbers_are_masked_unless_asked(tmp_path, cli, db):
    number = "32010219800101123" + id_check_digit("32010219800101123")
    roster = tmp_path / "花名册.csv"
    roster.write_text(f"单位名称,姓名,联系方式,身份证号码\n示例医院,张晓明,13812345678,{number}\n", encoding="utf-8")
    assert cli("load", "roster", roster, db=db).code == 0
    for args, shown in (([], False), (["--unmask"], True)):
        out = tmp_path / ("open" if shown else "masked")
        assert cli("export", "dataset", "--out", out, *args, db=db).code == 0
        row = duckdb.connect().execute(
            f"SELECT phone, id_number FROM read_parquet('{_sql(out)}/volunteer_versions/**/*.parquet')").fetchone()
        assert (row == ("13812345678", number)) is shown
        if not shown:
            assert row == ("138****5678", number[:3] + "*" * 11 + number[-4:])


def test_two_phones_are_masked_each_as_every_other_output_masks_them(tmp_path, cli, db):
    from tracker.privacy import mask_phone

    roster = tmp_path / "花名册.csv"
    roster.write_text("单位名称,姓名,联系方式\n示例医院,张晓明,051184412345、13812345678\n", encoding="utf-8")
    assert cli("load", "roster", roster, db=db).code == 0
    out = tmp_path / "masked"
    assert cli("export", "dataset", "--out", out, db=db).code == 0
    (phone,) = duckdb.connect().execute(
        f"SELECT phone FROM read_parquet('{_sql(out)}/volunteer_versions/**/*.parquet')").fetchone()
    assert phone == mask_phone("051184412345、13812345678") and "5678" in phone and "1234567" not in phone


def test_one_units_export_holds_none_of_another_units_rows(tmp_path, cli, db):
    for unit, name in (("示例医院", "张晓明"), ("示例小学", "李红")):
        teams = tmp_path / f"{unit}服务队.csv"
        teams.write_text(f"单位名称,服务队名称\n{unit},{unit}服务队\n", encoding="utf-8")
        assert cli("load", "teams", teams, "--as-of", "2025-01-01", db=db).code == 0
        roster = tmp_path / f"{unit}花名册.csv"
        roster.write_text(f"单位名称,姓名,所属服务队\n{unit},{name},\n", encoding="utf-8")
        assert cli("load", "roster", roster, db=db).code == 0
        acts = tmp_path / f"{unit}活动.csv"
        acts.write_text(f"单位名称,日期,服务队,活动名称,参加人员,服务时长\n{unit},2025-03-05,{unit}服务队,义诊,{name},2\n",
                        encoding="utf-8")
        r = cli("load", "activities", acts, "--as-of", "2025-03-31", db=db)
        assert r.code == 0, r.out + r.err
    out = tmp_path / "医院"
    r = cli("export", "dataset", "--out", out, "--unit", "示例医院", db=db)
    assert r.code == 0, r.out + r.err
    con = duckdb.connect()
    read = lambda t: f"read_parquet('{_sql(out)}/{t}/**/*.parquet', hive_partitioning = true)"  # noqa: E731
    assert con.execute(f"SELECT count(*) FROM {read('participations')}").fetchone() == (1,)
    assert con.execute(f"SELECT DISTINCT unit FROM {read('activities')}").fetchall() == [("示例医院",)]
    loads = con.execute(f"SELECT units FROM {read('loads')}").fetchall()
    assert loads and all(us == ["示例医院"] for (us,) in loads)


def test_a_file_or_a_foreign_folder_is_refused(tmp_path, cli, db):
    (tmp_path / "x.txt").write_text("x")
    r = cli("export", "dataset", "--out", tmp_path / "x.txt", db=db)
    assert r.code == 1 and "需要一个文件夹" in r.err
    r = cli("export", "dataset", "--out", tmp_path, db=db)
    assert r.code == 1 and "不是空的" in r.err


def test_a_failed_export_leaves_the_earlier_one_whole(tmp_path, cli, db, monkeypatch):
    from tracker.exports import dataset

    out = tmp_path / "数据集"
    assert cli("export", "dataset", "--out", out, db=db).code == 0
    (out / "说明.txt").write_text("本单位自己的说明", encoding="utf-8")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    real = dataset._write_tables

    def fails_half_way(con, folder, *args):
        real(con, folder, *args)  # every table written into the new folder, then the disk "fills"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset, "_write_tables", fails_half_way)
    r = cli("export", "dataset", "--out", out, db=db)
    assert r.code == 1 and "磁盘空间不足" in r.err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".数据集")]  # no half-made folder left
    monkeypatch.setattr(dataset, "_write_tables", real)
    assert cli("export", "dataset", "--out", out, db=db).code == 0
    assert (out / "说明.txt").read_text(encoding="utf-8") == "本单位自己的说明"


def test_a_users_file_that_cannot_be_moved_stops_the_export_and_stays(tmp_path, cli, db, monkeypatch):
    """A file of the user's in the export folder is kept; when it cannot be moved (open in Excel
    on Windows), the export stops with nothing changed and that file and the others in place."""
    import os

    out = tmp_path / "数据集"
    assert cli("export", "dataset", "--out", out, db=db).code == 0
    for name in ("a说明.txt", "b说明.txt", "c说明.txt"):
        (out / name).write_text(name, encoding="utf-8")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    real = os.replace

    def locked(src, dst):
        if Path(src).name == "b说明.txt":
            raise PermissionError(13, "The process cannot access the file")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    r = cli("export", "dataset", "--out", out, db=db)
    assert r.code == 1 and "没有写入权限" in r.err and "Traceback" not in r.err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert all((out / n).read_text(encoding="utf-8") == n for n in ("a说明.txt", "b说明.txt", "c说明.txt"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".数据集")]


def test_two_exports_on_one_connection(tmp_path, cli, db):
    """The export function itself (an embedding program keeps its connection) runs twice."""
    from tracker.exports.dataset import export_dataset
    from tracker.store.db import connect

    with connect(db) as con:
        first = export_dataset(con, tmp_path / "一")
        second = export_dataset(con, tmp_path / "二")
    assert first.rows == second.rows and first.masked


def test_every_table_has_a_file_with_its_schema_even_with_no_rows(tmp_path, cli, db):
    """A platform's engine infers the schema from a file: an empty folder fails Spark
    (UNABLE_TO_INFER_SCHEMA) and a DuckDB glob finds nothing."""
    import duckdb

    from tracker.exports.dataset import TABLES

    out = tmp_path / "ds"
    assert cli("export", "dataset", "--out", out, db=db).code == 0
    con = duckdb.connect()
    for name in TABLES:
        files = list((out / name).rglob("*.parquet"))
        assert files, name
        cols = [r[0] for r in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet('{out / name}/**/*.parquet', hive_partitioning=true, union_by_name=true)").fetchall()]
        assert len(cols) >= 2, (name, cols)


def test_times_of_day_are_text_every_engine_reads(tmp_path, cli, unit_db):
    """Spark before 4.1 refuses Parquet's TIME (UNSUPPORTED_TIME_TYPE): an activity's start and end
    times are exported as text, and no table holds a TIME column (docs/dataset.md)."""
    from conftest import UNIT, people, write_csv

    from tracker.exports.dataset import TABLES

    a = people()[0]["name"]
    f = write_csv(tmp_path / "a.csv", [[f"单位名称：{UNIT}"], ["日期", "开始时间", "结束时间", "服务队", "活动名称", "姓名"],
                                       ["2026-03-05", "14:00", "16:30", "检验队", "义诊", a]])
    assert cli("load", "activities", f, db=unit_db).code == 0
    out = tmp_path / "ds"
    assert cli("export", "dataset", "--out", out, db=unit_db).code == 0
    con = duckdb.connect()
    got = con.execute(f"SELECT starts, ends, typeof(starts) FROM read_parquet('{_sql(out)}/activities/**/*.parquet')"
                      " WHERE title = '义诊'").fetchall()
    assert got == [("14:00:00", "16:30:00", "VARCHAR")]
    for name in TABLES:
        for file in (out / name).rglob("*.parquet"):
            kinds = {r[0] for r in con.execute(
                f"SELECT logical_type FROM parquet_schema('{_sql(file)}') WHERE logical_type IS NOT NULL").fetchall()}
            assert not any("Time" in k and "Timestamp" not in k for k in kinds), (file, kinds)

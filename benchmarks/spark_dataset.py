"""Read a `tracker export dataset` folder with Spark, as a provincial data platform would, and check it
against DuckDB over the same files (docs/dataset.md, "Reading it with Spark").

    pip install '.[spark]'            # pyspark; Spark needs a Java runtime (17 or later)
    tracker export dataset --out 数据集/ --db city.duckdb
    python benchmarks/spark_dataset.py 数据集/

Every table is read (an empty one too: it has a file with its schema), its rows counted by both
engines, and the volunteers' service hours of each year (activities of kind 志愿服务) computed by
both and compared volunteer by volunteer. Exit 0 when all agree. Not run in CI (Spark is heavy).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

TABLES = ("units", "teams", "volunteers", "volunteer_versions", "activities", "participations", "demands",
          "demand_history", "pairing_visits", "loads")
HOURS = """
SELECT p.vid, a.year, round(sum(p.hours), 4) AS hours
FROM participations p JOIN activities a ON a.aid = p.aid
WHERE a.kind = '志愿服务' GROUP BY p.vid, a.year
"""


def duckdb_side(folder: Path) -> tuple[dict[str, int], dict[tuple[int, int], float]]:
    import duckdb

    con = duckdb.connect()
    counts = {}
    for t in TABLES:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{folder / t}/**/*.parquet', "
                    "hive_partitioning = true, union_by_name = true)")
        counts[t] = con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
    hours = {(v, y): h for v, y, h in con.execute(HOURS).fetchall()}
    return counts, hours


def spark_side(folder: Path) -> tuple[dict[str, int], dict[tuple[int, int], float]]:
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("tracker-dataset")
             .config("spark.sql.session.timeZone", "Asia/Shanghai").config("spark.ui.enabled", "false").getOrCreate())
    try:
        counts = {}
        for t in TABLES:
            df = spark.read.option("mergeSchema", "true").parquet(str(folder / t))
            df.createOrReplaceTempView(t)
            counts[t] = df.count()
        hours = {(r["vid"], r["year"]): float(r["hours"]) for r in spark.sql(HOURS).collect()}
        return counts, hours
    finally:
        spark.stop()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    folder = Path(argv[0])
    t0 = time.perf_counter()
    d_counts, d_hours = duckdb_side(folder)
    t1 = time.perf_counter()
    s_counts, s_hours = spark_side(folder)
    t2 = time.perf_counter()
    ok = True
    for t in TABLES:
        same = d_counts[t] == s_counts[t]
        ok &= same
        print(f"{t:20s} DuckDB {d_counts[t]:>10,}  Spark {s_counts[t]:>10,}  {'一致' if same else '不一致'}")
    differ = [k for k in d_hours.keys() | s_hours.keys() if abs(d_hours.get(k, 0) - s_hours.get(k, 0)) > 1e-6]
    ok &= not differ
    print(f"志愿者服务时长（人×年）：{len(d_hours):,} 项，{'全部一致' if not differ else f'{len(differ)} 项不一致'}")
    print(f"DuckDB {t1 - t0:.1f} s，Spark（local[2]）{t2 - t1:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

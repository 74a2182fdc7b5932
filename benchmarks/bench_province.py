"""A province on one machine: 13 cities of 1,000 units (13,000 units, about 17M participations).

Each city is the city of `bench_city.py` with its own unit names and seed,
one activities file a city (one row an activity, ~75 MB: a province collects
its cities' files). The same steps run first on one city alone and then on
the province, each in a fresh process, so the table shows how time and memory
grow with the data (13× the data should take about 13× the time, at flat
memory): load the registers and the activities, `check --year --json`, and
every unit's annual report with the overview. Memory is the RSS of the
command and its worker processes together, sampled every 50 ms
(`bench_load.run`). A benchmark to run by hand (about 20 minutes on 2 cores
and 3 GB of disk), never a timed test; `--smoke` runs 3 cities of 6 units.

    python benchmarks/bench_province.py --out /tmp/province
    python benchmarks/bench_province.py --smoke --out /tmp/province-smoke

Targets (issue 25; README "Scale and performance"): every step in time linear
in the data and at most 2.5 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_city import step  # noqa: E402
from bench_load import count, fresh, must, run, tracker_exe  # noqa: E402
from make_city import SEED, make_city  # noqa: E402

CITY = {"units": 1000, "per_unit": 52, "teams_per_unit": 5, "rows": 1_305_555, "max_per_row": 5}
SMOKE = {"units": 6, "per_unit": 8, "teams_per_unit": 2, "rows": 300, "max_per_row": 3}
YEAR = 2025
KINDS = ("units", "teams", "roster")


def city_data(out: Path, i: int, p: dict) -> tuple[Path, dict]:
    """City `i`'s files (generated once, reused while its parameters match)."""
    d = out / f"city-{i + 1:02d}"
    meta_path = d / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["args"].get("units") == p["units"] and meta["args"].get("rows") == p["rows"]:
            return d, meta
    meta = make_city(d, units=p["units"], per_unit=p["per_unit"], teams_per_unit=p["teams_per_unit"],
                     rows=p["rows"], max_per_row=p["max_per_row"], start=f"{YEAR}-01", months=12,
                     seed=SEED + i, city=f"示例省第{i + 1}市", per_person=False)
    return d, meta


def measure(name: str, cities: list[tuple[Path, dict]], work: Path) -> dict:
    """Every step over these cities' files, into a fresh database."""
    trk, logs = tracker_exe(), work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    db = fresh(None, work / "province.duckdb")
    steps: dict = {}
    print(f"{name}: {sum(m['units'] for _, m in cities):,} units, "
          f"{sum(m['participations'] for _, m in cities):,} participations", flush=True)
    must(run([trk, "init", "--db", str(db)], logs / "init.log"), logs / "init.log", "init")
    for kind in KINDS:
        step(steps, f"load {kind}", [trk, "load", kind, *[str(d / f"{kind}.csv") for d, _ in cities],
                                     "--as-of", f"{YEAR - 10}-01-01", "--db", str(db)], logs / f"{kind}.log")
    step(steps, "load activities", [trk, "load", "activities", *[str(d / "activities.csv") for d, _ in cities],
                                    "--db", str(db)], logs / "activities.log")
    stored = count(db, "SELECT count(*) FROM participations")
    if stored != sum(m["participations"] for _, m in cities):
        raise SystemExit(f"{name}: stored {stored:,} participations, the files hold "
                         f"{sum(m['participations'] for _, m in cities):,}")
    step(steps, "check --year --json", [trk, "check", "--year", str(YEAR), "--json", "--db", str(db)],
         logs / "check.log")
    step(steps, "report annual (every unit)", [trk, "report", "annual", "--year", str(YEAR), "--db", str(db),
                                               "--out", str(work / "annual")], logs / "annual.log")
    made = sum(1 for _ in (work / "annual").glob("*.html"))
    units = sum(m["units"] for _, m in cities)
    if made != units + 1:  # every unit's page and the overview
        raise SystemExit(f"{name}: {made} pages for {units} units")
    return {"units": units, "participations": stored, "steps": steps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cities", type=int, default=13)
    ap.add_argument("--smoke", action="store_true", help="3 cities of 6 units, to prove it runs")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "province", help="data, databases, results")
    args = ap.parse_args()
    p, n = (SMOKE, 3) if args.smoke else (CITY, args.cities)
    t0 = time.perf_counter()
    print(f"generating {n} cities in {args.out} …", flush=True)
    cities = [city_data(args.out, i, p) for i in range(n)]
    results = {"machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                           "platform": platform.platform()},
               "date": dt.datetime.now().isoformat(timespec="seconds"),
               "city": measure("one city", cities[:1], args.out / "work-city"),
               "province": measure(f"{n} cities", cities, args.out / "work-province")}
    city, prov = results["city"], results["province"]
    data_ratio = prov["participations"] / city["participations"]
    print(f"\n{'step':28s} {'city s':>8s} {'MB':>6s} {'province s':>11s} {'MB':>6s} {'time ×':>7s}"
          f"  (data ×{data_ratio:.1f})")
    for k, c in city["steps"].items():
        q = prov["steps"][k]
        print(f"{k:28s} {c['wall_s']:8.1f} {c['tree_mb']:6.0f} {q['wall_s']:11.1f} {q['tree_mb']:6.0f} "
              f"{q['wall_s'] / c['wall_s']:7.1f}")
    results["data_ratio"] = round(data_ratio, 2)
    path = args.out / ("province-smoke.json" if args.smoke else "province-results.json")
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nresults: {path} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()

"""A city's year-end, step by step, at 1×, 2× and 4× the city and over ten years of a district.

Every step runs in a fresh process (start-up included) and records wall time
and peak memory: the RSS of the command and its worker processes together,
sampled every 50 ms (`bench_load.run`). The load is measured against DuckDB's own
`CREATE TABLE AS SELECT * FROM read_csv(file)` run beside it, round by round;
the other steps are absolute seconds on this machine (and per unit for the
reports). A benchmark to run by hand, never a timed test: CI only runs
`--smoke` to prove it still runs.

    python benchmarks/bench_city.py                      # the city (1×), 1 round
    python benchmarks/bench_city.py --scales 0.25 1 4    # growth: 250 / 1,000 / 4,000 units
    python benchmarks/bench_city.py --decade             # one district over ten years
    python benchmarks/bench_city.py --smoke              # a tiny run (seconds), for CI

Targets (issue 10; README "Scale and performance"): load ≤ 2× read_csv and ≤ 1 GiB;
check ≤ 10 s; every unit's annual report and the overview ≤ 120 s and ≤ 2 GiB;
one unit's quarterly report ≤ 2 s; status ≤ 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_load  # noqa: E402
from bench_load import BASELINE_READ, count, fresh, must, run, tracker_exe  # noqa: E402

CITY = {"units": 1000, "per_unit": 52, "teams_per_unit": 5, "rows": 1_305_555, "max_per_row": 5,
        "start": "2025-01", "months": 12}
DISTRICT_DECADE = {"units": 60, "per_unit": 52, "teams_per_unit": 5, "rows": 78_000 * 10, "max_per_row": 5,
                   "start": "2016-01", "months": 120}
SMOKE = {"units": 6, "per_unit": 8, "teams_per_unit": 2, "rows": 400, "max_per_row": 3,
         "start": "2025-01", "months": 12}
YEAR = 2025
TODAY = "2026-01-20"


def step(results: dict, name: str, cmd: list[str], log: Path, units: int | None = None) -> dict:
    r = run(cmd, log)
    if name.startswith("check") and r["exit"] == 1:  # a rule failed: that is an answer, not an error
        r["exit"] = 0
    must(r, log, name)
    if units:
        r["s_per_unit"] = round(r["wall_s"] / units, 3)
    results[name] = r
    extra = f"  {r['s_per_unit']:.3f} s/unit" if units else ""
    print(f"  {name:32s} {r['wall_s']:8.2f} s {r['tree_mb']:8.0f} MB{extra}", flush=True)
    return r


def load_rounds(shape: str, acts: Path, base: Path, db: Path, work: Path, rounds: int, meta: dict) -> dict:
    """`tracker load activities` of one file shape against `read_csv` of the same file, round by round;
    each load must store the file's activities and participations."""
    lines, participations = meta["activity_lines"], meta["participations"]
    trk, py, logs = tracker_exe(), sys.executable, work / "logs"
    got: dict = {"file_bytes": acts.stat().st_size, "tracker": [], "baseline": []}
    tag = shape.replace(" ", "-")
    for i in range(rounds):
        b = fresh(None, work / "baseline.duckdb")
        log = logs / f"load-baseline-{tag}.log"
        rb = run([py, "-c", BASELINE_READ, str(b), str(acts)], log)
        must(rb, log, "read_csv baseline")
        fresh(base, db)
        log = logs / f"load-tracker-{tag}.log"
        rt = run([trk, "load", "activities", str(acts), "--db", str(db)], log)
        must(rt, log, f"tracker load activities ({shape})")
        stored = (count(db, "SELECT count(*) FROM activities"), count(db, "SELECT count(*) FROM participations"))
        if stored != (lines, participations):  # both shapes hold the same activities and participations
            raise SystemExit(f"{shape}: stored {stored}, the file has {(lines, participations)}")
        got["tracker"].append(rt)
        got["baseline"].append(rb)
        print(f"  load {shape:12s} (round {i + 1}) {rt['wall_s']:8.2f} s {rt['tree_mb']:8.0f} MB"
              f"   read_csv {rb['wall_s']:.2f} s {rb['rss_mb']:.0f} MB   ×{rt['wall_s'] / rb['wall_s']:.2f}",
              flush=True)
    ratios = [t["wall_s"] / b["wall_s"] for t, b in zip(got["tracker"], got["baseline"], strict=True)]
    got["ratio"] = round(statistics.median(ratios), 2)
    got["rss_mb"] = max(r["tree_mb"] for r in got["tracker"])
    return got


def measure(name: str, p: dict, rounds: int, reports: bool = True) -> dict:
    data, meta = bench_load.make_data(f"city-{name}", p)
    work = bench_load.OUT / f"work-city-{name}"
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    trk = tracker_exe()
    base = fresh(None, work / "registers.duckdb")
    for args in (["init"], ["load", "units", str(data / "units.csv"), "--as-of", f"{YEAR - 10}-01-01"],
                 ["load", "teams", str(data / "teams.csv"), "--as-of", f"{YEAR - 10}-01-01"],
                 ["load", "roster", str(data / "roster.csv"), "--as-of", f"{YEAR - 10}-01-01"]):
        log = logs / f"setup-{args[1] if len(args) > 1 else 'init'}.log"
        must(run([trk, *args, "--db", str(base)], log), log, " ".join(args[:2]))
    print(f"{name}: {meta['units']:,} units, {meta['volunteers']:,} volunteers, "
          f"{meta['participations']:,} participations in {meta['activity_lines']:,} lines", flush=True)
    out: dict = {"data": meta, "steps": {}}
    db = work / "loaded.duckdb"
    # the per-person shape first, so the database left for the steps is the per-activity file's
    for shape, file in (("per person", "activities_per_person.csv"), ("per activity", "activities.csv")):
        out[f"load {shape}"] = load_rounds(shape, data / file, base, db, work, rounds, meta)
    s = out["steps"]
    unit = (data / "units.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    step(s, "check --year --json", [trk, "check", "--year", str(YEAR), "--json", "--db", str(db)],
         logs / "check.log")
    step(s, "status", [trk, "status", "--db", str(db)], logs / "status.log")
    step(s, "report quarterly --unit", [trk, "report", "quarterly", "--year", str(YEAR), "--quarter", "4",
                                        "--unit", unit, "--db", str(db), "--out", str(work / "q1")],
         logs / "quarterly-one.log")
    if reports:
        step(s, "report annual (every unit)", [trk, "report", "annual", "--year", str(YEAR), "--db", str(db),
                                               "--out", str(work / "annual")], logs / "annual.log",
             units=meta["units"])
    step(s, "export dataset", [trk, "export", "dataset", "--out", str(work / "dataset"), "--db", str(db)],
         logs / "dataset.log")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=float, nargs="*", default=[1], help="city multiples: 0.25 1 2 4")
    ap.add_argument("--decade", action="store_true", help="also one district over ten years")
    ap.add_argument("--rounds", type=int, default=1, help="load rounds beside read_csv (medians)")
    ap.add_argument("--no-reports", action="store_true", help="skip the every-unit annual reports")
    ap.add_argument("--smoke", action="store_true", help="a tiny run to prove the benchmark runs")
    ap.add_argument("--out", type=Path, default=bench_load.OUT, help="data, databases and results (git-ignored)")
    args = ap.parse_args()
    bench_load.OUT = args.out
    t0 = time.perf_counter()
    results: dict = {"machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count(),
                                 "platform": platform.platform()},
                     "date": dt.datetime.now().isoformat(timespec="seconds"), "runs": {}}
    plan = ([("smoke", SMOKE)] if args.smoke else
            [(f"{n:g}x", {**CITY, "units": round(CITY["units"] * n), "rows": round(CITY["rows"] * n)})
             for n in args.scales]
            + ([("district-decade", DISTRICT_DECADE)] if args.decade else []))
    for name, p in plan:
        results["runs"][name] = measure(name, p, args.rounds, reports=not args.no_reports)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / ("city-smoke.json" if args.smoke else "city-results.json")
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\n{'run':18s} {'per person ×':>12s} {'MB':>5s} {'per activity ×':>14s} {'MB':>5s} " + " ".join(
        f"{k:>14.14s}" for k in next(iter(results["runs"].values()))["steps"]))
    for name, r in results["runs"].items():
        pp, pa = r["load per person"], r["load per activity"]
        print(f"{name:18s} {pp['ratio']:>12.2f} {pp['rss_mb']:>5.0f} {pa['ratio']:>14.2f} {pa['rss_mb']:>5.0f} "
              + " ".join(f"{v['wall_s']:>8.1f}s{v['tree_mb']:>5.0f}M" for v in r["steps"].values()))
    print(f"\nresults: {path} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()

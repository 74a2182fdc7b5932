"""Loading and computing at city scale, as ratios against DuckDB's own work on the same files.

Every measurement runs in a fresh process, tracker and its baseline side by
side (interleaved, same warm page cache), and records wall time and peak RSS
(`os.wait4` rusage of that one child). Ratios are tracker / baseline, so the
figures mean something on any machine; this is a benchmark, not a timed test.

    python benchmarks/bench_load.py --scale small            # < 1 minute
    python benchmarks/bench_load.py --scale city --repeat 3  # minutes
    python benchmarks/bench_load.py --scale city --stages    # + time per loader stage
    python benchmarks/bench_load.py --scale city --profile   # + cProfile of the activities load

Measured:
  activities  `tracker load activities FILE` into a DB holding units/teams/roster
              vs  CREATE TABLE t AS SELECT * FROM read_csv(FILE) in a fresh DuckDB file
  roster      `tracker load roster FILE` into a DB holding units/teams
              vs  read_csv of the roster the same way
  compute     tracker's per-volunteer and per-team figures for the file's period
              (assess.figures) vs the equivalent GROUP BYs in DuckDB SQL
  startup     `tracker --help` vs `python -c "import duckdb"` (fixed cost in every command)

Data comes from make_city.py and is cached in benchmarks/out/ (git-ignored).
Results: a table on stdout, benchmarks/out/results-SCALE.json and results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"

SCALES = {
    # a district's month: quick check
    "small": {"units": 20, "per_unit": 100, "teams_per_unit": 17, "rows": 50_000, "max_per_row": 5,
              "start": "2026-03", "months": 1},
    # a city's year in one file (README, "Scale and performance"): ~60,000 volunteers, ~5,000 teams, 1.3M participations
    "city": {"units": 300, "per_unit": 200, "teams_per_unit": 17, "rows": 1_300_000, "max_per_row": 5,
             "start": "2025-01", "months": 12},
}

BASELINE_READ = r"""
import sys, duckdb
db, path = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
con.execute("CREATE TABLE t AS SELECT * FROM read_csv('" + path.replace("'", "''") + "')").fetchall()
print(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
con.close()
"""

TRACKER_COMPUTE = r"""
import sys, datetime as dt
from tracker.assess.figures import team_figures, volunteer_figures
from tracker.periods import Period
from tracker.store.db import connect
period = Period(dt.date.fromisoformat(sys.argv[2]), dt.date.fromisoformat(sys.argv[3]))
with connect(sys.argv[1], read_only=True) as con:
    v = volunteer_figures(con, period)
    t = team_figures(con, period, volunteers=v)
print(v.height, t.height, round(float(v["service_hours"].sum()), 1))
"""

# the same figures' core in plain SQL: hours and activities per volunteer, activities and
# participants per team, over the period
BASELINE_COMPUTE = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
s, e = sys.argv[2], sys.argv[3]
v = con.execute('''
    SELECT p.vid, sum(p.hours) FILTER (WHERE a.kind = '志愿服务') AS hours,
           count(DISTINCT a.aid) FILTER (WHERE a.kind = '志愿服务') AS acts
    FROM activities a JOIN participations p USING (aid)
    WHERE a.date BETWEEN ?::DATE AND ?::DATE GROUP BY p.vid''', [s, e]).fetchall()
t = con.execute('''
    SELECT a.unit, a.team, count(DISTINCT a.aid) AS acts, count(DISTINCT p.vid) AS people,
           sum(p.hours) AS hours
    FROM activities a JOIN participations p USING (aid)
    WHERE a.date BETWEEN ?::DATE AND ?::DATE AND a.kind = '志愿服务' GROUP BY ALL''', [s, e]).fetchall()
print(len(v), len(t), round(sum(r[1] or 0 for r in v), 1))
"""


# ---------------------------------------------------------------- running one child

TIME = "/usr/bin/time"


def run(cmd: list[str], log: Path) -> dict:
    """Run `cmd` in a fresh process; wall seconds, peak RSS (MB), CPU seconds, exit code.

    The child is started by /usr/bin/time when present: Linux carries the forking
    process's RSS high-water mark into the child's ru_maxrss, so the child must be
    forked from a small process, not from this one. A thread samples the RSS of the
    whole process tree every 50 ms while this one waits for the child, so the wall
    time is the child's own, not rounded up to a sampling tick.
    """
    timing = log.with_suffix(".time")
    wrapped = [TIME, "-f", "%M %U %S", "-o", str(timing), *cmd] if Path(TIME).exists() else cmd
    tree_kb = 0
    done = threading.Event()

    def sample(pid: int) -> None:  # the whole tree's RSS: a report run's workers count too
        nonlocal tree_kb
        while not done.wait(0.05):
            tree_kb = max(tree_kb, _tree_rss_kb(pid))

    with log.open("w") as f:
        t0 = time.perf_counter()
        p = subprocess.Popen(wrapped, stdout=f, stderr=subprocess.STDOUT, cwd=REPO,
                             env={**os.environ, "COLUMNS": "120"})
        sampler = threading.Thread(target=sample, args=(p.pid,), daemon=True)
        sampler.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    rss_kb, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime
    if wrapped is not cmd:
        last = timing.read_text().strip().splitlines()[-1].split()  # "Command exited…" may precede
        rss_kb, cpu = int(last[0]), float(last[1]) + float(last[2])
    return {"wall_s": round(wall, 3), "rss_mb": round(rss_kb / 1024, 1), "cpu_s": round(cpu, 3),
            "tree_mb": round(max(tree_kb, rss_kb) / 1024, 1), "exit": p.returncode}


def _tree_rss_kb(root: int) -> int:
    """The summed RSS of `root` and its descendants now (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for d in Path("/proc").glob("[0-9]*"):
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            pid = int(d.name)
            children.setdefault(int(fields[1]), []).append(pid)
            rss[pid] = int(fields[21]) * page_kb
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def must(result: dict, log: Path, what: str) -> None:
    if result["exit"] != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise SystemExit(f"{what} failed (exit {result['exit']}); see {log}:\n{tail}")


def tracker_exe() -> str:
    """The `tracker` command beside this Python, its modules compiled first: an installed package has
    its bytecode (pip compiles it), while a checkout run with PYTHONDONTWRITEBYTECODE would compile
    tracker's modules again at every start (0.1 s of each command)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("tracker")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)
    exe = Path(sys.executable).parent / "tracker"
    return str(exe) if exe.exists() else (shutil.which("tracker") or "tracker")


def count(db: Path, sql: str) -> int:
    """A count from the database, asked in a child process (this one stays small; see run)."""
    code = "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True).execute(sys.argv[2]).fetchall()[0][0])"
    out = subprocess.run([sys.executable, "-c", code, str(db), sql], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


# ---------------------------------------------------------------- data and databases

def make_data(scale: str, params: dict) -> tuple[Path, dict]:
    """The scale's CSV files, generated once and reused while the parameters match."""
    d = OUT / f"data-{scale}"
    meta_path = d / "meta.json"
    want = {"units": params["units"], "volunteers_per_unit": params["per_unit"],
            "teams_per_unit": params["teams_per_unit"], "rows": params["rows"],
            "max_per_row": params["max_per_row"], "start": params["start"], "months": params["months"]}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if {k: meta["args"].get(k) for k in want} == want and all(
            Path(f["path"]).exists() for f in meta["files"].values()
        ):
            return d, meta
    print(f"generating {scale} data in {d} …", flush=True)
    subprocess.run([sys.executable, str(HERE / "make_city.py"), "--out", str(d), "--units", str(params["units"]),
                    "--volunteers-per-unit", str(params["per_unit"]),
                    "--teams-per-unit", str(params["teams_per_unit"]), "--rows", str(params["rows"]),
                    "--max-per-row", str(params["max_per_row"]), "--start", params["start"],
                    "--months", str(params["months"])], check=True, stdout=subprocess.DEVNULL)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    print(f"  {meta['participations']:,} participations in {meta['activity_lines']:,} lines, "
          f"{meta['volunteers']:,} volunteers, {meta['teams']:,} teams, {meta['units']} units "
          f"({meta['seconds']} s)", flush=True)
    return d, meta


def registers_db(work: Path, data: Path, logs: Path) -> Path:
    """A database holding the units and teams (the state before a roster upload)."""
    db = work / "registers.duckdb"
    if db.exists():
        db.unlink()
    for args in (["init"], ["load", "units", str(data / "units.csv")], ["load", "teams", str(data / "teams.csv")]):
        log = logs / f"setup-{args[-1].split('/')[-1]}.log"
        r = run([tracker_exe(), *args, "--db", str(db)], log)
        must(r, log, "tracker " + " ".join(args[:2]))
    return db


def fresh(src: Path | None, dst: Path) -> Path:
    for p in (dst, dst.with_name(dst.name + ".wal")):
        if p.exists():
            p.unlink()
    if src is not None:
        shutil.copyfile(src, dst)
    return dst


# ---------------------------------------------------------------- measuring

def measure(scale: str, repeat: int, params: dict) -> dict:
    data, meta = make_data(scale, params)
    work = OUT / f"work-{scale}"
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    py, trk = sys.executable, tracker_exe()
    roster_csv, acts_csv = data / "roster.csv", data / "activities.csv"
    for f in (roster_csv, acts_csv):  # same warm page cache for both sides
        with f.open("rb") as fh:
            while fh.read(1 << 20):
                pass
    print("setting up the registers database …", flush=True)
    reg = registers_db(work, data, logs)
    full = work / "full.duckdb"  # units + teams + roster, kept from the first roster run
    loaded = work / "loaded.duckdb"  # + activities, kept from the last activities run
    start = dt.date.fromisoformat(params["start"] + "-01")
    y, m = divmod(start.month - 1 + params["months"], 12)
    end = dt.date(start.year + y, m + 1, 1) - dt.timedelta(days=1)

    runs: dict[str, dict[str, list[dict]]] = {k: {"tracker": [], "baseline": []}
                                             for k in ("roster", "activities", "compute", "startup")}
    for i in range(repeat):
        print(f"round {i + 1}/{repeat}", flush=True)
        # startup
        r = run([trk, "--help"], logs / "startup-tracker.log")
        must(r, logs / "startup-tracker.log", "tracker --help")
        runs["startup"]["tracker"].append(r)
        runs["startup"]["baseline"].append(run([py, "-c", "import duckdb"], logs / "startup-baseline.log"))

        # roster
        b = fresh(None, work / "baseline.duckdb")
        log = logs / "roster-baseline.log"
        r = run([py, "-c", BASELINE_READ, str(b), str(roster_csv)], log)
        must(r, log, "baseline read_csv roster")
        r["rows"] = int(log.read_text().split()[-1])
        runs["roster"]["baseline"].append(r)
        db = fresh(reg, work / "roster.duckdb")
        log = logs / "roster-tracker.log"
        r = run([trk, "load", "roster", str(roster_csv), "--db", str(db)], log)
        must(r, log, "tracker load roster")
        r["rows"] = count(db, "SELECT count(*) FROM volunteers")
        if r["rows"] != meta["volunteers"]:
            raise SystemExit(f"tracker stored {r['rows']} volunteers, the file has {meta['volunteers']}")
        runs["roster"]["tracker"].append(r)
        print(f"  roster      tracker {r['wall_s']:7.2f} s {r['rss_mb']:7.0f} MB   "
              f"baseline {runs['roster']['baseline'][-1]['wall_s']:6.2f} s", flush=True)
        if i == 0:
            fresh(db, full)

        # activities
        b = fresh(None, work / "baseline.duckdb")
        log = logs / "activities-baseline.log"
        r = run([py, "-c", BASELINE_READ, str(b), str(acts_csv)], log)
        must(r, log, "baseline read_csv activities")
        r["rows"] = int(log.read_text().split()[-1])
        runs["activities"]["baseline"].append(r)
        db = fresh(full, loaded)
        log = logs / "activities-tracker.log"
        r = run([trk, "load", "activities", str(acts_csv), "--db", str(db)], log)
        must(r, log, "tracker load activities")
        r["rows"] = count(db, "SELECT count(*) FROM participations")
        if r["rows"] != meta["participations"]:
            raise SystemExit(f"tracker stored {r['rows']} participations, the file has {meta['participations']}")
        runs["activities"]["tracker"].append(r)
        print(f"  activities  tracker {r['wall_s']:7.2f} s {r['rss_mb']:7.0f} MB   "
              f"baseline {runs['activities']['baseline'][-1]['wall_s']:6.2f} s", flush=True)

        # compute over what was just loaded
        log = logs / "compute-baseline.log"
        r = run([py, "-c", BASELINE_COMPUTE, str(loaded), start.isoformat(), end.isoformat()], log)
        must(r, log, "baseline compute")
        runs["compute"]["baseline"].append(r)
        log = logs / "compute-tracker.log"
        r = run([py, "-c", TRACKER_COMPUTE, str(loaded), start.isoformat(), end.isoformat()], log)
        if r["exit"] != 0:  # assess is young; report it, keep the load figures
            r["error"] = log.read_text(errors="replace").strip().splitlines()[-1:]
        runs["compute"]["tracker"].append(r)
        print(f"  compute     tracker {r['wall_s']:7.2f} s {r['rss_mb']:7.0f} MB   "
              f"baseline {runs['compute']['baseline'][-1]['wall_s']:6.2f} s", flush=True)

    summary = {k: summarize(v) for k, v in runs.items()}
    st = summary["startup"]
    for k in ("roster", "activities", "compute"):  # the same ratio without each side's start-up cost
        t, b = summary[k]["tracker"]["wall_s"], summary[k]["baseline"]["wall_s"]
        ok = t and b and b > st["baseline"]["wall_s"]
        summary[k]["net_wall_ratio"] = round((t - st["tracker"]["wall_s"]) / (b - st["baseline"]["wall_s"]),
                                             2) if ok else None
    return {"data": meta, "period": [start.isoformat(), end.isoformat()], "runs": runs, "summary": summary}


def summarize(sides: dict[str, list[dict]]) -> dict:
    """Median wall time and max peak RSS of each side, and tracker / baseline ratios."""
    out: dict = {}
    for side, rs in sides.items():
        ok = [r for r in rs if r["exit"] == 0]
        out[side] = {"wall_s": round(statistics.median(r["wall_s"] for r in ok), 3) if ok else None,
                     "rss_mb": max(r["rss_mb"] for r in ok) if ok else None,
                     "cpu_s": round(statistics.median(r["cpu_s"] for r in ok), 3) if ok else None}
    t, b = out["tracker"], out["baseline"]
    # each round's tracker run against the baseline run beside it: robust to a host whose speed drifts
    paired = [rt["wall_s"] / rb["wall_s"] for rt, rb in zip(sides["tracker"], sides["baseline"], strict=True)
              if rt["exit"] == 0 and rb["exit"] == 0 and rb["wall_s"] > 0]
    out["wall_ratio"] = round(statistics.median(paired), 2) if paired else None
    out["wall_ratio_range"] = [round(min(paired), 2), round(max(paired), 2)] if paired else None
    out["rss_ratio"] = round(t["rss_mb"] / b["rss_mb"], 2) if t["rss_mb"] and b["rss_mb"] else None
    return out


# ---------------------------------------------------------------- profiling

def profile_activities(scale: str) -> Path:
    """cProfile of the activities load (in-process, through tracker.api) on a fresh copy of the DB."""
    import cProfile
    import pstats

    work = OUT / f"work-{scale}"
    full = work / "full.duckdb"
    if not full.exists():
        raise SystemExit("run the benchmark once before --profile (it builds the database)")
    db = fresh(full, work / "profile.duckdb")
    acts = OUT / f"data-{scale}" / "activities.csv"
    from tracker import api

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    res = api.load(db, "activities", [acts])
    prof.disable()
    wall = time.perf_counter() - t0
    if res[0].status != "loaded":
        raise SystemExit(f"profiled load was {res[0].status}: {res[0].problems[:3]}")
    path = OUT / f"profile-activities-{scale}.txt"
    with path.open("w") as f:
        f.write(f"tracker.api.load activities {acts} — {wall:.2f} s wall (under cProfile)\n\n")
        st = pstats.Stats(prof, stream=f)
        f.write("== tracker functions by cumulative time ==\n")
        st.sort_stats("cumulative").print_stats(r"/tracker/", 40)
        f.write("\n== everything by own time (polars/duckdb calls carry their native time) ==\n")
        st.sort_stats("tottime").print_stats(30)
        f.write("\n== who calls the top own-time functions ==\n")
        st.sort_stats("tottime").print_callers(8)
    print(f"profile ({wall:.2f} s under cProfile) written to {path}")
    return path


STAGES = {
    # module: functions whose inclusive time is worth knowing (wrapped where they are called from)
    "tracker.ingest.pipeline": ["file_digest", "earlier_load", "open_tables", "read_file", "locate",
                                "check_table", "resolve_units", "problems_where"],
    "tracker.ingest.read": ["decode", "_is_utf8_plain"],
    "tracker.ingest.validate": ["problems_where"],
    "tracker.ingest.resolve": ["problems_where", "suggest"],
    "tracker.ingest.kinds.activities": ["check_dates", "check_hours", "resolve_teams", "team_lookup",
                                        "explode_participants", "match_people", "unit_people", "duplicate_rows",
                                        "frame", "insert_frame", "problems_where"],
}


class _TimedConnection:
    """Delegates to a DuckDB connection, timing execute() by its first SQL word."""

    def __init__(self, con, times: dict) -> None:
        self._con, self._times = con, times

    def execute(self, sql: str, *args, **kw):
        word = sql.split(None, 1)[0].upper() if sql.strip() else "?"
        t0 = time.perf_counter()
        try:
            return self._con.execute(sql, *args, **kw)
        finally:
            _add(self._times, f"duckdb {word}", time.perf_counter() - t0)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def _add(times: dict, key: str, dt_s: float) -> None:
    n, s = times.get(key, (0, 0.0))
    times[key] = (n + 1, s + dt_s)


def stage_breakdown(scale: str) -> dict:
    """Inclusive wall time of the loader's stages for one activities load (no profiler overhead).

    Wraps module-level functions and the connection's execute() in this process only;
    tracker's files are not touched.
    """
    import contextlib
    import dataclasses
    import functools
    import importlib

    from tracker import api
    from tracker.ingest import kinds

    work = OUT / f"work-{scale}"
    full = work / "full.duckdb"
    if not full.exists():
        raise SystemExit("run the benchmark once before --stages (it builds the database)")
    db = fresh(full, work / "stages.duckdb")
    acts = OUT / f"data-{scale}" / "activities.csv"
    times: dict[str, tuple[int, float]] = {}

    def timed(name, fn):
        @functools.wraps(fn)
        def inner(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                _add(times, name, time.perf_counter() - t0)
        return inner

    for mod_name, names in STAGES.items():
        mod = importlib.import_module(mod_name)
        for n in names:
            if hasattr(mod, n):
                setattr(mod, n, timed(n, getattr(mod, n)))
    kind = kinds.KINDS["activities"]

    def prepare(ctx, typed, con):
        p = timed("prepare_activities", kind.prepare)(ctx, typed, con)
        if p is not None:
            p.write = timed("write (in transaction)", p.write)
        return p

    kinds.KINDS["activities"] = dataclasses.replace(kind, prepare=prepare)
    real_connect = api.connect

    @contextlib.contextmanager
    def connect(*a, **kw):
        with real_connect(*a, **kw) as con:
            yield _TimedConnection(con, times)

    api.connect = connect
    t0 = time.perf_counter()
    try:
        res = api.load(db, "activities", [acts])
    finally:
        api.connect = real_connect
        kinds.KINDS["activities"] = kind
    wall = time.perf_counter() - t0
    if res[0].status != "loaded":
        raise SystemExit(f"stage run was {res[0].status}: {res[0].problems[:3]}")
    rows = sorted(times.items(), key=lambda kv: -kv[1][1])
    print(f"\nactivities load stages ({wall:.2f} s in-process; inclusive, nested stages overlap)")
    for name, (n, s) in rows:
        if s >= 0.005:
            print(f"  {name:28} {s:7.2f} s  {100 * s / wall:5.1f}%  ({n} call{'s' if n > 1 else ''})")
    return {"wall_s": round(wall, 3),
            "stages": {k: {"calls": n, "seconds": round(s, 3)} for k, (n, s) in rows}}


# ---------------------------------------------------------------- reporting

def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, ValueError, IndexError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for pkg in ("duckdb", "polars"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "platform": platform.platform(), **versions}


def revision() -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    dirty = git("status", "--porcelain", "--", "tracker")
    return {"commit": git("rev-parse", "--short", "HEAD"), "tracker_dirty": bool(dirty)}


LABELS = {
    "activities": "load activities vs read_csv",
    "roster": "load roster vs read_csv",
    "compute": "figures vs SQL GROUP BY",
    "startup": "tracker --help vs import duckdb",
}


def print_table(result: dict) -> None:
    meta = result["data"]
    print()
    print(f"scale {result['scale']}: {meta['participations']:,} participations in {meta['activity_lines']:,} "
          f"activity lines ({meta['files']['activities']['bytes'] / 1e6:.1f} MB), {meta['volunteers']:,} "
          f"volunteers, {meta['teams']:,} teams, {meta['units']} units; period {result['period'][0]} .. "
          f"{result['period'][1]}; {result['repeat']} round(s), median wall, max RSS")
    m = result["machine"]
    print(f"machine: {m['cores']} cores, {m['cpu']}, {m['memory']}; duckdb {m['duckdb']}, polars {m['polars']}")
    head = (f"{'measure':34} {'tracker s':>10} {'base s':>8} {'x':>6} {'x range':>11} {'x net':>6}  "
            f"{'tracker MB':>10} {'base MB':>8} {'x':>6}")
    print(head)
    print("-" * len(head))
    for key, label in LABELS.items():
        s = result["summary"][key]
        t, b = s["tracker"], s["baseline"]

        def f(v, fmt):
            return format(v, fmt) if v is not None else "error"

        net, rng = s.get("net_wall_ratio"), s.get("wall_ratio_range")
        rng_text = f"{rng[0]:.1f}-{rng[1]:.1f}" if rng else ""
        print(f"{label:34} {f(t['wall_s'], '10.2f')} {f(b['wall_s'], '8.2f')} {f(s['wall_ratio'], '6.1f')} "
              f"{rng_text:>11} "
              f"{format(net, '6.1f') if net is not None else '':>6}  "
              f"{f(t['rss_mb'], '10.0f')} {f(b['rss_mb'], '8.0f')} {f(s['rss_ratio'], '6.1f')}")
    print("x = median over rounds of tracker / the baseline run beside it (range: min-max over rounds);")
    print("x net = median times after subtracting each side's start-up (last row); seconds are medians")
    print()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--repeat", type=int, default=1, help="rounds; the table shows medians")
    ap.add_argument("--rows", type=int, help="participation rows (overrides the scale's)")
    ap.add_argument("--profile", action="store_true", help="also cProfile the activities load")
    ap.add_argument("--stages", action="store_true", help="also time the activities load's stages")
    ap.add_argument("--analyze-only", action="store_true",
                    help="skip the measurements; run --stages/--profile on the last run's database")
    a = ap.parse_args(argv)
    params = dict(SCALES[a.scale])
    if a.rows:
        params["rows"] = a.rows
    OUT.mkdir(parents=True, exist_ok=True)
    if a.analyze_only:
        if a.stages:
            stage_breakdown(a.scale)
        if a.profile:
            profile_activities(a.scale)
        return
    t0 = time.perf_counter()
    result = {"scale": a.scale, "repeat": a.repeat, "params": params, "machine": machine(),
              "revision": revision(), "when": dt.datetime.now().isoformat(timespec="seconds")}
    result.update(measure(a.scale, a.repeat, params))
    result["seconds"] = round(time.perf_counter() - t0, 1)
    if a.stages:
        result["stages"] = stage_breakdown(a.scale)
    print_table(result)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    (OUT / f"results-{a.scale}.json").write_text(text, encoding="utf-8")
    (OUT / "results.json").write_text(text, encoding="utf-8")
    print(f"written {OUT / f'results-{a.scale}.json'} and {OUT / 'results.json'}")
    if a.profile:
        profile_activities(a.scale)


if __name__ == "__main__":
    main()

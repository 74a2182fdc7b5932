"""The city benchmark still runs (a tiny smoke run; the timings are not tested, only that every step works)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_city_benchmark_runs_every_step(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_city.py"), "--smoke", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    results = json.loads((tmp_path / "city-smoke.json").read_text(encoding="utf-8"))
    smoke = results["runs"]["smoke"]
    for shape in ("per person", "per activity"):  # both file shapes loaded (and their counts checked)
        assert smoke[f"load {shape}"]["ratio"] > 0
        assert smoke[f"load {shape}"]["file_bytes"] > 0
    assert set(smoke["steps"]) == {"check --year --json", "status", "report quarterly --unit",
                                   "report annual (every unit)", "export dataset"}
    assert all(s["exit"] == 0 for s in smoke["steps"].values())
    assert len(list((tmp_path / "work-city-smoke" / "annual").glob("*.html"))) == 7  # six units + overview


def test_the_province_benchmark_runs_every_step(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_province.py"), "--smoke", "--out",
                        str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    results = json.loads((tmp_path / "province-smoke.json").read_text(encoding="utf-8"))
    city, province = results["city"], results["province"]
    assert (city["units"], province["units"]) == (6, 18)  # three cities of six units, names kept apart
    assert province["participations"] > 2 * city["participations"] > 0  # every city's activities stored
    assert set(province["steps"]) == {"load units", "load teams", "load roster", "load activities",
                                      "check --year --json", "report annual (every unit)"}
    assert len(list((tmp_path / "work-province" / "annual").glob("*.html"))) == 19  # 18 units + overview

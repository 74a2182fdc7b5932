"""Memory freed by a chunk goes back to the system before the next chunk (docs/performance.md,
"Memory"): what keeps a city's check and annual run at one chunk's peak."""

import subprocess
import sys

import pytest

from tracker.store import memory

LINUX = sys.platform.startswith("linux")

PROBE = r"""
import re, duckdb
from tracker.store import memory
def rss():
    return int(re.search(r"VmRSS:\s+(\d+)", open("/proc/self/status").read()).group(1)) // 1024
con = duckdb.connect()
con.execute("SELECT count(*) FROM (SELECT range AS k, count(*) FROM range(4000000) GROUP BY 1)").fetchall()
held = rss()  # the query's hash table is freed, but its pages stay with DuckDB's allocator
memory.release()
print(held, rss())
"""


@pytest.mark.skipif(not LINUX or memory._duckdb_mallctl() is None, reason="DuckDB's jemalloc is Linux's")
def test_release_gives_back_what_a_finished_query_held():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    held, after = map(int, out.split())
    assert held - after > 100, (held, after)  # a 4M-group GROUP BY leaves ~180 MB with DuckDB


"""Give freed memory back to the system between chunks of units (docs/performance.md, "Memory").

DuckDB keeps the pages its queries freed in its own allocator (jemalloc, on Linux), and the C
library keeps what C++ code freed: a city's check, chunk after chunk, held 180 MB more at its
seventh chunk than at its first, though nothing of the first was still in use. `release` hands
both back, so a run's peak is one chunk's, whatever the number of units. Where the allocators
are not these (Windows, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

ALL_ARENAS = 4096  # jemalloc's MALLCTL_ARENAS_ALL: "arena.4096.purge" purges every arena


@functools.cache
def _duckdb_mallctl():  # the allocator inside DuckDB's extension module, when it is jemalloc
    try:
        import duckdb

        return ctypes.CDLL(duckdb._duckdb.__file__).duckdb_je_mallctl  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return None


@functools.cache
def _malloc_trim():  # glibc's
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (AttributeError, OSError):
        return None


def release() -> None:
    """Purge DuckDB's free pages and trim the C heap (no effect where neither applies)."""
    mallctl = _duckdb_mallctl()
    if mallctl is not None:
        mallctl(f"arena.{ALL_ARENAS}.purge".encode(), None, None, None, ctypes.c_size_t(0))
    trim = _malloc_trim()
    if trim is not None:
        trim(0)

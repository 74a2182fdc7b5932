"""`tracker` and `python -m tracker`: the command line, started without the garbage collector
and left without Python's teardown.

Importing polars, DuckDB, typer and tracker makes a few hundred thousand objects, and Python's
collector walks them again and again while they load and after. Start-up runs with it off; the
imported objects are then frozen (`gc.freeze`), so the collector, back on for the command,
leaves them alone: 60–100 ms less for every command (docs/architecture.md, "Performance").
At the end, freeing a city's frames and those objects one by one cost a load another 0.1 s:
once the command is done (its database closed, its files written) the process leaves at once,
after its output is flushed and its exit handlers have run (`leave`).
Tests call `tracker.cli.main` directly and keep the collector as it is.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading


def run() -> None:
    gc.disable()
    try:
        from tracker.cli import main
    finally:
        gc.freeze()
        gc.enable()
    try:
        main()
        code: object = 0
    except SystemExit as e:
        code = e.code
    leave(code)


def leave(code: object) -> None:
    """Exit with `code` (as `sys.exit` reads it) without tearing the interpreter down. With a
    thread still running (none is, once a command returns) the usual exit waits for it instead."""
    if threading.active_count() > 1:
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # the web server's upload folder, logging's flush
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (tracker status | head): nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":
    run()

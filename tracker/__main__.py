"""`tracker` and `python -m tracker`: the command line, started without the garbage collector.

Importing polars, DuckDB, typer and tracker makes a few hundred thousand objects, and Python's
collector walks them again and again while they load and after. Start-up runs with it off; the
imported objects are then frozen (`gc.freeze`), so the collector, back on for the command,
leaves them alone: 60–100 ms less for every command (docs/architecture.md, "Performance").
Tests call `tracker.cli.main` directly and keep the collector as it is.
"""

from __future__ import annotations

import gc


def run() -> None:
    gc.disable()
    try:
        from tracker.cli import main
    finally:
        gc.freeze()
        gc.enable()
    main()


if __name__ == "__main__":
    run()

"""The demo year loaded once per test session, shared by the report tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracker import api
from tracker.demo_data import DemoDesign, write_demo_ledgers

_CACHE: dict[str, Demo] = {}


@dataclass(frozen=True)
class Demo:
    db: Path
    design: DemoDesign


def demo_db(tmp_path_factory) -> Demo:
    """Write and load the synthetic 2025 (takes a few seconds; done once)."""
    if "demo" not in _CACHE:
        root = tmp_path_factory.mktemp("report_demo")
        files = write_demo_ledgers(root / "ledgers", 2025)
        db = root / "demo.duckdb"
        api.init(db)
        for f in files.files:
            api.load(db, f.kind, [f.path], **f.options)
        _CACHE["demo"] = Demo(db, files.design)
    return _CACHE["demo"]

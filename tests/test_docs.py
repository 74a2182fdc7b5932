"""The README documents every command and every ledger column (cf. sqlite-utils' test_docs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.cli import app, report_app
from tracker.ingest.kinds import KINDS

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(typer_app) -> list[str]:
    return [c.name or c.callback.__name__ for c in typer_app.registered_commands]


@pytest.mark.parametrize("name", _commands(app))
def test_every_command_is_documented(name):
    assert f"`tracker {name}" in README


@pytest.mark.parametrize("name", _commands(report_app))
def test_every_report_is_documented(name):
    assert f"`tracker report {name}" in README


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_stored_column_is_documented(kind):
    row = next(line for line in README.splitlines() if line.startswith(f"| `{kind}` |"))
    for c in KINDS[kind].columns:
        if c.stored:
            assert c.header in row, (kind, c.header)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    cmd = re.search(r"^pip install '\.\[test\]' && .*$", README, re.M)
    assert cmd and "pytest" in cmd.group(0)
    assert cmd.group(0) in ci  # the same line, verbatim

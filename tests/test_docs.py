"""The README and docs/ say what the code does (cf. sqlite-utils' test_docs).

Generated parts (the column tables of docs/ledgers.md) must equal what
tests/docs_gen.py makes from the declarations; hand-written parts must name
every command, report, column, rule key and check the code has.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docs_gen import DS_END, DS_START, column_tables, dataset_schema, section

from tracker.assess.checks import CHECKS, RULE_TITLES
from tracker.cli import app
from tracker.ingest.kinds import KINDS
from tracker.reports.registry import REPORTS
from tracker.rules import SPECS, _render

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


def _commands(typer_app) -> list[str]:
    return [c.name or c.callback.__name__ for c in typer_app.registered_commands]


def _report_commands() -> list[str]:
    """The commands `tracker report` offers, as click lists them (they are made on first use)."""
    import click
    import typer

    group = typer.main.get_command(app)
    ctx = click.Context(group)
    report = group.get_command(ctx, "report")
    return report.list_commands(click.Context(report, parent=ctx))


@pytest.mark.parametrize("name", _commands(app))
def test_every_command_is_documented(name):
    assert f"`tracker {name}" in README


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_is_a_command_and_documented(name):
    assert name in _report_commands()
    assert f"`tracker report {name}" in README
    assert f"`{name}" in (DOCS / "reports.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_stored_column_is_documented(kind):
    row = next(line for line in README.splitlines() if line.startswith(f"| `{kind}` |"))
    for c in KINDS[kind].columns:
        if c.stored:
            assert c.header in row, (kind, c.header)


def test_the_column_tables_of_the_docs_are_generated_from_the_declarations():
    text = (DOCS / "ledgers.md").read_text(encoding="utf-8")
    assert section(text) == column_tables(), "run: python tests/docs_gen.py"


def test_the_dataset_schema_in_the_docs_is_the_databases():
    text = (DOCS / "dataset.md").read_text(encoding="utf-8")
    assert section(text, DS_START, DS_END) == dataset_schema(), "run: python tests/docs_gen.py"


@pytest.mark.parametrize("key", list(SPECS))
def test_every_rule_key_is_in_docs_rules_with_its_default(key):
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    table = text[text.index("## The rules file"):]
    rows = [line for line in table.splitlines() if line.startswith(f"| `{key}` |")]
    assert rows, key
    assert f"| {_render(SPECS[key].default)} |" in rows[0]


@pytest.mark.parametrize("rule", list(CHECKS))
def test_every_check_is_in_docs_rules(rule):
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert f"| `{rule}` | {RULE_TITLES[rule]} |" in text


def _sources() -> list[Path]:
    return [p for d in ("tracker", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py")]


def test_docstrings_cite_docs_that_exist():
    cited = {}
    for p in _sources():
        for name in re.findall(r"docs/([\w-]+\.md)", p.read_text(encoding="utf-8")):
            cited.setdefault(name, p)
    assert cited, "the code cites docs/"
    missing = {n: str(p) for n, p in cited.items() if not (DOCS / n).is_file()}
    assert not missing


def test_nothing_cites_a_document_outside_the_repository():
    for p in [*_sources(), *DOCS.glob("*.md"), ROOT / "README.md", ROOT / "benchmarks" / "README.md"]:
        if p != Path(__file__):
            assert "SPEC §" not in p.read_text(encoding="utf-8"), p


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    cmd = re.search(r"^pip install '\.\[test\]' && .*$", README, re.M)
    assert cmd and "pytest" in cmd.group(0)
    assert cmd.group(0) in ci  # the same line, verbatim


def test_the_readme_lists_the_header_names_generated_from_the_declarations():
    from docs_gen import alias_lists, readme_aliases

    assert readme_aliases(README) == alias_lists(), "run: python tests/docs_gen.py"

"""The layers import one way (docs/architecture.md), and no module imports itself in a circle.

Every `import` and `from … import` of a tracker module is read from the source
(function-level imports too); a module may import its own layer or a lower one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "tracker"

# lowest first; a module belongs to the first entry whose prefix it has
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("values", ("tracker.values", "tracker.problems", "tracker.periods", "tracker.rules", "tracker.formats",
                "tracker.privacy", "tracker.words", "tracker.notice", "tracker.atomic", "tracker.userfiles", "tracker")),
    ("store", ("tracker.store",)),
    ("ingest", ("tracker.ingest",)),
    ("assess", ("tracker.assess",)),
    ("render", ("tracker.render",)),
    ("reports", ("tracker.reports", "tracker.exports", "tracker.demo_data", "tracker.certificates")),
    ("api", ("tracker.api",)),
    ("cli", ("tracker.cli", "tracker.web", "tracker.__main__")),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    best = None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and (best is None or len(p) > best[1]):
                best = (i, len(p))
    assert best is not None, module
    return best[0]


def imports(path: Path) -> set[str]:
    """tracker modules imported by the file (outside `if TYPE_CHECKING:` blocks)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("tracker"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tracker"):
            for a in node.names:  # `from tracker.x import y` may import the module tracker.x.y
                sub = f"{node.module}.{a.name}"
                out.add(sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                        or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module):
    mine = layer(module)
    higher = [m for m in imports(MODULES[module]) if layer(m) > mine]
    assert not higher, f"{module} ({LAYERS[mine][0]}) imports {higher}: see docs/architecture.md"


def test_no_import_cycles():
    """Function-level imports count too: a lazy import is still a dependency."""
    graph = {m: {i for i in imports(p) if i in MODULES and i != m} for m, p in MODULES.items()}
    # a package's __init__ importing its own submodules is a registry, not a cycle
    for m in graph:
        graph[m] = {i for i in graph[m] if not (MODULES[m].name == "__init__.py" and i.startswith(m + "."))}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = stack[stack.index(n):] + [n]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_the_layer_test_can_fail(tmp_path):
    """A low module importing a high one is caught (guards the test itself)."""
    bad = tmp_path / "tracker" / "values.py"
    bad.parent.mkdir()
    bad.write_text("from tracker.reports.model import Report\n", encoding="utf-8")
    found = imports(bad)
    assert found and all(layer(m) > layer("tracker.values") for m in found)
